"""Tell which URLs from content are web addresses a browser reads as Python does, and name the
hosts of images as a Content-Security-Policy names them.

A URL from content is linked or shown only if it passes here: one whose authority does not
parse (a port of ``::``, ``99999`` or ``443;``), that a browser would refuse (``256.1.1.1``, an
``xn--`` label that is not Punycode), or would read with another host than written or than
``urlsplit`` reads (``1.2.3``, a ``\\`` in the authority), is not a link at all. An image must
also have a host the page's policy can allow: the policy lists the hosts of the images it
shows. Nothing here raises, whatever the text; ``tests/test_url_whatwg.py`` checks what it
takes against Node's URL, the browsers' WHATWG parser.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import SplitResult, urlsplit

_FORBIDDEN_IN_DOMAIN = re.compile(r"[\x00-\x20\x7f#%/:<>?@\[\\\]^|]")
"""What the URL standard forbids in a domain: a browser refuses a URL whose host holds one."""
_IPV6 = re.compile(r"\[([0-9A-Fa-f:.]+)\](?::[0-9]*)?")
"""A bracketed IPv6 address and its port, as a browser reads one: no zone, no IPvFuture."""
_CSP_HOST = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*")
"""A host as a policy's source names it (CSP's host-char): nothing else can be listed, and
nothing else may be, as a space or ";" would smuggle a directive into the policy."""
_NUMBER = re.compile(r"[0-9]+|0x[0-9a-f]*")
"""A last label that makes a browser read the whole host as an IPv4 address, its own way."""
_DOTS = re.compile("[.\u3002\uff0e\uff61]")
"""What IDNA takes for the dot between labels."""
_DEVIATIONS = re.compile("[\u00df\u03c2\u1e9e]")
"""Letters that IDNA 2003 (Python's codec) maps to others (``ss``, ``σ``) but browsers keep
(UTS 46): the two name different hosts."""
_KEPT = re.compile("[\u00df\u03c2]")
"""The deviations that browsers keep as they are."""
_ASCII_UPPER = re.compile("[A-Z]+")
_JOINERS = re.compile("[\u200c\u200d]")
"""IDNA 2003 drops them, browsers keep them, and refuse them but after a few scripts' marks."""
_PLAIN_IMAGE = re.compile(r"https?://(?![^/?#]*[Xx][Nn]--)(?:[A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*"
                          r"(?::[0-9]{1,4})?(?:[/?#][!-%'-~]*)?")
"""An image URL that ``image_url`` keeps as it is: an ASCII host ending in a name, not a
number, with no IDNA label to check, a port below 10,000, and printable ASCII after. Most
are; urlsplit costs more."""


def web_url(url: str) -> SplitResult | None:
    """Return an absolute http(s) URL split, or None if a browser would refuse it, or read
    another host than written or than ``urlsplit`` reads."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises for a port that is not a number up to 65535
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    netloc = parts.netloc
    if "\\" in netloc:  # a browser reads it as "/": the authority ends there, on another host
        return None
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        inner = _IPV6.fullmatch(host)
        return parts if inner and _is_ip(inner[1], ipaddress.IPv6Address) else None
    return parts if host_name(host.partition(":")[0]) is not None else None


def image_url(url: str) -> str | None:
    """Return an http(s) image URL with its host as the page's policy names it (IDNA), or None
    if it is not one or its host cannot be allowed (an IPv6 address, an ``_``...)."""
    if _PLAIN_IMAGE.fullmatch(url):
        return url
    parts = web_url(url)
    host = _written_host(parts) if parts is not None else ""
    if parts is None or csp_host(host) is None:
        return None
    if host.isascii():  # a browser reads it as the policy does
        return url
    # The URL as urlsplit read it: the authority follows "scheme://".
    text = url.lstrip(_C0_OR_SPACE).translate(_UNSPLIT)
    start = len(parts.scheme) + 3
    netloc = parts.netloc
    if text[start:start + len(netloc)] != netloc:
        return None
    userinfo, at, _ = netloc.rpartition("@")
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme}://{userinfo}{at}{csp_host(host)}{port}{text[start + len(netloc):]}"


_C0_OR_SPACE = "".join(map(chr, range(0x21)))
"""What urlsplit strips from the start of a URL."""
_UNSPLIT = str.maketrans("", "", "\t\r\n")
"""What urlsplit drops anywhere in a URL before splitting it."""


def image_origin(url: str) -> str | None:
    """Return the source a page's policy lists for an image URL (scheme, host, port), or None
    if the image cannot be allowed."""
    parts = web_url(url)
    host = csp_host(_written_host(parts)) if parts is not None else None
    if parts is None or host is None:
        return None
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme}://{host}{port}"


def _written_host(parts: SplitResult) -> str:
    """Return the host of a URL ``web_url`` took, as written: ``hostname`` is lower-cased by
    Python's rules, which are not IDNA's (a final "Σ" becomes "ς", another host)."""
    host = parts.netloc.rpartition("@")[2]
    return (parts.hostname or "") if host.startswith("[") else host.partition(":")[0]


@lru_cache(maxsize=1 << 12)
def csp_host(host: str) -> str | None:
    """Return a host as a policy's source names it, in ASCII (IDNA); None if it has no such
    name a browser reads as the same host."""
    name = host_name(host)
    return name if name is not None and _CSP_HOST.fullmatch(name) else None


@lru_cache(maxsize=1 << 12)
def host_name(host: str) -> str | None:
    """Return a host name (not an IPv6 address) as browsers read it, in ASCII; None if they
    would refuse it, or read it as another host than written."""
    name = ascii_host(host)
    if name is None or _FORBIDDEN_IN_DOMAIN.search(name):
        return None
    if _NUMBER.fullmatch(_last_label(name)) and not _is_ip(name, ipaddress.IPv4Address):
        return None  # "1.2.3" is 1.2.0.3 to a browser, "08.1.1.1" no host at all
    if "xn--" in name and not all(_sound(label) for label in name.split(".")):
        return None  # a browser refuses the URL
    return name


def _last_label(name: str) -> str:
    """Return the label a browser asks whether a host ends in a number: the last but a final
    empty one."""
    return name.removesuffix(".").rpartition(".")[2]


def ascii_host(host: str) -> str | None:
    """Return a host name in ASCII, each label of other letters in its IDNA (``xn--``) form as
    browsers put it; None if a label has none, or browsers would put it otherwise."""
    if host.isascii():
        return host.lower()
    labels = [_ascii_label(label) for label in _DOTS.split(host)]
    return None if None in labels else ".".join(labels)  # type: ignore[arg-type]  # no None


def _ascii_label(label: str) -> str | None:
    """Return one label as browsers put it in ASCII; None if they refuse it."""
    if label.isascii():
        return label.lower()
    if _JOINERS.search(label):
        return None
    label = _ASCII_UPPER.sub(lambda letters: letters[0].lower(), label)  # as every scheme does
    import stringprep  # here: few hosts need it
    from encodings import idna

    if any(map(stringprep.in_table_a1, label)):  # unassigned: Python's IDNA takes it, browsers not
        return None
    try:
        if not _DEVIATIONS.search(label):
            encoded = idna.ToASCII(label).decode("ascii").lower()
            # "⒈" is "1." to IDNA 2003, and refused by browsers (UTS 46 since Unicode 15.1).
            return None if "." in encoded else encoded
        # Put as browsers put it, if nothing else in it needs mapping: "xn--" and its Punycode.
        if any(idna.nameprep(part) != part for part in _KEPT.split(label)):
            return None
        encoded = "xn--" + label.encode("punycode").decode("ascii")
    except (UnicodeError, ValueError):  # too long, or prohibited characters
        return None
    return encoded if len(encoded) <= 63 else None


def _sound(label: str) -> bool:
    """Tell whether a label is plain, or an ``xn--`` one that browsers read as written."""
    if not label.startswith("xn--"):
        return True
    if len(label) > 63:  # as IDNA refuses, and Punycode's decoding takes quadratic time
        return False
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
    except (UnicodeError, ValueError):
        return False
    return not decoded.isascii() and _ascii_label(decoded) == label


def _is_ip(host: str, version: type[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> bool:
    """Whether ``host`` is an address of the IP ``version``, written as the standard writes it."""
    try:
        version(host)
    except ValueError:
        return False
    return True
