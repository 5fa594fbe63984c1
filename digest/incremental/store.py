"""The body store: article bodies and related coverage kept on disk from parsing to rendering,
so a build holds only their metadata.

A cold build parses every file in worker processes; each worker writes the bodies' cleaned
texts, and the records' related coverage, to the cache's store and hands back bodies and
records without them. The article's page reads them again when it is rendered, in whichever
process renders it.

Each item is named by its digest, keyed (``sealed.py``): a damaged one is found when read, and
its source parsed again; and no file made elsewhere (committed) can match a name, to be
unpickled. A worker writes its items into a few pack files, not a file each: on some systems,
making a file costs a third of a millisecond, which came to seconds of a cold build. An item
stored otherwise (one file parsed again, or an item restored) has a file of its own.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from digest.config import Config
from digest.incremental import sealed
from digest.model import Body, Record, Related
from digest.pickling import copied

if TYPE_CHECKING:
    from digest.read.load import FileResult

log = logging.getLogger(__name__)

SUFFIX = ".txt"
"""A body's text."""
RELATED_SUFFIX = ".related"
"""A record's related coverage, pickled: nearly half of what records held in memory."""
PACK_SUFFIX = ".pack"
"""Many items of both kinds, one after another."""
PACK_BYTES = 4 << 20
"""A pack is written once it holds this much: a worker holds one pack at a time."""
FOLDER = "bodies"
"""The store's folder, in the cache folder."""


def store_of(config: Config) -> Path:
    """Return the folder where the build keeps bodies' texts and records' related coverage."""
    return _store(config.cache_dir)


@cache  # one Path a cache folder: an article's page asks twice, and a new Path costs a join
def _store(cache_dir: Path) -> Path:
    return cache_dir / FOLDER


def name_of(data: str | bytes) -> str:
    """Return the name a text or pickle is stored under: its digest, keyed."""
    return sealed.tag(sealed.STORE, data.encode() if isinstance(data, str) else data,
                      size=16).hex()


def stow_result(result: FileResult, store: Path) -> FileResult:
    """Return a file's parse result with its body's text and its related coverage in ``store``."""
    body = result.body
    if body is not None and not body.stored:
        body = stow(body, store)
    record = result.record
    if record is not None and record.related:
        record = stow_related(record, store)
    if body is result.body and record is result.record:
        return result
    return replace(result, body=body, record=record)


def stow_results(results: Iterable[FileResult], store: Path) -> Iterator[FileResult]:
    """Yield each parse result with its body's text and related coverage in ``store``'s packs."""
    pack = _Pack()
    waiting: list[tuple[FileResult, str | None, str | None]] = []
    for result in results:
        text = _text_to_store(result.body)
        related = _related_to_store(result.record)
        waiting.append((result, None if text is None else pack.add(text.encode()),
                        None if related is None else pack.add(related)))
        if pack.size >= PACK_BYTES:
            yield from _packed(waiting, pack.write(store))
            pack, waiting = _Pack(), []
    yield from _packed(waiting, pack.write(store) if pack.holds else "")


class _Pack:
    """Items gathered for one pack file: each is stored once, whoever holds it."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._at: dict[str, str] = {}
        """Item digest to where it stands in the pack: ``digest:offset:length``."""
        self.size = 0

    @property
    def holds(self) -> bool:
        """Whether any item was added."""
        return bool(self._at)

    def add(self, data: bytes) -> str:
        """Add ``data``; return where it will stand, to be prefixed by the pack's name."""
        name = name_of(data)
        if name not in self._at:
            self._at[name] = f"{name}:{self.size}:{len(data)}"
            self._parts.append(data)
            self.size += len(data)
        return self._at[name]

    def write(self, store: Path) -> str:
        """Write the pack to ``store``; return its name."""
        data = b"".join(self._parts)
        name = name_of(data)
        _write_once(store / (name + PACK_SUFFIX), data)
        return name


def _text_to_store(body: Body | None) -> str | None:
    """Return the text to store of a body, if it has one not stored yet."""
    return body.text if body is not None and not body.stored else None


def _related_to_store(record: Record | None) -> bytes | None:
    """Return the related coverage to store of a record, pickled, if it has some not stored yet."""
    return _pickled(record.related) if record is not None and record.related else None


def _pickled(related: tuple[Related, ...]) -> bytes:
    return pickle.dumps(related, protocol=pickle.HIGHEST_PROTOCOL)


def _packed(waiting: list[tuple[FileResult, str | None, str | None]], pack: str
            ) -> Iterator[FileResult]:
    """Yield each result of ``pack`` without what the pack holds of it: where it stands instead."""
    for result, text, related in waiting:
        if text is None and related is None:
            yield result
            continue
        body, record = result.body, result.record
        if text is not None:
            body = replace(body, text="", stored=f"{pack}/{text}")  # type: ignore[arg-type]
        if related is not None:
            record = copied(record, related=(), related_stored=f"{pack}/{related}")
        yield replace(result, body=body, record=record)


def stow(body: Body, store: Path) -> Body:
    """Write the body's text to ``store`` (once per text) and return the body without it."""
    name = name_of(body.text)
    _write_once(store / (name + SUFFIX), body.text.encode())
    return replace(body, text="", stored=name)


def stow_related(record: Record, store: Path) -> Record:
    """Write the record's related coverage to ``store`` and return the record without it.

    The record keeps each item's ``url_key`` (``related_keys``): planning links by them.
    """
    data = _pickled(record.related)
    name = name_of(data)
    _write_once(store / (name + RELATED_SUFFIX), data)
    return copied(record, related=(), related_stored=name)  # its related_keys stay


def _write_once(path: Path, data: bytes) -> None:
    """Write ``data`` at ``path`` unless it is there already: the name is the data's digest.

    Written in place, not through a temporary file: a file cut short by a crash does not match
    its name, and ``_read`` deletes it. On a slow disk the extra file and rename of each body
    cost a cold build seconds.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:  # the same data, stored already
        return
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_once(path, data)
        return
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)


def _read(store: Path, stored: str, suffix: str, what: str) -> bytes | None:
    """Return the item ``stored`` names; None, logged, if missing or damaged.

    An item in a pack (``pack/digest:offset:length``) that is damaged there is looked for in
    its own file, where it is stored again when its source is parsed again.
    """
    pack, _, place = stored.rpartition("/")
    name, _, span = place.partition(":")
    # Paths as strings: an article's page reads two items, and pathlib's objects cost more.
    data = _from_pack(f"{store}/{pack}{PACK_SUFFIX}", span) if pack else None
    if data is not None and name_of(data) == name:
        return data
    path = f"{store}/{name}{suffix}"
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except OSError:
        data = None
    if data is None or name_of(data) != name:
        log.warning("the stored %s is missing or damaged; reading the file again", what)
        with suppress(FileNotFoundError):
            os.unlink(path)  # so that the next parse of the file stores it afresh
        return None
    return data


def _from_pack(path: str, span: str) -> bytes | None:
    """Return the bytes at ``offset:length`` in the pack at ``path``; None if unreadable."""
    offset, _, length = span.partition(":")
    try:
        with open(path, "rb") as stream:
            stream.seek(int(offset))
            return stream.read(int(length))
    except (OSError, ValueError):
        return None


def fetch(body: Body, store: Path) -> Body | None:
    """Return the body with its text read back from ``store``; None if it is missing or damaged."""
    if not body.stored or body.text:
        return body
    data = _read(store, body.stored, SUFFIX, f"text of {body.source}")
    try:
        # copied(), not replace(): a text read back derives nothing again (Body.__post_init__).
        return None if data is None else copied(body, text=data.decode())
    except UnicodeDecodeError:  # cannot happen to bytes of the right digest; never trusted
        return None


def fetch_related(record: Record, store: Path) -> tuple[Related, ...] | None:
    """Return the record's related coverage read back from ``store``; None if lost or damaged."""
    if not record.related_stored:
        return record.related
    data = _read(store, record.related_stored, RELATED_SUFFIX,
                 f"related coverage of {record.source}")
    if data is None:
        return None
    items = pickle.loads(data)  # the very bytes named, by their keyed digest: this user's own
    if not (isinstance(items, tuple) and all(isinstance(i, Related) for i in items)):
        return None
    return items


def stored_names(results: Iterable[FileResult]) -> Iterator[str]:
    """Yield the name of every file in the store that ``results`` need: each item's file, and
    its pack's if it has one."""
    for result in results:
        if result.body is not None and result.body.stored:
            yield from _files_of(result.body.stored, SUFFIX)
        if result.record is not None and result.record.related_stored:
            yield from _files_of(result.record.related_stored, RELATED_SUFFIX)


def _files_of(stored: str, suffix: str) -> tuple[str, ...]:
    pack, _, place = stored.rpartition("/")
    name = place.partition(":")[0] + suffix  # where the item is put if it is stored again
    return (pack + PACK_SUFFIX, name) if pack else (name,)


def unnamed(store: Path, keep: Iterable[str]) -> list[str]:
    """Return the files in ``store`` that are not among ``keep`` (named as ``stored_names``
    names them): nothing names them any more."""
    wanted = set(keep)
    try:
        with os.scandir(store) as entries:
            return [entry.name for entry in entries if entry.name not in wanted]
    except FileNotFoundError:
        return []


def remove(store: Path, names: Iterable[str]) -> None:
    """Delete these files from ``store`` (found ``unnamed``)."""
    for name in names:
        (store / name).unlink(missing_ok=True)
