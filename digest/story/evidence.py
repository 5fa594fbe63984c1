"""What of an article clustering reads (``Evidence``): small, so that the kept site holds it for
every article and an edit re-clusters without reading the articles back (``kept.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from digest.model import Article, Record
from digest.pickling import quick_pickled
from digest.read.yaml_1_1 import truth
from digest.story.text import EXCERPT
from digest.story.urlkey import story_key

UNDATED = float("inf")
FIELDS = ("story", "lead", "ampWebUrl", "cdnAmpWebUrl")
"""The unknown fields of a record clustering reads: a lean article keeps them."""


@quick_pickled
@dataclass(frozen=True, slots=True)
class Evidence:
    """An article as clustering sees it."""

    id: str
    when: float
    """Its publication time (POSIX seconds), ``UNDATED`` if it has none."""
    title: str
    excerpt: str
    """The excerpt's opening, all that is compared (``text.EXCERPT``)."""
    own: frozenset[str]
    """The keys (``story_key``) of the pages it is: its webUrl and AMP forms."""
    cited: frozenset[str]
    """The keys of the pages its related coverage lists."""
    label: str | None
    """``story: <label>``; ``""`` for ``story: none``; None if unset."""
    lead: bool


def evidence_of(article: Article) -> Evidence:
    record = article.record
    return Evidence(article.id, record.published.timestamp() if record.published else UNDATED,
                    record.title, record.excerpt[:EXCERPT], own_keys(record),
                    frozenset(story_key(k) for k in record.related_keys if k), forced(record),
                    truth(record.extra.get("lead")) is True)


def clustered(record: Record) -> tuple[object, ...]:
    """Return what of a record clustering reads: an edit of anything else moves no article
    from one story to another."""
    return (record.title, record.excerpt[:EXCERPT], record.published, record.url_key,
            record.related_keys, tuple(record.extra.get(k) for k in FIELDS))


def forced(record: Record) -> str | None:
    """Return the story label the record sets (``story: <label>``), ``""`` for ``story: none``,
    else None."""
    value = record.extra.get("story")
    if value is None or isinstance(value, list | dict) or truth(value) is not None:
        return None  # story: true (or yes) names no story
    label = str(value).strip()
    return "" if label.casefold() == "none" else label or None


def own_keys(record: Record) -> frozenset[str]:
    """Return the keys of the pages a record's article is: its webUrl and its AMP forms."""
    urls = [record.url_key] + [v for k in ("ampWebUrl", "cdnAmpWebUrl")
                               if isinstance(v := record.extra.get(k), str)]
    return frozenset(story_key(u) for u in urls if u)
