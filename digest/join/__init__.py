"""Join each record to its body: same file, explicit ``body:``, same stem, then content.

The content match (``candidates.py``) finds the bodies each record's excerpt opens; the
assignment (``assign.py``) joins them one to one, by elimination, reporting what stays tied.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import PurePosixPath
from typing import TypeVar

from digest.join.candidates import BodyKey, RecordKey, evidence, match_content, rescored, scored_alike
from digest.model import OPENING, Article, Body, Diagnostic, Joined, JoinMethod, Loaded, Matches, Record

__all__ = ["body_key", "evidence", "join", "joins_alike", "record_key", "rejoined", "rescored",
           "scored_alike", "with_body"]
T = TypeVar("T")


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
        "add a record for it, or name it in a record's body field") for body in free),
        matches)


def record_key(record: Record) -> tuple[str, int, str | None, tuple[str, str], date | None]:
    """Return what the join reads of a record (RecordKey's fields)."""
    return (record.source, record.line, record.body_path, record.probes,
            record.published.date() if record.published else None)


def body_key(body: Body) -> tuple[str, str, date | None, bool]:
    """Return what the join reads of a body (BodyKey's fields): bodies with equal keys join alike."""
    return body.source, body.opening_key, body.dateline, len(body.opening) < OPENING


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
    found, matches = match_content(waiting, free, diagnostics, known)
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


def _first_words(body: Body, count: int = 12) -> str:
    text = " ".join(body.opening.split()[:count])
    return text + "…" if len(body.opening.split()) > count else text
