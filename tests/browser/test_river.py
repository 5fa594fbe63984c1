"""List pages as a news river, in real headless Chromium, on records shaped like the seeds (long
headlines, excerpts of about 300 characters, logos): at least 10 stories on a 1280×900 screen
and 4 on a 390×844 phone, every card's text at least 14 px, its excerpt one line, no sideways
scrolling, and axe finds nothing serious, tap targets included (WCAG 2.2's target size)."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import REPO
from tests.river import river_files
from tests.test_sample_site import build_cli

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SCREENS = [((1280, 900), 10), ((390, 844), 4)]
PAGES = ["", "topics/ai/", "providers/forbes/"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def river(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("river")
    (root / "content").mkdir()
    for name, text in river_files().items():
        (root / "content" / name).write_text(text, encoding="utf-8")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root / "_site")))
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    result = build_cli(root, "--content", str(root / "content"), "--output", str(root / "_site"),
                       "--base-url", base)
    assert result.returncode == 0, result.stderr
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


def _open(browser: Browser, url: str, size: tuple[int, int]) -> Page:
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    # Images from other hosts are refused (no network in tests): a broken picture keeps its box.
    page.route("**/*", lambda route, request: route.continue_()
               if request.url.startswith(url[:url.index("/", 8)]) else route.abort())
    page.goto(url)
    return page


def _on_screen(page: Page) -> int:
    """Return how many cards the first screen shows whole."""
    return page.evaluate("""() => [...document.querySelectorAll('article.card')].filter(c => {
        const box = c.getBoundingClientRect();
        return box.top >= 0 && box.bottom <= window.innerHeight; }).length""")


@pytest.mark.parametrize(("size", "least"), SCREENS)
@pytest.mark.parametrize("path", PAGES)
def test_a_screen_shows_many_stories_readably(browser: Browser, river, path, size, least):
    page = _open(browser, river + path, size)
    try:
        assert page.locator("article.card").count() >= 15
        shown = _on_screen(page)
        # The first screen of a topic or source holds its search box too: measured from its
        # first card, a screen holds as many as the home page's.
        if path:
            page.evaluate("document.querySelector('article.card').scrollIntoView()")
            shown = _on_screen(page)
        assert shown >= least, f"{shown} cards on a {size} screen"
        assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
        smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll(
            'article.card *')].filter(e => e.offsetParent !== null && [...e.childNodes].some(
            n => n.nodeType === 3 && n.textContent.trim())).map(
            e => parseFloat(getComputedStyle(e).fontSize)))""")
        assert smallest >= 14
        # One line: a block of one line's height on a phone, beside the outlet on a desktop.
        lines = page.evaluate("""() => [...document.querySelectorAll('.card .gist')].map(g =>
            g.getBoundingClientRect().height / parseFloat(getComputedStyle(g).lineHeight))""")
        assert lines and all(0.75 < n < 1.1 for n in lines), lines
    finally:
        page.close()


@pytest.mark.parametrize("size", [size for size, _ in SCREENS])
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_nothing_serious_tap_targets_included(browser: Browser, river, path, size):
    assert AXE.is_file(), f"{AXE} is missing: run 'npm ci' in {REPO} (make test does)"
    page = _open(browser, river + path, size)
    try:
        page.evaluate(AXE.read_text(encoding="utf-8"))
        results = page.evaluate("""axe.run(document, {resultTypes: ['violations'],
            rules: {'target-size': {enabled: true}}})""")
        bad = [v for v in results["violations"]
               if v["impact"] in ("serious", "critical") or v["id"] == "target-size"]
        assert bad == [], json.dumps([{k: v[k] for k in ("id", "impact", "help")} | {
            "nodes": [n["html"][:120] for n in v["nodes"][:3]]} for v in bad], indent=1)
    finally:
        page.close()
