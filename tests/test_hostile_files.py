"""Broken files: each gets a clear diagnostic, and the rest of the site still builds."""

from __future__ import annotations

import os
import resource
import time

import pytest
from conftest import record

from digest.build import build
from digest.model import Diagnostic
from digest.read.load import parse_file

SOUND = record(title="A sound story", url="https://example.com/sound") + "The sound body.\n"


def codes(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics]


def build_with(make_site, bad: dict[str, str | bytes], **settings):
    """Build a site of one sound article and the bad files; return the build and its titles."""
    config = make_site({"sound.txt": SOUND, **bad}, **settings)
    built = build(config)
    titles = {built.checked.site.articles[a].record.title for a in built.checked.site.order}
    assert "A sound story" in titles
    page = config.output / "articles/2020/06/a-sound-story/index.html"
    assert "The sound body." in page.read_text(encoding="utf-8")
    return built, titles


def only(diagnostics, code: str) -> Diagnostic:
    found = [d for d in diagnostics if d.code == code]
    assert len(found) == 1, diagnostics
    return found[0]


# --- YAML --------------------------------------------------------------------------------

def test_invalid_yaml_is_reported_at_its_line(make_site):
    bad = "---\ntitle: ok\nexcerpt: [unclosed\nwebUrl: x\n---\nbody\n"
    built, titles = build_with(make_site, {"bad.md": bad})
    problem = only(built.checked.diagnostics, "D108")
    assert problem.path == "bad.md" and problem.severity == "error"
    assert problem.line >= 3 and "invalid YAML" in problem.message
    assert titles == {"A sound story"}


def test_alias_bomb_is_refused_fast_with_bounded_memory(make_site):
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    bomb = "---\n" + "\n".join(levels) + "\ntitle: *i\nexcerpt: *i\n---\n"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    built, titles = build_with(make_site, {"bomb.txt": bomb})
    elapsed = time.perf_counter() - start
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    problem = only(built.checked.diagnostics, "D111")
    assert "bomb" in problem.message and problem.path == "bomb.txt"
    assert titles == {"A sound story"}
    # Expanded, the bomb is 9**9 (387 million) strings: gigabytes, minutes.
    assert elapsed < 10 and grown_kb < 200_000


def test_anchors_within_budget_still_work():
    text = "---\nbase: &p {name: BBC, domain: bbc.co.uk}\ntitle: T\nprovider: *p\n---\n"
    result = parse_file("a.txt", text.encode())
    assert result.record is not None and result.record.provider.name == "BBC"


def test_circular_alias_is_refused():
    result = parse_file("a.yaml", b"title: &t [*t]\n")
    assert result.record is None and codes(result.diagnostics) == ["D111"]


def test_nesting_that_crashes_libyaml_is_refused_fast():
    # Plain yaml.load spends minutes on this, then overflows the C stack and kills the process.
    deep = "---\ntitle: Deep junk\njunk: " + "[" * 200_000 + "]" * 200_000 + "\n---\nBody.\n"
    start = time.perf_counter()
    result = parse_file("deep.txt", deep.encode())
    assert time.perf_counter() - start < 5
    assert result.record is None
    problem = only(result.diagnostics, "D111")
    assert problem.line == 3 and "nested more than 64 deep" in problem.message


@pytest.mark.parametrize("junk", [
    "[" * 50 + "]" * 50,
    "".join(f"\n{' ' * (i + 1)}k{i}:" for i in range(60)) + " leaf",
])
def test_nesting_past_the_limit_is_cut_off(junk):
    text = f"---\ntitle: Deep junk\nwebUrl: https://example.com/deep\njunk: {junk}\n---\nBody.\n"
    result = parse_file("deep.txt", text.encode())
    assert result.record is not None and result.record.title == "Deep junk"
    problem = only(result.diagnostics, "D110")
    assert problem.line >= 4 and problem.severity == "warning"
    value, depth = result.record.extra["junk"], 0
    while isinstance(value, (list, dict)):
        value, depth = next(iter(value.values())) if isinstance(value, dict) else value[0], depth + 1
    assert value is None and depth == 31  # 31 levels under the record's own mapping, then null


def test_deeply_nested_unknown_field_keeps_the_record(make_site):
    junk = "{a: " * 60 + "1" + "}" * 60
    bad = record(title="Nested junk", url="https://example.com/nested", extra=f"junk: {junk}")
    built, titles = build_with(make_site, {"nested.txt": bad + "Body.\n"})
    assert "Nested junk" in titles
    assert only(built.checked.diagnostics, "D110").path == "nested.txt"


@pytest.mark.parametrize("text, kind", [
    ("- title: one\n- title: two\n", "a list"),
    ("just a sentence\n", "a str"),
    ("42\n", "an int"),
])
def test_record_that_is_not_a_mapping(text, kind):
    result = parse_file("r.yaml", text.encode())
    assert result.record is None
    problem = only(result.diagnostics, "D200")
    assert problem.severity == "error" and kind.split()[-1] in problem.message


def test_front_matter_that_never_closes(make_site):
    built, titles = build_with(make_site, {"open.md": "---\ntitle: Never closed\n\nBody text.\n"})
    problem = only(built.checked.diagnostics, "D107")
    assert problem.line == 1 and problem.severity == "error"
    assert "open.md" in built.checked.loaded.skipped and titles == {"A sound story"}


def test_yaml_file_with_a_document_marker_only_is_a_record():
    result = parse_file("r.yaml", b"---\ntitle: Marker only\n")
    assert result.record is not None and result.record.title == "Marker only"


def test_a_date_that_is_no_date_is_ignored_and_the_record_kept():
    result = parse_file("r.yaml", b"title: T\npublishedDateTime: 2020-13-45\n")
    assert result.record is not None and result.record.published is None
    assert codes(result.diagnostics) == ["D221"] and "2020-13-45" in result.diagnostics[0].message


# --- encodings and bytes -----------------------------------------------------------------

def test_cp1252_file_is_read_with_a_clear_warning():
    text = record(title="Caf\u00e9 \u201cquoted\u201d \u2014 dash") + "Na\u00efve body\u2026\n"
    result = parse_file("a.txt", text.encode("cp1252"))
    assert result.record.title == "Caf\u00e9 \u201cquoted\u201d \u2014 dash"
    assert result.body.text == "Na\u00efve body\u2026"
    problem = only(result.diagnostics, "D106")
    assert "Windows-1252" in problem.message and "Latin-1" in problem.message
    assert problem.line == 2 and "UTF-8" in problem.hint


def test_latin1_file_reads_the_same_as_cp1252():
    result = parse_file("a.txt", "\u00c0 bient\u00f4t, Gr\u00fc\u00dfe\n".encode("latin-1"))
    assert result.body.text == "\u00c0 bient\u00f4t, Gr\u00fc\u00dfe"
    assert codes(result.diagnostics) == ["D106"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_byte_order_marks(encoding):
    text = record(title="Marked \u00e9t\u00e9") + "Body \u2603\n"
    raw = text.encode(encoding)
    if encoding == "utf-16-be":
        raw = b"\xfe\xff" + raw
    result = parse_file("a.txt", raw)
    assert result.diagnostics == ()
    assert result.record.title == "Marked \u00e9t\u00e9" and result.body.text == "Body \u2603"


def test_crlf_and_bare_cr_line_ends():
    text = record(title="Windows") + "First paragraph.\n\nSecond paragraph.\n"
    for newline in ("\r\n", "\r"):
        result = parse_file("a.txt", text.replace("\n", newline).encode())
        assert result.diagnostics == ()
        assert result.record.title == "Windows"
        assert result.body.paragraphs == ("First paragraph.", "Second paragraph.")
        assert result.record.published.isoformat() == "2020-06-12T19:19:00+00:00"


def test_crlf_keeps_line_numbers():
    text = "---\r\ntitle: T\r\nquality: high\r\n---\r\nBody\r\n"
    result = parse_file("a.txt", text.encode())
    assert only(result.diagnostics, "D211").line == 3


def test_nul_bytes_are_removed_and_reported():
    raw = record(title="With NULs").encode() + b"Some\x00 body\x00 text.\n"
    result = parse_file("a.txt", raw)
    assert result.body.text == "Some body text."
    problem = only(result.diagnostics, "D109")
    assert "2 NUL" in problem.message and problem.line == 12


def test_binary_files_are_skipped(make_site):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
    noise = bytes((i * 97 + 13) % 256 for i in range(4096) if (i * 97 + 13) % 256)
    built, _ = build_with(make_site, {"photo.png": png, "photo.txt": png, "noise.txt": noise})
    by_path = {d.path: d for d in built.checked.diagnostics}
    assert by_path["photo.png"].code == "D103" and by_path["photo.png"].severity == "info"
    assert by_path["photo.txt"].code == "D103" and "binary" in by_path["photo.txt"].message
    assert by_path["noise.txt"].code == "D103"
    assert {"photo.png", "photo.txt", "noise.txt"} <= set(built.checked.loaded.skipped)


@pytest.mark.parametrize("data", [b"", b"  \n\n\t\n", b"\xef\xbb\xbf"])
def test_empty_files(data):
    result = parse_file("empty.txt", data)
    assert result.skipped and codes(result.diagnostics) == ["D105"]


def test_file_over_the_size_limit(make_site):
    big = record(title="Too big") + "word " * 400
    built, titles = build_with(make_site, {"big.txt": big}, max_file_size=1_000)
    problem = only(built.checked.diagnostics, "D102")
    assert problem.path == "big.txt" and "max_file_size" in problem.hint
    assert "Too big" not in titles


# --- links and paths ---------------------------------------------------------------------

def test_body_path_that_climbs_out_is_refused(make_site, tmp_path):
    (tmp_path / "secret.txt").write_text("TOP SECRET\n")
    built, titles = build_with(make_site, {
        "climb.yaml": "title: Climber\nbody: ../secret.txt\n",
        "abs.yaml": "title: Absolute\nbody: /etc/passwd\n",
        "deep.yaml": "title: Deep climber\nbody: ../../../../etc/passwd\n",
    })
    problems = [d for d in built.checked.diagnostics if d.code == "D302"]
    assert sorted(d.path for d in problems) == ["abs.yaml", "climb.yaml", "deep.yaml"]
    pages = "".join(p.read_text() for p in (tmp_path / "_site").rglob("*.html"))
    assert "TOP SECRET" not in pages and "root:" not in pages
    assert {"Climber", "Absolute", "Deep climber"} <= titles  # published without a body


def test_symlinks_outside_or_looping_are_refused(make_site, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text(record(title="Linked from outside") + "Outside body.\n")
    (tmp_path / "outside-dir").mkdir()
    config = make_site({"sound.txt": SOUND})
    os.symlink(outside, config.content / "link.txt")
    os.symlink(config.content / "loop-a.txt", config.content / "loop-b.txt")
    os.symlink(config.content / "loop-b.txt", config.content / "loop-a.txt")
    os.symlink(tmp_path / "outside-dir", config.content / "linked-dir")
    os.symlink(config.content / "sound.txt", config.content / "inside.txt")
    built = build(config)
    found = {d.path: d for d in built.checked.diagnostics if d.code == "D104"}
    assert set(found) == {"link.txt", "loop-a.txt", "loop-b.txt", "linked-dir"}
    assert "outside" in found["link.txt"].message and found["link.txt"].severity == "error"
    assert "loops" in found["loop-a.txt"].message
    titles = {built.checked.site.articles[a].record.title for a in built.checked.site.order}
    assert "Linked from outside" not in titles and "A sound story" in titles


def test_control_characters_and_noncharacters_are_taken_out():
    result = parse_file("a.txt", "Bell\x07 next\u0085line \ufffe\U0010ffff end\u0081\n".encode())
    text = result.body.text
    assert text.startswith("Bell next") and text.endswith(" end")
    assert not [c for c in text if c < " " or "\x7f" <= c <= "\x9f" or c in "\ufffe\U0010ffff"]
