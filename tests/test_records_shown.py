"""Real records shown faithfully: videos, outlets' logos, updates, cut excerpts, bullets, CRLF,
bidirectional controls, and every record on the site or named, read back from the built site
with real parsers (html5lib, feedparser, ElementTree for the sitemap, json for JSON-LD)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from calendar import timegm
from pathlib import Path

import feedparser
import pytest

from digest.build import build
from digest.report import summary
from tests.conftest import age, site_bytes
from tests.htmlcheck import parse, site_problems

VIDEO = """\
---
category: news
title: "September 16th Power Apps community call: Canvas App Design"
excerpt: "{excerpt}"
publishedDateTime: 2020-09-14T09:11:22Z
updatedDateTime: 2020-09-16T07:30:00Z
originalUrl: "https://www.youtube.com/watch?v=YtVmtxvGT6o"
ampWebUrl: "https://amp.example.com/amp/video"
cdnAmpWebUrl: "https://amp-example-com.cdn.ampproject.org/c/s/amp.example.com/amp/video"
featuredContent: "{embed}"
type: video
duration: PT1H2M5S
quality: 59
heat: 59
published: true

provider:
  name: Microsoft
  domain: microsoft.com
  images:
    - url: "https://smartableai.github.io/microsoft-power-apps/assets/images/organizations/microsoft.com-50x50.jpg"
      width: 50
      height: 50

topics:
  - Power Apps

images:
  - url: "https://i.ytimg.com/vi/YtVmtxvGT6o/maxresdefault.jpg"
    width: 1280
    height: 720
    isCached: true

secured: "aFCUaxyEFaXK7e1/JJ0CL8ix4m3YXgoVJaqXNbweuAM+6XQOvzySEmOT7uIyGWJG5VCu1M907Q=="
---

""".replace("{excerpt}", "For the September Power Apps community call hosted by Todd Baginski has "
            "guest speakers walking through tips and tricks. Emmanuel Gallis will then share his "
            "component and theming tools for making Power Apps application creation even faster"
            ).replace("{embed}", '<iframe width=\\"560\\" height=\\"315\\" '
                      'src=\\"https://www.youtube.com/embed/YtVmtxvGT6o\\" frameborder=\\"0\\" '
                      'allow=\\"accelerometer; autoplay; encrypted-media; gyroscope; '
                      'picture-in-picture\\" allowfullscreen></iframe>')

CUT = """\
---
category: news
title: "Power Platform Stories"
excerpt: "{excerpt}"
publishedDateTime: 2020-12-21T08:00:31Z
updatedDateTime: 2020-12-20T08:00:00Z
originalUrl: "https://powerapps.microsoft.com/en-us/blog/power-platform-stories/"
webUrl: "https://powerapps.microsoft.com/en-us/blog/power-platform-stories/"
type: article
provider:
  name: Microsoft
  domain: microsoft.com
  images:
    - url: "javascript:alert(1)"
topics:
  - Power Apps
---

""".replace("{excerpt}", "As we wrap up the year, we&#8217;d like to share a set of stories:   "
            "\u2022Guest access \u2022  Solution checker\u2022 Canvas components. Makers of apps,")

WHOLE = """\
---
title: "A finished excerpt"
excerpt: "This excerpt is a whole sentence."
publishedDateTime: 2020-12-01T08:00:00Z
webUrl: "https://news.example.com/finished"
provider:
  name: Plain News
  domain: news.example.com
---
The body of the finished story.
"""

BIDI = """\
---
title: "Invoice \u202egpj.exe\u202c for\u200b review"
excerpt: "An excerpt with \u2066isolated\u2069 words."
publishedDateTime: 2020-11-01T08:00:00Z
webUrl: "https://news.example.com/bidi"
provider:
  name: "Daily\u200f Wire"
  domain: wire.example.com
---
"""

DRAFT = """\
---
title: "Held back"
publishedDateTime: 2020-10-01T08:00:00Z
webUrl: "https://news.example.com/held"
draft: true
---
"""

TWIN = """\
---
title: "The same story again"
publishedDateTime: 2020-10-02T08:00:00Z
webUrl: "https://powerapps.microsoft.com/en-us/blog/power-platform-stories"
---
"""

FILES = {"010_video.md": VIDEO, "011_cut.md": CUT, "012_whole.md": WHOLE, "013_bidi.md": BIDI,
         "014_draft.md": DRAFT, "015_twin.md": TWIN}
VIDEO_PAGE = "articles/2020/09/september-16th-power-apps-community-call-canvas-app-design/index.html"
CONTROLS = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def crlf(files: dict[str, str]) -> dict[str, bytes]:
    return {name: text.replace("\n", "\r\n").encode() for name, text in files.items()}


@pytest.fixture
def site(make_site):
    # The video record in CRLF, as 57 of the 192 real records are.
    config = make_site({**FILES, "010_video.md": crlf({"v": VIDEO})["v"]})
    built = build(config)
    return config, built


def page(config, path: str):
    return parse((config.output / path).read_bytes())[0]


def policy(tree) -> dict[str, list[str]]:
    meta = tree.find(".//meta[@http-equiv='Content-Security-Policy']")
    return {part.split()[0]: part.split()[1:] for part in meta.get("content").split("; ")}


def test_a_video_shows_its_picture_as_a_play_link_to_its_source(site):
    config, _ = site
    tree = page(config, VIDEO_PAGE)
    play = tree.find(".//figure/a[@class='play']")
    assert play.get("href") == "https://www.youtube.com/watch?v=YtVmtxvGT6o"
    assert play.find("img").get("src") == "https://i.ytimg.com/vi/YtVmtxvGT6o/maxresdefault.jpg"
    label = "".join(play.find("span").itertext())
    assert label == "Watch on YouTube (1:02:05)"
    assert play.find("span/time").get("datetime") == "PT1H2M5S"
    # No webUrl: originalUrl is the source link, never the AMP copies.
    links = {a.get("href") for a in tree.iter("a")}
    assert "https://www.youtube.com/watch?v=YtVmtxvGT6o" in links
    everything = (config.output / VIDEO_PAGE).read_text()
    assert "amp.example.com" not in everything and "ampproject" not in everything
    # The raw iframe is never injected, and by default no frame may load at all.
    assert tree.find(".//iframe") is None and tree.find(".//button") is None
    assert "frame-src" not in policy(tree) and policy(tree)["default-src"] == ["'none'"]
    structured = json.loads(tree.find(".//script[@type='application/ld+json']").text)
    assert structured["isBasedOn"] == "https://www.youtube.com/watch?v=YtVmtxvGT6o"
    # On the home page, the card's picture is the same play link.
    home = page(config, "index.html")
    card_play = home.find(".//article[@class='card video']/a")
    assert card_play.get("href") == "https://www.youtube.com/watch?v=YtVmtxvGT6o"


def test_embeds_load_only_from_the_allowed_host_named_exactly_in_the_policy(make_site):
    config = make_site(FILES, embed_hosts=("www.youtube-nocookie.com",))
    build(config)
    tree = page(config, VIDEO_PAGE)
    button = tree.find(".//figure/button[@class='load-embed']")
    assert button.get("data-src") == "https://www.youtube-nocookie.com/embed/YtVmtxvGT6o"
    assert policy(tree)["frame-src"] == ["https://www.youtube-nocookie.com"]
    assert tree.find(".//iframe") is None  # click to load: nothing until the reader asks
    # Pages without such a video allow no frame.
    for other in ("index.html", "articles/2020/12/power-platform-stories/index.html"):
        assert "frame-src" not in policy(page(config, other))
    # A host not listed: no button, no frame source.
    config = make_site(FILES, embed_hosts=("player.vimeo.com",))
    build(config)
    tree = page(config, VIDEO_PAGE)
    assert tree.find(".//button") is None and "frame-src" not in policy(tree)


def test_an_outlets_logo_shows_on_cards_article_and_provider_pages_with_its_host_allowed(site):
    config, _ = site
    logo = ("https://smartableai.github.io/microsoft-power-apps/assets/images/organizations/"
            "microsoft.com-50x50.jpg")
    for path in ("index.html", VIDEO_PAGE, "providers/microsoft/index.html"):
        tree = page(config, path)
        shown = [img.get("src") for img in tree.iter("img") if img.get("class") == "logo"]
        assert logo in shown, path
        assert "https://smartableai.github.io" in policy(tree)["img-src"], path
    # A logo that is not http(s) is simply absent, without a word.
    cut = page(config, "articles/2020/12/power-platform-stories/index.html")
    assert [img for img in cut.iter("img") if img.get("class") == "logo"] == []
    assert "javascript" not in (config.output / "articles/2020/12/power-platform-stories/"
                                "index.html").read_text()


def test_an_update_is_shown_and_dates_the_feed_entry_sitemap_and_structured_data(site):
    config, _ = site
    tree = page(config, VIDEO_PAGE)
    updated = tree.find(".//p[@class='byline']/span[@class='updated']")
    assert "".join(updated.itertext()) == "Updated 16 September 2020"
    assert updated.find("time").get("datetime") == "2020-09-16T07:30:00Z"
    structured = json.loads(tree.find(".//script[@type='application/ld+json']").text)
    assert structured["dateModified"] == "2020-09-16T07:30:00Z"
    assert structured["datePublished"] == "2020-09-14T09:11:22Z"
    feed = feedparser.parse((config.output / "feed.xml").read_bytes())
    assert not feed.bozo
    entry = next(e for e in feed.entries if "community call" in e.title)
    assert timegm(entry.updated_parsed) == timegm((2020, 9, 16, 7, 30, 0))
    assert timegm(entry.published_parsed) == timegm((2020, 9, 14, 9, 11, 22))
    sitemap = ET.parse(config.output / "sitemap.xml").getroot()
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    lastmod = {u.find(f"{ns}loc").text: u.find(f"{ns}lastmod").text for u in sitemap
               if u.find(f"{ns}lastmod") is not None}
    assert lastmod["https://example.org/" + VIDEO_PAGE.removesuffix("index.html")] == (
        "2020-09-16T07:30:00Z")
    # An "update" earlier than publication is no update.
    cut = "articles/2020/12/power-platform-stories/index.html"
    assert page(config, cut).find(".//span[@class='updated']") is None
    assert lastmod["https://example.org/" + cut.removesuffix("index.html")] == (
        "2020-12-21T08:00:31Z")


def test_cut_excerpts_end_with_an_ellipsis_and_bullets_read_as_a_list(site):
    config, _ = site
    home = page(config, "index.html")
    cards = {"".join(c.find(".//h2/a").itertext()): c for c in home.iter("article")}
    video = cards["September 16th Power Apps community call: Canvas App Design"]
    assert "".join(video.find(".//p[@class='excerpt']").itertext()).endswith(
        "application creation even faster…")
    stories = cards["Power Platform Stories"]
    lead = stories.find(".//p[@class='excerpt']").text
    points = [li.text for li in stories.findall(".//ul[@class='excerpt points']/li")]
    assert lead == "As we wrap up the year, we’d like to share a set of stories:"
    assert points == ["Guest access", "Solution checker", "Canvas components. Makers of apps…"]
    whole = cards["A finished excerpt"]
    assert whole.find(".//p[@class='excerpt']").text == "This excerpt is a whole sentence."
    feed = feedparser.parse((config.output / "feed.xml").read_bytes())
    summaries = {e.title: e.summary for e in feed.entries}
    assert summaries["Power Platform Stories"] == (
        "As we wrap up the year, we’d like to share a set of stories: • Guest access • "
        "Solution checker • Canvas components. Makers of apps…")


def test_bidirectional_and_invisible_controls_are_removed_named_and_isolated(site):
    config, built = site
    found = [d for d in built.tally.diagnostics if d.code == "D240"]
    assert {(d.path, d.line) for d in found} == {("013_bidi.md", 2), ("013_bidi.md", 3),
                                                ("013_bidi.md", 6)}
    assert all(d.severity == "warning" for d in found)
    everything = "\n".join(p.read_bytes().decode() for p in sorted(config.output.rglob("*"))
                           if p.is_file())
    assert not CONTROLS.search(everything)
    pages = [p for p in (config.output / "articles").rglob("index.html") if "invoice" in str(p)]
    assert len(pages) == 1 and not CONTROLS.search(str(pages[0]))
    tree = parse(pages[0].read_bytes())[0]
    assert tree.find(".//title").text == "Invoice gpj.exe for review · News digest"
    assert tree.find(".//h1").get("dir") == "auto"
    assert tree.find(".//a[@class='provider']/bdi").text == "Daily Wire"
    assert tree.find(".//div[@class='body']/p[@class='lead']").get("dir") == "auto"


def test_every_record_is_on_the_site_or_named_in_the_build_output_with_the_reason(site):
    _, built = site
    lines = summary(built)
    at = lines.index(next(line for line in lines if line.startswith("Records not published")))
    assert lines[at].split() == ["Records", "not", "published", "2"]
    assert lines[at + 1].startswith("  014_draft.md: draft: true; not published") and (
        lines[at + 1].endswith("(D402)"))
    assert lines[at + 2].startswith("  015_twin.md: same webUrl as") and (
        lines[at + 2].endswith("(D401)"))
    assert built.tally.published == 4


def test_crlf_files_build_exactly_as_lf_files(make_site, tmp_path: Path):
    lf = make_site(FILES, output=tmp_path / "lf")
    lf_built = build(lf, cached=False)
    for path in lf.content.iterdir():
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    crlf_config = make_site({}, output=tmp_path / "crlf", cache_dir=tmp_path / "crlf-cache")
    crlf_built = build(crlf_config, cached=False)
    assert site_bytes(lf.output) == site_bytes(crlf_config.output)
    assert lf_built.tally.diagnostics == crlf_built.tally.diagnostics


def test_pages_of_these_records_are_sound_html(site):
    config, _ = site
    assert site_problems(config.output) == {}


def test_pages_of_these_records_pass_the_nu_html_checker(make_site):
    from tests.test_html_valid import VNU

    java = shutil.which("java")
    assert java and VNU.is_file(), "java and vnu are needed: make test installs vnu"
    config = make_site(FILES, embed_hosts=("www.youtube-nocookie.com",))
    build(config)
    pages = sorted(config.output.rglob("*.html"))
    assert len(pages) >= 10
    result = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--format", "json",
                             *map(str, pages)], capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [f"{m.get('url', '')}:{m.get('lastLine', 0)}: {m['message']}" for m in messages]
    assert errors == [], "\n".join(errors)


def test_a_record_hidden_by_hide_unpublished_is_named_with_the_reason(make_site):
    hidden = WHOLE.replace("---\nThe body", "published: false\n---\nThe body")
    built = build(make_site({"012_whole.md": hidden}, hide_unpublished=True))
    assert built.tally.published == 0
    assert "  012_whole.md: published: false and hide_unpublished is on; not published (D403)" in (
        summary(built))


def test_an_excerpt_made_of_bullets_alone_is_a_list_without_a_lead(make_site):
    bullets = WHOLE.replace("This excerpt is a whole sentence.",
                            "• Guest access •Solution checker  • Canvas components")
    config = make_site({"012_whole.md": bullets})
    build(config)
    card = page(config, "index.html").find(".//article")
    assert card.find(".//p[@class='excerpt']") is None
    assert [li.text for li in card.findall(".//ul[@class='excerpt points']/li")] == [
        "Guest access", "Solution checker", "Canvas components"]  # short: a list, not cut


def test_an_edit_of_the_update_alone_reaches_the_sitemap_and_feed_in_the_next_build(make_site):
    config = make_site(FILES)
    age(config.content.iterdir(), seconds=7200)
    build(config)
    video = config.content / "010_video.md"
    video.write_bytes(video.read_bytes().replace(b"2020-09-16T07:30:00Z", b"2020-09-18T06:00:00Z"))
    age([video])
    build(config)
    sitemap = (config.output / "sitemap.xml").read_text()
    assert "2020-09-18T06:00:00Z" in sitemap and "2020-09-16T07:30:00Z" not in sitemap
    feed = feedparser.parse((config.output / "feed.xml").read_bytes())
    entry = next(e for e in feed.entries if "community call" in e.title)
    assert timegm(entry.updated_parsed) == timegm((2020, 9, 18, 6, 0, 0))
    tree = page(config, VIDEO_PAGE)
    assert tree.find(".//span[@class='updated']/time").get("datetime") == "2020-09-18T06:00:00Z"


@pytest.mark.parametrize(("excerpt", "shown"), [
    ("Email enhancements for 2020", "Email enhancements for 2020"),  # a heading-like lede
    ("Solutions built on the platform, like", "Solutions built on the platform, like"),
    ("Templates for social distancing,", "Templates for social distancing…"),
    ("Here are the capabilities covered: • Building", "Here are the capabilities covered: • Building"),
    ("Here is what is covered:", "Here is what is covered…"),
    ("word " * 45 + "Engi", "word " * 45 + "Engi…"),  # cut mid-word at about 300 characters
    ("word " * 45 + "https://aka.ms/powerappscall-join", "word " * 45 + "https://aka.ms/powerappscall-join"),
    ("word " * 45 + "ends well.", "word " * 45 + "ends well."),
])
def test_an_excerpt_cut_mid_sentence_ends_with_an_ellipsis(excerpt, shown):
    from digest.read.clean import mark_cut

    assert mark_cut(excerpt) == shown
