"""The yaml-rs fast path reads every document it accepts exactly as the PyYAML path does:
both read YAML 1.2, and type plain scalars as yaml-rs does."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
import yaml
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.read.fast_yaml import KeyLines, parse_plain
from digest.read.front_matter import YAML
from digest.read.load import parse_file
from digest.read.safe_yaml import MAX_DEPTH, parse_with_pyyaml
from digest.read.yaml_1_1 import truth
from digest.story.evidence import forced


def typed(value: object) -> object:
    """Spell out types, so that 1, 1.0 and True, or two time zones, never compare equal."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    offset = value.utcoffset() if isinstance(value, datetime) else None
    return (type(value).__name__, repr(value), offset)


def same_as_pyyaml(text: str) -> bool:
    """Assert the fast path agrees with PyYAML whenever it accepts ``text``; tell if it did."""
    fast = parse_plain(text, MAX_DEPTH)
    if fast is None:
        return False
    slow = parse_with_pyyaml(text)
    assert typed(fast[0]) == typed(slow.data), text
    assert fast[1] == slow.key_lines, text
    assert not slow.too_deep
    return True


def test_the_seed_records_take_the_fast_path() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "content").glob("*.txt"))]
    heads = [YAML.split(text) for text in texts if YAML.detect(text)]
    records = [head for head, rest in heads if not rest.strip()]
    assert len(records) == 2
    assert all(same_as_pyyaml(record) for record in records)


@pytest.mark.parametrize("text", [
    "published: yes", "flag: on", "title: No", "q: 012", "q: 0o12", "t: 1e3", "t: 1.5e3",
    "d: 2020-13-45", "d: 2020-06-10T10:00", "a: &x 1\nb: *x", "a: !!str 1", "a: !!int z",
    "a: 1\n---\nb: 2", "<<: {x: 1}", "? [a, b]\n: c", "a: 1\na: 2", "a: 0x1F", "a: 1_000",
    "a: 1:20", "a: .5", "a: \u2028b", "a: \x85", "- - - - - - - - - - x", "a: [1, 2", "a: b: c",
    "- " * 100_000 + "x", "a:\n" + "".join(" " * (i + 1) + "a:\n" for i in range(100)),
    '"quoted key": 1\nplain: "2020-06-10"', "items: [1, 2.5, -3, 2019-05-02T11:09:41Z]",
    "when: 2019-05-02T11:09:41+02:00\nother: 2019-05-02 11:09:41.5 -1",
])
def test_doubtful_and_edge_documents_agree_or_fall_back(text: str) -> None:
    same_as_pyyaml(text)


@pytest.mark.parametrize("text", ["a: &x 1\nb: *x",
                                  "title: =\ntitle: 12",  # a duplicate key hides the first value
                                  "title: [:1]", "title: [.:]", "a: [x:, y]", "a: {x:}",
                                  "- : x", "[a, b]: c", "x:\n  {a: 1}: c",  # PyYAML refuses
                                  "- " * 100_000 + "x", "a: 1\n---\nb: 2"])
def test_documents_whose_structure_the_libraries_read_differently_fall_back(text: str) -> None:
    assert parse_plain(text, MAX_DEPTH) is None


@pytest.mark.parametrize("text", ["published: yes", "q: 012", "d: 2020-13-45", "t: 1e3",
                                  "a: 1_000", "w: 2019-05-02T11:09:41Z", "n: [0x1F, .inf, ~]"])
def test_documents_yaml_1_1_typed_otherwise_take_the_fast_path(text: str) -> None:
    """No proof of agreement is needed: the PyYAML path types plain scalars as yaml-rs does."""
    assert same_as_pyyaml(text)


def test_nesting_past_the_limit_falls_back_wherever_it_hides() -> None:
    """Flow brackets, or block collections starting far right, are the only ways past 30."""
    flow = "a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    block = "".join("  " * i + "- a:\n" for i in range(MAX_DEPTH)) + "  " * MAX_DEPTH + "- x\n"
    compact = "".join("  " * (4 * i) + "- - - - x:\n" for i in range(9)) + " " * 40 + "y: 1\n"
    for text in (flow, block, compact):
        assert parse_plain(text, MAX_DEPTH) is None
        assert parse_with_pyyaml(text).too_deep
    shallow = "".join("  " * i + "- a:\n" for i in range(7)) + "  " * 7 + "- x\n"
    assert same_as_pyyaml(shallow)


# Plain and quoted scalars of every shape the two YAML versions might read differently.
words = st.sampled_from([
    "yes", "No", "on", "OFF", "y", "n", "true", "False", "null", "~", "", "012", "0o17", "0x1F",
    "0b101", "1_000", "1e3", "1.5e3", "1.5e+3", ".5", "-.inf", ".NaN", "1:20", "190:20:30.15",
    "2020-06-10", "2020-6-1 1:02:03", "2019-05-02T11:09:41Z", "2019-05-02t11:09:41.25+05:30",
    "2020-13-45", "<<", "=", "-1", "+7", "0", "00", "3.", "12", "4.0", "Title words", "AT&T",
    "5 * 3", "R&D", "Q: what?", "a # not a comment", "x#y", "#", "'", '"', "é…", "人工智能",
    "bell\x07", "del\x7f", "form\x0cfeed", "\x1b[0m", "tab\t: x", "[: 1]", "x ,: y",
])
# Values that plain records hold, so that most documents take the fast path and are compared.
usual = st.sampled_from(["12", "-1", "0", "4.5", "true", "false", "2019-05-02T11:09:41Z",
                         "2020-06-10", "Some words", "https://example.com/a?b=c&d=e", ""])
scalars = st.one_of(
    usual, usual, usual, usual, usual, usual,
    words,
    words.map(lambda w: '"' + w.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    words.map(lambda w: "'" + w.replace("'", "''") + "'"),
    st.text(alphabet="ab1-:.# ,[]{}'\"", max_size=8),
)
plain_keys = st.sampled_from(["title", "quality", "publishedDateTime", "topics", "a b"])
keys = st.one_of(plain_keys, plain_keys, plain_keys, st.sampled_from(["1", "on", '"quoted"', "'q'"]))


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        key, shape = draw(keys), draw(st.sampled_from(["scalar", "list", "flow", "map"]))
        if shape == "scalar":
            lines.append(f"{key}: {draw(scalars)}")
        elif shape == "list":
            lines.append(f"{key}:")
            lines += [f"  - {draw(scalars)}" for _ in range(draw(st.integers(1, 3)))]
        elif shape == "flow":
            lines.append(f"{key}: [{', '.join(draw(st.lists(scalars, max_size=3)))}]")
        else:
            lines.append(f"{key}:")
            lines += [f"  {draw(keys)}: {draw(scalars)}" for _ in range(draw(st.integers(1, 3)))]
    return "\n".join(lines) + "\n"


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_random_documents_agree_whenever_the_fast_path_accepts(text: str) -> None:
    try:
        same_as_pyyaml(text)
    except yaml.YAMLError:  # PyYAML refuses what the fast path accepted: a disagreement too
        pytest.fail(f"the fast path accepted a document PyYAML refuses: {text!r}")


def test_a_plain_record_takes_the_fast_path() -> None:
    """The fast path must not be a path nobody takes: plain records go through it."""
    text = ('title: "A title"\nquality: 57\nheat: -1\npublished: true\n'
            "publishedDateTime: 2019-05-02T11:09:41Z\ntopics:\n  - AI\n"
            'images:\n  - url: "https://img.example.com/a.jpg"\n    width: 860\n')
    assert same_as_pyyaml(text)
    data = parse_plain(text, MAX_DEPTH)[0]  # type: ignore[index]
    # Times are text to both paths: the fields that hold them read them (read.times).
    assert isinstance(data, dict) and data["publishedDateTime"] == "2019-05-02T11:09:41Z"


def test_key_lines_are_found_when_asked_for_and_by_pyyaml_when_the_text_misleads() -> None:
    text = "title: T\nexcerpt: |\n  x\nquality: q\n"
    _, lines = parse_plain(text, MAX_DEPTH)
    assert lines.get("quality") == 3 and dict(lines) == {"title": 0, "excerpt": 1, "quality": 3}
    # Lines that name keys the data has not (as a line of a text could): PyYAML's nodes decide.
    misled = KeyLines("a: 1\nb: 2\n", {"a": 1, "c": 2})
    assert dict(misled) == {"a": 0, "b": 1} and len(misled) == 2


YAML_1_1 = ("title: yes\ndraft: yes\npublished: Off\nquality: 012\nheat: 1_000\nlead: on\n"
            "story: no\npublishedDateTime: 2020-6-1 1:02:03.5 -5\nupdatedDateTime: 2020-06-02\n"
            "duration: 1:20\ntopics: [on, 2020-01-01, 12]\n")


def test_records_written_for_yaml_1_1_mean_what_they_meant_on_either_path() -> None:
    """Fields that expect a boolean or a time take YAML 1.1's spellings; text stays text."""
    anchored = YAML_1_1 + "note: &n x\n"  # an anchor: read by PyYAML
    assert parse_plain(YAML_1_1, MAX_DEPTH) is not None and parse_plain(anchored, MAX_DEPTH) is None
    fast, slow = (parse_file("a.yaml", text.encode()) for text in (YAML_1_1, anchored))
    assert not fast.diagnostics and not slow.diagnostics
    assert fast.record == replace(slow.record, source="a.yaml")  # type: ignore[arg-type]
    record = fast.record
    assert record is not None and record.title == "yes" and record.topics == ("on", "2020-01-01", "12")
    assert record.draft is True and record.feed_published is False
    assert (record.quality, record.heat, record.duration) == (12, 1000, 80)
    assert record.published == datetime(2020, 6, 1, 6, 2, 3, 500000, tzinfo=UTC)
    assert record.updated == datetime(2020, 6, 2, tzinfo=UTC)
    assert truth(record.extra["lead"]) is True and forced(record) is None
