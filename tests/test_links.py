"""`digest links check` and `archive` against a local "web" and a fake archive on 127.0.0.1."""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from conftest import record
from linkweb import web

from digest.cli import main
from digest.links.fetch import Refused, checked_connection, is_public
from digest.links.ledger import stamp

PATHS = ("/ok", "/moved", "/gone404", "/gone410", "/flaky", "/slow", "/reset", "/no-head",
         "/to-file")
FAST = ('timeout = 0.5\nretries = 2\nbackoff = 0.05\ndelay = 0\nsave_delay = 0\n'
        'allow_private = true\n')


@pytest.fixture
def the_web():
    with web() as server:
        yield server


@pytest.fixture
def site(make_site, tmp_path, monkeypatch, the_web):
    """A site whose articles link to every path of the web (originals, one image, related
    coverage), its settings pointing the archive at the web; commands run from its folder."""
    base = the_web.base
    files = {}
    for n, path in enumerate(PATHS):
        extra = ""
        if path == "/ok":
            extra = (f"images:\n  - url: {base}/page/image.jpg\n"
                     f"related:\n  - title: Elsewhere\n    webUrl: {base}/page/related\n"
                     f"  - title: Gone elsewhere\n    webUrl: {base}/gone404?from=related\n")
        files[f"a{n}.md"] = record(title=f"Story {n}", url=f"{base}{path}",
                                   date=f"2020-06-{n + 10:02d}T19:19:00Z",
                                   extra=extra) + f"Body of story {n}.\n"
    config = make_site(files)
    settings = tmp_path / "digest.toml"
    settings.write_text(settings.read_text() + f'[links]\narchive = "{base}"\n'
                        f'save = "{base}/save/"\n' + FAST)
    monkeypatch.chdir(tmp_path)
    return config


def ledger(config):
    return json.loads((config.root / "links.json").read_text())["links"]


def test_check_records_each_link_state(site, the_web, capsys):
    base = the_web.base
    assert main(["links", "check"]) == 0
    out = capsys.readouterr().out
    links = ledger(site)
    assert sorted(links) == sorted([f"{base}{p}" for p in PATHS] + [
        f"{base}/page/image.jpg", f"{base}/page/related", f"{base}/gone404?from=related"])
    state = {url.removeprefix(base): (e["state"], e["status"]) for url, e in links.items()}
    assert state["/ok"] == ("alive", 200) and state["/no-head"] == ("alive", 200)
    assert state["/flaky"] == ("alive", 200)  # two 500s, then a retry
    assert state["/moved"] == ("redirected", 200)
    assert links[f"{base}/moved"]["final_url"] == f"{base}/ok"
    assert state["/gone404"] == ("dead", 404) and state["/gone410"] == ("dead", 410)
    assert state["/slow"] == ("unreachable", None) and links[f"{base}/slow"]["error"] == "timed out"
    assert state["/reset"] == ("unreachable", None)
    assert links[f"{base}/reset"]["error"] == "connection reset"
    assert state["/to-file"] == ("unreachable", None)
    assert "not an http(s) URL" in links[f"{base}/to-file"]["error"]
    assert state["/page/image.jpg"] == ("alive", 200)
    assert all(e["checked"] == links[f"{base}/ok"]["checked"] for e in links.values())
    # HEAD first, GET only when HEAD is refused; a browser's user agent.
    assert the_web.requests["HEAD /ok"] >= 1 and the_web.requests["GET /ok"] == 0
    assert the_web.requests["GET /no-head"] == 1
    assert "Mozilla/5.0" in the_web.agents.pop()
    assert "12 links: 5 alive, 1 redirected, 3 dead, 3 unreachable" in out
    text = (site.root / "links.json").read_text()
    assert text.endswith("}\n") and text == json.dumps(json.loads(text), indent=2, sort_keys=True,
                                                       ensure_ascii=False) + "\n"


def test_private_addresses_are_refused_by_default(site, the_web, tmp_path, capsys):
    settings = tmp_path / "digest.toml"
    settings.write_text(settings.read_text().replace("allow_private = true\n", ""))
    assert main(["links", "check"]) == 0
    links = ledger(site)
    assert {e["state"] for e in links.values()} == {"unreachable"}
    assert all("private, loopback or link-local" in e["error"] for e in links.values())
    assert sum(the_web.requests.values()) == 0  # nothing was sent


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1",
                                     "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1",
                                     "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "224.0.0.1"])
def test_addresses_that_are_not_public(address):
    assert not is_public(ipaddress.ip_address(address))


def test_public_addresses():
    assert is_public(ipaddress.ip_address("93.184.216.34"))
    assert is_public(ipaddress.ip_address("2606:2800:220:1:248:1893:25c8:1946"))


def test_a_name_resolving_to_loopback_is_refused_before_connecting():
    with pytest.raises(Refused, match="localhost is at"):
        checked_connection(("localhost", 9), 1.0, allow_private=False)


def test_only_older_rechecks_stale_entries_only(site, the_web):
    base = the_web.base
    assert main(["links", "check"]) == 0
    path = site.root / "links.json"
    data = json.loads(path.read_text())
    old = stamp(datetime.now(UTC) - timedelta(days=10))
    for url in (f"{base}/ok", f"{base}/gone410"):
        data["links"][url]["checked"] = old
    path.write_text(json.dumps(data, indent=2))
    the_web.requests.clear()
    assert main(["links", "check", "--only-older", "7"]) == 0
    asked = {key.split(" ", 1)[1] for key in the_web.requests}
    assert asked == {"/ok", "/gone410"}
    links = ledger(site)
    assert links[f"{base}/ok"]["checked"] != old and links[f"{base}/gone410"]["state"] == "dead"


def test_an_interrupted_check_goes_on_where_it_stopped(make_site, tmp_path, the_web):
    base = the_web.base
    count = 24
    make_site({f"p{n}.md": record(title=f"Story {n}", url=f"{base}/page/{n}")
               + "Body.\n" for n in range(count)})
    settings = tmp_path / "digest.toml"
    settings.write_text(settings.read_text() + "[links]\nallow_private = true\n"
                        "per_host = 1\ndelay = 0.15\n")
    command = [sys.executable, "-m", "digest", "links", "check"]
    running = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": ""})
    path = tmp_path / "links.json"
    deadline = time.monotonic() + 30
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    running.send_signal(signal.SIGKILL)  # no chance to tidy up
    running.wait()
    first = json.loads(path.read_text())["links"]  # whole: written through a temporary file
    assert 0 < len([e for e in first.values() if e["checked"]]) < count
    the_web.requests.clear()
    done = subprocess.run([*command, "--only-older", "1"], cwd=tmp_path, capture_output=True,
                          text=True, check=True)
    asked = sorted(int(key.rsplit("/", 1)[1]) for key in the_web.requests)
    checked_before = {int(url.rsplit("/", 1)[1]) for url, e in first.items() if e["checked"]}
    assert set(asked) == set(range(count)) - checked_before
    assert f"{count} links: {count} alive" in done.stdout
    assert not list(tmp_path.glob(".links-*"))


def test_archive_finds_the_copy_closest_to_the_article(site, the_web, capsys):
    base = the_web.base
    the_web.snapshots[f"{base}/gone404"] = "20200601000000"
    the_web.snapshots[f"{base}/ok"] = "20190101000000"
    assert main(["links", "check"]) == 0
    assert main(["links", "archive"]) == 0
    links = ledger(site)
    gone = links[f"{base}/gone404"]["snapshot"]
    assert gone == {"timestamp": "20200601000000",
                    "url": f"{base}/web/20200601000000/{base}/gone404"}
    assert links[f"{base}/ok"]["snapshot"]["timestamp"] == "20190101000000"
    assert links[f"{base}/gone410"]["snapshot"] is None
    assert links[f"{base}/gone410"]["archive_checked"]
    # Asked for the article's own date: a0.md (/ok) was published on 10 June 2020.
    assert the_web.asked_timestamps[f"{base}/ok"] == "20200610191900"
    assert the_web.asked_timestamps[f"{base}/page/related"] == "20200610191900"
    assert "Looked up 12 links: 2 archived" in capsys.readouterr().out
    # Looked up once: a second run asks nothing.
    the_web.requests.clear()
    assert main(["links", "archive"]) == 0
    assert the_web.requests["GET /wayback/available"] == 0


def test_archive_save_is_resumable(site, the_web, capsys):
    base = the_web.base
    assert main(["links", "check"]) == 0
    the_web.save_budget = 2  # then the archive answers 429: slow down
    assert main(["links", "archive", "--save"]) == 0
    assert "stopped: the archive asks to slow down" in capsys.readouterr().out
    live = [f"{base}{p}" for p in ("/ok", "/moved", "/flaky", "/no-head", "/page/image.jpg",
                                   "/page/related")]
    first = ledger(site)
    saved = [url for url in live if first[url]["snapshot"]]
    assert len(saved) == 2 and all(first[u]["save_requested"] for u in saved)
    assert not any(e["snapshot"] for u, e in first.items() if u not in saved)
    the_web.save_budget = None
    the_web.requests.clear()
    assert main(["links", "archive", "--save"]) == 0
    asked = sorted(key.split(" /save/", 1)[1] for key in the_web.requests if "/save/" in key)
    assert asked == sorted(set(live) - set(saved))  # only those not saved yet; never dead ones
    links = ledger(site)
    assert all(links[u]["snapshot"]["timestamp"] == "20261207110000" for u in live)
    assert links[f"{base}/gone404"]["snapshot"] is None


def test_bad_links_settings_are_named(site, the_web, tmp_path, capsys):
    settings = tmp_path / "digest.toml"
    text = settings.read_text()
    for bad, named in (("timeout = 0.5", 'timeout = "soon"'), ("delay = 0", "delay = -1"),
                       ("timeout = 0.5", "timeout = 0.5\nspeed = 3")):
        settings.write_text(text.replace(bad, named))
        assert main(["links", "check"]) == 2
        err = capsys.readouterr().err
        assert "digest.toml: " in err and "links." in err
    settings.write_text(text.replace(f'archive = "{the_web.base}"', 'archive = "ftp://x"'))
    assert main(["links", "archive"]) == 2
    assert "links.archive must be an absolute http(s) URL" in capsys.readouterr().err
    assert not (tmp_path / "links.json").exists()


def test_answers_are_read_only_up_to_the_limit(the_web):
    from digest.config import LinkSettings
    from digest.links.fetch import MAX_BYTES, fetch

    answer = fetch(f"{the_web.base}/big", LinkSettings(allow_private=True))
    assert answer.status == 200 and len(answer.body) == MAX_BYTES < 3 << 20


def test_requests_to_one_host_are_limited_and_spaced(make_site, tmp_path, the_web, monkeypatch):
    base = the_web.base
    make_site({f"w{n}.md": record(title=f"Story {n}", url=f"{base}/page/wait{n}") + "Body.\n"
               for n in range(8)})
    settings = tmp_path / "digest.toml"
    settings.write_text(settings.read_text() + "[links]\nallow_private = true\nper_host = 2\n"
                        "delay = 0\n")
    monkeypatch.chdir(tmp_path)
    assert main(["links", "check"]) == 0
    assert the_web.most_in_flight == 2  # eight 0.2 s answers, two at a time
    settings.write_text(settings.read_text().replace("delay = 0", "delay = 0.2"))
    the_web.starts.clear()
    the_web.most_in_flight = 0
    assert main(["links", "check"]) == 0
    starts = sorted(the_web.starts)
    assert len(starts) == 8 and min(b - a for a, b in pairwise(starts)) >= 0.15


def test_progress_is_drawn_on_a_terminal_from_the_first_link():
    import io

    from digest.progress import track

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    assert list(track(["a", "b", "c"], "Checking links", 3, stream=screen, least=1)) == ["a", "b", "c"]
    assert "Checking links 3/3 (100%)" in screen.getvalue()


def test_an_answer_dripped_slowly_is_cut_off(the_web):
    from digest.config import LinkSettings
    from digest.links.fetch import LONGEST, fetch

    started = time.monotonic()
    answer = fetch(f"{the_web.base}/drip", LinkSettings(allow_private=True, timeout=0.5), "HEAD")
    took = time.monotonic() - started
    assert answer.status is None and answer.error == "timed out"
    assert 0.5 * LONGEST <= took < 0.5 * LONGEST + 1.5
