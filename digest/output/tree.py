"""Say what a folder holds, file by file, and stamp it: how a build knows its output unchanged."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

FileStat = tuple[int, int, int]
"""A file's (mtime_ns, size, inode), read without following symlinks."""
STAMP_LENGTH = 32
"""Hex digits in a stamp."""


@dataclass(frozen=True)
class Tree:
    """What a folder holds: each file's stat signature and each folder, by path relative to it."""

    files: dict[str, FileStat] = field(default_factory=dict)
    folders: frozenset[str] = frozenset()

    @cached_property
    def stamp(self) -> str:
        """Hash every path and signature: any change to the folder's files changes it."""
        # Written out plainly rather than pickled: pickle's output depends on which equal
        # values are one object, and a tree surveyed must stamp as the same tree written.
        files = "".join(f"{rel}\0{m} {s} {i}\0" for rel, (m, s, i) in sorted(self.files.items()))
        folders = "".join(f"{rel}\0" for rel in sorted(self.folders))
        text = f"{len(self.files)}\0{files}{folders}"
        digest = hashlib.blake2b(text.encode(errors="surrogateescape"), digest_size=STAMP_LENGTH // 2)
        return digest.hexdigest()


def survey(root: Path, known: dict[str, FileStat] | None = None) -> Tree:
    """Return what ``root`` holds: nothing if it does not exist.

    ``known`` is another folder's files, surveyed just now, that may share inodes with these
    (hard links): a file found by its folder's listing to be one of them is that very file, and
    is not asked for its signature again.
    """
    known = known or {}
    files: dict[str, FileStat] = {}
    folders: set[str] = set()
    todo = [("", str(root))] if root.is_dir() else []
    while todo:
        prefix, path = todo.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    folders.add(rel)
                    todo.append((rel + "/", entry.path))
                elif (same := known.get(rel)) is not None and same[2] == entry.inode():
                    files[rel] = same
                else:
                    stat = entry.stat(follow_symlinks=False)
                    files[rel] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    return Tree(files, frozenset(folders))
