"""The preview answers only requests named for it, and no client, or many, holds it for long."""

from __future__ import annotations

import contextlib
import http.client
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from digest.live import serve
from digest.live.guard import Hosts, Limits
from digest.live.preview import Preview
from digest.live.serve import EVENTS, SCRIPT, SiteServer, open_server
from tests.conftest import record, stories

SECRET = b"Unannounced merger of the two harbour authorities"
"""Only in a draft: the preview shows drafts by default."""

Start = Callable[..., SiteServer]


@pytest.fixture
def start(make_site) -> Iterator[Start]:
    """Start servers over a site with a draft; stop them all at the end."""
    draft = record(title="Harbour talks", url="https://example.com/harbour", extra="draft: true")
    config = make_site({**stories(3, 3), "harbour.md": draft + SECRET.decode() + ".\n"})
    preview = Preview(config, lambda: config, drafts=True)
    preview.start()
    running: list[tuple[SiteServer, threading.Thread]] = []

    def start(limits: Limits | None = None) -> SiteServer:
        server = open_server("127.0.0.1", 0, preview, limits)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                                  daemon=True)
        thread.start()
        running.append((server, thread))
        return server

    yield start
    for server, thread in running:
        server.shutdown()
        server.broker.close()
        thread.join(timeout=5)
        server.server_close()


def draft_path(server: SiteServer) -> str:
    return "/" + next(path for path, data in server.preview.files.items()
                      if SECRET in data and path.endswith("index.html"))


def exchange(port: int, request: bytes, timeout: float = 3.0) -> tuple[int, bytes, bytes]:
    """Send a raw request; return the status, the head and the body, read to the end."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        deadline, data = time.monotonic() + timeout, b""
        while time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        else:
            raise AssertionError(f"the answer did not end in {timeout} s: {data[:200]!r}")
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head, body


def get(port: int, path: str, host: str | None, method: str = "GET") -> tuple[int, bytes, bytes]:
    hosts = f"Host: {host}\r\n" if host is not None else ""
    return exchange(port, f"{method} {path} HTTP/1.1\r\n{hosts}\r\n".encode())


def handler_threads() -> int:
    """Count the threads answering a connection, in every server of this process."""
    return sum(t.name.endswith("(process_request_thread)") for t in threading.enumerate())


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_a_request_naming_another_host_gets_421_and_nothing_of_the_site(start):
    server = start()
    port = server.server_address[1]
    draft = draft_path(server)
    for host in (f"attacker.example:{port}", "attacker.example", f"localhost.attacker.example:{port}",
                 f"127.0.0.1.nip.io:{port}", f":{port}", "", None):
        for path in (draft, "/", EVENTS, SCRIPT):
            status, head, body = get(port, path, host)
            assert status == 421, (host, path)
            assert SECRET not in body and b"EventSource" not in body and b"event:" not in body
            assert b"Content-Type: text/plain; charset=utf-8" in head
            assert f"localhost:{port}".encode() in body and b"DNS rebinding" in body
    status, _, body = get(port, draft, "attacker.example", "HEAD")
    assert (status, body) == (421, b"")
    twice = f"GET {draft} HTTP/1.1\r\nHost: localhost:{port}\r\nHost: attacker.example\r\n\r\n"
    assert exchange(port, twice.encode())[0] == 421
    # A target with its own host, as sent to a proxy, outweighs the Host header.
    proxied = f"GET http://attacker.example{draft} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    status, _, body = exchange(port, proxied.encode())
    assert status == 421 and SECRET not in body


def test_the_servers_own_names_are_answered_at_its_port_only(start):
    server = start()
    port = server.server_address[1]
    other = port + 1 if port < 65535 else port - 1
    draft = draft_path(server)
    expected = {
        f"127.0.0.1:{port}": 200, f"localhost:{port}": 200, f"[::1]:{port}": 200,
        f"LocalHost:{port}": 200, f"LOCALHOST:{port}": 200, f"[0:0:0:0:0:0:0:1]:{port}": 200,
        f" localhost:{port} ": 200,
        f"localhost:{other}": 421, f"127.0.0.1:{other}": 421, f"[::1]:{other}": 421,
        "localhost": 421, "127.0.0.1": 421, "[::1]": 421,  # no port is port 80
        f"localhost:0{port}": 421, f"::1:{port}": 421, f"[::1]x:{port}": 421,
        f"[127.0.0.1]:{port}": 421, f"192.168.1.20:{port}": 421,
    }
    for host, want in expected.items():
        status, _, body = get(port, draft, host)
        assert status == want, host
        assert (SECRET in body) == (want == 200), host


def test_which_hosts_a_server_on_every_interface_answers():
    for listening in ("0.0.0.0", "::"):
        hosts = Hosts.of(listening, 8000)
        own = socket.gethostname().lower()
        for header in ("localhost:8000", "192.168.1.20:8000", "10.0.0.7:8000", "[fe80::1]:8000",
                       "[::1]:8000", "0.0.0.0:8000", f"{own}:8000", f"{own.upper()}:8000"):
            assert hosts.allows(header), (listening, header)
        for header in ("attacker.example:8000", "192.168.1.20:8001", "192.168.1.20",
                       "[192.168.1.20]:8000", "fe80::1:8000", "1.2.3.4.nip.io:8000", ":8000"):
            assert not hosts.allows(header), (listening, header)
        assert b"or any IP address" in hosts.refusal()
    one = Hosts.of("192.168.1.20", 8000)
    assert one.allows("192.168.1.20:8000") and one.allows("localhost:8000")
    assert not one.allows("10.0.0.7:8000") and b"any IP address" not in one.refusal()
    assert Hosts.of("::1", 8000).allows("[0::1]:8000")
    named = Hosts.of("preview.lan", 80)
    assert named.allows("Preview.LAN") and named.allows("preview.lan:80")
    assert not named.allows("preview.lan:8080") and not named.allows("attacker.example")


def test_the_help_tells_the_host_rule_and_the_limits():
    from digest.cli import SERVE_DESCRIPTION

    text, limits = " ".join(SERVE_DESCRIPTION.split()), Limits()
    assert "127.0.0.1, localhost, [::1] or the --host given" in text and "DNS rebinding" in text
    assert f"{limits.request_timeout:.0f} s to send its request" in text
    assert f"{limits.max_requests} requests" in text and f"{limits.max_streams} pages" in text


def test_clients_that_never_finish_their_headers_are_dropped_at_the_timeout(start):
    base = handler_threads()
    server = start(Limits(request_timeout=1.0, max_requests=40))
    port = server.server_address[1]
    address = ("127.0.0.1", port)
    silent = [socket.create_connection(address, timeout=5) for _ in range(20)]
    partial = [socket.create_connection(address, timeout=5) for _ in range(10)]
    trickling = [socket.create_connection(address, timeout=5) for _ in range(5)]
    opened = time.monotonic()
    for sock in partial + trickling:
        sock.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Slow: ".encode())
    try:
        assert wait_for(lambda: handler_threads() - base >= 35, 3)
        began = time.monotonic()
        status, _, body = get(port, draft_path(server), f"127.0.0.1:{port}")
        assert status == 200 and SECRET in body
        assert time.monotonic() - began < 0.5  # served at once, beside the slow ones
        closed = _until_closed(silent, partial, trickling, seconds=3)
        assert len(closed) == 35, f"{35 - len(closed)} slow clients still held"
        # A byte every 0.1 s does not extend the deadline: the whole request has 1 s.
        assert all(closed[sock] - opened < 2 for sock in trickling)
        assert wait_for(lambda: handler_threads() <= base, 2)
    finally:
        for sock in silent + partial + trickling:
            sock.close()


def _until_closed(silent: list[socket.socket], partial: list[socket.socket],
                  trickling: list[socket.socket], seconds: float) -> dict[socket.socket, float]:
    """Send a byte every 0.1 s on each trickling socket; return when each socket was closed
    by the server, waiting ``seconds`` at most."""
    closed: dict[socket.socket, float] = {}
    deadline = time.monotonic() + seconds
    while len(closed) < len(silent) + len(partial) + len(trickling) and time.monotonic() < deadline:
        for sock in trickling:
            if sock not in closed:
                try:
                    sock.sendall(b"a")
                except OSError:
                    closed[sock] = time.monotonic()
        waiting = [sock for sock in silent + partial + trickling if sock not in closed]
        readable, _, _ = select.select(waiting, [], [], 0.1)
        for sock in readable:
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                closed[sock] = time.monotonic()
    return closed


@contextlib.contextmanager
def silent_clients(port: int, count: int, base: int, busy: int) -> Iterator[None]:
    """Open ``count`` connections that send nothing; hold them until ``busy`` threads answer."""
    slow = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]
    try:
        assert wait_for(lambda: handler_threads() - base >= busy, 2)
        yield
    finally:
        for sock in slow:
            sock.close()


def test_more_slow_clients_than_slots_hold_no_more_threads_than_slots(start):
    base = handler_threads()
    server = start(Limits(request_timeout=0.5, max_requests=4, slot_wait=3.0))
    port = server.server_address[1]
    with silent_clients(port, 12, base, 4):
        most = 0
        for _ in range(15):
            most = max(most, handler_threads() - base)
            time.sleep(0.02)
        assert most <= 4
        # The others wait in the backlog; each group of four is dropped after 0.5 s.
        began = time.monotonic()
        status, _, _ = get(port, "/", f"127.0.0.1:{port}")
        assert status == 200 and time.monotonic() - began < 3


def test_a_connection_beyond_the_slots_gets_503_after_a_short_wait(start):
    base = handler_threads()
    server = start(Limits(request_timeout=5, max_requests=2, slot_wait=0.3))
    port = server.server_address[1]
    with silent_clients(port, 2, base, 2):
        began = time.monotonic()
        status, head, body = get(port, "/", f"127.0.0.1:{port}")
        assert status == 503 and b"Retry-After: 1" in head and b"try again" in body
        assert 0.25 < time.monotonic() - began < 2
    assert wait_for(lambda: handler_threads() <= base, 2)
    assert get(port, "/", f"127.0.0.1:{port}")[0] == 200


def open_stream(port: int) -> tuple[socket.socket, object]:
    """Open an event stream and read its hello."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=3)
    sock.sendall(f"GET {EVENTS} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    stream = sock.makefile("rb")
    assert b" 200 " in stream.readline()
    for _ in range(20):
        if stream.readline() in (b"\r\n", b""):
            break
    assert stream.readline() == b"event: hello\n"
    stream.readline()
    stream.readline()
    return sock, stream


def test_event_streams_beyond_the_cap_end_the_oldest(start):
    base = handler_threads()
    server = start(Limits(max_streams=4))
    port = server.server_address[1]
    opened = [open_stream(port) for _ in range(10)]
    try:
        for _sock, stream in opened[:6]:  # told why, so the page does not come back at once
            assert stream.readline() == b"event: replaced\n"
            assert stream.readline() == b'data: {"limit": 4}\n'
            assert stream.readline() == b"\n"
            assert stream.readline() == b""  # and ended cleanly
        server.broker.publish("ok", {})
        for _sock, stream in opened[6:]:
            assert stream.readline() == b"event: ok\n"
        assert len(server.broker) == 4
        assert wait_for(lambda: handler_threads() - base <= 4, 2)
        # Streams hold no request slot: pages are answered beside them.
        assert get(port, "/", f"127.0.0.1:{port}")[0] == 200
    finally:
        for sock, _stream in opened:
            sock.close()


def test_a_stream_outlives_the_timeout_until_its_page_stops_reading(start, monkeypatch):
    monkeypatch.setattr(serve, "KEEPALIVE", 0.1)
    base = handler_threads()
    server = start(Limits(request_timeout=0.3))
    port = server.server_address[1]
    sock, stream = open_stream(port)
    try:
        assert handler_threads() - base == 1
        until = time.monotonic() + 1.0  # the request is in: no read timeout ends a stream
        while time.monotonic() < until:
            assert stream.readline() in (b": keepalive\n", b"\n")
        server.broker.publish("ok", {})
        while (line := stream.readline()) != b"event: ok\n":
            assert line in (b": keepalive\n", b"\n")
        for _ in range(16):  # more than the system buffers on both sides hold: a write waits
            server.broker.publish("reload", {"paths": ["x" * 1_000_000], "generation": 0})
        assert wait_for(lambda: handler_threads() <= base, 4)
        assert len(server.broker) == 0
    finally:
        sock.close()


def test_twenty_simultaneous_requests_are_answered_at_once(start):
    server = start()
    port = server.server_address[1]

    def fetch(barrier: threading.Barrier, statuses: list[int]) -> None:
        barrier.wait()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/")
        response = connection.getresponse()
        response.read()
        connection.close()
        statuses.append(response.status)

    for _ in range(3):
        barrier = threading.Barrier(20, timeout=5)
        statuses: list[int] = []
        threads = [threading.Thread(target=fetch, args=(barrier, statuses), daemon=True)
                   for _ in range(20)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=5)
        took = time.monotonic() - began
        assert statuses == [200] * 20
        # With a backlog of 5, connections beyond it were refused once and retried after 1 s.
        assert took < 0.9, f"20 requests took {took:.2f} s"


@pytest.mark.parametrize("target", ["//[x", "/[", "http://[::1/", "//[::1]:x/"])
def test_a_target_that_does_not_parse_is_answered_not_a_traceback(start, target, capsys):
    server = start()
    port = server.server_address[1]
    status, _, _ = get(port, target, f"127.0.0.1:{port}")
    assert 400 <= status < 500
    assert "Traceback" not in capsys.readouterr().err
    assert get(port, "/", f"127.0.0.1:{port}")[0] == 200  # and the server goes on
