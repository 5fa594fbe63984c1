"""A build after an edit of bodies alone makes just their pages, and writes what a whole build would."""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from dataclasses import replace

import pytest
from conftest import age, built_stories, site_bytes, story

from digest.build import build
from digest.cli import main
from digest.incremental.cache import load_state
from digest.incremental.files import UNTRUSTED
from digest.read.load import file_digest


@pytest.fixture
def site(make_site):
    """Twelve articles: in one file, a record and a body of the same stem, or joined by content."""
    return built_stories(make_site)


def clean(config, tmp_path):
    """Build the same content from scratch, elsewhere, and return its bytes."""
    other = replace(config, output=tmp_path / "clean", cache_dir=tmp_path / "clean-cache")
    shutil.rmtree(other.output, ignore_errors=True)
    build(other, cached=False)
    return site_bytes(other.output)


def edit(config, name, change):
    path = config.content / name
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    age([path])


def test_an_edit_past_a_bodys_opening_renders_only_its_page(site, tmp_path, shards_read):
    read = shards_read
    before = site_bytes(site.output)
    edit(site, "b2.txt", lambda text: text + "A line added at the end.\n")  # joined by content
    built = build(site)
    assert built.checked is None  # patched: nothing but the body was read
    assert built.rendered == 1 and built.stats.written == 1
    # The body's shard of files and of pages, and its record's shard of files: 3 of 128.
    assert len(read) <= 3
    after = site_bytes(site.output)
    [changed] = [path for path in after if before.get(path) != after[path]]
    assert changed.startswith("articles/") and b"A line added at the end." in after[changed]
    assert after == clean(site, tmp_path)
    # The patch left what a whole build would: its fingerprints too, so nothing is made again.
    again = build(site, whole=True)
    assert again.checked is not None and again.rendered == 0 and again.stats.written == 0


def test_edits_that_may_reach_further_build_everything(site, tmp_path):
    edits = [
        ("r2.yaml", lambda text: text.replace('excerpt: "', 'excerpt: "Now ', 1)),  # may rejoin
        ("b2.txt", lambda text: "Quite another opening now.\n\n" + text),  # may join elsewhere
        ("s3.md", lambda text: text + "More.\n"),  # a body in its record's file
        ("s4.txt", lambda text: text + "Caf\u00c3\u00a9.\n\x00"),  # now with a problem to report
    ]
    for name, change in edits:
        edit(site, name, change)
        built = build(site)
        assert built.checked is not None, name
        assert site_bytes(site.output) == clean(site, tmp_path), name


def test_new_or_deleted_files_build_everything(site, tmp_path):
    for name, text in story(random.Random(5), 40, how=1).items():
        (site.content / name).write_text(text, encoding="utf-8")
        age([site.content / name])
    assert build(site).checked is not None
    (site.content / "s7.txt").unlink()
    assert build(site).checked is not None
    assert site_bytes(site.output) == clean(site, tmp_path)


def test_a_template_change_or_a_hand_edited_site_builds_everything(site, tmp_path):
    edit(site, "s1.txt", lambda text: text + "Later.\n")
    template = site.templates / "article.html"
    template.write_text(template.read_text() + "\n<!-- v2 -->\n")
    age([template])
    assert build(site).checked is not None
    edit(site, "s1.txt", lambda text: text + "Later again.\n")
    (site.output / "index.html").write_text("edited by hand")
    built = build(site)
    assert built.checked is not None and built.rendered == built.pages
    assert site_bytes(site.output) == clean(site, tmp_path)


def test_a_body_saved_just_before_the_build_is_read_again_next_time(site, tmp_path):
    path = site.content / "s4.txt"
    path.write_text(path.read_text() + "Just now.\n", encoding="utf-8")  # not aged: racy
    built = build(site)
    assert built.checked is None and site_bytes(site.output) == clean(site, tmp_path)
    # It may change again within its time stamp's tick: kept, but under a signature no file has.
    assert load_state(site.cache_dir).files["s4.txt"][0] == UNTRUSTED
    age([path])
    again = build(site)
    assert again.checked is None and again.stats.written == 0  # read again: the same body
    assert load_state(site.cache_dir).files["s4.txt"][0] != UNTRUSTED


def test_a_body_changed_again_within_its_time_stamp_is_read_again(site, tmp_path):
    path = site.content / "s4.txt"
    path.write_text(path.read_text() + "Just now.\n", encoding="utf-8")
    # Dated a minute ahead (a clock set wrong, an unpacked archive): racy for both builds.
    ahead = time.time_ns() + 60 * 10**9
    os.utime(path, ns=(ahead, ahead))
    build(site)
    before = path.stat()
    path.write_text(path.read_text().replace("Just now.", "Just wow."), encoding="utf-8")
    os.utime(path, ns=(ahead, ahead))
    after = path.stat()
    assert (after.st_mtime_ns, after.st_size, after.st_ino) == (
        before.st_mtime_ns, before.st_size, before.st_ino)  # the very same signature
    again = build(site)
    expected = clean(site, tmp_path)
    assert any(b"Just wow." in data for data in expected.values())
    assert again.checked is None and site_bytes(site.output) == expected


def test_a_template_saved_just_before_the_build_is_never_patched_around(site, tmp_path):
    template = site.templates / "article.html"
    template.write_text(template.read_text() + "\n<!-- v2 -->\n")  # not aged: racy
    assert build(site).checked is not None
    edit(site, "s1.txt", lambda text: text + "Later.\n")
    # The last build could not trust the template's signature: nor can this one.
    assert build(site).checked is not None
    assert site_bytes(site.output) == clean(site, tmp_path)


def test_strict_builds_see_the_same_errors_after_a_patch(make_site, tmp_path):
    rng = random.Random(8)
    files = {**story(rng, 1, how=1), **story(rng, 2, how=1), "bad.yaml": "title: [unclosed\n"}
    config = make_site(files)
    age(config.content.iterdir())
    first = build(config)
    assert first.tally.errors
    edit(config, "s1.txt", lambda text: text + "More.\n")
    built = build(config)
    assert built.checked is None and built.tally == first.tally


def test_any_sequence_of_body_edits_writes_what_a_clean_build_gives(site, tmp_path):
    rng = random.Random(22)
    bodies = sorted(p.name for p in site.content.iterdir() if p.suffix == ".txt")
    patched = 0
    for step in range(12):
        names = rng.sample(bodies, rng.choice((1, 1, 2, 3)))
        for name in names:
            edit(site, name, lambda text, step=step: text + f"Step {step} adds a line.\n")
        built = build(site)
        patched += built.checked is None
        assert site_bytes(site.output) == clean(site, tmp_path), f"step {step}: {names}"
        if step % 4 == 3:  # a whole build finds every page as the patches left it
            assert build(site, whole=True).rendered == 0, f"step {step}"
        # The next build starts from what this one saved: every edited body, as now read.
        stored = load_state(site.cache_dir).files
        assert all(stored[name][1].digest == file_digest(name, (site.content / name).read_bytes())
                   for name in names)
    assert patched == 12


def test_changed_pages_are_renamed_into_place_and_a_moved_one_swaps_the_site(site, tmp_path):
    def inodes():
        return {p.relative_to(site.output).as_posix(): p.stat().st_ino
                for p in site.output.rglob("*") if p.is_file()}

    folder, before = site.output.stat().st_ino, inodes()
    edit(site, "s1.txt", lambda text: text + "One page changes.\n")
    built = build(site)
    after = inodes()
    # The site in place is not swapped: the one page is a new file, every other is as it was.
    assert built.checked is None and site.output.stat().st_ino == folder
    [renamed] = [path for path in after if before[path] != after[path]]
    assert after.keys() == before.keys() and renamed.startswith("articles/")
    assert not list(site.output.rglob(".digest-tmp-*"))
    assert site_bytes(site.output) == clean(site, tmp_path)
    for name in ("s1.txt", "s4.txt"):
        edit(site, name, lambda text: text + "Two pages change.\n")
    assert build(site).stats.written == 2 and site.output.stat().st_ino == folder
    assert site_bytes(site.output) == clean(site, tmp_path)
    edit(site, "s1.yaml", lambda text: text.replace("example.com/s1", "example.com/s1-new", 1))
    assert build(site).checked is not None  # a whole build patches the spare site up again
    assert site.output.stat().st_ino != folder  # and swaps it in
    assert site_bytes(site.output) == clean(site, tmp_path)


def test_a_join_report_is_written_whole_after_an_edit_of_bodies_alone(site, monkeypatch, capsys):
    """--report needs every article read: the build does not patch then."""
    monkeypatch.chdir(site.root)
    edit(site, "s1.txt", lambda text: text + "Reported.\n")
    report = site.root / "report.json"
    assert main(["build", "-v", "--report", str(report)]) == 0
    assert "parse" in capsys.readouterr().out  # a whole build's stages
    articles = json.loads(report.read_text(encoding="utf-8"))["articles"]
    assert len(articles) == 12 and {a["record"] for a in articles} >= {"s1.yaml", "r2.yaml"}
    edit(site, "s1.txt", lambda text: text + "Not reported.\n")
    assert main(["build", "-v"]) == 0
    out = capsys.readouterr().out
    assert "Files written            1" in out and "parse" not in out  # patched
