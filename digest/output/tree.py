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
    def sums(self) -> tuple[int, int]:
        """The sums of the hashes of every file's path and signature, and of every folder's
        path: a tree that differs from another in a few entries is stamped from those
        (``after``), not from all 250,000 of a 100,000-article site (0.6 s)."""
        return (sum(map(_file_hash, self.files.items())) & _MASK,
                sum(map(_folder_hash, self.folders)) & _MASK)

    @cached_property
    def stamp(self) -> str:
        """Hash every path and signature: any change to the folder's files changes it."""
        files, folders = self.sums
        text = f"{len(self.files)} {len(self.folders)} {files:x} {folders:x}"
        return hashlib.blake2b(text.encode(), digest_size=STAMP_LENGTH // 2).hexdigest()

    def after(self, files: dict[str, FileStat], folders: frozenset[str]) -> Tree:
        """Return the tree of ``files`` and ``folders``, this one changed in a few entries,
        stamped from the entries that differ."""
        tree = Tree(files, folders)
        file_sum, folder_sum = self.sums
        for rel in self.files.keys() | files.keys():  # 0.05 s at 100,000 articles
            if (before := self.files.get(rel)) != (now := files.get(rel)):
                file_sum += (_file_hash((rel, now)) if now else 0) - (
                    _file_hash((rel, before)) if before else 0)
        folder_sum += (sum(map(_folder_hash, folders - self.folders))
                       - sum(map(_folder_hash, self.folders - folders)))
        tree.__dict__["sums"] = (file_sum & _MASK, folder_sum & _MASK)  # the cached property
        return tree


_MASK = (1 << 256) - 1


def _file_hash(item: tuple[str, FileStat]) -> int:
    # Written out plainly rather than pickled: pickle's output depends on which equal values
    # are one object, and a tree surveyed must stamp as the same tree written.
    rel, (mtime, size, inode) = item
    data = f"{rel}\0{mtime} {size} {inode}".encode(errors="surrogateescape")
    return int.from_bytes(hashlib.blake2b(data, digest_size=32).digest())


def _folder_hash(rel: str) -> int:
    return int.from_bytes(hashlib.blake2b(rel.encode(errors="surrogateescape") + b"/",
                                          digest_size=32).digest())


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
