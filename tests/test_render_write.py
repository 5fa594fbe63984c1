"""Render and write: escaping, relative links, template errors, atomic replacement."""

from __future__ import annotations

import logging
import os
import random
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import record

from digest import parallel
from digest.build import build
from digest.content import check
from digest.errors import OutputError, TemplateProblem
from digest.output import staging, write
from digest.output.owned import MARKER, check_output, marker
from digest.output.staging import work_folder
from digest.output.tree import Tree, survey
from digest.output.write import spare_folders, survey_site, survey_steps, write_site
from digest.plan.pages import plan
from digest.progress import Timings
from digest.render import pages as render_module
from digest.render.pages import render


def test_autoescape_keeps_markup_in_content_as_text(make_site):
    config = make_site({"x.md": record(title="<script>alert(1)</script> {{ 7*7 }}")
                        + "\nHello <b>bold</b> [js](javascript:alert(1)) [ok](https://ok.example/)\n"})
    build(config)
    html = next((config.output / "articles").rglob("index.html")).read_text()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and "49" not in html
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert 'href="javascript:' not in html and 'href="https://ok.example/"' in html


def rendered_site(config):
    return dict(render(plan(check(config, Timings()).site, config), config))


def test_links_are_relative_to_each_page(seed_site):
    rendered = rendered_site(seed_site)
    assert 'href="static/style.css"' in rendered["index.html"].decode()
    article = next(path for path in rendered if path.startswith("articles/"))
    assert article.count("/") == 4
    assert 'href="../../../../static/style.css"' in rendered[article].decode()


def test_404_links_start_from_the_base_path(make_site):
    config = make_site({}, base_url="https://example.org/repo/")
    assert 'href="/repo/static/style.css"' in rendered_site(config)["404.html"].decode()


def test_template_syntax_error_names_file_and_line(make_site):
    config = make_site({"a.txt": record(title="A")})
    (config.templates / "article.html").write_text('{% extends "base.html" %}\n{% block main %}\n{% if %}\n')
    with pytest.raises(TemplateProblem) as err:
        build(config)
    assert err.value.line == 3 and err.value.path.endswith("article.html")


def test_failed_build_leaves_previous_site_untouched(make_site):
    config = make_site({"a.txt": record(title="A")})
    build(config)
    before = {p: p.read_bytes() for p in config.output.rglob("*") if p.is_file()}
    (config.templates / "home.html").write_text("{% broken")
    with pytest.raises(TemplateProblem):
        build(config)
    assert {p: p.read_bytes() for p in config.output.rglob("*") if p.is_file()} == before
    assert [p.name for p in work_folder(config.output).iterdir()] == ["lock"]


def test_unchanged_files_keep_their_inode_and_changed_ones_are_rewritten(make_site):
    config = make_site({"a.txt": record(title="A", url="https://x.example/a")})
    build(config)
    home, css = config.output / "index.html", config.output / "static/style.css"
    home_inode, css_inode = home.stat().st_ino, css.stat().st_ino
    (config.content / "b.txt").write_text(record(title="B", url="https://x.example/b"))
    built = build(config)
    assert css.stat().st_ino == css_inode
    assert home.stat().st_ino != home_inode and "B" in home.read_text()
    assert built.stats.unchanged > 0 and built.stats.written > 0


def test_builds_are_byte_identical(make_site, tmp_path):
    config = make_site({"a.txt": record(title="A"), "b.txt": "A body.\n"})
    build(config)
    first = {p.relative_to(config.output): p.read_bytes() for p in config.output.rglob("*")
             if p.is_file()}
    os.rename(config.output, tmp_path / "first")
    build(config)
    second = {p.relative_to(config.output): p.read_bytes() for p in config.output.rglob("*")
              if p.is_file()}
    assert first == second


def test_writer_refuses_paths_outside_the_output(tmp_path):
    with pytest.raises(OutputError):
        write_site(tmp_path / "out", [("../escape.html", b"x")], ())
    assert not (tmp_path / "escape.html").exists()
    assert not (tmp_path / "out").exists()


def test_output_may_not_be_content_or_its_parent(tmp_path):
    content = tmp_path / "site" / "content"
    for bad in (content, tmp_path / "site", tmp_path):
        with pytest.raises(OutputError):
            check_output(bad, [content])
    check_output(tmp_path / "site" / "_site", [content])


def files_of(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its bytes (None for folders)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None
            for p in sorted(folder.rglob("*"))}


def spare_site(config) -> Path | None:
    found = spare_folders(config.output)
    assert len(found) <= 1
    return found[0] if found else None


def clean_build(config, tmp_path: Path) -> dict[str, bytes | None]:
    """Build the site from nothing, without cache, into a folder of its own."""
    reference = replace(config, output=tmp_path / "reference")
    shutil.rmtree(reference.output, ignore_errors=True)
    build(reference, cached=False)
    return files_of(reference.output)


def story(letter: str) -> tuple[str, str]:
    return f"{letter}.txt", record(title=letter.upper(), url=f"https://x.example/{letter}")


def test_the_site_before_last_is_kept_and_patched_into_the_next(make_site, tmp_path):
    config = make_site(dict([story("a")]))
    build(config)
    assert spare_site(config) is None  # the first build had no site to swap out
    first = files_of(config.output)
    config = make_site(dict([story("b")]))
    build(config)
    second = files_of(config.output)
    kept = spare_site(config)
    assert kept is not None and files_of(kept) == first
    assert kept.name.endswith(survey(kept).stamp)
    folder = kept.stat().st_ino
    (config.content / "a.txt").unlink()
    config = make_site(dict([story("c")]))
    built = build(config)
    # The kept folder was patched up and swapped in: no second copy of the site was made.
    assert config.output.stat().st_ino == folder
    assert files_of(config.output) == clean_build(config, tmp_path)
    assert files_of(spare_site(config)) == second
    assert 0 < built.stats.written < built.stats.written + built.stats.unchanged


def test_with_no_site_before_last_a_copy_of_links_is_made_to_patch_up(make_site, tmp_path):
    config = make_site(dict([story("a"), story("b")]))
    build(config)
    assert spare_site(config) is None  # a cold build has none
    surveyed = survey_site(config.output, prepare=True)
    copy = spare_site(config)
    # A copy of the site in place, each file the very file (a link), named by its stamp as the
    # kept site is: the next build takes it and patches it up.
    assert copy is not None and surveyed.spare == {copy.name: surveyed.live}
    assert survey(copy).stamp == surveyed.live.stamp and copy.name.endswith(surveyed.live.stamp)
    assert inodes(copy) == inodes(config.output)
    folder = copy.stat().st_ino
    config = make_site(dict([story("a"), story("c")]))
    build(config)
    assert config.output.stat().st_ino == folder  # the copy, patched up, swapped in
    assert files_of(config.output) == clean_build(config, tmp_path)


def test_the_site_in_place_is_surveyed_first_and_the_spare_site_after(make_site):
    config = make_site(dict([story("a"), story("b")]))
    build(config)
    config = make_site(dict([story("a"), story("c")]))
    build(config)  # staged: the site swapped out is kept beside it as the spare site
    steps = survey_steps(config.output)
    first = next(steps)
    # An edit put in place needs the site in place only, in brief: no spare site surveyed yet.
    assert first == survey(config.output).summary
    both = next(steps)
    assert spare_site(config) is not None and both == survey_site(config.output)
    assert both.live.summary == first and both.patchable(config.output)


def test_a_copy_that_cannot_be_made_leaves_nothing_behind(make_site, monkeypatch):
    config = make_site(dict([story("a")]))
    build(config)

    def refuse(*_: object) -> None:
        raise PermissionError("links refused")

    monkeypatch.setattr(write.os, "link", refuse)
    surveyed = survey_site(config.output, prepare=True)
    assert surveyed.spare == {} and spare_site(config) is None
    assert sorted(p.name for p in work_folder(config.output).iterdir()) == ["lock"]


def inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*")
            if p.is_file()}


@pytest.mark.parametrize("tamper", ["add a file", "replace a page", "add a folder"])
def test_a_kept_site_changed_since_is_not_patched(make_site, tmp_path, caplog, tamper):
    config = make_site(dict([story("a")]))
    build(config)
    config = make_site(dict([story("b")]))
    build(config)
    kept = spare_site(config)
    folder = kept.stat().st_ino
    held = os.open(kept, os.O_RDONLY)  # while it is open, its inode number is not reused
    if tamper == "add a file":
        (kept / "stray.html").write_text("stray")
    elif tamper == "add a folder":
        (kept / "stray").mkdir()
    else:
        page = kept / "index.html"
        page.unlink()  # a new file: the site in place keeps its own
        page.write_text("stray")
    config = make_site(dict([story("c")]))
    try:
        with caplog.at_level(logging.INFO, logger="digest.output.write"):
            build(config)
    finally:
        os.close(held)
    assert "staging the whole site" in caplog.text
    assert config.output.stat().st_ino != folder
    assert files_of(config.output) == clean_build(config, tmp_path)


def test_a_kept_site_is_patched_even_with_no_site_in_place(make_site, tmp_path):
    config = make_site(dict([story("a")]))
    build(config)
    build(make_site(dict([story("b")])))
    folder = spare_site(config).stat().st_ino
    shutil.rmtree(config.output)
    build(config)
    assert config.output.stat().st_ino == folder
    assert files_of(config.output) == clean_build(config, tmp_path)
    assert spare_site(config) is None


def as_tree(files: dict[str, bytes]) -> dict[str, bytes | None]:
    """What ``files`` written as a site look like on disk: its files, their folders, .nojekyll,
    and the list of them all that marks the folder as a build's."""
    folders = {rel.rsplit("/", n)[0] for rel in files for n in range(1, rel.count("/") + 1)}
    site = {**files, ".nojekyll": b""}
    return dict(sorted({**site, MARKER: marker(site), **dict.fromkeys(folders)}.items()))


def test_patching_turns_files_into_folders_and_back(tmp_path):
    output = tmp_path / "out"
    sites = [{"x/index.html": b"x", "y": b"y", "gone/a/b.html": b"b"},
             {"a.html": b"a"},
             {"x": b"x is a file", "y/index.html": b"y is a folder", "a.html": b"a"},
             {"a.html": b"a2"},
             {"x/deep/index.html": b"x", "y": b"y is a file again", "a.html": b"a2"}]
    folder = None
    for step, files in enumerate(sites):
        write_site(output, list(files.items()), ())
        assert files_of(output) == as_tree(files), f"step {step}"
        assert (output.stat().st_ino == folder) == (step >= 2), f"step {step}: not patched"
        if step:
            kept = next(iter(spare_folders(output)))
            assert files_of(kept) == as_tree(sites[step - 1]), f"step {step}"
            folder = kept.stat().st_ino


def test_without_an_atomic_exchange_the_old_site_is_still_kept_and_patched(make_site, tmp_path,
                                                                          monkeypatch):
    monkeypatch.setattr(staging, "exchange", lambda a, b: False)
    config = make_site(dict([story("a")]))
    build(config)
    build(make_site(dict([story("b")])))
    folder = spare_site(config).stat().st_ino
    build(make_site(dict([story("c")])))
    assert config.output.stat().st_ino == folder
    assert files_of(config.output) == clean_build(config, tmp_path)
    # Killed between the two renames: the old site is aside, none in place; it is put back.
    site = files_of(config.output)
    config.output.rename(work_folder(config.output) / "old-1")
    with write.site_lock(config.output):
        pass
    assert files_of(config.output) == site and spare_site(config) is not None
    build(make_site(dict([story("d")])))
    assert files_of(config.output) == clean_build(config, tmp_path)
    assert sorted(p.name for p in work_folder(config.output).iterdir() if p.is_dir()) == [
        spare_site(config).name]


def test_where_hard_links_fail_a_build_says_so_and_without_cache_writes_everything(
        make_site, tmp_path, monkeypatch):
    config = make_site(dict([story("a")]))
    build(config)
    build(make_site(dict([story("b")])))
    before = files_of(config.output)

    def no_links(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    config = make_site(dict([story("c")]))
    with pytest.raises(OutputError, match="--no-cache"):
        build(config)  # pages unchanged since the last build: only a link could keep them
    assert files_of(config.output) == before
    build(config, cached=False)
    assert files_of(config.output) == clean_build(config, tmp_path)


def test_render_workers_are_sent_small_spans_and_the_pages_come_back_in_order(
        seed_site, monkeypatch):
    """Pages wait in the build process a few spans per core: spans stay small on a big site."""
    pages = plan(check(seed_site, Timings()).site, seed_site)
    sent: list[int] = []
    real = render_module.fork_map

    def spy(work, items):
        sent.extend(len(span) for span in items)
        return real(work, items)

    monkeypatch.setattr(parallel, "cores", lambda: 1)  # spans of a sixteenth of the site
    monkeypatch.setattr(render_module, "SPAN", 1)
    monkeypatch.setattr(render_module, "fork_map", spy)
    rendered = list(render_module.render_in_parallel(pages, seed_site))
    assert len(pages) > 16 and max(sent) == 1 and sum(sent) == len(pages)
    assert rendered == list(render(pages, seed_site))


def test_a_tree_changed_in_a_few_entries_stamps_as_one_surveyed_afresh():
    rng = random.Random(7)
    files = {f"a/{n}/index.html": (rng.randrange(10**18), rng.randrange(10**5), n)
             for n in range(500)}
    before = Tree(files, frozenset({"a", *(f"a/{n}" for n in range(500))}))
    summary = before.summary
    for _ in range(20):
        now = dict(before.files)
        changed = rng.sample(sorted(now), 5)
        for rel in changed:
            if rng.random() < 0.5:
                del now[rel]
            else:
                now[rel] = (rng.randrange(10**18), rng.randrange(10**5), rng.randrange(10**6))
        made = f"b/{rng.randrange(10**6)}.html"
        now[made] = (1, 2, 3)
        removed = rng.choice(sorted(before.folders - {"b"}))
        folders = (before.folders - {removed}) | {"b"}
        summary = summary.after(
            {rel: before.files[rel] for rel in [*changed, made] if rel in before.files},
            {rel: now[rel] for rel in [*changed, made] if rel in now},
            folders - before.folders, before.folders - folders)
        after = Tree(dict(reversed(now.items())), folders)
        assert summary == after.summary and summary.stamp == after.stamp != before.stamp
        before = after
    # Any one change tells: a signature, a name, a folder.
    rel, (m, s, i) = next(iter(before.files.items()))
    for files, folders in (({**before.files, rel: (m + 1, s, i)}, before.folders),
                           ({**before.files, rel + "x": (m, s, i)}, before.folders),
                           (before.files, before.folders | {"c"})):
        assert Tree(files, folders).stamp != before.stamp
