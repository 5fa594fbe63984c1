"""What the HTML pages tell readers, search engines and browsers, read with a real parser."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup

from digest.build import build
from tests.conftest import record

BASE = "https://example.org/news/"
ARTICLE = "articles/2020/06/tech-tent-facial-recognition-faces-a-reckoning/index.html"


def soup_of(config, rel: str) -> BeautifulSoup:
    return BeautifulSoup((config.output / rel).read_text(encoding="utf-8"), "html5lib")


@pytest.fixture
def site(make_site, seed_site):
    hostile = record(
        title="</script><script>alert(1)</script> & 'quotes'", excerpt="<b>bold</b> claims",
        date="2020-06-13T10:00:00Z", url="https://example.com/hostile", provider="Evil & Co",
        extra='images:\n  - url: "https://img.example.net:8443/a.jpg"\n    width: 640\n'
              '    height: 360\n  - url: "https://other.example.com/b.jpg"')
    config = make_site({"hostile.txt": hostile}, base_url=BASE, search=False)
    build(config)
    return config


def test_article_page_has_canonical_open_graph_and_twitter_tags(site):
    soup = soup_of(site, ARTICLE)
    canonical = BASE + ARTICLE.removesuffix("index.html")
    assert soup.find("link", rel="canonical")["href"] == canonical

    def meta(attr: str, name: str) -> str:
        return soup.find("meta", attrs={attr: name})["content"]

    assert meta("property", "og:type") == "article"
    assert meta("property", "og:title") == "Tech Tent: Facial recognition faces a reckoning"
    assert meta("property", "og:url") == canonical
    assert meta("property", "og:image").startswith("https://ichef.bbci.co.uk/")
    assert meta("property", "og:description").startswith("It was the week")
    assert meta("property", "article:published_time") == "2020-06-12T19:19:00Z"
    assert meta("name", "twitter:card") == "summary_large_image"
    assert meta("name", "twitter:image") == meta("property", "og:image")


def test_json_ld_is_a_news_article_that_parses(site):
    data = json.loads(soup_of(site, ARTICLE).find("script", type="application/ld+json").string)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Tech Tent: Facial recognition faces a reckoning"
    assert data["datePublished"] == "2020-06-12T19:19:00Z"
    assert data["image"] == ["https://ichef.bbci.co.uk/news/1024/cpsprodpb/E39B/production/"
                             "_112876285_tt-facial.jpg"]
    assert data["publisher"] == {"@type": "Organization", "name": "BBC"}
    assert data["url"] == BASE + ARTICLE.removesuffix("index.html")
    assert data["isBasedOn"] == "https://www.bbc.co.uk/news/technology-53024985"


def test_json_ld_holds_only_escaped_content(site):
    path = next(site.output.glob("articles/2020/06/script-*/index.html"))
    html = path.read_text(encoding="utf-8")
    raw = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in raw and ">" not in raw and "&" not in raw.replace("\\u0026", "")
    data = json.loads(raw)
    assert data["headline"] == "</script><script>alert(1)</script> & 'quotes'"
    assert data["publisher"]["name"] == "Evil & Co"
    soup = BeautifulSoup(html, "html5lib")
    assert [s.get("type") for s in soup.find_all("script")] == ["application/ld+json"]


def test_csp_allows_only_own_scripts_and_styles_and_the_image_hosts_used(site):
    def policy(rel: str) -> dict[str, list[str]]:
        tag = soup_of(site, rel).find("meta", attrs={"http-equiv": "Content-Security-Policy"})
        return {d.split()[0]: d.split()[1:] for d in tag["content"].split(";")}

    article = policy(ARTICLE)
    assert article["default-src"] == ["'none'"]
    assert article["script-src"] == ["'self'"]
    assert article["style-src"] == ["'self'"]
    assert article["img-src"] == ["'self'", "https://ichef.bbci.co.uk"]
    hostile = policy(next(site.output.glob("articles/2020/06/script-*/index.html")).relative_to(
        site.output).as_posix())
    assert hostile["img-src"] == ["'self'", "https://img.example.net:8443"]
    home = policy("index.html")
    assert home["img-src"] == ["'self'", "https://ichef.bbci.co.uk", "https://img.example.net:8443",
                               "https://localnews8.b-cdn.net"]
    assert policy("topics/index.html")["img-src"] == ["'self'"]
    for directives in (article, home):
        assert not any("*" in v or "unsafe" in v for vs in directives.values() for v in vs)


def test_images_are_lazy_sized_and_leak_no_referrer(site):
    for rel in ("index.html", ARTICLE, "topics/ai/index.html"):
        images = soup_of(site, rel).find_all("img")
        assert images, rel
        for img in images:
            assert img["loading"] == "lazy" and img["referrerpolicy"] == "no-referrer"
            assert int(img["width"]) > 0 and int(img["height"]) > 0


def test_article_page_shows_date_reading_time_and_neighbours(site):
    soup = soup_of(site, ARTICLE)
    time = soup.find("article").find("time")
    assert time.get_text() == "12 June 2020" and time["datetime"] == "2020-06-12T19:19:00Z"
    assert soup.find(class_="reading-time").get_text() == "3 min read"
    nav = soup.find("nav", class_="neighbours")
    newer, = nav.find_all("a", class_="newer")
    assert "script" in newer["href"] and newer["href"].startswith("../")
    assert nav.find("a", class_="older") is None, "the oldest article has nothing older"
    newest = soup_of(site, "articles/2020/07/amazon-and-microsoft-stopped-working-with-police-on"
                     "-facial-recognition-for/index.html")
    assert newest.find("a", class_="newer") is None
    assert "script" in newest.find("a", class_="older")["href"]


def test_every_page_has_a_skip_link_to_main_and_no_script_but_json_ld(site):
    for path in sorted(site.output.rglob("*.html")):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html5lib")
        skip = soup.find("a", class_="skip-link")
        assert skip["href"] == "#main" and soup.find(id="main").name == "main", path
        assert all(s.get("type") == "application/ld+json" for s in soup.find_all("script")), path


def test_article_bodies_and_the_headings_of_topic_and_source_pages_are_marked_for_search(site):
    assert soup_of(site, ARTICLE).find(attrs={"data-pagefind-body": True}).name == "article"
    # A topic or a source is found by its name alone, not by the cards it lists.
    for rel in ("topics/ai/index.html", "providers/index.html"):
        assert [tag.name for tag in soup_of(site, rel).find_all(attrs={"data-pagefind-body": True})
                ] == ["h1"]
    assert soup_of(site, "index.html").find(attrs={"data-pagefind-body": True}) is None


def test_search_off_leaves_out_the_page_the_box_and_the_index(site):
    assert not (site.output / "search").exists() and not (site.output / "pagefind").exists()
    assert soup_of(site, "index.html").find("form", role="search") is None
