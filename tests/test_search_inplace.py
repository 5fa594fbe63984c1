"""An edit with search on puts its few files in place, without staging the site: the changed
page and its month's bundle are new files, every other file is the very one that was there, and
the site is the clean build's, byte for byte; a failure midway leaves a working index."""

from __future__ import annotations

import json
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import age, site_bytes, stories

from digest.build import build
from digest.errors import SearchError
from digest.incremental.stamp import load_stamp
from digest.output.owned import MARKER
from digest.output.pagefind import executable
from digest.output.tree import survey


def files(output: Path) -> dict[str, int]:
    """Each file of the site with its inode: a file put in place anew has a new one."""
    return {p.relative_to(output).as_posix(): p.stat().st_ino
            for p in output.rglob("*") if p.is_file()}


def clean(config, folder: Path) -> dict[str, bytes]:
    build(replace(config, output=folder, cache_dir=folder.parent / f"{folder.name}-cache"),
          cached=False)
    return site_bytes(folder)


def entries_hold(output: Path) -> None:
    """Every file each bundle's meta file names is there: the index works."""
    listed = json.loads((output / "pagefind/bundles.json").read_text())["bundles"]
    for folder in ("", *listed):
        entry = json.loads((output / "pagefind" / folder / "pagefind-entry.json").read_text())
        for language in entry["languages"].values():
            assert (output / "pagefind" / folder / f"pagefind.{language['hash']}.pf_meta").is_file()


def test_an_edit_with_search_on_replaces_only_its_page_and_its_months_files(make_site, tmp_path):
    config = make_site(stories(21), search=True)
    age(config.content.iterdir())
    build(config)
    before = files(config.output)
    body = config.content / "b2.txt"  # joined to its record by content
    body.write_text(body.read_text() + "Wombats were seen at the end.\n")
    age([body])
    built = build(config)
    assert built.checked is None  # the edit's short way, not a whole build
    after = files(config.output)
    changed = {path for path in after if before.get(path) != after[path]}
    [page] = [path for path in changed if path.startswith("articles/")]
    year, month = page.split("/")[1:3]
    # The rest of the site is the very files that were there: nothing was staged again.
    assert changed - {page, MARKER} and all(
        path.startswith(f"pagefind/{year}-{month}/") for path in changed - {page, MARKER}), changed
    assert site_bytes(config.output) == clean(config, tmp_path / "clean")
    # The bundle's files that the new index no longer names are gone, and the marker says so.
    assert set(json.loads((config.output / MARKER).read_text())) == set(after) - {MARKER}
    # The stamp worked out from the files written and deleted alone is the folder's, surveyed.
    assert load_stamp(config.cache_dir).output == survey(config.output).stamp


def test_pagefind_failing_midway_leaves_a_working_index_and_the_next_build_mends(
        make_site, tmp_path, monkeypatch):
    config = make_site(stories(21), search=True)
    age(config.content.iterdir())
    build(config)
    before = site_bytes(config.output)
    script = tmp_path / "pagefind-dies"
    script.write_text(f'#!/bin/sh\nhead -c 600 | "{executable()}" "$@" | head -c 100\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(script))
    body = config.content / "b2.txt"
    body.write_text(body.read_text() + "Quolls were seen at the end.\n")
    age([body])
    with pytest.raises(SearchError, match="cannot build the search index"):
        build(config)
    after = site_bytes(config.output)
    # The page went in place first (the edit's short way); the index is the last build's, whole.
    [page] = [path for path in after if before.get(path) != after[path]]
    assert page.startswith("articles/") and b"Quolls were seen" in after[page]
    assert {p: b for p, b in after.items() if p.startswith("pagefind/")} == {
        p: b for p, b in before.items() if p.startswith("pagefind/")}
    entries_hold(config.output)
    monkeypatch.delenv("PAGEFIND_BINARY_PATH")
    build(config)
    assert site_bytes(config.output) == clean(config, tmp_path / "clean")
