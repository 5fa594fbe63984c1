"""Search under ``digest serve``: the index of the site in memory, its bundles made again in the
background after each change while the last index is served (the search page says so)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

from digest.errors import SearchError
from digest.output.pagefind import Indexers
from digest.output.search import LISTING, MAIN, index_bundles, indexed_digest, listing, plan_bundles, tool_key

log = logging.getLogger(__name__)


class LiveSearch:
    """The search index of the served site, as files by site path under ``pagefind/``."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        """Replaced whole, never changed: a reader holds one index."""
        self.failed = ""
        """Why the last refresh failed, if it did."""
        self._bundles: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._digests: dict[str, tuple[bytes, str]] = {}
        """Site path to the bytes last digested and their ``indexed_digest``."""
        self._wanted: Mapping[str, bytes] | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False

    @property
    def refreshing(self) -> bool:
        return self._thread is not None

    def file(self, path: str) -> bytes | None:
        """Return the index's file at site path ``path``; the listing says if it is refreshing."""
        if path == LISTING:
            return listing(self._months(), refreshing=self.refreshing)
        return self.files.get(path)

    def start(self, site: Mapping[str, bytes]) -> None:
        """Index the main bundle of ``site`` now (Pagefind's scripts are in it), the rest in the
        background."""
        try:
            self._index(site, only_main=True)
        except SearchError as exc:
            self._failed(exc)
        self.refresh(site)

    def refresh(self, site: Mapping[str, bytes]) -> None:
        """Bring the index up to date with ``site`` in the background; the latest site wins."""
        with self._lock:
            self._wanted = site
            if self._thread is None and not self._stopping:
                self._thread = threading.Thread(target=self._run, name="digest-search", daemon=True)
                self._thread.start()

    def wait(self) -> None:
        """Wait until the index is up to date with the last site given."""
        while (thread := self._thread) is not None:
            thread.join()

    def stop(self) -> None:
        """Let a refresh under way end, and start no other."""
        with self._lock:
            self._stopping = True
            thread = self._thread
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        while True:
            with self._lock:
                site, self._wanted = self._wanted, None
                if site is None or self._stopping:
                    self._thread = None
                    return
            try:
                self._index(site)
                self.failed = ""
            except SearchError as exc:
                self._failed(exc)
            except Exception:  # the thread must not die silently: the page would wait forever
                log.exception("the search index could not be refreshed")

    def _index(self, site: Mapping[str, bytes], only_main: bool = False) -> None:
        digests = {}
        for path, data in site.items():
            if path.endswith(".html"):
                before = self._digests.get(path)
                digests[path] = before if before and before[0] is data else (
                    data, indexed_digest(data))
        bundles = plan_bundles({path: digest for path, (_, digest) in digests.items()})
        if only_main:
            bundles = {MAIN: bundles[MAIN]}
        made = dict(self._bundles)
        files = dict(self.files)
        with Indexers() as indexers:
            for path, data in index_bundles(indexers, bundles, made, tool_key(), site.__getitem__):
                if data is not None:
                    files[path] = data
        if not only_main:
            made = {name: made[name] for name in bundles}
        wanted = {path for _, paths in made.values() for path in paths}
        self._digests = {path: digests[path] for path in digests}
        self._bundles = made
        self.files = {path: data for path, data in files.items() if path in wanted}

    def _months(self) -> list[str]:
        return [name for name in self._bundles if name != MAIN]

    def _failed(self, exc: SearchError) -> None:
        self.failed = str(exc)
        log.warning("%s", exc)
