"""Build the sample site and photograph it in Chromium: python docs/screenshots/take.py [OUT].

The articles' images live on the news sites' hosts; this machine may be offline, so every
image from another host is answered with a plain placeholder of the same shape.
"""

from __future__ import annotations

import functools
import http.server
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

from digest.build import build
from digest.config import load_config

REPO = Path(__file__).resolve().parents[2]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SHOTS = {  # name: (path, width, height, colour scheme)
    "home.png": ("", 390, 1100, "light"),
    "article.png": ("articles/2020/06/tech-tent-facial-recognition-faces-a-reckoning/", 1280, 1000,
                    "light"),
}

PLACEHOLDER = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 9">'
               b'<defs><linearGradient id="g" x2="1" y2="1"><stop offset="0" stop-color="#c9d6ea"/>'
               b'<stop offset="1" stop-color="#8fa6c6"/></linearGradient></defs>'
               b'<rect width="16" height="9" fill="url(#g)"/></svg>')


def placeholder(route, request) -> None:  # type: ignore[no-untyped-def]
    if request.url.startswith("http://127.0.0.1"):
        route.continue_()
    else:
        route.fulfill(status=200, content_type="image/svg+xml", body=PLACEHOLDER)


def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as root:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
            Quiet, directory=root))
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        build(load_config(REPO / "digest.toml", {"output": Path(root), "base_url": base}))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for name, (path, width, height, scheme) in SHOTS.items():
                page = browser.new_page(viewport={"width": width, "height": height},
                                        color_scheme=scheme, device_scale_factor=1)
                page.route("**/*", placeholder)
                page.goto(base + path, wait_until="networkidle")
                page.screenshot(path=out / name)
                page.close()
            browser.close()
        server.shutdown()


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshots")
