"""Read, join and index the content: what a build knows before it plans a page.

``build`` (``build.py``) goes on to plan, render and write; ``check`` stops here; ``produce``
renders the site into memory, for the preview server.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from digest.config import Config
from digest.errors import DigestError
from digest.index import index
from digest.join import join
from digest.links.shown import archived_copies
from digest.model import Diagnostic, Joined, Loaded, Matches, Site, Tally
from digest.output.owned import require_content
from digest.plan.addresses import published
from digest.plan.page import Page
from digest.plan.pages import Planner
from digest.progress import Timings
from digest.read.listing import Listing, walk
from digest.read.load import FileResult, load, read_file
from digest.render.pages import render

Reader = Callable[[str, str, int], FileResult]
"""Reads one content file: ``load.read_file``, or a caching stand-in for it."""
Lister = Callable[[Path], Listing]
"""Lists the content folder: ``listing.walk``, or a stand-in that knows when the last listing holds."""
Renderer = Callable[[Iterable[Page], Config], Iterable[tuple[str, bytes]]]
"""Renders pages: ``render.render``, or a caching stand-in for it."""


@dataclass(frozen=True)
class Checked:
    """The result of reading the content: everything but the pages."""

    loaded: Loaded
    joined: Joined
    site: Site

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self.loaded.diagnostics + self.joined.diagnostics + self.site.diagnostics


@dataclass(frozen=True)
class Rendered:
    """The site in memory: what was read, and every page as (path, bytes)."""

    checked: Checked
    files: list[tuple[str, bytes]]
    planner: Planner
    """What planned the pages: where each article's page stands (``Planner.settings``)."""


class StrictRefusal(DigestError):
    """A strict build found errors in the content and wrote nothing."""

    exit_code = 1

    def __init__(self, checked: Checked) -> None:
        super().__init__("--strict: not writing the site while the content has errors")
        self.checked = checked


def check(config: Config, timings: Timings, *, drafts: bool = False, read: Reader = read_file,
          lister: Lister = walk, matches: Matches | None = None) -> Checked:
    """Read and join the content and index the site; write nothing.

    ``matches`` is what the last build's join found (``join.join``).
    """
    require_content(config)
    archived_copies(config)  # links.json: a bad one is told before any content is read
    published(config)  # addresses.json too
    loaded = timings.run("load", lambda: load(config.content, config.max_file_size, read,
                                              lister(config.content)))
    return examine(loaded, config, timings, drafts=drafts, matches=matches)


def examine(loaded: Loaded, config: Config, timings: Timings, *, drafts: bool = False,
            matches: Matches | None = None) -> Checked:
    """Join the content read and index the site (as ``check``)."""
    joined = timings.run("join", lambda: join(loaded, matches))
    site = timings.run("index", lambda: index(
        joined, drafts=drafts, hide_unpublished=config.hide_unpublished))
    return Checked(loaded, joined, site)


def tally(checked: Checked) -> Tally:
    """Count what the summary tells of the content, and gather every diagnostic."""
    site, joined = checked.site, checked.joined
    joins = Counter(a.method.value for a in joined.articles if a.id in site.articles)
    return Tally(len(site.order), tuple(sorted(joins.items())), len(site.topics),
                 len(site.providers), tuple(b.source for b in joined.orphan_bodies),
                 checked.loaded.skipped, checked.diagnostics)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a build.

    A build makes millions of long-lived objects and almost no reference cycles; each of the
    collector's full passes walks them all, which cost a third of a build's time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@gc_paused()
def produce(config: Config, timings: Timings, *, drafts: bool = False, read: Reader = read_file,
            lister: Lister = walk, render_pages: Renderer = render) -> Rendered:
    """Read, join, index, plan and render the site into memory; write nothing."""
    checked = check(config, timings, drafts=drafts, read=read, lister=lister)
    planner = Planner(checked.site, config)
    pages = timings.run("plan", planner.pages)
    files = timings.run("render", lambda: list(render_pages(pages, config)))
    return Rendered(checked, files, planner)
