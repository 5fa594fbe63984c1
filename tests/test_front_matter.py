"""Front matter as users write it, through python-frontmatter's handlers: YAML (---), TOML (+++)
and JSON ({ ... }), Hugo's conventions, each problem told at its line."""

from __future__ import annotations

import json

import feedparser
import frontmatter
import pytest
from bs4 import BeautifulSoup

from digest.build import build
from digest.read.front_matter import HANDLERS, JsonFront, TomlFront, YamlFront, handler_of
from digest.read.load import parse_file

TOML = """\
+++
title = "Council adopts a TOML budget"
excerpt = "The city council voted on Tuesday."
publishedDateTime = 2020-06-12T19:19:00Z
webUrl = "https://example.com/toml-budget"
topics = ["Budgets", "Cities"]

[provider]
name = "Toml Times"
domain = "toml.example.com"

[[images]]
url = "https://img.example.com/budget.jpg"
width = 800
height = 450
+++

The council voted **seven to two**.
"""

JSON = """\
{
  "title": "Rover lands in JSON",
  "excerpt": "A rover landed on Thursday.",
  "publishedDateTime": "2020-06-11T08:00:00+02:00",
  "webUrl": "https://example.com/json-rover",
  "provider": {"name": "Json Journal", "domain": "json.example.com"},
  "topics": ["Space"]
}

The rover sent its first picture.
"""


def test_python_frontmatter_picks_our_handlers():
    assert isinstance(frontmatter.detect_format(TOML, HANDLERS), TomlFront)
    assert isinstance(frontmatter.detect_format(JSON, HANDLERS), JsonFront)
    assert isinstance(frontmatter.detect_format("---\ntitle: x\n---\n", HANDLERS), YamlFront)
    assert handler_of("Plain text that opens a body.\n") is None
    assert handler_of("{Editor's note} a body that opens with a brace\n") is None
    # Theirs are what ours build on: the library's interface, and its export for YAML and JSON.
    assert all(isinstance(h, frontmatter.default_handlers.BaseHandler) for h in HANDLERS)
    assert json.loads(HANDLERS[2].export({"title": "x"})) == {"title": "x"}


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_toml_and_json_front_matter_make_records_and_bodies(newline):
    toml = parse_file("budget.md", TOML.replace("\n", newline).encode())
    assert toml.diagnostics == ()
    record = toml.record
    assert (record.title, record.url, record.topics) == (
        "Council adopts a TOML budget", "https://example.com/toml-budget", ("Budgets", "Cities"))
    assert (record.provider.name, record.provider.domain) == ("Toml Times", "toml.example.com")
    assert record.images[0].url == "https://img.example.com/budget.jpg"
    assert record.published.isoformat() == "2020-06-12T19:19:00+00:00"
    assert toml.body.line == 18 and "seven to two" in toml.body.text
    as_json = parse_file("rover.md", JSON.replace("\n", newline).encode())
    assert as_json.diagnostics == ()
    assert as_json.record.title == "Rover lands in JSON"
    assert as_json.record.published.isoformat() == "2020-06-11T06:00:00+00:00"
    assert as_json.body.line == 10


def test_field_problems_point_at_the_line_of_the_field():
    toml = TOML.replace('topics = ["Budgets", "Cities"]', 'topics = ["Budgets"]\nquality = "high"')
    [warning] = parse_file("budget.md", toml.encode()).diagnostics
    assert (warning.code, warning.line) == ("D211", 7)
    toml = TOML.replace('domain = "toml.example.com"', 'domain = "toml.example.com"\n'
                        ).replace("[[images]]\nurl = \"https://img.example.com/budget.jpg\"",
                                  "[[images]]\nurl = \"ftp://img.example.com/budget.jpg\"")
    [warning] = parse_file("budget.md", toml.encode()).diagnostics
    assert (warning.code, warning.line) == ("D231", 13)  # the [[images]] table's line
    as_json = JSON.replace('"topics": ["Space"]', '"topics": ["Space"],\n  "heat": "warm"')
    [warning] = parse_file("rover.md", as_json.encode()).diagnostics
    assert (warning.code, warning.line) == ("D211", 8)
    as_json = JSON.replace('"publishedDateTime": "2020-06-11T08:00:00+02:00"',
                           '"publishedDateTime": "last Thursday"')
    [warning] = parse_file("rover.md", as_json.encode()).diagnostics
    assert (warning.code, warning.line) == ("D221", 4)


@pytest.mark.parametrize(("name", "text", "line", "col", "says"), [
    ("toml.md", '+++\ntitle = "x"\nexcerpt = "unclosed\nquality = 3\n+++\nBody\n', 3, 20,
     "invalid TOML"),
    ("toml.md", '+++\ntitle = "x"\n\ntitle = "again"\n+++\nBody\n', 4, 16, "invalid TOML"),
    ("json.md", '{\n  "title": "x"\n  "excerpt": "y"\n}\nBody\n', 3, 3, "invalid JSON"),
    ("json.md", "{\n  \"title\": 'single quotes'\n}\nBody\n", 2, 12, "invalid JSON"),
])
def test_syntax_errors_are_told_at_their_line(name, text, line, col, says):
    for newline in ("\n", "\r\n"):
        result = parse_file(name, text.replace("\n", newline).encode())
        [error] = result.diagnostics
        assert (error.code, error.severity, error.line, error.col) == ("D108", "error", line, col)
        assert error.message.startswith(says) and "line" not in error.message
        assert result.record is None and result.body is None and result.skipped


@pytest.mark.parametrize(("text", "opener"), [
    ('+++\ntitle = "x"\nBody that never ends the metadata.\n', "+++"),
    ('{\n  "title": "x"\nBody that never closes the object.\n', "{"),
])
def test_front_matter_that_never_closes_is_refused(text, opener):
    [error] = parse_file("open.md", text.encode()).diagnostics
    assert (error.code, error.line) == ("D107", 1) and f"opened with {opener} never" in error.message


def test_nesting_is_bounded_in_toml_and_json():
    deep = '{\n  "title": "Deep", "extra": ' + "[" * 40 + "]" * 40 + "\n}\nBody\n"
    result = parse_file("deep.md", deep.encode())
    assert result.record.title == "Deep"
    assert [d.code for d in result.diagnostics if d.code != "D220"] == ["D110"]
    hostile = '+++\ntitle = "x"\nextra = ' + "[" * 50_000 + "]" * 50_000 + "\n+++\nBody\n"
    [error] = parse_file("hostile.md", hostile.encode()).diagnostics
    assert error.code == "D111" and error.severity == "error"


def test_a_site_of_toml_json_and_yaml_front_matter(make_site):
    yaml_story = ("---\ntitle: A YAML story\npublishedDateTime: 2020-06-10T10:00:00Z\n"
                  "webUrl: https://example.com/yaml\n---\nThe YAML body.\n")
    config = make_site({"budget.md": TOML, "rover.md": JSON, "yaml.md": yaml_story,
                        "bad.md": '+++\ntitle = "x"\nexcerpt = "unclosed\n+++\nBody\n'})
    built = build(config, cached=False)
    bad = [d for d in built.checked.diagnostics if d.severity == "error"]
    assert [(d.path, d.line, d.code) for d in bad] == [("bad.md", 3, "D108")]
    site = config.output
    budget = BeautifulSoup((site / "articles/2020/06/council-adopts-a-toml-budget/index.html")
                           .read_text(encoding="utf-8"), "html5lib")
    assert budget.select_one("h1").get_text(strip=True) == "Council adopts a TOML budget"
    assert budget.select_one(".body strong").get_text() == "seven to two"
    assert "Toml Times" in budget.select_one(".byline").get_text()
    rover = (site / "articles/2020/06/rover-lands-in-json/index.html").read_text(encoding="utf-8")
    assert "The rover sent its first picture." in rover
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["Council adopts a TOML budget",
                                               "Rover lands in JSON", "A YAML story"]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_single_line_json_front_matter_is_read_with_its_lines(newline):
    one = ('{"title": "Rover lands", "publishedDateTime": "2020-06-11T06:00:00Z", '
           '"topics": ["Space"], "provider": {"name": "Wire", "domain": "wire.example"}, '
           '"excerpt": "A } brace in text"}' + newline + newline + "The rover landed." + newline)
    result = parse_file("rover.md", one.encode())
    assert result.diagnostics == ()
    record = result.record
    assert (record.title, record.topics, record.provider.name, record.excerpt) == (
        "Rover lands", ("Space",), "Wire", "A } brace in text")
    assert result.body.line == 3 and result.body.text == "The rover landed."
    alone = parse_file("alone.md", b'{"title": "No body", "heat": "warm"}')  # and no line break
    assert alone.record.title == "No body" and alone.body is None
    assert [(d.code, d.line) for d in alone.diagnostics] == [("D220", 1), ("D211", 1)]
    [error] = parse_file("bad.md", b'{"title": "x" "excerpt": "y"}\nBody\n').diagnostics
    assert (error.code, error.line, error.col) == ("D108", 1, 15)
    # An object left open on its first line is closed by a lone } line, as before.
    two = parse_file("two.md", b'{"title": "Two lines",\n "heat": 3\n}\nBody\n')
    assert two.record.title == "Two lines" and two.body.line == 4
    [error] = parse_file("open.md", b'{"title": "x",\nBody that never closes it.\n').diagnostics
    assert (error.code, error.line) == ("D107", 1)
