"""Rebuild after an edit of records that moves no article: plan the kept site again.

A record shows on many pages: its article's, its card on list pages, its neighbours' links, its
feed entries, and its page's path (made from its title) on every page that links there. So the
whole site is planned again, and every page whose fingerprint changed is made. But it is planned
from the site the last whole build kept (``plan.lean`` articles, in the cache's ``site.pickle``)
with the edited records put in, not from every content file read, joined and indexed anew:
that was most of such a build.

That holds while an edit moves no article: each record keeps its date, original URL, provider,
topics, draft state, body and place in its file, and so its article keeps its place in the
order, the indexes and the join; the record's title may change only where the order between
articles of the same time does not; and it has the same problems, so the kept tally holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from digest.cache import Stored, load_site
from digest.config import Config
from digest.index import newest_first
from digest.join import rescored, scored_alike
from digest.load import FileResult
from digest.model import Article, Matches, Record, Site, copied
from digest.patch import Edits
from digest.plan import lean


@dataclass(frozen=True)
class Replan:
    """An edit of records alone, ready to plan: the site as it now is, and the cache it leaves."""

    site: Site
    """The kept site with the edited records in, every article lean."""
    edited: dict[str, Article]
    """The lean articles changed since the kept site was saved, this edit's with them."""
    matches: Matches
    """What the join found, with the edited records keyed as they now are."""


def plan_replan(config: Config, stored: Stored, edits: Edits) -> Replan | None:
    """Put the records edited since the last build into the site it kept; None unless records
    alone changed, none of them moving its article."""
    if not all(_record_edit(old, new) for _, old, new in edits.files):
        return None
    site = load_site(config.cache_dir, stored)
    if site is None:
        return None
    edited, matches = dict(stored.edited), stored.matches
    for rel, old, new in edits.files:
        article = site.articles.get(rel)
        record = new.record
        assert old.record is not None and record is not None  # _record_edit checked
        if article is None or not article.version or not scored_alike(matches, old.record,
                                                                       record):
            return None  # a draft or a duplicate, not on the site; or it may join elsewhere
        edited[rel] = copied(lean(copied(article, record=record)),
                             version=new.digest + article.version[len(article.record_version):])
        matches = rescored(matches, record)
    site = Site({**site.articles, **edited}, site.order, site.topics, site.providers,
                site.by_url, site.diagnostics)
    if not all(_in_place(site, rel) for rel, _, _ in edits.files):
        return None
    return Replan(site, edited, matches)


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
