"""Search under serve: the index of the site in memory, refreshed in the background."""

from __future__ import annotations

import json

from conftest import site_bytes
from test_search import STORIES

from digest.build import build
from digest.live.search import LiveSearch
from digest.output.search import LISTING


def test_the_main_bundle_is_there_at_once_and_the_months_follow(make_site):
    config = make_site(STORIES)
    build(config)
    site = {path: data for path, data in site_bytes(config.output).items()
            if not path.startswith("pagefind/")}
    live = LiveSearch()
    live.start(site)
    # Pagefind's scripts, and the main bundle, before the months are made in the background.
    assert live.file("pagefind/pagefind.js") and live.file("pagefind/pagefind-entry.json")
    live.wait()
    assert json.loads(live.file(LISTING)) == {
        "bundles": ["2021-03", "2021-02", "2020-05"], "refreshing": False}
    before = dict(live.files)
    assert any(path.startswith("pagefind/2020-05/fragment/") for path in before)

    alpha = "articles/2020/05/alpha-story/index.html"
    edited = {**site, alpha: site[alpha].replace(b"tells of", b"tells of quokkas and of")}
    live.refresh(edited)  # as serve does after each update
    live.wait()
    assert json.loads(live.file(LISTING))["refreshing"] is False
    changed = {p for p in before.keys() | live.files.keys() if before.get(p) != live.files.get(p)}
    assert changed and all(path.startswith("pagefind/2020-05/") for path in changed)
    assert live.failed == ""
    live.stop()
