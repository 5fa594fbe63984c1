"""Edits while serving: what the watcher reports is picked up, and the served site is always
what a fresh build of the same files gives, whichever way the preview brought it up to date."""

from __future__ import annotations

import random
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from digest.build import build
from digest.content import produce
from digest.incremental.edit import body_edit
from digest.live.preview import Preview
from digest.live.watch import ChangeKind
from digest.model import JoinMethod
from digest.output.owned import MARKER
from digest.read.load import FileResult, read_file
from tests.conftest import record, site_bytes, stories, story


def fresh(preview: Preview) -> Preview:
    """Return a new preview of the same files, built from scratch."""
    other = Preview(preview.config, lambda: preview.config, drafts=True)
    assert other.start().problems == ()
    return other


@pytest.fixture
def site(make_site):
    config = make_site(stories(11))
    preview = Preview(config, lambda: config, drafts=True)
    assert preview.start().problems == ()
    return preview


def save(preview, *names, text=None):
    """Write (or, with no text, leave) files and report them, as the watcher would."""
    for name in names:
        if text is not None:
            (preview.config.content / name).write_text(text, encoding="utf-8")
    return preview.apply({preview.config.content / name: ChangeKind.CONTENT for name in names})


def test_a_body_edit_changes_only_its_article_page(site):
    body = site.config.content / "b2.txt"
    update = save(site, "b2.txt", text=body.read_text() + "A third paragraph.\n")
    assert update.problems == () and len(update.changed) == 1
    assert update.changed[0].startswith("articles/")
    assert b"A third paragraph." in site.files[update.changed[0]]
    assert site.files == fresh(site).files


def test_a_body_edit_that_changes_its_opening_joins_again(site):
    body = site.config.content / "b2.txt"
    text = body.read_text()
    update = save(site, "b2.txt", text="Quite another opening.\n\n" + text)
    assert update.problems == ()
    # Its record no longer finds it: the article is left without a body.
    assert any(d.code == "D301" and d.path == "b2.txt" for d in update.diagnostics)
    # Its page, and the list pages showing its card: its headline now leads to the source.
    [page] = [p for p in update.changed if p.startswith("articles/")]
    listed = set(update.changed) - {page}
    assert listed and all(not p.startswith("articles/") for p in listed)
    assert b"More about" not in site.files[page]
    assert site.files == fresh(site).files
    update = save(site, "b2.txt", text=text)
    assert set(update.changed) == listed | {page} and b"More about" in site.files[page]


def test_an_edit_of_a_body_no_record_claims_changes_no_page(site):
    text = "Nobody's body " * 40 + "\n"
    assert save(site, "orphan.txt", text=text).changed == ()
    update = save(site, "orphan.txt", text=text + "One more line.\n")
    assert update.changed == () and update.problems == ()
    assert any(d.code == "D301" and d.path == "orphan.txt" for d in update.diagnostics)
    assert site.files == fresh(site).files


def test_an_edit_of_the_body_of_a_hidden_draft_changes_no_page(make_site):
    files = story(random.Random(4), 1, how=1)
    files["s1.yaml"] += "draft: true\n"
    config = make_site(files)
    preview = Preview(config, lambda: config, drafts=False)
    served = preview.start().changed
    assert not any(path.startswith("articles/") for path in served)
    update = save(preview, "s1.txt", text=files["s1.txt"] + "One more line.\n")
    assert update.changed == () and update.problems == ()


@pytest.mark.parametrize("change", ["create", "delete", "rename"])
def test_files_created_deleted_or_renamed_while_serving_are_picked_up(site, change):
    content = site.config.content
    if change == "create":
        for name, text in story(random.Random(3), 40, how=2).items():
            (content / name).write_text(text, encoding="utf-8")
        update = save(site, "r40.yaml", "b40.txt")
        assert any("story-40" in path for path in update.changed)
    elif change == "delete":
        (content / "b5.txt").unlink()
        update = save(site, "b5.txt")
        assert [p for p in update.changed if p.startswith("articles/")]  # left without its body
    else:
        (content / "r5.yaml").rename(content / "r50.yaml")
        update = save(site, "r5.yaml", "r50.yaml")  # the same article, from another file
    assert update.problems == ()
    assert site.files == fresh(site).files


def test_what_the_watcher_did_not_report_is_not_looked_for(site):
    content = site.config.content
    served = dict(site.files)
    (content / "b2.txt").write_text("Nobody reported this edit.\n")
    (content / "new.txt").write_text("Nobody reported this file either.\n")
    body = content / "b5.txt"
    update = save(site, "b5.txt", text=body.read_text() + "Reported.\n")
    assert len(update.changed) == 1 and b"Reported." in site.files[update.changed[0]]
    assert {p: d for p, d in site.files.items() if p not in update.changed} == {
        p: d for p, d in served.items() if p not in update.changed}
    assert not any(d.path == "new.txt" for d in update.diagnostics)


def test_body_edit_tells_edits_that_can_only_change_their_article(tmp_path):
    def read(name: str, text: str) -> FileResult:
        (tmp_path / name).write_text(text, encoding="utf-8")
        return read_file(name, tmp_path / name, 1 << 20)

    # The join reads a body's first 400 characters: the edits below come after them.
    opening = "The storm reached the harbour at dawn and the river rose through the night.\n" * 6
    old = read("b.txt", opening + "Second paragraph.\n")
    by = {how: how for how in JoinMethod if how is not JoinMethod.NONE}
    later = read("b.txt", opening + "Second paragraph, longer.\n")
    assert all(body_edit(method, old, later) for method in by.values())
    assert not body_edit(None, old, later)  # a body no record claims: its D301 may change
    assert not body_edit(by[JoinMethod.CONTENT], None, old)  # a new file
    for changed in ("Another opening.\n" + opening, "date 2020-01-02\n" + opening):
        new = read("b.txt", changed)
        # Found by its opening (or dateline), it may be found no more; by its path, it is.
        assert not body_edit(by[JoinMethod.CONTENT], old, new)
        assert body_edit(by[JoinMethod.SAME_STEM], old, new)
        assert body_edit(by[JoinMethod.EXPLICIT], old, new)
    for method in by.values():
        assert not body_edit(method, old, read("b.txt", opening + "Caf\u00c3\u00a9.\n\x00"))
        assert not body_edit(method, old, read("b.txt", record(title="Now a record") + opening))
        assert not body_edit(method, old, read("b.txt", " \n"))  # empty: skipped


def test_an_edit_to_the_opening_of_a_body_found_by_its_name_changes_only_its_page(site):
    body = site.config.content / "s1.txt"  # found by its record's name, s1.yaml
    update = save(site, "s1.txt", text="Quite another opening.\n\n" + body.read_text())
    [page] = update.changed
    assert b"Quite another opening." in site.files[page]
    assert site.files == fresh(site).files


def test_edits_of_records_that_move_no_article_render_only_the_pages_showing_them(
        site, monkeypatch):
    import digest.live.preview

    def whole(*args, **kwargs):
        raise AssertionError("the whole site was built again")

    edits = [
        ("s1.yaml", lambda text: text.replace("domain: example.com", "domain: example.net")),
        ("r5.yaml", lambda text: text.replace("topics:", "images:\n  - url: https://example.com/"
                                              "5.jpg\ntopics:", 1)),  # on its cards too
        ("s4.yaml", lambda text: text.replace("provider:", "related:\n  - title: Elsewhere\n"
                                              "    webUrl: https://example.com/s1\n"
                                              "provider:", 1)),  # links to article 1's page
        ("s1.yaml", lambda text: text.replace('title: "Story', 'title: "Tale', 1)),  # it moves
        ("r8.yaml", lambda text: text.replace('title: "Story', 'title: "Retold', 1)),
    ]
    served = dict(site.files)
    for name, change in edits:
        path = site.config.content / name
        monkeypatch.setattr(digest.live.preview, "produce", whole)
        update = save(site, name, text=change(path.read_text()))
        monkeypatch.undo()
        assert update.problems == (), name
        assert site.files == fresh(site).files, name
    # Article 1's page moved: its old path is gone.
    [moved] = [p for p in served if "/story-1-" in p]
    assert moved not in site.files and moved.replace("/story-1-", "/tale-1-") in site.files
    for name in ("s1.txt", "b8.txt"):  # the bodies of retitled records: their pages as they are
        path = site.config.content / name
        monkeypatch.setattr(digest.live.preview, "produce", whole)
        update = save(site, name, text=path.read_text() + "One more line.\n")
        monkeypatch.undo()
        [page] = update.changed
        assert "/tale-1-" in page or "/retold-8-" in page
        assert site.files == fresh(site).files, name


def test_an_edit_that_moves_an_article_plans_every_page_of_the_site_in_memory(site, monkeypatch):
    import digest.live.preview

    built = []
    monkeypatch.setattr(digest.live.preview, "produce",
                        lambda *a, **k: built.append(1) or produce(*a, **k))
    path = site.config.content / "s1.yaml"  # joined by its stem: its date is not evidence
    update = save(site, "s1.yaml", text=path.read_text().replace("2021-", "2019-", 1))
    assert not built and update.changed and site.files == fresh(site).files
    path = site.config.content / "r2.yaml"  # matched by content, which weighs dates
    save(site, "r2.yaml", text=path.read_text().replace("2021-", "2019-", 1))
    assert built and site.files == fresh(site).files


def random_edit(rng: random.Random, content: Path, step: int) -> tuple[str, list[str]]:
    """Make one edit of the kinds editors make, moves of articles among them; return what it
    was and the files it touched, as the watcher would report them."""
    action = rng.choice(["append", "append", "append", "opening", "title", "title", "domain",
                         "date", "topic", "new", "delete", "rename"])
    kinds = {"append": (".txt", ".md"), "opening": (".txt",), "title": (".yaml", ".md"),
             "domain": (".yaml",), "date": (".yaml", ".md"), "topic": (".yaml", ".md")}
    name = rng.choice(sorted(p.name for p in content.iterdir()
                             if p.suffix in kinds.get(action, (p.suffix,))))
    path = content / name
    touched = [name]
    if action == "append":
        path.write_text(path.read_text() + f"Step {step} adds a line.\n")
    elif action == "opening":
        path.write_text(f"Step {step} opens differently.\n\n" + path.read_text())
    elif action == "title":
        path.write_text(path.read_text().replace("title: \"Story", "title: \"Tale", 1)
                        .replace("title: \"Tale", f"title: \"Tale {step}", 1))
    elif action == "domain":
        path.write_text(path.read_text().replace("domain: ", f"domain: s{step}.", 1))
    elif action == "date":  # moves the article among the others, and maybe to another month
        path.write_text(re.sub(r"publishedDateTime: \S+",
                               f"publishedDateTime: 2021-{1 + step % 12:02d}-{1 + step % 28:02d}"
                               "T08:00:00Z", path.read_text(), count=1))
    elif action == "topic":  # moves it onto another topic's pages
        text = path.read_text().replace("topics:\n  []", "topics:\n", 1)
        path.write_text(text.replace("topics:\n", f"topics:\n  - Topic {step % 3}\n", 1))
    elif action == "new":
        files = story(rng, 100 + step)
        for new, text in files.items():
            (content / new).write_text(text)
        touched = list(files)
    elif action == "delete":
        path.unlink()
    else:
        path.rename(content / f"moved{step}{path.suffix}")
        touched.append(f"moved{step}{path.suffix}")
    return f"{action} {name}", touched


def test_any_sequence_of_edits_serves_what_a_fresh_build_gives(site):
    rng = random.Random(13)
    for step in range(30):
        what, touched = random_edit(rng, site.config.content, step)
        update = save(site, *touched)
        assert update.problems == (), f"step {step}: {what}"
        other = fresh(site)
        assert site.files == other.files, f"step {step}: {what}"


def test_any_sequence_of_edits_serves_what_a_clean_build_writes(make_site, tmp_path):
    config = make_site(stories(23, 14))
    preview = Preview(config, lambda: config, drafts=False)
    assert preview.start().problems == ()
    reference = replace(config, output=tmp_path / "reference")
    rng = random.Random(29)
    for step in range(24):
        what, touched = random_edit(rng, config.content, step)
        assert save(preview, *touched).problems == (), f"step {step}: {what}"
        if step % 3 == 2:
            shutil.rmtree(reference.output, ignore_errors=True)
            build(reference, cached=False)
            written = {rel: data for rel, data in site_bytes(reference.output).items()
                       if rel != MARKER}
            served = {rel: data for rel, data in preview.files.items()}
            assert served == written, f"step {step}: {what}"
