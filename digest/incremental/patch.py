"""Rebuild after an edit of bodies alone: make just their articles' pages again.

Editors mostly fix text. When the only files changed since the last build are bodies that
join as they did (same record, same pairing, same problems), nothing but those articles' own
pages can change. Then the build reads the few cache shards that hold the edited files and
their records, not the whole cache, and skips the join, index and plan of every article: the
last build kept each body's page setting (``article.Setting``) and the content's tally.
"""

from __future__ import annotations

from dataclasses import dataclass

from digest.config import Config
from digest.incremental.cache import SHARDS, Stored, listed_digests, load_body_pages, load_shards, shard_of
from digest.incremental.files import UNTRUSTED, Entries, stowed
from digest.incremental.stamp import RACY_NS, Inputs
from digest.incremental.store import store_of
from digest.join import joins_alike, rejoined
from digest.model import Article, JoinMethod
from digest.plan.article import BodyPage, Setting, article_page
from digest.plan.page import Page
from digest.read.load import FileResult, read_file

MAX_SHARDS = 8
"""More shards changed than this is no small edit: the whole build is about as quick."""


@dataclass(frozen=True)
class Patch:
    """An edit of bodies alone, ready to write: the pages it changes and the cache it leaves."""

    pages: list[Page]
    shards: dict[int, Entries]
    """The cache's file shards it changes, as they are to be saved."""
    articles: list[Article]
    """The articles whose bodies changed, as they now are."""


@dataclass(frozen=True)
class Edits:
    """The content files changed since the last build, none new or gone: each as the cache
    holds it and as read now, with the cache's file shards that hold them."""

    files: list[tuple[str, FileResult, FileResult]]
    """Each changed file, its old parse result and its new one."""
    shards: dict[int, Entries]
    """The shards read, the changed files' entries already as they are to be saved."""

    def changed_shards(self) -> dict[int, Entries]:
        """Return the shards that hold the changed files."""
        return {shard_of(rel): self.shards[shard_of(rel)] for rel, _, _ in self.files}


def body_pages(articles: list[Article], settings: dict[str, Setting]) -> dict[str, BodyPage]:
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


def edits_of(config: Config, inputs: Inputs, stored: Stored, started: int) -> Edits | None:
    """Read the files changed since the last build; None unless a few changed, none new or gone.

    ``stored`` is the last build's cache, without its shards (``load_main``).
    """
    # A content file changed just before the build is read and kept as UNTRUSTED below; a
    # template or static file so changed is no small edit (``frame`` is then empty).
    if (not stored.listed or stored.tally is None or not inputs.frame
            or inputs.frame != stored.frame or stored.max_file_size != config.max_file_size):
        return None
    listed = listed_digests(inputs.content.items())
    stale = [shard for shard in range(SHARDS) if listed[shard] != stored.listed[shard]]
    if not stale or len(stale) > MAX_SHARDS:
        return None
    shards = load_shards(config.cache_dir, stored, stale)
    changed = _changed(inputs, stale, shards)
    if changed is None:
        return None
    files = []
    for rel in changed:
        entries = shards[shard_of(rel)]
        assert entries is not None  # _changed checked
        new = stowed(read_file(rel, config.content / rel, config.max_file_size), store_of(config))
        files.append((rel, entries[rel][1], new))
        # A file changed just before the build may change again unseen within its time stamp.
        sig = inputs.content[rel]
        entries[rel] = (sig if sig[0] < started - RACY_NS else UNTRUSTED, new)
    return Edits(files, shards)  # type: ignore[arg-type]  # None shards returned above


def plan_patch(config: Config, stored: Stored, edits: Edits) -> Patch | None:
    """Plan the pages of the bodies edited since the last build; None unless bodies alone changed.

    ``stored`` is the last build's cache, without its shards (``load_main``).
    """
    bodies = {shard: load_body_pages(config.cache_dir, stored, shard) or {}
              for shard in {shard_of(rel) for rel, _, _ in edits.files}}
    pages, articles = [], []
    for rel, old, new in edits.files:
        page = bodies[shard_of(rel)].get(rel)
        if page is None or not body_edit(page.method, old, new):
            return None
        record = _record(config, stored, edits.shards, page.article)
        if record is None or record.record is None:
            return None
        article = rejoined(record.record, record.digest, new.body, new.digest,  # type: ignore[arg-type]
                           page.method)
        articles.append(article)
        pages.append(article_page(article, page.setting, config))
    return Patch(pages, edits.changed_shards(), articles)


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


def _record(config: Config, stored: Stored, shards: dict[int, Entries | None], rel: str
            ) -> FileResult | None:
    """Return the cached parse result of the record file ``rel``, reading its shard if need be."""
    shard = shard_of(rel)
    if shard not in shards:
        shards.update(load_shards(config.cache_dir, stored, [shard]))
    loaded = shards[shard]
    entry = loaded.get(rel) if loaded is not None else None
    return entry[1] if entry is not None else None
