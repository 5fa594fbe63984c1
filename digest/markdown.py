"""Markdown bodies: their HTML, with the images it shows."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from digest.weburl import image_origin, image_url, web_url

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from markupsafe import Markup


@dataclass(frozen=True, slots=True)
class Rendered:
    """A Markdown text as HTML, and the source of each image the HTML shows."""

    html: Markup
    images: tuple[str, ...]


@lru_cache(maxsize=1)  # an article's page asks twice: its policy's image hosts, then its HTML
def render_markdown(source: str) -> Rendered:
    """Render Markdown with raw HTML off, showing only images the page's policy can allow.

    markdown-it escapes all text it emits, and links only what ``web_url`` takes.
    """
    from markupsafe import Markup  # here: reading bodies needs none of it

    md = _parser()
    env: dict[str, object] = {}
    tokens = md.parse(source, env)
    images = []
    for token in tokens:
        for child in token.children or ():
            if child.type != "image":
                continue
            src = child.attrGet("src")
            if isinstance(src, str) and image_origin(src) is not None:
                images.append(src)
            else:  # it would be blocked: its text stands instead, as for a refused link
                _as_text(child, md.renderer.renderInlineAsText(child.children or [], md.options, env))
    return Rendered(Markup(md.renderer.render(tokens, md.options, env)), tuple(images))


def _as_text(token: Token, text: str) -> None:
    token.type, token.tag, token.nesting = "text", "", 0
    token.attrs, token.children, token.content = {}, None, text


@cache  # made on first use: most sites have no Markdown, and importing it costs a start 30 ms
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt
    from markdown_it.common.normalize_url import normalizeLink

    md = MarkdownIt("commonmark", {"html": False, "linkify": False})

    def normalize(url: str) -> str:
        if web_url(url) is None:  # as written: normalizing makes "https://a::/" a link to a
            return ""
        # An image's host as the page's policy lists it: markdown-it's own IDNA keeps case.
        return normalizeLink(image_url(url) or url)

    md.normalizeLink = normalize  # type: ignore[method-assign]
    # Only absolute http(s) links and images from content; anything else stays text.
    md.validateLink = lambda url: web_url(url) is not None  # type: ignore[method-assign]
    return md
