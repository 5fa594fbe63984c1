"""Join each record to its body: same file, explicit ``body:``, same stem, then content."""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date
from pathlib import PurePosixPath
from typing import NamedTuple, TypeVar

from digest.model import Article, Body, Diagnostic, Joined, JoinMethod, Loaded, Matches, Record

KEY_WORDS = 8
"""Words of normalised opening text that make the content-match key."""
MIN_MATCH_WORDS = 6
"""A content match needs at least this many words in common with the body's opening."""
_HEAD = re.compile(rf"(?:[^ ]+ ){{{MIN_MATCH_WORDS - 1}}}[^ ]+")
"""The first MIN_MATCH_WORDS of space-separated words: the key bodies are indexed under."""
T = TypeVar("T")


class RecordKey(NamedTuple):
    """What the join reads of a record: records with equal keys are joined alike."""

    source: str
    line: int
    body_path: str | None
    probes: tuple[str, str]
    day: date | None
    """The publication date, compared with a body's dateline."""


class BodyKey(NamedTuple):
    """What the join reads of a body: bodies with equal keys are joined alike."""

    source: str
    opening_key: str
    dateline: date | None


Pairs = tuple[tuple[str, str, JoinMethod], ...]
"""(record source, body source, how) for every record that found its body."""


def join(loaded: Loaded, known: Matches | None = None) -> Joined:
    """Pair records with bodies in the decided order; report what stays unpaired.

    ``known`` is what the last join's content matching found (``Joined.matches``).
    """
    # Plain tuples, made as RecordKey and BodyKey only if they must be paired anew: cheaper.
    pairs, diagnostics, matches = pair(tuple(map(record_key, loaded.records)),
                                       tuple(map(body_key, loaded.bodies)), known or Matches())
    bodies = {body.source: body for body in loaded.bodies}
    chosen = {record: (bodies[source], method) for record, source, method in pairs}
    articles = tuple(_article(record, chosen.get(record.source), loaded.versions)
                     for record in loaded.records)
    joined = {body.source for body, _ in chosen.values()}
    free = tuple(body for source, body in bodies.items() if source not in joined)
    return Joined(articles, free, diagnostics + tuple(Diagnostic(
        body.source, body.line, "warning", "D301",
        f"a body with no record is not published: “{_first_words(body)}”",
        "add a record for it, or name it from a record with body: <path>") for body in free),
        matches)


def record_key(record: Record) -> tuple[str, int, str | None, tuple[str, str], date | None]:
    """Return what the join reads of a record (RecordKey's fields)."""
    return (record.source, record.line, record.body_path, record.probes,
            record.published.date() if record.published else None)


def body_key(body: Body) -> tuple[str, str, date | None]:
    """Return what the join reads of a body (BodyKey's fields): bodies with equal keys join alike."""
    return body.source, body.opening_key, body.dateline


def joins_alike(method: JoinMethod, old: Body, new: Body) -> bool:
    """Whether a body joined by ``method`` and read again as ``new`` joins as ``old`` did, nothing
    else having changed. A body found by its path (``body:``, same stem) is claimed before any is
    matched by content, whatever it holds; one found by its content only while its key holds."""
    return method in (JoinMethod.EXPLICIT, JoinMethod.SAME_STEM) or body_key(old) == body_key(new)


def with_body(article: Article, body: Body, body_version: str) -> Article:
    """Return ``article`` with its body as read again: its record and its pairing are unchanged.

    ``body_version`` is the digest of the body's file.
    """
    return rejoined(article.record, article.record_version, body, body_version, article.method)


def rejoined(record: Record, record_version: str, body: Body, body_version: str,
             method: JoinMethod) -> Article:
    """Return the article of a record joined to a body as before; versions are file digests."""
    return _article(record, (body, method), {record.source: record_version,
                                             body.source: body_version})


def _reuse_last(function: Callable[..., T]) -> Callable[..., T]:
    """Remember ``function``'s last call, to answer the next one with equal arguments at once.

    The preview server joins again on every save, nearly always with equal keys. Arguments are
    compared, not hashed as by ``lru_cache``: hashing them all would cost more than comparing.
    """
    last: list[tuple[tuple[object, ...], T]] = []

    @functools.wraps(function)
    def remembering(*args: object) -> T:
        if last:
            seen, result = last[0]  # one read: another thread may replace it meanwhile
            if seen == args:
                return result
        result = function(*args)
        last[:] = [(args, result)]
        return result

    return remembering


@_reuse_last
def pair(record_keys: tuple[tuple, ...], body_keys: tuple[tuple, ...],  # type: ignore[type-arg]
         known: Matches) -> tuple[Pairs, tuple[Diagnostic, ...], Matches]:
    """Pair records with bodies: same file, explicit ``body:``, same stem, then content.

    A pure function of the records' and bodies' keys (the fields of RecordKey and BodyKey);
    returns the pairs, the problems found on the way, and what content matching found, for
    the next join (``known`` is the last one's).
    """
    records = [RecordKey._make(key) for key in record_keys]
    by_source = {body.source: body for body in map(BodyKey._make, body_keys)}
    free = dict(by_source)
    chosen: dict[str, tuple[str, JoinMethod]] = {}
    diagnostics: list[Diagnostic] = []
    implicit = [record for record in records if record.body_path is None]

    for record in implicit:
        if free.pop(record.source, None) is not None:
            chosen[record.source] = (record.source, JoinMethod.SAME_FILE)
    for record in records:
        if record.body_path is not None:
            body, problem = _explicit(record, by_source, free)
            if problem:
                diagnostics.append(problem)
            if body is not None:
                chosen[record.source] = (free.pop(body.source).source, JoinMethod.EXPLICIT)
    stems = _by_stem(free.values())
    for record in implicit:
        if record.source not in chosen:
            body = stems.get(_stem(record.source))
            if body is not None and body.source in free:
                chosen[record.source] = (free.pop(body.source).source, JoinMethod.SAME_STEM)
    waiting = [record for record in implicit if record.source not in chosen]
    found, matches = _match_content(waiting, free, diagnostics, known)
    for record, body in found:
        chosen[record.source] = (free.pop(body.source).source, JoinMethod.CONTENT)
    return (tuple((record, *joined) for record, joined in chosen.items()), tuple(diagnostics),
            matches)


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


def _explicit(record: RecordKey, bodies: dict[str, BodyKey], free: dict[str, BodyKey]
              ) -> tuple[BodyKey | None, Diagnostic | None]:
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


def _by_stem(bodies: Iterable[BodyKey]) -> dict[str, BodyKey]:
    found: dict[str, BodyKey] = {}
    for body in bodies:
        found.setdefault(_stem(body.source), body)
    return found


def _match_content(records: list[RecordKey], free: dict[str, BodyKey], diagnostics: list[Diagnostic],
                   known: Matches) -> tuple[list[tuple[RecordKey, BodyKey]], Matches]:
    """Match records to bodies by their opening words, via an index: linear, not all pairs.

    A record is scored again only if what its candidates depend on changed since ``known``.
    """
    among = _bodies_digest(free.values())
    last = known.found if known.among == among else {}
    heads = known.heads if known.among == among else _heads(free.values())
    found: dict[str, tuple[str, tuple[tuple[int, str], ...]]] = {}
    index = functools.cache(lambda: _index(free.values()))  # only if some record is scored

    claims: dict[str, list[tuple[int, RecordKey]]] = defaultdict(list)
    for record in records:
        key = _record_digest(record)
        kept = last.get(record.source)
        if kept is not None and kept[0] == key:
            scored = [(score, free[source]) for score, source in kept[1]]
        else:
            scored = _candidates(record, index())
        found[record.source] = (key, tuple((score, body.source) for score, body in scored))
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
    return matches, Matches(among, found, heads)


def _index(bodies: Iterable[BodyKey]) -> dict[str, list[BodyKey]]:
    """Index bodies by the first words of their opening."""
    index: dict[str, list[BodyKey]] = defaultdict(list)
    for body in bodies:
        head = _head(body.opening_key)
        if head:
            index[head].append(body)
    return index


def _heads(bodies: Iterable[BodyKey]) -> frozenset[str]:
    """Return the first words of the bodies' openings, as ``_index`` indexes them."""
    return frozenset(head for body in bodies if (head := _head(body.opening_key)))


def scored_alike(known: Matches, old: Record, new: Record) -> bool:
    """Whether a record matched by content (one of ``known.found``) and read again as ``new``,
    with its date and place unchanged, finds the very candidates ``old`` found among the same
    unclaimed bodies (``known``): each of its probes is unchanged, or neither spelling opens
    like any unclaimed body. A record joined by its path is never matched by content."""
    return all(a == b or not ({_head(a), _head(b)} & known.heads)
               for a, b in zip(old.probes, new.probes, strict=True))


def rescored(known: Matches, record: Record) -> Matches:
    """Return ``known`` with ``record``, read again and ``scored_alike``, keyed as it now is."""
    if record.source not in known.found:  # joined by its path: never scored
        return known
    key = _record_digest(RecordKey._make(record_key(record)))
    found = dict(known.found)
    found[record.source] = (key, found[record.source][1])
    return replace(known, found=found)


def _head(probe: str) -> str | None:
    head = _HEAD.match(probe)
    return head[0] if head else None


def _bodies_digest(bodies: Iterable[BodyKey]) -> str:
    """Digest all that records' candidates are found among: the unclaimed bodies' keys."""
    text = "".join(f"{b.source}\0{b.opening_key}\0{b.dateline}\n" for b in bodies)
    return hashlib.blake2b(text.encode(errors="surrogatepass"), digest_size=16).hexdigest()


def _record_digest(record: RecordKey) -> str:
    """Digest what a record's candidates depend on: its probes and its date."""
    text = f"{record.probes[0]}\0{record.probes[1]}\0{record.day}"
    return hashlib.blake2b(text.encode(errors="surrogatepass"), digest_size=8).hexdigest()


def _candidates(record: RecordKey, index: dict[str, list[BodyKey]]) -> list[tuple[int, BodyKey]]:
    """Score the bodies whose opening starts like the record's excerpt or title."""
    found: dict[str, tuple[int, BodyKey]] = {}
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


def _date_bonus(record: RecordKey, body: BodyKey) -> int:
    if record.day is None or body.dateline is None:
        return 0
    return 1 if abs((record.day - body.dateline).days) <= 1 else -1


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
