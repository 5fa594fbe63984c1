"""Cards on list pages, read through html5lib: where a card's headline leads (inside when the
digest shows the article's text, else to the source), that the article's page stays one click
away, and that a body joining a body-less record reaches the list pages in the next build."""

from __future__ import annotations

import json
import posixpath

from bs4 import BeautifulSoup

from digest.build import build
from tests.conftest import age
from tests.river import river_files


def _cards(config, rel: str = "index.html") -> dict[str, BeautifulSoup]:
    page = BeautifulSoup((config.output / rel).read_bytes(), "html5lib")
    return {card.h2.a.get_text(): card for card in page.select("article.card")}


def _target(config, page: str, href: str):
    return config.output / posixpath.normpath(posixpath.join(posixpath.dirname(page), href))


def _record(text: str) -> dict:
    return json.loads(text.split("---")[1] if text.startswith("---") else text)


def test_a_card_leads_to_the_text_inside_or_to_the_source(make_site):
    files = river_files(12)
    config = make_site(files)
    build(config)
    cards = _cards(config)
    records = {_record(text)["title"]: (name, _record(text)) for name, text in files.items()
               if name.startswith("river")}
    inside = outside = 0
    for title, (name, record) in records.items():
        card = cards[title]
        headline = card.h2.a["href"]
        if name.endswith(".md"):  # a body: the headline leads to its page, the source beside it
            inside += 1
            page = _target(config, "index.html", headline)
            assert BeautifulSoup(page.read_bytes(), "html5lib").h1.get_text() == title
            assert card.select_one("a.source")["href"] == record["webUrl"]
            assert card.select_one("a.permalink") is None
        else:  # none: the headline is the source; its time links to its page
            outside += 1
            assert headline == record["webUrl"] and card.h2.a["class"] == ["out"]
            permalink = card.select_one("a.permalink")
            assert permalink.time["datetime"] == record["publishedDateTime"]
            page = BeautifulSoup(_target(config, "index.html", permalink["href"]).read_bytes(),
                                 "html5lib")
            assert page.h1.get_text() == title
            assert card.select_one("a.source") is None
        assert card.select_one(".gist .excerpt").get_text() == record["excerpt"]
        assert card.select_one(".meta a.provider bdi").get_text() == record["provider"]["name"]
        assert card.select_one(".meta img.logo")["src"] == record["provider"]["images"][0]["url"]
    assert inside and outside
    # The seed with a body (joined by content) leads inside too.
    seed = cards["Tech Tent: Facial recognition faces a reckoning"]
    assert not seed.h2.a["href"].startswith("https:")
    assert seed.select_one("a.source")["href"] == "https://www.bbc.co.uk/news/technology-53024985"


def test_a_body_joining_a_bodyless_record_turns_its_headline_inward_in_the_next_build(make_site):
    files = {name: text for name, text in river_files(6).items() if name.startswith("river")}
    config = make_site(files)
    build(config)
    title = _record(files["river000.yaml"])["title"]
    before = _cards(config)[title].h2.a["href"]
    assert before.startswith("https://")
    body = config.content / "river000.txt"  # same stem: it joins river000.yaml
    body.write_text("The body of the first article, at last.\n", encoding="utf-8")
    age(config.content.iterdir())
    build(config)
    after = _cards(config)[title].h2.a["href"]
    assert not after.startswith("https://")
    assert "body of the first article" in _target(config, "index.html", after).read_text()
    assert _cards(config, "providers/forbes/index.html")  # the other list pages were made too
