"""The Content-Security-Policy's image hosts: worked out from the start of each URL alone."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from digest.model import Image
from digest.plan.article import _origin, image_hosts

_PIECE = st.sampled_from(["https:", "http:", "HTTPS:", "//", "/", "img.example.com", "Img.Example.Net",
                          ":8443", ":", "::", ":99999", ":-1", ";", "@", "user", "?q=1", "#f",
                          "a.jpg", "[::1]", " ", "\t", "\n", "é", "x", "..", "%2F", "\\", "xn--"])


@settings(max_examples=1000)
@given(st.lists(_PIECE, max_size=8).map("".join))
@example("/\t/https:")  # urlsplit drops the tab, and the two slashes start an authority
@example("https://img.example::/x.png")  # no port: urlsplit's port raises
def test_an_image_host_is_the_origin_of_the_whole_url(url: str) -> None:
    expected = _origin.__wrapped__(url)  # uncached, the whole URL: what the policy must hold
    assert image_hosts([Image(url)]) == ((expected,) if expected else ())


def test_image_hosts_are_sorted_once_each() -> None:
    images = [Image("https://b.example/1.jpg"), None, Image("https://a.example:8443/2.jpg"),
              Image("https://b.example/3.jpg?x=1"), Image("http://user@A.example/4.jpg")]
    assert image_hosts(images) == ("http://a.example", "https://a.example:8443",
                                   "https://b.example")
