"""Put an edit's few changed files in place of their namesakes, without staging the site.

Staging a site (``write.replace_site``) passes over every file: at 100,000 articles that is
seconds, for an edit that changes a page and its month's search bundle. When no page moves, the
changed pages are renamed over their namesakes one by one; then the search index, made before
from the site in place and the changed pages (``search.search_of``), is put in place: its new
files first, each bundle's entry file after the files it names, and the list of bundles last,
so the index never names a file that is not there. Files the index no longer names are deleted
after.

The site is not replaced in one step, as a staged one is: a reader may see the new page a moment
before the index that finds it. A build killed midway leaves a folder that differs from the
stamp the cache holds, so the next build stages the whole site again.
"""

from __future__ import annotations

import os
from bisect import bisect_left
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path
from stat import S_ISDIR

from digest.output.owned import MARKER, TEMP_PREFIX, marked, marker
from digest.output.staging import holds, safe_path
from digest.output.tree import FileStat, Summary

LAST = ("pagefind-entry.json", "bundles.json")
"""Names of the index files that name others, in the order they are put in place, after those."""


def publish(output: Path, previous: Summary, pages: dict[str, bytes],
            index: Callable[[], Iterable[tuple[str, bytes | None]]] | None = None,
            indexed: Iterable[str] = ()) -> tuple[Summary, int] | None:
    """Put ``pages`` in place of their namesakes in ``output``, then what ``index`` gives: the
    search index's files (None bytes for one kept), the files of the last index (``indexed``)
    it does not name deleted. Return the folder's new summary and how many files were written,
    or None, having written nothing, if a page is new.

    The caller holds ``site_lock(output)`` and surveyed it as ``previous``, which it found to
    be the folder the last build wrote (by its stamp): so it holds no file that no build wrote,
    and every file of the last index. Only the files written or deleted are looked at.
    """
    site = _Changes(output)
    if any(site.old(rel) is None for rel in pages):
        return None
    written = site.put(pages)
    if index is not None:
        made = dict(index())
        gone = [rel for rel in indexed if rel not in made]
        fresh = {rel: data for rel, data in made.items() if data is not None}
        new = [rel for rel in fresh if site.old(rel) is None]
        names: list[str] = []
        if new or gone:  # a build killed before the end leaves no file the marker does not name
            # The marker's names, sorted, and sorted again with a few changes: 0.1 s at 256,000
            # files, a third of sorting them from a set.
            names = marked(output)
            names += [rel for rel in new if not _named(names, rel)]
            site.put({MARKER: marker(names)})
        written += site.put(fresh)
        site.delete(gone)
        if new or gone:
            deleted = set(gone)
            site.put({MARKER: marker([rel for rel in names if rel not in deleted])})
    return site.summary(previous), written


class _Changes:
    """The files of ``output`` an edit writes or deletes, as they were and as they are now."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.before: dict[str, FileStat | None] = {}
        """Each file looked at, as it was: None for none."""
        self.now: dict[str, FileStat | None] = {}
        """Each file written or deleted, as it is now: None once deleted."""
        self.known: set[str] = set()
        """Folders known to be there."""
        self.made: set[str] = set()
        self.removed: set[str] = set()

    def old(self, rel: str) -> FileStat | None:
        """Return the signature file ``rel`` had before any change: None if there was none."""
        if rel not in self.before:
            self.before[rel] = _signature(self.output / safe_path(rel))
            if self.before[rel] is not None:  # so are the folders it lies in
                self.known.update(_folders_of(rel))
        return self.before[rel]

    def put(self, put: dict[str, bytes]) -> int:
        """Rename a new copy of each file of ``put`` that differs over its namesake, the files
        that name others (``LAST``) last; return how many, the marker aside."""
        written = 0
        for rel in sorted(put, key=_order):
            data = put[rel]
            if holds(self.output / rel, self.now[rel] if rel in self.now else self.old(rel), data):
                continue
            target = self.output / safe_path(rel)
            self._folders(rel)
            temp = target.with_name(f"{TEMP_PREFIX}{target.name}-{os.getpid()}")
            try:
                with temp.open("xb") as stream:
                    stream.write(data)
                    stream.flush()
                    stat = os.fstat(stream.fileno())
                os.replace(temp, target)
            except BaseException:
                temp.unlink(missing_ok=True)
                raise
            self.now[rel] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
            written += rel != MARKER
        return written

    def _folders(self, rel: str) -> None:
        """Make the folders ``rel`` lies in that are not there, the outermost first."""
        for folder in reversed(list(_folders_of(rel))):
            if folder in self.known:
                continue
            try:
                os.mkdir(self.output / folder)
                self.made.add(folder)
            except FileExistsError:
                if not S_ISDIR(os.lstat(self.output / folder).st_mode):
                    raise
            self.known.add(folder)

    def delete(self, gone: list[str]) -> None:
        """Delete the files ``gone``, then the folders that left empty."""
        for rel in gone:
            self.old(rel)
            with suppress(FileNotFoundError):
                os.unlink(self.output / safe_path(rel))
            self.now[rel] = None
        for folder in sorted({rel.rpartition("/")[0] for rel in gone}, reverse=True):
            if folder and folder in self.known:
                with suppress(OSError):  # not empty: it holds another file, or a folder
                    os.rmdir(self.output / folder)
                    self.known.discard(folder)
                    self.removed.add(folder)

    def summary(self, previous: Summary) -> Summary:
        """Return the summary of the folder ``previous`` summed up, with these changes."""
        before = {rel: stat for rel in self.now if (stat := self.before.get(rel)) is not None}
        now = {rel: stat for rel, stat in self.now.items() if stat is not None}
        return previous.after(before, now, self.made - self.removed, self.removed - self.made)


def _signature(path: Path) -> FileStat | None:
    try:
        stat = os.lstat(path)
    except FileNotFoundError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _folders_of(rel: str) -> Iterable[str]:
    """Yield each folder ``rel`` lies in, the innermost first."""
    while "/" in rel:
        rel = rel.rpartition("/")[0]
        yield rel


def _named(names: list[str], rel: str) -> bool:
    """Whether the sorted ``names`` hold ``rel``: a file the marker of a killed build names."""
    at = bisect_left(names, rel)
    return at < len(names) and names[at] == rel


def _order(rel: str) -> tuple[int, str]:
    name = rel.rpartition("/")[2]
    return (LAST.index(name) + 1 if name in LAST else 0), rel
