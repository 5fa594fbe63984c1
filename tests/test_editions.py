"""Daily editions, their archive and their feed: days cut in the site's time zone, empty days
left out and skipped, grouped by story else by topic, valid, and right after edits."""

from __future__ import annotations

import functools
import http.server
import json
import posixpath
import re
import shutil
import subprocess
import threading
import urllib.request
from dataclasses import replace
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import REPO, _QuietHandler, age, record, site_bytes
from htmlcheck import page_problems
from test_patch import clean, edit

from digest.build import build
from digest.cli import main

QUAKE = "Magnitude 7 earthquake strikes off Sumatra, tsunami warning issued"
VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _yaml(**fields: object) -> str:
    return record(**fields).strip("-\n") + "\n"  # type: ignore[arg-type]


def files() -> dict[str, str]:
    """Articles on 10, 12 (23:30 UTC) and 15 June 2020; three outlets cover one event on the 15th."""
    found = {
        "early.yaml": _yaml(title="Morning market report", date="2020-06-10T09:00:00Z",
                            url="https://a.example/market", provider="Wire", topics=("Markets",)),
        "late.yaml": _yaml(title="Late night vote", date="2020-06-12T23:30:00Z",
                           url="https://a.example/vote", provider="Wire", topics=("Politics",)),
        "space.yaml": _yaml(title="Rover lands on Mars", date="2020-06-15T08:00:00Z",
                            url="https://b.example/rover", provider="Planet", topics=("Space",)),
        "plain.yaml": _yaml(title="Untagged note", date="2020-06-15T12:00:00Z",
                            url="https://b.example/note", provider="Planet", topics=()),
    }
    for n in range(3):
        found[f"quake{n}.yaml"] = _yaml(
            title=QUAKE if n != 1 else f"{QUAKE}: what we know", excerpt=f"{QUAKE}. By outlet {n}.",
            date=f"2020-06-15T0{n + 1}:00:00Z", url=f"https://o{n}.example/quake",
            provider=f"Outlet {n}", topics=("World",))
    return found


def editions_of(output: Path) -> list[str]:
    return sorted(p.relative_to(output).as_posix()
                  for p in output.glob("editions/*/*/*/index.html"))


def soup(output: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((output / path).read_bytes(), "html5lib")


def target(page: str, href: str) -> str:
    """Resolve a relative link of a site page to the site path it leads to."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), href))


def neighbours(output: Path, path: str) -> dict[str, str]:
    nav = soup(output, path).find("nav", attrs={"aria-label": "Editions"})
    return {a["rel"][0]: target(path, a["href"]) for a in nav.find_all("a")} if nav else {}


@pytest.fixture
def site(make_site):
    config = make_site(files())
    age(config.content.iterdir())
    build(config)
    return config


def test_days_are_cut_in_the_configured_time_zone(make_site, tmp_path):
    utc = make_site(files())
    build(utc)
    assert "Late night vote" in (utc.output / "editions/2020/06/12/index.html").read_text()
    berlin = replace(utc, timezone="Europe/Berlin", output=tmp_path / "berlin",
                     cache_dir=tmp_path / "berlin-cache")
    build(berlin)
    # 23:30 UTC is 01:30 the next day in Berlin (summer time).
    assert editions_of(berlin.output) == ["editions/2020/06/10/index.html",
                                          "editions/2020/06/13/index.html",
                                          "editions/2020/06/15/index.html"]
    page = soup(berlin.output, "editions/2020/06/13/index.html")
    assert page.h1.get_text() == "Saturday 13 June 2020"
    assert "Late night vote" in page.main.get_text()


def test_empty_days_have_no_page_and_are_skipped_by_previous_and_next(site):
    out = site.output
    assert editions_of(out) == ["editions/2020/06/10/index.html", "editions/2020/06/12/index.html",
                                "editions/2020/06/15/index.html"]
    assert neighbours(out, "editions/2020/06/10/index.html") == {
        "next": "editions/2020/06/12/index.html"}
    assert neighbours(out, "editions/2020/06/12/index.html") == {
        "prev": "editions/2020/06/10/index.html", "next": "editions/2020/06/15/index.html"}
    assert neighbours(out, "editions/2020/06/15/index.html") == {
        "prev": "editions/2020/06/12/index.html"}


def test_a_day_is_grouped_by_story_then_by_topic_in_the_readers_terms(site):
    page = soup(site.output, "editions/2020/06/15/index.html")
    assert page.h1.get_text() == "Monday 15 June 2020"
    assert page.h1.time["datetime"] == "2020-06-15"
    sections = page.find_all("section", class_="edition-group")
    headings = [s.h2.get_text(" ", strip=True) for s in sections]
    assert headings[0].startswith("Story:") and QUAKE in headings[0]
    assert headings[1:] == ["Space", "Other news"]
    titles = [[a.get_text() for a in s.select("article h2 a")] for s in sections]
    assert len(titles[0]) == 3 and all(QUAKE in t for t in titles[0])
    assert titles[1:] == [["Rover lands on Mars"], ["Untagged note"]]
    story = target("editions/2020/06/15/index.html", sections[0].h2.a["href"])
    assert story.startswith("stories/") and (site.output / story).is_file()


def test_the_archive_links_every_edition_and_home_the_latest(site):
    out = site.output
    archive = soup(out, "editions/index.html")
    linked = [target("editions/index.html", a["href"]) for a in archive.main.find_all("a")]
    assert linked == [*sorted(editions_of(out), reverse=True), "editions/2020/W25/index.html",
                      "editions/2020/W24/index.html"]
    assert [h.get_text() for h in archive.main.find_all("h3")] == ["June 2020", "Weekly editions"]
    home = soup(out, "index.html")
    latest = home.find("p", class_="edition-link").a
    assert target("index.html", latest["href"]) == "editions/2020/06/15/index.html"
    assert latest.get_text() == "Monday 15 June 2020"


def test_the_edition_feed_has_an_entry_a_day_with_its_headlines(site):
    feed = feedparser.parse((site.output / "editions/feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert [e.title for e in feed.entries] == ["Monday 15 June 2020", "Friday 12 June 2020",
                                               "Wednesday 10 June 2020"]
    first = feed.entries[0]
    assert first.link == "https://example.org/editions/2020/06/15/"
    content = BeautifulSoup(first.content[0].value, "html5lib")
    links = [(a.get_text(), a["href"]) for a in content.find_all("a")]
    assert len(links) == 5 and ("Rover lands on Mars",
                                "https://example.org/articles/2020/06/rover-lands-on-mars/") in links
    for _, url in links:
        assert (site.output / url.removeprefix("https://example.org/") / "index.html").is_file()
    edition = soup(site.output, "editions/2020/06/15/index.html")
    assert edition.find("link", type="application/atom+xml", href="../../../feed.xml")


def test_a_time_zone_zoneinfo_does_not_know_is_refused_before_content_is_read(tmp_path, capsys):
    (tmp_path / "digest.toml").write_text('timezone = "Mars/Olympus_Mons"\ncontent = "nowhere"\n')
    assert main(["build", "--config", str(tmp_path / "digest.toml")]) == 2
    err = capsys.readouterr().err
    assert "timezone must be an IANA time zone name" in err and "digest.toml" in err
    assert "Mars/Olympus_Mons" in err and not (tmp_path / "_site").exists()


def test_editions_are_valid_html(site):
    pages = [site.output / p for p in [*editions_of(site.output), "editions/index.html",
                                       "index.html", "editions/2020/W24/index.html",
                                       "editions/2020/W25/index.html"]]
    for page in pages:
        assert page_problems(page.read_bytes()) == [], page
    java = shutil.which("java")
    assert java and VNU.is_file(), "vnu needs java and node_modules (make test installs both)"
    result = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--format", "json",
                             *map(str, pages)], capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    assert messages == []


def test_every_edition_link_works_under_a_project_path(make_site, tmp_path):
    root = tmp_path / "served"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
        _QuietHandler, directory=str(root)))
    base = f"http://127.0.0.1:{server.server_address[1]}/repo/"
    config = make_site(files(), base_url=base, output=root / "repo")
    build(config)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        seen, todo = set(), [base + "editions/"]
        while todo:
            url = todo.pop()
            if url in seen:
                continue
            seen.add(url)
            with urllib.request.urlopen(url) as answer:
                assert answer.status == 200
                page = BeautifulSoup(answer.read(), "html5lib")
            for a in page.main.find_all("a"):
                linked = urllib.request.urljoin(url, a["href"])
                if not linked.startswith(base):  # a source's own page, never fetched here
                    assert linked.startswith("https://") and "127.0.0.1" not in linked, linked
                    continue
                if "/editions/" in linked:
                    todo.append(linked)
                else:
                    with urllib.request.urlopen(linked) as answer:
                        assert answer.status == 200
        assert len([u for u in seen if re.search(r"/repo/editions/\d+/\d+/\d+/", u)]) == 3
        feed = feedparser.parse(base + "editions/feed.xml")
        for entry in feed.entries:
            with urllib.request.urlopen(entry.link) as answer:
                assert answer.status == 200
    finally:
        server.shutdown()
        server.server_close()


def test_a_week_shows_its_top_stories_most_outlets_first_then_newest(site):
    out = site.output
    w25 = soup(out, "editions/2020/W25/index.html")
    assert w25.h1.get_text() == "Week 25, 2020" and "15–21 June 2020" in w25.main.get_text()
    tops = [a.get_text() for a in w25.select("article.card h2 a")]
    assert tops == [QUAKE, "Untagged note", "Rover lands on Mars"]  # 3 outlets; then newest
    assert "3 outlets · 3 articles this week" in w25.main.get_text()
    w24 = soup(out, "editions/2020/W24/index.html")
    assert [a.get_text() for a in w24.select("article.card h2 a")] == [
        "Late night vote", "Morning market report"]
    days = [target("editions/2020/W24/index.html", a["href"]) for a in w24.select("ul.terms a")]
    assert days == ["editions/2020/06/10/index.html", "editions/2020/06/12/index.html"]
    assert neighbours(out, "editions/2020/W24/index.html") == {}  # the nav is named Weeks
    nav = w24.find("nav", attrs={"aria-label": "Weeks"})
    assert [target("editions/2020/W24/index.html", a["href"]) for a in nav.find_all("a")] == [
        "editions/2020/W25/index.html"]
    day = soup(out, "editions/2020/06/15/index.html").find("p", class_="count").a
    assert target("editions/2020/06/15/index.html", day["href"]) == "editions/2020/W25/index.html"


def test_empty_weeks_are_skipped_and_iso_weeks_cross_years(make_site):
    config = make_site({"a.yaml": _yaml(title="Old", date="2020-05-12T10:00:00Z",
                                        url="https://a.example/1"),
                        "b.yaml": _yaml(title="New year", date="2021-01-02T10:00:00Z",
                                        url="https://a.example/2")})
    build(config)
    weeks = sorted(p.relative_to(config.output).as_posix()
                   for p in config.output.glob("editions/*/W*/index.html"))
    assert weeks == ["editions/2020/W20/index.html", "editions/2020/W53/index.html"]
    page = soup(config.output, "editions/2020/W53/index.html")
    assert "28 December 2020 – 3 January 2021" in page.main.get_text()
    nav = page.find("nav", attrs={"aria-label": "Weeks"})
    assert [a["href"] for a in nav.find_all("a")] == ["../W20/index.html"]


def inodes(output: Path) -> dict[str, int]:
    return {p: (output / p).stat().st_ino for p in [
        *editions_of(output), "editions/2020/W24/index.html", "editions/2020/W25/index.html"]}


def test_a_record_edit_remakes_only_the_editions_showing_it(site, tmp_path):
    before = inodes(site.output)
    edit(site, "space.yaml", lambda text: text.replace("Rover lands on Mars", "Rover lands on Mars "
                                                       "at last"))
    built = build(site)
    assert built.checked is None  # a small edit: the remembered site, planned in part
    after = inodes(site.output)
    assert [p for p in after if after[p] != before[p]] == ["editions/2020/06/15/index.html",
                                                           "editions/2020/W25/index.html"]
    assert "Rover lands on Mars at last" in (site.output / "editions/feed.xml").read_text()
    assert site_bytes(site.output) == clean(site, tmp_path)


@pytest.mark.parametrize("name, change", [
    ("late.yaml", lambda text: text.replace("2020-06-12T23:30", "2020-06-14T10:00")),
    ("quake1.yaml", lambda text: text.replace(": what we know", ": the aftermath")),
    ("early.yaml", lambda text: text.replace("Markets", "Economy")),
    ("plain.yaml", lambda text: text.replace("Untagged note", "An untagged note")),
])
def test_edits_give_what_a_clean_build_gives(site, tmp_path, name, change):
    edit(site, name, change)
    build(site)
    assert site_bytes(site.output) == clean(site, tmp_path)


def test_serve_brings_editions_and_api_up_to_date_as_a_fresh_preview(make_site):
    from test_preview_edits import fresh, save

    from digest.live.preview import Preview

    config = make_site(files())
    preview = Preview(config, lambda: config, drafts=True)
    assert preview.start().problems == ()
    path = config.content / "space.yaml"
    update = save(preview, "space.yaml", text=path.read_text().replace(
        "Rover lands on Mars", "Rover lands on Mars again"))
    assert update.problems == ()
    assert {"editions/2020/06/15/index.html", "editions/2020/W25/index.html",
            "editions/feed.xml", "editions/feed.json", "api/articles/page/1.json"
            } <= set(update.changed)
    assert not any(p.startswith(("editions/2020/06/1", "editions/2020/W24"))
                   and "/15/" not in p for p in update.changed)
    assert preview.files == fresh(preview).files
