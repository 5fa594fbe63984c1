"""What pages show of ``links.json``: each link's archived copy. Read by the build, offline."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from digest.config import LINKS_NAME, Config
from digest.links.ledger import read_ledger
from digest.model import Record
from digest.pickling import quick_pickled
from digest.plan.page import page_key
from digest.read.clean import normalise_url


@quick_pickled
@dataclass(frozen=True, slots=True)
class ArchivedCopy:
    """A link's archived copy, as its page shows it (Robust Links)."""

    url: str
    date: datetime
    gone: bool
    """The original is dead: the link leads to the copy, with a note saying so."""


def archived_copies(config: Config) -> Mapping[str, ArchivedCopy]:
    """Return each archived link's copy, by its URL's ``normalise_url`` key (the one articles
    and related items carry). Read again only when the file changed. Raises LinksFileError."""
    path = config.root / LINKS_NAME
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return {}
    return _copies(str(path), (stat.st_mtime_ns, stat.st_size, stat.st_ino))


@lru_cache(maxsize=2)
def _copies(path: str, signature: tuple[int, int, int]) -> Mapping[str, ArchivedCopy]:
    return {normalise_url(url): ArchivedCopy(entry.snapshot.url, entry.snapshot.when,
                                             entry.state == "dead")
            for url, entry in read_ledger(Path(path)).entries.items() if entry.snapshot}


def copies_of(copies: Mapping[str, ArchivedCopy], record: Record, related: tuple[str | None, ...],
              key: str) -> tuple[str, ArchivedCopy | None, tuple[ArchivedCopy | None, ...]]:
    """Return a record's page key made to cover what its page shows of ``links.json``, the
    archived copy of its original, and those of each item of its related coverage that is not
    a page of the digest (``related`` names those that are): an empty tuple when none has one.
    """
    if not copies:
        return key, None, ()
    found = tuple(None if target else copies.get(item)
                  for item, target in zip(record.related_keys, related, strict=True))
    original = copies.get(record.url_key) if record.url_key else None
    if original is None and not any(found):
        return key, None, ()
    return page_key(key, repr(original), repr(found)), original, found if any(found) else ()
