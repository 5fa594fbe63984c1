"""Render the pages that changed and write the site: staged whole, or, for an edit that moves
no page, in place (``inplace.py``), with the search index made as the output is surveyed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from digest.config import Config
from digest.incremental.cache import Stored
from digest.output.inplace import publish
from digest.output.search import Indexed, search_of
from digest.output.staging import work_folder
from digest.output.tree import Summary
from digest.output.write import Finisher, Surveyed, WriteStats, replace_site, with_spare
from digest.plan.page import Page
from digest.progress import Timings, track
from digest.render.pages import Renderer, render, render_many
from digest.theme import static_folders


def write_changed(config: Config, planned: list[Page], prints: dict[str, str], last: Stored,
                  previous: Callable[[], Surveyed], timings: Timings, compiled: Path | None
                  ) -> tuple[WriteStats, Indexed, int]:
    """Render the ``planned`` pages whose fingerprints are not in ``last`` (the last build's
    cache), and stage and swap in the site of every page ``prints`` names, keeping the others'
    files; return what was written, what the search index was made of (``search.Indexed``),
    and how many pages were rendered. ``previous`` gives the output folder, surveyed with the
    spare site beside it; ``compiled`` is where compiled templates are kept, if anywhere."""
    todo = changed(planned, prints, last)
    search, finish = searched(config, prints, last, timings)
    pages = timings.each("render", track(stream(list(prints), todo, config, compiled),
                                         "Rendering", len(todo),
                                         weight=lambda file: file[1] is not None))
    # A spare site to patch up, made if the survey found none (after a cold build, or an edit).
    spare = timings.run("survey", lambda: with_spare(config.output, previous()))
    made = timings.stages.get("render", 0.0) + timings.stages.get("search", 0.0)
    stats = timings.run("write", lambda: replace_site(config.output, spare, pages,
                                                     static_folders(config), finish))
    # Pages are rendered, and the index made, as the site is written: that time was theirs.
    timings.stages["write"] -= (timings.stages.get("render", 0.0)
                                + timings.stages.get("search", 0.0) - made)
    return stats, search(), len(todo)


def write_in_place(config: Config, planned: list[Page], prints: dict[str, str], last: Stored,
                   live: Callable[[], Summary], timings: Timings, compiled: Path | None
                   ) -> tuple[WriteStats, Indexed, int] | None:
    """Render an edit's ``planned`` pages that changed, and put them in place of their
    namesakes (``inplace.publish``), with the search index made from them and the site in
    place while ``live`` surveys it; return as ``write_changed`` does, or None, having written
    nothing, if the output folder is not the one the last build wrote, or lacks a page's file
    (the caller then builds the whole site)."""
    todo = changed(planned, prints, last)
    fresh = dict(timings.run("render", lambda: list(render(todo, config, compiled))))
    search, finish = searched(config, prints, last, timings)
    with ThreadPoolExecutor(1, thread_name_prefix="index") as pool:
        # The index reads the site's pages before it is known to be the one the last build
        # wrote: if it is not, the index is thrown away (only files of the work folder were
        # written), and the whole site is built again.
        index = pool.submit(lambda: list(finish(config.output, fresh))) if finish else None
        summary = timings.run("survey", live)
        if summary.stamp != last.stamp.output:
            return None
        published = timings.run("write", lambda: publish(
            config.output, summary, fresh, index and index.result,
            last.search.files() if index else ()))
    if published is None:
        return None
    summary, written = published
    return WriteStats(written, summary.files - written, summary.stamp), search(), len(todo)


def changed(planned: list[Page], prints: dict[str, str], last: Stored) -> list[Page]:
    """The ``planned`` pages whose fingerprints the ``last`` build had not, in the order of
    ``prints``."""
    position = {path: n for n, path in enumerate(prints)}
    return sorted((page for page in planned if last.pages.get(page.path) != prints[page.path]),
                  key=lambda page: position[page.path])


def searched(config: Config, prints: dict[str, str], last: Stored, timings: Timings
             ) -> tuple[Callable[[], Indexed], Finisher | None]:
    """``search.search_of`` the site, with the output's work folder for scratch; without
    search, no finisher, and an empty index."""
    if not config.search:
        return Indexed, None
    return search_of(prints, last.search, last.pages, timings, work_folder(config.output))


def stream(paths: list[str], todo: list[Page], config: Config, compiled: Path | None
           ) -> Iterator[tuple[str, bytes | None]]:
    """Yield every page's path in order, with bytes for the pages in ``todo`` (in the same order),
    rendered as asked, and None for the rest.

    ``compiled`` is where compiled templates are kept (``render.environment``), if anywhere.
    """
    fresh = render_many(todo, Renderer(config, compiled))
    wanted = {page.path for page in todo}
    for path in paths:
        yield (path, next(fresh)[1]) if path in wanted else (path, None)
