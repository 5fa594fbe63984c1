"""The sample site in real headless Chromium: accessibility, search, and no third-party requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request

from tests.conftest import REPO

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
BBC = "articles/2020/06/tech-tent-facial-recognition-faces-a-reckoning/"
PAGES = ["", "topics/ai/", "providers/bbc/", BBC, "search/"]
WIDTHS = [390, 1280]


@pytest.fixture
def page(browser: Browser, sample_site) -> Iterator[Page]:
    """A fresh page whose requests to anywhere but the local server are recorded, then refused."""
    local = urlsplit(sample_site.base_url).netloc
    page = browser.new_page()
    page.outside = []  # type: ignore[attr-defined]
    page.csp_errors = []  # type: ignore[attr-defined]

    def route(route, request: Request) -> None:  # type: ignore[no-untyped-def]
        if urlsplit(request.url).netloc == local or request.url.startswith("data:"):
            route.continue_()
        else:
            page.outside.append((request.resource_type, request.url, page.url))  # type: ignore[attr-defined]
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: "Content Security Policy" in m.text
            and page.csp_errors.append(m.text))  # type: ignore[attr-defined]
    yield page
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_or_critical_violation(page: Page, sample_site, path, width):
    assert AXE.is_file(), f"{AXE} is missing: run 'npm ci' in {REPO} (make test does)"
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(sample_site.base_url + path)
    if path == "search/":
        page.fill(".pagefind-ui__search-input", "facial")
        page.wait_for_selector(".pagefind-ui__result-link")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], json.dumps([{k: v[k] for k in ("id", "impact", "help")} | {
        "nodes": [n["html"][:120] for n in v["nodes"][:3]]} for v in bad], indent=1)


def test_the_search_box_finds_the_bbc_article_by_a_word_of_its_body(page: Page, sample_site):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(sample_site.base_url)
    page.fill("#site-search", "liberties")  # in the BBC article's body, not its title or excerpt
    page.press("#site-search", "Enter")
    link = page.wait_for_selector(".pagefind-ui__result-link")
    assert page.url.startswith(sample_site.base_url + "search/")
    results = page.locator(".pagefind-ui__result-link")
    assert results.count() == 1
    assert results.first.inner_text() == "Tech Tent: Facial recognition faces a reckoning"
    link.click()
    page.wait_for_url(sample_site.base_url + BBC)
    assert page.locator("h1").inner_text() == "Tech Tent: Facial recognition faces a reckoning"
    assert page.csp_errors == []  # type: ignore[attr-defined]


def test_no_page_requests_any_host_but_the_site_except_its_images(page: Page, sample_site):
    paths = [p.relative_to(sample_site.output).as_posix().removesuffix("index.html")
             for p in sample_site.pages()]
    page.set_viewport_size({"width": 1280, "height": 4000})  # tall: lazy images load too
    for path in paths:
        page.goto(sample_site.base_url + path, wait_until="networkidle")
        images = set(page.eval_on_selector_all("img", "els => els.map(e => e.src)"))
        for kind, url, on in page.outside:  # type: ignore[attr-defined]
            assert kind == "image" and url in images, f"{on} requested {url} ({kind})"
        page.outside.clear()  # type: ignore[attr-defined]
    assert page.csp_errors == []  # type: ignore[attr-defined]
