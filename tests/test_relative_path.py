"""Relative links between site pages match what posixpath.relpath gives."""

from __future__ import annotations

import posixpath
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from digest.render.pages import rel_url, relative_path

_PART = st.sampled_from(["articles", "2020", "06", "topics", "ai", "page", "2", "index.html", "é"])
_PATH = st.lists(_PART, max_size=6).map("/".join)


@given(_PATH, _PATH)
def test_relative_path_agrees_with_relpath(target: str, start: str) -> None:
    assert relative_path(target, start) == posixpath.relpath(target or ".", start or ".")


def test_relative_path_climbs_to_the_common_folder() -> None:
    assert relative_path("topics/ai/index.html", "articles/2020/06/story") == \
        "../../../../topics/ai/index.html"
    assert relative_path("articles/2020/06/other/index.html", "articles/2020/06/story") == \
        "../other/index.html"
    assert relative_path("index.html", "") == "index.html"


_ODD_PART = st.sampled_from(["articles", "topics", "ai", "index.html", "", ".", "..", ".x", "a b"])
_ANY_PATH = st.lists(st.one_of(_PART, _ODD_PART), min_size=1, max_size=5).map("/".join)


@given(_ANY_PATH, _PATH.map(lambda p: p + "/index.html" if p else "index.html"))
def test_the_rel_filter_shortcut_gives_what_relative_path_gives(target: str, page: str) -> None:
    context = {"page_path": page, "base_path": "/"}
    expected = quote(relative_path(target, posixpath.dirname(page)), safe="/") if target else ""
    assert rel_url(context, target) == expected  # type: ignore[arg-type]
