"""Hand-written fast paths give what the general code they stand in for gives, on any text."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.read import fast_yaml
from digest.read.clean import normalise_url
from digest.story.urlkey import _AMP_CACHE, _kept_query, story_key

MARKS = re.compile(r"(?:^|[\s\[\]{},])(?:[&*]\S|!|\?(?:[ \t]|$))|<<|^%", re.MULTILINE)
"""The marks screen as one regex, as it was written before ``_marked``."""
SECOND_DOCUMENT = re.compile(r"^(?:---|\.\.\.)(?:[ \t]|$)", re.MULTILINE)

yaml_bits = st.lists(st.sampled_from(
    ["&", "*", "!", "?", "<", "<<", "%", "-", "---", ".", "...", "a", " ", "\t", "\n", "\r",
     "[", "]", "{", "}", ",", ":", "\x85", "\u2028", "\u00a0", "\x1c", "é"]), max_size=12).map("".join)


@settings(max_examples=3000, deadline=None)
@given(yaml_bits)
def test_the_marks_and_document_screens_find_what_their_regexes_found(text: str) -> None:
    assert fast_yaml._marked(text) == bool(MARKS.search(text))
    found = fast_yaml._SECOND_DOCUMENT.match(text) or fast_yaml._LINE_START.search(text)
    assert bool(found) == bool(SECOND_DOCUMENT.search(text))


def split_key(url: str) -> str:
    """``normalise_url`` as urlsplit makes it."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/") or "/"
    return f"{parts.netloc.lower().removeprefix('www.')}{path}{'?' + parts.query if parts.query else ''}"


def split_story_key(url: str) -> str:
    """``story_key`` as urlsplit makes it."""
    try:
        parts = urlsplit(url if "://" in url.partition("?")[0] else f"//{url}")
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:
        return url
    path = parts.path
    if host.endswith(_AMP_CACHE):
        hops = path.split("/")
        at = 3 if len(hops) > 3 and hops[2] == "s" else 2
        if len(hops) > at and hops[1] in {"c", "v", "i"}:
            host = hops[at].lower().removeprefix("www.")
            path = "/" + "/".join(hops[at + 1:])
    segments = [s for s in path.split("/") if s and s.lower() != "amp"]
    if segments:
        last = segments[-1]
        if last.lower().endswith(".amp.html"):
            segments[-1] = last[:-9] + ".html"
        elif last.lower().endswith(".amp"):
            segments[-1] = last[:-4]
    return f"{host.removeprefix('amp.')}/{'/'.join(segments)}{_kept_query(parts.query)}"


url_bits = st.lists(st.sampled_from(
    ["a", "B", "1", ".", "/", "//", "-", "_", "www.", "WWW.", "amp.", "amp", "AMP", ".amp",
     ".amp.html", "x.cdn.ampproject.org/c/s/", "?", "#", "@", ":", "%", "=", "&", "utm_x=1",
     "\t", " ", "é", "[", "]"]), max_size=10).map("".join)
urls = st.tuples(st.sampled_from(["http://", "https://", "HTTP://", ""]), url_bits).map("".join)


@settings(max_examples=3000, deadline=None)
@given(urls)
def test_url_keys_are_the_keys_urlsplit_gives(url: str) -> None:
    if url.startswith(("http://", "https://")):
        normalise_url.cache_clear()
        try:
            expected = split_key(url)
        except ValueError:
            expected = url
        assert normalise_url(url) == expected
    story_key.cache_clear()
    assert story_key(url) == split_story_key(url)
