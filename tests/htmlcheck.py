"""Check a built site with a real HTML parser: well-formed, and nothing from content executable."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import html5lib

# Every element the templates and markdown-it (raw HTML off) can produce.
ALLOWED_TAGS = {
    "html", "head", "body", "meta", "title", "link", "header", "nav", "main", "footer", "section",
    "article", "figure", "div", "span", "p", "a", "img", "ul", "ol", "li", "h1", "h2", "h3", "h4",
    "h5", "h6", "time", "em", "strong", "code", "pre", "blockquote", "hr", "br",
    "form", "label", "input", "button", "noscript", "bdi", "small",
}
SCRIPT_TYPES = {"application/ld+json"}
"""Inline scripts allowed: data only. Code may only come from the site's own files."""
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "poster", "data"}


def parse(data: bytes) -> tuple[object, list[object]]:
    """Parse a page as a browser would; return the tree and the parse errors."""
    parser = html5lib.HTMLParser(namespaceHTMLElements=False)
    return parser.parse(data), list(parser.errors)


def page_problems(data: bytes) -> list[str]:
    """Return what is wrong with one page: parse errors, unexpected elements, unsafe URLs."""
    tree, errors = parse(data)
    problems = [f"parse error {e}" for e in errors]
    for element in tree.iter():  # type: ignore[attr-defined]
        if element.tag == "script":
            if element.get("type") not in SCRIPT_TYPES and not _own_script(element.get("src")):
                problems.append(f"script {dict(element.attrib)!r}")
        elif element.tag not in ALLOWED_TAGS:
            problems.append(f"element <{element.tag}>")
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                problems.append(f"event handler {name}={value!r}")
            if name in URL_ATTRIBUTES and not safe_link(value):
                problems.append(f"unsafe {name}={value!r} on <{element.tag}>")
    return problems


def _own_script(src: str | None) -> bool:
    return bool(src) and urlsplit(src).scheme == "" and not src.startswith("//")


def safe_link(value: str) -> bool:
    """Tell whether a link is http(s), or relative within the site (no scheme at all)."""
    scheme = urlsplit(value.strip()).scheme.lower()
    return scheme in ("http", "https") or (scheme == "" and not value.strip().startswith("//"))


def site_problems(output: Path) -> dict[str, list[str]]:
    """Check every HTML page under ``output``; return the problems of each page that has some."""
    found = {}
    for path in sorted(output.rglob("*.html")):
        problems = page_problems(path.read_bytes())
        if problems:
            found[path.relative_to(output).as_posix()] = problems
    return found


def all_text(output: Path) -> str:
    """Return every output file's bytes, decoded leniently, for searching."""
    return "\n".join(p.read_bytes().decode("utf-8", "replace")
                     for p in sorted(output.rglob("*")) if p.is_file())
