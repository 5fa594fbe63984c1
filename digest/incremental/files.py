"""Each content file's parse result, reused while the file's size and times are unchanged."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from digest import parallel
from digest.incremental.stamp import RACY_NS, Signature
from digest.incremental.store import stow_result, stow_results
from digest.model import Loaded
from digest.parallel import chunks, fork_map
from digest.progress import Timings, track
from digest.read.listing import Listing, walk
from digest.read.load import FileResult, load, read_file


def signature(path: str | Path) -> Signature:
    """Return the stat signature of ``path``; raises OSError."""
    stat = os.stat(path)
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


UNTRUSTED: Signature = (0, 0, 0)
"""The signature of a file read too soon after it changed: it is read again next time."""
Entries = dict[str, tuple[Signature, FileResult]]
"""Content files' parse results by relative path, with the signature each was read at."""


class FileCache:
    """Each content file's parse result, reused while the file's size and times are unchanged."""

    def __init__(self, results: dict[str, tuple[Signature, FileResult]] | None = None,
                 store: Path | None = None) -> None:
        self._results = dict(results or {})
        self._store = store
        """Where parsed bodies' texts are kept on disk (``store.py``); None keeps them here."""
        self._used: set[str] = set()
        self._checked: set[str] = set()
        """Files whose entry ``prefetch`` found current a moment ago: not worth a second stat."""
        self._started = time.time_ns()

    def read(self, rel: str, path: str, max_file_size: int) -> FileResult:
        """Return the file's parse result, parsing it only when it is new or changed."""
        if rel in self._checked:
            self._checked.discard(rel)
            self._used.add(rel)
            return self._results[rel][1]
        try:
            sig = signature(path)
        except OSError:
            return read_file(rel, path, max_file_size)
        self._used.add(rel)
        cached = self._results.get(rel)
        if cached is not None and cached[0] == sig:
            return cached[1]
        result = stowed(read_file(rel, path, max_file_size), self._store)
        self._results[rel] = (sig, result)
        return result

    def prefetch(self, listing: Listing, max_file_size: int,
                 known: Mapping[str, Signature] | None = None) -> int:
        """Parse the new and changed files of ``listing`` ahead of ``read``, in parallel if many.

        ``known`` holds signatures already read this build (``stamp.read_inputs``): a file is
        not stat'ed twice. Returns how many files were parsed.
        """
        todo: list[tuple[str, str, Signature]] = []
        for rel, path, problem in listing.files:
            try:
                sig = known[rel] if known and rel in known else signature(path)
            except OSError:
                continue
            cached = self._results.get(rel)
            if problem is None and (cached is None or cached[0] != sig):
                todo.append((rel, path, sig))
            elif problem is None:
                self._checked.add(rel)
        if len(todo) >= parallel.PARALLEL_MIN:
            results = parse_in_parallel([(rel, path) for rel, path, _ in todo], max_file_size,
                                        self._store)
            for (rel, _, sig), result in zip(todo, results, strict=True):
                self._results[rel] = (sig, result)
                self._checked.add(rel)
        return len(todo)

    def read_all(self, content: Path, max_file_size: int, known: Mapping[str, Signature] | None,
                 timings: Timings) -> tuple[Loaded, Entries]:
        """Read every file under ``content``, parsing only the new and changed ones (``known``
        as for ``prefetch``); return what they hold, and the entries worth keeping (``used``)."""
        listing = timings.run("list", lambda: walk(content))  # the parse and the load share it
        timings.run("parse", lambda: self.prefetch(listing, max_file_size, known))
        loaded = timings.run("load", lambda: load(content, max_file_size, self.read, listing))
        return loaded, self.used()

    def forget(self, rels: Iterable[str]) -> None:
        """Drop files reported changed: a rewrite can keep the same size and time stamp."""
        for rel in rels:
            self._results.pop(rel, None)
            self._checked.discard(rel)

    def clear(self) -> None:
        self._results.clear()
        self._checked.clear()

    def used(self) -> Entries:
        """Return the entries worth keeping: files read since this cache was made, not deleted.

        A file changed just before the build is kept under a signature no file has: a second
        change in the same time stamp tick would keep its size and time, and so would go unseen.
        """
        recent = self._started - RACY_NS
        return {rel: entry if entry[0][0] < recent else (UNTRUSTED, entry[1])
                for rel in self._used if (entry := self._results.get(rel)) is not None}


PARSE_SPAN = 500
"""The most files a parse worker is sent at once. With a few chunks a core (25,000 files each
at 100,000 articles) one core could idle for seconds at the end, and a worker held a whole
chunk's results while its collector ran: 100,000 articles took 51-62 s to parse, 48-56 s so."""


def parse_in_parallel(files: list[tuple[str, str]], max_file_size: int,
                      store: Path | None = None) -> list[FileResult]:
    """Read and parse ``files`` in worker processes, one per core; results in the same order.

    With a ``store``, the workers keep the bodies' texts there rather than send them back.
    """
    def parse(chunk: Sequence[tuple[str, str]]) -> list[FileResult]:
        results = (read_file(rel, path, max_file_size) for rel, path in chunk)
        return list(results if store is None else stow_results(results, store))

    done = fork_map(parse, chunks(files, most=PARSE_SPAN))
    return [result for chunk in track(done, "Parsing", len(files), weight=len) for result in chunk]


def stowed(result: FileResult, store: Path | None) -> FileResult:
    """Return ``result`` with its body's text and related coverage kept in ``store``, if any."""
    return result if store is None else stow_result(result, store)
