"""Seal the cache's files with this user's key, so that reading a cache never runs its code.

The cache holds pickles, and Jinja's compiled templates are marshalled code: decoding either
can run anything, and a cache folder can come with a clone or a pull request. So every file
carries a tag, keyed BLAKE2b (a MAC by design, as fast as the plain hash) over its exact
bytes, checked before anything is unpickled or unmarshalled; a file whose tag does not match
counts as damaged and is made again. The key is kept in the user's cache folder, outside the
project and its ``cache_dir``: no repository can ship it, nor any tag made with it. Each kind
of file has its own ``person``, so that bytes sealed as one kind (a body's text, chosen by
the content) can never pass for another (a pickle). A typed format (msgspec) would have meant
rewriting every cached type, and its decoding alone costs more than a tag over the bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

MAIN = b"cache-main"  # the main file, in sections
FILE = b"cache-file"  # a file the main file names by its tag: a shard, the kept site
STORE = b"body-store"  # an item of the body store, named by its tag
TEMPLATE = b"template"  # a compiled template
TAG_BYTES = 32
# The key when none can be kept: made at import, so that forked workers share it.
_PROCESS_KEY = os.urandom(32)
_TEMP = ".build-"
"""How the names of the cache's temporary files begin."""


def key_path() -> Path:
    """Return where the user's key is kept: ``$XDG_CACHE_HOME/digest/key`` or ``~/.cache/...``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "digest" / "key"


@cache
def key() -> bytes:
    """Return the user's key, made on first use; one of this process's if none can be kept."""
    try:
        path = key_path()
        if not path.exists():
            _make_key(path)
        data = path.read_bytes()
        if len(data) != 32:
            raise ValueError(f"{path} is not a key")
        return data
    except (OSError, RuntimeError, ValueError) as exc:  # a read-only or missing home
        log.warning("cannot keep a key for the cache (%s); building without the cache", exc)
        return _PROCESS_KEY


def key_kept() -> bool:
    """Whether the user's key is kept, so that a cache sealed now can be read by later builds."""
    return key() is not _PROCESS_KEY


def _make_key(path: Path) -> None:
    """Write a new key at ``path``, unless a build at the same time made one first."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".key-")  # readable by the user alone
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(os.urandom(32))
        os.link(temp, path)  # never replaces: builds racing to make a key all read the first
    except FileExistsError:
        pass
    finally:
        os.unlink(temp)


def hasher(kind: bytes, size: int = TAG_BYTES) -> hashlib.blake2b:
    """Return a keyed hash for files of ``kind``, to be fed their bytes."""
    return hashlib.blake2b(key=key(), person=kind, digest_size=size)


def tag(kind: bytes, *parts: bytes, size: int = TAG_BYTES) -> bytes:
    """Return the tag of ``parts``, one after the other, as a file of ``kind``."""
    mac = hasher(kind, size)
    for part in parts:
        mac.update(part)
    return mac.digest()


def sections(kind: bytes, parts: Iterable[bytes]) -> Iterator[bytes]:
    """Yield ``parts`` sealed one by one, each as its length, its tag and itself: a reader may
    stop after any. Each tag covers the one before, so a part is trusted only with those."""
    last = b""
    for part in parts:
        last = tag(kind, last, part)
        yield len(part).to_bytes(8, "little") + last + part


def write_sections(out: Sink, kind: bytes, parts: Iterable[bytes], value: object) -> None:
    """Write ``parts`` into ``out`` (untagged) as ``sections`` seals them, then ``value``
    pickled as one more section, straight into the file: the cache's state is 43 MB at 100,000
    articles, not to be held whole. Its length and tag go into the room left for them."""
    last = b""
    for data in sections(kind, parts):
        out.write(data)
        last = data[8:8 + TAG_BYTES]  # the section's tag, which the next one's covers
    head = out.size
    out.write(bytes(8 + TAG_BYTES))
    mac = hasher(kind)
    mac.update(last)
    pickle.dump(value, _Fed(out, mac), protocol=pickle.HIGHEST_PROTOCOL)
    out.rewrite(head, (out.size - head - 8 - TAG_BYTES).to_bytes(8, "little") + mac.digest())


class _Fed:
    """What ``pickle.dump`` writes to: a sink, and a hash fed the same bytes."""

    def __init__(self, out: Sink, mac: hashlib.blake2b) -> None:
        self._out, self._mac = out, mac

    def write(self, data: bytes | memoryview) -> int:
        self._mac.update(data)
        return self._out.write(data)


def read_sections(stream: BinaryIO, kind: bytes, count: int) -> list[bytes] | None:
    """Read the first ``count`` parts that ``sections`` wrote; None unless each is sound."""
    size = os.fstat(stream.fileno()).st_size
    found: list[bytes] = []
    last = b""
    for _ in range(count):
        head = stream.read(8 + TAG_BYTES)
        length = int.from_bytes(head[:8], "little")
        if len(head) < 8 + TAG_BYTES or length > size:  # never read what it claims: any length
            return None
        part = stream.read(length)
        if not hmac.compare_digest(last := tag(kind, last, part), head[8:]):
            return None
        found.append(part)
    return found


def checksum(data: bytes) -> str:
    """Return the tag of a cache file's bytes that the main file names it by: keyed
    (``sealed.py``), so that no file but the one this user's digest wrote can match."""
    return tag(FILE, data).hex()


def remove_leftovers(folder: Path) -> None:
    """Delete the temporary files that saves killed midway left in the cache ``folder`` (see
    ``replace_file_with``). The caller holds the output folder's lock, which every build that
    writes the cache takes: no save is under way."""
    for leftover in (*folder.glob(f"{_TEMP}*"), *(folder / "templates").glob(f"{_TEMP}*")):
        leftover.unlink(missing_ok=True)


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` at ``path`` atomically: a reader sees the old file or the new one."""
    replace_file_with(path, [data], tagged=False)


def replace_file_with(path: Path, parts: Iterable[bytes], *, tagged: bool = True) -> str:
    """Write ``parts`` one after the other at ``path``, atomically, as ``replace_file``; return
    its ``checksum`` if ``tagged``. A large file is so written without being held whole."""
    with writing(path, tagged=tagged) as out:
        for data in parts:
            out.write(data)
    return out.checksum


class Sink:
    """A file being written under a temporary name (``writing``), hashed as it is written."""

    def __init__(self, stream: BinaryIO, tagged: bool) -> None:
        self._stream, self._mac = stream, hasher(FILE) if tagged else None
        self.size = 0
        """Bytes written so far."""
        self.checksum = ""
        """The file's ``checksum``, once written whole, if tagged."""

    def write(self, data: bytes | memoryview) -> int:  # what pickle.dump writes to, as it goes
        if self._mac is not None:
            self._mac.update(data)
        self.size += len(data)
        return self._stream.write(data)

    def rewrite(self, at: int, data: bytes) -> None:
        """Write ``data`` over what was written at ``at``: an untagged file's only."""
        assert self._mac is None, "a tagged file's hash has its first bytes already"
        self._stream.seek(at)
        self._stream.write(data)
        self._stream.seek(0, os.SEEK_END)

    def end(self) -> None:
        self.checksum = self._mac.hexdigest() if self._mac is not None else ""


@contextmanager
def writing(path: Path, *, tagged: bool = True) -> Iterator[Sink]:
    """Give a ``Sink`` whose bytes replace ``path`` atomically when the block ends (a reader sees
    the old file or the new one); then its ``checksum`` is set if ``tagged``."""
    fd, temp = tempfile.mkstemp(prefix=_TEMP, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            sink = Sink(stream, tagged)
            yield sink
        os.replace(temp, path)
        sink.end()
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def cache_writable(folder: Path) -> bool:
    """Whether the cache ``folder`` can be written; if not, say so: the build goes on without."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError as exc:
        log.warning("cannot write the cache folder %s (%s); building everything afresh, "
                    "without it", folder, exc.strerror or exc)
        return False


@contextmanager
def saving(folder: Path) -> Iterator[None]:
    """Save the cache, or say why it could not be: the site is written by then, and a cache
    half saved is found stale and read again (``cache.save_state``)."""
    try:
        yield
    except OSError as exc:
        log.warning("the site is built, but the cache in %s could not be saved (%s: %s); "
                    "the next build reads and renders everything again", folder,
                    exc.filename or folder, exc.strerror or exc)
