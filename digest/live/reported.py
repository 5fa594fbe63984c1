"""Keep the content folder's listing and files as read, until the watcher reports a change."""

from __future__ import annotations

import stat
from collections.abc import Mapping
from pathlib import Path

from digest import parallel
from digest.incremental.files import parse_in_parallel
from digest.read.listing import Listing, walk
from digest.read.load import FileResult, read_file


class ReportedFiles:
    """Serve's view of the content folder: the listing and each file's parse result, trusted
    until the watcher reports a change, so that a save costs neither a walk of the folder nor a
    stat of every file. ``digest build``, which has no watcher, checks each file's stat instead
    (``files.FileCache``)."""

    def __init__(self) -> None:
        self._listing: Listing | None = None
        self._listed: frozenset[str] = frozenset()
        """The names in ``_listing``, to tell a reported file from a new one at once."""
        self._links: frozenset[str] = frozenset()
        """The listed files that are symbolic links."""
        self._results: dict[str, FileResult] = {}

    def listing(self, content: Path) -> Listing:
        """Return the folder's listing, walking it only if a report made the last one stale."""
        if self._listing is None:
            self._listing = walk(content)
            self._listed = frozenset(rel for rel, _, _ in self._listing.files)
            self._links = self._listing.links
        return self._listing

    def listing_holds(self) -> bool:
        """Whether the last listing is still the folder's: no report made it stale."""
        return self._listing is not None

    def read(self, rel: str, path: str, max_file_size: int) -> FileResult:
        """Return the file's parse result, reading it only if it was not read since last reported."""
        result = self._results.get(rel)
        if result is None:
            result = self._results[rel] = read_file(rel, path, max_file_size)
        return result

    def prefetch(self, content: Path, max_file_size: int) -> None:
        """Parse the listed files not read yet on every core, when there are many of them: at
        the first build, or the first after the settings changed (20,000 files at 10,000
        articles took 8 s on one core)."""
        todo = [(rel, path) for rel, path, problem in self.listing(content).files
                if problem is None and rel not in self._results]
        if len(todo) >= parallel.PARALLEL_MIN:
            for (rel, _), result in zip(todo, parse_in_parallel(todo, max_file_size), strict=True):
                self._results[rel] = result

    def report(self, changed: Mapping[str, Path]) -> dict[str, FileResult | None]:
        """Forget the files the watcher reported (name in the folder to path); return what each
        held before, or None if it was not read.

        A name that is not a listed file, or not a plain file any more, came, went, is a folder
        or a link: the folder is walked again (which checks where links lead), and whatever was
        read under that name as a folder is forgotten.
        """
        before = {rel: self._results.pop(rel, None) for rel in changed}
        folders = tuple(rel + "/" for rel, path in changed.items()
                        if rel not in self._listed or not _plain_file(path))
        if folders:
            self._listing, self._listed = None, frozenset()
            for rel in [rel for rel in self._results if rel.startswith(folders)]:
                del self._results[rel]
        # A change to the file a link leads to is reported under that file's name alone.
        for link in self._links:
            self._results.pop(link, None)
        return before

    def clear(self) -> None:
        """Forget everything: the next build walks the folder and reads every file."""
        self._listing, self._listed, self._links = None, frozenset(), frozenset()
        self._results.clear()


def _plain_file(path: Path) -> bool:
    """Whether ``path`` is a regular file, not a link (one lstat call)."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False
