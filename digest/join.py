"""Join each record to its body: same file, explicit ``body:``, same stem, then content."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

from digest.model import Article, Body, Diagnostic, Joined, JoinMethod, Loaded, Record

KEY_WORDS = 8
"""Words of normalised opening text that make the content-match key."""
MIN_MATCH_WORDS = 6
"""A content match needs at least this many words in common with the body's opening."""


def join(loaded: Loaded) -> Joined:
    """Pair records with bodies in the decided order; report what stays unpaired."""
    bodies = {body.source: body for body in loaded.bodies}
    free = dict(bodies)
    chosen: dict[str, tuple[Body, JoinMethod]] = {}
    diagnostics: list[Diagnostic] = []
    records = loaded.records

    for record in records:
        same = free.get(record.source)
        if same is not None and record.body_path is None:
            chosen[record.source] = (free.pop(record.source), JoinMethod.SAME_FILE)
    for record in records:
        if record.body_path is not None:
            body, problem = _explicit(record, bodies, free)
            if problem:
                diagnostics.append(problem)
            if body is not None:
                chosen[record.source] = (free.pop(body.source), JoinMethod.EXPLICIT)
    stems = _by_stem(free.values())
    for record in records:
        if record.source in chosen or record.body_path is not None:
            continue
        body = stems.get(_stem(record.source))
        if body is not None and body.source in free:
            chosen[record.source] = (free.pop(body.source), JoinMethod.SAME_STEM)
    waiting = [r for r in records if r.source not in chosen and r.body_path is None]
    for record, body in _match_content(waiting, free, diagnostics):
        chosen[record.source] = (free.pop(body.source), JoinMethod.CONTENT)

    articles = []
    for record in records:
        body, method = chosen.get(record.source, (None, JoinMethod.NONE))
        articles.append(Article(record.source, record, body, method,
                                _version(loaded, record, body, method)))
    for body in free.values():
        diagnostics.append(Diagnostic(
            body.source, body.line, "warning", "D301",
            f"a body with no record is not published: “{_first_words(body)}”",
            "add a record for it, or name it from a record with body: <path>"))
    return Joined(tuple(articles), tuple(free.values()), tuple(diagnostics))


def _version(loaded: Loaded, record: Record, body: Body | None, method: JoinMethod) -> str:
    """Return the article's version: its files' digests and the join; empty if one is unknown."""
    parts = [loaded.versions.get(record.source, "")]
    if body is not None:
        parts.append(loaded.versions.get(body.source, ""))
    return "" if "" in parts else "/".join((*parts, method))


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
    return source.rsplit(".", 1)[0] if "." in posixpath.basename(source) else source


def _by_stem(bodies: Iterable[Body]) -> dict[str, Body]:
    found: dict[str, Body] = {}
    for body in bodies:
        found.setdefault(_stem(body.source), body)
    return found


def _match_content(records: list[Record], free: dict[str, Body], diagnostics: list[Diagnostic]
                   ) -> list[tuple[Record, Body]]:
    """Match records to bodies by their opening words, via an index: linear, not all pairs."""
    index: dict[tuple[str, ...], list[Body]] = defaultdict(list)
    openings: dict[str, list[str]] = {}
    for body in free.values():
        opening = body.opening_words
        openings[body.source] = opening
        if len(opening) >= MIN_MATCH_WORDS:
            index[tuple(opening[:MIN_MATCH_WORDS])].append(body)

    claims: dict[str, list[tuple[int, Record]]] = defaultdict(list)
    for record in records:
        scored = _candidates(record, index, openings)
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


def _candidates(record: Record, index: dict[tuple[str, ...], list[Body]],
                openings: dict[str, list[str]]) -> list[tuple[int, Body]]:
    """Score the bodies whose opening starts like the record's excerpt or title."""
    found: dict[str, tuple[int, Body]] = {}
    for probe in (text.split() for text in record.probes):
        if len(probe) < MIN_MATCH_WORDS:
            continue
        for body in index.get(tuple(probe[:MIN_MATCH_WORDS]), ()):
            common = _common_prefix(probe, openings[body.source])
            if common < min(len(probe), KEY_WORDS * 2):
                continue
            score = common * 2 + _date_bonus(record, body)
            if score > found.get(body.source, (0, body))[0]:
                found[body.source] = (score, body)
    return list(found.values())


def _date_bonus(record: Record, body: Body) -> int:
    if record.published is None or body.dateline is None:
        return 0
    return 1 if abs((record.published.date() - body.dateline).days) <= 1 else -1


def _common_prefix(a: Sequence[str], b: Sequence[str]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _first_words(body: Body, count: int = 12) -> str:
    text = " ".join(body.opening.split()[:count])
    return text + "…" if len(body.opening.split()) > count else text
