"""What an edit changes: from the content files changed since the last build to the pages to
make again. One algorithm, for ``build`` (the last build remembered on disk) and ``serve`` (in
memory): see ``memory.py`` for both.

An edit is small when every changed file is a body that joins as before (same record, same
pairing, same problems), or every one is a record that joins as before: it keeps its original
URL, draft state, body and place in its file, the words it is matched by, and its problems,
so the remembered tally holds. Anything else is not small: the whole site is read, joined and
planned again.

A body is shown on its article's page alone, so a body edit plans that page again from the
setting the last build remembered (``article.Setting``). A record is shown on every page that
shows its article's card (``Planner.pages_showing``): its page, its neighbours', the list pages
and feeds; and, if its new title moves its page, on the pages linking to it and the sitemap.
A record that moves its article in the indexes (a new date, topics or provider, or a title
that reorders it) may change any list page: the remembered articles are indexed and every
page planned again, and the fingerprints tell which changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from digest.config import Config
from digest.incremental.kept import Kept, KeptEdits, targets, with_articles
from digest.index import index, newest_first
from digest.join import joins_alike, rescored, scored_alike
from digest.model import Article, Joined, JoinMethod, Matches, Record, Site
from digest.pickling import copied
from digest.plan.addresses import Owner
from digest.plan.article import BodyPage, Setting
from digest.plan.feeds import Listed, moved_listing
from digest.plan.page import Page
from digest.plan.pages import Planner, deferred_article_page, lean
from digest.plan.urls import assign_urls, unique_paths, wanted_path
from digest.read.load import FileResult
from digest.story.cluster import Stories
from digest.story.evidence import Evidence, clustered, evidence_of
from digest.story.window import reclustered

Changed = list[tuple[str, FileResult, FileResult]]
"""Each content file changed, none new or gone: its path, its old parse result and its new one."""
Clustering = tuple[Mapping[str, Evidence], Stories | None]
"""What the site's stories were clustered by (each article's evidence), and the stories."""


class Memory(Protocol):
    """What the last build remembers of the site, as an edit needs it."""

    @property
    def matches(self) -> Matches:
        """What the last build's join found."""

    @property
    def listing(self) -> Listed:
        """The pages the last build's sitemap listed."""

    def body_page(self, rel: str) -> BodyPage | None:
        """Return the page body file ``rel`` was shown on; None if it was on none."""

    def joined(self, page: BodyPage, new: FileResult) -> Article | None:
        """Return the article of ``page`` with the body of ``new``; None if it is unknown."""

    def site(self) -> tuple[Kept, Mapping[str, Article]] | None:
        """Return the site as last planned, and its articles; None if it is unknown."""


@dataclass(frozen=True)
class Redo:
    """What an edit changes: the pages to make again, and what to remember of it."""

    pages: list[Page]
    """The pages that may have changed, in plan order."""
    moved: dict[str, str]
    """Each page that moved, by its old path, to its new one."""
    site: Site | None
    """The site indexed again, when the edit moved an article: ``pages`` are then every page."""
    edits: KeptEdits
    """What the edit changed of the site."""
    bodies: dict[str, BodyPage]
    """Body file to its page, for each article page planned again."""
    matches: Matches | None
    """What the join found now; None when as remembered (an edit of bodies alone)."""
    listing: Listed | None
    """The pages the sitemap lists now; None when as remembered."""
    clustering: Clustering = ({}, None)
    """What the site indexed again was clustered by, and into, for the kept site to keep."""
    owners: Mapping[str, Owner] = field(default_factory=dict)
    """The article and story pages planned, by path, to their owners (``addresses.json``)."""


def redo(memory: Memory, changed: Changed, config: Config) -> Redo | None:
    """Return what the ``changed`` files change of the site ``memory`` remembers; None unless
    the edit is small (see the module's docstring)."""
    if all(record_edit(old, new) for _, old, new in changed):
        return _records(memory, changed, config)
    edited: dict[str, tuple[Article, Setting]] = {}
    for rel, old, new in changed:
        page = memory.body_page(rel)
        if page is None or not body_edit(page.method, old, new):
            return None
        article = memory.joined(page, new)
        if article is None:
            return None
        edited[article.id] = (article, page.setting)
    pages = [deferred_article_page(article, setting, config) for article, setting in edited.values()]
    return Redo(pages, {}, None, KeptEdits({aid: lean(article) for aid, (article, _)
                                            in edited.items()}), {}, None, None)


def _records(memory: Memory, changed: Changed, config: Config) -> Redo | None:
    """Return what an edit of records alone changes, if they join as before."""
    matches = memory.matches
    for rel, old, new in changed:
        assert old.record is not None and new.record is not None  # record_edit checked
        # A record matched by content may join elsewhere; a content match weighs the dates of
        # the candidates it found.
        if rel in matches.found and (
                not scored_alike(matches, old.record, new.record)
                or (old.record.published != new.record.published and matches.found[rel][1])):
            return None
    remembered = memory.site()
    if remembered is None:
        return None
    kept, articles = remembered
    edited: dict[str, Article] = {}
    for rel, _, new in changed:
        record = new.record
        assert record is not None
        if rel not in articles:
            return None  # a draft or a duplicate, not on the site
        article = articles[rel]
        if not article.version:
            return None
        edited[rel] = lean(copied(article, record=record, version=new.digest + article.version[
            len(article.record_version):]))
        matches = rescored(matches, record)
    before = replace(kept.site, articles=articles)
    site = replace(kept.site, articles=with_articles(articles, edited))
    clustering = _clustering(kept, changed, edited)
    if not all(_placed(old.record) == _placed(new.record) for _, old, new in changed  # type: ignore[arg-type]
               ) or not all(_in_place(site, aid) for aid in edited):
        return _reindexed(kept, site, edited, matches, config, clustering)
    wanted = {aid: path for aid, article in edited.items()
              if (path := wanted_path(article)) != kept.wanted[aid]}
    urls = replace(kept.urls, articles=unique_paths({**kept.wanted, **wanted})) if wanted else kept.urls
    paths = {aid: path for aid, path in urls.articles.items()
             if kept.urls.articles[aid] != path} if wanted else {}
    links = _linking(kept, before, site, edited)
    moved = {kept.urls.articles[aid]: path for aid, path in paths.items()}
    stories = clustering[1]
    if (stories is None or stories != kept.stories
            or not stories.of.keys().isdisjoint(edited.keys() | paths.keys())):
        return _reindexed(kept, site, edited, matches, config, clustering)  # stories change
    planner = Planner(site, config, urls, stories)
    listing = moved_listing(memory.listing, moved)
    pages = planner.pages_showing(
        frozenset(edited.keys() | paths.keys()),
        [source for aid in paths for source in links.get(aid, kept.linking.get(aid, ()))],
        listing if moved else None)
    return Redo(pages, moved, None, KeptEdits(edited, wanted, paths, links),
                body_pages([site.articles[aid] for aid in planner.settings], planner.settings),
                matches, listing, owners=planner.owners)


def _clustering(kept: Kept, changed: Changed, edited: dict[str, Article]) -> Clustering:
    """Return what the site's stories are clustered by after an edit of records, and the
    stories: the kept ones, unless the edit changed what clustering reads; then those of the
    time window it touches clustered again (``story/window.py``)."""
    if all(clustered(old.record) == clustered(new.record)  # type: ignore[arg-type]
           for _, old, new in changed):
        return kept.evidence, kept.stories
    evidence = {**kept.evidence, **{aid: evidence_of(a) for aid, a in edited.items()}}
    return evidence, reclustered(kept.evidence, kept.stories,
                                 {aid: evidence[aid] for aid in kept.site.order}, edited.keys())


def _reindexed(kept: Kept, site: Site, edited: dict[str, Article], matches: Matches,
               config: Config, clustering: Clustering) -> Redo:
    """Index the ``site`` whose ``edited`` articles moved, and plan every page of it again;
    its stories are ``clustering``'s (``_clustering``), or clustered here if there are none."""
    joined = Joined(tuple(site.articles[aid] for aid in site.order), (), ())
    site = index(joined, drafts=True)  # each was published already: none is left out now
    # Oldest first, as a whole build gives each article its path (``urls.wanted_paths``).
    urls = assign_urls(site, {aid: wanted_path(edited[aid]) if aid in edited else kept.wanted[aid]
                              for aid in reversed(site.order)})
    planner = Planner(site, config, urls, clustering[1])
    pages = planner.pages()
    moved = {kept.urls.articles[aid]: path for aid, path in urls.articles.items()
             if kept.urls.articles[aid] != path}
    return Redo(pages, moved, site, KeptEdits(), body_pages(list(site.articles.values()),
                                                            planner.settings),
                matches, planner.listed, clustering=(
                    clustering[0] or planner.stories.evidence, planner.stories.found),
                owners=planner.owners)


def body_pages(articles: list[Article], settings: Mapping[str, Setting]) -> dict[str, BodyPage]:
    """Return, for each published article whose body has a file of its own, that body's page."""
    return {article.body.source: BodyPage(article.id, article.method, settings[article.id])
            for article in articles
            if article.body is not None and article.body.source != article.id
            and article.id in settings}


def body_edit(method: JoinMethod | None, old: FileResult | None, new: FileResult) -> bool:
    """Whether a file changed from a body joined by ``method`` to another that joins alike, with
    no record and the same problems: then only that article's page can change."""
    return (method is not None and old is not None and old.record is None
            and new.record is None and old.body is not None and new.body is not None
            and bool(new.digest) and joins_alike(method, old.body, new.body)
            and old.diagnostics == new.diagnostics and old.skipped == new.skipped)


def record_edit(old: FileResult, new: FileResult) -> bool:
    """Whether a file changed from a record alone to another that places its article alike,
    with the same problems."""
    return (old.record is not None and new.record is not None and old.body is None
            and new.body is None and bool(new.digest) and _place(old.record) == _place(new.record)
            and old.diagnostics == new.diagnostics and old.skipped == new.skipped)


def _place(record: Record) -> tuple[object, ...]:
    """What of a record the join and the choice of published articles read, but for the words
    it is matched by (see ``join.scored_alike``) and its date (see ``_records``)."""
    return (record.source, record.line, record.body_path, record.url_key, record.draft,
            record.feed_published)


def _placed(record: Record) -> tuple[object, ...]:
    """What of a record places its article in the indexes, but for its title (see ``_in_place``);
    and its update, which dates its page in the sitemap."""
    return (record.published, record.provider.name if record.provider else None, record.topics,
            record.updated)


def _in_place(site: Site, aid: str) -> bool:
    """Whether the article keeps its place in the order, its title changed or not."""
    n = site.order.index(aid)
    here = newest_first(site.articles[aid])
    return ((n == 0 or newest_first(site.articles[site.order[n - 1]]) < here)
            and (n + 1 == len(site.order) or here < newest_first(site.articles[site.order[n + 1]])))


def _linking(kept: Kept, before: Site, site: Site, edited: dict[str, Article]
             ) -> dict[str, tuple[str, ...]]:
    """Return the articles now linking to each article that the ``edited`` records linked to
    before, or link to now, in the order of the site."""
    linked = {target for aid in edited for target in targets(before, before.articles[aid])
              | targets(site, edited[aid])}
    order = {aid: n for n, aid in enumerate(site.order)} if linked else {}
    linking = {}
    for target in linked:
        sources = {aid for aid in kept.linking.get(target, ()) if aid not in edited}
        sources |= {aid for aid, article in edited.items() if target in targets(site, article)}
        linking[target] = tuple(sorted(sources, key=order.__getitem__))
    return linking
