"""Serve the previewed site from memory, and tell open pages what changed as it changes."""

from __future__ import annotations

import errno
import logging
import mimetypes
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from http import HTTPStatus
from importlib import resources
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import jinja2

from digest.errors import DigestError
from digest.live.events import Broker, event_message
from digest.live.guard import GuardedHandler, GuardedServer, Limits
from digest.live.preview import Preview, Update
from digest.live.search import LiveSearch
from digest.live.watch import Changes, Watched, watching
from digest.printable import printable

log = logging.getLogger(__name__)

RESERVED = "/__digest__/"
"""URL prefix of the server's own endpoints; never part of a site."""
EVENTS = RESERVED + "events"
SCRIPT = RESERVED + "livereload.js"
KEEPALIVE = 15.0
"""Seconds between comments on an idle event stream, to notice pages that went away."""
CHUNK = 256 * 1024
"""Bytes written at once: each write has ``Limits.request_timeout``."""
TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8", ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/json", ".txt": "text/plain; charset=utf-8", ".svg": "image/svg+xml",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".ico": "image/x-icon", ".woff2": "font/woff2",
    ".webmanifest": "application/manifest+json",
}


def _asset(name: str) -> str:
    return (resources.files("digest") / "assets" / name).read_text(encoding="utf-8")


def site_key(url_path: str, prefix: str) -> str | None:
    """Map a request path to a site path; None for anything outside the site."""
    path = unquote(url_path)
    if "\\" in path or "\x00" in path or not path.startswith(prefix):
        return None
    rel = path[len(prefix):]
    if any(part in (".", "..") for part in rel.split("/")):
        return None
    return rel + "index.html" if rel == "" or rel.endswith("/") else rel


def content_type(path: str) -> str:
    """Return the Content-Type of a site path."""
    suffix = Path(path).suffix.lower()
    return TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


class SiteServer(GuardedServer):
    """An HTTP server over a Preview, with an event stream per open page."""

    def __init__(self, address: tuple[str, int], preview: Preview, limits: Limits) -> None:
        self.preview = preview
        self.broker = Broker(limits.max_streams)
        self.prefix = urlsplit(preview.config.base_url).path or "/"
        self.script = _asset("livereload.js").encode()
        self._snippet = jinja2.Template(_asset("livereload.html"), autoescape=True)
        self._missing = jinja2.Template(_asset("missing.html"), autoescape=True)
        self.search = LiveSearch() if preview.config.search else None
        """The search index, kept up to date in the background."""
        super().__init__(address, SiteHandler, limits)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}{self.prefix}"

    def page(self, key: str) -> tuple[HTTPStatus, bytes, str]:
        """Return the status, bytes and type answering for a site path."""
        files = self.preview.files
        if key in files:
            return HTTPStatus.OK, files[key], content_type(key)
        found = self.search.file(key) if self.search is not None else None
        if found is not None:
            return HTTPStatus.OK, found, content_type(key)
        if "404.html" in files:
            return HTTPStatus.NOT_FOUND, files["404.html"], content_type("404.html")
        missing = self._missing.render(problems=bool(self.preview.problems)).encode()
        return HTTPStatus.NOT_FOUND, missing, content_type("missing.html")

    def inject(self, html: bytes, generation: int) -> bytes:
        """Put the live-reload script, naming the site's generation, before ``</body>``."""
        snippet = self._snippet.render(src=SCRIPT, generation=generation).encode()
        at = html.rfind(b"</body>")
        return html[:at] + snippet + html[at:] if at >= 0 else html + snippet

    def announce(self, update: Update) -> None:
        """Tell every open page what an update changed, or why it was refused."""
        if update.problems:
            self.broker.publish("problems", {"problems": [asdict(p) for p in update.problems]})
        else:
            self.broker.publish("ok", {})
        paths = [self.prefix + path for path in update.changed]
        sheets = [path for path in paths if path.endswith(".css")]
        others = [path for path in paths if not path.endswith(".css")]
        if sheets:
            self.broker.publish("css", {"paths": sheets})
        if others:
            moved = {self.prefix + old: self.prefix + new for old, new in update.moved.items()}
            self.broker.publish("reload", {"paths": others, "moved": moved,
                                           "generation": self.preview.generation})


class SiteHandler(GuardedHandler):
    """Answer GET and HEAD from the in-memory site; stream events to open pages."""

    server: SiteServer
    server_version = "digest-serve"

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        path = urlsplit(self.path).path  # a target urlsplit refuses never gets here (guard.py)
        generation = self.server.preview.generation  # read before the files: see Preview._publish
        if path == EVENTS and body:
            self._stream()
            return
        if path == SCRIPT:
            self._send(HTTPStatus.OK, self.server.script, content_type(SCRIPT), body)
            return
        key = site_key(path, self.server.prefix)
        if key is None and path == "/" and self.server.prefix != "/":
            self._redirect(self.server.prefix)
            return
        if key is not None and key not in self.server.preview.files \
                and f"{key}/index.html" in self.server.preview.files:
            self._redirect(quote(path, safe="/") + "/")  # so the page's relative links resolve
            return
        status, data, kind = self.server.page(key or "")
        if kind.startswith("text/html"):
            data = self.server.inject(data, generation)
        self._send(status, data, kind, body)

    def _send(self, status: HTTPStatus, data: bytes, kind: str, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if body:
            # In pieces: the write timeout is for each, so a slow reader of a large file is
            # dropped only when it stops reading, not for taking long over the whole.
            view = memoryview(data)
            for at in range(0, len(view), CHUNK):
                self.wfile.write(view[at:at + CHUNK])

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _stream(self) -> None:
        broker, preview = self.server.broker, self.server.preview
        stream = broker.subscribe()
        self.server.release(self.request)  # streams are capped apart: they hold no request slot
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(event_message("hello", {"generation": preview.generation}))
            if preview.problems:
                self.wfile.write(event_message(
                    "problems", {"problems": [asdict(p) for p in preview.problems]}))
            self.wfile.flush()
            while True:
                try:
                    message = stream.get(timeout=KEEPALIVE)
                except queue.Empty:
                    message = b": keepalive\n\n"
                if message is None:
                    return
                self.wfile.write(message)
                self.wfile.flush()
        except OSError:
            return  # the page was closed, or stopped reading for ``request_timeout``
        finally:
            broker.unsubscribe(stream)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def open_server(host: str, port: int, preview: Preview, limits: Limits | None = None
                ) -> SiteServer:
    """Bind the server, explaining a busy or forbidden port."""
    try:
        return SiteServer((host, port), preview, limits or Limits())
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise DigestError(f"port {port} on {host} is already in use (another digest serve?); "
                              f"stop it, or try --port {port + 1}, or --port 0 for any free port"
                              ) from None
        raise DigestError(f"cannot serve on {host}:{port}: {exc.strerror}; "
                          "try --port 0 for any free port") from None


def serve(preview: Preview, server: SiteServer, watched: Watched,
          started: Callable[[Update], None]) -> None:
    """Build the site, tell ``started``, then serve it and rebuild on every change until
    interrupted; stop every thread on the way out.

    The folders are watched from before the first build: the preview trusts the watcher to
    report every change, so a file saved while the site is being built must be reported too.
    """

    def on_batch(changes: Changes) -> None:
        start = time.perf_counter()
        update = preview.apply(changes)
        report(update, changes, time.perf_counter() - start)
        server.announce(update)
        if server.search is not None and update.changed:
            server.search.refresh(preview.files)

    thread = threading.Thread(target=server.serve_forever, name="digest-http")
    with watching(watched, on_batch, hand_on=False) as handler:
        first = preview.start()
        if server.search is not None:
            server.search.start(preview.files)
        started(first)
        handler.start()
        thread.start()
        try:
            threading.Event().wait()  # until Ctrl-C raises KeyboardInterrupt here
        finally:
            server.shutdown()
            server.broker.close()
            if server.search is not None:
                server.search.stop()
            thread.join()
            server.server_close()


def report(update: Update, changes: Changes, seconds: float) -> None:
    """Tell the terminal what a rebuild did."""
    if update.problems:
        print("digest: the site could not be rebuilt; still serving the last good version:",
              file=sys.stderr)
        for problem in update.problems:
            print(printable(f"  {problem}"), file=sys.stderr)
        if not update.changed:
            return
    names = ", ".join(sorted(path.name for path in changes)[:3])
    more = f" and {len(changes) - 3} more" if len(changes) > 3 else ""
    print(printable(f"{names}{more} changed: {len(update.changed)} files updated in "
                    f"{seconds * 1000:.0f} ms"), flush=True)
