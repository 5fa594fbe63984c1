"""Time searches of a built site in headless Chromium: from the search page's load to the first
result shown, and the requests it took. The site is served on 127.0.0.1.

    .venv/bin/python bench/search_latency.py bench-out/corpus-100000-54a880f1/site startup wombat
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
import time

from playwright.sync_api import sync_playwright

RUNS = 3


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def main(site: str, queries: list[str]) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        for query in queries:
            for n in range(RUNS):
                context = browser.new_context()  # nothing cached from the run before
                page = context.new_page()
                requests: list[object] = []
                page.on("requestfinished", requests.append)
                start = time.perf_counter()
                page.goto(f"{base}search/?q={query}")
                page.wait_for_selector(".pagefind-ui__result-link", timeout=120_000)
                first = time.perf_counter() - start
                page.wait_for_timeout(2000)  # the later bundles' requests
                said = page.locator(".pagefind-ui__message").inner_text()
                print(f"{query!r} run {n + 1}: first result {first * 1000:.0f} ms, "
                      f"{len(requests)} requests; {said}")
                context.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
