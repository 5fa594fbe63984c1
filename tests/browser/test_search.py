"""Search in real headless Chromium: bundles merged in the browser, filters, edits, serve."""

from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page

from digest.build import build
from digest.config import Config
from tests.browser.conftest import WAIT_MS, Served, wait_until
from tests.conftest import REPO, SEEDS

BBC = "Tech Tent: Facial recognition faces a reckoning"
AMAZON = ("Amazon and Microsoft stopped working with police on facial recognition. "
          "For others it’s still big business")
BBC_BODY = "000_d987c4a45951b739.txt"


def titles(page: Page) -> list[str]:
    """The titles of the results shown, once they stop changing."""
    page.wait_for_selector(".pagefind-ui__result-link")
    page.wait_for_timeout(300)  # the merged bundles answer one after another
    return page.locator(".pagefind-ui__result-link").all_inner_texts()


def search(page: Page, base: str, query: str = "") -> list[str]:
    page.goto(f"{base}search/{query}")
    return titles(page)


@dataclass
class Built:
    """A copy of the sample content, built under /repo/ and served over HTTP."""

    config: Config
    base_url: str

    def index(self) -> dict[str, str]:
        return {p.relative_to(self.config.output).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted((self.config.output / "pagefind").rglob("*")) if p.is_file()}


@pytest.fixture
def built(tmp_path: Path) -> Iterator[Built]:
    shutil.copytree(SEEDS, tmp_path / "content")
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base_url = f"http://127.0.0.1:{server.server_address[1]}/repo/"
    config = Config(root=tmp_path, content=tmp_path / "content", output=tmp_path / "repo",
                    templates=REPO / "templates", static=REPO / "static", base_url=base_url,
                    cache_dir=tmp_path / "cache").resolved()
    build(config)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Built(config, base_url)
    finally:
        server.shutdown()
        server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_a_query_finds_articles_in_the_old_bundle_and_the_newest(page: Page, sample_site):
    found = search(page, sample_site.base_url, "?q=facial")
    assert BBC in found and AMAZON in found  # June's bundle and July's, the newest
    # The source and the date are details of their own, not run into the text.
    result = page.locator(".pagefind-ui__result", has_text=BBC)
    assert result.locator("[data-pagefind-ui-meta=source]").inner_text().strip() == "Source: BBC"
    assert result.locator("[data-pagefind-ui-meta=date]").inner_text().strip() == "Date: 12 June 2020"
    assert "BBC12" not in result.inner_text()


def test_filters_narrow_the_results_in_the_url_and_the_ui(page: Page, sample_site):
    assert search(page, sample_site.base_url, "?q=facial&source=BBC") == [BBC]
    assert search(page, sample_site.base_url, "?q=facial&topic=Natural+Language+Processing") == [
        AMAZON]
    assert sorted(search(page, sample_site.base_url, "?q=facial&year=2020")) == sorted([AMAZON, BBC])
    page.goto(f"{sample_site.base_url}search/?q=facial")
    assert len(titles(page)) >= 2
    page.get_by_label("Local News 8").check()
    wait_until(page, "() => document.querySelectorAll('.pagefind-ui__result-link').length === 1")
    assert titles(page) == [AMAZON]


def test_a_topic_page_searches_within_its_topic(page: Page, sample_site):
    page.goto(f"{sample_site.base_url}topics/computer-vision/")
    page.fill("#search-in", "facial")
    page.press("#search-in", "Enter")
    assert titles(page) == [BBC]
    assert "topic=Computer+Vision" in page.url


def test_after_an_edit_of_an_old_article_only_its_bundle_changes(page: Page, built: Built):
    page.goto(f"{built.base_url}search/?q=quokkazyx")
    wait_until(page, "() => /No results/.test(document.querySelector('#search').textContent)")
    before = built.index()
    body = built.config.content / BBC_BODY
    body.write_text(body.read_text() + "\nA quokkazyx was seen at the hearing.\n")
    build(built.config)
    after = built.index()
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    assert changed and all(p.startswith("pagefind/2020-06/") for p in changed), changed
    assert search(page, built.base_url, "?q=quokkazyx") == [BBC]


def test_search_works_under_a_project_path_and_says_why_not_from_disk(page: Page, built: Built):
    assert built.base_url.endswith("/repo/")
    page.goto(built.base_url)
    page.fill("#site-search", "liberties")
    page.press("#site-search", "Enter")
    assert titles(page) == [BBC]
    page.locator(".pagefind-ui__result-link").first.click()
    page.wait_for_url("**/repo/articles/2020/06/**")
    # From disk (file://) the browser lets no script fetch the index: the page says so.
    page.goto((built.config.output / "search/index.html").as_uri())
    wait_until(page, "() => document.getElementById('search-status').textContent !== ''")
    assert "served over HTTP" in page.locator("#search-status").inner_text()


def test_serve_serves_search_and_refreshes_it_after_an_edit(page: Page, served: Served):
    with urllib.request.urlopen(served.url + "pagefind/pagefind.js") as answer:
        assert answer.status == 200 and "javascript" in answer.headers["Content-Type"]
    page.goto(served.url + "search/?q=facial")
    wait_until(page, "() => document.querySelectorAll('.pagefind-ui__result-link').length >= 2",
               timeout=WAIT_MS * 3)
    body = served.content / BBC_BODY
    body.write_text(body.read_text() + "\nA quokkazyx was seen at the hearing.\n")
    served.wait_for_output(r"changed: ")
    for _ in range(30):  # the bundles are made again in the background
        page.goto(served.url + "search/?q=quokkazyx")
        page.wait_for_timeout(1000)
        if page.locator(".pagefind-ui__result-link").count():
            break
    assert titles(page) == [BBC]


def test_the_search_page_says_when_serve_is_bringing_the_index_up_to_date(page: Page, sample_site):
    # Under serve the listing says so while bundles are made again (digest/live/search.py);
    # here the built site's listing is answered as serve answers it then.
    def refreshing(route) -> None:  # type: ignore[no-untyped-def]
        route.fulfill(content_type="application/json",
                      body='{"bundles": ["2020-07", "2020-06"], "refreshing": true}')

    page.route("**/pagefind/bundles.json", refreshing)
    assert BBC in search(page, sample_site.base_url, "?q=facial")
    assert "brought up to date" in page.locator("#search-status").inner_text()
