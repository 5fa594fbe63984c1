"""Markdown too large or too dense to render in reasonable time is shown as plain text, with a
warning naming the body's file and line: decided from the text alone, the same in every build."""

from __future__ import annotations

import pytest
from conftest import record

from digest.build import build
from digest.cli import main
from digest.model import BodyFormat
from digest.read.load import parse_file
from digest.read.markdown import MAX_CHARACTERS, MAX_LINES, MAX_MARKS

HEAD = record(title="Pathological", url="https://example.com/p")
BODY_LINE = HEAD.count("\n") + 1
SIZE = 4_900_000
"""The size of the bodies that took markdown-it a minute (brackets) or 2 GB (emphasis)."""
SHAPES = {  # made when a test asks: 5 MB each
    "nested brackets": lambda: "[" * (SIZE // 2) + "a" + "]" * (SIZE // 2),
    "unclosed brackets": lambda: "[" * SIZE,
    "image openers": lambda: "![[" * (SIZE // 3),
    "emphasis runs": lambda: "*_" * (SIZE // 2),
    "links and emphasis": lambda: "[ a_" * (SIZE // 4),
    "block quotes": lambda: ">" * SIZE + " a",
    "lists": lambda: "- " * (SIZE // 2) + "a",
    "headings": lambda: "# a\n" * (SIZE // 4),
    "brackets within the size": lambda: "[" * (MAX_MARKS + 1),
    "headings within the size": lambda: "# a\n" * (MAX_LINES + 1),
}


def body_of(text: str):
    result = parse_file("p.md", (HEAD + text).encode())
    return result.body, [d for d in result.diagnostics if d.code == "D112"]


@pytest.mark.parametrize("shape", SHAPES)
def test_pathological_markdown_is_plain_text_with_a_warning(shape):
    body, said = body_of(SHAPES[shape]())
    assert body.format is BodyFormat.TEXT
    assert [(d.path, d.line, d.severity) for d in said] == [("p.md", BODY_LINE, "warning")]
    assert "shown as plain text" in said[0].message and said[0].hint


@pytest.mark.parametrize("within, beyond", [
    ("a" * MAX_CHARACTERS, "a" * (MAX_CHARACTERS + 1)),
    ("a\n" * (MAX_LINES - 1) + "a", "a\n" * MAX_LINES + "a"),
    ("*" * MAX_MARKS, "*" * MAX_MARKS + "_"),
], ids=["characters", "lines", "marks"])
def test_each_limit_is_exact(within, beyond):
    assert [(body.format, bool(said)) for body, said in map(body_of, (within, beyond))] == [
        (BodyFormat.MARKDOWN, False), (BodyFormat.TEXT, True)]


def test_a_pathological_body_builds_as_plain_text_and_check_reports_it(make_site, capsys,
                                                                       monkeypatch):
    ordinary = record(title="Ordinary", url="https://example.com/o") + "Some *emphasis*.\n"
    config = make_site({"p.md": HEAD + "*_" * MAX_MARKS + "\n\nA second paragraph.\n",
                        "o.md": ordinary})
    built = build(config)
    assert [d.code for d in built.checked.diagnostics] == ["D112"]
    pages = {p.parent.name: p.read_text() for p in (config.output / "articles").rglob("index.html")}
    assert "<p>" + "*_" * MAX_MARKS + "</p>" in pages["pathological"]
    assert "<p>A second paragraph.</p>" in pages["pathological"]
    assert "<em>emphasis</em>" in pages["ordinary"]
    monkeypatch.chdir(config.root)
    assert main(["check", "--content", str(config.content)]) == 0  # a warning
    out = capsys.readouterr().out
    assert f"content/p.md:{BODY_LINE}:1: warning D112: the Markdown body has 200,000 " in out
    assert out.splitlines()[-1] == "2 articles checked: 0 errors, 1 warning"


def test_long_ordinary_markdown_stays_markdown():
    # 600 kB of dense prose: a link, emphasis and code in every line, lists and headings.
    section = ("## A heading\n\n" + "Words with a [link](https://example.com/x), *some* "
               "**emphasis** and `code` in a line of an ordinary article.\n" * 40
               + "\n- an item\n- another item\n\n")
    text = section * (600_000 // len(section))
    body, said = body_of(text)
    assert body.format is BodyFormat.MARKDOWN and not said
