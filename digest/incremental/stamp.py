"""Tell, reading only file times, that nothing changed since the last build.

Kept apart from the cache and the pipeline so that a build with nothing to do imports neither.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from digest import __version__
from digest.config import LINKS_NAME, Config
from digest.incremental import sealed
from digest.output.tree import survey
from digest.theme import static_folders, template_folders

if TYPE_CHECKING:  # a stamp without diagnostics is read without the model (the quick no-op)
    from digest.model import Diagnostic

FORMAT = 34
"""Bumped whenever what the cache holds changes shape."""
HEADER = f"digest-cache {FORMAT} {__version__}".encode()
"""The first of the main file's sealed sections; the stamp and the cache's state follow."""
CACHE_FILE = "build.pickle"
Signature = tuple[int, int, int]
"""A file's (mtime_ns, size, inode): a change to any of them means it must be read again."""
RACY_NS = 100_000_000
"""A file changed this close before a build may change again within the same time stamp tick."""
SHARDS = 64
"""Shards the content files are dealt to (``shard_of``): the cache keeps their parse results in
a file a shard, and a build tells which shards hold a changed file from their digests alone."""


@cache  # asked for every file several times a build
def shard_of(rel: str) -> int:
    """Return the shard of content file ``rel``: the same in every process."""
    return zlib.crc32(rel.encode(errors="surrogateescape")) % SHARDS


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
    said: tuple[Diagnostic, ...] = ()
    """The content's errors and warnings: a build with nothing to do says them again."""


def load_stamp(folder: Path) -> Stamp:
    """Read only the stamp of the cache in ``folder``: quick, for telling that nothing changed."""
    try:
        found = read_main(folder, 2)  # unpickled only if sealed: a cache from elsewhere may run code
        if found and found[0] == HEADER and isinstance(stamp := pickle.loads(found[1]), Stamp):
            return stamp
    except Exception:  # whatever is wrong, load_main() reports it when the build runs
        pass
    return Stamp()


def read_main(folder: Path, count: int) -> list[bytes] | None:
    """Read the first ``count`` sections of the cache's main file in ``folder``: the header,
    the stamp and the state, pickled; None unless this user's digest sealed them (``sealed``).
    Raises OSError."""
    with (folder / CACHE_FILE).open("rb") as stream:
        return sealed.read_sections(stream, sealed.MAIN, count)


def write_main(path: Path, stamp: Stamp, state: object) -> None:
    """Write the cache's main file at ``path``: ``HEADER``, ``stamp`` and ``state``, sealed."""
    with sealed.writing(path, tagged=False) as out:
        sealed.write_sections(out, sealed.MAIN, [
            HEADER, pickle.dumps(stamp, protocol=pickle.HIGHEST_PROTOCOL)], state)


@dataclass(frozen=True)
class Inputs:
    """Every input file's stat signature, read once a build: what tells a change."""

    key: str
    """Hash of them all with the config and digest's version; empty when a file changed too
    shortly before the build to be trusted."""
    frame: str
    """Hash of digest's version, the config, and the templates' and static files' signatures:
    everything but the content; empty when a template or static file changed too shortly
    before the build to be trusted."""
    content: dict[str, Signature]
    """Each file under the content folder, by path relative to it, and its signature."""
    shards: tuple[str, ...] = ("",) * SHARDS
    """For each shard (``shard_of``), a digest of its files' paths and signatures, in the order
    listed; empty for a shard holding a file changed too shortly before the build."""


def read_inputs(config: Config, started: int) -> Inputs:
    """Stat every input file: the content, templates and static folders.

    The key is empty if a file changed less than RACY_NS before ``started``: it may change
    again unseen.
    """
    frame = hashlib.blake2b(f"{__version__}\0{config!r}\n".encode(), digest_size=16)
    # links.json changes what pages show of links: a change to it is a whole build.
    links = _signature(config.root / LINKS_NAME)
    racy = links[0] >= started - RACY_NS
    frame.update(f"{LINKS_NAME}\0{links}\n".encode())
    for folder in (*template_folders(config), *static_folders(config)):
        frame.update(f"{folder}\n".encode())
        for rel, sig in _signatures(folder):
            racy = racy or sig[0] >= started - RACY_NS
            frame.update(f"{rel}\0{sig}\n".encode())
    content = dict(_signatures(config.content, hidden=False))
    framed = "" if racy else frame.hexdigest()
    # A digest a shard, not one over all: an edit finds the shards to read again in one pass.
    lines: list[list[str]] = [[] for _ in range(SHARDS)]
    for rel, (mtime, size, inode) in content.items():
        lines[shard_of(rel)].append(f"{rel}\0{mtime} {size} {inode}\n")
    unsure = {shard_of(rel) for rel, sig in content.items() if sig[0] >= started - RACY_NS}
    digests = tuple("" if n in unsure else hashlib.blake2b(
        "".join(shard).encode(errors="surrogateescape"), digest_size=12).hexdigest()
        for n, shard in enumerate(lines))
    whole = hashlib.blake2b(frame.digest() + "".join(digests).encode(), digest_size=16)
    return Inputs("" if racy or unsure else whole.hexdigest(), framed, content, digests)


def _signature(path: Path) -> Signature:
    """A file's signature; (0, 0, 0) for none."""
    try:
        stat = os.stat(path)
    except OSError:
        return (0, 0, 0)
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _signatures(folder: Path, *, hidden: bool = True) -> Iterator[tuple[str, Signature]]:
    """Yield each file under ``folder`` (followed through links) and its signature.

    In the order the folders list them, not sorted (a third of this stage at 200,000 files):
    a folder left as it was lists its files in the same order, and one that changed changes
    its files' signatures anyway. Without ``hidden``, names starting with a dot are left out,
    as the content's listing leaves them. A file that cannot be stat'ed is given an impossible
    signature: it counts as changed.
    """
    todo = [(str(folder), "")]
    while todo:  # a stack, not os.walk: folders may nest deeper than the recursion limit
        root, prefix = todo.pop()
        try:
            # Listed from a descriptor, each file is stat'ed by its name in the folder, not by
            # a path looked up from the root.
            fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue  # unreadable, or gone: the listing reports it
        folders = []
        try:
            with os.scandir(fd) as scan:
                for entry in scan:
                    if not hidden and entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(entry.name)
                        continue
                    try:
                        stat = entry.stat()
                    except OSError:
                        yield prefix + entry.name, (-1, -1, -1)
                        continue
                    yield prefix + entry.name, (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except OSError:
            continue  # gone as it was read: the listing reports it
        finally:
            os.close(fd)
        todo.extend((f"{root}/{name}", f"{prefix}{name}/") for name in folders)


def up_to_date(config: Config, inputs: Inputs, *, strict: bool = False) -> Stamp | None:
    """Return the last build's stamp if nothing it read or wrote has changed since; else None."""
    stamp = load_stamp(config.cache_dir)
    if not stamp.inputs or (strict and stamp.errors) or not config.output.is_dir():
        return None
    if stamp.inputs != inputs.key:
        return None
    return stamp if stamp.output == survey(config.output).stamp else None


def said(diagnostics: tuple[Diagnostic, ...]) -> tuple[Diagnostic, ...]:
    """Return the diagnostics a build prints without -v, kept in its stamp: all but notes."""
    return tuple(d for d in diagnostics if d.severity != "info")
