"""A hint shows a field in the syntax of the record it is about: a TOML (``+++``) or JSON
record's hint is TOML or JSON, and copying it over the bad line fixes the problem."""

from __future__ import annotations

import re

import pytest

from digest.read.load import parse_file

BAD = {  # field: (its bad value in TOML, in JSON, in YAML; the code it gets)
    "topics": ('"AI"', '"AI"', "AI", "D214"),
    "heat": ('"hot"', '"hot"', "hot", "D211"),
    "draft": ('"nope"', '"nope"', "nope", "D212"),
    "publishedDateTime": ('"soon"', '"soon"', "soon", "D221"),
    "provider": ("3", "3", "3", "D213"),
    "images": ("5", "5", "5", "D215"),
    "related": ("4", "4", "4", "D216"),
    "excerpt": ("[1, 2]", "[1, 2]", "[1, 2]", "D210"),
}
_SNIPPET = re.compile(r"(?:write|add|e\.g\.) (.+?)(?: or | on one line|$)")


def record(syntax: str, line: str) -> str:
    if syntax == "toml":
        return f'+++\ntitle = "T"\n{line}\nwebUrl = "https://x.example/a"\n+++\nBody text.\n'
    if syntax == "json":
        return f'{{\n"title": "T",\n{line},\n"webUrl": "https://x.example/a"\n}}\nBody text.\n'
    return f"---\ntitle: T\n{line}\nwebUrl: https://x.example/a\n---\nBody text.\n"


def assignment(syntax: str, key: str, value: str) -> str:
    return {"toml": f"{key} = {value}", "json": f'"{key}": {value}', "yaml": f"{key}: {value}"}[syntax]


@pytest.mark.parametrize("syntax", ["toml", "json", "yaml"])
@pytest.mark.parametrize("key", sorted(BAD))
def test_a_hint_is_in_the_records_syntax_and_fixes_it(syntax, key):
    value, code = BAD[key][("toml", "json", "yaml").index(syntax)], BAD[key][3]
    bad = assignment(syntax, key, value)
    [found] = [d for d in parse_file("a.md", record(syntax, bad).encode()).diagnostics
               if d.code == code]
    assert found.line == 3  # the field's own line
    snippet = _SNIPPET.search(found.hint)
    assert snippet, found.hint
    fix = snippet[1]
    assert fix.startswith(assignment(syntax, key, "")), fix
    fixed = parse_file("a.md", record(syntax, fix).encode())
    codes = {d.code for d in fixed.diagnostics}
    assert fixed.record is not None and code not in codes and "D108" not in codes, (fix, codes)


@pytest.mark.parametrize("text, hint", [
    ('+++\nexcerpt = "x"\n+++\nBody\n', 'add title = "..."'),
    ('{\n"excerpt": "x"\n}\nBody\n', 'add "title": "..."'),
    ('---\nexcerpt: x\n---\nBody\n', 'add title: "..."'),
])
def test_a_missing_title_is_asked_for_in_the_records_syntax(text, hint):
    [found] = [d for d in parse_file("a.md", text.encode()).diagnostics if d.code == "D201"]
    assert found.hint == hint
