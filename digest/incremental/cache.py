"""Save what a build read and planned (``Stored``) in the cache folder, and read it back."""

from __future__ import annotations

import hmac
import logging
import pickle
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from digest.incremental.files import Entries
from digest.incremental.kept import KeptEdits
from digest.incremental.sealed import checksum, replace_file
from digest.incremental.stamp import CACHE_FILE, HEADER, SHARDS, Stamp, read_main, shard_of, write_main
from digest.incremental.store import FOLDER as BODIES
from digest.incremental.store import remove, stored_names, unnamed
from digest.model import Matches, Tally
from digest.output.search import Indexed
from digest.plan.feeds import Listed

if TYPE_CHECKING:
    from digest.plan.article import BodyPage

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Recall:
    """The join's ``Matches`` and the sitemap's listing, as a build left them: what a whole
    build or a record edit reads of the last one, and a body edit does not (24 MB at 100,000
    articles). Kept pickled in the main file, unpickled when first asked for, and saved again
    as read while no edit changes them."""

    data: bytes = b""

    @staticmethod
    def of(matches: Matches, listing: Listed) -> Recall:
        return Recall(pickle.dumps((matches, listing), protocol=pickle.HIGHEST_PROTOCOL))

    @cached_property
    def _both(self) -> tuple[Matches, Listed]:
        # Unpickled only from a main file whose seal was checked (``load_main``).
        return pickle.loads(self.data) if self.data else (Matches(), [])

    @property
    def matches(self) -> Matches:
        """What the join's content matching found (``join.join``)."""
        return self._both[0]

    @property
    def listing(self) -> Listed:
        """The pages the sitemap lists (``feeds.sitemap_listing``)."""
        return self._both[1]

    def __getstate__(self) -> dict[str, bytes]:
        return {"data": self.data}  # not what was unpickled of it


@dataclass
class Stored:
    """What one successful build leaves for the next."""

    max_file_size: int = 0
    """The limit the files were read under; another limit means reading them again."""
    files: Entries = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)
    """Site path to the fingerprint of what its page was rendered from, in the order planned."""
    search: Indexed = field(default_factory=Indexed)
    """What the search index's bundles were made of, and their files (``output/search.py``)."""
    stamp: Stamp = field(default_factory=Stamp)
    shards: tuple[str, ...] = ()
    """The checksum of each shard file ``files`` was read from; "" for one that was not."""
    listed: tuple[str, ...] = ()
    """For each shard, the digest of its files and their signatures (``Inputs.shards``)."""
    bodies: dict[str, BodyPage] = field(default_factory=dict)
    """Body file to the page of the published article it is joined to: saved in shards of
    their own, and read only by a build after an edit of those bodies (``load_body_pages``)."""
    body_shards: tuple[str, ...] = ()
    """The checksum of each shard file of ``bodies``."""
    frame: str = ""
    """``Inputs.frame`` of the build: digest's version, the config, templates and static files."""
    tally: Tally | None = None
    recall: Recall = field(default_factory=Recall)
    site: str = ""
    """The checksum of the ``kept.Kept`` site the last whole build saved; "" for none."""
    since: KeptEdits = field(default_factory=KeptEdits)
    """What small edits changed of that site since (``edit.py``)."""

    def shards_only(self) -> Stored:
        """Return the checksums of the shards alone: all that ``save_state`` compares a new
        state with, once ``save_files`` has saved the files."""
        return Stored(self.max_file_size, shards=self.shards, body_shards=self.body_shards)


def shard_path(folder: Path, shard: int) -> Path:
    return folder / f"files-{shard:02x}.pickle"


def body_shard_path(folder: Path, shard: int) -> Path:
    return folder / f"bodies-{shard:02x}.pickle"


def load_main(folder: Path) -> Stored:
    """Read the cache's main file, without the shards; a missing or damaged one counts as empty."""
    path = folder / CACHE_FILE
    try:
        found = read_main(folder, 3)  # unpickled only if sealed: a cache from elsewhere may run code
        if found is None:
            raise ValueError("not sealed by this user's digest")
        if found[0] != HEADER:
            log.info("cache %s is from another digest version; rebuilding it", path)
            return Stored()
        state = pickle.loads(found[2])
    except FileNotFoundError:
        return Stored()
    except Exception as exc:  # unpickling damaged data fails in many ways; none is trusted
        log.warning("cache %s is damaged (%s); rebuilding it", path,
                    exc if isinstance(exc, ValueError) else type(exc).__name__)
        return Stored()
    if not (isinstance(state, Stored)
            and len(state.shards) == len(state.listed) == len(state.body_shards) == SHARDS):
        log.warning("cache %s holds something else; rebuilding it", path)
        return Stored()
    return state


def load_state(folder: Path, main: Stored | None = None) -> Stored:
    """Read the cache in ``folder``, but the body pages; a missing, damaged or outdated one
    counts as empty. So does a damaged or stale shard: only its files are read again.

    ``main`` is its main file when the caller has read it already (``load_main``).
    """
    state = load_main(folder) if main is None else main
    if not state.shards:
        return state
    files: Entries = {}
    shards, listed = list(state.shards), list(state.listed)
    for shard, entries in load_shards(folder, state, range(SHARDS)).items():
        if entries is None:
            shards[shard] = listed[shard] = ""
        else:
            files.update(entries)
    return replace(state, files=files, shards=tuple(shards), listed=tuple(listed))


def load_shards(folder: Path, state: Stored, which: Iterable[int]) -> dict[int, Entries | None]:
    """Read the file shards ``which`` of the cache whose main file is ``state``; None for a bad one."""
    return {shard: _load_shard(shard_path(folder, shard), state.shards[shard]) for shard in which}


def load_body_pages(folder: Path, state: Stored, shard: int) -> dict[str, BodyPage] | None:
    """Read the body pages of one shard of the cache whose main file is ``state``."""
    return _load_shard(body_shard_path(folder, shard), state.body_shards[shard])


def _load_shard(path: Path, expected: str) -> dict | None:  # type: ignore[type-arg]
    """Read one shard; None, with a warning, unless it is the very file the cache names."""
    if not expected:
        return None
    try:
        data = path.read_bytes()
        if not hmac.compare_digest(checksum(data), expected):  # as any pickle may run code
            raise ValueError("not the shard this cache was saved with")
        entries = pickle.loads(data)
        if not isinstance(entries, dict):
            raise TypeError("not a shard")
        return entries
    except Exception as exc:  # whatever is wrong, its files are read again, never trusted
        log.warning("cache shard %s is damaged or stale (%s); reading its files again",
                    path, exc if isinstance(exc, ValueError) else type(exc).__name__)
        return None


Written = dict[int, str]
"""File shards written: for each, its checksum."""


@dataclass(frozen=True)
class SavedFiles:
    """What ``save_files`` did, and found."""

    written: Written
    unnamed: tuple[str, ...]
    """The files of the body store that none of the entries names. ``save_state`` deletes them
    only once it has written the main file: until then the last build's cache, which may name
    them, is the one in place."""
    site: str = ""
    """The checksum of the site kept for builds after an edit (``kept.Kept``), if one was saved."""


def save_state(folder: Path, state: Stored, previous: Stored | None = None,
               saved: SavedFiles | None = None) -> None:
    """Write the cache, rewriting only the shards that differ from ``previous``'s.

    ``previous`` is the state as ``load_state`` read it: a file shard is kept if its entries are
    the very objects read from it, a body pages shard if its bytes are the same. ``saved`` is
    what ``save_files`` returned for ``state.files``, if the file shards were saved already.
    """
    old = _comparable(previous)
    if saved is None:
        saved = save_files(folder, state.files, previous)
    body_shards = list(old.body_shards or ("",) * SHARDS)
    for shard, pages in enumerate(_split(state.bodies)):
        data = pickle.dumps(pages, protocol=pickle.HIGHEST_PROTOCOL) if pages else b""
        tag = checksum(data) if data else ""
        if data and tag != body_shards[shard]:
            folder.mkdir(parents=True, exist_ok=True)
            replace_file(body_shard_path(folder, shard), data)
        elif not data:  # none: no file ("" names none)
            body_shard_path(folder, shard).unlink(missing_ok=True)
        body_shards[shard] = tag
    _save_main(folder, replace(state, shards=old.shards or ("",) * SHARDS,
                               body_shards=tuple(body_shards), site=saved.site), saved.written)
    remove(folder / BODIES, saved.unnamed)


def save_edits(folder: Path, state: Stored, changed: dict[int, Entries],
               pages: dict[str, BodyPage]) -> None:
    """Write the ``changed`` file shards, the body ``pages`` into their shards, and the main
    file: for a build that read only the files changed since the last one (``state`` is the
    main file it read, as it is to be saved)."""
    body_shards = list(state.body_shards)
    for shard, updates in enumerate(_split(pages)):
        if updates:
            kept = load_body_pages(folder, state, shard) or {}
            data = pickle.dumps({**kept, **updates}, protocol=pickle.HIGHEST_PROTOCOL)
            replace_file(body_shard_path(folder, shard), data)
            body_shards[shard] = checksum(data)
    _save_main(folder, replace(state, body_shards=tuple(body_shards)),
               _write_shards(folder, changed))


def save_files(folder: Path, files: Entries, previous: Stored | None = None) -> SavedFiles:
    """Write the file shards whose entries differ from ``previous``'s (as for ``save_state``),
    and find the stored texts and related coverage that ``files`` no longer name.

    The shards name no cache until ``save_state`` writes the main file: a build may save them
    early, in the background, and a build that fails after leaves shards that no main file
    names. Nothing is deleted here.
    """
    old = _comparable(previous)
    old_files = _split(old.files)
    written = _write_shards(folder, {
        shard: entries for shard, entries in enumerate(_split(files))
        if not (old.shards and old.shards[shard] and _same_entries(entries, old_files[shard]))})
    keep = stored_names(result for _, result in files.values())
    return SavedFiles(written, tuple(unnamed(folder / BODIES, keep)))


def _comparable(previous: Stored | None) -> Stored:
    """Return ``previous`` if its shards can be compared with a new state's, else an empty one."""
    return previous if previous is not None and len(previous.shards) == SHARDS else Stored()


def _write_shards(folder: Path, changed: dict[int, Entries]) -> Written:
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for shard, entries in changed.items():
        data = pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
        replace_file(shard_path(folder, shard), data)
        written[shard] = checksum(data)
    return written


def _save_main(folder: Path, state: Stored, written: Written) -> None:
    """Write the main file: ``state``, its shards' checksums updated with those ``written``."""
    folder.mkdir(parents=True, exist_ok=True)
    checksums = list(state.shards)
    for shard, crc in written.items():
        checksums[shard] = crc
    main = replace(state, files={}, bodies={}, shards=tuple(checksums))
    write_main(folder / CACHE_FILE, state.stamp, main)


def _split(items: dict[str, T]) -> list[dict[str, T]]:
    """Deal ``items``, keyed by content file, to their shards."""
    parts: list[dict[str, T]] = [{} for _ in range(SHARDS)]
    for rel, item in items.items():
        parts[shard_of(rel)][rel] = item
    return parts


def _same_entries(new: dict[str, object], old: dict[str, object]) -> bool:
    """Whether ``new`` holds the very objects ``old`` does: entries read from the cache, unchanged."""
    return len(new) == len(old) and all(old.get(rel) is entry for rel, entry in new.items())
