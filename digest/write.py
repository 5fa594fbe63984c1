"""Write the rendered site beside the old one and swap it in whole. The only module that writes."""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from digest.errors import OutputError

TEMP_PREFIX = ".digest-tmp-"
Finisher = Callable[[Path], Iterable[tuple[str, bytes | None]]]
"""Reads the staged site and returns more files for it, e.g. the search index."""


@dataclass(frozen=True)
class WriteStats:
    """What the writer did."""

    written: int
    """Files whose content is new or changed."""
    unchanged: int
    """Files identical to the previous build, kept as they were."""


def check_output(output: Path, protected: Iterable[Path]) -> None:
    """Refuse an output folder that is, or contains, a folder the build must never replace."""
    out = output.resolve()
    for folder in protected:
        folder = folder.resolve()
        if out == folder or folder.is_relative_to(out):
            raise OutputError(f"the output folder {out} would replace {folder}; "
                              "choose a separate folder such as _site")
    if out.exists() and not out.is_dir():
        raise OutputError(f"the output path {out} is a file, not a folder; "
                          "remove it or choose another output folder")


@contextmanager
def site_lock(output: Path) -> Iterator[None]:
    """Hold an exclusive lock for writing ``output``; refuse at once if another build has it."""
    output.parent.mkdir(parents=True, exist_ok=True)
    lock_path = output.parent / f"{TEMP_PREFIX}{output.name}.lock"
    with open(lock_path, "w") as lock:
        try:
            # A POSIX lock, not flock(): worker processes forked while it is held (to render
            # pages) do not share it, so a killed build never leaves it held by its workers.
            fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except (BlockingIOError, PermissionError):
            raise OutputError(f"another build is writing {output}; try again when it ends") from None
        yield


def write_site(output: Path, files: Iterable[tuple[str, bytes | None]], static: Path | None,
               finish: Finisher | None = None) -> WriteStats:
    """Write ``files`` and the static folder as the new ``output``, atomically for the whole site.

    A file given as None bytes is kept from the previous build's ``output`` as it is.
    ``finish`` may read the staged site and return more files (a search index) before the swap.
    """
    with site_lock(output):
        _remove_leftovers(output)
        staging = output.parent / f"{TEMP_PREFIX}{output.name}-{os.getpid()}"
        staging.mkdir()
        try:
            stats = _fill(staging, output, with_static(files, static))
            if finish is not None:
                more = _fill(staging, output, finish(staging))
                stats = WriteStats(stats.written + more.written, stats.unchanged + more.unchanged)
            _swap(staging, output)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return stats


def _fill(staging: Path, old: Path, files: Iterable[tuple[str, bytes | None]]) -> WriteStats:
    written = unchanged = 0
    folders: set[Path] = set()  # made already: one mkdir a folder, not one a file
    for rel, data in files:
        dest = staging / _safe(rel)
        if dest.parent not in folders:
            dest.parent.mkdir(parents=True, exist_ok=True)
            folders.add(dest.parent)
        if _put(dest, old / rel, data):
            written += 1
        else:
            unchanged += 1
    return WriteStats(written, unchanged)


def with_static(files: Iterable[tuple[str, bytes | None]], static: Path | None
                ) -> Iterator[tuple[str, bytes | None]]:
    """Yield the rendered files, then ``.nojekyll`` and every static file: the whole site."""
    yield from files
    yield ".nojekyll", b""
    if static is not None and static.is_dir():
        for path in sorted(static.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                yield f"static/{path.relative_to(static).as_posix()}", path.read_bytes()


def _safe(rel: str) -> str:
    """Refuse any output path that could land outside the output folder."""
    parts = PurePosixPath(rel).parts
    if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
        raise OutputError(f"refusing to write outside the output folder: {rel!r}")
    return rel


def _put(dest: Path, previous: Path, data: bytes | None) -> bool:
    """Write ``data`` at ``dest``, or link the previous build's identical file; True if new.

    None as ``data`` means the previous build's file, which must be there.
    """
    if data is None:
        try:
            os.link(previous, dest)
        except OSError as exc:
            raise OutputError(f"cannot keep {previous} from the previous build ({exc.strerror}); "
                              "build again with --no-cache") from None
        return False
    try:
        if previous.stat().st_size == len(data) and previous.read_bytes() == data:
            os.link(previous, dest)
            return False
    except OSError:
        pass
    dest.write_bytes(data)
    return True


def _swap(staging: Path, output: Path) -> None:
    """Put ``staging`` in place of ``output`` in one step where the system allows it."""
    if not output.exists():
        staging.rename(output)
        return
    if _exchange(staging, output):
        return
    # No atomic exchange here: move the old site aside first, so it is never half-replaced.
    aside = output.parent / f"{TEMP_PREFIX}{output.name}-old-{os.getpid()}"
    output.rename(aside)
    staging.rename(output)
    shutil.rmtree(aside, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically with Linux's renameat2(RENAME_EXCHANGE)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OutputError(f"cannot replace {b}: {os.strerror(code)}")


def _remove_leftovers(output: Path) -> None:
    """Delete temporary folders left by a build that was killed.

    A build killed between the two renames of ``_swap``'s fallback leaves the old site aside
    and none in place: that old site is put back first.
    """
    if not output.exists():
        for aside in sorted(output.parent.glob(f"{TEMP_PREFIX}{output.name}-old-*")):
            aside.rename(output)
            break
    for leftover in output.parent.glob(f"{TEMP_PREFIX}{output.name}-*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
