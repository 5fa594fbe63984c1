"""Rebuild after an edit of records that moves no article: plan again the pages that show it.

A record shows on many pages: its article's own, its card on list pages, its neighbours' links,
its feed entries, and its page's path (made from its title) wherever the page is linked. A
whole build reads, joins and indexes every file and plans every page for it. But while an edit
moves no article, every other page stays as planned: so the build plans only the pages that
show the edited articles (``Planner.pages_showing``), from the site the last whole build kept
(``Kept``, in the cache's ``site.pickle``), and keeps every other page's fingerprint and file.

An edit moves no article when each record keeps its date, original URL, provider, topics,
draft state, body and place in its file, and so its article its place in the order, the
indexes and the join; when its title changes the order between articles of the same time
nowhere; and when it has the same problems, so the kept tally holds. A new title may move the
article's page, and, where two titles make one path, another's: those pages are planned again
too, and every page that links to them, the sitemap with them.
"""

from __future__ import annotations

import hmac
import pickle
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from digest.incremental.cache import KeptEdits, Stored, log
from digest.incremental.files import Entries
from digest.incremental.patch import Edits
from digest.incremental.sealed import checksum, replace_file_with
from digest.index import newest_first
from digest.join import rescored, scored_alike
from digest.model import Article, Matches, Record, Site
from digest.pickling import copied
from digest.plan.pages import lean
from digest.plan.urls import Urls, Wanted, assign_urls, unique_paths, wanted_path, wanted_paths
from digest.read.load import FileResult

KEPT_FILE = "site.pickle"


@dataclass(frozen=True)
class Kept:
    """What of the site a whole build planned a build after an edit of records needs, but the
    articles (kept beside it in the same file, each alone: such a build reads a few hundred)."""

    site: Site
    """The site but its articles."""
    wanted: Wanted
    """What each article's path is made of (``urls.wanted_paths``)."""
    urls: Urls
    linking: Mapping[str, tuple[str, ...]]
    """Article id to the articles whose related coverage links to its page."""


@dataclass(frozen=True)
class Replan:
    """An edit of records alone, ready to plan: what it changes of the site (``found``), and
    of the cache."""

    found: Replanned
    since: KeptEdits
    """What edits changed of the kept site, this one's too."""
    shards: dict[int, Entries]
    """The cache's file shards the edit changes, as they are to be saved."""


def keep(site: Site) -> Kept:
    """Return what a build after an edit of records needs of the site a whole build planned,
    but the articles (``pickled``)."""
    linking = defaultdict(list)
    for aid in site.order:
        for target in _targets(site, site.articles[aid]):
            linking[target].append(aid)
    wanted = wanted_paths(site)
    return Kept(replace(site, articles={}), wanted, assign_urls(site, wanted),
                {aid: tuple(sources) for aid, sources in linking.items()})


def pickled(articles: Mapping[str, Article]) -> Iterator[tuple[str, bytes]]:
    """Yield each article's id, and the article made ``lean`` and pickled."""
    for aid, article in articles.items():
        yield aid, pickle.dumps(lean(article), protocol=pickle.HIGHEST_PROTOCOL)


def save_kept(folder: Path, kept: Kept, articles: Iterable[tuple[str, bytes]]) -> str:
    """Write ``kept`` and its ``articles`` (as ``pickled`` gives them) into the cache folder, an
    article at a time; return the file's checksum, for the main file to name.

    The file holds the pickled ``kept`` (after its length), each article's bytes, an index of
    where each is, and (in its last 8 bytes) where the index starts.
    """
    folder.mkdir(parents=True, exist_ok=True)
    index: dict[str, tuple[int, int]] = {}

    def parts() -> Iterator[bytes]:
        head = pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL)
        yield len(head).to_bytes(8, "little") + head
        at = 8 + len(head)
        for aid, data in articles:
            index[aid] = (at, len(data))
            at += len(data)
            yield data
        yield pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL) + at.to_bytes(8, "little")

    return replace_file_with(folder / KEPT_FILE, parts())


def load_kept(folder: Path, stored: Stored) -> tuple[Kept, Unpickled] | None:
    """Read the site the last whole build kept, as the edits since left it; None, with a
    warning, unless it is the very one the cache names. Its articles are unpickled as they are
    read."""
    if not stored.site:
        return None
    try:
        data = (folder / KEPT_FILE).read_bytes()
        # The whole file checked before any of it is unpickled: a pickle from elsewhere may run code.
        if not hmac.compare_digest(checksum(data), stored.site):
            raise ValueError("not the site this cache was saved with")
        view = memoryview(data)
        head = int.from_bytes(view[:8], "little")
        kept = pickle.loads(view[8:8 + head])
        index = pickle.loads(view[int.from_bytes(view[-8:], "little"):-8])
        if not isinstance(kept, Kept) or not isinstance(index, dict):
            raise TypeError("not a site")
    except Exception as exc:  # whatever is wrong, the whole build reads every file
        log.warning("cache %s is damaged or stale (%s); building everything",
                    folder / KEPT_FILE, exc if isinstance(exc, ValueError) else type(exc).__name__)
        return None
    since = stored.since
    return (Kept(kept.site, {**kept.wanted, **since.wanted},
                 replace(kept.urls, articles={**kept.urls.articles, **since.paths}),
                 {**kept.linking, **since.linking}),
            Unpickled(view, index, since.articles))


class Unpickled(Mapping[str, Article]):
    """Articles pickled one by one in one buffer, each unpickled when first read: a buffer
    ``load_kept`` found sealed by this user's digest."""

    def __init__(self, data: memoryview, index: Mapping[str, tuple[int, int]],
                 made: Mapping[str, Article]) -> None:
        self._data, self._index, self._made = data, index, dict(made)

    def with_articles(self, articles: Mapping[str, Article]) -> Unpickled:
        """Return these articles, ``articles`` put in."""
        return Unpickled(self._data, self._index, {**self._made, **articles})

    def __getitem__(self, aid: str) -> Article:
        made = self._made.get(aid)
        if made is None:
            at, length = self._index[aid]
            made = self._made[aid] = pickle.loads(self._data[at:at + length])
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


def plan_replan(folder: Path, stored: Stored, edits: Edits) -> Replan | None:
    """Put the records edited since the last build into the site it kept (in cache ``folder``);
    None unless records alone changed, none of them moving its article."""
    if not all(_record_edit(old, new) for _, old, new in edits.files):
        return None  # known before the kept site is read (``replanned`` asks again)
    loaded = load_kept(folder, stored)
    if loaded is None:
        return None
    kept, articles = loaded
    found = replanned(kept, articles, stored.matches, edits.files)
    if found is None:
        return None
    since = stored.since
    return Replan(found, KeptEdits({**since.articles, **found.edited},
                                   {**since.wanted, **found.wanted}, {**since.paths, **found.paths},
                                   {**since.linking, **found.links}), edits.changed_shards())


@dataclass(frozen=True)
class Replanned:
    """What an edit of records that moves no article changes of a site (``replanned``)."""

    site: Site
    """The site with the edited articles in."""
    urls: Urls
    dirty: frozenset[str]
    """The articles whose cards changed: those edited, and those whose pages moved."""
    linking: tuple[str, ...]
    """The articles whose related coverage links to a page that moved."""
    moved: dict[str, str]
    """Each page that moved, by its old path, to its new one."""
    matches: Matches
    """What the join found, with the edited records keyed as they now are."""
    edited: dict[str, Article]
    """Each edited article, as it now is (``plan.lean``)."""
    wanted: Wanted
    """What each retitled article's path is now made of."""
    paths: dict[str, str]
    """Each article whose page moved, and its path now."""
    links: dict[str, tuple[str, ...]]
    """The articles now linking to each article, where that may have changed."""

    def kept(self, kept: Kept) -> Kept:
        """Return ``kept`` (the site before the edit) as the edit leaves it."""
        return Kept(kept.site, {**kept.wanted, **self.wanted}, self.urls,
                    {**kept.linking, **self.links})


def replanned(kept: Kept, articles: Mapping[str, Article], matches: Matches,
              files: Iterable[tuple[str, FileResult, FileResult]]) -> Replanned | None:
    """Put the edited records of ``files`` (each path, old and new parse result) into the site
    ``kept`` describes, whose articles are ``articles``; None unless records alone changed,
    none of them moving its article. ``matches`` is what the site's join found."""
    files = list(files)
    if not all(_record_edit(old, new) for _, old, new in files):
        return None
    site = replace(kept.site, articles=articles)
    edited: dict[str, Article] = {}
    for rel, old, new in files:
        record = new.record
        assert old.record is not None and record is not None  # _record_edit checked
        if rel not in articles or (rel in matches.found
                                   and not scored_alike(matches, old.record, record)):
            return None  # a draft or a duplicate, not on the site; or it may join elsewhere
        article = articles[rel]
        if not article.version:
            return None
        edited[rel] = lean(copied(article, record=record, version=new.digest + article.version[
            len(article.record_version):]))
        matches = rescored(matches, record)
    before, site = site, replace(site, articles=_with(articles, edited))
    if not all(_in_place(site, aid) for aid in edited):
        return None
    wanted = {aid: path for aid, article in edited.items()
              if (path := wanted_path(article)) != kept.wanted[aid]}
    urls = kept.urls
    if wanted:
        urls = replace(urls, articles=unique_paths({**kept.wanted, **wanted}))
    moved = {aid: path for aid, path in urls.articles.items()
             if kept.urls.articles[aid] != path} if wanted else {}
    links = _linking(kept, before, site, edited)
    return Replanned(
        site, urls, frozenset(edited.keys() | moved.keys()),
        tuple(source for aid in moved for source in links.get(aid, kept.linking.get(aid, ()))),
        {kept.urls.articles[aid]: path for aid, path in moved.items()}, matches, edited, wanted,
        moved, links)


def _with(articles: Mapping[str, Article], edited: dict[str, Article]) -> Mapping[str, Article]:
    """Return ``articles`` with the ``edited`` ones in their places."""
    if isinstance(articles, Unpickled):
        return articles.with_articles(edited)
    return {**articles, **edited}


def _targets(site: Site, article: Article) -> set[str]:
    """Return the articles of the site that an article's related coverage links to."""
    return {target for key in article.record.related_keys
            if key and (target := site.by_url.get(key)) is not None}


def _linking(kept: Kept, before: Site, site: Site, edited: dict[str, Article]
             ) -> dict[str, tuple[str, ...]]:
    """Return the articles now linking to each article that the ``edited`` records linked to
    before, or link to now, in the order of the site."""
    targets = {target for aid in edited for target in _targets(before, before.articles[aid])
               | _targets(site, edited[aid])}
    order = {aid: n for n, aid in enumerate(site.order)} if targets else {}
    linking = {}
    for target in targets:
        sources = {aid for aid in kept.linking.get(target, ()) if aid not in edited}
        sources |= {aid for aid, article in edited.items() if target in _targets(site, article)}
        linking[target] = tuple(sorted(sources, key=order.__getitem__))
    return linking


def _record_edit(old: FileResult, new: FileResult) -> bool:
    """Whether a file changed from a record alone to another that places its article alike,
    with the same problems."""
    return (old.record is not None and new.record is not None and old.body is None
            and new.body is None and bool(new.digest) and _place(old.record) == _place(new.record)
            and old.diagnostics == new.diagnostics and old.skipped == new.skipped)


def _place(record: Record) -> tuple[object, ...]:
    """What of a record the join and the index read, but for the words it is matched by (see
    ``join.scored_alike``) and its title (see ``_in_place``)."""
    provider = record.provider.name if record.provider else None
    return (record.source, record.line, record.body_path, record.published, record.url_key,
            provider, record.topics, record.draft, record.feed_published)


def _in_place(site: Site, aid: str) -> bool:
    """Whether the article keeps its place in the order, its title changed or not."""
    n = site.order.index(aid)
    here = newest_first(site.articles[aid])
    return ((n == 0 or newest_first(site.articles[site.order[n - 1]]) < here)
            and (n + 1 == len(site.order) or here < newest_first(site.articles[site.order[n + 1]])))
