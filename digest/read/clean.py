"""Clean text once, at load: mojibake, entities, Unicode form, whitespace, links."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

from digest.read.weburl import web_url

# Characters that start typical UTF-8-read-as-cp1252 sequences, C1 controls and the
# replacement character. ftfy costs ~1 ms a body, so only text showing one of them
# goes through it; clean text is left as it is either way.
_MOJIBAKE_HINT = re.compile("[\u00c2\u00c3\u00c5\u00e2\u00d0\u00d1\u00ef\u0080-\u009f\ufffd]")
# Controls (C0 but tab and newlines, DEL, C1) and noncharacters: browsers flag them as errors.
_CONTROL = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufdd0-\ufdef\ufffe\uffff]")
_ASTRAL_NONCHARACTERS = re.compile("[{}]".format("".join(
    chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(1, 17))))
_ASCII_CONTROL = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]")
_PLAIN_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n"
_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
"""Bidirectional controls (embeddings, overrides, isolates, LRM, RLM) and invisible spaces
(zero width, BOM): in a one-line field they can reorder or hide the text around it where it is
shown unisolated (a page's title, an attribute, a feed reader, a search result). The joiners
U+200C and U+200D are kept: they are part of words in Persian and Indic scripts, and of emoji."""
_BULLET = re.compile(r"\s*•\s*")
_INLINE_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")
_PLAIN_URL = re.compile(r"https?://(?![^/?#]*[Xx][Nn]--)(?:[A-Za-z0-9-]*\.)*[A-Za-z][A-Za-z0-9-]*"
                        r"(?::[0-9]{1,4})?(?:[/?#][!-%'-~]*)?")
"""An http(s) URL that cleaning leaves as it is: printable ASCII, no spaces, no entities (&), a
host whose last label starts with a letter (else it may be an address to check) and with no
IDNA label to check, a port below 10,000 (a larger one may be out of range)."""
_WORD = re.compile(r"\w+")
_ASCII_NOT_WORD = str.maketrans({chr(c): " " for c in range(128) if not _WORD.match(chr(c))})
"""Each ASCII character that ``_WORD`` does not match, to a space."""


def fix_encoding(text: str) -> str:
    """Undo mojibake and normalise to NFC, leaving clean text untouched."""
    if text.isascii():  # most text: no mojibake, and NFC already
        return text if _plain_ascii(text) else _ASCII_CONTROL.sub("", text)
    if _MOJIBAKE_HINT.search(text):
        import ftfy  # imported when needed: it costs a build start 60 ms, and few texts need it

        text = ftfy.fix_text(text, unescape_html=False, normalization="NFC")
    text = _CONTROL.sub("", text)
    if len(text.encode("utf-16-le")) > 2 * len(text):  # beyond the BMP: a far slower class
        text = _ASTRAL_NONCHARACTERS.sub("", text)
    return unicodedata.normalize("NFC", text)


def clean_line(value: str) -> str:
    """Clean a one-line field: encoding, HTML entities, invisible and bidirectional controls,
    runs of white space, and the spaces around bullets (one each side)."""
    text = fix_encoding(value)
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = _INVISIBLE.sub("", text)
        if "•" in text:
            text = _BULLET.sub(" • ", text)
    return " ".join(text.split())  # str.split() splits at exactly the white space \s matches


_SENTENCE_END = tuple(".!?…\"'”’»)]")
_DANGLING = " ,;:-–—•"
CUT_LENGTH = 200
"""Sources cut excerpts at about 300 characters: one this long that ends without a full stop
was cut; a shorter one may be a heading-like lede ("Email enhancements for 2020")."""


def mark_cut(excerpt: str) -> str:
    """Return an excerpt that stops mid-sentence ("… Azure AD users,", "… • Building") ending
    with "…", so it never reads as a whole paragraph: one that ends on a comma, colon, dash or
    bullet, or a long one (``CUT_LENGTH``) that ends without a full stop or a web address."""
    if not excerpt or excerpt.endswith(_SENTENCE_END):
        return excerpt
    last = excerpt.rpartition(" ")[2]
    if excerpt.endswith(tuple(_DANGLING)) or (
            len(excerpt) >= CUT_LENGTH and "://" not in last and not last.startswith("www.")):
        return excerpt.rstrip(_DANGLING) + "…"
    return excerpt


def invisible_controls(value: str) -> list[str]:
    """Name the invisible and bidirectional controls ``clean_line`` takes out of ``value``."""
    if value.isascii():
        return []
    return sorted({f"U+{ord(c):04X}" for c in _INVISIBLE.findall(html.unescape(value))})


def clean_paragraphs(text: str) -> str:
    """Clean plain text: one paragraph a non-empty line, white space tidied."""
    text = fix_encoding(text)
    if "&" in text:
        text = html.unescape(text)
    tidy = _tidy(text)
    lines = (tidy(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _tidy(text: str) -> Callable[[str], str]:
    """Choose how to tidy the spaces of each line of ``text``: str methods are ten times faster
    than the regex, and do the same where only spaces and tabs are to be tidied."""
    if not _plain_ascii(text):
        return lambda line: _INLINE_SPACES.sub(" ", line).strip()
    if "  " in text or "\t" in text:
        return lambda line: " ".join(line.split())
    return str.strip


def _plain_ascii(text: str) -> bool:
    """Tell whether ``text`` is ASCII with no control characters but tabs and line ends."""
    return text.isascii() and not text.encode("ascii").translate(None, _PLAIN_ASCII)


def clean_markdown(text: str) -> str:
    """Clean Markdown source; entities stay for the Markdown parser to decode."""
    lines = fix_encoding(text).splitlines()
    return "\n".join(line.rstrip("\t") for line in lines).strip("\n")


def safe_url(value: object) -> str | None:
    """Return ``value`` as a cleaned absolute http(s) URL, or None when it is anything else."""
    if not isinstance(value, str):
        return None
    if _PLAIN_URL.fullmatch(value):  # most URLs: a record holds several, and urlsplit is slow
        return value
    url = clean_line(value)
    return url if web_url(url) is not None else None


@lru_cache(maxsize=1 << 16)  # related coverage repeats the same URLs across many records
def normalise_url(url: str) -> str:
    """Return a key under which two spellings of the same article URL compare equal."""
    if _PLAIN_URL.fullmatch(url):  # most: split as urlsplit splits them, in half the time
        head, _, query = url[url.index("//") + 2:].partition("#")[0].partition("?")
        netloc, slash, path = head.partition("/")
        path = slash + path
    else:
        try:
            parts = urlsplit(url)
        except ValueError:  # not from safe_url, which never returns such a URL: the URL is its key
            return url
        netloc, path, query = parts.netloc, parts.path, parts.query
    path = path.rstrip("/") or "/"
    return f"{netloc.lower().removeprefix('www.')}{path}{'?' + query if query else ''}"


def words(text: str) -> list[str]:
    """Split text into case-folded words of letters and digits, for matching."""
    if text.isascii():  # most text: the regex's work, done faster by string methods
        return text.lower().translate(_ASCII_NOT_WORD).split()
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
