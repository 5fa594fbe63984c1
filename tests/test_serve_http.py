"""The preview server over plain HTTP: safe paths, 404s, content types, the event stream."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from digest.build import build
from digest.live.preview import Preview, Problem, Update
from digest.live.serve import SCRIPT, open_server, serve, site_key
from digest.live.watch import Watched
from tests.conftest import SEEDS


@pytest.fixture
def server(seed_site):
    (seed_site.static / "feed.xml").write_text("<rss/>")
    (seed_site.static / "data.json").write_text("{}")
    (seed_site.root / "secret.txt").write_text("not part of the site")
    preview = Preview(seed_site, lambda: seed_site, drafts=True)
    preview.start()
    server = open_server("127.0.0.1", 0, preview)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    yield server
    server.shutdown()
    server.broker.close()
    thread.join()
    server.server_close()


def get(server, path, method="GET"):
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    connection.putrequest(method, path, skip_accept_encoding=True)  # the path goes out as written
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/static/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2fsecret.txt",
    "/static/..%2f..%2fsecret.txt", "/..%5csecret.txt", "/static%2f..%2f..%2fsecret.txt",
    "/%00", "/../../../../etc/passwd", "//etc/passwd",
])
def test_nothing_outside_the_site_is_reachable(server, path):
    response, body = get(server, path)
    assert response.status == 404
    assert b"not part of the site" not in body and b"root:" not in body
    assert b"Page not found" in body  # the site's own 404 page


def test_unknown_path_serves_the_site_404_page(server):
    response, body = get(server, "/no/such/page.html")
    assert response.status == 404
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert body.startswith(server.preview.files["404.html"].split(b"</body>")[0])
    assert SCRIPT.encode() in body


def test_directory_urls_serve_index_html(server):
    response, body = get(server, "/topics/")
    assert response.status == 200
    assert body.replace(_script(server), b"") == server.preview.files["topics/index.html"]
    response, _ = get(server, "/topics")
    assert response.status == 301 and response.getheader("Location") == "/topics/"


@pytest.mark.parametrize(("path", "kind"), [
    ("/", "text/html; charset=utf-8"),
    ("/static/style.css", "text/css; charset=utf-8"),
    ("/static/feed.xml", "application/xml; charset=utf-8"),
    ("/static/data.json", "application/json"),
    (SCRIPT, "text/javascript; charset=utf-8"),
])
def test_content_types(server, path, kind):
    response, body = get(server, path)
    assert response.status == 200
    assert response.getheader("Content-Type") == kind
    assert int(response.getheader("Content-Length")) == len(body)
    head, _ = get(server, path, "HEAD")
    assert head.getheader("Content-Type") == kind


def test_pages_are_the_built_bytes_plus_the_script(server):
    build(server.preview.config)
    out = server.preview.config.output
    for rel, data in server.preview.files.items():
        assert (out / rel).read_bytes() == data
        if rel.endswith("index.html"):
            _, served = get(server, "/" + rel)
            assert served.replace(_script(server), b"") == data
            assert served.count(b"<script") == data.count(b"<script") + 1


def test_event_stream_says_hello_and_passes_updates(server):
    host, port = server.server_address[:2]
    sock = socket.create_connection((host, port), timeout=10)
    sock.sendall(f"GET /__digest__/events HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
    stream = sock.makefile("rb")
    assert b"200" in stream.readline()
    while stream.readline() not in (b"\r\n", b"\n"):
        pass
    assert stream.readline() == b"event: hello\n"
    assert json.loads(stream.readline().removeprefix(b"data: ")) == {"generation": 1}
    stream.readline()
    server.announce(Update((), (Problem("content/x.txt", 3, "<b>bad</b>"),)))
    assert stream.readline() == b"event: problems\n"
    assert json.loads(stream.readline().removeprefix(b"data: ")) == {
        "problems": [{"file": "content/x.txt", "line": 3, "message": "<b>bad</b>"}]}
    server.broker.close()
    stream.readline()
    assert stream.readline() == b""  # the stream ends when the server stops
    sock.close()


def test_build_output_has_no_reload_script(seed_site):
    build(seed_site)
    for path in seed_site.output.rglob("*"):
        if path.is_file():
            assert b"__digest__" not in path.read_bytes()
            assert b"EventSource" not in path.read_bytes()


def test_busy_port_is_explained(seed_site, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "digest", "serve", "--port", str(port),
             "--content", str(SEEDS)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "--port 0" in result.stderr and "Traceback" not in result.stderr


def _script(server):
    return server.inject(b"</body>", server.preview.generation).removesuffix(b"</body>")


@pytest.mark.parametrize(("url", "prefix", "key"), [
    ("/", "/", "index.html"),
    ("/topics/", "/", "topics/index.html"),
    ("/static/style.css", "/", "static/style.css"),
    ("/repo/topics/", "/repo/", "topics/index.html"),
    ("/topics/", "/repo/", None),
    ("/a/%2e%2e/b", "/", None),
    ("/a/./b", "/", None),
    ("/a%5c..%5cb", "/", None),
])
def test_site_key(url, prefix, key):
    assert site_key(url, prefix) == key


def test_a_file_saved_before_the_first_rebuild_is_picked_up(seed_site):
    preview = Preview(seed_site, lambda: seed_site, drafts=True)
    server = open_server("127.0.0.1", 0, preview)
    body = seed_site.content / "000_d987c4a45951b739.txt"
    added = b"Saved while the site was being built."

    def started(first: Update) -> None:
        # The site is built and the watcher hands on nothing yet: as for a save during the build.
        body.write_bytes(body.read_bytes() + added + b"\n")

    def shown() -> bool:
        return any(added in data for data in preview.files.values())

    def stop_when_shown() -> None:
        deadline = time.monotonic() + 10
        while not shown() and time.monotonic() < deadline:
            time.sleep(0.02)
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)  # as Ctrl-C

    threading.Thread(target=stop_when_shown, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        serve(preview, server, Watched(seed_site.content, seed_site.templates, seed_site.static),
              started)
    assert shown()
