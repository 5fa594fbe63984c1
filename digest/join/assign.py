"""Join records to the bodies their excerpts open, one to one, by elimination; never guess.

A record's best candidates are those whose dateline does not contradict its date (all of them
open with its whole excerpt); a body's claimants are the records whose one best candidate it
is, and the best of those, again, the ones its dateline does not contradict. A pair is fixed
when the body is the record's one best candidate and the record the body's one best claimant.
Fixing it takes the body from every other record, which may leave another alone with one
candidate: found in the next round, until a round fixes nothing. Each round fixes every pair
then fixed, so the result does not depend on the order of the files. What stays tied is
reported: a record with several best candidates (D305), a body with several best claimants
(D306). A longer excerpt is not taken for better evidence: a syndicated copy's excerpt runs
as long as its original's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from digest.model import Diagnostic

Edges = dict[str, dict[str, int]]
"""Record file to the bodies its excerpt opens: body file to how well the dates agree, 0, or
-1 when the body's dateline is more than a day from the record's date."""
NAMED = 5
"""Files named in a diagnostic about a tie; more are counted."""


def assign(edges: Edges, lines: Mapping[str, int]
           ) -> tuple[list[tuple[str, str]], list[Diagnostic]]:
    """Return the (record, body) pairs joined, sorted, and a diagnostic for each tie left.

    ``lines`` gives each record's line, for its diagnostics.
    """
    records = {record: dict(bodies) for record, bodies in edges.items()}
    holders: dict[str, set[str]] = defaultdict(set)
    for record, bodies in records.items():
        for body in bodies:
            holders[body].add(record)
    pairs: list[tuple[str, str]] = []
    looked_at: Iterable[str] = records
    while True:
        fixed = sorted((record, body) for record in looked_at if record in records
                       if (body := _fixed(record, records, holders)) is not None)
        if not fixed:
            return sorted(pairs), _ties(records, holders, lines)
        pairs += fixed
        losers = set()
        for record, _ in fixed:
            for other in records.pop(record):
                holders[other].discard(record)
        for _, body in fixed:  # every other record that held the body loses it
            for other in holders.pop(body):
                del records[other][body]
                losers.add(other)
        looked_at = losers


def _best(bodies: Mapping[str, int]) -> list[str]:
    """Return the best of a record's candidates (of a body's claimants), sorted."""
    if len(bodies) == 1:  # most records, and most bodies
        return list(bodies)
    top = max(bodies.values())
    return sorted(body for body, rank in bodies.items() if rank == top)


def _one(bodies: Mapping[str, int]) -> str | None:
    """Return a record's one best candidate, or None when it has none or several."""
    top = _best(bodies) if bodies else []
    return top[0] if len(top) == 1 else None


def _claimants(body: str, records: Edges, holders: Mapping[str, set[str]]) -> list[str]:
    """Return the best of the records whose one best candidate ``body`` is."""
    claimants = {record: records[record][body] for record in holders[body]
                 if _one(records[record]) == body}
    return _best(claimants) if claimants else []


def _fixed(record: str, records: Edges, holders: Mapping[str, set[str]]) -> str | None:
    """Return the body ``record`` is joined to now, if it is its one and only."""
    body = _one(records[record])
    return body if body is not None and _claimants(body, records, holders) == [record] else None


def _ties(records: Edges, holders: Mapping[str, set[str]], lines: Mapping[str, int]
          ) -> list[Diagnostic]:
    """Report each record left with several best candidates (D305), and each body left with
    several best claimants (D306)."""
    problems = []
    for record, bodies in sorted(records.items()):
        if bodies and len(top := _best(bodies)) > 1:
            problems.append(Diagnostic(
                record, lines[record], "warning", "D305",
                f"the record's excerpt opens several bodies equally ({_named(top)}); "
                "none is joined", "name the body in the record's body field"))
    for body in sorted(holders):
        if len(rivals := _claimants(body, records, holders)) > 1:
            problems.append(Diagnostic(
                body, 1, "warning", "D306",
                f"the body is opened equally by the excerpts of several records "
                f"({_named(rivals)}); none is joined",
                "name the body in one record's body field"))
    return problems


def _named(files: list[str]) -> str:
    names = sorted(files)
    more = f" and {len(names) - NAMED} more" if len(names) > NAMED else ""
    return ", ".join(names[:NAMED]) + more
