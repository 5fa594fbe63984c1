"""Serve's view of the content folder: trusted until the watcher reports a change."""

from __future__ import annotations

import os

import pytest

from digest.live.reported import ReportedFiles
from digest.read.load import load

MAX = 1 << 20


@pytest.fixture
def content(tmp_path):
    folder = tmp_path / "content"
    (folder / "2020").mkdir(parents=True)
    (folder / "a.txt").write_text("Body of a.\n")
    (folder / "2020" / "b.txt").write_text("Body of b.\n")
    return folder


def bodies(files: ReportedFiles, content) -> dict[str, str]:
    loaded = load(content, MAX, files.read, files.listing(content))
    return {body.source: body.text for body in loaded.bodies}


def test_a_reported_edit_is_read_again_and_nothing_else_is(content):
    files = ReportedFiles()
    assert bodies(files, content) == {"a.txt": "Body of a.", "2020/b.txt": "Body of b."}
    (content / "a.txt").write_text("New body of a.\n")
    (content / "2020" / "b.txt").write_text("An edit nobody reported.\n")
    (content / "c.txt").write_text("A file nobody reported.\n")
    listing = files.listing(content)
    before = files.report({"a.txt": content / "a.txt"})
    assert before["a.txt"] is not None and before["a.txt"].body.text == "Body of a."
    assert files.listing_holds() and files.listing(content) is listing  # not walked again
    # Neither listed again nor checked: what the watcher did not report is taken as it was.
    assert bodies(files, content) == {"a.txt": "New body of a.", "2020/b.txt": "Body of b."}


def test_a_same_size_same_time_rewrite_is_read_again(content):
    files = ReportedFiles()
    bodies(files, content)
    path = content / "a.txt"
    stat = path.stat()
    path.write_text("Body of x.\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    files.report({"a.txt": path})
    assert bodies(files, content)["a.txt"] == "Body of x."


@pytest.mark.parametrize("change", ["create", "delete", "rename", "rename folder", "replace by link"])
def test_a_file_come_or_gone_lists_the_folder_again(content, change):
    files = ReportedFiles()
    bodies(files, content)
    if change == "create":
        (content / "c.txt").write_text("Body of c.\n")
        reported = ["c.txt"]
        expected = {"a.txt": "Body of a.", "2020/b.txt": "Body of b.", "c.txt": "Body of c."}
    elif change == "delete":
        (content / "a.txt").unlink()
        reported = ["a.txt"]
        expected = {"2020/b.txt": "Body of b."}
    elif change == "rename":
        (content / "a.txt").rename(content / "z.txt")
        reported = ["a.txt", "z.txt"]
        expected = {"z.txt": "Body of a.", "2020/b.txt": "Body of b."}
    elif change == "rename folder":
        (content / "2020").rename(content / "2021")
        reported = ["2020", "2021"]
        expected = {"a.txt": "Body of a.", "2021/b.txt": "Body of b."}
    else:
        (content / "elsewhere.txt").write_text("Another body.\n")
        (content / "a.txt").unlink()
        (content / "a.txt").symlink_to(content / "elsewhere.txt")
        reported = ["a.txt", "elsewhere.txt"]
        expected = {"a.txt": "Another body.", "2020/b.txt": "Body of b.",
                    "elsewhere.txt": "Another body."}
    files.report({rel: content / rel for rel in reported})
    assert not files.listing_holds()
    assert bodies(files, content) == expected


def test_a_folder_moved_away_and_back_is_read_again(content):
    files = ReportedFiles()
    bodies(files, content)
    (content / "2020").rename(content.parent / "away")
    (content.parent / "away" / "b.txt").write_text("Edited while away.\n")
    (content.parent / "away").rename(content / "2020")
    # Only the folder is reported, not the file edited while it was outside.
    files.report({"2020": content / "2020"})
    assert bodies(files, content)["2020/b.txt"] == "Edited while away."


def test_a_link_is_read_again_whenever_anything_is_reported(content):
    (content / "link.txt").symlink_to(content / "a.txt")
    files = ReportedFiles()
    assert bodies(files, content)["link.txt"] == "Body of a."
    assert files.listing(content).links == {"link.txt"}
    (content / "a.txt").write_text("Body of a, edited.\n")
    files.report({"a.txt": content / "a.txt"})  # the watcher sees the file, not the link
    assert files.listing_holds()
    assert bodies(files, content)["link.txt"] == "Body of a, edited."


def test_a_link_leading_outside_is_refused_once_reported(content, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("Not content.\n")
    files = ReportedFiles()
    bodies(files, content)
    (content / "a.txt").unlink()
    (content / "a.txt").symlink_to(secret)
    files.report({"a.txt": content / "a.txt"})
    loaded = load(content, MAX, files.read, files.listing(content))
    assert "a.txt" not in {body.source for body in loaded.bodies}
    assert [d.code for d in loaded.diagnostics if d.path == "a.txt"] == ["D104"]
