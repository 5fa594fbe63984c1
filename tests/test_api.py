"""The static JSON API: pages of articles newest first, the site's and each topic's and
provider's, linked next and previous to the end, with the fields a reader sees and no other."""

from __future__ import annotations

import functools
import http.server
import json
import threading
import urllib.request
from pathlib import Path

import pytest
from conftest import _QuietHandler, age, record, site_bytes, stories
from test_patch import clean, edit

from digest.build import build
from digest.content import check
from digest.progress import Timings

ARTICLE_FIELDS = {"url", "title", "excerpt", "published", "updated", "original", "provider",
                  "topics", "image", "video", "story"}
PAGE_FIELDS = {"title", "page", "pages", "per_page", "total", "url", "html_url", "first", "last",
               "next", "prev", "articles"}


def files() -> dict[str, str]:
    """Twenty-four articles in each of the join's ways, and one record with fields no reader
    may see."""
    found = stories(31, 24)
    found["hidden.yaml"] = record(
        title="Record with private fields", date="2021-03-03T10:00:00Z",
        url="https://example.com/private", provider="Wire", topics=("AI",),
        extra="secured: true\ninternalNote: do-not-publish-7731\n").strip("-\n") + "\n"
    return found


@pytest.fixture
def served(make_site, tmp_path):
    root = tmp_path / "served"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
        _QuietHandler, directory=str(root)))
    config = make_site(files(), page_size=4,
                       base_url=f"http://127.0.0.1:{server.server_address[1]}/repo/",
                       output=root / "repo")
    age(config.content.iterdir())
    build(config)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield config
    server.shutdown()
    server.server_close()


def get(url: str) -> dict:
    with urllib.request.urlopen(url) as answer:
        assert answer.status == 200 and url.endswith(".json")
        return json.loads(answer.read())


def walk(first: str) -> list[dict]:
    """Follow a list's next links from its first page to the end, checking prev on the way."""
    pages, url, prev = [], first, None
    while url:
        page = get(url)
        assert set(page) == PAGE_FIELDS and page["url"] == url and page["prev"] == prev
        assert page["page"] == len(pages) + 1 and page["first"] == first
        pages.append(page)
        prev, url = url, page["next"]
    assert pages[-1]["url"] == pages[0]["last"] and len(pages) == pages[0]["pages"]
    return pages


def test_next_links_cover_every_article_once_newest_first(served):
    site = check(served, Timings()).site
    base = served.base_url
    lists = [("articles/", site.order)]
    lists += [(f"topics/{t.name.lower()}/", t.article_ids) for t in site.topics.values()]
    lists += [(f"providers/{t.name.lower()}/", t.article_ids) for t in site.providers.values()]
    assert len(lists) == 1 + 3 + 2
    for folder, ids in lists:
        pages = walk(f"{base}api/{folder}page/1.json")
        articles = [a for page in pages for a in page["articles"]]
        assert [a["title"] for a in articles] == [site.articles[i].record.title for i in ids]
        assert len({a["url"] for a in articles}) == len(ids) == pages[0]["total"]
        assert all(len(p["articles"]) == 4 for p in pages[:-1]) and pages[0]["per_page"] == 4
        for article in articles:
            assert set(article) == ARTICLE_FIELDS
            assert article["url"].startswith(base)
            with urllib.request.urlopen(article["url"]) as answer:  # the article's page
                assert answer.status == 200
        with urllib.request.urlopen(pages[0]["html_url"]) as answer:
            assert answer.status == 200


def test_no_field_a_reader_does_not_see_reaches_the_api(served):
    text = "\n".join(p.read_text() for p in (served.output / "api").rglob("*.json"))
    assert "Record with private fields" in text
    assert "secured" not in text and "do-not-publish-7731" not in text
    assert "internalNote" not in text


def inodes(output: Path) -> dict[str, int]:
    return {p.relative_to(output).as_posix(): p.stat().st_ino
            for p in (output / "api").rglob("*.json")}


def test_a_record_edit_remakes_only_the_api_pages_showing_it(served, tmp_path):
    before = inodes(served.output)
    site = check(served, Timings()).site
    # A record of its own file (same stem as its body): an edit of it is an edit of records.
    n, aid = next((n, aid) for n, aid in enumerate(site.order)
                  if n >= 4 and aid.startswith("s") and aid.endswith(".yaml"))
    edit(served, aid, lambda text: text.replace('excerpt: "', 'excerpt: "Edited. ', 1))
    built = build(served)
    assert built.checked is None
    after = inodes(served.output)
    changed = sorted(p for p in after if after[p] != before[p])
    article = site.articles[aid].record
    assert f"api/articles/page/{n // 4 + 1}.json" in changed
    assert all(p.startswith(("api/articles/", "api/topics/", "api/providers/")) for p in changed)
    assert len(changed) == 1 + len(article.topics) + 1  # the list's, its topics', its provider's
    assert site_bytes(served.output) == clean(served, tmp_path)
