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
from digest.output.owned import MARKER
from digest.output.pagefind import executable
from digest.output.staging import work_folder


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
    # The index is made before anything is put in place (the edit's short way): the site is
    # the last build's, whole, with no page newer than its index.
    assert site_bytes(config.output) == before
    entries_hold(config.output)
    assert not list(work_folder(config.output).glob("overlay-*"))  # the month's overlay is gone
    monkeypatch.delenv("PAGEFIND_BINARY_PATH")
    build(config)
    assert site_bytes(config.output) == clean(config, tmp_path / "clean")


@pytest.mark.parametrize("tamper", ["edit", "delete"])
def test_an_index_made_over_a_month_changed_by_hand_is_dropped_and_the_site_built_again(
        make_site, tmp_path, tamper):
    config = make_site(stories(21, 40), search=True)
    age(config.content.iterdir())
    build(config)
    body, neighbour = _edited_beside_another(config)
    # A page of the same month, which the edit's index is made over, changed or gone by hand.
    if tamper == "edit":
        neighbour.write_bytes(neighbour.read_bytes().replace(
            b"data-pagefind-body>", b"data-pagefind-body><p>Platypus by hand.</p>", 1))
    else:
        neighbour.unlink()
    body.write_text(body.read_text() + "Echidnas too.\n")
    age([body])
    built = build(config)
    assert built.checked is not None  # not the edit's short way: the output was not as left
    assert site_bytes(config.output) == clean(config, tmp_path / "clean")
    entries_hold(config.output)
    assert not list(work_folder(config.output).glob("overlay-*"))


def _edited_beside_another(config) -> tuple[Path, Path]:
    """Edit bodies in turn until one's page, put in place, has another indexed page in its
    month; return that body and the other page."""
    for body in sorted(config.content.glob("b*.txt")):
        body.write_text(body.read_text() + "Wombats were seen at the end.\n")
        age([body])
        before = files(config.output)
        if build(config).checked is not None:
            continue
        [page] = [p for p, inode in files(config.output).items()
                  if p.startswith("articles/") and before.get(p) != inode]
        month = config.output / page.rsplit("/", 2)[0]
        for other in sorted(month.rglob("index.html")):
            if other != config.output / page and b"data-pagefind-body" in other.read_bytes():
                return body, other
    raise AssertionError("no month with two articles")
