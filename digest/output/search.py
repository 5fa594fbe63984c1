"""The Pagefind search index, in bundles by month merged in the browser; only changed ones remade.

Pagefind cannot add a page to an index without rewriting most of it (Pagefind/pagefind#71), so
the index is split: ``pagefind/`` is the main bundle (Pagefind's scripts, and every indexed
page that is not a dated article: undated articles, the topic and source pages), and each month
of articles has a bundle of its own, ``pagefind/YYYY-MM/``, which the search page merges
(``mergeIndex``) in the order of ``pagefind/bundles.json``, newest first. A month of more than
PART_PAGES pages is split in parts, ``pagefind/YYYY-MM.N/``, each page's part by a hash of its
path. A bundle is indexed again only when what Pagefind reads of its pages changed: a page's
neighbours or related coverage change its fingerprint, not its bundle.

Pagefind reads a month's pages itself, on every core, from a folder of hard links to them
(``linked``) in the output's work folder: the pages of an edit not yet in place are written
there, so the index is made while the build waits for the output's survey.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

from digest import parallel
from digest.errors import SearchError
from digest.output.pagefind import Indexer, Indexers, executable, missing
from digest.output.staging import make_folders
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
PART_PAGES = 2000
"""Pages above which a month is split in parts. Pagefind took 4.0 s to index a month of 2,786
pages (1.3 s reading them on two cores, 2.7 s making the index on one), and an edit indexes its
page's whole bundle again, while the output is surveyed (2 s at 100,000 articles). But each
bundle costs a reader's search requests: at 100,000 articles in Chromium, a rare word's first
result took 2.1 s with 36 bundles and 3.5 s with 106 (parts of 1,000). A digest of thirty
articles a day never splits a month."""
_MONTH = re.compile(r"articles/(\d{4})/(\d{2})/")
_BODY = re.compile(rb"<([a-zA-Z][\w-]*)\b[^>]*\sdata-pagefind-body\b[^>]*>")
_HTML = re.compile(rb"<html\b[^>]*>")
_MERGED = re.compile(r"pagefind-entry\.json|pagefind\.[^/]+\.pf_meta|(fragment|index|filter)/[^/]+")
"""The files a merged bundle needs: its scripts and WebAssembly are the main bundle's."""


@dataclass(frozen=True)
class Indexed:
    """What the last build indexed, for the next to keep what did not change."""

    pages: dict[str, str] = field(default_factory=dict)
    """Site path of each HTML page to its ``indexed_digest``, as its fingerprint in the same
    build's cache rendered it."""
    bundles: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    """Bundle name to its key (``bundle_key``) and the site paths of its files."""

    def files(self) -> list[str]:
        """Return the site paths of the index's files, its list of bundles among them."""
        return [LISTING, *(path for _, paths in self.bundles.values() for path in paths)]


def month_of(path: str) -> str:
    """Return the month of the page at site path ``path``: "YYYY-MM", or MAIN if undated."""
    month = _MONTH.match(path)
    return f"{month[1]}-{month[2]}" if month else MAIN


def part_of(path: str, parts: int) -> int:
    """Return the part, 1 to ``parts``, of its month's bundle that the page at ``path`` is in."""
    return int.from_bytes(hashlib.blake2b(path.encode(), digest_size=8).digest()) % parts + 1


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


def plan_bundles(digests: dict[str, str], only: set[str] | None = None
                 ) -> dict[str, list[tuple[str, str]]]:
    """Group the indexed pages (site path to ``indexed_digest``) by bundle, each sorted by path:
    by month, a month of more than PART_PAGES in parts of about as many. With ``only``, the
    bundles of those months alone.

    The main bundle is always there: the search page's Pagefind starts from it."""
    if only is not None and MAIN not in only:  # their pages found by the start of their paths
        starts = tuple(f"articles/{month[:4]}/{month[5:]}/" for month in only)
        digests = {path: digest for path, digest in digests.items() if path.startswith(starts)}
    months: dict[str, list[tuple[str, str]]] = {MAIN: []} if only is None or MAIN in only else {}
    for path in sorted(digests):
        if digests[path]:
            months.setdefault(month_of(path), []).append((path, digests[path]))
    bundles = {}
    for month, pages in months.items():
        if only is not None and month not in only:
            continue
        parts = -(-len(pages) // PART_PAGES)
        if month == MAIN or parts <= 1:
            bundles[month] = pages
            continue
        for page in pages:
            bundles.setdefault(f"{month}.{part_of(page[0], parts)}", []).append(page)
    return bundles


def listing(bundles: Iterable[str], refreshing: bool = False) -> bytes:
    """The search page's list of month bundles, newest first; ``refreshing`` while serve
    indexes the site again."""
    months = sorted((name for name in bundles if name != MAIN), reverse=True)
    return json.dumps({"bundles": months, "refreshing": refreshing}).encode()


Folder = Callable[[str, list[str]], AbstractContextManager[Path]]
"""Given a bundle's name and its pages' site paths, a folder that holds those pages alone."""


def index_bundles(indexers: Indexers, bundles: dict[str, list[tuple[str, str]]],
                  last: dict[str, tuple[str, tuple[str, ...]]], tool: str,
                  read: Callable[[str], bytes], folder: Folder | None = None
                  ) -> Iterator[tuple[str, bytes | None]]:
    """Yield each bundle's files (None bytes for one kept from ``last``), in order, indexing a
    few bundles at a time (``Indexers``). Fills ``last`` with what each bundle is now.

    With ``folder`` (``linked``), Pagefind reads a month's pages from it itself; else each
    page is ``read`` and sent to it."""
    def index(name: str, pages: list[tuple[str, str]]) -> Callable[[Indexer], dict[str, bytes]]:
        def job(indexer: Indexer) -> dict[str, bytes]:
            if folder is not None and name != MAIN:
                with folder(name, [path for path, _ in pages]) as root:
                    return indexer.folder(root, "**/*.html", len(pages))
            return indexer.bundle((path, read(path)) for path, _ in pages) if pages else {}
        return job

    todo = [(name, bundle_key(tool, pages), pages) for name, pages in sorted(bundles.items())]
    fresh = indexers.map(index(name, pages) for name, key, pages in todo
                         if last.get(name, ("", ()))[0] != key)
    for name, key, _ in todo:
        if last.get(name, ("", ()))[0] == key:
            yield from ((path, None) for path in last[name][1])
            continue
        into = folder_of(name)
        made = [(into + file, data) for file, data in sorted(next(fresh).items())
                if name == MAIN or _MERGED.fullmatch(file)]
        last[name] = (key, tuple(path for path, _ in made))
        yield from made


def search_of(prints: dict[str, str], last: Indexed, last_prints: Mapping[str, str],
              timings: Timings, scratch: Path) -> tuple[Callable[[], Indexed], Finisher]:
    """Return what the index will be once written, and how the writer completes the site.

    The finisher reads the new site (staged, or in place) and the pages not yet written there:
    each HTML page whose fingerprint is not the one it had (``last_prints``, the pages of the
    build that made ``last``) is read for its ``indexed_digest``; the others keep theirs.
    Bundles whose pages' digests are unchanged are kept as they are; the others are indexed
    again (``index_bundles``), each month from a folder of its own in ``scratch``.
    """
    state: dict[str, Indexed] = {}

    def finish(site: Path, unwritten: Mapping[str, bytes]) -> Iterator[tuple[str, bytes | None]]:
        html = [path for path in prints if path.endswith(".html")]
        fresh = {path for path in html
                 if path not in last.pages or last_prints.get(path) != prints[path]}
        on_disk = [path for path in html if path in fresh and path not in unwritten]
        found = dict(zip(on_disk, digests(site, on_disk), strict=True))
        pages = {path: last.pages[path] if path not in fresh else found[path] if path in found
                 else indexed_digest(unwritten[path]) for path in html}
        # With the same pages, each is in the bundle it was in: only the months of the pages
        # whose digests changed are planned again (planning all took 0.5 s at 100,000 articles).
        only = ({month_of(path) for path in fresh if pages[path] != last.pages[path]}
                if last.bundles and pages.keys() == last.pages.keys() else None)
        bundles = plan_bundles(pages, only)
        made = {name: bundle for name, bundle in last.bundles.items()
                if name in bundles or (only is not None and name.partition(".")[0] not in only)}
        with Indexers() as indexers:
            yield from index_bundles(
                indexers, bundles, made, tool_key(),
                lambda path: unwritten[path] if path in unwritten else (site / path).read_bytes(),
                partial(linked, scratch, site, unwritten))
        for name, (_, files) in made.items():
            if name not in bundles:  # a month not planned again: its bundles as they were
                yield from ((path, None) for path in files)
        yield LISTING, listing(made)
        state["now"] = Indexed(pages, made)

    return lambda: state.get("now", last), lambda site, unwritten: timings.each(
        "search", finish(site, unwritten))


@contextmanager
def linked(scratch: Path, site: Path, unwritten: Mapping[str, bytes], name: str,
           paths: list[str]) -> Iterator[Path]:
    """Give a folder in ``scratch`` that holds the pages at ``paths`` alone, as in ``site``:
    hard links to its files (copies across file systems), and ``unwritten`` pages written.
    It is deleted after; one left by a killed build goes with the work folder's leftovers."""
    root = scratch / f"index-{os.getpid()}-{name}"
    made: set[str] = set()
    try:
        root.mkdir()
        for path in paths:
            make_folders(root, made, path)
            if (data := unwritten.get(path)) is not None:
                (root / path).write_bytes(data)
                continue
            try:
                os.link(site / path, root / path)
            except OSError as exc:
                if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                    raise
                shutil.copyfile(site / path, root / path)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)
