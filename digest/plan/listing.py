"""What lists of articles show: each article's card (``Views``), and a list split into pages."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from digest.config import Config
from digest.index import provider_key, term_key
from digest.model import Article, Site
from digest.plan.article import Card, card_images, card_of, common
from digest.plan.page import Deferred, Page, page_key
from digest.plan.stories import StoryPlan
from digest.plan.urls import Link, Urls

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
