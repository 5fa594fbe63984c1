"""Run the pipeline: load, join, index, plan, render, search, write, one timed stage a line."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from digest.config import Config
from digest.errors import DigestError
from digest.index import index
from digest.join import join
from digest.load import FileResult, load, read_file
from digest.model import Diagnostic, Joined, Loaded, Page, Site
from digest.plan import plan
from digest.render import render
from digest.search import search_index
from digest.write import WriteStats, check_output, write_site

log = logging.getLogger(__name__)
T = TypeVar("T")
Reader = Callable[[str, Path, int], FileResult]
"""Reads one content file: ``load.read_file``, or a caching stand-in for it."""
Renderer = Callable[[Iterable[Page], Config], Iterable[tuple[str, bytes]]]
"""Renders pages: ``render.render``, or a caching stand-in for it."""


@dataclass
class Timings:
    """Seconds spent in each stage, in pipeline order."""

    stages: dict[str, float] = field(default_factory=dict)

    def run(self, name: str, stage: Callable[[], T]) -> T:
        start = time.perf_counter()
        result = stage()
        self.stages[name] = time.perf_counter() - start
        log.debug("%s took %.3f s", name, self.stages[name])
        return result

    @property
    def total(self) -> float:
        return sum(self.stages.values())


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


@dataclass(frozen=True)
class Built:
    """The result of a build: what was read, what was planned and what was written."""

    checked: Checked
    pages: int
    stats: WriteStats
    timings: Timings
    search: bool = True
    """Whether the search index was built."""


def check(config: Config, timings: Timings, *, drafts: bool = False, read: Reader = read_file
          ) -> Checked:
    """Read and join the content and index the site; write nothing."""
    loaded = timings.run("load", lambda: load(config.content, config.max_file_size, read))
    joined = timings.run("join", lambda: join(loaded))
    site = timings.run("index", lambda: index(
        joined, drafts=drafts, hide_unpublished=config.hide_unpublished))
    return Checked(loaded, joined, site)


class StrictRefusal(DigestError):
    """A strict build found errors in the content and wrote nothing."""

    exit_code = 1

    def __init__(self, checked: Checked) -> None:
        super().__init__("--strict: not writing the site while the content has errors")
        self.checked = checked


def build(config: Config, *, strict: bool = False) -> Built:
    """Build the site from ``config.content`` into ``config.output``.

    Everything sound is built; with ``strict``, nothing is written if the content has errors.
    """
    check_output(config.output, [config.content, config.root, config.templates, config.static])
    timings = Timings()
    checked = check(config, timings)
    if strict and any(d.severity == "error" for d in checked.diagnostics):
        raise StrictRefusal(checked)
    files = pages_of(checked, config, timings)
    pages = len(files)
    if config.search:
        files += timings.run("search", lambda: search_index(files))
    stats = timings.run("write", lambda: write_site(config.output, files, config.static))
    return Built(checked, pages, stats, timings, search=config.search)


def produce(config: Config, timings: Timings, *, drafts: bool = False, read: Reader = read_file,
            render_pages: Renderer = render) -> Rendered:
    """Read, join, index, plan and render the site into memory; write nothing."""
    checked = check(config, timings, drafts=drafts, read=read)
    return Rendered(checked, pages_of(checked, config, timings, render_pages))


def pages_of(checked: Checked, config: Config, timings: Timings, render_pages: Renderer = render
             ) -> list[tuple[str, bytes]]:
    """Plan and render every page of a checked site."""
    pages: list[Page] = timings.run("plan", lambda: plan(checked.site, config))
    return timings.run("render", lambda: list(render_pages(pages, config)))
