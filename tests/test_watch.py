"""The change classifier, the watcher's handler called directly, and one real watcher."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from watchdog.events import (
    DirModifiedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
)

from digest.live.watch import QUIET, ChangeHandler, ChangeKind, Watched, classify_change, watching

ROOT = Path("/site")
WATCHED = Watched(ROOT / "content", ROOT / "templates", ROOT / "static", ROOT / "digest.toml")


@pytest.mark.parametrize(("path", "kind"), [
    ("content/001_abc.txt", ChangeKind.CONTENT),
    ("content/2020/story.md", ChangeKind.CONTENT),
    ("templates/article.html", ChangeKind.TEMPLATE),
    ("templates/partials/card.html", ChangeKind.TEMPLATE),
    ("static/style.css", ChangeKind.STATIC),
    ("digest.toml", ChangeKind.CONFIG),
    ("content/.001_abc.txt.swp", ChangeKind.IGNORED),
    ("content/001_abc.txt~", ChangeKind.IGNORED),
    ("content/001_abc.txt___jb_tmp___", ChangeKind.IGNORED),
    ("content/4913", ChangeKind.IGNORED),
    ("content/#001_abc.txt#", ChangeKind.IGNORED),
    ("content/.git/index", ChangeKind.IGNORED),
    ("templates/.article.html.kate-swp", ChangeKind.IGNORED),
    ("_site/index.html", ChangeKind.IGNORED),
    ("README.md", ChangeKind.IGNORED),
    ("other.toml", ChangeKind.IGNORED),
    ("content", ChangeKind.IGNORED),
])
def test_classify_change(path, kind):
    assert classify_change(ROOT / path, WATCHED) is kind


def test_classify_without_settings_file():
    assert classify_change(ROOT / "digest.toml", Watched(
        ROOT / "content", ROOT / "templates", ROOT / "static")) is ChangeKind.IGNORED


class Batches:
    """Collects the batches a handler hands on."""

    def __init__(self) -> None:
        self.batches: list[dict[Path, ChangeKind]] = []
        self.arrived = threading.Event()

    def __call__(self, batch):
        self.batches.append(dict(batch))
        self.arrived.set()

    def wait(self, timeout: float = 5.0) -> dict[Path, ChangeKind]:
        assert self.arrived.wait(timeout), "no batch arrived"
        self.arrived.clear()
        return self.batches[-1]


@pytest.fixture
def handler():
    batches = Batches()
    handler = ChangeHandler(WATCHED, batches, quiet=0.05)
    handler.batches = batches
    handler.start()
    yield handler
    handler.stop()


def test_burst_of_events_is_one_batch(handler):
    paths = [f"/site/content/{n:03d}_x.txt" for n in range(300)]
    for path in paths:
        handler.dispatch(FileModifiedEvent(path))
    batch = handler.batches.wait()
    time.sleep(0.2)
    assert len(handler.batches.batches) == 1
    assert batch == {Path(p): ChangeKind.CONTENT for p in paths}


def test_atomic_save_reports_the_renamed_file(handler):
    handler.dispatch(FileCreatedEvent("/site/content/.001_abc.txt.tmp"))
    handler.dispatch(FileModifiedEvent("/site/content/.001_abc.txt.tmp"))
    handler.dispatch(FileMovedEvent("/site/content/.001_abc.txt.tmp", "/site/content/001_abc.txt"))
    assert handler.batches.wait() == {Path("/site/content/001_abc.txt"): ChangeKind.CONTENT}


def test_rename_reports_both_names_and_deletion_is_reported(handler):
    handler.dispatch(FileMovedEvent("/site/content/a.txt", "/site/content/b.txt"))
    handler.dispatch(FileDeletedEvent("/site/static/old.css"))
    assert handler.batches.wait() == {
        Path("/site/content/a.txt"): ChangeKind.CONTENT,
        Path("/site/content/b.txt"): ChangeKind.CONTENT,
        Path("/site/static/old.css"): ChangeKind.STATIC,
    }


def test_noise_alone_hands_on_nothing(handler):
    handler.dispatch(DirModifiedEvent("/site/content"))
    handler.dispatch(FileClosedEvent("/site/content/001_abc.txt"))
    handler.dispatch(FileModifiedEvent("/site/content/.001_abc.txt.swp"))
    handler.dispatch(FileModifiedEvent("/site/_site/index.html"))
    assert not handler.batches.arrived.wait(0.4)


def test_events_during_a_rebuild_make_the_next_batch():
    batches = Batches()
    release = threading.Event()

    def slow(batch):
        batches(batch)
        release.wait(5)

    handler = ChangeHandler(WATCHED, slow, quiet=0.05)
    handler.start()
    try:
        handler.dispatch(FileModifiedEvent("/site/content/a.txt"))
        assert batches.wait() == {Path("/site/content/a.txt"): ChangeKind.CONTENT}
        handler.dispatch(FileModifiedEvent("/site/templates/base.html"))
        release.set()
        assert batches.wait() == {Path("/site/templates/base.html"): ChangeKind.TEMPLATE}
    finally:
        release.set()
        handler.stop()


def test_real_filesystem_changes_arrive(tmp_path):
    for folder in ("content", "templates", "static"):
        (tmp_path / folder).mkdir()
    (tmp_path / "content" / "a.txt").write_text("one\n")
    settings = tmp_path / "digest.toml"
    settings.write_text('title = "x"\n')
    watched = Watched(tmp_path / "content", tmp_path / "templates", tmp_path / "static", settings)
    batches = Batches()
    with watching(watched, batches):
        temp = tmp_path / "content" / ".a.txt.tmp"
        temp.write_text("two\n")
        temp.replace(tmp_path / "content" / "a.txt")
        assert batches.wait(10) == {tmp_path / "content" / "a.txt": ChangeKind.CONTENT}
        (tmp_path / "content" / "a.txt").unlink()
        assert batches.wait(10) == {tmp_path / "content" / "a.txt": ChangeKind.CONTENT}
        settings.write_text('title = "y"\n')
        assert batches.wait(10) == {settings: ChangeKind.CONFIG}
    assert not [t for t in threading.enumerate() if t.name == "digest-rebuild"]


@pytest.mark.parametrize("save", ["in place", "backup, write, delete", "temporary file, rename"])
def test_an_editors_save_is_one_batch(tmp_path, save):
    for folder in ("content", "templates", "static"):
        (tmp_path / folder).mkdir()
    target = tmp_path / "content" / "a.txt"
    target.write_text("one\n")
    watched = Watched(tmp_path / "content", tmp_path / "templates", tmp_path / "static")
    batches = Batches()
    with watching(watched, batches):
        if save == "in place":  # VS Code, nano
            with target.open("r+") as stream:
                stream.truncate(0)
                stream.flush()
                stream.write("two\n")
        elif save == "backup, write, delete":  # vim, emacs
            target.rename(tmp_path / "content" / "a.txt~")
            target.write_text("two\n")
            (tmp_path / "content" / "a.txt~").unlink()
        else:  # JetBrains, gedit, atomic writers
            temp = tmp_path / "content" / "a.txt___jb_tmp___"
            temp.write_text("two\n")
            temp.replace(target)
        assert batches.wait(10) == {target: ChangeKind.CONTENT}
        time.sleep(QUIET * 4)
    assert len(batches.batches) == 1


def test_changes_are_held_until_the_handler_starts(tmp_path):
    for folder in ("content", "templates", "static"):
        (tmp_path / folder).mkdir()
    watched = Watched(tmp_path / "content", tmp_path / "templates", tmp_path / "static")
    batches = Batches()
    with watching(watched, batches, hand_on=False) as handler:
        (tmp_path / "content" / "a.txt").write_text("saved while the site is built\n")
        assert not batches.arrived.wait(QUIET * 4)
        handler.start()
        assert batches.wait(10) == {tmp_path / "content" / "a.txt": ChangeKind.CONTENT}
