"""What a reader sees of one article: its card in lists, and its own page, with its body and
related coverage read back from the store.

An article's page is made from its record, its body and its ``Setting`` alone: the plan
(``plan/pages.py``) makes the setting from the whole site, and a build after an edit of bodies alone
(``edit.py``) makes the page again from the setting the last build kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from digest.config import Config
from digest.incremental.store import fetch, fetch_related, store_of, stow, stow_related
from digest.links.shown import ArchivedCopy
from digest.model import Article, Body, BodyFormat, Image, JoinMethod, Record, Related
from digest.pickling import quick_pickled
from digest.plan.feeds import article_feeds, json_feed_path
from digest.plan.page import Page, page_key
from digest.plan.urls import Link, absolute_url
from digest.plan.video import Video, allowed_embed, video_of
from digest.read.load import FileResult, read_file
from digest.read.markdown import render_markdown
from digest.read.weburl import image_origin

WORDS_PER_MINUTE = 230


@quick_pickled
@dataclass(frozen=True, slots=True)
class Coverage:
    """The story an article is in, as its card and its page show it (``plan/stories.py``)."""

    url: str
    """The story's page."""
    sources: int
    """How many pages cover the story: its articles and the outside pages they list, each once."""
    more: tuple[Link, ...]
    """Up to three other articles of the story, each named by its outlet."""


@dataclass(frozen=True, slots=True)  # one per article in every render worker
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
    updated: datetime | None = None
    """When the source updated the article, if later than ``published``."""
    logo: Image | None = None
    """The provider's logo."""
    video: Video | None = None
    story: Coverage | None = None
    text_here: bool = True
    """Whether the digest shows the article's text (it has a body). A card's headline leads to the
    article's page if so; else to the source, as the page would only repeat the card."""

    @property
    def points(self) -> tuple[str, tuple[str, ...]]:
        """Return the excerpt as its lead and its bullet points ("• Guest access • Solution
        checker"), when it has two or more; else as its lead alone."""
        text = self.excerpt
        lead, *points = text.split(" • ") if not text.startswith("• ") else [
            "", *text[2:].split(" • ")]
        return (lead, tuple(points)) if len(points) >= 2 else (text, ())


@dataclass(frozen=True)
class RelatedItem:
    """One item of related coverage; ``internal`` when it is an article of this digest."""

    title: str
    url: str | None
    internal: bool
    provider: str
    published: datetime | None
    excerpt: str
    copy: ArchivedCopy | None = None
    """Its archived copy, when ``links.json`` knows one."""


@quick_pickled
@dataclass(frozen=True, slots=True)
class Setting:
    """Where an article's page stands in the site: all it shows besides its record and body.

    Made from the whole site, and kept by the build: an edit of a body alone changes none of
    it, so the page can be made again from the record, the new body and this (``edit.py``).
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
    cards, its related articles' paths and its links' archived copies; empty if one is unknown."""
    original_copy: ArchivedCopy | None = None
    """The archived copy of the article's original, when ``links.json`` knows one."""
    related_copies: tuple[ArchivedCopy | None, ...] = ()
    """For each item of its related coverage outside the digest, its archived copy, if known;
    empty when none has one."""
    story: Coverage | None = None
    """The story the article is in, if it is in one (its card key covers it)."""


@quick_pickled
@dataclass(frozen=True, slots=True)
class BodyPage:
    """The page a body file is shown on: its article, how it was joined, where the page stands."""

    article: str
    """The article's id: its record's file."""
    method: JoinMethod
    setting: Setting


def common(feeds: tuple[Link, ...], images: Iterable[Image | None], updated: datetime | None,
           *, noindex: bool = False) -> dict[str, object]:
    """Return what every HTML page's context holds: feeds (Atom, and the JSON Feed beside each),
    image hosts, date, indexing."""
    return {"feeds": feeds, "json_feeds": tuple(Link(f.text, json_feed_path(f.url)) for f in feeds),
            "image_hosts": image_hosts(images), "updated": updated, "noindex": noindex}


def image_hosts(images: Iterable[Image | None]) -> tuple[str, ...]:
    """Return the origins the images come from, for the page's Content-Security-Policy."""
    hosts = {_origin(_SITE_PART.match(image.url.translate(_UNSPLIT))[0])  # type: ignore[index]
             for image in images if image is not None}
    hosts.discard(None)
    return tuple(sorted(hosts))  # type: ignore[type-var]  # None is gone


_SITE_PART = re.compile(r"[^/?#]*(?://[^/?#]*)?")
"""A URL's scheme and authority, all its origin comes from: each image has a URL of its own,
and a cache keyed by whole URLs never hit. It always matches."""

_UNSPLIT = str.maketrans("", "", "\t\r\n")
"""What urlsplit drops anywhere in a URL before splitting it: dropped before the cut too, since a
tab between two slashes of a path makes them the start of an authority once dropped."""


@lru_cache(maxsize=1 << 12)
def _origin(url: str) -> str | None:
    """Return the scheme, host and port of an image URL (or of its scheme and authority), as the
    policy lists them; None for one it cannot list. Never raises: records are checked as they
    are read (``weburl.image_url``), but one bad URL here would stop the whole build."""
    return image_origin(url)


def card_images(cards: Iterable[Card]) -> list[Image | None]:
    """Return the images a list of cards shows: each one's picture and its provider's logo."""
    return [image for card in cards for image in (card.image, card.logo)]


def card_of(article: Article, path: str, provider: str | None, topics: tuple[str, ...],
            story: Coverage | None = None) -> Card:
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
        updated=record.updated,
        logo=record.provider.logo if record.provider and provider else None,
        video=video_of(record),
        story=story,
        text_here=article.body is not None,
    )


def article_page(article: Article, setting: Setting, config: Config) -> Page:
    """Plan the page of one article: its story, related coverage, neighbours and metadata."""
    record = article.record
    view = card_of(article, setting.path, setting.provider, setting.topics, setting.story)
    items = related_of(record, config)
    copies = setting.related_copies or (None,) * len(items)
    related = tuple(_related(item, target, copy) for item, target, copy in zip(
        items, setting.related, copies, strict=True))
    body = restore(article.body, config) if article.body else None
    # The images its Markdown shows are the page's too: its policy must allow their hosts.
    shown = (render_markdown(body.text).images
             if body is not None and body.format is BodyFormat.MARKDOWN else ())
    embed = allowed_embed(record, config)
    return Page(view.url, "article.html", {
        "title": view.title, "article": view, "body": body, "related": related,
        "original_copy": setting.original_copy,
        "description": view.excerpt,
        "reading_minutes": reading_minutes(body) if body else None,
        "newer": setting.newer, "older": setting.older,
        "structured": structured_data(view, config), "coverage": setting.story,
        "embed": embed[0] if embed else None, "frame_hosts": embed[1:] if embed else (),
        **common(article_feeds(config, record, setting.provider, setting.topics),
                 [view.image, view.logo, *map(Image, shown)], view.updated or view.published),
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
    if view.updated:
        data["dateModified"] = f"{view.updated:%Y-%m-%dT%H:%M:%SZ}"
    if view.image:
        data["image"] = [view.image.url]
    if view.provider:
        data["publisher"] = {"@type": "Organization", "name": view.provider.text}
        data["author"] = {"@type": "Organization", "name": view.provider.text}
    if view.original:
        data["isBasedOn"] = view.original
    if view.story:
        story = absolute_url(config, view.story.url)
        data["isPartOf"] = {"@type": "CollectionPage", "@id": story, "url": story}
    return data


def _related(item: Related, target: str | None, copy: ArchivedCopy | None) -> RelatedItem:
    return RelatedItem(
        title=item.title,
        url=target or item.url,
        internal=target is not None,
        provider=item.provider.name if item.provider else "",
        published=item.published,
        excerpt=item.excerpt,
        copy=copy,
    )


def restore(body: Body, config: Config) -> Body:
    """Return the body with its text: from the store, or parsed again if the store lost it."""
    fetched = fetch(body, store_of(config))
    if fetched is not None:
        return fetched
    again = _parse_again(body.source, config).body
    if again is None:
        return replace(body, stored="")
    stow(again, store_of(config))  # stored afresh: the cache names it, and the next build reads it
    return again


def related_of(record: Record, config: Config) -> tuple[Related, ...]:
    """Return the record's related coverage: from the store, or parsed again if the store lost it."""
    fetched = fetch_related(record, store_of(config))
    if fetched is not None:
        return fetched
    again = _parse_again(record.source, config).record
    if again is None:
        return ()
    if again.related:
        stow_related(again, store_of(config))  # stored afresh, as a body's text is
    return again.related


def _parse_again(source: str, config: Config) -> FileResult:
    """Parse a content file again, in whichever process renders its page: the rare way back,
    when the store lost what the parse kept there."""
    return read_file(source, config.content / source, config.max_file_size)
