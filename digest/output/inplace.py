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
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path

from digest.output.owned import MARKER, TEMP_PREFIX, marker
from digest.output.staging import holds, make_folders, safe_path
from digest.output.tree import FileStat, Tree

LAST = ("pagefind-entry.json", "bundles.json")
"""Names of the index files that name others, in the order they are put in place, after those."""


def publish(output: Path, previous: Tree, pages: dict[str, bytes],
            index: Callable[[], Iterable[tuple[str, bytes | None]]] | None = None,
            finished: str = "") -> tuple[Tree, int] | None:
    """Put ``pages`` in place of their namesakes in ``output``, then what ``index`` gives: every
    file under the folder ``finished`` (the search index's; None bytes for one kept), the others
    there deleted. Return the folder's new tree and how many files were written, or None, having
    written nothing, if a page is new.

    The caller holds ``site_lock(output)`` and surveyed it as ``previous``, which it found to be
    the tree the last build wrote (by its stamp): so it holds no file that no build wrote.
    """
    if not all(rel in previous.files for rel in pages):
        return None
    files, folders = dict(previous.files), set(previous.folders)
    written = _put(output, files, folders, pages)
    if index is not None:
        made = dict(index())
        gone = [rel for rel in files if rel.startswith(finished) and rel not in made]
        fresh = {rel: data for rel, data in made.items() if data is not None}
        new = sorted(rel for rel in fresh if rel not in files)
        if new or gone:  # a build killed before the end leaves no file the marker does not name
            _put(output, files, folders, {MARKER: marker([*files, *new])})
        written += _put(output, files, folders, fresh)
        for rel in gone:
            with suppress(FileNotFoundError):
                os.unlink(output / rel)
            del files[rel]
        _prune(output, folders, gone)
        if new or gone:
            _put(output, files, folders, {MARKER: marker(files)})
    return previous.after(files, frozenset(folders)), written


def _put(output: Path, files: dict[str, FileStat], folders: set[str],
         put: dict[str, bytes]) -> int:
    """Rename a new copy of each file of ``put`` that differs over its namesake, the files
    that name others (``LAST``) last; record their signatures and folders; return how many."""
    written = 0
    for rel in sorted(put, key=_order):
        data = put[rel]
        if holds(output / rel, files.get(rel), data):
            continue
        target = output / safe_path(rel)
        make_folders(output, folders, rel)
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
        files[rel] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        written += rel != MARKER
    return written


def _order(rel: str) -> tuple[int, str]:
    name = rel.rpartition("/")[2]
    return (LAST.index(name) + 1 if name in LAST else 0), rel


def _prune(output: Path, folders: set[str], gone: list[str]) -> None:
    """Delete the folders that the deletion of ``gone`` left empty."""
    for folder in sorted({rel.rpartition("/")[0] for rel in gone}, reverse=True):
        if folder and folder in folders:
            with suppress(OSError):  # not empty: it holds another file, or a folder
                os.rmdir(output / folder)
                folders.discard(folder)
