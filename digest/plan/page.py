"""A planned page: where it goes, which template draws it, and what it shows."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from digest import __version__
from digest.theme import template_folders

if TYPE_CHECKING:
    from digest.config import Config


@dataclass(frozen=True, slots=True)
class Page:
    """One output page: where it goes, which template draws it, and what it shows."""

    path: str
    """Output path relative to the site root, e.g. ``topics/ai/index.html``."""
    template: str
    context: Mapping[str, object]
    key: str = ""
    """A digest of everything the context is made from (with the templates and the config, all
    the page depends on), when the plan can tell it without making the context; else empty."""


def page_key(*parts: str) -> str:
    """Return a digest of the parts of a page's key; empty if any part is unknown, as then no key
    can be trusted.

    A digest, not the parts joined: a build holds every page's key, and an article page's parts
    (its version, its neighbours', the pages its related coverage links to) ran to 450 bytes.
    """
    if "" in parts:
        return ""
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


class Deferred(Mapping[str, object]):
    """A page context made only when it is read: a rebuild renders few pages and reads few.

    Not kept once made, so that a build never holds every page's context at once. ``known``
    entries are answered without making the context (the sitemap reads each page's date).
    """

    __slots__ = ("_known", "_make")

    def __init__(self, make: Callable[[], dict[str, object]], **known: object) -> None:
        self._make = make
        self._known = known

    def made(self) -> dict[str, object]:
        """Make and return the whole context."""
        return self._make()

    def __getitem__(self, key: str) -> object:
        return self._known[key] if key in self._known else self._make()[key]

    def get(self, key: str, default: object = None) -> object:
        # Mapping.get would answer through __getitem__ and a KeyError: twice the calls.
        return self._known[key] if key in self._known else self._make().get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._make())

    def __len__(self) -> int:
        return len(self._make())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Deferred):
            other = other.made()
        return isinstance(other, Mapping) and self.made() == dict(other)

    __hash__ = None  # type: ignore[assignment]  # like dict


def folder_hash(folder: Path) -> str:
    """Hash the names and contents of every file under ``folder``."""
    digest = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def fingerprint(page: Page, basis: bytes) -> str:
    """Hash everything a page's bytes come from: ``basis`` (config, templates) and its context,
    or the key that stands for its context."""
    if page.key:
        data = f"{page.path}\0{page.template}\0{page.key}".encode()
    else:
        context = page.context.made() if isinstance(page.context, Deferred) else page.context
        data = pickle.dumps((page.path, page.template, context), protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.blake2b(basis + data, digest_size=16).hexdigest()


def fingerprints(pages: list[Page], config: Config) -> dict[str, str]:
    """Fingerprint every page with what else its bytes depend on: digest, config, templates."""
    common = basis(config)
    return {page.path: fingerprint(page, common) for page in pages}


def basis(config: Config) -> bytes:
    """Return what every page's bytes depend on besides its own: digest, config and templates."""
    themes = "\0".join(folder_hash(folder) for folder in template_folders(config))
    return f"{__version__}\0{config!r}\0{themes}\0".encode()
