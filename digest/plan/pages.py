"""Plan every output page: its path, its template and its context (URLs come from ``urls``)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TypeVar

from digest.config import Config
from digest.index import provider_key, term_key
from digest.links.shown import archived_copies, copies_of
from digest.model import Article, Site, Term
from digest.pickling import copied
from digest.plan.article import Card, Setting, article_page, card_images, card_of, common
from digest.plan.feeds import FeedLinks, Listed, feed_pages, site_pages, sitemap_listing
from digest.plan.page import Deferred, Page, page_key
from digest.plan.stories import Stories, StoryPlan, story_fields
from digest.plan.urls import Link, Urls, assign_urls, check_collisions

SEARCH_PATH = "search/index.html"
T = TypeVar("T")


@dataclass(frozen=True)
class Pager:
    """Where a paginated list stands."""

    number: int
    count: int
    previous: str | None
    next: str | None


class Views:
    """What each article's card shows and is made from, each made on first use."""

    def __init__(self, site: Site, urls: Urls, stories: StoryPlan) -> None:
        self.site, self.urls, self.stories = site, urls, stories
        self._cards: dict[str, Card] = {}
        self.paths = _Made(lambda aid: card_paths(site.articles[aid], urls))
        """Article id to the paths its card links to: its page, its provider's, its topics'."""
        self.keys = _Made(lambda aid: card_key(site.articles[aid], self.paths[aid],
                                               stories.key(aid)))
        """Article id to what its card is made from: every page showing the card needs it."""

    def card(self, aid: str) -> Card:
        if aid not in self._cards:
            self._cards[aid] = card_of(self.site.articles[aid], *self.paths[aid],
                                       self.stories.coverage(aid))
        return self._cards[aid]


class _Made(dict[str, T]):
    """A dict that makes a missing value when it is first asked for, and keeps it."""

    def __init__(self, make: Callable[[str], T]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, key: str) -> T:
        value = self[key] = self._make(key)
        return value


CardPaths = tuple[str, str | None, tuple[str, ...]]
"""The paths of an article's page, of its provider's page (if it names one) and of its topics'."""


def card_paths(article: Article, urls: Urls) -> CardPaths:
    """Return the paths an article's card links to."""
    provider = provider_key(article)
    return (urls.articles[article.id], urls.providers[provider] if provider else None,
            tuple(urls.topics[term_key(t)] for t in article.record.topics))


def card_key(article: Article, paths: CardPaths, story: str = "-") -> str:
    """Return an article's card key: a digest (``page_key``: a list page's key holds twenty) of its
    record's version, join method (so whether there is a body, not the body: a body edit changes no
    list page), the paths its card links to and ``story``'s key; empty if the version is unknown."""
    path, provider, topics = paths
    return page_key(article.record_version, article.method, story, path, provider or "-", *topics)


def lean(article: Article) -> Article:
    """Return the article with what planning and pages read (the cache keeps lean articles,
    ``kept.py``): no join words, no unknown fields but stories', one image, no body opening."""
    record, body = article.record, article.body
    return copied(article, record=copied(record, probes=("", ""), extra=story_fields(record.extra),
                                         images=record.images[:1]),
                  body=body and copied(body, opening="", opening_key=""))


def plan(site: Site, config: Config) -> list[Page]:
    """Return every page of the site; article and list pages, nearly all of it, come with a
    key and a deferred context, made only if the page is rendered."""
    return Planner(site, config).pages()


class Planner:
    """Plans a site's pages, keeping what they share (URLs, cards' keys, feed links) to plan an
    article's page again when only its body changed: all of it comes from the records alone."""

    def __init__(self, site: Site, config: Config, urls: Urls | None = None,
                 stories: Stories | None = None) -> None:
        """Plan ``site``; its pages' paths are ``urls`` and its stories ``stories`` if given."""
        self.site, self.config, self.copies = site, config, archived_copies(config)
        self.urls = urls or assign_urls(site)
        self.stories = StoryPlan(site, self.urls, stories)
        self.views = Views(site, self.urls, self.stories)
        self.feeds = FeedLinks(site, self.urls, config)
        self.settings: dict[str, Setting] = {}
        """Each article's setting, as its page was planned."""
        self.listed: Listed = []
        """The pages the sitemap lists, as ``pages`` planned them."""
        self._links: dict[str, Link] = {}

    def pages(self) -> list[Page]:
        """Return every page of the site."""
        site, urls, views, feeds, config = self.site, self.urls, self.views, self.feeds, self.config
        pages: list[Page] = []
        pages += listing_pages("index.html", "home.html", "Latest", site.order, views, config,
                               feeds=feeds.site)
        pages += [self._article_page(n, site.articles[aid]) for n, aid in enumerate(site.order)]
        for key in site.topics:
            pages += self._term_pages(key, "topic")
        for key in site.providers:
            pages += self._term_pages(key, "provider")
        pages += self.stories.pages(views.card, views.keys.__getitem__, feeds.site, config)
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
        self.listed = sitemap_listing(pages)
        pages += site_pages(self.listed, config)
        check_collisions(pages)
        return pages

    def pages_showing(self, dirty: AbstractSet[str], linking: Iterable[str],
                      listed: Listed | None) -> list[Page]:
        """Plan the pages that may change when the ``dirty`` articles' cards did, the site
        being otherwise as planned before: their own pages and their neighbours', the list pages
        and feeds that show them, the pages of the ``linking`` articles (whose related coverage
        links to one of them that moved) and, if a page moved, the sitemap of the pages
        ``listed``. In plan order, as ``pages`` would give them."""
        site, size = self.site, self.config.page_size
        at = {aid: site.order.index(aid) for aid in dirty}
        near = {n for aid in dirty for n in (at[aid] - 1, at[aid], at[aid] + 1)}
        near |= {site.order.index(aid) for aid in linking}
        pages = list(listing_pages("index.html", "home.html", "Latest", site.order, self.views,
                                   self.config, feeds=self.feeds.site,
                                   numbers={n // size + 1 for n in at.values()}))
        pages += [self._article_page(n, site.articles[site.order[n]])
                  for n in sorted(near) if 0 <= n < len(site.order)]
        for kind, terms in (("topic", site.topics), ("provider", site.providers)):
            numbers: dict[str, set[int]] = {}
            for aid in dirty:
                for key in _term_keys(site.articles[aid], kind):
                    numbers.setdefault(key, set()).add(
                        terms[key].article_ids.index(aid) // size + 1)
            for key in terms:  # in plan order
                if key in numbers:
                    pages += self._term_pages(key, kind, numbers[key])
        pages += feed_pages(site, self.urls, self.config, showing=dirty)
        if listed is not None:
            pages += site_pages(listed, self.config)
        return pages

    def _term_pages(self, key: str, kind: str, numbers: Collection[int] | None = None
                    ) -> Iterator[Page]:
        """Plan the paginated list of a topic or provider (only pages ``numbers``, if given)."""
        terms, paths, feeds = ((self.site.topics, self.urls.topics, self.feeds.topic)
                               if kind == "topic" else
                               (self.site.providers, self.urls.providers, self.feeds.provider))
        term = terms[key]
        return listing_pages(paths[key], "term.html", term.name, term.article_ids, self.views,
                             self.config, feeds=feeds(key), numbers=numbers, kind=kind,
                             term=term.name)

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
        related = tuple(_related_target(key, self.site, urls)
                        for key in article.record.related_keys)
        # Its card, its neighbours' and its related articles' titles and paths: their keys stand for them.
        key = page_key(keys[article.id], keys[newer] if newer else "-",
                       keys[older] if older else "-", *[target or "-" for target in related])
        return Setting(*self.views.paths[article.id], related, self._link(newer),
                       self._link(older), *copies_of(self.copies, article.record, related, key),
                       story=self.stories.coverage(article.id))

    def _link(self, aid: str | None) -> Link | None:
        """Return the link to an article, as its neighbours show it: made once an article."""
        if aid is None:
            return None
        if aid not in self._links:
            self._links[aid] = Link(self.site.articles[aid].record.title, self.urls.articles[aid])
        return self._links[aid]


def deferred_article_page(article: Article, setting: Setting, config: Config) -> Page:
    """Plan an article's page with its key; its context is made only when it is read."""
    # A partial, not a closure: a build holds one for every article, and cells cost more.
    return Page(setting.path, "article.html",
                Deferred(partial(article_context, article, setting, config),
                         updated=article.record.updated or article.record.published,
                         noindex=False),
                page_key(article.version, setting.key))


def article_context(article: Article, setting: Setting, config: Config) -> dict[str, object]:
    """Make an article page's context, when the page is rendered."""
    return dict(article_page(article, setting, config).context)


def _related_target(url_key: str, site: Site, urls: Urls) -> str | None:
    """Return the page of this digest an item of related coverage (by ``url_key``) is, if any."""
    target = site.by_url.get(url_key) if url_key else None
    return urls.articles[target] if target else None


def listing_pages(first: str, template: str, title: str, ids: tuple[str, ...], views: Views,
                  config: Config, *, feeds: tuple[Link, ...],
                  numbers: Collection[int] | None = None, **extra: str) -> Iterator[Page]:
    """Split a list of articles, newest first, into pages: ``first``, then ``page/2/index.html``...

    With ``numbers``, only those pages.
    """
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
                **common(feeds, card_images(cards), _newest(views.site, chunk))}

    for n in range(1, count + 1) if numbers is None else sorted(numbers):
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


def _term_keys(article: Article, kind: str) -> set[str]:
    """Return the keys of the topics, or of the provider, an article is listed under."""
    if kind == "topic":
        return {term_key(name) for name in article.record.topics}
    provider = provider_key(article)
    return {provider} if provider else set()


def terms_context(title: str, kind: str, terms: Mapping[str, Term], paths: Mapping[str, str],
                  feeds: tuple[Link, ...]) -> dict[str, object]:
    """Build the context of the page listing every topic or provider with its count."""
    return {"title": title, "kind": kind,
            "terms": [(Link(t.name, paths[k]), len(t.article_ids)) for k, t in terms.items()],
            **common(feeds, (), None)}
