"""An open page whose article moves follows it, and an old address leads to the new page: real
Chromium against a running `digest serve`."""

from __future__ import annotations

import subprocess
import sys

from tests.browser.conftest import wait_until
from tests.browser.test_live_reload import ARTICLE, RECORD

OLD_TITLE = 'title: "Tech Tent: Facial recognition faces a reckoning"'
NEW_TITLE = 'title: "Tech Tent: Face recognition faces its reckoning"'
MOVED = "articles/2020/06/tech-tent-face-recognition-faces-its-reckoning/"


def retitle(served) -> None:
    record = served.content / RECORD
    record.write_text(record.read_text(encoding="utf-8").replace(OLD_TITLE, NEW_TITLE, 1),
                      encoding="utf-8")


def test_an_open_page_follows_its_retitled_article(served, page):
    page.goto(served.url + ARTICLE)
    retitle(served)
    wait_until(page, "path => location.pathname.includes(path)", MOVED)
    wait_until(page, "() => document.querySelector('h1').innerText.includes('its reckoning')")
    # Never published (no addresses.json), its old address is simply gone.
    assert page.goto(served.url + ARTICLE).status == 404  # type: ignore[union-attr]


def test_a_published_address_redirects_after_a_retitle(served, page):
    # A build publishes the address: addresses.json then lists it, and serve reads it.
    built = subprocess.run([sys.executable, "-m", "digest", "build"], cwd=served.root,
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    assert ARTICLE in (served.root / "addresses.json").read_text(encoding="utf-8")
    page.goto(served.url + ARTICLE)
    retitle(served)
    wait_until(page, "path => location.pathname.includes(path)", MOVED)
    # A reader with the old link lands on the new page, through the redirect page.
    other = page.context.new_page()
    other.goto(served.url + ARTICLE)
    wait_until(other, "path => location.pathname.includes(path)", MOVED)
    assert "its reckoning" in other.locator("h1").inner_text()
