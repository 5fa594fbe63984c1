"""The one way ``digest links`` goes on the network: the standard library's ``http.client``,
connecting only to addresses it has checked.

Why not urllib or requests: both resolve a host name inside the connection, after any check
of ours, and follow redirects on their own; a name can resolve to a public address when checked
and to 127.0.0.1 when connected to (DNS rebinding). Here each hop's name is resolved once, every
address it gives is checked, and the socket connects to those very addresses. Proxies from the
environment are not used: they would connect on our behalf.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, urljoin, urlsplit

from digest.config import LinkSettings

USER_AGENT = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/126.0 Safari/537.36")
"""As a browser says it: some sites answer 403 to anything else."""
HEADERS = {"User-Agent": USER_AGENT, "Accept-Language": "en;q=0.9, *;q=0.5",
           "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
MAX_HOPS = 10
"""Redirects followed before giving up."""
MAX_BYTES = 1 << 20
"""Bytes of an answer's body read at most: a link's state needs none, an archive's answer
a few hundred."""
REDIRECTS = frozenset({301, 302, 303, 307, 308})
LONGEST = 3
"""A request may take this many times ``timeout`` in all: a server that drips its answer a
byte at a time never lets a read time out."""


class Refused(OSError):
    """A URL or address ``digest links`` will not fetch."""


@dataclass(frozen=True)
class Answer:
    """What came back for a URL: the last hop's status, where redirects led, and the body
    (up to ``MAX_BYTES``, for GET); or, with no answer, why."""

    status: int | None
    final_url: str
    body: bytes = b""
    error: str = ""
    refused: bool = False


def fetch(url: str, settings: LinkSettings, method: str = "GET", limit: int = MAX_BYTES) -> Answer:
    """Request ``url``, following redirects, and read up to ``limit`` bytes of the last answer's
    body; never raises for the network's failures."""
    current = url
    for _ in range(MAX_HOPS + 1):
        try:
            status, location, body = _request(method, current, settings, limit)
        except Refused as exc:
            return Answer(None, current, error=str(exc), refused=True)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            return Answer(None, current, error=_described(exc))
        if status in REDIRECTS and location:
            current = urljoin(current, location)
            continue
        return Answer(status, current, body)
    return Answer(None, current, error=f"more than {MAX_HOPS} redirects")


def _described(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, socket.gaierror):
        return f"host not found ({exc.strerror})"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _request(method: str, url: str, settings: LinkSettings, limit: int) -> tuple[int, str, bytes]:
    """Make one request; return the status, the Location header and the body read."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(f"not an http(s) URL: {url}")
    host = parts.hostname.encode("idna").decode("ascii") if not parts.hostname.isascii() \
        else parts.hostname
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(host, parts.port, timeout=settings.timeout,
                                                 context=_tls())
    else:
        connection = http.client.HTTPConnection(host, parts.port, timeout=settings.timeout)
    allow = settings.allow_private
    connection._create_connection = (  # type: ignore[attr-defined]
        lambda address, timeout, source=None: checked_connection(address, timeout, allow))
    target = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        target += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    fired = threading.Event()
    cut = threading.Timer(settings.timeout * LONGEST, _cut, (connection, fired))
    cut.start()
    try:
        connection.request(method, target, headers=HEADERS)
        response = connection.getresponse()
        body = response.read(limit) if method == "GET" and limit else b""
    except (OSError, http.client.HTTPException):
        if fired.is_set():
            raise TimeoutError from None
        raise
    finally:
        cut.cancel()
        connection.close()
    if fired.is_set():  # the answer was cut short: what came may look whole, and is not
        raise TimeoutError
    return response.status, response.getheader("Location", ""), body


def _cut(connection: http.client.HTTPConnection, fired: threading.Event) -> None:
    """End a request that took too long: its reads return at once."""
    fired.set()
    if connection.sock is not None:
        with contextlib.suppress(OSError):
            connection.sock.shutdown(socket.SHUT_RDWR)


@lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


def checked_connection(address: tuple[str, int], timeout: float | None,
                       allow_private: bool) -> socket.socket:
    """Resolve a host, refuse it if any of its addresses is not public (unless allowed), and
    connect to the addresses checked."""
    host, port = address
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not allow_private:
        for *_, sockaddr in found:
            ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
            if not is_public(ip):
                raise Refused(f"{host} is at {ip}, a private, loopback or link-local address; "
                              "refused (set [links] allow_private = true to check it)")
    error: OSError = OSError(f"{host}: no address")
    for family, kind, proto, _, sockaddr in found:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            error = exc
            sock.close()
    raise error


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address is on the public internet: not private, loopback, link-local,
    shared, reserved, unspecified or multicast (an IPv6 form of an IPv4 address as that one)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def with_retries(attempt: Callable[[], Answer], settings: LinkSettings) -> Answer:
    """Make ``attempt`` until it gives an answer worth keeping, at most ``retries`` more times,
    waiting ``backoff`` seconds, then twice as long each time."""
    answer = attempt()
    for n in range(settings.retries):
        if not retryable(answer):
            break
        time.sleep(settings.backoff * 2 ** n)
        answer = attempt()
    return answer


def retryable(answer: Answer) -> bool:
    """Whether trying again may give another answer: a network failure, a server error or
    "too many requests"; never an address refused."""
    if answer.status is None:
        return not answer.refused
    return answer.status >= 500 or answer.status == 429
