"""Every place that parses a URL from content takes any text without raising, and agrees with
the others: an image that is kept has an origin the page's policy lists, as urlsplit reads it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from conftest import REPO
from hypothesis import example, given, settings
from hypothesis import strategies as st

from digest.config import load_config
from digest.errors import ConfigError
from digest.model import Image
from digest.plan.article import image_hosts
from digest.plan.urls import absolute_url
from digest.read.clean import normalise_url, safe_url
from digest.read.markdown import render_markdown
from digest.read.records import parse_record
from digest.read.weburl import ascii_host, csp_host, image_origin, image_url, web_url
from digest.render.pages import environment

BAD_PORTS = ["https://img.example::/x.png", "https://img.example:99999/x.png",
             "https://img.example:-1/x.png", "https://img.example:443;/x.png"]

_SCHEMES = st.one_of(st.sampled_from(["https", "http"]), st.sampled_from([
    "HTTPS", "hTtP", "javascript", "data", "ftp", "", " https", "ht\ttps", "https\n", "mailto",
    "file"]))
_SEPARATORS = st.one_of(st.just("://"), st.sampled_from([
    ":", ":/", ":///", "//", ":\\\\", ":/\t/", ": //"]))
_USERINFO = st.sampled_from(["", "", "user@", "u:p@", "@", "a@b@", "a\\@", "%40@", "ü@", "[@"])
_WHOLE_HOSTS = st.sampled_from([
    "img.example.org", "IMG.Example.COM", "a-b.example", "localhost", "1.2.3.4", "1.2.3",
    "0x7f.1", "08.1.1.1", "256.1.1.1", "01.2.3.4", "[::1]", "[::1", "::1]", "[v1.x]",
    "[fe80::1%25eth0]", "x[::1]", "[1.2.3.4]", "bücher.example", "ÜBER.example",
    "例え.テスト", "straße.de", "ΟΔΟΣ.gr", "ǅ.example", "xn--bcher-kva.example", "xn--zz",
    "a_b.example", "exa mple.com", "ex%61mple.com", "a..b", ".", "", "example.com.",
    "a" * 64 + ".example", "ü" * 70 + ".example", "evil.com⁄x.example", "ｅｘａｍｐｌｅ.com",
    "١٢٣.example", "a\u200db.example", "a\u3002example", "*.example", "a;b", "a b",
    "\u0000x", "\ufffd.example", "\U0001f600.example", "x\u0301.example"])
_LABELS = st.sampled_from([
    "img", "example", "org", "Example", "xn--bcher-kva", "xn--zz", "XN--ZZ", "xn--abc-", "0x1f",
    "0X1", "0", "1", "256", "08", "a_b", "bücher", "ÜBER", "straße", "ΟΔΟΣ", "a\u200db", "",
    "-", "ｅｘ", "例え", "ü" * 64, "a" * 64, "\u2488", "a⁄b", "%41", "a b"])
_HOSTS = st.one_of(_WHOLE_HOSTS, st.lists(_LABELS, min_size=1, max_size=4).map(".".join))
_PORTS = st.sampled_from(["", "", ":", "::", ":80", ":0", ":8443", ":65535", ":65536",
                          ":99999", ":-1", ":443;", ":٨٠", ": 80", ":+80", ":0x50", ":1:2"])
_TAILS = st.sampled_from(["", "/x.png", "/a b.jpg", "?q=1", "#f", "\\@evil.example/",
                          "/\t/x", "\n/x", "/%2F%zz", "/ü.png", "/x?y#z", ")", "/a\"b'c<d>"])
URL_LIKE = st.builds(lambda *parts: "".join(parts), _SCHEMES, _SEPARATORS, _USERINFO, _HOSTS,
                     _PORTS, _TAILS)
"""Shapes of URLs near the edge of what parses: schemes, slashes, userinfo, ports with junk,
IPv6 brackets, tabs and newlines, hosts in other scripts, percent-escapes."""
URLS = st.one_of(URL_LIKE, st.text(max_size=60),
                 st.builds(lambda a, b: a + b, URL_LIKE, st.text(max_size=12)),
                 st.builds(lambda a, b: a + b, st.text(max_size=12), URL_LIKE))


def _urlsplit_origin(url: str) -> str:
    """The origin of ``url`` as urlsplit reads it."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


@settings(max_examples=3000, deadline=None)
@given(URLS)
@example("https://bücher.example/b.png")
@example("http://ÜBER.example:8080/x")
@example("https://xn--zz.example/x.png")  # no IDNA label a browser takes
@example("https://a.0x1f/x.png")  # a browser reads the host as an address, and refuses it
def test_the_url_checks_never_raise_and_agree(url: str) -> None:
    split = web_url(url)
    origin = image_origin(url)
    assert origin is None or split is not None  # an image's URL is a web address first
    if split is not None:
        assert split.scheme in ("http", "https") and split.hostname
        assert split.port is None or 0 <= split.port <= 65535  # it does not raise
        assert "\\" not in split.netloc
    normalise_url(url)
    if split is not None and split.hostname:
        ascii_host(split.hostname)
        csp_host(split.hostname)
    assert image_hosts([Image(url)]) == ((origin,) if origin else ())

    shown = image_url(url)
    if shown is not None:
        assert shown.isascii() or urlsplit(shown).hostname.isascii()
        assert image_url(shown) == shown  # once is enough
        assert image_origin(shown) == _urlsplit_origin(shown) == origin
        assert image_hosts([Image(shown)]) == (origin,)


@settings(max_examples=2000, deadline=None)
@given(URLS)
@example(BAD_PORTS[0])
def test_a_kept_image_url_has_an_origin_as_urlsplit_reads_it(value: str) -> None:
    url = safe_url(value)
    if url is None:
        return
    assert web_url(url) is not None and safe_url(url) == url
    shown = image_url(url)
    if shown is not None:
        assert safe_url(shown) == shown
        origin = _urlsplit_origin(shown)
        assert image_hosts([Image(shown)]) == (origin,)
        assert re.fullmatch(r"https?://[a-z0-9.-]+(:[0-9]+)?", origin)


@settings(max_examples=1000, deadline=None)
@given(URLS)
@example(BAD_PORTS[1])
def test_records_take_any_url(url: str) -> None:
    data = {"title": "T", "webUrl": url, "images": [{"url": url}],
            "related": [{"title": "R", "webUrl": url, "images": [{"url": url}]}]}
    record, diagnostics = parse_record(data, "a.yaml", 1, {"images": 3, "related": 4})
    assert record is not None
    for image in (*record.images, record.related[0].image):
        if image is not None:
            assert image_hosts([image]) == (_urlsplit_origin(image.url),)
    shown = bool(record.images)
    assert shown == (record.related[0].image is not None)
    assert shown or {d.code for d in diagnostics} & {"D231", "D232"}


_IMG = re.compile(r'<img src="([^"]*)"')
_HREF = re.compile(r'<a href="([^"]*)"')


@settings(max_examples=1000, deadline=None)
@given(URLS)
@example("https://bücher.example/b.png")
@example("javascript:alert(1)")
def test_markdown_takes_any_url(url: str) -> None:
    # Destinations in angle brackets may hold spaces; reference definitions are parsed apart.
    source = (f"![a]({url}) [l]({url}) <{url}> ![b](<{url}>)\n\n![c][r] [d][r]\n\n"
              f"[r]: <{url}>\n")
    rendered = render_markdown(source)
    html = str(rendered.html)
    sources = [src.replace("&amp;", "&") for src in _IMG.findall(html)]
    assert sources == list(rendered.images)
    for src in sources:
        assert image_origin(src) == _urlsplit_origin(src)
    assert len(image_hosts(Image(src) for src in sources)) == len({image_origin(s) for s in sources})
    for href in _HREF.findall(html):  # "" for [l](), as markdown-it makes it: the page itself
        assert href == "" or web_url(href.replace("&amp;", "&")) is not None


@settings(max_examples=300, deadline=None)
@given(URLS)
@example("https://[example.org/")
def test_a_base_url_is_a_web_address_or_a_config_error(url: str) -> None:
    try:
        config = load_config(REPO / "digest.toml", {"base_url": url})
    except ConfigError as exc:
        assert "base_url must be an absolute http(s) URL" in str(exc)
        return
    assert environment(config).globals["base_path"].endswith("/")
    assert absolute_url(config, "a/index.html") == config.base_url + "a/"
