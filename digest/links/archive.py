"""``digest links archive``: find each URL's archived copy closest to when the digest linked
to it, and with ``--save`` ask the archive to keep pages it has none of."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlencode

from digest.config import LinkSettings
from digest.links.fetch import fetch, with_retries
from digest.links.gather import Linked
from digest.links.ledger import Autosave, Entry, Ledger, Snapshot, older_than, stamp
from digest.links.pool import pooled
from digest.progress import track
from digest.read.weburl import web_url

_SAVED = re.compile(r"/web/(\d{14})/")
"""Where the archive sends a page it saved: ``/web/<timestamp>/<url>``."""
LIVE = ("alive", "redirected")


@dataclass(frozen=True)
class Archived:
    """What a run of ``archive`` did."""

    asked: int = 0
    """URLs the availability API was asked about."""
    found: int = 0
    """Of those, how many have a snapshot."""
    saved: int = 0
    """Pages the archive saved on request."""
    stopped: str = ""
    """Why saving stopped early, if it did."""


def lookup(url: str, when: datetime | None, settings: LinkSettings) -> tuple[Snapshot | None, str]:
    """Ask the availability API for the snapshot of ``url`` closest to ``when``; return it
    (None if there is none) and, if the archive gave no usable answer, why."""
    query = {"url": url, **({"timestamp": f"{when:%Y%m%d%H%M%S}"} if when else {})}
    api = f"{settings.archive.rstrip('/')}/wayback/available?{urlencode(query)}"
    answer = with_retries(lambda: fetch(api, settings), settings)
    if answer.status != 200:
        return None, answer.error or f"the archive answered {answer.status}"
    try:
        data = json.loads(answer.body)
    except ValueError:
        return None, "the archive's answer is not JSON"
    closest = data.get("archived_snapshots", {}) if isinstance(data, dict) else {}
    closest = closest.get("closest") if isinstance(closest, dict) else None
    if not isinstance(closest, dict) or closest.get("available") is not True:
        return None, ""
    copy, timestamp = closest.get("url"), closest.get("timestamp")
    if not isinstance(copy, str) or web_url(copy) is None or not isinstance(timestamp, str) \
            or not re.fullmatch(r"\d{14}", timestamp):
        return None, "the archive's answer has no usable snapshot URL and timestamp"
    return Snapshot(_secure(copy), timestamp), ""


def _secure(url: str) -> str:
    """The Internet Archive gives its copies' URLs as http: the same on https."""
    return "https://" + url[len("http://"):] if url.startswith("http://web.archive.org/") else url


def archive_links(linked: list[Linked], ledger: Ledger, settings: LinkSettings, now: datetime, *,
                  only_older: float | None = None, save: bool = False) -> Archived:
    """Look up a snapshot of each URL ``linked`` that has none and was not looked up within
    ``only_older`` days (not at all, by default: a run goes on where the last stopped); with
    ``save``, ask the archive to save the live ones it has no snapshot of. ``ledger`` is saved
    as results come in."""
    when = {item.url: item.published for item in linked}
    due = [item.url for item in linked
           if (entry := ledger.entries.get(item.url, Entry())).snapshot is None
           and (not entry.archive_checked or (
               only_older is not None and older_than(entry.archive_checked, only_older, now)))]
    found, autosave = 0, Autosave(ledger)
    try:
        for url, (snapshot, _) in track(pooled(due, lambda url: lookup(url, when[url], settings),
                                                settings, hosts=lambda _: "archive"),
                                         "Looking up archived copies", len(due), least=1):
            entry = ledger.entries.get(url, Entry())
            ledger.entries[url] = replace(entry, snapshot=snapshot, archive_checked=stamp(now))
            found += snapshot is not None
            autosave.changed()
    finally:
        ledger.save()
    result = Archived(len(due), found)
    return _save_pages(linked, ledger, settings, now, result) if save else result


def _save_pages(linked: list[Linked], ledger: Ledger, settings: LinkSettings, now: datetime,
                result: Archived) -> Archived:
    """Ask the archive to save each live page it has no snapshot of and was not asked to save
    before, ``save_delay`` seconds apart; stop if it keeps asking to slow down."""
    todo = [item.url for item in linked
            if (entry := ledger.entries.get(item.url, Entry())).state in LIVE
            and entry.snapshot is None and not entry.save_requested]
    saved = 0
    for n, url in enumerate(track(todo, "Saving pages", len(todo), least=1)):
        if n:
            time.sleep(settings.save_delay)
        answer = with_retries(lambda url=url: fetch(settings.save + url, settings, limit=0),  # type: ignore[misc]
                              settings)
        if answer.status == 429:
            return replace(result, saved=saved, stopped="the archive asks to slow down; "
                           "run the command again later to go on")
        entry = ledger.entries[url]
        kept = _SAVED.search(answer.final_url) if answer.status and answer.status < 300 else None
        snapshot = Snapshot(_secure(answer.final_url), kept[1]) if kept else None
        ledger.entries[url] = replace(entry, save_requested=stamp(now),
                                      snapshot=snapshot or entry.snapshot)
        saved += snapshot is not None
        ledger.save()  # after each: a save is slow, and a run may be stopped at any point
    return replace(result, saved=saved)
