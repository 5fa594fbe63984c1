"""Join each record to its body: same file, explicit ``body:``, same stem, then content."""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

from digest.model import Article, Body, Diagnostic, Joined, JoinMethod, Loaded, Record

KEY_WORDS = 8
"""Words of normalised opening text that make the content-match key."""
MIN_MATCH_WORDS = 6
"""A content match needs at least this many words in common with the body's opening."""
_HEAD = re.compile(rf"(?:[^ ]+ ){{{MIN_MATCH_WORDS - 1}}}[^ ]+")
"""The first MIN_MATCH_WORDS of space-separated words: the key bodies are indexed under."""


def join(loaded: Loaded) -> Joined:
    """Pair records with bodies in the decided order; report what stays unpaired."""
    bodies = {body.source: body for body in loaded.bodies}
    free = dict(bodies)
    chosen: dict[str, tuple[Body, JoinMethod]] = {}
    diagnostics: list[Diagnostic] = []
    implicit = [record for record in loaded.records if record.body_path is None]

    for record in implicit:
        body = free.pop(record.source, None)
        if body is not None:
            chosen[record.source] = (body, JoinMethod.SAME_FILE)
    for record in loaded.records:
        if record.body_path is not None:
            body, problem = _explicit(record, bodies, free)
            if problem:
                diagnostics.append(problem)
            if body is not None:
                chosen[record.source] = (free.pop(body.source), JoinMethod.EXPLICIT)
    stems = _by_stem(free.values())
    for record in implicit:
        if record.source not in chosen:
            body = stems.get(_stem(record.source))
            if body is not None and body.source in free:
                chosen[record.source] = (free.pop(body.source), JoinMethod.SAME_STEM)
    waiting = [record for record in implicit if record.source not in chosen]
    for record, body in _match_content(waiting, free, diagnostics):
        chosen[record.source] = (free.pop(body.source), JoinMethod.CONTENT)

    articles = tuple(_article(record, chosen.get(record.source), loaded.versions)
                     for record in loaded.records)
    for body in free.values():
        diagnostics.append(Diagnostic(
            body.source, body.line, "warning", "D301",
            f"a body with no record is not published: “{_first_words(body)}”",
            "add a record for it, or name it from a record with body: <path>"))
    return Joined(articles, tuple(free.values()), tuple(diagnostics))


def _article(record: Record, joined: tuple[Body, JoinMethod] | None,
             versions: Mapping[str, str]) -> Article:
    """Make a record's article, versioned by its files' digests and the join (empty if unknown)."""
    version = versions.get(record.source, "")
    if joined is None:
        return Article(record.source, record, None, JoinMethod.NONE,
                       version and f"{version}/{JoinMethod.NONE}")
    body, method = joined
    body_version = versions.get(body.source, "")
    return Article(record.source, record, body, method,
                   version and body_version and f"{version}/{body_version}/{method}")


def _explicit(record: Record, bodies: dict[str, Body], free: dict[str, Body]
              ) -> tuple[Body | None, Diagnostic | None]:
    assert record.body_path is not None
    where = posixpath.dirname(record.source)
    target = posixpath.normpath(posixpath.join(where, record.body_path))
    if PurePosixPath(record.body_path).is_absolute() or target.startswith(".."):
        return None, Diagnostic(record.source, record.line, "error", "D302",
                                f"body: {record.body_path} is outside the content folder; ignored",
                                "give a path relative to the record, inside content/")
    if target not in bodies:
        return None, Diagnostic(record.source, record.line, "error", "D303",
                                f"body: {record.body_path} names no body file",
                                f"create {target} or correct the path")
    if target not in free:
        return None, Diagnostic(record.source, record.line, "error", "D304",
                                f"body: {record.body_path} is already the body of another record",
                                "each body belongs to one record")
    return free[target], None


def _stem(source: str) -> str:
    """Return the path without its suffix: the part before a dot in the file's name."""
    dot = source.rfind(".")
    return source[:dot] if dot > source.rfind("/") else source


def _by_stem(bodies: Iterable[Body]) -> dict[str, Body]:
    found: dict[str, Body] = {}
    for body in bodies:
        found.setdefault(_stem(body.source), body)
    return found


def _match_content(records: list[Record], free: dict[str, Body], diagnostics: list[Diagnostic]
                   ) -> list[tuple[Record, Body]]:
    """Match records to bodies by their opening words, via an index: linear, not all pairs."""
    index: dict[str, list[Body]] = defaultdict(list)
    for body in free.values():
        head = _HEAD.match(body.opening_key)
        if head:
            index[head[0]].append(body)

    claims: dict[str, list[tuple[int, Record]]] = defaultdict(list)
    for record in records:
        scored = _candidates(record, index)
        if not scored:
            continue
        best = max(score for score, _ in scored)
        top = [body for score, body in scored if score == best]
        if len(top) > 1:
            names = ", ".join(sorted(b.source for b in top))
            diagnostics.append(Diagnostic(
                record.source, record.line, "warning", "D305",
                f"the record's text matches several bodies equally ({names}); none is joined",
                "name the body with body: <path>"))
            continue
        claims[top[0].source].append((best, record))

    matches = []
    for source, claimants in claims.items():
        best = max(score for score, _ in claimants)
        winners = [record for score, record in claimants if score == best]
        if len(winners) > 1:
            names = ", ".join(sorted(r.source for r in winners))
            diagnostics.append(Diagnostic(
                source, 1, "warning", "D306",
                f"the body matches several records equally ({names}); none is joined",
                "name the body from one record with body: <path>"))
            continue
        matches.append((winners[0], free[source]))
    return matches


def _candidates(record: Record, index: dict[str, list[Body]]) -> list[tuple[int, Body]]:
    """Score the bodies whose opening starts like the record's excerpt or title."""
    found: dict[str, tuple[int, Body]] = {}
    for probe in record.probes:
        head = _HEAD.match(probe)
        for body in index.get(head[0], ()) if head else ():
            common = _common_words(probe, body.opening_key)
            # A match shares KEY_WORDS * 2 words, or all of a shorter probe: counted only if needed.
            if common < KEY_WORDS * 2 and common != probe.count(" ") + 1:
                continue
            score = common * 2 + _date_bonus(record, body)
            if score > found.get(body.source, (0, body))[0]:
                found[body.source] = (score, body)
    return list(found.values())


def _date_bonus(record: Record, body: Body) -> int:
    if record.published is None or body.dateline is None:
        return 0
    return 1 if abs((record.published.date() - body.dateline).days) <= 1 else -1


def _common_words(a: str, b: str) -> int:
    """Return how many leading words two strings of space-separated words have in common.

    Compares characters in C (a binary search over prefixes) rather than word by word in Python.
    """
    low, high = 0, min(len(a), len(b))
    if a[:high] != b[:high]:
        while high - low > 1:  # a[:low] == b[:low] and a[:high] != b[:high]
            middle = (low + high) // 2
            if a[:middle] == b[:middle]:
                low = middle
            else:
                high = middle
        high = low
    shared = a[:high]
    # Every word ended by a space is whole in both; the last is whole if both strings end it.
    whole = shared.count(" ")
    last_whole = (shared and not shared.endswith(" ")
                  and (high == len(a) or a[high] == " ") and (high == len(b) or b[high] == " "))
    return whole + 1 if last_whole else whole


def _first_words(body: Body, count: int = 12) -> str:
    text = " ".join(body.opening.split()[:count])
    return text + "…" if len(body.opening.split()) > count else text
