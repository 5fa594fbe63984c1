"""Build the Pagefind search index of the rendered pages, in memory, as more files to write."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from digest.errors import SearchError

BUNDLE = "pagefind"
"""Folder of the site that holds the index and Pagefind's own UI scripts."""
STEP_TIMEOUT = 30.0
"""Seconds Pagefind may take to start or to index one page before the build gives up."""
WRITE_TIMEOUT = 600.0
"""Seconds Pagefind may take to write the whole index."""


def search_index(pages: Iterable[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Index the HTML pages (only their ``data-pagefind-body`` parts); return the bundle's files."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        raise SearchError(_missing("the pagefind package is not installed")) from None
    if get_executable() is None:
        raise SearchError(_missing("the pagefind binary was not found"))
    try:
        html = [(p, d) for p, d in pages if p.endswith(".html")]
        # Pagefind's API is async; a thread of its own keeps it clear of any caller's event loop.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, _index(html)).result()
    except Exception as exc:  # the Pagefind service reports its failures as bare Exceptions
        reason = ("pagefind stopped answering" if isinstance(exc, TimeoutError)
                  else str(exc) or f"pagefind failed ({type(exc).__name__})")
        raise SearchError(f"cannot build the search index: {reason}; "
                          "set search = false in digest.toml to build without search") from None


async def _index(pages: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
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
            for path, data in pages:
                await asyncio.wait_for(index.add_html_file(
                    content=data.decode("utf-8"), source_path=path), STEP_TIMEOUT)
            await asyncio.wait_for(index.write_files(str(bundle)), WRITE_TIMEOUT)
        finally:
            await service.close()
        return [(f"{BUNDLE}/{f.relative_to(bundle).as_posix()}", f.read_bytes())
                for f in sorted(bundle.rglob("*")) if f.is_file()]


def _missing(reason: str) -> str:
    return (f"cannot build the search index: {reason}; install it with "
            "pip install 'pagefind[bin]', or set search = false in digest.toml "
            "to build without search")
