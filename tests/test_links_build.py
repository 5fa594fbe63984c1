"""What build, check and serve make of links.json: archived copies on pages, offline."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import age, record, site_bytes
from htmlcheck import page_problems, parse

from digest.build import build
from digest.cli import main
from digest.live.preview import Preview
from digest.live.watch import ChangeKind, Watched, classify_change

RELATED = """related:
  - title: Gone coverage
    webUrl: https://other.example/gone
  - title: Live coverage
    webUrl: https://other.example/live
  - title: Unknown coverage
    webUrl: https://other.example/unknown
"""
FILES = {
    "a.md": record(title="Story A", url="https://example.com/a", extra=RELATED) + "Body A.\n",
    "b.md": record(title="Story B", url="https://example.com/b", date="2020-07-01T10:00:00Z")
    + "Body B.\n",
    "c.md": record(title="Story C", url="https://example.com/c", date="2020-08-01T10:00:00Z")
    + "Body C.\n",
}
PAGE_A = "articles/2020/06/story-a/index.html"
PAGE_B = "articles/2020/07/story-b/index.html"
COPY = "https://web.archive.org/web/20200612000000/https://example.com/a"


def entry(state: str, status: int | None, snapshot: str | None = None) -> dict[str, object]:
    return {"archive_checked": "2026-12-01T10:00:00Z", "checked": "2026-12-01T10:00:00Z",
            "error": "", "final_url": "", "save_requested": "", "state": state, "status": status,
            "snapshot": snapshot and {"url": snapshot, "timestamp": snapshot.split("/")[4]}}


LINKS = {
    "https://example.com/a": entry("dead", 404, COPY),
    "https://example.com/b": entry("dead", 410),
    "https://example.com/c": entry("alive", 200),
    "https://other.example/gone": entry(
        "dead", 404, "https://web.archive.org/web/20190301101010/https://other.example/gone"),
    "https://other.example/live": entry(
        "alive", 200, "https://web.archive.org/web/20210102030405/https://other.example/live"),
}


def write_links(config, links: dict[str, object]) -> Path:
    path = config.root / "links.json"
    path.write_text(json.dumps({"version": 1, "links": links}, indent=2, sort_keys=True))
    age([path])
    return path


@pytest.fixture
def site(make_site):
    config = make_site(FILES)
    age(config.content.iterdir())
    return config


def anchors(data: bytes) -> list[dict[str, str]]:
    tree, _ = parse(data)
    return [{**element.attrib, "text": "".join(element.itertext())}
            for element in tree.iter() if element.tag == "a"]


def notes(data: bytes) -> list[str]:
    tree, _ = parse(data)
    return [" ".join("".join(e.itertext()).split()) for e in tree.iter()
            if e.tag == "span" and e.get("class") == "archived"]


def test_dead_and_archived_links_are_rendered_with_robust_links(site):
    write_links(site, LINKS)
    build(site)
    page = (site.output / PAGE_A).read_bytes()
    assert page_problems(page) == []
    robust = {a["data-originalurl"]: a for a in anchors(page) if "data-originalurl" in a}
    original = robust["https://example.com/a"]
    assert original["href"] == COPY == original["data-versionurl"]  # dead: to the copy
    assert original["data-versiondate"] == "2020-06-12T00:00:00Z"
    assert original["text"] == "Original article at Example News"
    gone = robust["https://other.example/gone"]
    assert gone["href"] == gone["data-versionurl"] != "https://other.example/gone"
    assert gone["data-versiondate"] == "2019-03-01T10:10:10Z"
    live = robust["https://other.example/live"]
    assert live["href"] == "https://other.example/live"  # alive: to the original
    assert live["data-versionurl"].endswith("/20210102030405/https://other.example/live")
    assert sorted(robust) == ["https://example.com/a", "https://other.example/gone",
                              "https://other.example/live"]
    plain = [a for a in anchors(page) if a["href"] == "https://other.example/unknown"]
    assert plain and "data-versionurl" not in plain[0]
    assert notes(page) == ["(original gone; archived copy of 12 June 2020)",
                           "(original gone; archived copy of 1 March 2019)", "(archived)"]
    beside = [a for a in anchors(page) if a["text"] == "archived"]
    assert [a["href"] for a in beside] == [live["data-versionurl"]]
    # Dead with no copy: the original, as before, and no note.
    other = (site.output / PAGE_B).read_bytes()
    assert not notes(other) and not any("data-versionurl" in a for a in anchors(other))
    assert any(a["href"] == "https://example.com/b" for a in anchors(other))


def test_a_changed_links_file_renders_again_the_pages_it_changes(site, tmp_path):
    build(site)
    before = site_bytes(site.output)
    write_links(site, {"https://example.com/c": entry("alive", 200)})  # nothing to show
    build(site)
    assert site_bytes(site.output) == before
    path = write_links(site, LINKS)
    built = build(site)
    after = site_bytes(site.output)
    assert {p for p in after if after[p] != before.get(p)} == {PAGE_A}
    assert built.rendered >= 1
    # The same as a build from nothing.
    fresh = site.output.parent / "fresh"
    from dataclasses import replace
    build(replace(site, output=fresh, cache_dir=tmp_path / "fresh-cache"), cached=False)
    assert site_bytes(fresh) == after
    # And back: the copies gone from the file, gone from the page.
    path.unlink()
    build(site)
    assert site_bytes(site.output) == before


def test_a_bad_links_file_is_named_before_the_content_is_read(site, tmp_path, monkeypatch,
                                                              capsys):
    monkeypatch.chdir(tmp_path)
    good = json.dumps({"version": 1, "links": LINKS}, indent=2, sort_keys=True)
    for text, said in (
            (good[:-3], "links.json:"),  # cut short
            (good.replace('"dead"', '"buried"', 1), "state must be one of"),
            (good.replace('"20200612000000"', '"yesterday"'), "snapshot must be"),
            (good.replace(f'"{COPY}"', '"javascript:alert(1)"'), "snapshot must be"),
            (good.replace('"2026-12-01T10:00:00Z"', '"last week"', 1), "checked must be a time")):
        (tmp_path / "links.json").write_text(text)
        for command in (["build"], ["check"]):
            assert main([*command, "--content", str(site.content)]) == 2
            err = capsys.readouterr().err
            assert said in err and f"{tmp_path / 'links.json'}:" in err, err
    line = good.splitlines().index('    "https://example.com/a": {') + 1
    (tmp_path / "links.json").write_text(good.replace('"dead"', '"buried"', 1))
    assert main(["build", "--content", str(site.content)]) == 2
    assert f"links.json:{line}: https://example.com/a: state" in capsys.readouterr().err
    assert not site.output.exists()


def test_check_warns_of_dead_links_without_a_copy(site, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_links(site, LINKS)
    assert main(["check", "--content", str(site.content)]) == 0
    out = capsys.readouterr().out
    warned = [line for line in out.splitlines() if " D501: " in line]
    assert len(warned) == 1
    assert warned[0].startswith("content/b.md:") and "https://example.com/b is dead (410" in warned[0]
    assert main(["check", "--strict", "--content", str(site.content)]) == 1


def test_serve_picks_up_a_changed_links_file(site):
    path = site.root / "links.json"
    watched = Watched(site.content, site.templates, site.static, None, path)
    assert classify_change(path, watched) is ChangeKind.LINKS
    preview = Preview(site, lambda: site, drafts=True)
    assert not preview.start().problems
    before = dict(preview.files)
    write_links(site, LINKS)
    update = preview.apply({path: ChangeKind.LINKS})
    assert update.changed == (PAGE_A,)
    assert COPY.encode() in preview.files[PAGE_A] and COPY.encode() not in before[PAGE_A]
    path.write_text("{")
    [problem] = preview.apply({path: ChangeKind.LINKS}).problems
    assert "links.json:1" in problem.message and preview.files[PAGE_A] is not None
    os.remove(path)
    assert preview.apply({path: ChangeKind.LINKS}).changed == (PAGE_A,)
    assert preview.files[PAGE_A] == before[PAGE_A]


def test_archived_links_pass_the_nu_html_checker(site):
    import shutil
    import subprocess

    from conftest import REPO

    java = shutil.which("java")
    vnu = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    assert java and vnu.is_file(), "java and vnu-jar are needed (make test installs them)"
    write_links(site, LINKS)
    build(site)
    page = site.output / PAGE_A
    assert b"data-versionurl" in page.read_bytes()
    result = subprocess.run([java, "-jar", str(vnu), "--errors-only", "--format", "json",
                             str(page)], capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    assert messages == []


def test_the_watcher_sees_links_json_written_with_no_settings_file(tmp_path):
    from digest.links.ledger import Entry, Ledger
    from digest.live.watch import watching
    from tests.test_watch import Batches

    for folder in ("content", "templates", "static"):
        (tmp_path / folder).mkdir()
    path = tmp_path / "links.json"
    watched = Watched(tmp_path / "content", tmp_path / "templates", tmp_path / "static", None,
                      path)
    batches = Batches()
    with watching(watched, batches):
        ledger = Ledger(path, {"https://example.com/a": Entry(state="alive", status=200)})
        ledger.save()  # a temporary file, renamed: as digest links writes it
        assert batches.wait(10) == {path: ChangeKind.LINKS}
