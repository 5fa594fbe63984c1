"""Show how far a long stage has got, on a terminal only; CI logs get the summary alone.

And time each stage, for the summary.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TextIO, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
MIN_ITEMS = 2000
"""Fewer items than this finish in about a second: no bar for them."""
EVERY = 0.1
"""Seconds between redraws, so drawing never costs more than the work."""


def track(items: Iterable[T], label: str, total: int, *, weight=None,  # type: ignore[no-untyped-def]
          stream: TextIO | None = None, least: int = MIN_ITEMS) -> Iterator[T]:
    """Yield ``items``, drawing ``label done/total`` on ``stream`` if it is a terminal.

    ``weight(item)`` says how many of ``total`` one item stands for (a chunk of files); no bar
    for fewer than ``least`` items (network requests take long: a bar from the first).
    """
    out = stream or sys.stderr
    if total < least or not out.isatty():
        yield from items
        return
    done, drawn = 0, 0.0
    for item in items:
        yield item
        done += weight(item) if weight else 1
        if time.monotonic() - drawn >= EVERY or done >= total:
            drawn = time.monotonic()
            out.write(f"\r{label} {done:,}/{total:,} ({done * 100 // max(total, 1)}%)")
            out.flush()
    out.write("\r\033[K")  # clear the line: the summary follows
    out.flush()


@dataclass
class Timings:
    """Seconds spent in each stage, in pipeline order, and in all since they began."""

    stages: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    ended: float | None = None
    """When the work timed ended (``end``); None while it goes on."""

    def end(self) -> None:
        self.ended = time.perf_counter()

    def run(self, name: str, stage: Callable[[], T]) -> T:
        """Run ``stage``, adding the time it takes to stage ``name``'s."""
        start = time.perf_counter()
        result = stage()
        took = time.perf_counter() - start
        self.stages[name] = self.stages.get(name, 0.0) + took
        log.debug("%s took %.3f s", name, took)
        return result

    def each(self, name: str, items: Iterable[T]) -> Iterator[T]:
        """Yield ``items``, counting the time spent making them as stage ``name``."""
        self.stages[name] = 0.0
        source = iter(items)
        while True:
            start = time.perf_counter()
            try:
                item = next(source)
            except StopIteration:
                return
            finally:
                self.stages[name] += time.perf_counter() - start
            yield item

    @property
    def total(self) -> float:
        """Seconds from the start to the end: the stages, and the work between them."""
        return (self.ended or time.perf_counter()) - self.started
