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
import tempfile
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
    """Write the body's text to ``store`` (once per text) and return the body without it."""
    name = name_of(body.text)
    path = store / (name + SUFFIX)
    if not path.exists():
        store.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=store, prefix=".body-")
        with os.fdopen(fd, "wb") as stream:
            stream.write(body.text.encode())
        os.replace(temp, path)  # whole or not at all, for a reader in another process
    return replace(body, text="", stored=name)


def fetch(body: Body, store: Path) -> Body | None:
    """Return the body with its text read back from ``store``; None if it is missing or damaged."""
    if not body.stored or body.text:
        return body
    try:
        text = (store / (body.stored + SUFFIX)).read_bytes().decode()
    except (OSError, UnicodeDecodeError):
        text = None
    if text is None or name_of(text) != body.stored:
        log.warning("the stored text of %s is missing or damaged; reading the file again",
                    body.source)
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
    return again if again is not None else replace(body, stored="")
