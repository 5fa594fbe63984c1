"""Feeds, sitemap, robots.txt and CNAME of built sites, read back with real parsers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest

from digest.build import build
from digest.config import load_config
from digest.errors import ConfigError
from digest.plan.feeds import site_pages, sitemap_listing
from digest.plan.page import Page
from tests.conftest import record

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://example.org/news/"


def page_for(output: Path, url: str) -> Path:
    """Return the file an absolute site URL is served from, as a static host would."""
    assert url.startswith(BASE), f"{url} is not under {BASE}"
    rel = url.removeprefix(BASE)
    return output / (rel + "index.html" if rel == "" or rel.endswith("/") else rel)


@pytest.fixture
def built(make_site, seed_site):
    config = make_site({"extra.txt": record(
        title="Cameras & <Courts>", excerpt="Judges weigh in", date="2020-06-20T08:00:00Z",
        url="https://example.com/courts", provider="BBC", topics=("AI", "Law"))},
        base_url=BASE, feed_entries=2, search=False)  # search has tests of its own
    build(config)
    return config


def feeds_of(output: Path) -> list[Path]:
    """Return the feeds of articles: the editions' feed has an entry a day (test_editions.py)."""
    return sorted(p for p in output.rglob("feed.xml") if p.parent != output / "editions")


def test_there_is_a_feed_for_the_digest_and_each_topic_and_provider(built):
    rels = {p.relative_to(built.output).as_posix() for p in feeds_of(built.output)}
    assert rels == {"feed.xml", "topics/ai/feed.xml", "topics/computer-vision/feed.xml",
                    "topics/law/feed.xml", "topics/natural-language-processing/feed.xml",
                    "providers/bbc/feed.xml", "providers/local-news-8/feed.xml"}


def test_every_feed_is_well_formed_atom_with_the_required_elements(built):
    for path in feeds_of(built.output):
        feed = feedparser.parse(path.read_bytes())
        assert not feed.bozo, f"{path}: {feed.get('bozo_exception')}"
        assert feed.version == "atom10", path
        assert feed.feed.id.startswith(BASE) and feed.feed.title and feed.feed.updated
        assert any(link.rel == "self" and link.href == BASE + path.relative_to(
            built.output).as_posix() for link in feed.feed.links)
        assert feed.entries, path
        for entry in feed.entries:
            assert entry.id.startswith(BASE)
            assert entry.title and entry.updated and entry.published and entry.summary
            assert entry.author
            assert entry.tags, "each entry carries its topics as categories"
            assert {link.rel for link in entry.links} == {"alternate", "related"}


def test_feed_entries_link_to_pages_of_the_site_and_to_the_original(built):
    seen = set()
    for path in feeds_of(built.output):
        for entry in feedparser.parse(path.read_bytes()).entries:
            assert page_for(built.output, entry.link).is_file(), entry.link
            related = [link.href for link in entry.links if link.rel == "related"]
            assert related and urlsplit(related[0]).netloc != "example.org"
            seen.add(entry.link)
    assert len(seen) == 3


def test_the_digest_feed_holds_the_newest_entries_up_to_the_configured_number(built):
    feed = feedparser.parse((built.output / "feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == [
        "Amazon and Microsoft stopped working with police on facial recognition. "
        "For others it\u2019s still big business", "Cameras & <Courts>"]
    assert feed.feed.updated == "2020-07-03T05:43:00Z"


def test_a_topic_feed_lists_only_that_topics_articles_with_categories(built):
    feed = feedparser.parse((built.output / "topics/law/feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["Cameras & <Courts>"]
    assert [t.term for t in feed.entries[0].tags] == ["AI", "Law"]
    assert feed.entries[0].author == "BBC"


def test_every_html_page_links_its_feeds(built):
    from bs4 import BeautifulSoup

    pages = sorted(built.output.rglob("*.html"))
    for path in pages:
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html5lib")
        links = soup.find_all("link", rel="alternate", type="application/atom+xml")
        assert links, path
        for link in links:
            target = (path.parent / link["href"]).resolve() if path.name != "404.html" else None
            assert target is None or target.is_file(), (path, link["href"])
    topic = BeautifulSoup((built.output / "topics/law/index.html").read_text(), "html5lib")
    hrefs = [link["href"] for link in topic.find_all("link", type="application/atom+xml")]
    assert hrefs == ["../../feed.xml", "feed.xml"]


def test_sitemap_lists_every_page_with_absolute_urls_that_map_to_files(built):
    tree = ET.parse(built.output / "sitemap.xml")
    urls = tree.getroot().findall(f"{SITEMAP_NS}url")
    locs = [u.findtext(f"{SITEMAP_NS}loc") for u in urls]
    for loc in locs:
        assert urlsplit(loc).scheme == "https" and loc.startswith(BASE)
        assert page_for(built.output, loc).is_file(), loc
    html_pages = {p.relative_to(built.output).as_posix() for p in built.output.rglob("*.html")}
    listed = {page_for(built.output, loc).relative_to(built.output).as_posix() for loc in locs}
    assert listed == html_pages - {"404.html"}
    article = next(u for u in urls if "cameras-courts" in u.findtext(f"{SITEMAP_NS}loc"))
    assert article.findtext(f"{SITEMAP_NS}lastmod") == "2020-06-20T08:00:00Z"


def test_the_search_page_is_kept_out_of_the_sitemap(sample_site):
    text = (sample_site.output / "sitemap.xml").read_text()
    assert (sample_site.output / "search/index.html").is_file()
    assert f"<loc>{sample_site.base_url}search/</loc>" not in text
    assert f"<loc>{sample_site.base_url}topics/ai/</loc>" in text


def test_robots_txt_points_at_the_sitemap(built):
    text = (built.output / "robots.txt").read_text()
    assert f"Sitemap: {BASE}sitemap.xml\n" in text
    assert "User-agent: *" in text


def test_a_large_sitemap_is_split_under_a_sitemap_index(seed_site):
    pages = [Page(f"a/{n}/index.html", "article.html", {"updated": None}) for n in range(5)]
    planned = {p.path: p for p in site_pages(sitemap_listing(pages), seed_site, limit=2)}
    assert set(planned) == {"sitemap.xml", "sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml",
                            "robots.txt"}
    assert planned["sitemap.xml"].template == "sitemap-index.xml"
    assert [len(planned[f"sitemap-{n}.xml"].context["urls"]) for n in (1, 2, 3)] == [2, 2, 1]


def test_cname_is_written_from_config(make_site):
    config = make_site({"a.txt": record()}, cname="news.example.org", search=False)
    build(config)
    assert (config.output / "CNAME").read_text() == "news.example.org\n"


def test_no_cname_without_config(built):
    assert not (built.output / "CNAME").exists()


@pytest.mark.parametrize("line", ['cname = "https://news.example.org/"', "feed_entries = 0",
                                  'search = "no"'])
def test_bad_new_settings_are_refused_with_the_key_named(tmp_path, line):
    path = tmp_path / "digest.toml"
    path.write_text(line + "\n")
    with pytest.raises(ConfigError, match=line.split()[0]):
        load_config(path)
