"""A video's page in real headless Chromium: nothing third-party loads until the reader asks;
"Play here" loads the player from the one allowed host; the page's policy refuses any other."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route

from digest.build import build
from tests.browser.conftest import wait_until
from tests.browser.test_reader import AXE
from tests.conftest import _QuietHandler
from tests.test_records_shown import FILES, VIDEO_PAGE

PLAYER = "https://www.youtube-nocookie.com/embed/YtVmtxvGT6o"
STUB = "<!DOCTYPE html><title>player</title><p id=stub>stub player</p>"


@pytest.fixture
def served_video(make_site) -> Iterator[str]:
    """Build the video fixtures with embeds allowed from YouTube's privacy-enhanced host, and
    serve them on 127.0.0.1; yield the video page's URL."""
    config = make_site(FILES, embed_hosts=("www.youtube-nocookie.com",))
    build(config)
    handler = functools.partial(_QuietHandler, directory=str(config.output))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{VIDEO_PAGE.removesuffix('index.html')}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page whose requests beyond 127.0.0.1 are recorded; the player's host answers with a
    stub page (no network), every other outside request is refused."""
    page = browser.new_page()
    page.outside = []  # type: ignore[attr-defined]
    page.csp_errors = []  # type: ignore[attr-defined]

    def route(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
            return
        page.outside.append(url)  # type: ignore[attr-defined]
        if url.startswith(PLAYER):
            route.fulfill(status=200, content_type="text/html", body=STUB)
        else:
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: "Content Security Policy" in m.text
            and page.csp_errors.append(m.text))  # type: ignore[attr-defined]
    yield page
    page.close()


def test_the_player_loads_only_when_asked_and_only_from_the_allowed_host(page: Page, served_video):
    page.goto(served_video)
    button = page.locator("button.load-embed")
    assert button.is_visible()  # shown by the page's own script
    assert page.locator("iframe").count() == 0
    assert not any("youtube" in url for url in page.outside)  # type: ignore[attr-defined]
    assert page.locator("figure a.play").get_attribute("href") == (
        "https://www.youtube.com/watch?v=YtVmtxvGT6o")

    button.click()
    wait_until(page, "() => !!document.querySelector('iframe.player')")
    frame_url = page.locator("iframe.player").get_attribute("src")
    assert frame_url == PLAYER
    # The frame's element comes before its page: wait for the stub player to load in it.
    page.frame_locator("iframe.player").locator("#stub").wait_for()
    assert any(f.url.startswith(PLAYER) for f in page.frames)
    assert page.outside.count(PLAYER) == 1  # type: ignore[attr-defined]
    assert page.csp_errors == []  # type: ignore[attr-defined]
    assert not page.locator("figure a.play").is_visible()


def test_the_policy_refuses_a_frame_from_any_other_host(page: Page, served_video):
    page.goto(served_video)
    page.evaluate("""() => {
        const frame = document.createElement('iframe');
        frame.src = 'https://www.youtube.com/embed/YtVmtxvGT6o';
        document.body.append(frame);
    }""")
    for _ in range(100):  # the refusal is reported on the console, a moment later
        if page.csp_errors:  # type: ignore[attr-defined]
            break
        page.wait_for_timeout(50)
    assert not any(url.startswith("https://www.youtube.com/embed")
                   for url in page.outside)  # type: ignore[attr-defined]
    assert any("frame-src" in error for error in page.csp_errors)  # type: ignore[attr-defined]


def test_the_video_page_has_no_serious_accessibility_violation(page: Page, served_video):
    page.goto(served_video)
    page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], json.dumps([{k: v[k] for k in ("id", "impact", "help")} for v in bad])
