"""What digest takes for a web address, a browser's URL parser takes too, with the same host:
Node's ``URL`` is the WHATWG parser browsers implement (UTS 46 for hosts in other scripts)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from test_url_parsing import URLS

from digest.read.weburl import image_origin, image_url, web_url

NODE = shutil.which("node")
_READ = """
const read = (u) => { try { const p = new URL(u); return [p.protocol, p.hostname, p.port]; }
                      catch (e) { return null; } };
let data = ""; process.stdin.on("data", (c) => data += c);
process.stdin.on("end", () => console.log(JSON.stringify(JSON.parse(data).map(read))));
"""


def _urls() -> list[str]:
    found: list[str] = []

    @settings(max_examples=3000, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(URLS)
    def collect(url: str) -> None:
        found.append(url)

    collect()
    return sorted(set(found))


def _browser(urls: list[str]) -> list[list[str] | None]:
    done = subprocess.run([NODE, "-e", _READ], input=json.dumps(urls), capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(done.stdout)


@pytest.mark.skipif(NODE is None, reason="needs node, whose URL is the browsers' parser")
def test_a_browser_reads_every_url_taken_with_the_host_the_policy_names():
    urls = _urls()
    taken = [u for u in urls if web_url(u) is not None]
    images = [(u, image_url(u)) for u in taken]
    images = [(u, shown) for u, shown in images if shown is not None]
    read = _browser(taken + [shown for _, shown in images])
    as_taken, as_shown = dict(zip(taken, read[:len(taken)], strict=True)), read[len(taken):]
    assert [u for u in taken if as_taken[u] is None] == []  # each is a URL to a browser
    for (url, shown), browser in zip(images, as_shown, strict=True):
        scheme, host, port = browser
        default = {"http:": "80", "https:": "443"}[scheme]
        expected = f"{scheme}//{host}" + (f":{port}" if port and port != default else "")
        origin = image_origin(shown)
        assert origin.removesuffix(f":{default}") == expected, (url, shown)
        assert as_taken[url][1] == host, (url, shown)  # the same host as the URL as written
