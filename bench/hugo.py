"""Convert a bench corpus into an equivalent Hugo site, and build it.

Usage: python bench/hugo.py CONTENT SITE [--build OUT] [--page-size N] [--report FILE]

The Hugo site has what digest's has: a paginated home page, one page per topic
and per provider (paginated, same page size), a page listing all topics and one
listing all providers, one page per article with its image, body, original link,
related coverage (linking to the article's own page when it is in the corpus)
and links to the newer and older articles, a 404 page, the stylesheet and icon;
links are relative. Each page's head has what digest's has: a
Content-Security-Policy naming the hosts of the images it shows, the feeds it
belongs to, and for an article its Open Graph, Twitter card and JSON-LD data.
There is an Atom feed of the latest 20 articles for the site and for each topic
and provider, a sitemap and robots.txt. Section lists are switched off, as
digest has none.

Pairing records and bodies is digest's own work; here it is taken from the
corpus manifest, so Hugo is timed on rendering the same site, nothing more.
Plain-text bodies become HTML content files (escaped paragraphs, as digest
renders them), so neither side runs a Markdown parser on them; the Markdown
articles stay Markdown on both sides.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import Entry, read_manifest
from hugo_terms import day_terms, digest_stories, story_terms, write_terms

from digest.plan.urls import slugify
from digest.read.clean import mark_cut

REPO = Path(__file__).resolve().parent.parent
LAYOUTS = Path(__file__).resolve().parent / "hugo_layouts"
CONFIG = """\
baseURL = "https://example.org/"
title = "Bench digest"
languageCode = "en"
relativeURLs = true
paginate = {page_size}
enableRobotsTXT = true
disableKinds = ["RSS", "section"]
[mediaTypes."application/atom+xml"]
  suffixes = ["xml"]
[mediaTypes."application/feed+json"]
  suffixes = ["json"]
[outputFormats.atom]
  mediaType = "application/atom+xml"
  baseName = "feed"
  rel = "alternate"
[outputFormats.jsonfeed]
  mediaType = "application/feed+json"
  baseName = "feed"
  rel = "alternate"
  isPlainText = true
[outputFormats.api]
  mediaType = "application/json"
  baseName = "index"
  path = "api"
  isPlainText = true
  notAlternative = true
[outputs]
  home = ["HTML", "atom", "jsonfeed", "api"]
  term = ["HTML", "atom", "jsonfeed", "api"]
  taxonomy = ["HTML"]
  page = ["HTML"]
[taxonomies]
  topic = "topics"
  provider = "providers"
  edition = "editions"
  week = "weeks"
  story = "stories"
[permalinks]
  articles = "/articles/:year/:month/:slug/"
[params]
  description = "A curated digest of the news."
  page_size = {page_size}
"""


def version() -> str | None:
    """Return Hugo's version line, or None when hugo is not installed."""
    if shutil.which("hugo") is None:
        return None
    out = subprocess.run(["hugo", "version"], capture_output=True, text=True, check=False)
    return out.stdout.strip() or None


def convert(content: Path, site: Path, page_size: int, report: Path | None = None) -> int:
    """Write a Hugo site for the corpus in ``content``; return how many articles it has. The
    stories are digest's, read from ``report`` (a build's ``--report``) or found by a build."""
    if site.exists():
        shutil.rmtree(site)
    pages = site / "content" / "articles"
    pages.mkdir(parents=True)
    shutil.copytree(LAYOUTS, site / "layouts")
    (site / "static" / "static").mkdir(parents=True)
    for name in ("style.css", "favicon.svg"):
        shutil.copy(REPO / "static" / name, site / "static" / "static" / name)
    (site / "config.toml").write_text(CONFIG.format(page_size=page_size), encoding="utf-8")
    entries = read_manifest(content)
    records = {e.id: _record(content, e) for e in entries}
    slugs = {e.id: slugify(records[e.id][0]["title"]) for e in entries}
    stories = digest_stories(content, entries, report)
    fronts = []
    for entry in entries:
        data, body, suffix = records[entry.id]
        front = _front_matter(entry, data, slugs, records)
        front.update(day_terms(front["date"]))
        front.update(story_terms(data, front["related"], stories.get(entry.id)))
        fronts.append(front)
        (pages / f"a{entry.id}{suffix}").write_text(
            json.dumps(front, ensure_ascii=False) + "\n" + body, encoding="utf-8")
    write_terms(site, fronts)
    return len(entries)


def _record(content: Path, entry: Entry) -> tuple[dict, str, str]:
    """Return an article's record, its body as Hugo content, and the content file's suffix."""
    if entry.markdown:
        _, head, body = (content / entry.markdown).read_text(encoding="utf-8").split("---\n", 2)
        return yaml.load(head, Loader=yaml.CSafeLoader), body, ".md"
    assert entry.record is not None
    text = (content / entry.record).read_text(encoding="utf-8").strip().strip("-")
    data = yaml.load(text, Loader=yaml.CSafeLoader)
    if entry.body is None:
        return data, "", ".html"
    lines = (content / entry.body).read_text(encoding="utf-8").splitlines()
    if lines and lines[0].startswith(" date "):
        lines[0] = lines[0][len(" date 2020-01-01 "):]
    paragraphs = "".join(f"<p>{html.escape(line.strip())}</p>\n" for line in lines if line.strip())
    return data, paragraphs, ".html"


def _front_matter(entry: Entry, data: dict, slugs: dict[int, str],
                  records: dict[int, tuple[dict, str, str]]) -> dict[str, object]:
    by_url = {}
    for target in entry.related_ids:
        by_url[_original(records[target][0])] = f"/articles/a{target}"
    image = (data.get("images") or [{}])[0]
    return {
        "title": data["title"],
        "slug": slugs[entry.id],
        "date": _iso(data["publishedDateTime"]),
        "description": mark_cut(_tidy(data.get("excerpt", ""))),
        "original": _original(data),
        "updated": _updated(data),
        "video": _video(data),
        "has_body": bool(records[entry.id][1]),
        "topics": data.get("topics", []),
        "providers": [data["provider"]["name"]],
        "image": {**{k: image.get(k) for k in ("width", "height", "title")},
                  "url": html.unescape(image["url"])} if image else None,
        "logo": _logo(data.get("provider") or {}),
        "related": [{
            "title": item["title"],
            "url": item.get("webUrl"),
            "ref": by_url.get(item.get("webUrl")),
            "provider": (item.get("provider") or {}).get("name", ""),
            "date": _iso(item.get("publishedDateTime")),
            "excerpt": _tidy(item.get("excerpt", "")),
            "logo": _logo(item.get("provider") or {}),
        } for item in data.get("related") or []],
    }


def _logo(provider: dict) -> dict[str, object] | None:
    """The outlet's logo as digest shows it: the first of its images, sized if small."""
    image = (provider.get("images") or [None])[0]
    if not image:
        return None
    sized = all(0 < image.get(k, 0) <= 400 for k in ("width", "height"))
    return {"url": image["url"], "width": image["width"] if sized else None,
            "height": image["height"] if sized else None}


def _updated(data: dict) -> str | None:
    """``updatedDateTime`` as digest shows it: when later than the article's date."""
    updated, published = _iso(data.get("updatedDateTime")), _iso(data["publishedDateTime"])
    return updated if updated and published and updated > published else None


VIDEO_SITES = {"youtube.com": "YouTube", "youtu.be": "YouTube", "vimeo.com": "Vimeo"}


def _video(data: dict) -> dict[str, str] | None:
    """A video's play link as digest shows it (``plan/video.py``): its source, the site it
    plays on, and its length (``duration``, ISO 8601) as 7:05 and in ISO 8601 again."""
    url = _original(data)
    if str(data.get("type", "")).casefold() != "video" or not url:
        return None
    host = (urlsplit(url).hostname or "").removeprefix("www.").removeprefix("m.")
    site = VIDEO_SITES.get(host) or data["provider"]["name"] or host
    found = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", str(data.get("duration", "")))
    hours, minutes, seconds = (int(n or 0) for n in found.groups()) if found else (0, 0, 0)
    if not hours + minutes + seconds:
        return {"url": url, "site": site, "duration": "", "iso": ""}
    return {"url": url, "site": site,
            "duration": f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}",
            "iso": "PT" + "".join(f"{n}{unit}" for n, unit in (
                (hours, "H"), (minutes, "M"), (seconds, "S")) if n)}


def _original(data: dict) -> str | None:
    """The article's source, as digest takes it: its webUrl, else (a video's) originalUrl."""
    return data.get("webUrl") or data.get("originalUrl")


def _tidy(text: str) -> str:
    """White space as digest's cleaning leaves it: one space between words (an excerpt cut
    mid-sentence is then marked, ``mark_cut``, as digest shows it)."""
    return " ".join(text.split())


def _iso(value: object) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value) if value else None


def build(site: Path, out: Path, discard: Callable[[Path], None] = shutil.rmtree) -> list[str]:
    """Return the command that builds ``site`` into an emptied ``out``, as a cold build;
    ``discard`` takes away what is there."""
    for folder in (out, site / "resources"):
        if folder.exists():
            discard(folder)
    return ["hugo", "--quiet", "--source", str(site), "--destination", str(out.resolve())]


def main(argv: list[str] | None = None) -> int:
    """Convert (and optionally build) from the command line."""
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("content", type=Path, help="corpus folder written by bench/corpus.py")
    args.add_argument("site", type=Path, help="Hugo site folder to (re)write")
    args.add_argument("--build", type=Path, metavar="OUT", help="also build the site into OUT")
    args.add_argument("--page-size", type=int, default=20, help="articles per list page")
    args.add_argument("--report", type=Path, metavar="FILE",
                      help="digest's join report of this corpus (build --report), for its "
                           "stories; without it, digest builds the corpus to find them")
    ns = args.parse_args(argv)
    count = convert(ns.content, ns.site, ns.page_size, ns.report)
    print(f"{count} articles converted into {ns.site}")
    if ns.build:
        if version() is None:
            print("hugo: not installed (apt-get install hugo)", file=sys.stderr)
            return 2
        return subprocess.run(build(ns.site, ns.build), check=False).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
