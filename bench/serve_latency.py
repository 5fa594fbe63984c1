"""Measure how long a saved file takes to reach an open browser under ``digest serve``.

Usage: python bench/serve_latency.py [--articles 10000] [--edits 7]

Runs ``digest serve`` on the sample site and on a generated site, opens an article in
Debian's headless Chromium (driven by Playwright), rewrites the article's body file several
times and reports the median time from the write to the new text being on the open page. On
the generated site it then does the same with the article's record, giving it a new item of
related coverage each time (shown on the article's page, which stays where it is).
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import corpus

from digest.plan.urls import slugify
from digest.read.load import parse_file

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
class Server:
    """A ``digest serve`` subprocess on a free port."""

    def __init__(self, root: Path) -> None:
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "digest", "serve", "--port", "0"], cwd=root, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=1)
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("Serving "):
                break
        else:
            raise SystemExit(f"digest serve did not start in {root}")
        self.startup = time.perf_counter() - started
        self.url = re.search(r"http://\S+", line).group(0)  # type: ignore[union-attr]

    def rebuild_ms(self) -> float:
        """Return the server's own time for its last rebuild, from the line it prints."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            found = re.search(r"updated in (\d+) ms", line)
            if found:
                return float(found.group(1))
        return float("nan")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=60)


def wait_for_text(page, marker: str, timeout: float = 120) -> None:  # type: ignore[no-untyped-def]
    """Poll the open page until it shows ``marker`` (the pages' CSP forbids wait_for_function)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if page.evaluate("m => document.body.innerText.includes(m)", marker):
                return
        except Exception:  # the page is reloading itself
            pass
        time.sleep(0.005)
    raise TimeoutError(f"the page never showed {marker!r}")


def with_paragraph(text: str, marker: str) -> str:
    """Return a body's text with one more paragraph: ``marker``."""
    return text + marker + "\n"


def with_related(text: str, marker: str) -> str:
    """Return a record's text with one more item of related coverage, titled ``marker``."""
    item = f'  - title: "{marker}"\n    webUrl: "https://elsewhere.example.com/{time.time_ns()}"\n'
    if "\nrelated:\n" in text:
        return text.replace("\nrelated:\n", "\nrelated:\n" + item, 1)
    head, _, rest = text.partition("\n---\n")  # a record before its body, or a record file
    return (f"{head}\nrelated:\n{item}---\n{rest}" if rest
            else text.rstrip("\n") + "\nrelated:\n" + item)


def measure(browser, root: Path, file: Path, path: str, edits: int,  # type: ignore[no-untyped-def]
            edit=with_paragraph) -> dict[str, float]:
    """Edit ``file`` ``edits`` times while its page is open; return the latency figures."""
    server = Server(root)
    page = browser.new_page()
    try:
        page.goto(server.url + path)
        original = file.read_text(encoding="utf-8")
        latencies, rebuilds = [], []
        for n in range(edits):
            marker = f"Edit number {n} at {time.time_ns()}."
            start = time.perf_counter()
            file.write_text(edit(original, marker), encoding="utf-8")
            wait_for_text(page, marker)
            latencies.append(time.perf_counter() - start)
            rebuilds.append(server.rebuild_ms())
            time.sleep(0.3)
        file.write_text(original, encoding="utf-8")
    finally:
        page.close()
        server.stop()
    return {"startup_s": server.startup, "median_ms": statistics.median(latencies) * 1000,
            "min_ms": min(latencies) * 1000, "max_ms": max(latencies) * 1000,
            "rebuild_ms": statistics.median(rebuilds)}


def copy_site(root: Path, content: Path | None = None) -> None:
    """Copy the templates, static files and settings (and maybe the sample content) to ``root``."""
    for folder in ("templates", "static"):
        shutil.copytree(REPO / folder, root / folder)
    shutil.copy(REPO / "digest.toml", root / "digest.toml")
    if content is not None:
        shutil.copytree(content, root / "content")


def joined_article(content: Path, entries: list[corpus.Entry]) -> tuple[Path, Path, str]:
    """Return the body file, record file and page path of the last generated article that has
    both."""
    entry = next(e for e in reversed(entries) if e.record and e.body)
    record = parse_file(entry.record, (content / entry.record).read_bytes()).record
    assert record is not None and record.published is not None
    return (content / entry.body, content / entry.record,
            f"articles/{record.published:%Y/%m}/{slugify(record.title)}/")


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--articles", type=int, default=10_000, help="size of the generated site")
    options.add_argument("--edits", type=int, default=7, help="edits measured per site")
    args = options.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory(prefix="digest-bench-") as temp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        sample = Path(temp) / "sample"
        copy_site(sample, REPO / "content")
        rows.append(("sample site (2 articles)", measure(
            browser, sample, sample / "content" / "000_d987c4a45951b739.txt",
            "articles/2020/06/tech-tent-facial-recognition-faces-a-reckoning/", args.edits)))
        big = Path(temp) / "generated"
        copy_site(big)
        body, record, path = joined_article(big / "content",
                                            corpus.generate(args.articles, big / "content"))
        rows.append((f"generated site ({args.articles:,} articles)", measure(
            browser, big, body, path, args.edits)))
        rows.append(("  the same, its record edited", measure(
            browser, big, record, path, args.edits, with_related)))
        browser.close()
    print(f"Save-to-browser latency, median of {args.edits} edits of one article's body "
          "(or record)")
    print(f"{'site':<34}{'startup':>9}{'median':>9}{'min':>9}{'max':>9}{'server rebuild':>16}")
    for name, r in rows:
        print(f"{name:<34}{r['startup_s']:>8.1f}s{r['median_ms']:>7.0f}ms{r['min_ms']:>7.0f}ms"
              f"{r['max_ms']:>7.0f}ms{r['rebuild_ms']:>14.0f}ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
