"""Spread work over every core in forked worker processes; results come back in order."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

PR_SET_PDEATHSIG = 1
PARALLEL_MIN = 300
"""Below this many items, starting worker processes costs more than it saves."""
_work: Callable[..., object] | None = None
"""The function the workers run: set before they fork, so it needs no pickling."""


def cores() -> int:
    """Return how many cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def fork_map(work: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
    """Yield ``work(item)`` for each item, computed in one forked worker process per core.

    A forked worker sees the parent's memory as it was, so ``work`` may be a closure over the
    whole site; only the items and the results are pickled. Where fork is missing, or there is
    one core, the items are worked through here.
    """
    global _work
    if cores() < 2 or sys.platform != "linux":
        yield from map(work, items)
        return
    _work = work
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(cores(), mp_context=context, initializer=_die_with_parent,
                                 initargs=(os.getpid(),)) as pool:
            # A few items in flight per core: enough to keep them busy, while results that the
            # caller has not taken yet (rendered pages) never pile up in memory.
            pending: deque[Future[object]] = deque()
            for item in items:
                pending.append(pool.submit(_run, item))
                if len(pending) > 2 * cores():
                    yield pending.popleft().result()  # type: ignore[misc]
            while pending:
                yield pending.popleft().result()  # type: ignore[misc]
    finally:
        _work = None


def chunks(items: Sequence[T], per_core: int = 4, most: int | None = None) -> list[Sequence[T]]:
    """Cut ``items`` into a few chunks per core: big enough to be worth sending, small enough
    to keep every core busy to the end; and of at most ``most`` items, if given."""
    size = max(1, -(-len(items) // (cores() * per_core)))
    if most is not None:
        size = min(size, most)
    return [items[i:i + size] for i in range(0, len(items), size)]


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when the build that forked it dies, even by SIGKILL:
    an orphaned worker would wait for work forever."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    # A build killed between the fork and the line above is not reported: already orphaned.
    if os.getppid() != parent:
        os._exit(1)


def _run(item: T) -> object:
    assert _work is not None
    return _work(item)
