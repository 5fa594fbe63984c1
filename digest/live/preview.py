"""Keep the previewed site in memory and bring it up to date with what a change touches."""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from digest.config import Config
from digest.content import Rendered, gc_paused, produce
from digest.errors import DigestError, TemplateProblem
from digest.incremental.edit import body_pages, redo
from digest.incremental.memory import InMemory
from digest.live.renders import RenderCache
from digest.live.reported import ReportedFiles
from digest.live.watch import ChangeKind, Changes
from digest.model import Diagnostic
from digest.output.write import with_static
from digest.plan.addresses import Owner, moves
from digest.plan.page import Page
from digest.progress import Timings
from digest.read.load import FileResult
from digest.report import shown_path
from digest.theme import static_folders

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
    moved: Mapping[str, str] = field(default_factory=dict)
    """Each article or story page that moved, by its old site path, to its new one: an open
    page follows it."""


def settle() -> None:
    """Collect what a rebuild left, and keep the site it made out of later collections.

    The site in memory is hundreds of thousands of objects the collector tracks, which live until
    the next rebuild: each full collection walked them all, 0.2 s at 10,000 articles, after an
    edit of a few pages. (This one takes as long, once a rebuild.)
    Frozen, they are left alone, and freed as usual once nothing refers to them; only cycles
    among them wait for the next rebuild, which unfreezes them first.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


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
        self._reads = ReportedFiles()
        self._renders = RenderCache()
        self._pages: dict[str, bytes] = {}
        self._static: dict[str, bytes] = {}
        """``.nojekyll`` and the static files, read again only when the watcher reports a change."""
        self._memory: InMemory | None = None
        """What the served site was made from, while it is the build of the files as read: None
        after a refusal, or a rebuild that failed."""
        self._diagnostics: tuple[Diagnostic, ...] = ()
        self._owners: dict[str, Owner] = {}
        """Each article and story page served, by path, to its owner (``addresses.py``)."""
        """The content's problems, as the last whole build found them."""
        self._accepted: frozenset[Diagnostic] | None = None
        """Content errors of the served site; None until a build has succeeded."""
        self._unread_settings: Problem | None = None
        """Why digest.toml could not be read again, while it cannot: the last good settings
        stay in use, and every update names the problem, so that no rebuild hides it."""

    def start(self) -> Update:
        """Build the whole site; its content errors are accepted as they are."""
        self._static = dict(with_static((), static_folders(self.config)))
        return self._rebuild()

    @gc_paused()  # a full collection walks the whole site in memory: 0.25 s at 10,000 articles
    def apply(self, changes: Changes) -> Update:
        """Rebuild what ``changes`` touch; keep the served site if the result has new errors."""
        update = self._apply(changes)
        unread = self._unread_settings
        if unread is None or unread in update.problems:
            return update
        self.problems = (unread, *update.problems)
        return replace(update, problems=self.problems)

    def _apply(self, changes: Changes) -> Update:
        kinds = set(changes.values())
        # Reported before anything can fail: the watcher tells each change once.
        before = self._reads.report({self._content_rel(path): path for path, kind in changes.items()
                                     if kind is ChangeKind.CONTENT})
        if ChangeKind.CONFIG in kinds:
            try:
                self.config = self._reload_config()
            except DigestError as exc:
                self._unread_settings = Problem(
                    "digest.toml", 0, f"{exc} (the last good settings stay in use)")
                return self._refuse((self._unread_settings,))
            self._unread_settings = None
            self._reads.clear()
            self._renders.clear()
        elif ChangeKind.TEMPLATE in kinds:
            self._renders.clear()
        if kinds & {ChangeKind.STATIC, ChangeKind.CONFIG}:
            self._static = dict(with_static((), static_folders(self.config)))
        if kinds <= {ChangeKind.STATIC}:
            return Update(self._publish(self._pages), self.problems)
        if kinds == {ChangeKind.CONTENT}:
            redone = self._redo(before)
            if redone is not None:
                return redone
        return self._rebuild()

    def _redo(self, before: Mapping[str, FileResult | None]) -> Update | None:
        """Make again only the pages the changed files reach, if the edit is small
        (``edit.py``); return None, having changed nothing served, if it is not."""
        memory = self._memory
        if memory is None or not self._reads.listing_holds() or None in before.values():
            return None
        changed = [(rel, old, self._reads.read(rel, self.config.content / rel,
                                               self.config.max_file_size))
                   for rel, old in before.items()]
        try:
            found = redo(memory, changed, self.config)  # type: ignore[arg-type]  # None: returned above
        except DigestError:  # the whole build says why, in full
            return None
        if found is None:
            return None
        # Every page planned again, if the site was indexed again: any other is gone.
        gone = found.moved.keys() if found.site is None else self._pages.keys()
        update = self._serve(found.pages, memory.after(found), gone=gone)
        if update.problems:
            return update
        if found.site is None:  # every other page where it was
            self._owners = {found.moved.get(path, path): aid for path, aid in self._owners.items()}
            return replace(update, moved=found.moved)
        owners, self._owners = self._owners, dict(found.owners)
        return replace(update, moved=moves(owners, self._owners))

    def _serve(self, pages: list[Page], memory: InMemory, gone: Iterable[str] = ()) -> Update:
        """Serve the site with ``pages`` rendered again (and the pages at paths ``gone``
        removed), as ``memory`` remembers it."""
        # Unset until the pages are served: one that fails part-way leaves the next to rebuild.
        self._memory = None
        try:
            fresh = self._renders.refresh(pages, self.config)
        except TemplateProblem as exc:
            return self._refuse((self._template_problem(exc),))
        served = {path: data for path, data in self._pages.items() if path not in gone}
        update = Update(self._publish({**served, **fresh}), (), self._diagnostics)
        self._memory = memory
        return update

    def _rebuild(self) -> Update:
        """Run the pipeline; refuse the result if it fails or has errors the served site has not."""
        self._memory = None  # until this build is served
        timings = Timings()
        try:
            self._reads.prefetch(self.config.content, self.config.max_file_size)
            rendered: Rendered = produce(self.config, timings, drafts=self._drafts,
                                         read=self._reads.read, lister=self._reads.listing,
                                         render_pages=self._renders.render)
        except TemplateProblem as exc:
            return self._refuse((self._template_problem(exc),))
        except DigestError as exc:
            return self._refuse((Problem("", 0, str(exc)),))
        diagnostics = rendered.checked.diagnostics
        errors = frozenset(d for d in diagnostics if d.severity == "error")
        new_errors = errors - self._accepted if self._accepted is not None else frozenset()
        if new_errors:
            return self._refuse(tuple(self._problem(d) for d in diagnostics if d in new_errors))
        self._accepted = errors
        self.problems = ()
        planner, joined = rendered.planner, rendered.checked.joined
        self._diagnostics = diagnostics
        self._memory = InMemory(planner.site, body_pages(list(joined.articles), planner.settings),
                                joined.matches, planner.listed,
                                (planner.stories.evidence, planner.stories.found))
        owners = dict(planner.owners)
        update = Update(self._publish(dict(rendered.files)), (), diagnostics,
                        moved=moves(self._owners, owners))
        self._owners = owners
        settle()
        return update

    def _publish(self, pages: dict[str, bytes]) -> tuple[str, ...]:
        """Serve ``pages`` and the static files; return the paths whose bytes changed."""
        self._pages = pages
        old, new = self.files, {**pages, **self._static}
        changed = tuple(sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p)))
        if changed:
            self.files = new  # before the generation: a reader reads them in the other order
            self.generation += 1
        return changed

    def _refuse(self, problems: tuple[Problem, ...]) -> Update:
        self.problems = problems
        self._memory = None
        return Update((), problems)

    def _template_problem(self, exc: TemplateProblem) -> Problem:
        return Problem(os.path.relpath(self.config.templates / exc.path), exc.line, exc.message)

    def _problem(self, diagnostic: Diagnostic) -> Problem:
        hint = f" ({diagnostic.hint})" if diagnostic.hint else ""
        return Problem(shown_path(self.config, diagnostic.path), diagnostic.line,
                       f"{diagnostic.code}: {diagnostic.message}{hint}")

    def _content_rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.config.content).as_posix()
        except ValueError:
            return path.as_posix()
