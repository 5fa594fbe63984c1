"""A static JSON API for apps: every article, newest first, and each topic's and provider's, in
pages of ``page_size``: ``api/articles/page/N.json``, ``api/topics/<slug>/page/N.json``,
``api/providers/<slug>/page/N.json``, each linking the next and previous page.

An article is given as its card shows it (``article.Card``): what a reader sees, never a
record's other fields. A page's key holds its cards' keys, as a list page's does, so an edit of
a record remakes the API pages showing it (``showing``) and no other.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from datetime import datetime

from digest.config import Config
from digest.index import provider_key, term_key
from digest.plan.article import Card
from digest.plan.jsonfeed import DATA_TEMPLATE, rfc3339
from digest.plan.listing import Views
from digest.plan.page import Deferred, Page, page_key
from digest.plan.urls import absolute_url, api_path

ARTICLES = "articles/"


def api_pages(views: Views, config: Config, showing: AbstractSet[str] | None = None
              ) -> Iterator[Page]:
    """Plan every page of the API; only those listing an article ``showing``, if given."""
    site, urls = views.site, views.urls
    lists = [(ARTICLES, "Latest", "index.html", site.order, None)]
    for kind, terms, paths in (("topic", site.topics, urls.topics),
                               ("provider", site.providers, urls.providers)):
        for key, term in terms.items():
            page = paths[key]
            lists.append((page.removesuffix("index.html"), term.name, page, term.article_ids,
                          (kind, key)))
    size = config.page_size
    for folder, title, page, ids, term in lists:
        numbers = None
        if showing is not None:
            numbers = {ids.index(aid) // size + 1 for aid in showing
                       if term is None or term[1] in _keys(views, aid, term[0])}
        yield from _list_pages(views, config, folder, title, page, ids, numbers)


def _keys(views: Views, aid: str, kind: str) -> set[str]:
    article = views.site.articles[aid]
    if kind == "topic":
        return {term_key(name) for name in article.record.topics}
    provider = provider_key(article)
    return {provider} if provider else set()


def _list_pages(views: Views, config: Config, folder: str, title: str, page: str,
                ids: tuple[str, ...], numbers: set[int] | None) -> Iterator[Page]:
    size = config.page_size
    count = max(1, -(-len(ids) // size))

    def url(n: int) -> str | None:
        return config.base_url + api_path(folder, n) if 1 <= n <= count else None

    def html(n: int) -> str:
        return absolute_url(config, page if n == 1 else
                            f"{page.removesuffix('index.html')}page/{n}/index.html")

    for n in range(1, count + 1) if numbers is None else sorted(numbers):
        chunk = ids[(n - 1) * size: n * size]

        def make(n: int = n, chunk: tuple[str, ...] = chunk) -> dict[str, object]:
            return {"data": {
                "title": title, "page": n, "pages": count, "per_page": size, "total": len(ids),
                "url": url(n), "html_url": html(n), "first": url(1), "last": url(count),
                "next": url(n + 1), "prev": url(n - 1),
                "articles": [article_data(views.card(aid), config) for aid in chunk]}}

        key = page_key("api", folder, title, str(n), str(count), str(len(ids)),
                       *[views.keys[aid] for aid in chunk])
        yield Page(api_path(folder, n), DATA_TEMPLATE, Deferred(make), key)


def article_data(card: Card, config: Config) -> dict[str, object]:
    """Return what a reader sees of an article, as the API gives it; every URL absolute."""
    image, video, story = card.image, card.video, card.story
    return {
        "url": absolute_url(config, card.url),
        "title": card.title,
        "excerpt": card.excerpt,
        "published": _time(card.published),
        "updated": _time(card.updated),
        "original": card.original,
        "provider": card.provider and {"name": card.provider.text,
                                       "url": absolute_url(config, card.provider.url)},
        "topics": [{"name": t.text, "url": absolute_url(config, t.url)} for t in card.topics],
        "image": image and {"url": image.url, "width": image.width, "height": image.height},
        "video": video and {"url": video.url, "site": video.site,
                            "duration": video.iso_duration or None},
        "story": story and {"url": absolute_url(config, story.url), "sources": story.sources},
    }


def _time(when: datetime | None) -> str | None:
    return rfc3339(when) if when else None
