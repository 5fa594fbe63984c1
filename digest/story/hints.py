"""``digest check``'s hint of stories whose articles are far apart in time: links and text never
make a story span more than ``cluster.SPAN``, but a ``story:`` label joins articles whatever
their dates, and one label used twice may join two events."""

from __future__ import annotations

from datetime import timedelta

from digest.model import Diagnostic, Site
from digest.story.cluster import cluster

SPREAD = timedelta(days=7)
"""A story whose articles span more than this is named."""
NAMED = 4
"""How many of its articles' files the hint names."""


def spread_stories(site: Site) -> tuple[Diagnostic, ...]:
    """Return a note, at each such story's lead record, of the story's span and articles."""
    found = []
    for story in cluster(site.articles[aid] for aid in site.order).by_id.values():
        dates = [d for m in story.members if (d := site.articles[m].record.published)]
        if len(dates) < 2 or max(dates) - min(dates) <= SPREAD:
            continue
        lead = site.articles[story.lead].record
        days = (max(dates) - min(dates)) / timedelta(days=1)
        others = [m for m in story.members if m != story.lead]
        named = ", ".join(others[:NAMED]) + (f" and {len(others) - NAMED} more"
                                             if len(others) > NAMED else "")
        found.append(Diagnostic(
            lead.source, lead.line, "info", "D601",
            f"its story of {len(story.members)} articles spans {days:.0f} days "
            f"({min(dates):%Y-%m-%d} to {max(dates):%Y-%m-%d}), with {named}",
            "check they cover one event: a 'story:' label joins articles whatever their dates; "
            "'story: none' keeps an article alone"))
    return tuple(found)
