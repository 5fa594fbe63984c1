"""What the last build remembers, as an edit needs it (``edit.Memory``): ``build`` reads it
from the cache (``OnDisk``), a shard at a time; ``serve`` holds it (``InMemory``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from digest.config import Config
from digest.incremental.cache import Stored, load_body_pages, load_shards
from digest.incremental.edit import Changed, Clustering, Redo
from digest.incremental.files import UNTRUSTED, Entries, stowed
from digest.incremental.kept import Kept, keep, load_kept, with_articles
from digest.incremental.stamp import RACY_NS, Inputs, shard_of
from digest.incremental.store import store_of
from digest.join import rejoined, with_body
from digest.model import Article, Matches, Site
from digest.plan.article import BodyPage
from digest.plan.feeds import Listed
from digest.read.load import FileResult, read_file

MAX_SHARDS = 8
"""More shards changed than this is no small edit: the whole build is about as quick."""


@dataclass(frozen=True)
class Edits:
    """The content files changed since the last build, none new or gone, read: each as the
    cache holds it and as read now, with the cache's file shards that hold them."""

    changed: Changed
    shards: dict[int, Entries]
    """The shards read, the changed files' entries already as they are to be saved."""

    def changed_shards(self) -> dict[int, Entries]:
        """Return the shards that hold the changed files."""
        return {shard_of(rel): self.shards[shard_of(rel)] for rel, _, _ in self.changed}


def edits_of(config: Config, inputs: Inputs, stored: Stored, started: int) -> Edits | None:
    """Read the files changed since the last build; None unless a few changed, none new or gone.

    ``stored`` is the last build's cache, without its shards (``load_main``).
    """
    # A content file changed just before the build is read and kept as UNTRUSTED below; a
    # template or static file so changed is no small edit (``frame`` is then empty).
    if (not stored.listed or stored.tally is None or not inputs.frame
            or inputs.frame != stored.frame or stored.max_file_size != config.max_file_size):
        return None
    stale = [shard for shard, now in enumerate(inputs.shards)
             if not now or now != stored.listed[shard]]  # "": a file changed just before
    if not stale or len(stale) > MAX_SHARDS:
        return None
    shards = load_shards(config.cache_dir, stored, stale)
    names = _changed(inputs, stale, shards)
    if names is None:
        return None
    changed = []
    for rel in names:
        entries = shards[shard_of(rel)]
        assert entries is not None  # _changed checked
        new = stowed(read_file(rel, config.content / rel, config.max_file_size), store_of(config))
        changed.append((rel, entries[rel][1], new))
        # A file changed just before the build may change again unseen within its time stamp.
        sig = inputs.content[rel]
        entries[rel] = (sig if sig[0] < started - RACY_NS else UNTRUSTED, new)
    return Edits(changed, shards)  # type: ignore[arg-type]  # None shards returned above


def _changed(inputs: Inputs, stale: list[int], shards: dict[int, Entries | None]
             ) -> list[str] | None:
    """Return the files of the ``stale`` shards whose signatures changed; None if a file was
    added or removed, or a shard cannot be read."""
    names: dict[int, set[str]] = {shard: set() for shard in stale}
    for rel in inputs.content:
        if (shard := shard_of(rel)) in names:
            names[shard].add(rel)
    changed = []
    for shard in stale:
        loaded = shards[shard]
        if loaded is None or loaded.keys() != names[shard]:
            return None
        changed += [rel for rel in sorted(names[shard]) if loaded[rel][0] != inputs.content[rel]]
    return changed


class OnDisk:
    """The last build as its cache remembers it: each part read when first asked for."""

    def __init__(self, config: Config, stored: Stored, edits: Edits) -> None:
        self._config, self._stored, self._shards = config, stored, edits.shards
        self._bodies: dict[int, dict[str, BodyPage]] = {}

    @property
    def matches(self) -> Matches:
        return self._stored.recall.matches

    @property
    def listing(self) -> Listed:
        return self._stored.recall.listing

    def body_page(self, rel: str) -> BodyPage | None:
        shard = shard_of(rel)
        if shard not in self._bodies:
            self._bodies[shard] = load_body_pages(self._config.cache_dir, self._stored, shard) or {}
        return self._bodies[shard].get(rel)

    def joined(self, page: BodyPage, new: FileResult) -> Article | None:
        shard = shard_of(page.article)
        if shard not in self._shards:
            self._shards.update(load_shards(self._config.cache_dir, self._stored, [shard]))
        entry = (self._shards[shard] or {}).get(page.article)
        if entry is None or entry[1].record is None or new.body is None:
            return None
        record = entry[1]
        return rejoined(record.record, record.digest, new.body, new.digest,  # type: ignore[arg-type]
                        page.method)

    def site(self) -> tuple[Kept, Mapping[str, Article]] | None:
        return load_kept(self._config.cache_dir, self._stored.site, self._stored.since)


class InMemory:
    """The site ``serve`` serves, as its last whole build planned it and edits since left it."""

    def __init__(self, site: Site, bodies: dict[str, BodyPage], matches: Matches,
                 listing: Listed, clustering: Clustering = ({}, None),
                 kept: Kept | None = None) -> None:
        """``clustering``: what the site's stories were clustered by, and into (if known)."""
        self._site, self._bodies, self._kept = site, bodies, kept
        self._clustering = clustering
        self.matches, self.listing = matches, listing

    def body_page(self, rel: str) -> BodyPage | None:
        return self._bodies.get(rel)

    def joined(self, page: BodyPage, new: FileResult) -> Article | None:
        article = self._site.articles.get(page.article)
        if article is None or new.body is None:
            return None
        return with_body(article, new.body, new.digest)

    def site(self) -> tuple[Kept, Mapping[str, Article]] | None:
        if self._kept is None:  # made at the first edit of records
            self._kept = keep(self._site, *self._clustering)
        return self._kept, self._site.articles

    def after(self, redo: Redo) -> InMemory:
        """Return what is remembered once ``redo`` is served."""
        edits, kept, clustering = redo.edits, self._kept, self._clustering
        if redo.site is not None:  # indexed again: its kept form is made again when needed
            site, kept, clustering = redo.site, None, redo.clustering
        else:
            site = replace(self._site, articles=with_articles(self._site.articles, edits.articles))
        return InMemory(site, {**self._bodies, **redo.bodies},
                        self.matches if redo.matches is None else redo.matches,
                        self.listing if redo.listing is None else redo.listing,
                        clustering, edits.applied(kept) if kept is not None else None)
