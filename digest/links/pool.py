"""Run requests concurrently, but politely: a few at once to any one host, spaced apart."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from itertools import zip_longest
from typing import TypeVar
from urllib.parse import urlsplit

from digest.config import LinkSettings

T = TypeVar("T")
WORKERS = 16
"""Requests at once over all hosts."""


class Host:
    """One host's turn-taking: at most ``per_host`` requests at once, ``delay`` seconds apart."""

    def __init__(self, per_host: int, delay: float) -> None:
        self._slots = threading.Semaphore(per_host)
        self._lock = threading.Lock()
        self._delay = delay
        self._next = 0.0

    def __enter__(self) -> Host:
        self._slots.acquire()
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._delay
        time.sleep(start - now)
        return self

    def __exit__(self, *_: object) -> None:
        self._slots.release()


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def interleaved(urls: list[str]) -> list[str]:
    """Order URLs one host after another, so that workers are rarely all waiting on one."""
    by_host: dict[str, list[str]] = {}
    for url in urls:
        by_host.setdefault(host_of(url), []).append(url)
    return [url for row in zip_longest(*by_host.values()) for url in row if url is not None]


def pooled(urls: list[str], work: Callable[[str], T], settings: LinkSettings,
           hosts: Callable[[str], str] = host_of) -> Iterator[tuple[str, T]]:
    """Yield (url, work(url)) for every URL as each is done, ``hosts(url)`` naming the host
    whose turn it takes. Stopping early (an interrupt) cancels the requests not yet started."""
    gates: dict[str, Host] = {}
    for url in urls:
        gates.setdefault(hosts(url), Host(settings.per_host, settings.delay))

    def run(url: str) -> T:
        with gates[hosts(url)]:
            return work(url)

    pool = ThreadPoolExecutor(max_workers=min(WORKERS, max(1, len(urls))),
                              thread_name_prefix="digest-links")
    pending: dict[Future[T], str] = {}
    try:
        pending = {pool.submit(run, url): url for url in interleaved(urls)}
        for future in as_completed(list(pending)):  # not wait() in a loop: quadratic
            yield pending.pop(future), future.result()
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
