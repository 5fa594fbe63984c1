"""Stage a new site in a folder, file by file, and put it in place of the old one in one step."""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path, PurePosixPath

from digest.errors import OutputError
from digest.output.owned import TEMP_PREFIX
from digest.output.tree import FileStat, Tree


def work_folder(output: Path) -> Path:
    """Return the folder beside ``output`` that holds its lock, its temporary folders and the
    spare site: named after the output whole, so that no other output's folders are in it."""
    return output.parent / f"{TEMP_PREFIX}{output.name}"


def holds(path: str | Path, stat: FileStat | None, data: bytes) -> bool:
    """Whether the file at ``path``, surveyed as ``stat`` (None if absent), holds ``data``."""
    if stat is None or stat[1] != len(data):
        return False
    try:
        with open(path, "rb") as stream:
            return stream.read() == data
    except OSError:
        return False


class Staging:
    """A folder being made into the new site: an empty one, or the spare site.

    The spare site shares most of its files' inodes with the site in place, through hard links:
    a file already in the folder is only ever unlinked and replaced, never written into.
    Paths are plain strings: a site has a folder per page, and making ``Path`` objects for
    each file and folder cost more than the system calls themselves.
    """

    def __init__(self, root: Path, live_root: Path, live: Tree, held: Tree) -> None:
        self._root = f"{root}/"
        self._live_root = f"{live_root}/"
        self._live = live.files
        self._held = dict(held.files)
        """Files in the folder that the new site has not (yet) claimed."""
        self._there = set(held.folders)
        """Folders in the folder."""
        self.folders: set[str] = set()
        """Folders that hold files of the new site."""
        self.files: dict[str, FileStat] = {}
        """The new site's files so far, with their signatures."""
        self.written = self.unchanged = 0

    def fill(self, files: Iterable[tuple[str, bytes | None]]) -> None:
        """Put each file of the new site in place."""
        for rel, data in files:
            self.put(safe_path(rel), data)

    def put(self, rel: str, data: bytes | None) -> None:
        """Make ``rel`` hold ``data``: a link to the live site's file if it is the same or None."""
        self._folder(rel.rpartition("/")[0])
        there = self._held.pop(rel, None) or self.files.pop(rel, None)
        if rel in self._there:  # the new site has a file where the spare one had a folder
            self._remove_folder(rel)
        path = self._root + rel
        live = self._live.get(rel)
        if live is not None and (data is None or holds(self._live_root + rel, live, data)):
            if there is not None and there[2] == live[2]:  # the same inode: the very same file
                self._claim(rel, live)
                return
            if there is not None:
                os.unlink(path)
                there = None
            if self._link(rel, data):
                self._claim(rel, live)
                return
        if data is None:
            raise OutputError(f"cannot keep {self._live_root}{rel} from the previous build "
                              "(it is not there); build again with --no-cache")
        if there is not None:
            os.unlink(path)
        with open(path, "xb") as stream:  # "x": fail rather than write into a file
            stream.write(data)
            stream.flush()
            stat = os.fstat(stream.fileno())
        self.files[rel] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        self.written += 1

    def prune(self) -> None:
        """Delete what the new site does not hold: old files, then the folders they leave empty."""
        for rel in self._held:
            with suppress(FileNotFoundError):
                os.unlink(self._root + rel)
        self._held.clear()
        # Reverse order reaches a folder's subfolders before the folder itself.
        for rel in sorted(self._there - self.folders, reverse=True):
            os.rmdir(self._root + rel)
        self._there = set(self.folders)

    def _claim(self, rel: str, stat: FileStat) -> None:
        self.files[rel] = stat
        self.unchanged += 1

    def _link(self, rel: str, data: bytes | None) -> bool:
        """Link the live site's file at ``rel``; False if that fails and ``data`` can be written."""
        try:
            os.link(self._live_root + rel, self._root + rel)
            return True
        except OSError as exc:
            if data is not None:
                return False
            raise OutputError(f"cannot keep {self._live_root}{rel} from the previous build "
                              f"({exc.strerror}); build again with --no-cache") from None

    def _folder(self, rel: str) -> None:
        """Make sure folder ``rel`` is there, and keep it."""
        if not rel or rel in self.folders:
            return
        self._folder(rel.rpartition("/")[0])
        if rel not in self._there:
            if self._held.pop(rel, None) is not None:  # a spare file stands where it goes
                os.unlink(self._root + rel)
            os.mkdir(self._root + rel)
            self._there.add(rel)
        self.folders.add(rel)

    def _remove_folder(self, rel: str) -> None:
        if rel in self.folders:
            raise OutputError(f"the site has both a file and a folder at {rel!r}")
        shutil.rmtree(self._root + rel)
        inside = rel + "/"
        self._held = {path: stat for path, stat in self._held.items()
                      if not path.startswith(inside)}
        self._there = {path for path in self._there if path != rel and not path.startswith(inside)}


def make_folders(root: Path, folders: set[str], rel: str) -> None:
    """Make the folders under ``root`` that the file ``rel`` lies in and ``folders`` has not
    (what has been made, by path relative to ``root``); add them to it."""
    folder = rel.rpartition("/")[0]
    if folder and folder not in folders:
        make_folders(root, folders, folder)
        os.mkdir(root / folder)
        folders.add(folder)


def safe_path(rel: str) -> str:
    """Return ``rel`` in its plain form; refuse any path that could land outside the output folder."""
    parts = rel.split("/")
    if all(part not in ("", ".", "..") for part in parts):
        return rel  # the common case, checked without making a path object
    path = PurePosixPath(rel)
    if not path.parts or path.is_absolute() or ".." in path.parts:
        raise OutputError(f"refusing to write outside the output folder: {rel!r}")
    return path.as_posix()


def swap(staging: Path, output: Path) -> Path | None:
    """Put ``staging`` in place of ``output`` in one step where the system allows it.

    Returns the folder now holding the old site, if there was one.
    """
    if not output.exists():
        staging.rename(output)
        return None
    if exchange(staging, output):
        return staging
    # No atomic exchange here: move the old site aside first, so it is never half-replaced.
    aside = work_folder(output) / f"old-{os.getpid()}"
    output.rename(aside)
    staging.rename(output)
    return aside


def exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically with Linux's renameat2(RENAME_EXCHANGE)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OutputError(f"cannot replace {b}: {os.strerror(code)}")
