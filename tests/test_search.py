"""The Pagefind index: built from the rendered pages, or a clear failure, or skipped on request."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from conftest import record, site_bytes

from digest.build import build
from digest.cli import main
from digest.errors import SearchError
from digest.report import summary


def test_the_build_writes_a_pagefind_bundle_of_the_articles(sample_site):
    bundle = sample_site.output / "pagefind"
    for name in ("pagefind.js", "pagefind-ui.js", "pagefind-ui.css", "pagefind-entry.json"):
        assert (bundle / name).is_file(), name
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == 2, "only the two article pages are indexed"
    assert (sample_site.output / "search/index.html").is_file()


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


def test_the_index_is_made_from_the_new_site_alone_when_the_old_one_is_patched(make_site,
                                                                               tmp_path):
    def story(name: str) -> tuple[str, str]:
        return f"{name}.txt", record(title=name, url=f"https://x.example/{name}") + f"{name} body.\n"

    def site(folder) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes()
                for p in sorted(folder.rglob("*")) if p.is_file()}

    config = make_site(dict([story("Alpha")]), search=True)
    build(config)
    build(make_site(dict([story("Beta")]), search=True))
    (config.content / "Alpha.txt").unlink()
    # The site before last, with Alpha's page, is patched into this one before Pagefind reads it.
    build(make_site(dict([story("Gamma")]), search=True))
    entry = json.loads((config.output / "pagefind/pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == 2
    before = site(config.output)
    # No page changes: the index is kept as it is, in a site patched from the one before last.
    style = config.static / "style.css"
    style.write_text(style.read_text() + "\n/* v2 */\n")
    build(config)
    after = site(config.output)
    assert {p: b for p, b in after.items() if p.startswith("pagefind/")} == {
        p: b for p, b in before.items() if p.startswith("pagefind/")}
    reference = replace(config, output=tmp_path / "reference")
    build(reference, cached=False)
    assert after == site(reference.output)
