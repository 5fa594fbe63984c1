"""One headless Chromium per session, and a `digest serve` subprocess per test."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import REPO, SEEDS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
WAIT_MS = 10_000
"""Longest wait for the browser to show a change: generous, but bounded."""


def wait_until(page: Page, expression: str, arg: object = None, timeout: int = WAIT_MS) -> None:
    """Poll ``expression`` (a JS function of ``arg``) until it is true.

    Playwright's wait_for_function evaluates a string, which the pages' Content-Security-Policy
    rightly forbids; evaluate() goes through the DevTools protocol and is allowed.
    """
    deadline = time.monotonic() + timeout / 1000
    while not _evaluate(page, expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} ms waiting for: {expression}")
        time.sleep(0.05)


def _evaluate(page: Page, expression: str, arg: object) -> object:
    """Evaluate, reading a page that is reloading itself as not there yet."""
    try:
        return page.evaluate(expression, arg)
    except PlaywrightError as exc:
        if "context was destroyed" in str(exc) or "navigat" in str(exc):
            return False
        raise


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    yield page
    context.close()


@dataclass
class Served:
    """A running ``digest serve`` over a copy of the sample site."""

    root: Path
    url: str
    process: subprocess.Popen[str]
    output: queue.Queue[str]
    """Lines the server prints, on stdout and stderr alike, as they come."""
    stderr: list[str]

    @property
    def content(self) -> Path:
        return self.root / "content"

    def wait_for_output(self, pattern: str, timeout: float = WAIT_MS / 1000) -> str:
        """Return the next line of the server's output matching ``pattern``."""
        while True:
            line = self.output.get(timeout=timeout)
            if re.search(pattern, line):
                return line


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    root = tmp_path / "site"
    shutil.copytree(SEEDS, root / "content")
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "static", root / "static")
    shutil.copy(REPO / "digest.toml", root / "digest.toml")
    process = subprocess.Popen(
        [sys.executable, "-m", "digest", "serve", "--port", "0"], cwd=root, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    output: queue.Queue[str] = queue.Queue()
    stderr: list[str] = []
    readers = [threading.Thread(target=_pump, args=(process.stdout, output, []), daemon=True),
               threading.Thread(target=_pump, args=(process.stderr, output, stderr), daemon=True)]
    for reader in readers:
        reader.start()
    try:
        line = Served(root, "", process, output, stderr).wait_for_output(r"^Serving ", 60)
    except queue.Empty:
        process.kill()
        process.wait()
        pytest.fail(f"digest serve did not start: {''.join(stderr)}")
    url = re.search(r"http://\S+", line).group(0)  # type: ignore[union-attr]
    yield Served(root, url, process, output, stderr)
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("digest serve did not stop on Ctrl-C")
    for reader in readers:
        reader.join(timeout=5)
    errors = "".join(stderr)
    assert process.returncode in (0, 130), errors
    assert "Traceback" not in errors, errors
    assert not any(reader.is_alive() for reader in readers), "the server's output did not end"


def _pump(stream: TextIO, lines: queue.Queue[str], kept: list[str]) -> None:
    for line in stream:
        kept.append(line)
        lines.put(line)
