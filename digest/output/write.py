"""Write the rendered site beside the old one and swap it in whole.

With ``inplace.py`` (an edit's few files), the only module that writes the output folder."""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from digest.errors import OutputError
from digest.output.owned import MARKER, marker, refuse_foreign
from digest.output.staging import Staging, swap, work_folder
from digest.output.tree import STAMP_LENGTH, Summary, Tree, survey
from digest.read.listing import walk

log = logging.getLogger(__name__)

SPARE = "spare-"
"""Names the spare site's folder, followed by its stamp: the site before last, kept in the work
folder to be patched up into the next site (a double buffer)."""
Finisher = Callable[[Path, Mapping[str, bytes]], Iterable[tuple[str, bytes | None]]]
"""Reads the new site (staged, or in place: ``inplace.py``), and the pages not yet written
there, and returns more files for it: the search index."""


@dataclass(frozen=True)
class WriteStats:
    """What the writer did."""

    written: int
    """Files whose content is new or changed."""
    unchanged: int
    """Files identical to the previous build, kept as they were."""
    stamp: str = ""
    """The new output folder's ``Tree.stamp``, known without reading the folder again."""


@contextmanager
def site_lock(output: Path) -> Iterator[None]:
    """Hold an exclusive lock for writing ``output``; refuse at once if another build has it.

    Once it is held, whatever a killed build left beside ``output`` is cleared away first.
    """
    work = work_folder(output)
    try:
        work.mkdir(parents=True, exist_ok=True)
        lock = open(work / "lock", "w")  # noqa: SIM115  # held for the whole block
    except OSError as exc:
        raise OutputError(f"cannot write beside the output folder, in {exc.filename or work}: "
                          f"{exc.strerror}; choose an output folder you can write to") from None
    with lock:
        try:
            # A POSIX lock, not flock(): worker processes forked while it is held (to render
            # pages) do not share it, so a killed build never leaves it held by its workers.
            fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except (BlockingIOError, PermissionError):
            raise OutputError(f"another build is writing {output}; try again when it ends") from None
        _remove_leftovers(output)
        yield


@dataclass(frozen=True)
class Surveyed:
    """The site in place and the spare site beside it, as a build found them."""

    live: Tree
    spare: dict[str, Tree | None]
    """Each folder named as the spare site, by name, and what it holds (None if unreadable)."""

    def patchable(self, output: Path) -> bool:
        """Whether a spare site was found as a build left it: the next build patches it up."""
        return any(_as_left(output, name, tree) for name, tree in self.spare.items())


def with_spare(output: Path, surveyed: Surveyed) -> Surveyed:
    """Return what a survey of ``output`` found, with a spare site made if it found none to
    patch up: a copy of the site in place, of hard links (see ``survey_site``)."""
    if surveyed.patchable(output) or not surveyed.live.files:
        return surveyed
    name = _link_copy(output, surveyed.live)
    return surveyed if name is None else Surveyed(surveyed.live, {**surveyed.spare,
                                                                   name: surveyed.live})


def survey_site(output: Path, *, prepare: bool = False) -> Surveyed:
    """Survey ``output`` and the spare site beside it; the caller holds ``site_lock(output)``.

    With ``prepare``, when no spare site can be taken, one is made: a copy of the site in place,
    of hard links (``_link_copy``), for the build to patch up. The trees' stamps are worked
    out here too: this runs in a process of its own, while the build reads and plans.
    """
    live = _stamped(survey(output))
    surveyed = Surveyed(live, _spares(output, live))
    return _stamped_spares(with_spare(output, surveyed) if prepare else surveyed)


def survey_steps(output: Path) -> Iterator[Summary | Surveyed]:
    """Survey ``output``, then the spare site beside it: ``survey_site`` in two steps.

    The first gives the site in place in brief (``tree.Summary``), with no spare site surveyed
    yet: all that an edit put in place (``inplace.py``) needs. The second gives both sites
    whole. Both only read.
    """
    live = _stamped(survey(output))
    yield live.summary
    yield _stamped_spares(Surveyed(live, _spares(output, live)))


def _spares(output: Path, live: Tree) -> dict[str, Tree | None]:
    """Survey each folder named as the spare site; see ``Surveyed.spare``."""
    spare: dict[str, Tree | None] = {}
    for folder in sorted(spare_folders(output)):
        try:
            # There is one, unless a build was killed: only the first can be taken.
            spare[folder.name] = None if spare else survey(folder, live.files)
        except OSError:  # unreadable, or changing as it is read: not to be trusted
            spare[folder.name] = None
    return spare


def _stamped(tree: Tree) -> Tree:
    """Work out ``tree``'s stamp, a cached property, so that it is pickled with the tree: the
    surveys run in a process of their own, while the build goes on."""
    tree.stamp  # noqa: B018
    return tree


def _stamped_spares(surveyed: Surveyed) -> Surveyed:
    for tree in surveyed.spare.values():
        if tree is not None:
            _stamped(tree)
    return surveyed


def _link_copy(output: Path, live: Tree) -> str | None:
    """Make a copy of the site in place, surveyed as ``live``, of hard links to its files, and
    name it as the spare site; return that name, or None if it cannot be made.

    Its files are the very files in place, so it surveys as ``live`` does and has its stamp. It
    is made under a leftover's name, and renamed once whole.
    """
    copy = work_folder(output) / f"copy-{os.getpid()}"
    name = _spare_name(live.stamp)
    root, at = f"{copy}/", f"{output}/"
    try:
        os.mkdir(copy)
        for folder in sorted(live.folders):  # a folder before those inside it
            os.mkdir(root + folder)
        for rel in live.files:
            os.link(at + rel, root + rel)
        shutil.rmtree(copy.parent / name, ignore_errors=True)  # not as its name says
        copy.rename(copy.parent / name)
    except OSError:  # the site changed meanwhile, or links are refused: staged afresh
        shutil.rmtree(copy, ignore_errors=True)
        return None
    return name


def write_site(output: Path, files: Iterable[tuple[str, bytes | None]], static: Sequence[Path],
               finish: Finisher | None = None) -> WriteStats:
    """Lock ``output`` and replace it with ``files`` and the static files: see ``replace_site``."""
    with site_lock(output):
        return replace_site(output, survey_site(output), files, static, finish)


def replace_site(output: Path, previous: Surveyed, files: Iterable[tuple[str, bytes | None]],
                 static: Sequence[Path], finish: Finisher | None = None) -> WriteStats:
    """Write ``files`` and the files of the ``static`` folders (``with_static``) as the new
    ``output``, atomically for the whole site.

    The caller holds ``site_lock(output)`` and surveyed ``output`` under it as ``previous``.
    A file given as None bytes is kept from ``output`` as it is. ``finish`` may read the
    staged site and return more files (a search index) before the swap. The site swapped out
    is the spare site, and the next build stages its site by patching it up. Nothing is
    written if ``output`` holds a file that no build wrote (``owned.foreign``).
    """
    refuse_foreign(output, previous.live.files)
    staging = work_folder(output) / f"staging-{os.getpid()}"
    held = _take_spare(output, staging, previous.spare)
    if held is None:
        staging.mkdir()
    try:
        stage = Staging(staging, output, previous.live, held or Tree())
        stage.fill(with_static(files, static))
        if finish is not None:
            stage.prune()  # the finisher reads the staged site: none of an older one may be left
            stage.fill(finish(staging, {}))
        stage.prune()
        stage.put(MARKER, marker(stage.files))
        old = swap(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if old is not None:
        _keep_spare(old, output, previous.live.stamp)
    new = Tree(stage.files, frozenset(stage.folders))
    return WriteStats(stage.written, stage.unchanged, new.stamp)


def with_static(files: Iterable[tuple[str, bytes | None]], static: Sequence[Path]
                ) -> Iterator[tuple[str, bytes | None]]:
    """Yield the rendered files, then ``.nojekyll`` and every static file: the whole site.

    A file of a later folder of ``static`` replaces the file of the same name of an earlier one
    (``theme.static_folders``: the site's own over the default theme's)."""
    yield from files
    yield ".nojekyll", b""
    chosen: dict[str, str] = {}
    for folder in static:
        if not folder.is_dir():
            continue
        listing = walk(folder, "static/")
        for problem in listing.problems():
            log.warning("%s: %s; not published (%s)", folder / problem.path, problem.message,
                        problem.hint)
        chosen.update(listing.readable())
    for rel, path in chosen.items():
        yield f"static/{rel}", Path(path).read_bytes()


def _take_spare(output: Path, staging: Path, surveyed: dict[str, Tree | None]) -> Tree | None:
    """Move the spare site to ``staging``; return what it holds (as ``surveyed``).

    It is taken only if it is exactly as the last build left it, or made by ``_link_copy``: its
    stamp is in its name. Anything else found there is deleted.
    """
    taken = None
    for spare in sorted(spare_folders(output)):
        held = surveyed.get(spare.name) if taken is None else None
        if held is not None and _as_left(output, spare.name, held):
            spare.rename(staging)
            taken = held
        else:
            log.info("%s is not as the last build left it; staging the whole site", spare)
            shutil.rmtree(spare, ignore_errors=True)
    return taken


def _as_left(output: Path, name: str, tree: Tree | None) -> bool:
    """Whether the folder ``name``, surveyed as ``tree``, is the spare site as a build left it."""
    return tree is not None and name == _spare_name(tree.stamp)


def _spare_name(stamp: str) -> str:
    return f"{SPARE}{stamp}"


def spare_folders(output: Path) -> list[Path]:
    """Return the folders named as ``output``'s spare site, whatever their stamp."""
    return list(work_folder(output).glob(SPARE + "[0-9a-f]" * STAMP_LENGTH))


def _keep_spare(old: Path, output: Path, stamp: str) -> None:
    """Keep the site just swapped out, whose stamp is ``stamp``, for the next build to patch."""
    try:
        old.rename(work_folder(output) / _spare_name(stamp))
    except OSError:
        shutil.rmtree(old, ignore_errors=True)


def _remove_leftovers(output: Path) -> None:
    """Delete temporary folders left by a build that was killed; keep the spare site.

    A build killed between the two renames of ``_swap``'s fallback leaves the old site aside
    and none in place: that old site is put back first. A build killed while it patched the
    spare site leaves it under its own staging name: it is deleted with the rest.
    """
    work = work_folder(output)
    if not output.exists():
        for aside in sorted(work.glob("old-*")):
            aside.rename(output)
            break
    spare = spare_folders(output)
    for leftover in work.iterdir():
        if leftover.is_dir() and not leftover.is_symlink() and leftover not in spare:
            shutil.rmtree(leftover, ignore_errors=True)
