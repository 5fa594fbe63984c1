"""Keep article bodies and related coverage on disk from parsing to rendering, so a build holds
only their metadata.

A cold build parses every file in worker processes; each worker writes a body's cleaned text,
and a record's related coverage, to the cache's store and hands back a body or record without
them. The article's page reads them again when it is rendered, in whichever process renders
it. The store is named by content: a file's name is the digest of what it holds, so a damaged
file is found when read, and its source is then parsed again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from digest.config import Config
from digest.model import Body, Record, Related, copied

if TYPE_CHECKING:
    from digest.load import FileResult

log = logging.getLogger(__name__)

SUFFIX = ".txt"
"""A body's text."""
RELATED_SUFFIX = ".related"
"""A record's related coverage, pickled: nearly half of what records held in memory."""
FOLDER = "bodies"
"""The store's folder, in the cache folder."""


def store_of(config: Config) -> Path:
    """Return the folder where the build keeps bodies' texts and records' related coverage."""
    return config.cache_dir / FOLDER


def name_of(data: str | bytes) -> str:
    """Return the name a text or pickle is stored under: its digest."""
    return hashlib.blake2b(data.encode() if isinstance(data, str) else data,
                           digest_size=16).hexdigest()


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


def stow(body: Body, store: Path) -> Body:
    """Write the body's text to ``store`` (once per text) and return the body without it."""
    name = name_of(body.text)
    _write_once(store / (name + SUFFIX), body.text.encode())
    return replace(body, text="", stored=name)


def stow_related(record: Record, store: Path) -> Record:
    """Write the record's related coverage to ``store`` and return the record without it.

    The record keeps each item's ``url_key`` (``related_keys``): planning links by them.
    """
    data = pickle.dumps(record.related, protocol=pickle.HIGHEST_PROTOCOL)
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


def _read(path: Path, name: str, what: str) -> bytes | None:
    """Return the bytes stored at ``path``; None, logged and deleted, if missing or damaged."""
    try:
        data: bytes | None = path.read_bytes()
    except OSError:
        data = None
    if data is None or name_of(data) != name:
        log.warning("the stored %s is missing or damaged; reading the file again", what)
        path.unlink(missing_ok=True)  # so that the next parse of the file stores it afresh
        return None
    return data


def fetch(body: Body, store: Path) -> Body | None:
    """Return the body with its text read back from ``store``; None if it is missing or damaged."""
    if not body.stored or body.text:
        return body
    data = _read(store / (body.stored + SUFFIX), body.stored,
                 f"text of {body.source}")
    try:
        return None if data is None else replace(body, text=data.decode())
    except UnicodeDecodeError:  # cannot happen to bytes of the right digest; never trusted
        return None


def fetch_related(record: Record, store: Path) -> tuple[Related, ...] | None:
    """Return the record's related coverage read back from ``store``; None if lost or damaged."""
    if not record.related_stored:
        return record.related
    data = _read(store / (record.related_stored + RELATED_SUFFIX), record.related_stored,
                 f"related coverage of {record.source}")
    if data is None:
        return None
    items = pickle.loads(data)  # the cache's own file, and the very bytes it named
    if not (isinstance(items, tuple) and all(isinstance(i, Related) for i in items)):
        return None
    return items


def stored_names(results: Iterable[FileResult]) -> Iterator[str]:
    """Yield the file name of everything in the store that ``results`` name."""
    for result in results:
        if result.body is not None and result.body.stored:
            yield result.body.stored + SUFFIX
        if result.record is not None and result.record.related_stored:
            yield result.record.related_stored + RELATED_SUFFIX


def prune(store: Path, keep: Iterable[str]) -> None:
    """Delete the stored files, named by ``stored_names``, that nothing names any more."""
    wanted = set(keep)
    try:
        entries = list(os.scandir(store))
    except FileNotFoundError:
        return
    for entry in entries:
        if entry.name not in wanted:
            Path(entry.path).unlink(missing_ok=True)


def restore(body: Body, config: Config) -> Body:
    """Return the body with its text: from the store, or parsed again if the store lost it."""
    fetched = fetch(body, store_of(config))
    if fetched is not None:
        return fetched
    again = _parse_again(body.source, config).body
    if again is None:
        return replace(body, stored="")
    stow(again, store_of(config))  # stored afresh: the cache names it, and the next build reads it
    return again


def related_of(record: Record, config: Config) -> tuple[Related, ...]:
    """Return the record's related coverage: from the store, or parsed again if the store lost it."""
    fetched = fetch_related(record, store_of(config))
    if fetched is not None:
        return fetched
    again = _parse_again(record.source, config).record
    if again is None:
        return ()
    if again.related:
        stow_related(again, store_of(config))  # stored afresh, as a body's text is
    return again.related


def _parse_again(source: str, config: Config) -> FileResult:
    from digest.load import read_file  # the rare way back: not worth importing otherwise

    return read_file(source, config.content / source, config.max_file_size)
