"""A month of more pages than ``search.PART_PAGES`` is indexed in parts, each page's part by a
hash of its path: an edit indexes its page's part again, and no other; the site is the clean
build's, byte for byte; Pagefind reads each part from a folder of links that is gone after."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import age, site_bytes, stories
from test_search import indexed_paths, logged_pagefind, page_count  # noqa: F401  # a fixture

from digest.build import build
from digest.output import search
from digest.output.owned import MARKER
from digest.output.search import month_of, part_of
from digest.output.staging import work_folder


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(search, "PART_PAGES", 2)
    return 2


def listed(output: Path) -> list[str]:
    return json.loads((output / "pagefind/bundles.json").read_text())["bundles"]


def article_months(output: Path) -> Counter[str]:
    """How many article pages each month has (each has a part of the index to be found in)."""
    return Counter(month_of(p.relative_to(output).as_posix())
                   for p in output.glob("articles/*/*/*/index.html"))


def test_a_big_month_is_indexed_in_parts_and_an_edit_indexes_its_part_alone(
        make_site, tmp_path, small_parts, logged_pagefind):  # noqa: F811
    config = make_site(stories(5, 30), search=True)
    age(config.content.iterdir())
    build(config)
    months = article_months(config.output)
    bundles = listed(config.output)
    assert bundles == sorted(bundles, reverse=True)  # newest first, a month's parts together
    for month, pages in months.items():
        parts = -(-pages // small_parts)
        names = [name for name in bundles if name.split(".")[0] == month]
        if parts == 1:
            assert names == [month]
        else:  # every page in the part its path hashes to, and the parts hold them all
            assert all(name.startswith(f"{month}.") for name in names) and len(names) >= 2
            assert sum(page_count(config.output, name) for name in names) == pages
    assert any("." in name for name in bundles)
    indexed_paths(logged_pagefind)

    body = config.content / "s4.txt"  # joined to its record by its stem
    body.write_text(body.read_text() + "Wombats were seen at the end.\n")
    age([body])
    before = {p: p.stat().st_ino for p in config.output.rglob("*") if p.is_file()}
    assert build(config).checked is None  # put in place
    [page] = [p for p in config.output.glob("articles/*/*/*/index.html")
              if before.get(p) != p.stat().st_ino]
    rel = page.relative_to(config.output).as_posix()
    month = month_of(rel)
    part = (month if months[month] <= small_parts
            else f"{month}.{part_of(rel, -(-months[month] // small_parts))}")
    assert indexed_paths(logged_pagefind) == [f"bundle {part}"]
    changed = {p.relative_to(config.output).as_posix() for p in config.output.rglob("*")
               if p.is_file() and before.get(p) != p.stat().st_ino}
    assert changed - {rel, MARKER} and all(
        path.startswith(f"pagefind/{part}/") for path in changed - {rel, MARKER}), changed
    assert not list(work_folder(config.output).glob("index-*"))  # the folders of links are gone
    clean = replace(config, output=tmp_path / "clean", cache_dir=tmp_path / "clean-cache")
    build(clean, cached=False)
    assert site_bytes(config.output) == site_bytes(clean.output)


def test_parts_are_even_and_stable():
    paths = [f"articles/2021/03/story-{n}/index.html" for n in range(3000)]
    counts = Counter(part_of(path, 3) for path in paths)
    assert sorted(counts) == [1, 2, 3] and min(counts.values()) > 900
    # The same in another process (Python's own hash() of a string is not): a page keeps its part.
    other = subprocess.run(
        [sys.executable, "-c", "import sys; from digest.output.search import part_of; "
         "print(*(part_of(line, 3) for line in sys.stdin.read().split()))"],
        input="\n".join(paths), capture_output=True, text=True, check=True)
    assert other.stdout.split() == [str(part_of(path, 3)) for path in paths]


def test_the_bundles_of_some_months_are_planned_as_among_all(monkeypatch):
    monkeypatch.setattr(search, "PART_PAGES", 3)
    pages = {f"articles/2021/{month:02d}/{n}/index.html": f"d{n}"
             for month in (1, 2, 3) for n in range(month * 3)}
    pages |= {"topics/a/index.html": "t", "articles/undated/x/index.html": "u", "e.html": ""}
    every = search.plan_bundles(pages)
    assert set(every) == {"", "2021-01", "2021-02.1", "2021-02.2", "2021-03.1", "2021-03.2",
                          "2021-03.3"}
    for only in ({"2021-02"}, {"2021-03", ""}, {""}, set()):
        assert search.plan_bundles(pages, only) == {
            name: bundle for name, bundle in every.items() if name.partition(".")[0] in only}


def test_pages_are_copied_where_they_cannot_be_linked(make_site, tmp_path, small_parts,
                                                      monkeypatch):
    """An output folder that is a mount point of its own cannot be linked from its work folder
    beside it: its pages are copied there for Pagefind instead."""
    config = make_site(stories(5, 12), search=True)

    def cross_device(source: object, target: object) -> None:
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    monkeypatch.setattr(os, "link", cross_device)
    build(config, cached=False)
    clean = replace(config, output=tmp_path / "clean")
    monkeypatch.undo()
    monkeypatch.setattr(search, "PART_PAGES", small_parts)
    build(clean, cached=False)
    assert site_bytes(config.output) == site_bytes(clean.output)
