"""Markdown bodies: which are rendered as Markdown, and their HTML with the images it shows.

A body's Markdown is rendered when its page is, so what would make that too slow is decided
when the body is read, from its text alone: the same text is rendered the same way in every
build, and ``digest check`` reports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from digest.model import Body, BodyFormat, Diagnostic
from digest.read.clean import clean_markdown, clean_paragraphs
from digest.read.weburl import image_origin, image_url, web_url

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from markupsafe import Markup

MAX_CHARACTERS = 1_000_000
MAX_LINES = 50_000
MAX_MARKS = 100_000
"""Limits on a Markdown body, above which it is shown as plain text. markdown-it takes about a
microsecond a character of prose, but up to 20 for each line, bracket or emphasis mark, and
several hundred bytes for each: a 4.9 MB body of ``![[`` took 66 s to render, one of ``*_``
2.2 GB. Within all three a body takes 3 s and 150 MB at worst, a million characters of prose
1.3 s; long Markdown documents (900 kB of release notes: 50,000 marks, 16,000 lines) are within
them, and any news article far within."""
MARKS = "[]*_`\\&<"
"""The characters inline Markdown is made of: links, images, emphasis, code, escapes,
entities and autolinks."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """A Markdown text as HTML, and the source of each image the HTML shows."""

    html: Markup
    images: tuple[str, ...]


def markdown_body(rel: str, line: int, text: str, dateline: date | None
                  ) -> tuple[Body, tuple[Diagnostic, ...]]:
    """Make a Markdown body; one too large or too dense to render is plain text, with a warning."""
    source = clean_markdown(text)
    why = too_hard(source)
    if why is None:
        return Body(rel, line, BodyFormat.MARKDOWN, source, dateline), ()
    return Body(rel, line, BodyFormat.TEXT, clean_paragraphs(text), dateline), (Diagnostic(
        rel, line, "warning", "D112", f"the Markdown body has {why}; it is shown as plain text",
        "split it into several articles, or save it as a .txt body"),)


def too_hard(source: str) -> str | None:
    """Tell what of a Markdown text is beyond the limits, if anything is; counted in C."""
    if len(source) > MAX_CHARACTERS:
        return f"{len(source):,} characters, over {MAX_CHARACTERS:,}"
    lines = source.count("\n") + 1
    if lines > MAX_LINES:
        return f"{lines:,} lines, over {MAX_LINES:,}"
    marks = sum(source.count(mark) for mark in MARKS)
    if marks > MAX_MARKS:
        return f"{marks:,} of the characters {MARKS} that make links and emphasis, over {MAX_MARKS:,}"
    return None


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
