"""A JSON Feed 1.1 (https://jsonfeed.org/version/1.1) beside every Atom feed, made from the
Atom feed's own context: the same entries, so one plan serves both.

Each is a page of the ``data.json`` template (its ``data``, as JSON), keyed by its Atom feed's
key: an edit that remakes an Atom feed remakes its twin, in a whole build and after an edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from digest.config import Config
from digest.plan.feeds import EPOCH, Entry, json_feed_path
from digest.plan.page import Deferred, Page, page_key

VERSION = "https://jsonfeed.org/version/1.1"
DATA_TEMPLATE = "data.json"
"""The template of every JSON page: its context's ``data``, as JSON."""


def json_twins(pages: Iterable[Page], config: Config) -> list[Page]:
    """Plan the JSON Feed beside each Atom feed among ``pages``."""
    return [_twin(page, config) for page in pages if page.template == "feed.xml"]


def _twin(atom: Page, config: Config) -> Page:
    context = atom.context
    return Page(json_feed_path(atom.path), DATA_TEMPLATE, Deferred(lambda: {"data": json_feed(
        context.made() if isinstance(context, Deferred) else context, config)}),
        page_key(atom.key, "json feed") if atom.key else "")


def json_feed(atom: Mapping[str, object], config: Config) -> dict[str, object]:
    """Return the JSON Feed of an Atom feed's context (``feeds.feed_context``)."""
    entries: list[Entry] = atom["entries"]  # type: ignore[assignment]
    return {
        "version": VERSION,
        "title": atom["title"],
        "home_page_url": atom["page_url"],
        "feed_url": json_feed_path(str(atom["self_url"])),
        "description": atom["subtitle"],
        "language": config.language,
        "authors": [{"name": config.title}],
        "items": [item(entry) for entry in entries],
    }


def item(entry: Entry) -> dict[str, object]:
    """Return an Atom entry as a JSON Feed item: what a reader sees of it, nothing else."""
    data: dict[str, object] = {"id": entry.id, "url": entry.url, "title": entry.title,
                               "authors": [{"name": entry.author}]}
    if entry.headlines:  # an edition: its articles, one a line
        data["content_text"] = "\n".join(
            f"{h.title} ({h.outlet}) {h.url}" if h.outlet else f"{h.title} {h.url}"
            for h in entry.headlines)
    else:
        data["content_text"] = entry.summary or entry.title
    if entry.summary:
        data["summary"] = entry.summary
    if entry.original:
        data["external_url"] = entry.original
    if entry.published:
        data["date_published"] = rfc3339(entry.published)
    if entry.updated != EPOCH and entry.updated != entry.published:
        data["date_modified"] = rfc3339(entry.updated)
    if entry.topics:
        data["tags"] = list(entry.topics)
    return data


def rfc3339(when: datetime) -> str:
    """Format a UTC time as RFC 3339 asks: 2020-06-12T19:19:00Z."""
    return f"{when:%Y-%m-%dT%H:%M:%SZ}"
