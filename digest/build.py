"""Run the pipeline: load, join, index, plan, render, search, write, one timed stage a line."""

from __future__ import annotations

import gc
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TypeVar

from digest.config import Config
from digest.errors import DigestError
from digest.incremental import sealed
from digest.incremental.cache import (
    Stored,
    load_main,
    load_state,
    save_edits,
    save_files,
    save_shards,
    save_state,
)
from digest.incremental.files import FileCache
from digest.incremental.patch import Patch, body_pages, edits_of, plan_patch
from digest.incremental.replan import Replan, keep, pickled, plan_replan, save_kept
from digest.incremental.sealed import cache_writable, remove_leftovers, saving
from digest.incremental.stamp import Inputs, Stamp, read_inputs, said
from digest.incremental.store import store_of
from digest.index import index
from digest.join import join
from digest.model import Diagnostic, Joined, Loaded, Matches, Site, Tally
from digest.output.owned import check_folders, require_content
from digest.output.search import search_of
from digest.output.write import (
    Surveyed,
    WriteStats,
    replace_files,
    replace_site,
    site_lock,
    survey_site,
    with_spare,
)
from digest.parallel import in_background
from digest.plan.feeds import moved_listing
from digest.plan.page import Page, fingerprints
from digest.plan.pages import Planner, lean
from digest.progress import Timings, track
from digest.read.listing import Listing, walk
from digest.read.load import FileResult, load, read_file
from digest.render.pages import Renderer as PageRenderer
from digest.render.pages import render, render_many
from digest.theme import static_folders

log = logging.getLogger(__name__)
T = TypeVar("T")
Reader = Callable[[str, str, int], FileResult]
"""Reads one content file: ``load.read_file``, or a caching stand-in for it."""
Renderer = Callable[[Iterable[Page], Config], Iterable[tuple[str, bytes]]]
"""Renders pages: ``render.render``, or a caching stand-in for it."""
Lister = Callable[[Path], Listing]
"""Lists the content folder: ``load.walk``, or a stand-in that knows when the last listing holds."""


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
    """What planned the pages: it can plan an article's page again."""


@dataclass(frozen=True)
class Built:
    """The result of a build: what was read, what was planned and what was written."""

    checked: Checked | None
    """None when only edited bodies were read (``patch.py``)."""
    pages: int
    stats: WriteStats
    timings: Timings
    tally: Tally
    search: bool = True
    """Whether the search index was built."""
    rendered: int = 0
    """Pages rendered afresh; the others were unchanged since the last build and kept."""


def check(config: Config, timings: Timings, *, drafts: bool = False, read: Reader = read_file,
          lister: Lister = walk, matches: Matches | None = None) -> Checked:
    """Read and join the content and index the site; write nothing.

    ``matches`` is what the last build's join found (``join.join``).
    """
    require_content(config)
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


class StrictRefusal(DigestError):
    """A strict build found errors in the content and wrote nothing."""

    exit_code = 1

    def __init__(self, checked: Checked) -> None:
        super().__init__("--strict: not writing the site while the content has errors")
        self.checked = checked


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
def build(config: Config, *, strict: bool = False, cached: bool = True,
          inputs: Inputs | None = None, timings: Timings | None = None,
          whole: bool = False) -> Built:
    """Build the site from ``config.content`` into ``config.output``.

    Everything sound is built; with ``strict``, nothing is written if the content has errors.
    With ``cached``, files unchanged since the last build are not parsed again, and pages whose
    inputs are unchanged are neither rendered nor written again; when only bodies changed, only
    their pages are made (``patch.py``), unless ``whole`` asks for the whole content read, to
    report it. ``inputs`` are the input files' signatures when the caller has just read them
    (``stamp.read_inputs``), timed in ``timings``.
    """
    check_folders(config)
    # The key is read once, here: the workers forked below inherit it.
    cached = cached and cache_writable(config.cache_dir) and sealed.key_kept()
    timings = timings or Timings()
    started = time.time_ns()
    if cached and inputs is None:
        inputs = timings.run("stat", lambda: read_inputs(config, started))
    # Held until the cache describes the site written. The output folder is surveyed meanwhile
    # in another process: some 25,000 files and folders at 10,000 articles.
    with site_lock(config.output), in_background(partial(survey_site, config.output)) as surveyed:
        try:
            if cached:
                remove_leftovers(config.cache_dir)
            main, write_edit = None, None
            if cached and not whole:
                main = timings.run("cache", lambda: load_main(config.cache_dir))
                if inputs is not None and not (strict and main.tally and main.tally.errors):
                    write_edit = small_edit(config, main, inputs, started, timings)
            built = write_edit(surveyed) if write_edit is not None else None
            if built is not None:
                return built
            # Surveyed again, and a spare site made if there is none to patch up, while the
            # content is read and planned.
            with in_background(partial(survey_site, config.output, prepare=True)) as prepared:
                return whole_build(config, timings, strict=strict, cached=cached, inputs=inputs,
                                   main=main, surveyed=prepared)
        finally:
            timings.end()


EditWriter = Callable[[Callable[[], Surveyed]], Built | None]
"""Writes a small edit, given the output folder's survey; None if it cannot after all."""


def small_edit(config: Config, stored: Stored, inputs: Inputs, started: int, timings: Timings
               ) -> EditWriter | None:
    """Read the files changed since the last build; return how to write them without a whole
    build, when they are edits of bodies alone (``patch.py``) or of records alone
    (``replan.py``), else None. ``stored`` is the cache's main file (``load_main``)."""
    edits = timings.run("patch", lambda: edits_of(config, inputs, stored, started))
    if edits is None:
        return None
    patch = timings.run("patch", lambda: plan_patch(config, stored, edits))
    if patch is not None:
        return partial(patched, config, stored, patch, inputs, timings)
    replan = timings.run("patch", lambda: plan_replan(config.cache_dir, stored, edits))
    return None if replan is None else partial(replanned, config, stored, replan, inputs, timings)


def whole_build(config: Config, timings: Timings, *, strict: bool, cached: bool,
                inputs: Inputs | None, main: Stored | None, surveyed: Callable[[], Surveyed]
                ) -> Built:
    """Read every file (parsing the changed ones), plan every page, and write what changed.

    ``main`` is the cache's main file, if read already. The caller holds ``site_lock`` on the
    output folder, and ``surveyed`` gives what the folder holds.
    """
    stored = (timings.run("shards", lambda: load_state(config.cache_dir, main)) if cached
              else Stored())
    if stored.max_file_size != config.max_file_size:
        stored = Stored(config.max_file_size)
    reads = FileCache(stored.files, store_of(config) if cached else None)
    # Listed once: the parse and the load read the same folder.
    listing = timings.run("list", lambda: walk(config.content))
    timings.run("parse", lambda: reads.prefetch(
        listing, config.max_file_size, inputs.content if inputs else None))
    loaded = timings.run("load", lambda: load(config.content, config.max_file_size, reads.read,
                                              listing))
    used = reads.used()
    save = partial(save_files, config.cache_dir, used, stored)
    # The parse cache's shards, and then the site kept for edits of records, are saved by other
    # processes while this one joins, plans and renders: on one core, a cold build of 10,000
    # articles spent a second on them. (A strict build saves nothing before it may write.)
    with ExitStack() as background:
        files_saved = background.enter_context(
            in_background(save) if cached and not strict else nullcontext(save))
        checked = examine(loaded, config, timings, matches=stored.matches)
        if strict and any(d.severity == "error" for d in checked.diagnostics):
            raise StrictRefusal(checked)
        kept_saved = background.enter_context(
            in_background(partial(_save_kept, config.cache_dir, checked.site)) if cached
            else nullcontext(str))
        planner, planned = timings.run("plan", lambda: plan_site(checked.site, config))
        tallied = tally(checked)
        previous = timings.run("stamp", surveyed)
        # The previous build's pages are reused only from the very output folder it wrote.
        last = stored if stored.stamp.output == previous.live.stamp else Stored()
        prints = timings.run("fingerprint", lambda: fingerprints(planned, config))
        stats, search, rendered = write_changed(config, planned, prints, last, previous, timings,
                                                compiled_templates(config) if cached else None)
        if cached:
            stamp = Stamp(inputs.key if inputs else "", stats.stamp, tallied.errors,
                          stats.written + stats.unchanged, said(tallied.diagnostics))
            bodies = body_pages(list(checked.joined.articles), planner.settings)
            with saving(config.cache_dir):
                saved = replace(files_saved(), site=kept_saved())
                timings.run("save", lambda: save_state(config.cache_dir, Stored(
                    config.max_file_size, used, prints, search, stamp, bodies=bodies,
                    frame=inputs.frame if inputs else "", tally=tallied,
                    matches=checked.joined.matches, listing=planner.listed), stored, saved))
        return Built(checked, len(planned), stats, timings, tallied, search=config.search,
                     rendered=rendered)


def _save_kept(folder: Path, site: Site) -> str:
    """Keep the site for a build after an edit of records (``replan.py``); return its checksum."""
    return save_kept(folder, keep(site), pickled(site.articles))


def write_changed(config: Config, planned: list[Page], prints: dict[str, str], last: Stored,
                  previous: Surveyed, timings: Timings, compiled: Path | None
                  ) -> tuple[WriteStats, tuple[str, tuple[str, ...]], int]:
    """Render the ``planned`` pages whose fingerprints are not in ``last`` (the last build's
    cache), and write the site of every page ``prints`` names, keeping the others' files; return
    what was written, the search index's fingerprint and files, and how many pages were
    rendered."""
    position = {path: n for n, path in enumerate(prints)}
    todo = sorted((page for page in planned if last.pages.get(page.path) != prints[page.path]),
                  key=lambda page: position[page.path])
    files = timings.each("render", track(stream(list(prints), todo, config, compiled), "Rendering",
                                         len(todo), weight=lambda file: file[1] is not None))
    search, finish = search_of(prints, last, timings) if config.search else (("", ()), None)
    stats = timings.run("write", lambda: replace_site(
        config.output, previous, files, static_folders(config), finish))
    # Pages are rendered, and the index made, as the site is written: that time was theirs.
    timings.stages["write"] -= timings.stages["render"] + timings.stages.get("search", 0.0)
    return stats, (search[0], tuple(search[1])), len(todo)


def replanned(config: Config, stored: Stored, replan: Replan, inputs: Inputs, timings: Timings,
              surveyed: Callable[[], Surveyed]) -> Built | None:
    """Write an edit of records alone: plan and make again the pages that show the edited
    articles, keep every other; None, having written nothing, if the output folder is not the
    one the last build wrote.

    The caller holds ``site_lock`` on the output folder, and ``surveyed`` gives what it holds.
    """
    assert stored.tally is not None
    found = replan.found
    planner = Planner(found.site, config, found.urls)
    listing = moved_listing(stored.listing, found.moved)
    pages = timings.run("plan", lambda: planner.pages_showing(
        found.dirty, found.linking, listing if found.moved else None))
    # Every page where it was, but those that moved, in the order planned.
    prints = {found.moved.get(path, path): print_ for path, print_ in stored.pages.items()}
    if not prints.keys() >= {page.path for page in pages}:
        return None  # a page the last build had not: not a small edit after all
    previous = timings.run("stamp", surveyed)
    if stored.stamp.output != previous.live.stamp:
        return None
    # A spare site to patch up, made if the survey found none (after a cold build, or edits of
    # bodies alone): 12,400 folders at 10,000 articles.
    previous = timings.run("stamp", lambda: with_spare(config.output, previous))
    prints.update(timings.run("fingerprint", lambda: fingerprints(pages, config)))
    stats, search, rendered = write_changed(config, pages, prints, stored, previous, timings,
                                            compiled_templates(config))
    stamp = Stamp(inputs.key, stats.stamp, stored.tally.errors, stats.written + stats.unchanged,
                  said(stored.tally.diagnostics))
    bodies = body_pages([found.site.articles[aid] for aid in planner.settings], planner.settings)
    with saving(config.cache_dir):
        timings.run("save", lambda: save_edits(config.cache_dir, replace(
            stored, pages=prints, search=search, stamp=stamp, listing=listing,
            matches=found.matches, since=replan.since), replan.shards, bodies))
    return Built(None, len(prints), stats, timings, stored.tally, search=config.search,
                 rendered=rendered)


def patched(config: Config, stored: Stored, patch: Patch, inputs: Inputs, timings: Timings,
            surveyed: Callable[[], Surveyed]) -> Built | None:
    """Write an edit of bodies alone: render its pages, keep every other; None, having written
    nothing, if the output folder is not the one the last build wrote.

    The caller holds ``site_lock`` on the output folder, and ``surveyed`` gives what it holds.
    """
    assert stored.tally is not None
    previous = timings.run("stamp", surveyed)
    if stored.stamp.output != previous.live.stamp:
        return None
    prints = dict(stored.pages)
    prints.update(timings.run("fingerprint", lambda: fingerprints(patch.pages, config)))
    todo = [page for page in patch.pages if stored.pages.get(page.path) != prints[page.path]]
    fresh = dict(timings.run("render", lambda: list(render(
        todo, config, compiled_templates(config)))))
    search, finish = search_of(prints, stored, timings) if config.search else (("", ()), None)

    def write() -> WriteStats:
        # Without a search index to make anew, one changed page is renamed into place.
        renamed = replace_files(config.output, previous.live, fresh) if finish is None else None
        return renamed or replace_site(config.output, previous, (
            (path, fresh.get(path)) for path in prints), static_folders(config), finish)

    stats = timings.run("write", write)
    stamp = Stamp(inputs.key, stats.stamp, stored.tally.errors, stats.written + stats.unchanged,
                  said(stored.tally.diagnostics))
    since = replace(stored.since, articles={
        **stored.since.articles, **{article.id: lean(article) for article in patch.articles}})
    with saving(config.cache_dir):
        timings.run("save", lambda: save_shards(config.cache_dir, replace(
            stored, pages=prints, search=(search[0], tuple(search[1])), stamp=stamp,
            since=since), patch.shards))
    return Built(None, len(prints), stats, timings, stored.tally, search=config.search,
                 rendered=len(todo))


def plan_site(site: Site, config: Config) -> tuple[Planner, list[Page]]:
    """Plan every page of the site; return them, and the planner that knows where each stands."""
    planner = Planner(site, config)
    return planner, planner.pages()


def tally(checked: Checked) -> Tally:
    """Count what the summary tells of the content, and gather every diagnostic."""
    site, joined = checked.site, checked.joined
    joins = Counter(a.method.value for a in joined.articles if a.id in site.articles)
    return Tally(len(site.order), tuple(sorted(joins.items())), len(site.topics),
                 len(site.providers), tuple(b.source for b in joined.orphan_bodies),
                 checked.loaded.skipped, checked.diagnostics)


def stream(paths: list[str], todo: list[Page], config: Config, compiled: Path | None
           ) -> Iterator[tuple[str, bytes | None]]:
    """Yield every page's path in order, with bytes for the pages in ``todo`` (in the same order),
    rendered as asked, and None for the rest.

    ``compiled`` is where compiled templates are kept (``render.environment``), if anywhere.
    """
    fresh = render_many(todo, PageRenderer(config, compiled))
    wanted = {page.path for page in todo}
    for path in paths:
        yield (path, next(fresh)[1]) if path in wanted else (path, None)


def compiled_templates(config: Config) -> Path:
    """Return the cache's folder of compiled templates."""
    return config.cache_dir / "templates"


@gc_paused()
def produce(config: Config, timings: Timings, *, drafts: bool = False, read: Reader = read_file,
            lister: Lister = walk, render_pages: Renderer = render) -> Rendered:
    """Read, join, index, plan and render the site into memory; write nothing."""
    checked = check(config, timings, drafts=drafts, read=read, lister=lister)
    planner, pages = timings.run("plan", lambda: plan_site(checked.site, config))
    files = timings.run("render", lambda: list(render_pages(pages, config)))
    return Rendered(checked, files, planner)
