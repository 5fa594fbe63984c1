"""Serve reads and renders a large site on every core, as build does, and serves it alike."""

from __future__ import annotations

import http.client
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from digest import parallel
from digest.build import build
from digest.config import Config
from digest.live import reported
from digest.live.preview import Preview
from digest.live.serve import SCRIPT
from digest.live.watch import ChangeKind
from digest.output.owned import MARKER
from digest.render import pages as render
from tests.conftest import site_bytes, stories

ARTICLES = 330
"""Over ``parallel.PARALLEL_MIN`` files and pages: serve takes its parallel path unaided."""


def one_process_build(config: Config, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Build ``config`` in this process alone; return every file written."""
    with monkeypatch.context() as patch:
        patch.setattr(parallel, "PARALLEL_MIN", 10**9)
        build(config, cached=False)
    # Everything but the list of files that marks the folder as a build's: serve writes none.
    return {rel: data for rel, data in site_bytes(config.output).items() if rel != MARKER}


def retemplate(config: Config) -> Path:
    """Change every page's template: the footer gains a line."""
    base = config.templates / "base.html"
    base.write_text(base.read_text().replace("</footer>", "<p>Retemplated.</p>\n</footer>"))
    return base


def test_a_large_preview_is_read_and_rendered_on_every_core(make_site, monkeypatch):
    config = make_site(stories(5, ARTICLES))
    calls = {"parse": 0, "render": 0}

    def counted(name, real):
        def call(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(reported, "parse_in_parallel", counted("parse", reported.parse_in_parallel))
    monkeypatch.setattr(render, "fork_map", counted("render", render.fork_map))
    served = Preview(config, lambda: config, drafts=False)
    assert not served.start().problems
    assert calls == {"parse": 1, "render": 1}
    assert served.files == one_process_build(config, monkeypatch)
    # Every page renders again for a template change: on every core again, files read kept.
    update = served.apply({retemplate(config): ChangeKind.TEMPLATE})
    assert calls == {"parse": 1, "render": 2}
    assert not update.problems and len(update.changed) >= ARTICLES
    assert served.files == one_process_build(config, monkeypatch)


def test_serve_forks_its_workers_beside_its_threads(make_site, tmp_path, monkeypatch):
    config = make_site(stories(6, ARTICLES))
    (tmp_path / "digest.toml").write_text(f'search = false\nbase_url = "{config.base_url}"\n')
    process = subprocess.Popen(
        [sys.executable, "-m", "digest", "serve", "--port", "0", "--no-drafts"], cwd=tmp_path,
        text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: queue.Queue[str] = queue.Queue()
    printed: list[str] = []

    def pump() -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            printed.append(line)
            lines.put(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()

    def wait_for(pattern: str) -> str:
        while not re.search(pattern, line := lines.get(timeout=120)):
            pass
        return line

    try:
        address = re.search(r"http://([\d.]+):(\d+)/", wait_for(r"^Serving ")).groups()  # type: ignore[union-attr]
        expected = one_process_build(config, monkeypatch)
        assert _served(address, expected) == expected
        retemplate(config)
        wait_for(r"files updated")
        expected = one_process_build(config, monkeypatch)
        assert b"Retemplated." in expected["index.html"]
        served = _served(address, expected)
        if served != expected:
            # The watcher may see one save as two changes (the file emptied, then written): the
            # second rebuild's update must bring the served site to the build's.
            wait_for(r"files updated")
            served = _served(address, expected)
        assert served == expected
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        reader.join(timeout=10)
    assert process.returncode in (0, 130), "".join(printed)
    assert "Traceback" not in "".join(printed)


def _served(address: tuple[str, str], expected: dict[str, bytes]) -> dict[str, bytes]:
    """Fetch every path of ``expected`` from the server, without its live-reload script."""
    connection = http.client.HTTPConnection(address[0], int(address[1]), timeout=30)
    found = {}
    for path in expected:
        connection.request("GET", "/" + path)
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200, path
        if path.endswith(".html"):
            body = re.sub(rb"<script src=\"" + re.escape(SCRIPT.encode()) + rb"[^>]*></script>\n?",
                          b"", body)
        found[path] = body
    connection.close()
    return found
