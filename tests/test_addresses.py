"""Published addresses (``addresses.json``): a retitled article's old address becomes a redirect
page, in a build after the edit, a clean build, a build from a fresh clone and in serve alike; no
link published before breaks; a real page wins over a redirect; the file cannot send a page
outside the site."""

from __future__ import annotations

import functools
import http.server
import json
import logging
import posixpath
import re
import shutil
import threading
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import SEEDS, _QuietHandler, age, record, site_bytes
from htmlcheck import page_problems, parse
from test_patch import clean, edit
from test_preview_edits import fresh, save
from test_sample_site import internal_targets

from digest.build import build
from digest.config import ADDRESSES_NAME, Config
from digest.live.preview import Preview
from digest.plan.addresses import AddressesFileError

RECORD = "001_b0f9f3c565d07077.txt"
OLD = "articles/2020/06/tech-tent-facial-recognition-faces-a-reckoning/index.html"
NEW = "articles/2020/06/tech-tent-face-recognition-faces-its-reckoning/index.html"


def retitle(text: str) -> str:
    return text.replace('title: "Tech Tent: Facial recognition faces a reckoning"',
                        'title: "Tech Tent: Face recognition faces its reckoning"', 1)


@pytest.fixture
def seeds(make_site) -> Config:
    config = make_site({p.name: p.read_bytes() for p in sorted(SEEDS.iterdir()) if p.is_file()})
    age(config.content.iterdir())
    build(config)
    return config


def published_urls(output: Path) -> set[str]:
    """Every page path of a built site, and every site path its sitemap and feeds name."""
    paths = {p.relative_to(output).as_posix() for p in output.rglob("*.html")}
    for name in ("sitemap.xml", "feed.xml"):
        for url in re.findall(r"<(?:loc|id)>https://example\.org/([^<]*)<", (output / name).read_text()):
            paths.add(url + "index.html" if url.endswith("/") or not url else url)
    return paths


def redirect_target(page: str, data: bytes) -> str | None:
    """The site path a redirect page sends its reader to (meta refresh), if it is one."""
    tree, _ = parse(data)
    refresh = [m.get("content") for m in tree.iter("meta") if m.get("http-equiv") == "refresh"]
    if not refresh:
        return None
    url = refresh[0].split("url=", 1)[1]
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), url))


def test_no_published_link_breaks_after_a_retitle(seeds, tmp_path):
    before = published_urls(seeds.output)
    assert OLD in before
    edit(seeds, RECORD, retitle)
    build(seeds)
    after = site_bytes(seeds.output)
    assert after == clean(seeds, tmp_path)  # a build after the edit is a clean build
    assert NEW in after and OLD in after
    # Its old address is a redirect page: a meta refresh, a canonical link, a visible link,
    # noindex; valid HTML; not in the sitemap.
    page = after[OLD]
    assert page_problems(page) == []
    tree, _ = parse(page)
    assert redirect_target(OLD, page) == NEW
    assert [link.get("href") for link in tree.iter("link") if link.get("rel") == "canonical"] == [
        "https://example.org/" + NEW.removesuffix("index.html")]
    assert [m.get("content") for m in tree.iter("meta") if m.get("name") == "robots"] == ["noindex"]
    assert [a.get("href") for a in tree.iter("a")] == [
        "../tech-tent-face-recognition-faces-its-reckoning/index.html"]
    sitemap = after["sitemap.xml"].decode()
    assert NEW.removesuffix("index.html") in sitemap and OLD.removesuffix("index.html") not in sitemap
    # Every address published before answers over HTTP, a redirect leading to a real page.
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
        _QuietHandler, directory=str(seeds.output)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for path in sorted(before):
            with urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}/{path}") as got:
                data = got.read()
            target = redirect_target(path, data)
            if target is not None:
                assert (seeds.output / target).is_file() and redirect_target(
                    target, (seeds.output / target).read_bytes()) is None, path
    finally:
        server.shutdown()
        server.server_close()
    # And every link of the site resolves.
    assert all(target.is_file() for _, _, target in internal_targets(seeds.output, "/"))


def test_a_fresh_clone_without_cache_keeps_the_redirects(seeds, tmp_path):
    edit(seeds, RECORD, retitle)
    build(seeds)
    assert json.loads((seeds.root / ADDRESSES_NAME).read_text())[OLD.removesuffix("index.html")] == RECORD
    clone = tmp_path / "clone"
    shutil.copytree(seeds.content, clone / "content")
    shutil.copy(seeds.root / ADDRESSES_NAME, clone / ADDRESSES_NAME)  # committed, as a lock file
    cloned = replace(seeds, root=clone, content=clone / "content", output=clone / "_site",
                     cache_dir=clone / ".digest-cache")
    build(cloned, cached=False)
    assert site_bytes(cloned.output) == site_bytes(seeds.output)
    listed = (clone / ADDRESSES_NAME).read_bytes()
    build(cloned, cached=False)  # building again changes nothing, the file neither
    assert (clone / ADDRESSES_NAME).read_bytes() == listed == (seeds.root / ADDRESSES_NAME).read_bytes()
    assert site_bytes(cloned.output) == site_bytes(seeds.output)


def test_a_real_page_wins_over_a_redirect(make_site, tmp_path, caplog):
    alpha = record("Alpha rises", "One.", url="https://example.com/1").strip("-\n") + "\n"
    config = make_site({"one.yaml": alpha})
    build(config)
    edit(config, "one.yaml", lambda text: text.replace("Alpha rises", "Alpha rose"))
    build(config)
    old = "articles/2020/06/alpha-rises/index.html"
    assert redirect_target(old, (config.output / old).read_bytes()) == (
        "articles/2020/06/alpha-rose/index.html")
    (config.content / "two.yaml").write_text(alpha.replace("example.com/1", "example.com/2")
                                             .replace("One.", "Two."))
    age(config.content.iterdir())
    with caplog.at_level(logging.WARNING):
        build(config)
    assert redirect_target(old, (config.output / old).read_bytes()) is None
    assert b"Two." in (config.output / old).read_bytes()
    assert "articles/2020/06/alpha-rises/: once one.yaml's address, now another page's" in caplog.text
    listed = json.loads((config.root / ADDRESSES_NAME).read_text())
    assert listed["articles/2020/06/alpha-rises/"] == "two.yaml"
    assert site_bytes(config.output) == clean(config, tmp_path)


@pytest.mark.parametrize("text, line", [
    ('{\n  "articles/2020/06/ok/": "a.yaml",\n  "articles/../../../etc/": "a.yaml"\n}\n', 3),
    ('{\n  "/tmp/x/": "a.yaml"\n}\n', 2),
    ('{\n  "topics/x/": "a.yaml"\n}\n', 2),
    ('{\n  "articles/a/": "a.yaml",\n  "stories/x/feed.xml/": ["a.yaml"]\n}\n', 3),
    ('{\n  "articles/x/": 3\n}\n', 2),
    ('{\n  "articles/x/": "a.yaml",,\n}\n', 2),
])
def test_a_bad_addresses_file_stops_the_build_naming_its_line(make_site, text, line):
    config = make_site({"a.yaml": record().strip("-\n") + "\n"})
    (config.root / ADDRESSES_NAME).write_text(text)
    with pytest.raises(AddressesFileError, match=rf"{ADDRESSES_NAME}:{line}\b"):
        build(config)
    assert not config.output.exists() and not (config.root.parent / "etc").exists()


def test_serve_follows_a_retitle_and_serves_what_a_build_does(seeds):
    preview = Preview(seeds, lambda: seeds, drafts=True)
    assert preview.start().problems == ()
    path = seeds.content / RECORD
    update = save(preview, RECORD, text=retitle(path.read_text(encoding="utf-8")))
    assert update.problems == () and update.moved == {OLD: NEW}
    assert redirect_target(OLD, preview.files[OLD]) == NEW  # published by the build: redirected
    assert preview.files == fresh(preview).files
    build(seeds)  # the same edit, built: the same pages
    assert {p: d for p, d in site_bytes(seeds.output).items() if p.endswith(".html")} == {
        p: d for p, d in preview.files.items() if p.endswith(".html")}


def test_a_redirect_page_passes_the_nu_html_checker(seeds):
    from test_html_valid import VNU
    java = shutil.which("java")
    assert java and VNU.is_file(), "vnu needs java and node_modules/vnu-jar (make test)"
    edit(seeds, RECORD, retitle)
    build(seeds)
    import subprocess
    result = subprocess.run([java, "-jar", str(VNU), "--format", "json", str(seeds.output / OLD)],
                            capture_output=True, text=True, timeout=120)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    assert [m["message"] for m in messages if m["type"] == "error"] == []


def story_pages(output: Path) -> set[str]:
    return {p.relative_to(output).as_posix() for p in output.glob("stories/**/index.html")
            if redirect_target("", p.read_bytes()) is None}


def test_merged_and_split_stories_redirect_their_old_addresses(make_site, tmp_path):
    from test_story_edits import files
    config = make_site(files())
    age(config.content.iterdir())
    build(config)
    first = story_pages(config.output)
    assert len(first) == 3
    joint = "topics:", "story: joint\ntopics:"
    for name in sorted(files()):
        if name.startswith(("e0", "e1")):  # two stories merge: the older one's lead leads
            edit(config, name, lambda text: text.replace(*joint, 1))
    build(config)
    assert site_bytes(config.output) == clean(config, tmp_path)
    merged = story_pages(config.output)
    [gone] = first - merged
    [kept] = merged & first - {p for p in first if "storm" in p}
    assert redirect_target(gone, (config.output / gone).read_bytes()) == kept
    # The lead leaves: the other members' story takes a new address; both old ones lead to it.
    edit(config, "e0n0.yaml", lambda text: text.replace("story: joint", "story: none", 1))
    build(config)
    assert site_bytes(config.output) == clean(config, tmp_path)
    [now] = story_pages(config.output) - merged
    assert now.startswith("stories/")
    for old in (gone, kept):
        assert redirect_target(old, (config.output / old).read_bytes()) == now, old
    sitemap = (config.output / "sitemap.xml").read_text()
    assert now.removesuffix("index.html") in sitemap
    assert not any(old.removesuffix("index.html") + "<" in sitemap for old in (gone, kept))


@pytest.mark.parametrize("crlf", [False, True])
def test_any_sequence_of_retitles_builds_and_serves_what_a_clean_build_gives(make_site, tmp_path,
                                                                             crlf):
    import random

    from conftest import stories
    files = stories(7)
    config = make_site({name: text.replace("\n", "\r\n") if crlf else text
                        for name, text in files.items()})
    age(config.content.iterdir())
    build(config)
    preview = Preview(config, lambda: config, drafts=True)
    assert preview.start().problems == ()
    rng = random.Random(3)
    records = sorted(name for name in files if "title:" in files[name])
    titles = ("Tale", "Story", "Yarn", "Account")  # back and forth: a page returns to an address
    followed = small = 0
    for step in range(10):
        name = rng.choice(records)
        path = config.content / name
        text = re.sub(r'title: "\w+', f'title: "{rng.choice(titles)}',
                      path.read_bytes().decode(), count=1)
        path.write_bytes(text.encode())
        age([path])
        update = save(preview, name)
        followed += len(update.moved)
        small += build(config).checked is None  # the edit alone was read
        assert site_bytes(config.output) == clean(config, tmp_path), f"step {step}"
        assert {p: d for p, d in site_bytes(config.output).items() if p.endswith(".html")} == {
            p: d for p, d in preview.files.items() if p.endswith(".html")}, f"step {step}"
        assert preview.files == fresh(preview).files, f"step {step}"
    assert followed >= 5 and small >= 3
    redirects = [p for p, d in site_bytes(config.output).items() if b"Moved:" in d]
    assert len(redirects) >= 3


def test_serve_reads_addresses_json_again_when_a_build_writes_it(seeds):
    from digest.live.watch import ChangeKind, Watched, classify_change
    path = seeds.root / ADDRESSES_NAME
    published = path.read_text()
    path.unlink()  # as if never built: a retitle in serve leaves no redirect
    preview = Preview(seeds, lambda: seeds, drafts=True)
    assert preview.start().problems == ()
    record = seeds.content / RECORD
    assert save(preview, RECORD, text=retitle(record.read_text(encoding="utf-8"))).moved == {
        OLD: NEW}
    assert OLD not in preview.files
    watched = Watched(seeds.content, seeds.templates, seeds.static, None,
                      seeds.root / "links.json", path)
    path.write_text(published)  # a build elsewhere published the old address
    assert classify_change(path, watched) is ChangeKind.LINKS
    update = preview.apply({path: ChangeKind.LINKS})
    assert update.changed == (OLD,) and redirect_target(OLD, preview.files[OLD]) == NEW


def test_an_addresses_file_that_cannot_be_written_is_told_and_the_site_still_built(make_site,
                                                                                    caplog):
    import os
    config = make_site({"one.yaml": record().strip("-\n") + "\n"})
    # Where the file is written first, a folder: no user, root included, may write it.
    (config.root / f".{ADDRESSES_NAME}.{os.getpid()}").mkdir()
    with caplog.at_level(logging.WARNING):
        build(config, cached=False)
    assert (config.output / "index.html").is_file()
    assert not (config.root / ADDRESSES_NAME).exists()
    assert f"{ADDRESSES_NAME}: cannot be written" in caplog.text


def test_an_open_story_page_follows_its_lead_into_a_merged_story(make_site):
    from test_story_edits import files
    config = make_site(files())
    preview = Preview(config, lambda: config, drafts=True)
    assert preview.start().problems == ()
    first = {p for p, d in preview.files.items() if p.startswith("stories/")
             and p.endswith("index.html")}
    names = [name for name in sorted(files()) if name.startswith(("e0", "e1"))]
    for name in names:
        path = config.content / name
        path.write_text(path.read_text().replace("topics:", "story: joint\ntopics:", 1))
    update = save(preview, *names)
    assert update.problems == ()
    now = {p for p, d in preview.files.items() if p.startswith("stories/")
           and p.endswith("index.html") and b"Moved:" not in d}
    [gone] = first - now
    [kept] = (first & now) - {p for p in first if "storm" in p}
    assert update.moved == {gone: kept}  # never published: no redirect page, but followed
    assert gone not in preview.files
