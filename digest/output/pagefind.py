"""Talk to Pagefind's indexing service, one index at a time, and check every file it hands back.

Pagefind's own Python wrapper waits a tenth of a second before reading each answer and reads
at most 2 MiB at once (a bigger answer hangs it), and its ``write_files`` answers before the
files are on disk (3 builds in 25 published cut-off files). So this module speaks the service's
protocol itself: each message is base64 of JSON, ended by a comma, answered in order; the files
come back in memory (``GetFiles``), never through a folder that could be read half written.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import selectors
import subprocess
import tempfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from queue import SimpleQueue
from typing import Any, TypeVar

from digest.errors import SearchError
from digest.output.stable import stable
from digest.parallel import cores

R = TypeVar("R")

STEP_TIMEOUT = 30.0
"""Seconds Pagefind may take to start, to index one page, or to hand back a bundle of them."""
RUNTIME_SIZES = {
    "1.5.2": {"pagefind.js": 45555, "pagefind-highlight.js": 44352, "pagefind-worker.js": 41255,
              "pagefind-ui.js": 119987, "pagefind-ui.css": 14482, "pagefind-modular-ui.js": 14634,
              "pagefind-modular-ui.css": 7336, "pagefind-component-ui.js": 175488,
              "pagefind-component-ui.css": 41830, "wasm.unknown.pagefind": 68024},
}
"""The fixed-size files of the Pagefind versions the build knows: a file of another size is cut off."""
GZIPPED = (".pf_meta", ".pf_fragment", ".pf_index", ".pf_filter", ".pagefind")
"""Pagefind's gzipped files: each carries its length and CRC, so a cut-off one fails to inflate."""


def executable() -> Path:
    """Return the Pagefind binary, or raise a SearchError saying how to get one."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        raise SearchError(missing("the pagefind package is not installed")) from None
    found = get_executable()
    if found is None:
        raise SearchError(missing("the pagefind binary was not found"))
    return Path(found)


def missing(reason: str) -> str:
    return (f"cannot build the search index: {reason}; install it with "
            "pip install 'pagefind[bin]', or set search = false in digest.toml "
            "to build without search")


class Indexer:
    """One Pagefind service process, indexing one bundle at a time (so memory holds one)."""

    def __init__(self) -> None:
        # Started by the first bundle to index: most builds keep every bundle.
        self._process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115  # Pagefind's own messages, for errors
        self._sent = 0
        self._buffer = bytearray()

    def _start(self) -> subprocess.Popen[bytes]:
        try:
            return subprocess.Popen(
                [str(executable()), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=self._log, cwd=tempfile.gettempdir())
        except OSError as exc:
            raise SearchError(f"cannot build the search index: cannot run pagefind ({exc.strerror}); "
                              "set search = false in digest.toml to build without search") from None

    def __enter__(self) -> Indexer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """End the service: it exits when its input ends."""
        if self._process is None:
            self._log.close()
            return
        if self._process.poll() is None:
            try:
                self._process.stdin.close()  # type: ignore[union-attr]
                self._process.wait(timeout=STEP_TIMEOUT)
            except (OSError, subprocess.TimeoutExpired):
                self._process.kill()
                self._process.wait()
        self._process.stdout.close()  # type: ignore[union-attr]
        self._log.close()

    def bundle(self, pages: Iterable[tuple[str, bytes]]) -> dict[str, bytes]:
        """Index ``pages`` (site path, HTML) as one bundle; return its files by name, checked."""
        index = self._ask({"type": "NewIndex", "config": None})["index_id"]
        # Every page is sent before any answer is read: Pagefind reads and answers on threads
        # of their own, through unbounded queues, so it indexes one page while the next comes.
        sent = [self._send({"type": "AddFile", "index_id": index, "file_path": path, "url": None,
                            "file_contents": html.decode("utf-8", "replace")})
                for path, html in pages]  # the page's path gives its URL, as in a folder
        for message in sent:
            self._receive(message)
        return self._files(index, len(sent))

    def folder(self, site: Path, glob: str, pages: int) -> dict[str, bytes]:
        """Index the HTML files of ``site`` that ``glob`` names, ``pages`` of them, as one bundle.

        Pagefind reads them itself, on every core; pages sent one by one are read on one."""
        index = self._ask({"type": "NewIndex", "config": None})["index_id"]
        self._ask({"type": "AddDir", "index_id": index, "path": str(site.resolve()), "glob": glob})
        return self._files(index, pages)

    def _files(self, index: int, pages: int) -> dict[str, bytes]:
        answer = self._ask({"type": "GetFiles", "index_id": index})
        self._ask({"type": "DeleteIndex", "index_id": index})
        files = {item["path"]: base64.b64decode(item["content"]) for item in answer["files"]}
        check(files, pages)
        try:
            return stable(files)
        except (ValueError, KeyError, IndexError, TypeError, AssertionError, OSError) as exc:
            self._fail(f"pagefind's index is not as expected ({exc})")
            raise

    def _ask(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self._receive(self._send(payload))

    def _send(self, payload: dict[str, Any]) -> int:
        """Send a message; return its number."""
        if self._process is None:
            self._process = self._start()
        self._sent += 1
        message = json.dumps({"message_id": self._sent, "payload": payload}).encode()
        try:
            self._process.stdin.write(base64.b64encode(message) + b",")  # type: ignore[union-attr]
            self._process.stdin.flush()  # type: ignore[union-attr]
        except OSError:
            self._fail("pagefind stopped")
        return self._sent

    def _receive(self, message: int) -> dict[str, Any]:
        """Read the answer to message number ``message``: answers come in turn."""
        answer = json.loads(base64.b64decode(self._read_answer()))
        reply = answer.get("payload", {})
        if reply.get("type") == "Error":
            self._fail(f"pagefind refused: {reply.get('message')}")
        if answer.get("message_id") != message:
            self._fail("pagefind answered out of turn")
        return reply  # type: ignore[no-any-return]

    def _read_answer(self) -> bytes:
        """Read up to the next comma, waiting at most STEP_TIMEOUT for each piece."""
        assert self._process is not None
        stdout = self._process.stdout
        assert stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            while (end := self._buffer.find(b",")) < 0:
                if not selector.select(STEP_TIMEOUT):
                    self._process.kill()
                    self._fail("pagefind stopped answering")
                chunk = os.read(stdout.fileno(), 1 << 20)
                if not chunk:
                    self._fail("pagefind stopped")
                self._buffer += chunk
        answer = bytes(self._buffer[:end])
        del self._buffer[:end + 1]
        return answer

    def _fail(self, reason: str) -> None:
        self._log.seek(0)
        said = self._log.read()[-2000:].decode("utf-8", "replace").strip()
        raise SearchError(f"cannot build the search index: {reason}{f' ({said})' if said else ''}; "
                          "set search = false in digest.toml to build without search")


class Indexers:
    """Pagefind services, one a core, indexing bundles side by side.

    Pagefind reads a bundle's pages on every core, then builds its index on one: a cold build
    of 10,000 articles kept one core idle for most of its 38 bundles. Each service indexes one
    bundle at a time, so memory holds one bundle a core.
    """

    def __init__(self, count: int | None = None) -> None:
        self._all = [Indexer() for _ in range(count or cores())]  # each started when first used
        self._free: SimpleQueue[Indexer] = SimpleQueue()
        for indexer in self._all:
            self._free.put(indexer)

    def __enter__(self) -> Indexers:
        return self

    def __exit__(self, *_: object) -> None:
        for indexer in self._all:
            indexer.close()

    def map(self, jobs: Iterable[Callable[[Indexer], R]]) -> Iterator[R]:
        """Yield each job's result, in order, each job run with a service of its own."""
        def run(job: Callable[[Indexer], R]) -> R:
            indexer = self._free.get()
            try:
                return job(indexer)
            finally:
                self._free.put(indexer)

        pool = ThreadPoolExecutor(len(self._all), thread_name_prefix="pagefind")
        pending: deque[Future[R]] = deque()
        try:
            for job in jobs:  # a few in flight: results wait in memory until taken
                pending.append(pool.submit(run, job))
                if len(pending) > len(self._all):
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            pool.shutdown(cancel_futures=True)


def check(files: dict[str, bytes], pages: int) -> None:
    """Refuse a bundle with a file cut off or missing: the build fails rather than publish it.

    The entry file must parse and count at most ``pages``; each language's meta file must be
    there; every gzipped file must inflate whole; the fixed-size files must have their
    version's size.
    """
    try:
        entry = json.loads(files["pagefind-entry.json"])
        languages = entry["languages"]
        counted = sum(language["page_count"] for language in languages.values())
        metas = [f"pagefind.{language['hash']}.pf_meta" for language in languages.values()]
    except (KeyError, TypeError, ValueError) as exc:
        raise SearchError(f"cannot build the search index: pagefind-entry.json is unreadable ({exc}); "
                          "build again") from None
    if counted > pages:  # fewer is Pagefind's choice: it leaves out a page without a word
        _broken("pagefind-entry.json", f"counts {counted} pages of {pages}")
    for name in metas:
        if name not in files:
            _broken(name, "is missing")
    for name, data in files.items():
        if name.endswith(GZIPPED):
            try:
                gzip.decompress(data)
            except (OSError, EOFError, zlib.error):
                _broken(name, f"is cut off at {len(data)} bytes")
    for name in ("pagefind.js", "pagefind-ui.js", "pagefind-ui.css", "pagefind-worker.js",
                 "wasm.unknown.pagefind"):
        if not files.get(name):
            _broken(name, "is missing or empty")
    for name, size in RUNTIME_SIZES.get(entry.get("version", ""), {}).items():
        if len(files.get(name, b"")) != size:
            _broken(name, f"has {len(files[name])} of its {size} bytes")


def _broken(name: str, what: str) -> None:
    raise SearchError(f"cannot build the search index: pagefind/{name} {what}; nothing was "
                      "published; build again, or set search = false in digest.toml")
