"""Build the site: read, join, index, plan, render and write, one timed stage a line.

What the last build remembers (``incremental/``) makes every stage do less: a file unchanged
since is not parsed again, a page whose fingerprint is unchanged is neither rendered nor
written again, and an edit that reaches only a few pages (``edit.py``) reads, plans and makes
only those.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, replace
from functools import partial

from digest.config import Config
from digest.content import Checked, StrictRefusal, examine, gc_paused, tally
from digest.incremental import sealed
from digest.incremental.cache import Recall, Stored, load_main, load_state, save_edits, save_files, save_state
from digest.incremental.edit import Redo, body_pages, redo
from digest.incremental.files import FileCache
from digest.incremental.kept import KeptEdits, save_kept
from digest.incremental.memory import Edits, OnDisk, edits_of
from digest.incremental.sealed import cache_writable, remove_leftovers, saving
from digest.incremental.stamp import SHARDS, Inputs, Stamp, read_inputs, said
from digest.incremental.store import store_of
from digest.links.shown import archived_copies
from digest.model import Tally
from digest.output.changed import write_changed, write_in_place
from digest.output.owned import check_folders
from digest.output.search import Indexed
from digest.output.tree import Summary
from digest.output.write import Surveyed, WriteStats, site_lock, survey_site, survey_steps
from digest.parallel import Steps, give_back_memory, in_background, in_background_steps
from digest.plan.addresses import published, remember
from digest.plan.page import fingerprints
from digest.plan.pages import Planner
from digest.progress import Timings
from digest.render.pages import compiled_templates

log = logging.getLogger(__name__)

__all__ = ["Built", "StrictRefusal", "build"]


@dataclass(frozen=True)
class Built:
    """The result of a build: what was read, what was planned and what was written."""

    checked: Checked | None
    """None when only the edited files were read (``edit.py``)."""
    pages: int
    stats: WriteStats
    timings: Timings
    tally: Tally
    search: bool = True  # whether the search index was built
    rendered: int = 0
    """Pages rendered afresh; the others were unchanged since the last build and kept."""


@gc_paused()
def build(config: Config, *, strict: bool = False, cached: bool = True,
          inputs: Inputs | None = None, timings: Timings | None = None,
          whole: bool = False) -> Built:
    """Build the site from ``config.content`` into ``config.output``.

    Everything sound is built; with ``strict``, nothing is written if the content has errors.
    With ``cached``, the build does no work the last one did (see the module's docstring),
    unless ``whole`` asks for the whole content read, to report it. ``inputs`` are the input
    files' signatures when the caller has just read them (``stamp.read_inputs``).
    """
    check_folders(config)
    archived_copies(config)  # links.json: a bad one is told before any content is read
    published(config)  # addresses.json too
    # The key is read once, here: the workers forked below inherit it.
    cached = cached and cache_writable(config.cache_dir) and sealed.key_kept()
    timings = timings or Timings()
    started = time.time_ns()
    # Held until the cache describes the site written. The output folder is surveyed meanwhile
    # in another process, while the inputs are read: some 25,000 files and folders at 10,000
    # articles. An edit put in place waits for the site in place only, not the spare site.
    with site_lock(config.output), in_background_steps(partial(survey_steps, config.output)
                                                       ) as surveyed:
        try:
            if cached and inputs is None:
                inputs = timings.run("stat", lambda: read_inputs(config, started))
            if cached:
                remove_leftovers(config.cache_dir)
            last = timings.run("cache", lambda: load_main(config.cache_dir)) if cached else Stored()
            if cached and inputs and not whole and not (strict and last.tally and last.tally.errors):
                edit = timings.run("edit", partial(small_edit, config, last, inputs, started))
                built = edit and write_edit(config, last, *edit, inputs, timings, surveyed)
                if built:
                    return built
            main, edit = [last] if cached else [], None  # handed over (see ``whole_build``)
            del last
            # Surveyed again, and a spare site made if there is none to patch up, while the
            # content is read and planned; the first survey, no longer needed, takes no core.
            surveyed.stop()
            with in_background(partial(survey_site, config.output, prepare=True)) as prepared:
                return whole_build(config, timings, strict=strict, cached=cached, inputs=inputs,
                                   main=main.pop() if main else None, surveyed=prepared)
        finally:
            timings.end()


def small_edit(config: Config, last: Stored, inputs: Inputs, started: int
               ) -> tuple[Edits, Redo] | None:
    """Read the files changed since the ``last`` build; return them, and what they change, if
    that is a small edit (``edit.py``); else None."""
    edits = edits_of(config, inputs, last, started)
    found = edits and redo(OnDisk(config, last, edits), edits.changed, config)
    return (edits, found) if edits and found else None


def whole_build(config: Config, timings: Timings, *, strict: bool, cached: bool,
                inputs: Inputs | None, main: Stored | None, surveyed: Callable[[], Surveyed]
                ) -> Built:
    """Read every file (parsing the changed ones), plan every page, and write what changed.

    ``main`` is the cache's main file, if read already, handed over: what it holds and the build
    needs not (120 MB at 100,000 articles) is let go. The caller holds ``site_lock`` on the
    output folder, and ``surveyed`` gives what the folder holds.
    """
    stored = (timings.run("shards", partial(load_state, config.cache_dir, main)) if cached
              else Stored())
    del main  # what of it is kept, ``stored`` holds
    if stored.max_file_size != config.max_file_size:
        stored = Stored(config.max_file_size)
    loaded, used = FileCache(stored.files, store_of(config) if cached else None).read_all(
        config.content, config.max_file_size, inputs.content if inputs else None, timings)
    save, stored = partial(save_files, config.cache_dir, used, stored), replace(stored, files={})
    del used
    # The parse cache's shards, and then the site kept for edits, are saved by other processes
    # while this one joins, plans and renders: on one core, a cold build of 10,000 articles
    # spent a second on them. Those processes take what they save: this one lets go of it.
    # (A strict build saves nothing before it may write.)
    with ExitStack() as background:
        files_saved = background.enter_context(
            in_background(save, again=False) if cached and not strict else nullcontext(save))
        del save
        checked = examine(loaded, config, timings, matches=stored.recall.matches)
        stored = replace(stored, recall=Recall())  # the last join's matches and sitemap: read
        if strict and any(d.severity == "error" for d in checked.diagnostics):
            raise StrictRefusal(checked)
        # Planned before the kept site is saved by another process: the stories clustered
        # here are kept as they are, not clustered again there.
        planner = timings.run("plan", lambda: Planner(checked.site, config))
        kept_saved = background.enter_context(
            in_background(partial(save_kept, config.cache_dir, checked.site,
                                  planner.stories.take_evidence(), planner.stories.found),
                          again=False)
            if cached else nullcontext(str))
        prints, stats, search, rendered = write_planned(config, planner, stored, surveyed,
                                                        timings, cached)
        stored = stored.shards_only()  # all the saving below reads of it
        remember(config, planner.owners)  # the pages' addresses, once they are published
        tallied = tally(checked)
        if cached:
            stamp = Stamp(inputs.key if inputs else "", stats.stamp, tallied.errors,
                          stats.written + stats.unchanged, said(tallied.diagnostics))
            bodies = body_pages(list(checked.joined.articles), planner.settings)
            with saving(config.cache_dir):
                saved = replace(files_saved(), site=kept_saved())
                timings.run("save", lambda: save_state(config.cache_dir, Stored(
                    config.max_file_size, {}, prints, search, stamp, bodies=bodies,
                    frame=inputs.frame if inputs else "", tally=tallied,
                    listed=inputs.shards if inputs else ("",) * SHARDS,
                    recall=Recall.of(checked.joined.matches, planner.listed)), stored, saved))
        return Built(checked, len(prints), stats, timings, tallied, search=config.search,
                     rendered=rendered)


def write_planned(config: Config, planner: Planner, stored: Stored,
                  surveyed: Callable[[], Surveyed], timings: Timings, cached: bool
                  ) -> tuple[dict[str, str], WriteStats, Indexed, int]:
    """Plan every page and write the site, keeping the files of the pages unchanged since the
    ``stored`` build; return the pages' fingerprints, and what ``write_changed`` returns. The
    pages (80 MB at 100,000 articles) are let go before the cache is saved."""
    planned = timings.run("plan", planner.pages)
    give_back_memory()  # what the savers took, before the render workers fork
    previous = timings.run("survey", surveyed)
    # The previous build's pages are reused only from the very output folder it wrote.
    last = stored if stored.stamp.output == previous.live.stamp else Stored()
    prints = timings.run("fingerprint", lambda: fingerprints(planned, config))
    return prints, *write_changed(config, planned, prints, last, lambda: previous, timings,
                                  compiled_templates(config) if cached else None)


def write_edit(config: Config, stored: Stored, edits: Edits, found: Redo, inputs: Inputs,
               timings: Timings, surveyed: Steps[Summary | Surveyed]) -> Built | None:
    """Make the pages a small edit changes, keep every other; None, having written nothing, if
    the output folder is not the one the last build wrote.

    The caller holds ``site_lock`` on the output folder, and ``surveyed`` gives what it holds:
    its step 0 the site in place alone, step 1 the spare site too (``write.survey_steps``).
    """
    assert stored.tally is not None
    tallied, since = stored.tally, stored.since.then(found.edits)
    if found.site is None:  # every page where it was, but those that moved, in the order planned
        prints = {found.moved.get(path, path): print_ for path, print_ in stored.pages.items()}
        # (A page that moved may leave a redirect page in its place.)
        if not prints.keys() >= {page.path for page in found.pages} - found.moved.keys():
            return None  # a page the last build had not: not a small edit after all
    else:  # every page planned again: the site's indexes changed, and so may its counts
        prints, since = {}, found.edits
        tallied = replace(tallied, topics=len(found.site.topics),
                          providers=len(found.site.providers))
    compiled = compiled_templates(config)
    if not found.moved and found.site is None:  # put in place: the spare site is not needed
        def live() -> Summary:
            summary = _summary(surveyed)
            surveyed.stop()
            return summary

        prints.update(timings.run("fingerprint", lambda: fingerprints(found.pages, config)))
        written = write_in_place(config, found.pages, prints, stored, live, timings, compiled)
        return written and saved_edit(config, stored, edits, found, inputs, timings, prints,
                                      since, tallied, written, lambda: stored.site)
    if timings.run("survey", lambda: _summary(surveyed)).stamp != stored.stamp.output:
        return None
    # A site indexed again is kept again, by another process, while this one writes.
    with (in_background(partial(save_kept, config.cache_dir, found.site, *found.clustering),
                        again=False)
          if found.site
          else nullcontext(lambda: stored.site)) as kept_saved:
        prints.update(timings.run("fingerprint", lambda: fingerprints(found.pages, config)))
        written = write_changed(config, found.pages, prints, stored, lambda: _both(surveyed),
                                timings, compiled)
        # Let go of what saving needs no more (the saver has the site): 600 MB at 100k.
        found = replace(found, pages=[], site=None, clustering=({}, None))
        return saved_edit(config, stored, edits, found, inputs, timings, prints, since, tallied,
                          written, kept_saved)


def _summary(surveyed: Steps[Summary | Surveyed]) -> Summary:
    """The site in place in brief: the survey's first step (``write.survey_steps``)."""
    step = surveyed(0)
    assert isinstance(step, Summary)
    return step


def _both(surveyed: Steps[Summary | Surveyed]) -> Surveyed:
    """The site in place and the spare site: the survey's second step."""
    step = surveyed(1)
    assert isinstance(step, Surveyed)
    return step


def saved_edit(config: Config, stored: Stored, edits: Edits, found: Redo, inputs: Inputs,
               timings: Timings, prints: dict[str, str], since: KeptEdits, tallied: Tally,
               written: tuple[WriteStats, Indexed, int], kept_saved: Callable[[], str]) -> Built:
    """Save what an edit ``found`` and ``written`` leaves for the next build; say what it did."""
    stats, search, rendered = written
    remember(config, found.owners)
    recall = stored.recall if found.matches is None else Recall.of(
        found.matches, stored.recall.listing if found.listing is None else found.listing)
    stamp = Stamp(inputs.key, stats.stamp, tallied.errors, stats.written + stats.unchanged,
                  said(tallied.diagnostics))
    with saving(config.cache_dir):
        kept = kept_saved()
        timings.run("save", lambda: save_edits(config.cache_dir, replace(
            stored, pages=prints, search=search, stamp=stamp, listed=inputs.shards,
            recall=recall, since=since, site=kept, tally=tallied),
            edits.changed_shards(), found.bodies))
    return Built(None, len(prints), stats, timings, tallied, search=config.search,
                 rendered=rendered)
