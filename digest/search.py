"""Build the Pagefind search index of the rendered pages, in memory, as more files to write."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterable
from pathlib import Path

from digest.errors import SearchError

BUNDLE = "pagefind"
"""Folder of the site that holds the index and Pagefind's own UI scripts."""


def search_index(pages: Iterable[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Index the HTML pages (only their ``data-pagefind-body`` parts); return the bundle's files."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        raise SearchError(_missing("the pagefind package is not installed")) from None
    if get_executable() is None:
        raise SearchError(_missing("the pagefind binary was not found"))
    try:
        return asyncio.run(_index([(p, d) for p, d in pages if p.endswith(".html")]))
    except Exception as exc:  # the Pagefind service reports its failures as bare Exceptions
        raise SearchError(f"cannot build the search index: {exc}; "
                          "set search = false in digest.toml to build without search") from None


async def _index(pages: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    from pagefind.index import PagefindIndex

    # Pagefind hands its bundle over through a folder of its own; get_files() would stream it
    # through one pipe line that overflows on large sites. The folder is scratch space outside
    # the site, read back here so that the writer stays the only one writing the output.
    with tempfile.TemporaryDirectory(prefix="digest-search-") as scratch:
        bundle = Path(scratch) / BUNDLE
        index = PagefindIndex(config={"output_path": str(bundle)})
        async with index:
            for path, data in pages:
                await index.add_html_file(content=data.decode("utf-8"), source_path=path)
        return [(f"{BUNDLE}/{f.relative_to(bundle).as_posix()}", f.read_bytes())
                for f in sorted(bundle.rglob("*")) if f.is_file()]


def _missing(reason: str) -> str:
    return (f"cannot build the search index: {reason}; install it with "
            "pip install 'pagefind[bin]', or set search = false in digest.toml "
            "to build without search")
