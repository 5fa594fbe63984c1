"""`digest check` and `digest build --strict` as scripts see them: output lines and exit codes."""

from __future__ import annotations

import json
import re

import pytest
from conftest import record

from digest.cli import main

SOUND = record(title="A sound story", url="https://example.com/sound") + "The sound body.\n"
LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning|info) "
                  r"(?P<code>D\d{3}): (?P<message>.+) \((?P<hint>[^()]+)\)$")


@pytest.fixture(autouse=True)
def in_site_folder(tmp_path, monkeypatch):
    """Run each command from the site's folder, away from the repository's digest.toml."""
    monkeypatch.chdir(tmp_path)


def run(config, *args: str) -> list[str]:
    return ["--content", str(config.content), *args]


def snapshot(folder):
    return {p: p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))}


def test_check_prints_every_diagnostic_then_a_count(make_site, tmp_path, capsys):
    config = make_site({"sound.txt": SOUND, "bad.md": "---\ntitle: [unclosed\n---\nBody\n",
                        "typed.txt": record(title="Typed", url="https://example.com/t",
                                            extra="quality: high") + "Body.\n",
                        "photo.jpg": b"\xff\xd8\xff\xe0"})
    before = snapshot(tmp_path)
    status = main(["check", *run(config)])
    out = capsys.readouterr().out.splitlines()
    assert snapshot(tmp_path) == before  # wrote nothing, not even a lock
    assert status == 1
    parsed = [LINE.match(line) for line in out[:-1]]
    assert all(parsed), out
    assert [(m["path"], m["line"], m["code"], m["severity"]) for m in parsed] == [
        ("content/bad.md", "2", "D108", "error"),
        ("content/photo.jpg", "1", "D103", "info"),
        ("content/typed.txt", "11", "D211", "warning"),
    ]
    assert parsed[0]["message"] == ("invalid YAML: did not find expected ',' or ']', "
                                    "while parsing a flow sequence that opens here")
    assert out[-1] == "2 articles checked: 1 error, 1 warning"


def test_check_exit_status_and_strict(make_site, capsys):
    clean = make_site({"sound.txt": SOUND})
    assert main(["check", *run(clean)]) == 0
    assert capsys.readouterr().out.strip() == "1 article checked: 0 errors, 0 warnings"
    warned = make_site({"orphan.txt": "A body nobody claims.\n"})
    assert main(["check", *run(warned)]) == 0
    assert main(["check", "--strict", *run(warned)]) == 1


def test_check_json(make_site, capsys):
    config = make_site({"sound.txt": SOUND, "empty.txt": "",
                        "bad.yaml": "title: T\npublishedDateTime: never\n"})
    status = main(["check", "--format", "json", *run(config)])
    report = json.loads(capsys.readouterr().out)
    assert status == 0
    assert report["articles"] == 2 and report["errors"] == 0 and report["warnings"] == 2
    assert [(d["path"].rsplit("/", 1)[-1], d["code"], d["line"]) for d in report["diagnostics"]] \
        == [("bad.yaml", "D221", 2), ("empty.txt", "D105", 0)]
    assert set(report["diagnostics"][0]) == {"path", "line", "col", "severity", "code", "message",
                                             "hint"}


def test_build_reports_and_builds_what_is_sound(make_site, capsys):
    config = make_site({"sound.txt": SOUND, "bad.md": "---\ntitle: [unclosed\n---\nBody\n"})
    assert main(["build", *run(config), "--output", str(config.output)]) == 0
    captured = capsys.readouterr()
    assert "bad.md:2:8: error D108" in captured.err
    assert (config.output / "articles/2020/06/a-sound-story/index.html").is_file()


def test_build_strict_refuses_to_write_when_there_are_errors(make_site, capsys):
    config = make_site({"sound.txt": SOUND})
    assert main(["build", "--strict", *run(config), "--output", str(config.output)]) == 0
    before = snapshot(config.output)
    (config.content / "bad.md").write_text("---\ntitle: [unclosed\n---\nBody\n")
    (config.content / "new.txt").write_text(record(title="New", url="https://example.com/n"))
    capsys.readouterr()
    assert main(["build", "--strict", *run(config), "--output", str(config.output)]) == 1
    err = capsys.readouterr().err
    assert "bad.md:2:8: error D108" in err and "--strict: not writing" in err
    assert snapshot(config.output) == before
    # Warnings alone do not stop a strict build.
    (config.content / "bad.md").unlink()
    (config.content / "orphan.txt").write_text("A body nobody claims.\n")
    assert main(["build", "--strict", *run(config), "--output", str(config.output)]) == 0
    assert (config.output / "articles/2020/06/new").is_dir()


def test_check_notes_a_story_whose_articles_are_far_apart_in_time(make_site, capsys):
    def labelled(title: str, date: str, label: str) -> str:
        return record(title, "", date, f"https://example.com/{title.split()[0]}",
                      extra=f"story: {label}").strip("-\n") + "\n"

    config = make_site({
        "june.yaml": labelled("Council meeting minutes", "2020-06-01T10:00:00Z", "budget"),
        "later.yaml": labelled("Library hours change", "2020-06-20T10:00:00Z", "budget"),
        "one.yaml": labelled("Quake strikes", "2020-07-01T10:00:00Z", "quake"),
        "two.yaml": labelled("Aftershocks follow", "2020-07-03T10:00:00Z", "quake")})
    status = main(["check", *run(config), "--strict"])
    lines = [m.groupdict() for m in map(LINE.match, capsys.readouterr().out.splitlines()) if m]
    assert status == 0  # a note, not a warning: --strict passes
    [note] = [d for d in lines if d["code"] == "D601"]
    assert (note["path"].endswith("june.yaml"), note["line"], note["severity"]) == (
        True, "1", "info")
    assert note["message"] == ("its story of 2 articles spans 19 days (2020-06-01 to "
                               "2020-06-20), with later.yaml")
    assert "story: none" in note["hint"]
