"""Build the Pagefind search index of a staged site, as more files for the writer to write."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from digest.errors import SearchError

if TYPE_CHECKING:
    from digest.incremental.cache import Stored
    from digest.output.write import Finisher
    from digest.progress import Timings

BUNDLE = "pagefind"
"""Folder of the site that holds the index and Pagefind's own UI scripts."""
STEP_TIMEOUT = 30.0
"""Seconds Pagefind may take to start or to index one page before the build gives up."""
WRITE_TIMEOUT = 600.0
"""Seconds Pagefind may take to write the whole index."""


def search_index(site: Path) -> list[tuple[str, bytes]]:
    """Index the HTML pages under ``site`` (only their ``data-pagefind-body`` parts).

    Returns the bundle's files, to be written under ``pagefind/``. Pagefind reads the folder
    itself: handing it pages one message at a time costs ~0.1 s a page, a folder ~2 ms.
    """
    try:
        from pagefind.service import get_executable
    except ImportError:
        raise SearchError(_missing("the pagefind package is not installed")) from None
    if get_executable() is None:
        raise SearchError(_missing("the pagefind binary was not found"))
    # Imported here: asyncio costs every build's start 15 ms, and only indexing needs it.
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        # Pagefind's API is async; a thread of its own keeps it clear of any caller's event loop.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, _index(site)).result()
    except Exception as exc:  # the Pagefind service reports its failures as bare Exceptions
        reason = ("pagefind stopped answering" if isinstance(exc, TimeoutError)
                  else str(exc) or f"pagefind failed ({type(exc).__name__})")
        raise SearchError(f"cannot build the search index: {reason}; "
                          "set search = false in digest.toml to build without search") from None


async def _index(site: Path) -> list[tuple[str, bytes]]:
    import asyncio

    from pagefind.service import PagefindService

    # Pagefind hands its bundle over through a folder of its own; get_files() would stream it
    # through one pipe line that overflows on large sites. The folder is scratch space outside
    # the site, read back here so that the writer stays the only one writing the output.
    # Every call is bounded: a Pagefind process that dies mid-way is never answered otherwise.
    with tempfile.TemporaryDirectory(prefix="digest-search-") as scratch:
        bundle = Path(scratch) / BUNDLE
        service = await asyncio.wait_for(PagefindService().launch(), STEP_TIMEOUT)
        try:
            index = await asyncio.wait_for(service.create_index(), STEP_TIMEOUT)
            await asyncio.wait_for(index.add_directory(str(site)), WRITE_TIMEOUT)
            await asyncio.wait_for(index.write_files(str(bundle)), WRITE_TIMEOUT)
        finally:
            await service.close()
        return [(f"{BUNDLE}/{f.relative_to(bundle).as_posix()}", f.read_bytes())
                for f in sorted(bundle.rglob("*")) if f.is_file()]


def _missing(reason: str) -> str:
    return (f"cannot build the search index: {reason}; install it with "
            "pip install 'pagefind[bin]', or set search = false in digest.toml "
            "to build without search")


def search_of(prints: dict[str, str], last: Stored, timings: Timings
              ) -> tuple[tuple[str, tuple[str, ...]], Finisher]:
    """Return the search index's fingerprint and files, and how the writer completes the site.

    When no HTML page changed, the previous index is kept as it is; otherwise Pagefind indexes
    the staged site once every page is in it.
    """
    basis = "\0".join(f"{path}={prints[path]}" for path in sorted(prints) if path.endswith(".html"))
    key = hashlib.blake2b(basis.encode(), digest_size=16).hexdigest()
    if key == last.search[0]:
        return last.search, lambda _staging: [(path, None) for path in last.search[1]]
    made: list[str] = []

    def index(staging: Path) -> list[tuple[str, bytes | None]]:
        bundle = timings.run("search", lambda: search_index(staging))
        made.extend(path for path, _ in bundle)
        return list(bundle)

    return (key, made), index  # type: ignore[return-value]  # ``made`` fills as the site is written
