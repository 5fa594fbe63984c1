"""Keep the previewed site in memory and bring it up to date with what a change touches."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from digest.build import Rendered, Timings, fingerprints, produce
from digest.cache import FileCache
from digest.config import Config
from digest.errors import DigestError, TemplateProblem
from digest.model import Diagnostic, Page
from digest.render import render
from digest.report import shown_path
from digest.watch import ChangeKind, Changes
from digest.write import with_static

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    """Why the site could not be updated: shown in the terminal and over every open page."""

    file: str
    line: int
    """1-based, or 0 when the problem concerns the whole file."""
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


@dataclass(frozen=True)
class Update:
    """What one rebuild did."""

    changed: tuple[str, ...]
    """Site paths whose bytes were added, changed or removed."""
    problems: tuple[Problem, ...]
    """Why the site is not up to date; empty when it is."""
    diagnostics: tuple[Diagnostic, ...] = ()


class RenderCache:
    """Each page's bytes, reused while its fingerprint is unchanged: the build's test, made on
    the plan's keys, so that pages nobody changed have no context made and none compared."""

    def __init__(self) -> None:
        self._pages: dict[str, tuple[str, bytes]] = {}
        """Site path to the page's fingerprint and bytes."""

    def render(self, pages: Iterable[Page], config: Config) -> Iterator[tuple[str, bytes]]:
        """Render the pages whose fingerprint changed; reuse the others' bytes."""
        pages = list(pages)
        prints = fingerprints(pages, config)
        todo = [page for page in pages if self._pages.get(page.path, ("",))[0] != prints[page.path]]
        fresh = {page.path: (prints[page.path], data) for page, (_, data)
                 in zip(todo, render(todo, config), strict=True)}
        self._pages = {page.path: fresh.get(page.path) or self._pages[page.path] for page in pages}
        return iter([(page.path, self._pages[page.path][1]) for page in pages])

    def clear(self) -> None:
        self._pages.clear()


class Preview:
    """The site as served: the last good build, in memory, and how to bring it up to date."""

    def __init__(self, config: Config, reload_config: Callable[[], Config], *, drafts: bool) -> None:
        self.config = config
        self.files: dict[str, bytes] = {}
        """Site path to bytes: replaced whole, never changed in place, so readers need no lock."""
        self.generation = 0
        """Counts the updates of ``files``."""
        self.problems: tuple[Problem, ...] = ()
        self._reload_config = reload_config
        self._drafts = drafts
        self._reads = FileCache()
        self._renders = RenderCache()
        self._pages: list[tuple[str, bytes]] = []
        self._accepted: frozenset[Diagnostic] | None = None
        """Content errors of the served site; None until a build has succeeded."""

    def start(self) -> Update:
        """Build the whole site; its content errors are accepted as they are."""
        return self._rebuild()

    def apply(self, changes: Changes) -> Update:
        """Rebuild what ``changes`` touch; keep the served site if the result has new errors."""
        kinds = set(changes.values())
        if ChangeKind.CONFIG in kinds:
            try:
                self.config = self._reload_config()
            except DigestError as exc:
                return self._refuse((Problem("digest.toml", 0, str(exc)),))
            self._reads.clear()
            self._renders.clear()
        elif ChangeKind.TEMPLATE in kinds:
            self._renders.clear()
        self._reads.forget(self._content_rel(path) for path, kind in changes.items()
                           if kind is ChangeKind.CONTENT)
        if kinds <= {ChangeKind.STATIC}:
            return Update(self._publish(self._pages), self.problems)
        return self._rebuild()

    def _rebuild(self) -> Update:
        """Run the pipeline; refuse the result if it fails or has errors the served site has not."""
        timings = Timings()
        try:
            rendered: Rendered = produce(self.config, timings, drafts=self._drafts,
                                         read=self._reads.read, render_pages=self._renders.render)
        except TemplateProblem as exc:
            shown = os.path.relpath(self.config.templates / exc.path)
            return self._refuse((Problem(shown, exc.line, exc.message),))
        except DigestError as exc:
            return self._refuse((Problem("", 0, str(exc)),))
        diagnostics = rendered.checked.diagnostics
        errors = frozenset(d for d in diagnostics if d.severity == "error")
        new_errors = errors - self._accepted if self._accepted is not None else frozenset()
        if new_errors:
            return self._refuse(tuple(self._problem(d) for d in diagnostics if d in new_errors))
        self._accepted = errors
        self.problems = ()
        return Update(self._publish(rendered.files), (), diagnostics)

    def _publish(self, pages: list[tuple[str, bytes]]) -> tuple[str, ...]:
        """Serve ``pages`` and the static files; return the paths whose bytes changed."""
        self._pages = pages
        old, new = self.files, dict(with_static(pages, self.config.static))
        changed = tuple(sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p)))
        if changed:
            self.files = new  # before the generation: a reader reads them in the other order
            self.generation += 1
        return changed

    def _refuse(self, problems: tuple[Problem, ...]) -> Update:
        self.problems = problems
        return Update((), problems)

    def _problem(self, diagnostic: Diagnostic) -> Problem:
        hint = f" ({diagnostic.hint})" if diagnostic.hint else ""
        return Problem(shown_path(self.config, diagnostic.path), diagnostic.line,
                       f"{diagnostic.code}: {diagnostic.message}{hint}")

    def _content_rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.config.content).as_posix()
        except ValueError:
            return path.as_posix()


