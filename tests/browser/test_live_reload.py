"""Every save shows up in the open browser: real Chromium against a running `digest serve`."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.browser.conftest import WAIT_MS, wait_until

ARTICLE = "articles/2020/06/tech-tent-facial-recognition-faces-a-reckoning/"
BODY = "000_d987c4a45951b739.txt"
RECORD = "001_b0f9f3c565d07077.txt"


def test_rewritten_body_shows_on_the_open_page(served, page):
    requests: list[str] = []
    page.on("request", lambda request: urlsplit(request.url).netloc == urlsplit(served.url).netloc
            and requests.append(urlsplit(request.url).path))
    page.goto(served.url + ARTICLE)
    page.evaluate("window.openedByTest = true")
    loaded = len(requests)
    body = served.content / BODY
    for n in (1, 2):
        added = f"Paragraph {n} written while the page was open."
        body.write_text(body.read_text(encoding="utf-8") + added + "\n", encoding="utf-8")
        wait_until(page, "text => document.body.innerText.includes(text)", added)
    # The new body was swapped in: the test's mark stayed, and only the page itself was asked for
    # again: no stylesheet, and no second event stream (the script in the new body never ran).
    assert page.evaluate("window.openedByTest") is True
    # Chromium asks for the favicon on its own schedule, sometimes after the page has loaded.
    asked = [path for path in requests[loaded:] if not path.endswith("/favicon.svg")]
    assert asked == [urlsplit(served.url + ARTICLE).path] * 2
    assert page.url == served.url + ARTICLE


def test_a_change_outside_the_body_reloads_the_page(served, page):
    page.goto(served.url + ARTICLE)
    page.evaluate("window.openedByTest = true")
    record = served.content / RECORD
    # The excerpt is the page's description, in its head; the body is still found by its opening.
    record.write_text(record.read_text(encoding="utf-8").replace(
        "of this technology.", "of this new technology.", 1), encoding="utf-8")
    # (While the page reloads, its new head may not be parsed yet: no description, not yet.)
    wait_until(page, "() => document.querySelector('meta[name=description]')?.content"
               ".includes('this new technology')")
    assert page.evaluate("window.openedByTest") is None


def test_stylesheet_change_applies_without_navigation(served, page):
    page.goto(served.url)
    page.evaluate("window.openedByTest = true")
    before = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert before != "rgb(1, 2, 3)"
    sheet = served.root / "static" / "style.css"
    sheet.write_text(sheet.read_text() + "\nbody { background-color: rgb(1, 2, 3) !important; }\n")
    wait_until(page, "() => getComputedStyle(document.body).backgroundColor === 'rgb(1, 2, 3)'")
    assert page.evaluate("window.openedByTest") is True
    assert page.locator('link[rel="stylesheet"]').count() == 1


def test_invalid_yaml_shows_an_overlay_until_fixed(served, page):
    page.goto(served.url + ARTICLE)
    record = served.content / RECORD
    good = record.read_text(encoding="utf-8")
    # Line 2 of the file is `category: news`; a second colon makes it invalid YAML.
    record.write_text(good.replace("category: news", "category: news: <b>world</b>", 1),
                      encoding="utf-8")
    overlay = page.locator("#digest-problems")
    overlay.wait_for(state="visible", timeout=WAIT_MS)
    place = overlay.locator(".digest-problem-place").inner_text()
    assert place == f"content/{RECORD}:2"
    assert "invalid YAML" in overlay.inner_text()
    assert overlay.locator("b").count() == 0  # content is text, never markup
    assert f"content/{RECORD}:2: D108: invalid YAML" in served.wait_for_output(RECORD)
    assert "Tech Tent" in page.locator("h1").inner_text()  # the last good page is still served
    page.evaluate("window.openedByTest = true")

    record.write_text(good, encoding="utf-8")
    overlay.wait_for(state="detached", timeout=WAIT_MS)
    assert "Tech Tent" in page.locator("h1").inner_text()


def test_deleted_article_is_gone_from_its_url_and_the_home_page(page, served):
    # (page, served): the server is stopped while this page still holds its event stream.
    page.goto(served.url)
    assert page.get_by_text("Tech Tent: Facial recognition faces a reckoning").count() == 1
    (served.content / RECORD).unlink()
    (served.content / BODY).unlink()
    wait_until(page, "() => !document.body.innerText.includes('Tech Tent')")
    response = page.goto(served.url + ARTICLE)
    assert response is not None and response.status == 404
    assert "Page not found" in page.locator("h1").inner_text()
