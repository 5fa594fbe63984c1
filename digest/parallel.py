"""Spread work over every core in forked worker processes; results come back in order."""

from __future__ import annotations

import ctypes
import gc
import os
import pickle
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import partial
from typing import BinaryIO, Generic, TypeVar

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


def give_back_memory() -> None:
    """Return the memory this process has freed to the system, where the C library can (glibc's
    ``malloc_trim``). Workers forked next start with this process's resident pages, so a freed
    page not given back counts once in each of them (100 MB and more at 100,000 articles)."""
    with suppress(OSError, AttributeError):  # another C library: its own way, or none
        ctypes.CDLL(None).malloc_trim(0)


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
    # Imported here: they cost every build's start 25 ms, and most rebuilds start no workers.
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

    _work = work
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(cores(), mp_context=context, initializer=_start_worker,
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


@contextmanager
def in_background(work: Callable[[], R], *, again: bool = True) -> Iterator[Callable[[], R]]:
    """Start ``work`` in a forked process; give a function that waits for its result.

    For work that is mostly system calls with a small result (surveying the output folder),
    done while this process goes on. Where fork is missing, or there is one core, the work is
    done here when its result is asked for; so it is if the process fails, unless ``again`` is
    false: then this process lets go of ``work``, and of what it holds, once the child has it
    (the parse results and the stories' evidence a build saves: 300 MB at 100,000 articles),
    and the child's error is raised here. The process is gone when the block ends, its result
    asked for or not.
    """
    if cores() < 2 or sys.platform != "linux":
        yield _once(work)
        return
    child, reading = _forked(partial(_background, work))
    redo = work if again else None
    del work

    def collect() -> R:
        with os.fdopen(os.dup(reading), "rb") as stream:
            data = stream.read()
        _, status = os.waitpid(child, 0)
        if status == 0 and data:
            done, result = pickle.loads(data)
            if done:
                return result  # type: ignore[no-any-return]
            if redo is None:
                raise result
        elif redo is None:
            raise ChildProcessError(f"a background process of the build failed ({status})")
        return redo()

    try:
        yield _once(collect)
    finally:
        os.close(reading)  # a child still writing gets EPIPE, and leaves
        with suppress(ChildProcessError):  # waited for already, if its result was collected
            os.waitpid(child, 0)


class Steps(Generic[R]):
    """The results of work done in steps in a forked process (``in_background_steps``)."""

    def __init__(self, work: Callable[[], Iterator[R]], child: int | None,
                 stream: BinaryIO | None) -> None:
        self._work, self._child, self._stream = work, child, stream
        # One unpickler for every step, as one pickler wrote them: what a step shares with an
        # earlier one (the site in place, in the survey beside the spare site) is one object
        # here too, not a copy (80 MB at 100,000 articles).
        self._unpickler = None if stream is None else pickle.Unpickler(stream)
        self._got: list[R] = []
        self._here = _stepwise(work(), []) if child is None else None
        """Where the steps are done in this process: with no child, or once it failed or stopped."""

    def __call__(self, n: int) -> R:
        """Return step ``n``'s result (from 0), waiting for that step only."""
        if self._here is None:
            try:
                while len(self._got) <= n:
                    self._got.append(self._unpickler.load())  # type: ignore[union-attr]
            except (EOFError, pickle.UnpicklingError, OSError, ValueError):  # failed, or stopped
                self._here = _stepwise(self._work(), [])
        return self._got[n] if n < len(self._got) else self._here(n)  # type: ignore[misc]

    def stop(self) -> None:
        """End the process, whatever steps it has not done (they would only take a core from
        the build): a step asked for after that is done here."""
        if self._child is None:
            return
        self._stream.close()  # type: ignore[union-attr]
        with suppress(ProcessLookupError):
            os.kill(self._child, signal.SIGKILL)
        with suppress(ChildProcessError):
            os.waitpid(self._child, 0)
        self._child = None


@contextmanager
def in_background_steps(work: Callable[[], Iterator[R]]) -> Iterator[Steps[R]]:
    """Start ``work``, a generator of results in steps, in a forked process; give its ``Steps``,
    each step's result as soon as it is made.

    For work whose first results are wanted sooner than the rest (the output folder surveyed
    before the spare site beside it). The process is killed when the block ends (or by
    ``Steps.stop``), whatever steps it has not done yet: ``work`` must be safe to stop at any
    point (only reading). Where fork is missing, or there is one core, or the process fails,
    the steps are done here as asked.
    """
    if cores() < 2 or sys.platform != "linux":
        yield Steps(work, None, None)
        return
    child, reading = _forked(partial(_background_steps, work))
    steps = Steps(work, child, os.fdopen(reading, "rb"))
    try:
        yield steps
    finally:
        steps.stop()


def _forked(run: Callable[[int, int, int], None]) -> tuple[int, int]:
    """Fork a child that calls ``run(parent, reading, writing)`` with a pipe's two ends, and
    exits there; return the child's pid and the reading end."""
    parent = os.getpid()
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover  (the child's coverage is not collected)
        run(parent, reading, writing)
    os.close(writing)
    return child, reading


def _stepwise(steps: Iterator[R], got: list[R]) -> Callable[[int], R]:
    """Return a function giving step ``n`` of ``steps``, taking them only as far as asked."""
    def step(n: int) -> R:
        while len(got) <= n:
            got.append(next(steps))
        return got[n]

    return step


def _background_steps(work: Callable[[], Iterator[object]], parent: int, reading: int,
                      writing: int) -> None:
    """Do ``work`` in the forked child, writing each step's result, pickled, as it is made."""
    status = 1
    try:
        os.close(reading)
        _die_with_parent(parent)
        with os.fdopen(writing, "wb") as stream:
            pickler = pickle.Pickler(stream, protocol=pickle.HIGHEST_PROTOCOL)  # see Steps
            for result in work():
                pickler.dump(result)
                stream.flush()
        status = 0
    finally:
        os._exit(status)


def _background(work: Callable[[], object], parent: int, reading: int, writing: int) -> None:
    """Do ``work`` in the forked child and write its result, pickled, to ``writing``; exit."""
    status = 1
    try:
        os.close(reading)
        _die_with_parent(parent)
        try:
            data = pickle.dumps((True, work()), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # told to the parent, which raises it or does the work again
            data = pickle.dumps((False, _picklable(exc)), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(writing, "wb") as stream:
            stream.write(data)
        status = 0
    finally:
        os._exit(status)


def _picklable(error: Exception) -> Exception:
    """Return ``error``, or a plain one saying the same where it cannot be pickled."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def _once(work: Callable[[], R]) -> Callable[[], R]:
    """Return a function that does ``work`` when first called, and gives its result again after."""
    got: list[R] = []

    def result() -> R:
        if not got:
            got.append(work())
        return got[0]

    return result


def chunks(items: Sequence[T], per_core: int = 4, most: int | None = None) -> list[Sequence[T]]:
    """Cut ``items`` into a few chunks per core: big enough to be worth sending, small enough
    to keep every core busy to the end; and of at most ``most`` items, if given."""
    size = max(1, -(-len(items) // (cores() * per_core)))
    if most is not None:
        size = min(size, most)
    return [items[i:i + size] for i in range(0, len(items), size)]


def _start_worker(parent: int) -> None:
    """Ready a forked worker: to die with the build, and to collect its own cyclic garbage."""
    _die_with_parent(parent)
    # The build pauses the collector; a worker would then keep every reference cycle its work
    # leaves (rendering a page with macros leaves some: at 100,000 articles, 700 MB a render
    # worker). What it inherited is frozen, so that collections pass over its own objects only.
    gc.freeze()
    gc.enable()


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
