"""``digest links check``: ask each external URL whether it is still there."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime

from digest.config import LinkSettings
from digest.links.fetch import Answer, fetch, with_retries
from digest.links.gather import Linked
from digest.links.ledger import STATES, Autosave, Entry, Ledger, older_than, stamp
from digest.links.pool import pooled
from digest.progress import track

NOT_GONE = frozenset({401, 402, 403, 407, 408, 429})
"""4xx answers that say "not to you", not "not here": many sites answer robots so."""


def probe(url: str, settings: LinkSettings) -> Answer:
    """Ask for ``url`` by HEAD, and by GET if HEAD is refused or errs (many servers answer
    HEAD wrongly); try again after a network failure or a server error."""
    def once() -> Answer:
        answer = fetch(url, settings, "HEAD")
        if answer.status is not None and answer.status >= 400:
            answer = fetch(url, settings, "GET", limit=0)
        return answer

    return with_retries(once, settings)


def state_of(url: str, answer: Answer) -> str:
    """Classify an answer as one of ``STATES``."""
    status = answer.status
    if status is None:
        return "unreachable"
    if 200 <= status < 300:
        return "alive" if answer.final_url == url else "redirected"
    if 400 <= status < 500 and status not in NOT_GONE:
        return "dead"
    return "unreachable"


def check_links(linked: list[Linked], ledger: Ledger, settings: LinkSettings, now: datetime,
                only_older: float | None = None) -> int:
    """Check the URLs ``linked`` (only those last checked more than ``only_older`` days before
    ``now``, if given); record each in ``ledger``, saving it as results come in. Entries of
    URLs no longer linked are dropped. Return how many URLs were checked."""
    wanted = {item.url for item in linked}
    for url in ledger.entries.keys() - wanted:
        del ledger.entries[url]
    due = [item.url for item in linked
           if older_than(ledger.entries.get(item.url, Entry()).checked, only_older, now)]
    autosave = Autosave(ledger)
    try:
        for url, answer in track(pooled(due, lambda url: probe(url, settings), settings),
                                 "Checking links", len(due), least=1):
            old = ledger.entries.get(url, Entry())
            ledger.entries[url] = replace(
                old, state=state_of(url, answer), status=answer.status,
                final_url=answer.final_url, checked=stamp(now), error=answer.error)
            autosave.changed()
    finally:  # interrupted too: what was found is kept, and --only-older goes on from there
        ledger.save()
    return len(due)


def summary(ledger: Ledger) -> str:
    """Count the entries in each state, as the command's last line."""
    counts = Counter(entry.state for entry in ledger.entries.values())
    parts = [f"{counts[state]} {state}" for state in STATES]
    archived = sum(entry.snapshot is not None for entry in ledger.entries.values())
    return f"{len(ledger.entries)} links: {', '.join(parts)}; {archived} with an archived copy"
