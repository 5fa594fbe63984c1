"""The Pagefind index: bundles by month, only changed ones indexed again, every file checked; a
clear failure, or skipped on request."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import re
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import record, site_bytes

from digest import parallel
from digest.build import build
from digest.cli import main
from digest.errors import SearchError
from digest.output.pagefind import Indexer, check, executable
from digest.output.search import digests, indexed_digest
from digest.report import summary


def story(name: str, date: str, body: str = "", provider: str = "Example News",
          topics: tuple[str, ...] = ("AI",)) -> tuple[str, str]:
    return f"{name}.txt", (record(title=f"{name} story", url=f"https://x.example/{name}", date=date,
                                  provider=provider, topics=topics)
                           + (body or f"The {name} body tells of {name.lower()}.") + "\n")


STORIES = dict([story("Alpha", "2020-05-03T10:00:00Z", provider="Wire One", topics=("Chips",)),
                story("Beta", "2020-05-20T10:00:00Z"),
                story("Gamma", "2021-02-11T10:00:00Z", provider="Wire Two"),
                story("Delta", "2021-03-01T10:00:00Z", topics=("AI", "Chips"))])


def bundle_files(output: Path) -> dict[str, str]:
    """Each file of the index, by site path, with its SHA-256."""
    return {path: hashlib.sha256(data).hexdigest()
            for path, data in site_bytes(output).items() if path.startswith("pagefind/")}


def entry(output: Path, folder: str = "") -> dict:
    return json.loads((output / "pagefind" / folder / "pagefind-entry.json").read_text())


def page_count(output: Path, folder: str = "") -> int:
    return sum(language["page_count"] for language in entry(output, folder)["languages"].values())


@pytest.fixture
def logged_pagefind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run Pagefind through a script that keeps every message sent to it, a log for each
    service (bundles are indexed side by side); return the folder of logs."""
    logs = tmp_path / "pagefind-messages"
    logs.mkdir()
    script = tmp_path / "pagefind-logged"
    script.write_text(f'#!/bin/sh\ntee -a "{logs}/$$" | exec "{executable()}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(script))
    return logs


def indexed_paths(logs: Path) -> list[str]:
    """The pages sent to Pagefind, and the bundles whose folders it was asked to read (as
    "bundle YYYY-MM"), since the logs were last read; and empty the logs."""
    messages = []
    for log in logs.iterdir():
        messages += [json.loads(base64.b64decode(m))["payload"]
                     for m in log.read_bytes().split(b",") if m]
        log.unlink()
    return sorted(m["file_path"] if m["type"] == "AddFile"
                  else "bundle " + Path(m["path"]).name.split("-", 2)[2]  # index-PID-BUNDLE
                  for m in messages if m["type"] in ("AddFile", "AddDir"))


def test_the_index_is_a_bundle_per_month_and_a_main_bundle(sample_site):
    output = sample_site.output
    for name in ("pagefind.js", "pagefind-ui.js", "pagefind-ui.css", "pagefind-entry.json"):
        assert (output / "pagefind" / name).is_file(), name
    listing = json.loads((output / "pagefind/bundles.json").read_text())
    assert listing == {"bundles": ["2020-07", "2020-06"], "refreshing": False}
    assert page_count(output, "2020-07") == 1 and page_count(output, "2020-06") == 1
    # The main bundle holds the topic and source pages and their lists (their headings alone).
    assert page_count(output) == len(list(output.glob("topics/**/index.html"))) + len(
        list(output.glob("providers/**/index.html"))) == 7
    # A merged bundle takes Pagefind's scripts from the main one.
    assert not (output / "pagefind/2020-06/pagefind.js").exists()
    assert (output / "search/index.html").is_file()


def test_pages_are_digested_alike_in_worker_processes_and_here(sample_site, monkeypatch):
    output = sample_site.output
    paths = sorted(path for path in site_bytes(output) if path.endswith(".html"))
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 1)  # a cold build's many pages: forked
    forked = digests(output, paths)
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 10**9)
    assert forked == digests(output, paths) == [
        indexed_digest((output / path).read_bytes()) for path in paths]
    assert "" in forked and len(set(forked)) > len(paths) // 2  # pages without a body part: ""


def test_results_carry_source_and_date_apart_and_filters_from_the_page(sample_site):
    fragments = [json.loads(gzip.decompress(path.read_bytes())[len(b"pagefind_dcd"):])
                 for path in (sample_site.output / "pagefind/2020-06/fragment").iterdir()]
    assert len(fragments) == 1
    fragment = fragments[0]
    assert fragment["meta"]["source"] == "BBC" and fragment["meta"]["date"] == "12 June 2020"
    assert fragment["filters"] == {"source": ["BBC"], "topic": ["Computer Vision", "AI"],
                                   "year": ["2020"]}
    # The byline is details of the result, not words of its text ("BBC12 June 2020").
    assert "BBC12" not in fragment["content"] and "12 June 2020" not in fragment["content"]


def test_an_edit_indexes_again_only_its_month(make_site, logged_pagefind, tmp_path):
    config = make_site(STORIES, search=True)
    build(config)
    assert indexed_paths(logged_pagefind) == sorted([
        "bundle 2020-05", "bundle 2021-02", "bundle 2021-03",
        "providers/example-news/index.html", "providers/index.html",
        "providers/wire-one/index.html", "providers/wire-two/index.html",
        "topics/ai/index.html", "topics/chips/index.html", "topics/index.html"])
    before = bundle_files(config.output)
    (config.content / "Alpha.txt").write_text(STORIES["Alpha.txt"].replace(
        "tells of", "tells of quokkas and of"))
    build(config)
    assert indexed_paths(logged_pagefind) == ["bundle 2020-05"]
    after = bundle_files(config.output)
    changed = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    assert changed and all(path.startswith("pagefind/2020-05/") for path in changed)
    assert after == bundle_files(_clean_build(config, tmp_path / "clean-1"))


def test_a_page_whose_indexed_part_is_unchanged_is_not_indexed_again(make_site, logged_pagefind,
                                                                     tmp_path):
    config = make_site(STORIES, search=True)
    build(config)
    indexed_paths(logged_pagefind)
    # A new article changes its older neighbour's page (its "Newer" link), and the home page:
    # not what Pagefind reads of them. Only its own month, and its topic and source pages'
    # bundle (a new source), are indexed.
    (config.content / "Epsilon.txt").write_text(story("Epsilon", "2021-04-02T10:00:00Z",
                                                      provider="Wire Three")[1])
    build(config)
    assert indexed_paths(logged_pagefind) == sorted([
        "bundle 2021-04", "providers/example-news/index.html",
        "providers/index.html", "providers/wire-one/index.html", "providers/wire-three/index.html",
        "providers/wire-two/index.html", "topics/ai/index.html", "topics/chips/index.html",
        "topics/index.html"])
    assert json.loads((config.output / "pagefind/bundles.json").read_text())["bundles"] == [
        "2021-04", "2021-03", "2021-02", "2020-05"]
    # A change of style alone: Pagefind is not even started.
    style = config.static / "style.css"
    style.write_text(style.read_text() + "\n/* v2 */\n")
    build(config)
    assert indexed_paths(logged_pagefind) == [] and not any(logged_pagefind.iterdir())
    assert site_bytes(config.output) == site_bytes(_clean_build(config, tmp_path / "clean"))


def test_a_month_emptied_takes_its_bundle_away(make_site, tmp_path):
    config = make_site(STORIES, search=True)
    build(config)
    assert (config.output / "pagefind/2021-02/pagefind-entry.json").is_file()
    (config.content / "Gamma.txt").unlink()
    build(config)
    assert not (config.output / "pagefind/2021-02").exists()
    assert "2021-02" not in json.loads((config.output / "pagefind/bundles.json").read_text())[
        "bundles"]
    assert site_bytes(config.output) == site_bytes(_clean_build(config, tmp_path / "clean"))


def test_many_builds_never_publish_a_file_unlike_a_clean_builds(make_site, tmp_path):
    """Every Pagefind file, build after build of edits, is the clean build's, byte for byte."""
    config = make_site(STORIES, search=True)
    build(config)
    alpha = config.content / "Alpha.txt"
    for n in range(12):
        if n % 3 == 2:
            new = story(f"New{n}", f"2021-0{n % 9 + 1}-05T10:00:00Z")
            (config.content / new[0]).write_text(new[1])
        else:
            alpha.write_text(STORIES["Alpha.txt"].replace("tells of", f"tells, in edit {n}, of"))
        build(config)
        got = site_bytes(config.output)
        want = site_bytes(_clean_build(config, tmp_path / f"clean-{n}"))
        index = {p: (len(b), hashlib.sha256(b).hexdigest()) for p, b in got.items()
                 if p.startswith("pagefind/")}
        assert index == {p: (len(b), hashlib.sha256(b).hexdigest()) for p, b in want.items()
                         if p.startswith("pagefind/")}, f"build {n}"


def _clean_build(config, output: Path) -> Path:
    reference = replace(config, output=output, cache_dir=output.parent / f"{output.name}-cache")
    build(reference, cached=False)
    return output


def test_every_file_pagefind_hands_back_is_checked():
    with Indexer() as indexer:
        files = indexer.bundle([("a/index.html", b"<html lang='en'><body><main data-pagefind-body>"
                                 b"<h1>Quokkas</h1><p>Quokkas are small.</p></main></body></html>")])
    check(files, 1)
    for name, data in files.items():
        if name.endswith((".js", ".pf_meta", ".pf_fragment", ".pf_index", ".pagefind")):
            cut = {**files, name: data[: len(data) * 9 // 10]}
            with pytest.raises(SearchError, match=re.escape(f"pagefind/{name}")):
                check(cut, 1)
    with pytest.raises(SearchError, match="counts 1 pages of 0"):
        check(files, 0)
    with pytest.raises(SearchError, match=r"pagefind-entry\.json"):
        check({**files, "pagefind-entry.json": files["pagefind-entry.json"][:40]}, 1)


def test_a_page_without_a_word_is_left_out_not_refused():
    with Indexer() as indexer:
        files = indexer.bundle([
            ("a/index.html", b"<html lang='en'><body><main data-pagefind-body><h1>!\xc2\xb7,</h1>"
             b"</main></body></html>"),
            ("b/index.html", b"<html lang='en'><body><main data-pagefind-body><h1>Quokkas</h1>"
             b"</main></body></html>")])
    assert json.loads(files["pagefind-entry.json"])["languages"]["en"]["page_count"] == 1


def test_what_pagefind_reads_of_a_page_is_digested_alone():
    page = (b"<html lang='en'><body><nav>Newer: A</nav><article data-pagefind-body><h1>T</h1>"
            b"<article>inner</article><p>text</p></article><nav>Older: B</nav></body></html>")
    digest = indexed_digest(page)
    assert digest and indexed_digest(page.replace(b"Newer: A", b"Newer: C")) == digest
    assert indexed_digest(page.replace(b"<p>text", b"<p>texts")) != digest
    assert indexed_digest(page.replace(b"lang='en'", b"lang='fr'")) != digest
    assert indexed_digest(b"<html><body><p>No body marked</p></body></html>") == ""


def test_a_build_that_cannot_index_fails_clearly_and_keeps_the_old_site(make_site, monkeypatch):
    config = make_site({"a.txt": "Some body text."}, search=False)
    build(config)
    old = site_bytes(config.output)
    config = make_site({}, search=True)
    # Pagefind's own switch for where its binary is; this one cannot run.
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(config.root / "no-such-pagefind"))
    with pytest.raises(SearchError, match="search = false"):
        build(config)
    assert site_bytes(config.output) == old


def test_pagefind_dying_mid_way_fails_the_build(make_site, tmp_path, monkeypatch):
    config = make_site(STORIES, search=True)
    script = tmp_path / "pagefind-dies"
    # Answers the first messages, then is killed while the bundle is handed back.
    script.write_text(f'#!/bin/sh\nhead -c 3000 | "{executable()}" "$@" | head -c 200\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(script))
    with pytest.raises(SearchError, match="cannot build the search index"):
        build(config)
    assert not config.output.exists() or not os.listdir(config.output)


def test_the_cli_names_the_problem_and_the_switch(make_site, monkeypatch, capsys, tmp_path):
    make_site({"a.txt": "Some body text."})
    (tmp_path / "digest.toml").write_text('base_url = "https://example.org/"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-such-pagefind"))
    assert main(["build"]) == 2
    err = capsys.readouterr().err
    assert "cannot build the search index" in err and "search = false" in err


def test_search_off_is_said_in_the_build_summary(make_site):
    built = build(make_site({"a.txt": "Some body text."}, search=False))
    assert any(line.startswith("Search") and "off" in line and "search = false" in line
               for line in summary(built))
