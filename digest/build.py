"""Run the pipeline: load, join, index, plan, render, search, write, one timed stage a line."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from digest.config import Config
from digest.index import index
from digest.join import join
from digest.load import load
from digest.model import Diagnostic, Joined, Loaded, Page, Site
from digest.plan import plan
from digest.render import render
from digest.search import search_index
from digest.write import WriteStats, check_output, write_site

log = logging.getLogger(__name__)
T = TypeVar("T")


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
class Built:
    """The result of a build: what was read, what was planned and what was written."""

    checked: Checked
    pages: int
    stats: WriteStats
    timings: Timings
    search: bool = True
    """Whether the search index was built."""


def check(config: Config, timings: Timings, *, drafts: bool = False) -> Checked:
    """Read and join the content and index the site; write nothing."""
    loaded = timings.run("load", lambda: load(config.content, config.max_file_size))
    joined = timings.run("join", lambda: join(loaded))
    site = timings.run("index", lambda: index(
        joined, drafts=drafts, hide_unpublished=config.hide_unpublished))
    return Checked(loaded, joined, site)


def build(config: Config) -> Built:
    """Build the site from ``config.content`` into ``config.output``."""
    check_output(config.output, [config.content, config.root, config.templates, config.static])
    timings = Timings()
    checked = check(config, timings)
    pages: list[Page] = timings.run("plan", lambda: plan(checked.site, config))
    rendered = timings.run("render", lambda: list(render(pages, config)))
    if config.search:
        rendered += timings.run("search", lambda: search_index(rendered))
    stats = timings.run("write", lambda: write_site(config.output, rendered, config.static))
    return Built(checked, len(pages), stats, timings, search=config.search)
