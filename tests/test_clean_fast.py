"""The fast paths of text cleaning give exactly what the plain regex definitions give."""

from __future__ import annotations

import html
import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.read.clean import (
    _MOJIBAKE_HINT,
    clean_line,
    clean_paragraphs,
    fix_encoding,
    safe_url,
    words,
)
from digest.read.weburl import web_url

_NONCHARACTERS = "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(17))
_CONTROL = re.compile(f"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufdd0-\ufdef"
                      f"{_NONCHARACTERS}]")
_INLINE_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")


def reference_fix(text: str) -> str:
    """fix_encoding for text without mojibake hints: controls out, then NFC."""
    return unicodedata.normalize("NFC", _CONTROL.sub("", text))


def reference_paragraphs(text: str) -> str:
    text = fix_encoding(text)
    if "&" in text:
        text = html.unescape(text)
    lines = (_INLINE_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def reference_line(text: str) -> str:
    text = fix_encoding(text)
    if "&" in text:
        text = html.unescape(text)
    return re.sub(r"\s+", " ", text).strip()


# Mostly ASCII, with the characters each fast path must notice: controls, tabs, runs of
# spaces, exotic spaces, line separators, entities, noncharacters beyond the BMP, emoji.
texts = st.text(alphabet=st.one_of(
    st.sampled_from("ab c.,\t\n  \r\x00\x07\x0b\x0c\x1c\x1f\x7f\x85\xa0\u2003\u2028\u3000"
                    "é…\ufdd0\uffff\U0001fffe\U0010ffff😀&;#"),
    st.characters(codec="ascii")), max_size=80)


@settings(max_examples=500, deadline=None)
@given(texts)
def test_fix_encoding_matches_the_regex_definition(text: str) -> None:
    if not _MOJIBAKE_HINT.search(text):  # ftfy's part is not a fast path
        assert fix_encoding(text) == reference_fix(text)


@settings(max_examples=500, deadline=None)
@given(st.one_of(texts, texts.map(lambda t: t + "&amp;&#9;&#x1F;&nbsp;")))
def test_paragraphs_and_lines_match_the_regex_definitions(text: str) -> None:
    assert clean_paragraphs(text) == reference_paragraphs(text)
    assert clean_line(text) == reference_line(text)


def reference_url(value: str) -> str | None:
    """safe_url by its definition: cleaned, then an http(s) URL whose authority parses, or None."""
    url = clean_line(value)
    return url if web_url(url) is not None else None


_URLISH = st.builds(
    lambda scheme, host, rest: scheme + "".join(host) + "".join(rest),
    st.sampled_from(["http://", "https://", "HTTP://", "ftp://", "http:/", "", " https://"]),
    st.lists(st.sampled_from(["a", "b.c", "-", "X", "0", ":", ":80", ":99999", ":65536", ":-1",
                              "[", "]", "@", " ", "\\", "%41", "xn--", "XN--zz", "0x", "1.2",
                              "256", "."]),
             max_size=4),
    st.lists(st.sampled_from(["/", "a", "?", "#", "&amp;", "&", "=", "%20", ";", " ", "\t",
                              "\u00e9", "\u00c3\u00a9", "\x00", "[", "]", "~"]), max_size=8))


@settings(max_examples=3000)
@given(_URLISH)
def test_safe_url_fast_path_matches_its_definition(value):
    assert safe_url(value) == reference_url(value)


@given(st.one_of(texts, st.text(st.characters(max_codepoint=127))))
def test_words_fast_path_matches_the_word_pattern(text: str) -> None:
    assert words(text) == re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())
