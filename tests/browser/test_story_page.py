"""A story page in real headless Chromium at a phone's and a desktop's width: readable (no
sideways scrolling, every timeline row on screen), and axe finds nothing serious."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.conftest import REPO, SEEDS
from tests.test_sample_site import build_cli
from tests.test_story_pages import FILES

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, dict]]:
    root = tmp_path_factory.mktemp("story-browser")
    shutil.copytree(SEEDS, root / "content")
    for name, text in FILES.items():
        (root / "content" / name).write_text(text, encoding="utf-8")
    for folder in ("templates", "static"):
        shutil.copytree(REPO / folder, root / folder)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root / "_site")))
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    result = build_cli(root, "--content", str(root / "content"), "--output", str(root / "_site"),
                       "--base-url", base, "--report", str(root / "r.json"))
    assert result.returncode == 0, result.stderr
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base, json.loads((root / "r.json").read_text())
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_story_page_reads_at_phone_and_desktop_widths(browser: Browser, served, width, tmp_path):
    base, report = served
    story = next(s for s in report["stories"] if s["lead"] == "cities.yaml")
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(base + story["url"])
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        rows = page.query_selector_all(".timeline li")
        assert len(rows) == 4
        for row in rows:
            box = row.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
            assert box["height"] < 200  # a row, not a column of one word a line
        shot = page.screenshot(path=str(tmp_path / f"story-{width}.png"), full_page=True)
        assert len(shot) > 5000
        page.evaluate(AXE.read_text(encoding="utf-8"))
        results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        bad = [v["id"] for v in results["violations"] if v["impact"] in ("serious", "critical")]
        assert bad == []
    finally:
        page.close()
