"""Story pages, built from the seeds and a few more records, read through html5lib, feedparser
and the Nu Html Checker: a page per story, "+N sources" and "More:" on cards, "Full coverage"
and ``isPartOf`` on article pages, a feed per story, the sitemap, the report."""

from __future__ import annotations

import json
import shutil
import subprocess

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import REPO, SEEDS, record
from htmlcheck import site_problems
from test_html_valid import VNU
from test_sample_site import build_cli, internal_targets

MERCURY_AMP = ("https://www-mercurynews-com.cdn.ampproject.org/c/s/www.mercurynews.com/2020/07/"
               "02/magid-facial-recognition-accused-in-racial-bias-being-pulled-back-by-cities-"
               "and-companies/amp/")
QUAKE = "Magnitude 7 earthquake strikes off Sumatra coast, tsunami warning issued"
QUAKE2 = "Sumatra earthquake of magnitude 7 triggers tsunami warning"
QUAKE_TEXT = "A magnitude 7 earthquake struck off Sumatra, prompting a tsunami warning."
RELATED = f"""related:
  - title: "Larry Magid: Facial recognition loses support"
    publishedDateTime: 2020-07-02T12:00:00Z
    webUrl: "{MERCURY_AMP}"
    provider:
      name: Mercury News
      images:
        - url: "https://logos.example/mercury.png"
          width: 50
          height: 50
"""
FILES = {
    # Lists, in an AMP form, a page seed 003 lists too: one story, that page shown once.
    "cities.yaml": record("Cities back away from facial recognition", "Detroit ends a contract.",
                          "2020-07-02T18:00:00Z", "https://example.org/news/cities?utm_source=rss",
                          "Example Org", extra=RELATED).strip("-\n") + "\n",
    "quake1.yaml": record(QUAKE, QUAKE_TEXT, "2020-07-05T01:00:00Z", "https://wire.example/q1",
                          "Wire").strip("-\n") + "\n",
    "quake2.yaml": record(QUAKE2, QUAKE_TEXT, "2020-07-05T04:00:00Z", "https://planet.example/q2",
                          "Planet", ("Science",)).strip("-\n") + "\n",
    "quake3.yaml": record(QUAKE, QUAKE_TEXT, "2020-07-05T05:00:00Z", "https://third.example/q3",
                          "Third", extra="story: none").strip("-\n") + "\n",
    "forced1.yaml": record("Council meeting minutes", "", "2020-06-01T10:00:00Z",
                           "https://a.example/f1", "Alpha", extra="story: budget").strip("-\n") + "\n",
    "forced2.yaml": record("Library opening hours change", "", "2020-06-20T10:00:00Z",
                           "https://b.example/f2", "Beta", extra="story: budget\nlead: true"
                           ).strip("-\n") + "\n",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("stories")
    content = root / "content"
    shutil.copytree(SEEDS, content)
    for name, text in FILES.items():
        (content / name).write_text(text, encoding="utf-8")
    for folder in ("templates", "static"):
        shutil.copytree(REPO / folder, root / folder)
    result = build_cli(root, "--content", str(content), "--output", str(root / "_site"),
                       "--base-url", "https://example.org/", "--report", str(root / "r.json"))
    assert result.returncode == 0, result.stderr
    return root / "_site", json.loads((root / "r.json").read_text())


def soup(site, rel: str) -> BeautifulSoup:
    return BeautifulSoup((site / rel).read_text(encoding="utf-8"), "html5lib")


def stories_by_lead(report) -> dict[str, dict]:
    return {s["lead"]: s for s in report["stories"]}


def test_the_report_lists_each_story_with_its_url_and_record_files(built):
    _, report = built
    found = {s["lead"]: s["members"] for s in report["stories"]}
    assert found == {"forced2.yaml": ["forced1.yaml", "forced2.yaml"],
                     "cities.yaml": ["cities.yaml", "003_0dfa9dda0334464e.txt"],
                     "quake1.yaml": ["quake1.yaml", "quake2.yaml"]}
    for story in report["stories"]:
        assert story["url"].startswith("stories/") and story["url"].endswith("/")


def test_a_story_page_shows_its_lead_and_every_page_once_in_time(built):
    site, report = built
    url = stories_by_lead(report)["cities.yaml"]["url"]
    page = soup(site, url + "index.html")
    assert page.h1.get_text(strip=True) == "Cities back away from facial recognition"
    rows = page.select(".timeline li")
    outlets = [row.select_one(".provider").get_text(strip=True) for row in rows]
    # Mercury News's page, listed by both articles in two spellings, is one row at its
    # earliest date; the Times of Israel's, listed by the seed, is there too.
    assert outlets == ["Mercury News", "The Times of Israel", "Example Org", "Local News 8"]
    assert rows[0].time["datetime"] == "2020-07-02T12:00:00Z"
    # Each outlet's logo, when known; the page's policy allows its host.
    assert rows[0].select_one(".provider img.logo")["src"] == "https://logos.example/mercury.png"
    policy = page.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "https://logos.example" in policy
    assert "4 sources from 4 outlets" in page.select_one(".kicker").get_text()
    topics = [a.get_text() for a in page.select(".topics a")]
    assert topics == ["AI", "Natural Language Processing"]


def test_cards_show_sources_and_more_links(built):
    site, report = built
    home = soup(site, "index.html")
    cards = [(c.h2.get_text(strip=True), c.select_one(".coverage"))
             for c in home.select("article.card")]
    quakes = [coverage for title, coverage in cards if title == QUAKE]
    assert len(quakes) == 2 and quakes.count(None) == 1  # quake3, kept alone by "story: none"
    quake = next(c for c in quakes if c is not None)
    assert quake.a.get_text() == "+1 source"
    assert quake.a["href"] == stories_by_lead(report)["quake1.yaml"]["url"] + "index.html"
    assert [a.get_text() for a in quake.select("a")[1:]] == ["Planet"]
    cards = dict(cards)
    assert cards["Library opening hours change"].a.get_text() == "+1 source"


def test_an_article_page_links_to_its_story(built):
    site, report = built
    url = stories_by_lead(report)["cities.yaml"]["url"]
    pages = [p for p in site.glob("articles/2020/07/*/index.html")
             if "Full coverage" in p.read_text()]
    assert len(pages) == 4  # cities, the seed, quake1, quake2
    page = BeautifulSoup(next(p for p in pages if "cities" in p.as_posix()).read_text(),
                         "html5lib")
    link = page.select_one(".coverage a")
    assert link.get_text() == "Full coverage: 4 sources"
    data = json.loads(page.find("script", type="application/ld+json").string)
    assert data["isPartOf"]["url"] == "https://example.org/" + url


def test_each_story_has_a_feed_and_is_in_the_sitemap(built):
    site, report = built
    sitemap = (site / "sitemap.xml").read_text()
    for story in report["stories"]:
        assert f"<loc>https://example.org/{story['url']}</loc>" in sitemap
        feed = feedparser.parse((site / story["url"] / "feed.xml").read_bytes())
        assert not feed.bozo, feed.bozo_exception
        assert len(feed.entries) == len(story["members"])
    feed = feedparser.parse((site / stories_by_lead(report)["forced2.yaml"]["url"] / "feed.xml"
                             ).read_bytes())
    assert [e.title for e in feed.entries] == ["Library opening hours change",
                                               "Council meeting minutes"]


def test_story_pages_are_well_formed_and_their_links_resolve(built):
    site, _ = built
    assert site_problems(site) == {}
    targets = [(rel, ref, target) for rel, ref, target in internal_targets(site, "/")
               if rel.startswith("stories/") or "stories/" in ref]
    assert len(targets) > 10
    assert [f"{rel}: {ref}" for rel, ref, target in targets if not target.is_file()] == []


def test_story_pages_pass_the_nu_html_checker(built):
    site, _ = built
    java = shutil.which("java")
    assert java and VNU.is_file()
    pages = [*map(str, site.glob("stories/**/*.html")), str(site / "index.html"),
             *map(str, site.glob("articles/2020/07/*/index.html"))]
    result = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--format", "json", *pages],
                            capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    assert [f"{m.get('url')}: {m['message']}" for m in messages] == []


def test_a_cards_count_agrees_with_its_story_page(built):
    site, report = built
    home = soup(site, "index.html")
    for story in report["stories"]:
        page = soup(site, story["url"] + "index.html")
        rows = len(page.select(".timeline li"))
        links = [a for a in home.select(".coverage a") if a["href"] == story["url"] + "index.html"]
        assert links and {a.get_text() for a in links} == {f"+{rows - 1} source" + (
            "s" if rows != 2 else "")}


def test_a_story_page_carries_an_item_list_of_its_coverage(built):
    site, report = built
    url = stories_by_lead(report)["cities.yaml"]["url"]
    page = soup(site, url + "index.html")
    data = json.loads(page.find("script", type="application/ld+json").string)
    assert data["@type"] == "CollectionPage" and data["url"] == "https://example.org/" + url
    assert data["name"] == "Cities back away from facial recognition"
    listed = data["mainEntity"]
    assert listed["@type"] == "ItemList"
    rows = page.select(".timeline li")
    assert listed["numberOfItems"] == len(rows) == len(listed["itemListElement"])
    items = [e["item"] for e in listed["itemListElement"]]
    assert [e["position"] for e in listed["itemListElement"]] == list(range(1, len(rows) + 1))
    # The timeline's order, headlines, outlets and times; its pages' addresses made absolute.
    assert [i["headline"] for i in items] == [r.a.get_text() for r in rows]
    assert [i["publisher"]["name"] for i in items] == [
        r.select_one(".provider").get_text(strip=True) for r in rows]
    assert [i["datePublished"] for i in items] == [r.time["datetime"] for r in rows]
    for item, row in zip(items, rows, strict=True):
        href = row.a["href"]
        assert item["url"] == (href if href.startswith("https:") else
                               "https://example.org/" + row.a["href"].replace("../", "")
                               .removesuffix("index.html"))
    # Each of its articles' pages names it as what the article is part of.
    lead = soup(site, "articles/" + items[-1]["url"].split("/articles/")[1] + "index.html")
    part = json.loads(lead.find("script", type="application/ld+json").string)["isPartOf"]
    assert part["@id"] == data["@id"]


def test_a_story_pages_structured_data_is_escaped(make_site):
    hostile = "Quake </script><script>alert(1)</script> <!-- & 'more'"
    config = make_site({
        "a.yaml": record(hostile, "", "2021-03-01T10:00:00Z", "https://a.example/1", "Alpha",
                         extra="story: q").strip("-\n") + "\n",
        "b.yaml": record("Quake aftershocks", "", "2021-03-01T12:00:00Z", "https://b.example/2",
                         "Beta", extra="story: q").strip("-\n") + "\n"})
    from digest.build import build
    build(config)
    [page] = (config.output / "stories").rglob("index.html")
    text = page.read_text(encoding="utf-8")
    script = text.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "<" not in script and "&" not in script.replace("\\u0026", "")
    data = json.loads(script)
    assert [e["item"]["headline"] for e in data["mainEntity"]["itemListElement"]] == [
        hostile, "Quake aftershocks"]
