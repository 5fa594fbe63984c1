"""Plan the stories' pages and feeds, and what cards and article pages show of a story.

A story's page shows its lead, a timeline of all its coverage (the digest's articles and the
outside pages they list, each page once, at its earliest date), its outlets and its topics. Its
path is made from its lead's (``urls.story_path``). Its key holds its members' card keys: a
card key holds the record's version, and the record holds its related items.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from digest.config import Config
from digest.model import Article, Image, Provider, Site
from digest.plan.article import Card, Coverage, common, related_of
from digest.plan.feeds import entry, feed_context, feed_path
from digest.plan.page import Deferred, Page, page_key
from digest.plan.urls import Link, Urls, absolute_url, story_path
from digest.story.cluster import Stories, Story, cluster, cluster_evidence
from digest.story.evidence import FIELDS, Evidence, evidence_of, own_keys
from digest.story.urlkey import story_key

MORE = 3
"""How many other articles of its story a card links to."""


@dataclass(frozen=True)
class Mention:
    """One page covering a story, as its timeline shows it."""

    published: datetime | None
    outlet: str
    title: str
    url: str | None
    """A site path when ``internal``, else the outside page's URL (None if it has none)."""
    internal: bool
    logo: Image | None = None
    """The outlet's logo, when known."""


def stories_of(site: Site) -> Stories:
    """Return the stories of a site's published articles."""
    return cluster(site.articles[aid] for aid in site.order)


class StoryPlan:
    """The stories of a site and the paths of their pages."""

    def __init__(self, site: Site, urls: Urls, found: Stories | None = None) -> None:
        """Plan the stories ``found`` (by default, clustered from ``site``: then ``evidence``
        holds what each article was clustered by, for the kept site to keep)."""
        self.site, self.urls = site, urls
        self.evidence: dict[str, Evidence] = {}
        if found is None:
            self.evidence = {aid: evidence_of(site.articles[aid]) for aid in site.order}
            found = cluster_evidence(self.evidence.values())
        self.found = found
        self.paths = {sid: story_path(urls.articles[sid]) for sid in self.found.by_id}
        self._coverage: dict[str, Coverage | None] = {}

    def take_evidence(self) -> dict[str, Evidence]:
        """Return ``evidence``, no longer held here: the kept site's saver takes it (150 MB at
        100,000 articles), and planning needs only the stories."""
        evidence, self.evidence = self.evidence, {}
        return evidence

    def coverage(self, aid: str) -> Coverage | None:
        """Return the story article ``aid`` is in, as its card shows it; None if in none."""
        if aid not in self._coverage:
            sid = self.found.of.get(aid)
            self._coverage[aid] = None if sid is None else self._made(aid, self.found.by_id[sid])
        return self._coverage[aid]

    def key(self, aid: str) -> str:
        """Return what of its story an article's card shows, as part of the card's key."""
        coverage = self.coverage(aid)
        return "-" if coverage is None else page_key(repr(coverage))

    def _made(self, aid: str, story: Story) -> Coverage:
        others = [m for m in story.members if m != aid][:MORE]
        return Coverage(self.paths[story.id], len(story.members) + story.outside,
                        tuple(Link(outlet(self.site.articles[m]), self.urls.articles[m])
                              for m in others))

    def pages(self, card: Callable[[str], Card], card_key: Callable[[str], str],
              site_feeds: tuple[Link, ...], config: Config) -> Iterator[Page]:
        """Plan each story's page and its Atom feed."""
        for sid, story in self.found.by_id.items():
            path, lead = self.paths[sid], self.site.articles[story.lead]
            title = lead.record.title
            feeds = (*site_feeds, Link(f"{title} · full coverage", feed_path(path)))
            key = page_key(path, *[card_key(m) for m in story.members], repr(feeds))
            newest = max((d for m in story.members
                           if (d := self.site.articles[m].record.published)), default=None)
            yield Page(path, "story.html", Deferred(
                lambda story=story, feeds=feeds: self._context(  # type: ignore[misc]
                    story, card, feeds, config), updated=newest, noindex=False), key)
            yield self._feed(story, path, title, config)

    def _context(self, story: Story, card: Callable[[str], Card], feeds: tuple[Link, ...],
                 config: Config) -> dict[str, object]:
        lead = card(story.lead)
        timeline = self.timeline(story, config)
        outlets = {m.outlet.casefold() for m in timeline if m.outlet}
        topics = list(dict.fromkeys(t for m in story.members for t in card(m).topics))
        return {"title": lead.title, "lead": lead, "timeline": timeline,
                "outlets": len(outlets), "sources": len(timeline), "topics": topics,
                "description": lead.excerpt,
                "structured": structured_data(self.paths[story.id], lead, timeline, config),
                **common(feeds, [lead.image, lead.logo, *(m.logo for m in timeline)],
                         lead.published)}

    def timeline(self, story: Story, config: Config) -> list[Mention]:
        """Return every page covering the story, each once, oldest first, then by outlet."""
        articles = [self.site.articles[m] for m in story.members]
        mentions = [Mention(a.record.published, outlet(a), a.record.title,
                            self.urls.articles[a.id], True, logo(a.record.provider))
                    for a in articles]
        seen = set().union(*(own_keys(a.record) for a in articles))
        outside: dict[str, Mention] = {}
        for article in articles:
            for item in related_of(article.record, config):
                # An item with no web address cannot be told from another, nor linked: the
                # card's count (``Story.outside``) leaves it out too.
                key = story_key(item.url) if item.url else ""
                if not key or key in seen:
                    continue
                mention = Mention(item.published, item.provider.name if item.provider else "",
                                  item.title, item.url, False, logo(item.provider))
                if key not in outside or _earlier(mention, outside[key]):
                    outside[key] = mention
        mentions += outside.values()
        return sorted(mentions, key=_in_time)

    def _feed(self, story: Story, path: str, title: str, config: Config) -> Page:
        members = sorted(story.members, key=lambda m: _in_time(Mention(
            self.site.articles[m].record.published, "", m, None, True)), reverse=True)
        chosen = members[:config.feed_entries]
        feed = feed_path(path)
        key = page_key(path, title, *[f"{self.site.articles[m].record_version}\0"
                                      f"{self.urls.articles[m]}" for m in chosen])
        return Page(feed, "feed.xml", Deferred(lambda: feed_context(
            feed, path, f"{title} · {config.title}",
            [entry(self.site.articles[m], self.urls.articles[m], config) for m in chosen],
            config)), key)


def structured_data(path: str, lead: Card, timeline: list[Mention], config: Config
                    ) -> dict[str, object]:
    """Return the schema.org CollectionPage of a story's page (the ``isPartOf`` of its articles'
    pages), its main entity an ItemList of every page covering the story, oldest first."""
    url = absolute_url(config, path)
    items = [{"@type": "ListItem", "position": n, "item": _news_article(mention, config)}
             for n, mention in enumerate(timeline, 1)]
    return {"@context": "https://schema.org", "@type": "CollectionPage", "@id": url, "url": url,
            "name": lead.title,
            "mainEntity": {"@type": "ItemList", "numberOfItems": len(items),
                           "itemListOrder": "https://schema.org/ItemListOrderAscending",
                           "itemListElement": items}}


def _news_article(mention: Mention, config: Config) -> dict[str, object]:
    data: dict[str, object] = {"@type": "NewsArticle", "headline": mention.title}
    if mention.url:
        data["url"] = absolute_url(config, mention.url) if mention.internal else mention.url
    if mention.published:
        data["datePublished"] = f"{mention.published:%Y-%m-%dT%H:%M:%SZ}"
    if mention.outlet:
        data["publisher"] = {"@type": "Organization", "name": mention.outlet}
    return data


def story_fields(extra: Mapping[str, object]) -> dict[str, object]:
    """Return what of a record's unknown fields stories read (see ``pages.lean``)."""
    return {k: extra[k] for k in FIELDS if k in extra}


def logo(provider: Provider | None) -> Image | None:
    return provider.logo if provider else None


def outlet(article: Article) -> str:
    """Return the name an article's outlet goes by: its provider's, else its own title."""
    provider = article.record.provider
    return provider.name if provider else article.record.title


_LAST = float("inf")


def _in_time(mention: Mention) -> tuple[float, str, str]:
    when = mention.published.timestamp() if mention.published else _LAST
    return when, mention.outlet.casefold(), mention.title


def _earlier(a: Mention, b: Mention) -> bool:
    return a.published is not None and (b.published is None or a.published < b.published)
