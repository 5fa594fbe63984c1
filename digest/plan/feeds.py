"""Plan the machine-readable pages: Atom feeds, the sitemap, robots.txt and CNAME."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime

from digest.config import Config
from digest.model import Article, Record, Site
from digest.plan.page import Deferred, Page, page_key
from digest.plan.urls import Link, Urls, absolute_url

SITE_FEED = "feed.xml"
SITEMAP = "sitemap.xml"
SITEMAP_LIMIT = 50_000
"""URLs the sitemap protocol allows in one file; more are split under a sitemap index."""
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Headline:
    """An article as an edition's feed entry lists it."""

    title: str
    url: str
    outlet: str


@dataclass(frozen=True)
class Entry:
    """One article as an Atom entry; every URL absolute."""

    id: str
    title: str
    url: str
    original: str | None
    summary: str
    published: datetime | None
    updated: datetime
    topics: tuple[str, ...]
    author: str
    headlines: tuple[Headline, ...] = ()
    """An edition's articles, shown as the entry's content (``plan/editions.py``)."""


@dataclass(frozen=True)
class SitemapUrl:
    """One page in the sitemap."""

    loc: str
    lastmod: datetime | None


def feed_path(page_path: str) -> str:
    """Return the path of the feed beside a listing page: ``topics/ai/feed.xml``."""
    return page_path.removesuffix("index.html") + SITE_FEED


def json_feed_path(atom: str) -> str:
    """Return the path (or URL) of the JSON Feed beside an Atom feed: ``topics/ai/feed.json``."""
    return atom.removesuffix(".xml") + ".json"


class FeedLinks:
    """The feeds each list page links to, by path: the digest's, its topic's or provider's.

    An article page's are ``article_feeds``: made from the article's setting alone."""

    def __init__(self, site: Site, urls: Urls, config: Config) -> None:
        self._site, self._urls = site, urls
        self.site: tuple[Link, ...] = (Link(config.title, SITE_FEED),)

    def topic(self, key: str) -> tuple[Link, ...]:
        """Return the feeds of a topic page."""
        return (*self.site, self._term_feed(self._site.topics[key].name, self._urls.topics[key]))

    def provider(self, key: str) -> tuple[Link, ...]:
        """Return the feeds of a provider page."""
        return (*self.site,
                self._term_feed(self._site.providers[key].name, self._urls.providers[key]))

    def _term_feed(self, name: str, page_path: str) -> Link:
        return Link(name, feed_path(page_path))


def article_feeds(config: Config, record: Record, provider: str | None, topics: tuple[str, ...]
                  ) -> tuple[Link, ...]:
    """Return the feeds of an article page: the digest's, its provider's, its topics'.

    ``provider`` and ``topics`` are the paths of the article's provider and topic pages.
    """
    links = [Link(config.title, SITE_FEED)]
    if provider and record.provider:
        links.append(Link(record.provider.name, feed_path(provider)))
    links += [Link(t, feed_path(path)) for t, path in zip(record.topics, topics, strict=True)]
    return tuple(dict.fromkeys(links))


def feed_pages(site: Site, urls: Urls, config: Config, showing: AbstractSet[str] | None = None
               ) -> Iterator[Page]:
    """Plan the digest's feed and one feed per topic and per provider (only those with an
    entry for one of the articles ``showing``, if given).

    Each comes with a key and a deferred context: a rebuild makes only the feeds it renders.
    """
    entries: dict[str, Entry] = {}
    keys: dict[str, str] = {}

    def entries_of(ids: tuple[str, ...]) -> list[Entry]:
        for aid in ids:
            if aid not in entries:
                entries[aid] = entry(site.articles[aid], urls.articles[aid], config)
        return [entries[aid] for aid in ids]

    def key_of(aid: str) -> str:
        # An entry shows the record and the article's path; its body does not matter.
        if aid not in keys:
            keys[aid] = page_key(site.articles[aid].record_version, urls.articles[aid])
        return keys[aid]

    def feed(path: str, page_path: str, title: str, chosen: tuple[str, ...]) -> Page:
        return Page(path, "feed.xml", Deferred(
            lambda: feed_context(path, page_path, title, entries_of(chosen), config)),
            page_key(page_path, title, *(key_of(aid) for aid in chosen)))

    lists = [(SITE_FEED, "index.html", config.title, site.order)]
    for terms, paths in ((site.topics, urls.topics), (site.providers, urls.providers)):
        lists += [(feed_path(paths[key]), paths[key], f"{term.name} · {config.title}",
                   term.article_ids) for key, term in terms.items()]
    for path, page_path, title, ids in lists:
        chosen = ids[:config.feed_entries]
        if showing is None or not showing.isdisjoint(chosen):
            yield feed(path, page_path, title, chosen)


def feed_context(path: str, page_path: str, title: str, entries: list[Entry], config: Config
                 ) -> dict[str, object]:
    """Make the context of one Atom feed of the newest entries of a list."""
    return {
        "title": title,
        "subtitle": config.description,
        "id": config.base_url + path,
        "self_url": config.base_url + path,
        "page_url": absolute_url(config, page_path),
        "updated": max((e.updated for e in entries), default=EPOCH),
        "entries": entries,
    }


def entry(article: Article, path: str, config: Config) -> Entry:
    """Describe an article as an Atom entry."""
    record = article.record
    url = absolute_url(config, path)
    return Entry(
        id=url,
        title=record.title,
        url=url,
        original=record.url,
        summary=record.excerpt,
        published=record.published,
        # Atom requires a date; an undated article keeps one fixed date so the feed is stable.
        updated=record.updated or record.published or EPOCH,
        topics=record.topics,
        author=record.provider.name if record.provider else config.title,
    )


Listed = list[tuple[str, datetime | None]]
"""The pages a sitemap lists, in order: each one's path and last change."""


def sitemap_listing(pages: list[Page]) -> Listed:
    """Return the pages the sitemap lists: every HTML page open to search engines."""
    return [(p.path, _updated(p.context)) for p in pages
            if p.path.endswith(".html") and not p.context.get("noindex")]


def site_pages(listed: Listed, config: Config, limit: int = SITEMAP_LIMIT) -> list[Page]:
    """Plan the sitemap of the pages ``listed`` (split when over ``limit`` URLs), robots.txt
    and, if asked, CNAME."""
    chunks = [listed[i:i + limit] for i in range(0, len(listed), limit)] or [[]]
    planned: list[Page] = []
    if len(chunks) == 1:
        planned.append(sitemap_page(SITEMAP, chunks[0], config))
    else:
        parts = [f"sitemap-{n}.xml" for n in range(1, len(chunks) + 1)]
        planned += [sitemap_page(part, chunk, config) for part, chunk in zip(
            parts, chunks, strict=True)]
        planned.append(Page(SITEMAP, "sitemap-index.xml", {"sitemaps": [
            SitemapUrl(config.base_url + part, max(
                (lastmod for _, lastmod in chunk if lastmod), default=None))
            for part, chunk in zip(parts, chunks, strict=True)]}))
    planned.append(Page("robots.txt", "robots.txt", {"sitemap": config.base_url + SITEMAP}))
    if config.cname:
        planned.append(Page("CNAME", "CNAME", {"cname": config.cname}))
    return planned


def sitemap_page(path: str, listed: list[tuple[str, datetime | None]], config: Config) -> Page:
    """Plan one sitemap file of (page path, last change); its URLs are made only if rendered."""
    key = page_key(*(f"{page}\0{lastmod.isoformat() if lastmod else '-'}"
                     for page, lastmod in listed))
    return Page(path, "sitemap.xml", Deferred(lambda: {"urls": [
        SitemapUrl(absolute_url(config, page), lastmod) for page, lastmod in listed]}), key)


def _updated(context: Mapping[str, object]) -> datetime | None:
    value = context.get("updated")
    return value if isinstance(value, datetime) else None


def moved_listing(listed: Listed, moved: dict[str, str]) -> Listed:
    """Return the sitemap's pages with those that ``moved`` at their new paths."""
    return [(moved.get(path, path), updated) for path, updated in listed]
