"""A small "web" on 127.0.0.1 for the link checker, and a fake web archive beside it."""

from __future__ import annotations

import http.server
import json
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import SplitResult, parse_qs, urlsplit


class Web(http.server.ThreadingHTTPServer):
    """Answers by path: ``/ok``, ``/moved`` (301 to ``/ok``), ``/gone404``, ``/gone410``,
    ``/flaky`` (500 to its first two requests, then 200), ``/slow`` (never answers),
    ``/reset`` (closes the connection with a reset), ``/no-head`` (405 to HEAD, 200 to GET),
    ``/to-file`` (302 to a file: URL), ``/big`` (3 MB), ``/drip`` (a header line every 0.2 s),
    ``/page/wait…`` (200 after 0.2 s); anything else under ``/page/`` is 200. Archive paths:
    ``/wayback/available`` answers with a snapshot for URLs in ``snapshots``; ``/save/<url>``
    redirects to a new snapshot."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: Counter[str] = Counter()
        """(method path) -> how many times asked, archive requests by the URL asked about."""
        self.snapshots: dict[str, str] = {}
        """URL -> the timestamp of its snapshot."""
        self.asked_timestamps: dict[str, str] = {}
        self.agents: list[str] = []
        """The User-Agent of each request."""
        self.in_flight = 0
        self.most_in_flight = 0
        """The most requests answered at once."""
        self.starts: list[float] = []
        """When each request came, by the monotonic clock."""
        self.save_budget: int | None = None
        """Saves the archive makes before it answers 429 (slow down); None: no limit."""
        self.lock = threading.Lock()

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that went away (timed out, as the tests mean it to)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: Web
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self._answer("HEAD")

    def do_GET(self) -> None:
        self._answer("GET")

    def _answer(self, method: str) -> None:
        parts = urlsplit(self.path)
        with self.server.lock:
            self.server.requests[f"{method} {parts.path}"] += 1
            self.server.agents.append(self.headers.get("User-Agent", ""))
            self.server.starts.append(time.monotonic())
            self.server.in_flight += 1
            self.server.most_in_flight = max(self.server.most_in_flight, self.server.in_flight)
            count = self.server.requests[f"HEAD {parts.path}"] + self.server.requests[
                f"GET {parts.path}"]
        try:
            self._route(method, parts, count)
        finally:
            with self.server.lock:
                self.server.in_flight -= 1

    def _route(self, method: str, parts: SplitResult, count: int) -> None:
        path = parts.path
        if path == "/wayback/available":
            return self._available(parse_qs(parts.query))
        if path.startswith("/save/"):
            url = self.path[len("/save/"):]
            with self.server.lock:
                if self.server.save_budget is not None:
                    if self.server.save_budget <= 0:
                        return self._send(429)
                    self.server.save_budget -= 1
                self.server.snapshots[url] = "20261207110000"
            return self._send(302, location=f"{self.server.base}/web/20261207110000/{url}")
        if path.startswith("/web/"):
            return self._send(200)
        if path == "/big":  # 3 MB
            return self._send(200, b"x" * (3 << 20), "application/json")
        if path.startswith("/page/wait"):
            time.sleep(0.2)
            return self._send(200)
        if path == "/to-file":
            return self._send(302, location="file:///etc/passwd")
        if path == "/moved":
            return self._send(301, location="/ok")
        if path in ("/gone404", "/gone410"):
            return self._send(int(path[-3:]))
        if path == "/flaky":
            return self._send(500 if count <= 2 else 200)
        if path == "/drip":  # headers a line at a time, never ending
            self.send_response(200)
            for n in range(100):
                self.send_header(f"X-Drip-{n}", "x")
                self.flush_headers()
                time.sleep(0.2)
            return None
        if path == "/slow":
            time.sleep(3)
            return None
        if path == "/reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return None
        if path == "/no-head":
            return self._send(405 if method == "HEAD" else 200)
        if path == "/ok" or path.startswith("/page/"):
            return self._send(200)
        return self._send(404)

    def _available(self, query: dict[str, list[str]]) -> None:
        url = query.get("url", [""])[0]
        with self.server.lock:
            self.server.asked_timestamps[url] = query.get("timestamp", [""])[0]
            stamp = self.server.snapshots.get(url)
        closest = {"available": True, "status": "200", "timestamp": stamp,
                   "url": f"{self.server.base}/web/{stamp}/{url}"} if stamp else None
        data = {"url": url, "archived_snapshots": {"closest": closest} if closest else {}}
        self._send(200, json.dumps(data).encode(), "application/json")

    def _send(self, status: int, body: bytes = b"<p>hello</p>", kind: str = "text/html",
              location: str = "") -> None:
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextmanager
def web() -> Iterator[Web]:
    """Run a ``Web`` while the block runs."""
    server = Web()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
