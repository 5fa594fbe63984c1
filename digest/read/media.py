"""Read what a record says of its media: a video's embed, an outlet's logo.

``featuredContent`` holds an embed as raw HTML (an ``<iframe>``): it is never injected. All that
is kept of it is the frame's address, when it is an https page on a host a policy can name, for
a site that opts in to click-to-load embeds (``embed_hosts``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser

from digest.model import Image
from digest.read.clean import safe_url
from digest.read.weburl import image_origin, image_url

_YOUTUBE_EMBED = re.compile(r"https?://(?:www\.)?youtube\.com/embed/([\w-]{6,20})(?:[?#].*)?")
PRIVATE_YOUTUBE = "https://www.youtube-nocookie.com/embed/"
"""YouTube's privacy-enhanced host: it sets no cookie until the reader plays the video."""
MAPPING = (dict, Mapping)
"""What a mapping of fields may be: ``isinstance`` tries ``dict`` (what YAML gives) first, in C;
the ``Mapping`` check alone took 0.2 µs, a dozen times a related item."""


def embed_source(value: object) -> str | None:
    """Return the https address of the first ``<iframe>`` in ``value`` (raw HTML), or None.

    A YouTube player is moved to YouTube's privacy-enhanced host, the same player without
    cookies; any other host is kept as it is, for the site's allow-list to decide on.
    """
    if not isinstance(value, str) or "<iframe" not in value.lower():
        return None
    finder = _FrameFinder()
    finder.feed(value[:20_000])  # an embed is a line of HTML; a page of it is no embed
    source = finder.source
    if source is None:
        return None
    source = safe_url("https:" + source if source.startswith("//") else source)
    if source is None:
        return None
    youtube = _YOUTUBE_EMBED.fullmatch(source)
    if youtube:
        return PRIVATE_YOUTUBE + youtube[1]
    origin = image_origin(source)  # a frame's origin is named as an image's is
    return source if origin is not None and origin.startswith("https://") else None


class _FrameFinder(HTMLParser):
    """Finds the ``src`` of the first ``iframe``; reads the HTML, runs nothing of it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.source: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "iframe" and self.source is None:
            self.source = next((v.strip() for k, v in attrs if k == "src" and v), None)


def logo_of(images: object) -> Image | None:
    """Return an outlet's logo, the first of its ``images`` with an http(s) source a page's
    policy can allow; a missing or unusable one is simply absent."""
    if not isinstance(images, list):
        return None
    for item in images[:5]:
        url = safe_url(item.get("url")) if isinstance(item, MAPPING) else None
        url = image_url(url) if url else None
        if url:
            width, height = item.get("width"), item.get("height")
            sized = all(type(n) is int and 0 < n <= 400 for n in (width, height))
            return Image(url, width if sized else None, height if sized else None)
    return None
