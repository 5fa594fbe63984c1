"""Guard the preview's HTTP server: answer only requests named for it, and bound the time and
threads any client, or many, can hold."""

from __future__ import annotations

import contextlib
import io
import ipaddress
import logging
import socket
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
EVERY_INTERFACE = ("0.0.0.0", "::", "")


@dataclass(frozen=True)
class Limits:
    """How long a client may take, and how many the server serves at once."""

    request_timeout: float = 10.0
    """Seconds to send the request line and headers, in all (a trickle does not extend it),
    and for each write of the answer (a page that stopped reading is dropped)."""
    max_requests: int = 32
    """Requests answered at once; event streams, capped apart, do not count once open."""
    slot_wait: float = 2.0
    """Seconds a connection beyond ``max_requests`` waits for a free slot before a 503."""
    max_streams: int = 64
    """Open event streams; a new one ends the oldest."""
    backlog: int = 128
    """Connections the system holds while none is being accepted."""


def _address(name: str) -> str | None:
    """Return an IP address as a browser writes it in a Host header (IPv6 in brackets), or
    None if ``name`` is not one."""
    v6 = name.startswith("[") and name.endswith("]")
    try:
        address = ipaddress.ip_address(name[1:-1] if v6 else name)
    except ValueError:
        return None
    if v6 != (address.version == 6):
        return None
    return f"[{address.compressed}]" if v6 else address.compressed


@dataclass(frozen=True)
class Hosts:
    """The Host headers a server answers: its own names, with its own port.

    A page from another site can have its name resolve to this computer (DNS rebinding) and
    then read whatever the preview serves, drafts included; its requests still carry that
    name. An IP address cannot be rebound: a browser names one only when the page came from it.
    """

    names: frozenset[str]
    port: int
    any_address: bool
    """Listening on every interface: this computer is reached by any of its addresses, which
    cannot be listed reliably (containers, forwarded ports), so any IP address is taken."""

    @classmethod
    def of(cls, host: str, port: int) -> Hosts:
        """Return the names of a server listening on ``host`` and ``port``."""
        names = set(LOOPBACK)
        everywhere = host in EVERY_INTERFACE
        if not everywhere:
            name = f"[{host}]" if ":" in host else host
            names.add(_address(name) or name)
        else:  # reached from elsewhere by this computer's name, or its mDNS one
            own = socket.gethostname().lower()
            names |= {own, f"{own}.local"} if "." not in own else {own}
        return cls(frozenset(names), port, everywhere)

    def allows(self, header: str) -> bool:
        """Tell whether a Host header (``name`` or ``name:port``) names this server."""
        header = header.strip(" \t")
        if header.startswith("["):  # an IPv6 address, whose colons are not the port's
            end = header.find("]") + 1
            name, rest = header[:end], header[end:]
            if not end or (rest and not rest.startswith(":")):
                return False
            port = rest[1:] if rest else None
        else:
            name, colon, port_text = header.partition(":")
            port = port_text if colon else None
        # Browsers give the port unless it is the scheme's (80): none means 80.
        if (port if port is not None else "80") != str(self.port):
            return False
        name = name.lower()
        address = _address(name)
        return (address or name) in self.names or (self.any_address and address is not None)

    def refusal(self) -> bytes:
        """Explain, in plain text, which hosts are answered and why."""
        names = ", ".join(f"{name}:{self.port}" for name in sorted(self.names))
        also = " or any IP address" if self.any_address else ""
        return (f"421 Misdirected Request: digest serve answers only requests whose Host is "
                f"{names}{also} (this server's names, with its port). Another name may be a page from "
                "another site reading this preview, drafts included, by DNS rebinding; open the "
                "preview at one of those addresses.\n").encode()


class _DeadlineReader(io.RawIOBase):
    """Read a socket until a deadline: each read waits only for the time left, so a client
    sending a byte now and then cannot hold a thread longer than one that sends nothing."""

    def __init__(self, sock: socket.socket, seconds: float) -> None:
        super().__init__()
        self._sock = sock
        self.deadline: float | None = time.monotonic() + seconds

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the request did not arrive in time")
            self._sock.settimeout(left)
        return self._sock.recv_into(buffer)


class GuardedServer(ThreadingHTTPServer):
    """A threading HTTP server with a normal backlog, a cap on threads, and timeouts."""

    daemon_threads = True  # a client that never goes away does not hold the process at exit

    def __init__(self, address: tuple[str, int], handler: type[GuardedHandler],
                 limits: Limits) -> None:
        self.limits = limits
        self.request_queue_size = limits.backlog
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self._slots = threading.BoundedSemaphore(limits.max_requests)
        self._holding: set[socket.socket] = set()
        self._lock = threading.Lock()
        super().__init__(address, handler)
        self.hosts = Hosts.of(address[0].lower(), self.server_address[1])

    def server_bind(self) -> None:
        if self.address_family == socket.AF_INET6 and self.server_address[0] == "::":
            with contextlib.suppress(OSError, AttributeError):  # IPv4 too, where the system can
                self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

    def process_request(self, request: socket.socket, client_address: Any) -> None:  # type: ignore[override]
        # Waiting here stops accepting: later connections wait in the backlog, as for any busy
        # server, rather than each taking a thread. A request lasts milliseconds, and a client
        # slow to send one is dropped at ``request_timeout``, so a slot is soon free; if none
        # is, a quick 503 beats a page left loading.
        if not self._slots.acquire(timeout=self.limits.slot_wait):
            self._busy(request)
            self.shutdown_request(request)
            return
        with self._lock:
            self._holding.add(request)
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.release(request)
            raise

    def process_request_thread(self, request: socket.socket, client_address: Any) -> None:  # type: ignore[override]
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.release(request)

    def release(self, request: socket.socket) -> None:
        """Give back the slot ``request`` holds, once; an event stream holds none."""
        with self._lock:
            if request not in self._holding:
                return
            self._holding.discard(request)
        self._slots.release()

    def _busy(self, request: socket.socket) -> None:
        body = (f"503 Service Unavailable: digest serve is answering {self.limits.max_requests} "
                "requests already; try again.\n").encode()
        head = ("HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n")
        with contextlib.suppress(OSError):
            # Take what the client sent: closing on unread bytes resets the connection, and the
            # client could lose the answer.
            request.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                request.recv(65536)
            request.settimeout(1.0)
            request.sendall(head.encode() + body)

    def handle_error(self, request: object, client_address: object) -> None:
        """Ignore browsers that hang up mid-answer (they do on every reload) and clients too
        slow; log the rest."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class GuardedHandler(BaseHTTPRequestHandler):
    """Answer a request only once it arrived in time and names the server."""

    server: GuardedServer

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # replaced by one that keeps to the deadline
        self._reader = _DeadlineReader(self.connection, self.server.limits.request_timeout)
        self.rfile = io.BufferedReader(self._reader)

    def parse_request(self) -> bool:
        """Read the headers; refuse, with 421, a request that names another host."""
        if not super().parse_request():
            return False
        self._reader.deadline = None  # the request is in: now each write gets the timeout
        self.connection.settimeout(self.server.limits.request_timeout)
        if self._names_this_server(self.headers.get_all("Host") or []):
            return True
        self.close_connection = True
        body = self.server.hosts.refusal()
        self.send_response(HTTPStatus.MISDIRECTED_REQUEST)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return False

    def _names_this_server(self, hosts: Sequence[str]) -> bool:
        if len(hosts) != 1 or not self.server.hosts.allows(hosts[0]):
            return False
        # A target with a scheme and host, as proxies are sent, overrides Host (RFC 9112 3.2.2).
        try:
            target = urlsplit(self.path)
        except ValueError:  # "//[x": no target this server has
            return False
        return not target.scheme or self.server.hosts.allows(target.netloc)
