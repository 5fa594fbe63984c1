"""Tell, reading only file times, that nothing changed since the last build.

Kept apart from the cache and the pipeline so that a build with nothing to do imports neither.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from dataclasses import dataclass
from pathlib import Path

from digest import __version__
from digest.config import Config
from digest.tree import survey

FORMAT = 11
"""Bumped whenever what the cache holds changes shape."""
HEADER = ("digest-cache", FORMAT, __version__)
CACHE_FILE = "build.pickle"
RACY_NS = 100_000_000
"""A file changed this close before a build may change again within the same time stamp tick."""


@dataclass(frozen=True)
class Stamp:
    """What a build read and wrote, in brief: enough to tell that nothing changed since."""

    inputs: str = ""
    """Hash of the stat signatures of every input, the config and digest's version; empty when
    an input changed too shortly before the build to be trusted."""
    output: str = ""
    """The output folder's ``Tree.stamp`` after the build: its paths and stat signatures."""
    errors: bool = False
    """Whether the content had errors."""
    files: int = 0
    """Files in the site."""


def load_stamp(folder: Path) -> Stamp:
    """Read only the stamp of the cache in ``folder``: quick, for telling that nothing changed."""
    try:
        with (folder / CACHE_FILE).open("rb") as stream:
            if pickle.load(stream) == HEADER and isinstance(stamp := pickle.load(stream), Stamp):
                return stamp
    except Exception:  # whatever is wrong, load_state() reports it when the build runs
        pass
    return Stamp()


def inputs_key(config: Config, started: int) -> str:
    """Hash the stat signatures of every input file, the config and digest's version.

    Empty if a file changed less than RACY_NS before ``started``: it may change again unseen.
    """
    digest = hashlib.blake2b(f"{__version__}\0{config!r}\n".encode(), digest_size=16)
    recent = started - RACY_NS
    for folder in (config.content, config.templates, config.static):
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(root, name)
                try:
                    stat = os.stat(path)
                except OSError:
                    return ""
                if stat.st_mtime_ns >= recent:
                    return ""
                digest.update(f"{path}\0{stat.st_mtime_ns}\0{stat.st_size}\0{stat.st_ino}\n"
                              .encode())
    return digest.hexdigest()


def up_to_date(config: Config, *, strict: bool = False) -> Stamp | None:
    """Return the last build's stamp if nothing it read or wrote has changed since; else None."""
    stamp = load_stamp(config.cache_dir)
    if not stamp.inputs or (strict and stamp.errors) or not config.output.is_dir():
        return None
    if stamp.inputs != inputs_key(config, time.time_ns()):
        return None
    return stamp if stamp.output == survey(config.output).stamp else None
