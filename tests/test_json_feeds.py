"""A JSON Feed 1.1 beside every Atom feed (the site's, topics', providers', stories', editions'),
valid against a JSON Schema written from the published specification, and linked from heads."""

from __future__ import annotations

import json
import posixpath
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from jsonschema import Draft202012Validator
from test_editions import files

from digest.build import build

BASE = "https://example.org/repo/"
SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "jsonfeed-1.1.schema.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    from conftest import REPO

    from digest.config import Config

    root = tmp_path_factory.mktemp("json-feeds")
    (root / "content").mkdir()
    for name, text in files().items():
        (root / "content" / name).write_text(text, encoding="utf-8")
    config = Config(root=root, content=root / "content", output=root / "_site",
                    templates=REPO / "templates", static=REPO / "static", base_url=BASE,
                    search=False, feed_entries=3).resolved()
    build(config)
    return config.output


def rel(output: Path, path: Path) -> str:
    return path.relative_to(output).as_posix()


def test_every_atom_feed_has_a_json_feed_beside_it(output):
    atom = {rel(output, p).removesuffix(".xml") for p in output.rglob("feed.xml")}
    json_ = {rel(output, p).removesuffix(".json") for p in output.rglob("feed.json")}
    assert atom == json_
    kinds = {path.split("/")[0] for path in atom}
    assert kinds == {"feed", "topics", "providers", "stories", "editions"}


def test_every_json_feed_is_valid_json_feed_1_1(output):
    for path in sorted(output.rglob("feed.json")):
        feed = json.loads(path.read_bytes())
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                  for e in VALIDATOR.iter_errors(feed)]
        assert errors == [], path
        assert feed["version"] == "https://jsonfeed.org/version/1.1"
        assert feed["feed_url"] == BASE + rel(output, path)
        ids = [item["id"] for item in feed["items"]]
        assert feed["items"] and len(ids) == len(set(ids)), path


def test_a_json_feed_holds_its_atom_feeds_entries(output):
    for path in sorted(output.rglob("feed.json")):
        feed = json.loads(path.read_bytes())
        atom = feedparser.parse(path.with_suffix(".xml").read_bytes())
        assert [i["id"] for i in feed["items"]] == [e.id for e in atom.entries], path
        assert [i["title"] for i in feed["items"]] == [e.title for e in atom.entries], path
        for item, entry in zip(feed["items"], atom.entries, strict=True):
            assert item["date_published"] == entry.published
            if path.parent.name != "editions":
                assert item["external_url"] == next(
                    link.href for link in entry.links if link.rel == "related")
                assert item.get("tags", []) == [t.term for t in entry.get("tags", [])]


def test_an_editions_json_feed_lists_each_days_headlines(output):
    feed = json.loads((output / "editions/feed.json").read_bytes())
    assert [i["title"] for i in feed["items"]] == ["Monday 15 June 2020", "Friday 12 June 2020",
                                                   "Wednesday 10 June 2020"]
    lines = feed["items"][0]["content_text"].splitlines()
    assert len(lines) == 5
    assert ("Rover lands on Mars (Planet) "
            "https://example.org/repo/articles/2020/06/rover-lands-on-mars/") in lines


def test_the_schema_refuses_what_the_specification_refuses():
    good = {"version": "https://jsonfeed.org/version/1.1", "title": "t",
            "items": [{"id": "1", "content_text": "x", "date_published": "2020-06-12T19:19:00Z"}]}
    assert VALIDATOR.is_valid(good)
    bad = [
        {**good, "version": "https://jsonfeed.org/version/1"},
        {k: v for k, v in good.items() if k != "items"},
        {**good, "items": [{"id": "1"}]},  # no content
        {**good, "items": [{"content_text": "x"}]},  # no id
        {**good, "items": [{"id": "1", "content_text": "x", "date_published": "12 June 2020"}]},
        {**good, "authors": [{}]},
    ]
    assert not any(VALIDATOR.is_valid(feed) for feed in bad)


def test_pages_link_their_json_feeds_in_their_heads(output):
    pages = sorted(output.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        head = BeautifulSoup(page.read_bytes(), "html5lib").head
        atom = [link["href"] for link in head.find_all("link", type="application/atom+xml")]
        jsons = [link["href"] for link in head.find_all("link", type="application/feed+json")]
        assert jsons == [href.removesuffix(".xml") + ".json" for href in atom], page
        for href in jsons:
            target = (href.removeprefix("/repo/") if href.startswith("/")  # 404.html's
                      else posixpath.normpath(posixpath.join(rel(output, page.parent), href)))
            assert (output / target).is_file(), (page, href)
    edition = BeautifulSoup((output / "editions/2020/06/15/index.html").read_bytes(), "html5lib")
    assert edition.head.find("link", type="application/feed+json", href="../../../feed.json")
