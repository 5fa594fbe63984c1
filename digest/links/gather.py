"""Every external URL the site links to, read from the content as ``digest check`` reads it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from digest.config import Config
from digest.content import Checked, check
from digest.plan.article import related_of
from digest.progress import Timings


@dataclass(frozen=True)
class Linked:
    """An external URL and where the site links to it."""

    url: str
    published: datetime | None
    """The earliest publication time of the articles linking to it: the archive's snapshot
    closest to it is the page as the digest's readers first saw it."""
    sources: tuple[tuple[str, int], ...]
    """The records linking to it: (content file, line)."""


def gather(config: Config) -> tuple[Checked, list[Linked]]:
    """Read the content; return it and every URL it links to (``linked``)."""
    checked = check(config, Timings())
    return checked, linked(checked, config)


def linked(checked: Checked, config: Config) -> list[Linked]:
    """Return every URL the published pages link to outside the digest: each article's
    original, first image (the one pages show) and related coverage (but items that are
    articles of this digest, linked inside it). Sorted by URL."""
    found: dict[str, tuple[datetime | None, list[tuple[str, int]]]] = {}

    def add(url: str | None, when: datetime | None, source: tuple[str, int]) -> None:
        if not url:
            return
        earliest, sources = found.get(url, (None, []))
        if when is not None and (earliest is None or when < earliest):
            earliest = when
        if source not in sources:
            sources.append(source)
        found[url] = (earliest, sources)

    site = checked.site
    for aid in site.order:
        record = site.articles[aid].record
        place = (record.source, record.line)
        add(record.url, record.published, place)
        for image in record.images[:1]:
            add(image.url, record.published, place)
        for item in related_of(record, config):
            if not site.by_url.get(item.url_key):
                add(item.url, record.published, place)
    return [Linked(url, when, tuple(sources))
                     for url, (when, sources) in sorted(found.items())]
