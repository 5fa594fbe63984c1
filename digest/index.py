"""Group and sort the joined articles into the digest's indexes."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from digest.model import Article, Diagnostic, Joined, Site, Term

_OLDEST = datetime.min.replace(tzinfo=UTC)


@lru_cache(maxsize=1 << 16)  # a few hundred names recur across every article
def term_key(name: str) -> str:
    """Return the grouping key of a topic or provider name."""
    return " ".join(name.casefold().split())


def provider_key(article: Article) -> str | None:
    """Return the key of an article's provider, if it names one."""
    provider = article.record.provider
    return term_key(provider.name) if provider else None


def index(joined: Joined, *, drafts: bool = False, hide_unpublished: bool = False) -> Site:
    """Choose what is published, sort it newest first, and group it by topic and provider."""
    diagnostics: list[Diagnostic] = []
    by_url: dict[str, str] = {}
    chosen: list[Article] = []
    for article in joined.articles:
        record = article.record
        if record.draft and not drafts:
            diagnostics.append(Diagnostic(record.source, record.line, "info", "D402",
                                          "draft: true; not published by digest build",
                                          "remove its draft field to publish it"))
            continue
        if hide_unpublished and record.feed_published is False:
            diagnostics.append(Diagnostic(
                record.source, record.line, "info", "D403", "published: false and "
                "hide_unpublished is on; not published", "set its published field to true to publish it"))
            continue
        if record.url:
            key = record.url_key
            if key in by_url:
                diagnostics.append(Diagnostic(
                    record.source, record.line, "warning", "D401",
                    f"same webUrl as {by_url[key]}; this record is not published twice",
                    "remove one of the two records"))
                continue
            by_url[key] = article.id
        chosen.append(article)
    chosen.sort(key=newest_first)
    return Site(
        articles={a.id: a for a in chosen},
        order=tuple(a.id for a in chosen),
        topics=_group(chosen, lambda a: a.record.topics),
        providers=_group(chosen, lambda a: (a.record.provider.name,) if a.record.provider else ()),
        by_url=by_url,
        dated={a.id: a.record.published for a in chosen if a.record.published is not None},
        diagnostics=tuple(diagnostics),
    )


def newest_first(article: Article) -> tuple[float, str, str]:
    """Return an article's place in the order: newest first, then by title, then by file."""
    when = article.record.published or _OLDEST
    return (-when.timestamp(), article.record.title.casefold(), article.id)


def _group(articles: list[Article], names_of) -> dict[str, Term]:  # type: ignore[no-untyped-def]
    ids: dict[str, list[str]] = {}
    shown: dict[str, str] = {}
    for article in articles:
        for name in names_of(article):
            key = term_key(name)
            listed = ids.get(key)
            if listed is None:
                ids[key], shown[key] = [article.id], name
            elif listed[-1] != article.id:  # one article naming a topic twice is listed once
                listed.append(article.id)
    keys = sorted(ids, key=lambda k: (shown[k].casefold(), k))
    return {k: Term(k, shown[k], tuple(ids[k])) for k in keys}
