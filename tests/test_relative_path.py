"""Relative links between site pages match what posixpath.relpath gives."""

from __future__ import annotations

import posixpath

from hypothesis import given
from hypothesis import strategies as st

from digest.render import relative_path

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
