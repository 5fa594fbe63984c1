"""Plan every output page: its path, its template and its context (URLs come from ``urls``)."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit

from digest.bodies import restore
from digest.config import Config
from digest.errors import DigestError
from digest.feeds import FeedLinks, article_feeds, feed_pages, site_pages
from digest.index import provider_key, term_key
from digest.model import Article, Body, Deferred, Image, Page, Related, Site, Term, page_key, quick_pickled
from digest.urls import Link, Urls, absolute_url, assign_urls

SEARCH_PATH = "search/index.html"
WORDS_PER_MINUTE = 230
_HOST = re.compile(r"[a-z0-9.-]+")


@dataclass(frozen=True)
class Card:
    """An article as it appears in lists and at the top of its own page."""

    url: str
    title: str
    excerpt: str
    published: datetime | None
    provider: Link | None
    topics: tuple[Link, ...]
    image: Image | None
    original: str | None
    draft: bool


@dataclass(frozen=True)
class RelatedItem:
    """One item of related coverage; ``internal`` when it is an article of this digest."""

    title: str
    url: str | None
    internal: bool
    provider: str
    published: datetime | None
    excerpt: str


@quick_pickled
@dataclass(frozen=True, slots=True)
class Setting:
    """Where an article's page stands in the site: all it shows besides its record and body.

    Made from the whole site, and kept by the build: an edit of a body alone changes none of
    it, so the page can be made again from the record, the new body and this (``patch.py``).
    """

    path: str
    provider: str | None
    """The path of the article's provider's page."""
    topics: tuple[str, ...]
    """The path of each of its topics' pages."""
    related: tuple[str | None, ...]
    """For each item of its related coverage, the page of this digest it is, if it is one."""
    newer: Link | None
    older: Link | None
    key: str
    """The page's key but for the article's own version: the keys of its card, its neighbours'
    cards and its related articles' paths; empty if one is unknown."""


@dataclass(frozen=True)
class Pager:
    """Where a paginated list stands."""

    number: int
    count: int
    previous: str | None
    next: str | None


class Views:
    """Each article's card, made once on first use, and the key of everything its card shows."""

    def __init__(self, site: Site, urls: Urls) -> None:
        self.site, self.urls = site, urls
        self._cards: dict[str, Card] = {}
        self.keys = card_keys(site, urls)
        """Article id to what its card is made from: every page showing the card needs it."""

    def card(self, aid: str) -> Card:
        if aid not in self._cards:
            self._cards[aid] = card(self.site.articles[aid], self.urls)
        return self._cards[aid]


def card_keys(site: Site, urls: Urls) -> dict[str, str]:
    """Return each published article's card key: a digest of its record's version and of the
    paths its card links to (empty if the version is unknown). A card shows nothing of the
    body, so editing a body changes no card, and no page that only lists the article.

    A digest, not the parts themselves: a list page's key holds twenty, and every key is hashed
    again when the page is fingerprinted.
    """
    keys = {}
    for aid in site.order:
        article = site.articles[aid]
        provider = provider_key(article)
        key = page_key(article.record_version, urls.articles[aid],
                       urls.providers[provider] if provider else "-",
                       *[urls.topics[term_key(t)] for t in article.record.topics])
        keys[aid] = key and hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
    return keys


def plan(site: Site, config: Config) -> list[Page]:
    """Return every page of the site, with its path, template and context.

    Article and list pages, nearly all of a site, come with a key and a deferred context, made
    only if the page is rendered.
    """
    return Planner(site, config).pages()


class Planner:
    """Plans a site's pages, keeping what they share (URLs, cards' keys, feed links) to plan an
    article's page again when only its body changed: all of it comes from the records alone."""

    def __init__(self, site: Site, config: Config) -> None:
        self.site, self.config = site, config
        self.urls = assign_urls(site)
        self.views = Views(site, self.urls)
        self.feeds = FeedLinks(site, self.urls, config)
        self.settings: dict[str, Setting] = {}
        """Each published article's setting, as its page was planned."""

    def pages(self) -> list[Page]:
        """Return every page of the site."""
        site, urls, views, feeds, config = self.site, self.urls, self.views, self.feeds, self.config
        pages: list[Page] = []
        pages += listing_pages("index.html", "home.html", "Latest", site.order, views, config,
                               feeds=feeds.site)
        pages += [self._article_page(n, site.articles[aid]) for n, aid in enumerate(site.order)]
        pages += term_pages(site.topics, urls.topics, "topic", views, config, feeds.topic)
        pages += term_pages(site.providers, urls.providers, "provider", views, config,
                            feeds.provider)
        pages.append(Page("topics/index.html", "terms.html", terms_context(
            "Topics", "topic", site.topics, urls.topics, feeds.site)))
        pages.append(Page("providers/index.html", "terms.html", terms_context(
            "Sources", "provider", site.providers, urls.providers, feeds.site)))
        if config.search:
            pages.append(Page(SEARCH_PATH, "search.html", {
                "title": "Search", **common(feeds.site, (), None, noindex=True)}))
        pages.append(Page("404.html", "404.html", {
            "title": "Page not found", **common(feeds.site, (), None, noindex=True)}))
        pages += feed_pages(site, urls, config)
        pages += site_pages(pages, config)
        check_collisions(pages)
        return pages

    def article_page(self, article: Article) -> Page:
        """Plan the page of a published article again, with its body as it is now.

        Its record must be the very one planned: nothing else of the site may have changed.
        """
        if self.site.articles[article.id].record is not article.record:
            raise ValueError(f"{article.id}: its record changed; plan the whole site again")
        return self._article_page(self.site.order.index(article.id), article)

    def _article_page(self, n: int, article: Article) -> Page:
        setting = self.setting(n, article)
        self.settings[article.id] = setting
        return deferred_article_page(article, setting, self.config)

    def setting(self, n: int, article: Article) -> Setting:
        """Say where the ``n``th newest article's page stands in the site."""
        order, urls, keys = self.site.order, self.urls, self.views.keys
        newer = order[n - 1] if n > 0 else None
        older = order[n + 1] if n + 1 < len(order) else None
        provider = provider_key(article)
        related = tuple(_related_target(item, self.site, urls) for item in article.record.related)
        # The page shows the article's card, the titles and paths of its neighbours and of its
        # related articles: their keys stand for them.
        key = page_key(keys[article.id], keys[newer] if newer else "-",
                       keys[older] if older else "-", *[target or "-" for target in related])
        return Setting(urls.articles[article.id], urls.providers[provider] if provider else None,
                       tuple(urls.topics[term_key(t)] for t in article.record.topics), related,
                       self._link(newer), self._link(older), key)

    def _link(self, aid: str | None) -> Link | None:
        return Link(self.site.articles[aid].record.title, self.urls.articles[aid]) if aid else None


def deferred_article_page(article: Article, setting: Setting, config: Config) -> Page:
    """Plan an article's page with its key; its context is made only when it is read."""
    return Page(setting.path, "article.html",
                Deferred(lambda: dict(article_page(article, setting, config).context),
                         updated=article.record.published, noindex=False),
                page_key(article.version, setting.key))


def common(feeds: tuple[Link, ...], images: Iterable[Image | None], updated: datetime | None,
           *, noindex: bool = False) -> dict[str, object]:
    """Return what every HTML page's context holds: feeds, image hosts, date, indexing."""
    return {"feeds": feeds, "image_hosts": image_hosts(images), "updated": updated,
            "noindex": noindex}


def image_hosts(images: Iterable[Image | None]) -> tuple[str, ...]:
    """Return the origins the images come from, for the page's Content-Security-Policy."""
    hosts = {_origin(image.url) for image in images if image is not None}
    hosts.discard(None)
    return tuple(sorted(hosts))  # type: ignore[type-var]  # None is gone


@lru_cache(maxsize=1 << 16)
def _origin(url: str) -> str | None:
    """Return the scheme, host and port of an image URL; cached, as every list repeats them."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    # Only plain host names: anything else could smuggle a directive into the policy.
    if not _HOST.fullmatch(host):
        return None
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme.lower()}://{host}{port}"


def card(article: Article, urls: Urls) -> Card:
    """Build the view of an article shown in lists."""
    provider = provider_key(article)
    return card_of(article, urls.articles[article.id], urls.providers[provider] if provider else None,
                   tuple(urls.topics[term_key(t)] for t in article.record.topics))


def card_of(article: Article, path: str, provider: str | None, topics: tuple[str, ...]) -> Card:
    """Build an article's card given the paths of its page, provider page and topic pages."""
    record = article.record
    return Card(
        url=path,
        title=record.title,
        excerpt=record.excerpt,
        published=record.published,
        provider=Link(record.provider.name, provider) if record.provider and provider else None,
        topics=tuple(Link(t, page) for t, page in zip(record.topics, topics, strict=True)),
        image=record.images[0] if record.images else None,
        original=record.url,
        draft=record.draft,
    )


def article_page(article: Article, setting: Setting, config: Config) -> Page:
    """Plan the page of one article: its story, related coverage, neighbours and metadata."""
    record = article.record
    view = card_of(article, setting.path, setting.provider, setting.topics)
    related = tuple(_related(item, target)
                    for item, target in zip(record.related, setting.related, strict=True))
    body = restore(article.body, config) if article.body else None
    return Page(view.url, "article.html", {
        "title": view.title, "article": view, "body": body, "related": related,
        "description": view.excerpt,
        "reading_minutes": reading_minutes(body) if body else None,
        "newer": setting.newer, "older": setting.older,
        "structured": structured_data(view, config),
        **common(article_feeds(config, record, setting.provider, setting.topics), [view.image],
                 view.published),
    }, page_key(article.version, setting.key))


def reading_minutes(body: Body) -> int:
    """Estimate the minutes a reader needs for a body, at least one."""
    return max(1, round(body.words / WORDS_PER_MINUTE))


def structured_data(view: Card, config: Config) -> dict[str, object]:
    """Return the schema.org NewsArticle of an article page, for search engines (JSON-LD)."""
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": view.title,
        "url": absolute_url(config, view.url),
        "mainEntityOfPage": absolute_url(config, view.url),
    }
    if view.excerpt:
        data["description"] = view.excerpt
    if view.published:
        data["datePublished"] = f"{view.published:%Y-%m-%dT%H:%M:%SZ}"
    if view.image:
        data["image"] = [view.image.url]
    if view.provider:
        data["publisher"] = {"@type": "Organization", "name": view.provider.text}
        data["author"] = {"@type": "Organization", "name": view.provider.text}
    if view.original:
        data["isBasedOn"] = view.original
    return data


def _related(item: Related, target: str | None) -> RelatedItem:
    return RelatedItem(
        title=item.title,
        url=target or item.url,
        internal=target is not None,
        provider=item.provider.name if item.provider else "",
        published=item.published,
        excerpt=item.excerpt,
    )


def _related_target(item: Related, site: Site, urls: Urls) -> str | None:
    """Return the page of this digest that an item of related coverage is, if it is one."""
    target = site.by_url.get(item.url_key) if item.url_key else None
    return urls.articles[target] if target else None


def listing_pages(first: str, template: str, title: str, ids: tuple[str, ...], views: Views,
                  config: Config, *, feeds: tuple[Link, ...], **extra: str) -> Iterator[Page]:
    """Split a list of articles, newest first, into pages: ``first``, then ``page/2/index.html``..."""
    folder = first.removesuffix("index.html")
    size = config.page_size
    count = max(1, -(-len(ids) // size))
    shared = page_key(title, str(count), repr(sorted(extra.items())), repr(feeds))

    def path(n: int) -> str:
        return first if n == 1 else f"{folder}page/{n}/index.html"

    def make(n: int, chunk: tuple[str, ...]) -> dict[str, object]:
        pager = Pager(n, count, path(n - 1) if n > 1 else None,
                      path(n + 1) if n < count else None)
        cards = [views.card(aid) for aid in chunk]
        heading = title if n == 1 else f"{title} (page {n} of {count})"
        return {"title": heading, "articles": cards, "pager": pager, **extra,
                **common(feeds, [c.image for c in cards], _newest(views.site, chunk))}

    for n in range(1, count + 1):
        chunk = ids[(n - 1) * size: n * size]
        key = page_key(shared, str(n), *[views.keys[aid] for aid in chunk])
        yield Page(path(n), template, Deferred(
            lambda n=n, chunk=chunk: make(n, chunk),  # type: ignore[misc]
            updated=_newest(views.site, chunk), noindex=False), key)


def _newest(site: Site, ids: tuple[str, ...]) -> datetime | None:
    """Return the newest publication time among articles listed newest first: the first one's."""
    for aid in ids:
        published = site.articles[aid].record.published
        if published:
            return published
    return None


def term_pages(terms: Mapping[str, Term], paths: Mapping[str, str], kind: str, views: Views,
               config: Config, feeds_of: Callable[[str], tuple[Link, ...]]) -> Iterator[Page]:
    """Plan the paginated list of each topic or provider."""
    for key, term in terms.items():
        yield from listing_pages(paths[key], "term.html", term.name, term.article_ids, views,
                                 config, feeds=feeds_of(key), kind=kind, term=term.name)


def terms_context(title: str, kind: str, terms: Mapping[str, Term], paths: Mapping[str, str],
                  feeds: tuple[Link, ...]) -> dict[str, object]:
    """Build the context of the page listing every topic or provider with its count."""
    return {"title": title, "kind": kind,
            "terms": [(Link(t.name, paths[k]), len(t.article_ids)) for k, t in terms.items()],
            **common(feeds, (), None)}


def check_collisions(pages: list[Page]) -> None:
    """Refuse a plan in which two pages would be written to one path."""
    clashes = [path for path, n in Counter(p.path for p in pages).items() if n > 1]
    if clashes:
        raise DigestError(f"two pages would be written to {', '.join(sorted(clashes)[:5])}")
