"""Watch the site's folders; classify each change and hand them on in debounced batches."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

log = logging.getLogger(__name__)

QUIET = 0.05
"""Seconds without a new event before a batch is handed on: one rebuild for a burst of saves.
An editor's save (truncate and write; or backup, write and delete; or temporary file and rename)
comes as events a few milliseconds apart."""
LONGEST = 2.0
"""Seconds after a batch's first event when it is handed on even if events keep coming."""
EDITOR_LITTER = (".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload", ".bak", "~",
                 "___jb_tmp___", "___jb_old___")
"""Endings of the scratch files editors write beside the file being saved."""

EVENTS = [FileCreatedEvent, FileModifiedEvent, FileDeletedEvent, FileMovedEvent,
          DirCreatedEvent, DirDeletedEvent, DirMovedEvent]
"""The events asked of the system: not a file's opening and closing, which reading the site's
files (20,000 of them in a large site's first build) would report by the thousand."""


class ChangeKind(IntEnum):
    """What a changed file asks for, cheapest first: a batch takes the costliest of its kinds."""

    IGNORED = 0
    STATIC = 1
    """Re-read the static files; no page changes."""
    CONTENT = 2
    """Re-read the changed content files, then join, index, plan and re-render."""
    LINKS = 3
    """``links.json`` changed: plan every page again; those whose links changed are rendered."""
    TEMPLATE = 4
    """Render every page again."""
    CONFIG = 5
    """Read the settings again and start over."""


@dataclass(frozen=True)
class Watched:
    """The folders and the settings file whose changes matter, as absolute paths."""

    content: Path
    templates: Path
    static: Path
    config: Path | None = None
    links: Path | None = None
    """``links.json`` (``digest links``), watched even before it exists."""
    addresses: Path | None = None
    """``addresses.json`` (written by ``digest build``): old addresses' redirect pages."""


Changes = Mapping[Path, ChangeKind]


def classify_change(path: Path, watched: Watched) -> ChangeKind:
    """Decide what a change to ``path`` asks for."""
    if watched.config is not None and path == watched.config:
        return ChangeKind.CONFIG
    if path in (watched.links, watched.addresses):  # each changes what pages link to
        return ChangeKind.LINKS
    for folder, kind in ((watched.templates, ChangeKind.TEMPLATE),
                         (watched.static, ChangeKind.STATIC),
                         (watched.content, ChangeKind.CONTENT)):
        if path != folder and path.is_relative_to(folder):
            inside = path.relative_to(folder).parts
            # Hidden files and editor scratch files are never part of the site.
            if any(part.startswith((".", "#")) for part in inside) or path.name == "4913":
                return ChangeKind.IGNORED
            if path.name.endswith(EDITOR_LITTER):
                return ChangeKind.IGNORED
            return kind
    return ChangeKind.IGNORED


class ChangeHandler(FileSystemEventHandler):
    """Collect classified changes from watchdog events; pass them to ``on_batch`` when quiet."""

    def __init__(self, watched: Watched, on_batch: Callable[[Changes], None],
                 quiet: float = QUIET, longest: float = LONGEST) -> None:
        super().__init__()
        self.watched = watched
        self.on_batch = on_batch
        self.quiet = quiet
        self.longest = longest
        self._pending: dict[Path, ChangeKind] = {}
        self._first = self._last = 0.0
        self._stopping = False
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="digest-rebuild", daemon=True)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed", "closed_no_write"):
            return
        # A folder's "modified" only echoes a change to a file in it, which has its own event.
        if event.is_directory and event.event_type == "modified":
            return
        paths = [event.src_path, event.dest_path] if event.dest_path else [event.src_path]
        found = {}
        for raw in paths:
            path = Path(os.fsdecode(raw))
            kind = classify_change(path, self.watched)
            if kind is not ChangeKind.IGNORED:
                found[path] = kind
        if found:
            self.add(found)

    def add(self, changes: Changes) -> None:
        """Add changes to the waiting batch and restart its quiet period."""
        with self._wake:
            now = time.monotonic()
            if not self._pending:
                self._first = now
            self._last = now
            self._pending.update(changes)
            self._wake.notify()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop handing on batches; wait for a rebuild in progress to finish."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            try:
                self.on_batch(batch)
            except Exception:  # a failed rebuild is reported; the watcher keeps going
                log.exception("rebuild failed")

    def _next_batch(self) -> dict[Path, ChangeKind] | None:
        with self._wake:
            while not self._stopping:
                if not self._pending:
                    self._wake.wait()
                    continue
                now = time.monotonic()
                due = min(self._last + self.quiet, self._first + self.longest)
                if now >= due:
                    batch, self._pending = self._pending, {}
                    return batch
                self._wake.wait(due - now)
            return None


@contextmanager
def watching(watched: Watched, on_batch: Callable[[Changes], None], quiet: float = QUIET, *,
             hand_on: bool = True) -> Iterator[ChangeHandler]:
    """Watch the site's folders while the block runs; stop every thread when it ends.

    With ``hand_on`` false, changes are collected from the start but handed on only once the
    handler's ``start()`` is called: serve builds the site in between, and misses nothing saved
    meanwhile.
    """
    handler = ChangeHandler(watched, on_batch, quiet)
    observer = Observer()
    for folder in (watched.content, watched.templates, watched.static):
        if folder.is_dir():
            observer.schedule(handler, str(folder), recursive=True, event_filter=EVENTS)
    # The settings' and links.json's folder (the site's root), not its subfolders.
    for folder in {f.parent for f in (watched.config, watched.links, watched.addresses) if f}:
        if folder.is_dir():
            observer.schedule(handler, str(folder), recursive=False, event_filter=EVENTS)
    observer.start()  # the folders are watched once this returns
    if hand_on:
        handler.start()
    try:
        yield handler
    finally:
        observer.stop()
        observer.join()
        handler.stop()
