"""The Pagefind search index, in bundles by month merged in the browser; only changed ones remade.

Pagefind cannot add a page to an index without rewriting most of it (Pagefind/pagefind#71), so
the index is split: ``pagefind/`` is the main bundle (Pagefind's scripts, and every indexed
page that is not a dated article: undated articles, the topic and source pages), and each month
of articles has a bundle of its own, ``pagefind/YYYY-MM/``, which the search page merges
(``mergeIndex``) in the order of ``pagefind/bundles.json``, newest first. A bundle is indexed
again only when what Pagefind reads of its pages changed: a page's neighbours or related
coverage change its fingerprint, not its bundle.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from digest import parallel
from digest.errors import SearchError
from digest.output.pagefind import Indexer, Indexers, executable, missing
from digest.parallel import chunks, fork_map

if TYPE_CHECKING:
    from digest.output.write import Finisher
    from digest.progress import Timings

BUNDLE = "pagefind"
"""Folder of the site that holds the index and Pagefind's own UI scripts."""
LISTING = f"{BUNDLE}/bundles.json"
"""The month bundles the search page merges, newest first."""
MAIN = ""
"""The main bundle's name."""
_MONTH = re.compile(r"articles/(\d{4})/(\d{2})/")
_BODY = re.compile(rb"<([a-zA-Z][\w-]*)\b[^>]*\sdata-pagefind-body\b[^>]*>")
_HTML = re.compile(rb"<html\b[^>]*>")
_MERGED = re.compile(r"pagefind-entry\.json|pagefind\.[^/]+\.pf_meta|(fragment|index|filter)/[^/]+")
"""The files a merged bundle needs: its scripts and WebAssembly are the main bundle's."""


@dataclass(frozen=True)
class Indexed:
    """What the last build indexed, for the next to keep what did not change."""

    pages: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Site path of each HTML page to its fingerprint and ``indexed_digest``."""
    bundles: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    """Bundle name to its key (``bundle_key``) and the site paths of its files."""


def bundle_of(path: str) -> str:
    """Return the bundle of the page at site path ``path``: its month, or the main bundle."""
    month = _MONTH.match(path)
    return f"{month[1]}-{month[2]}" if month else MAIN


def folder_of(bundle: str) -> str:
    """Return the site folder of ``bundle``, ending in a slash."""
    return f"{BUNDLE}/{bundle}/" if bundle else f"{BUNDLE}/"


def indexed_digest(html: bytes) -> str:
    """Digest what Pagefind reads of a page: each ``data-pagefind-body`` element and the
    ``<html>`` tag (its language); "" for a page with none, which Pagefind leaves out."""
    digest = hashlib.blake2b(digest_size=16)
    at = 0
    while found := _BODY.search(html, at):
        at = _closing(html, found[1], found.end())
        digest.update(html[found.start():at])
    if not at:
        return ""
    tag = _HTML.search(html)
    digest.update(tag[0] if tag else b"")
    return digest.hexdigest()


def _closing(html: bytes, name: bytes, start: int) -> int:
    """Return the end of the element named ``name`` whose content starts at ``start``."""
    depth = 1
    for tag in _tags(name.lower()).finditer(html, start):
        depth += -1 if tag[1] else 1
        if not depth:
            return tag.end()
    return len(html)


@lru_cache(maxsize=16)
def _tags(name: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"<(/?)" + re.escape(name) + rb"(?=[\s>/])[^>]*>", re.IGNORECASE)


def digests(site: Path, paths: list[str]) -> list[str]:
    """Return the ``indexed_digest`` of each page of ``site`` at ``paths``: on every core when
    there are many (a cold build of 10,000 articles read 13,500 pages in 2 s on one)."""
    def digest(chunk: Sequence[str]) -> list[str]:
        return [indexed_digest((site / path).read_bytes()) for path in chunk]

    if len(paths) < parallel.PARALLEL_MIN:
        return digest(paths)
    return [found for done in fork_map(digest, chunks(paths)) for found in done]


def bundle_key(tool: str, pages: list[tuple[str, str]]) -> str:
    """Digest a bundle's pages (site path and ``indexed_digest``) and the Pagefind that indexes them."""
    basis = "\0".join([tool, *(f"{path}={digest}" for path, digest in pages)])
    return hashlib.blake2b(basis.encode(), digest_size=16).hexdigest()


def tool_key() -> str:
    """Name the Pagefind binary as it is: another one may index the same pages differently."""
    binary = executable()
    try:
        stat = binary.stat()
    except OSError as exc:
        raise SearchError(missing(f"the pagefind binary {binary} cannot be read ({exc.strerror})")
                          ) from None
    return f"{binary}:{stat.st_size}:{stat.st_mtime_ns}"


def plan_bundles(digests: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    """Group the indexed pages (site path to ``indexed_digest``) by bundle, each sorted by path.

    The main bundle is always there: the search page's Pagefind starts from it."""
    bundles: dict[str, list[tuple[str, str]]] = {MAIN: []}
    for path in sorted(digests):
        if digests[path]:
            bundles.setdefault(bundle_of(path), []).append((path, digests[path]))
    return bundles


def listing(bundles: Iterable[str], refreshing: bool = False) -> bytes:
    """The search page's list of month bundles, newest first; ``refreshing`` while serve
    indexes the site again."""
    months = sorted((name for name in bundles if name != MAIN), reverse=True)
    return json.dumps({"bundles": months, "refreshing": refreshing}).encode()


def index_bundles(indexers: Indexers, bundles: dict[str, list[tuple[str, str]]],
                  last: dict[str, tuple[str, tuple[str, ...]]], tool: str,
                  read: Callable[[str], bytes], site: Path | None = None
                  ) -> Iterator[tuple[str, bytes | None]]:
    """Yield each bundle's files (None bytes for one kept from ``last``), in order, indexing a
    few bundles at a time (``Indexers``). Fills ``last`` with what each bundle is now.

    With ``site`` (the new site's folder), Pagefind reads a month's pages from it itself."""
    def index(name: str, pages: list[tuple[str, str]]) -> Callable[[Indexer], dict[str, bytes]]:
        def job(indexer: Indexer) -> dict[str, bytes]:
            if site is not None and name != MAIN:
                # Pages of the month without a data-pagefind-body part are left out by Pagefind.
                year, month = name.split("-")
                return indexer.folder(site, f"articles/{year}/{month}/**/*.html", len(pages))
            return indexer.bundle((path, read(path)) for path, _ in pages) if pages else {}
        return job

    todo = [(name, bundle_key(tool, pages), pages) for name, pages in sorted(bundles.items())]
    fresh = indexers.map(index(name, pages) for name, key, pages in todo
                         if last.get(name, ("", ()))[0] != key)
    for name, key, _ in todo:
        if last.get(name, ("", ()))[0] == key:
            yield from ((path, None) for path in last[name][1])
            continue
        folder = folder_of(name)
        made = [(folder + file, data) for file, data in sorted(next(fresh).items())
                if name == MAIN or _MERGED.fullmatch(file)]
        last[name] = (key, tuple(path for path, _ in made))
        yield from made


def search_of(prints: dict[str, str], last: Indexed, timings: Timings
              ) -> tuple[Callable[[], Indexed], Finisher]:
    """Return what the index will be once written, and how the writer completes the site.

    The finisher reads the new site (staged, or in place): each HTML page whose fingerprint
    changed is read for its ``indexed_digest``; the others keep theirs. Bundles whose pages'
    digests are unchanged are kept as they are; the others are indexed again (``index_bundles``).
    """
    state: dict[str, Indexed] = {}

    def finish(site: Path) -> Iterator[tuple[str, bytes | None]]:
        pages = {path: last.pages.get(path) for path in prints if path.endswith(".html")}
        fresh = [path for path, before in pages.items() if not before or before[0] != prints[path]]
        pages.update((path, (prints[path], digest))
                     for path, digest in zip(fresh, digests(site, fresh), strict=True))
        bundles = plan_bundles({path: digest for path, (_, digest) in pages.items()})
        made = {name: bundle for name, bundle in last.bundles.items() if name in bundles}
        with Indexers() as indexers:
            yield from index_bundles(indexers, bundles, made, tool_key(),
                                     lambda path: (site / path).read_bytes(), site)
        yield LISTING, listing(bundles)
        state["now"] = Indexed(pages, made)

    return lambda: state.get("now", last), lambda site: timings.each("search", finish(site))
