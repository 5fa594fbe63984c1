"""Keep article bodies on disk from parsing to rendering, so a build holds only their metadata.

A cold build parses every body in worker processes; each worker writes the cleaned text to
the cache's body store and hands back a body without it. The article's page reads the text
again when it is rendered, in whichever process renders it. The store is named by content:
a file's name is the digest of its text, so a damaged file is found when read, and the body
is then parsed again from its source.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from digest.config import Config
from digest.model import Body

log = logging.getLogger(__name__)

SUFFIX = ".txt"
FOLDER = "bodies"
"""The store's folder, in the cache folder."""


def store_of(config: Config) -> Path:
    """Return the folder where the build keeps bodies' texts."""
    return config.cache_dir / FOLDER


def name_of(text: str) -> str:
    """Return the name a text is stored under: its digest."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def stow(body: Body, store: Path) -> Body:
    """Write the body's text to ``store`` (once per text) and return the body without it.

    Written in place, not through a temporary file: a file cut short by a crash does not match
    its name, and ``fetch`` deletes it. On a slow disk the extra file and rename of each body
    cost a cold build seconds.
    """
    name = name_of(body.text)
    try:
        fd = os.open(store / (name + SUFFIX), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:  # the same text, stored already
        return replace(body, text="", stored=name)
    except FileNotFoundError:
        store.mkdir(parents=True, exist_ok=True)
        return stow(body, store)
    with os.fdopen(fd, "wb") as stream:
        stream.write(body.text.encode())
    return replace(body, text="", stored=name)


def fetch(body: Body, store: Path) -> Body | None:
    """Return the body with its text read back from ``store``; None if it is missing or damaged."""
    if not body.stored or body.text:
        return body
    path = store / (body.stored + SUFFIX)
    try:
        text = path.read_bytes().decode()
    except (OSError, UnicodeDecodeError):
        text = None
    if text is None or name_of(text) != body.stored:
        log.warning("the stored text of %s is missing or damaged; reading the file again",
                    body.source)
        path.unlink(missing_ok=True)  # so that the next parse of the file stores it afresh
        return None
    return replace(body, text=text)


def prune(store: Path, keep: Iterable[str]) -> None:
    """Delete the stored texts that no body names any more."""
    wanted = {name + SUFFIX for name in keep}
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
    from digest.load import read_file  # the rare way back: not worth importing otherwise

    again = read_file(body.source, config.content / body.source, config.max_file_size).body
    if again is None:
        return replace(body, stored="")
    stow(again, store_of(config))  # stored afresh: the cache names it, and the next build reads it
    return again
