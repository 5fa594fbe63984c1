"""Find, for each record, the bodies its whole excerpt opens: the candidates of a content join.

Text is compared as the load normalised it (``Record.probes``, ``Body.opening_key``): case-folded
words, so case, white space, quotes, dashes and entities do not count, and mojibake is repaired.
A body is a candidate only if the record's whole excerpt opens it, but for the excerpt's own
truncation: its last word may be cut (a trailing "…" or "..." is no word). When the excerpt is
longer than what is kept of a body (``OPENING`` characters), all that is kept must open the
excerpt. The title never joins: editors retitle, and headlines repeat. The bodies are sorted by
their opening, so a record finds its candidates by binary search: the cost of a probe does not
grow with how many bodies share a shorter opening. (The openings are grouped by their first
words first, so that a search compares few of them, and those close together in memory.)
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import NamedTuple

from digest.join.assign import Edges, assign
from digest.model import Body, Diagnostic, Matches, Record

MIN_WORDS = 6
"""An excerpt, and what of it a body's kept opening covers, must have at least this many words."""
_HEAD = re.compile(rf"(?:[^ ]+ ){{{MIN_WORDS - 1}}}")
"""The first words of an excerpt of MIN_WORDS words or more, whole: the last may be cut."""
MAX_CANDIDATES = 16
"""A record whose excerpt opens more bodies is reported, not matched: it says too little to
join by elimination (a cut inside a standfirst that opens hundreds of stories)."""
VERSION = "opens-2"
"""Part of ``Matches.among``: candidates kept by an older matcher are never reused."""


class RecordKey(NamedTuple):
    """What the join reads of a record: records with equal keys are joined alike."""

    source: str
    line: int
    body_path: str | None
    probes: tuple[str, str]
    """The excerpt's and the title's words; only the excerpt's are matched."""
    day: date | None
    """The publication date, compared with a body's dateline."""


class BodyKey(NamedTuple):
    """What the join reads of a body: bodies with equal keys are joined alike."""

    source: str
    opening_key: str
    dateline: date | None
    whole: bool
    """The opening is all of the text: an excerpt longer than it does not open the body."""


class Index:
    """Bodies grouped by their opening's first words, each group's openings sorted."""

    def __init__(self, bodies: Iterable[BodyKey]) -> None:
        self.bodies: dict[str, list[BodyKey]] = defaultdict(list)
        groups: dict[str, set[str]] = defaultdict(set)
        for body in bodies:
            if head := _HEAD.match(body.opening_key):
                self.bodies[body.opening_key].append(body)
                groups[head[0]].add(body.opening_key)
        self.groups = {head: sorted(keys) for head, keys in groups.items()}

    def candidates(self, probe: str) -> list[tuple[int, BodyKey]]:
        """Return the bodies ``probe`` opens (or whose kept opening opens it), each with how
        many words matched; at most MAX_CANDIDATES + 1 of them."""
        head = _HEAD.match(probe)
        keys = self.groups.get(head[0], []) if head else []
        if not keys or not head:
            return []
        found = []
        low = bisect.bisect_left(keys, probe)
        words, at = probe.count(" ") + 1, low
        # The openings that start with the probe follow it in order.
        while at < len(keys) and keys[at].startswith(probe) and len(found) <= MAX_CANDIDATES:
            found += [(words, body) for body in self.bodies[keys[at]]]
            at += 1
        # Openings the probe starts with precede it; each step skips to a shorter one.
        high, least = low, head.end()
        while high > 0 and len(found) <= MAX_CANDIDATES:
            key = keys[high - 1]
            limit = _common_prefix(key, probe)
            if limit == len(key):  # all that is kept of these bodies opens the probe
                found += [(key.count(" ") + 1, body) for body in self.bodies[key]
                          if not body.whole]
                limit -= 1
            if limit <= least:
                break
            high = bisect.bisect_right(keys, probe[:limit], 0, high - 1)
        return found


def match_content(records: list[RecordKey], free: dict[str, BodyKey],
                  diagnostics: list[Diagnostic], known: Matches
                  ) -> tuple[list[tuple[RecordKey, BodyKey]], Matches]:
    """Join records to the bodies their excerpts open, one to one; report what stays tied.

    A record's candidates are found again only if what they depend on changed since ``known``.
    """
    among = _bodies_digest(free.values())
    last = known.found if known.among == among else {}
    heads = known.heads if known.among == among else _heads(free.values())
    found: dict[str, tuple[str, tuple[tuple[int, str], ...]]] = {}
    index = functools.cache(lambda: Index(free.values()))  # only if some record is matched
    edges: Edges = {}
    for record in records:
        key = _record_digest(record)
        kept = last.get(record.source)
        if kept is not None and kept[0] == key:
            candidates = kept[1]
        else:
            candidates = tuple(sorted((words, body.source) for words, body
                                      in index().candidates(record.probes[0])))
        found[record.source] = (key, candidates)
        if len(candidates) > MAX_CANDIDATES:
            diagnostics.append(Diagnostic(
                record.source, record.line, "warning", "D305",
                f"the record's excerpt opens more than {MAX_CANDIDATES} bodies; none is joined",
                "name the body in the record's body field"))
        elif candidates:
            edges[record.source] = {source: _dates(record.day, free[source])
                                    for _, source in candidates}
    by_source = {record.source: record for record in records}
    pairs, problems = assign(edges, {r: by_source[r].line for r in edges})
    diagnostics += problems
    return ([(by_source[r], free[b]) for r, b in pairs], Matches(among, found, heads))


def _dates(day: date | None, body: BodyKey) -> int:
    """Return -1 when the body's dateline is more than a day from the record's date, else 0: a
    far dateline ranks a body below the record's other candidates; an agreeing one, no higher
    than those with no dateline (a copy syndicated the next day agrees as well)."""
    if day is None or body.dateline is None:
        return 0
    return 0 if abs((day - body.dateline).days) <= 1 else -1


def _heads(bodies: Iterable[BodyKey]) -> frozenset[str]:
    """Return the first words of the bodies' openings: a record whose excerpt starts otherwise
    has no candidates."""
    return frozenset(head[0] for body in bodies if (head := _HEAD.match(body.opening_key)))


def _opens_none(known: Matches, probe: str) -> bool:
    head = _HEAD.match(probe)
    return head is None or head[0] not in known.heads


def scored_alike(known: Matches, old: Record, new: Record) -> bool:
    """Whether a record matched by content (one of ``known.found``) and read again as ``new``,
    with its date and place unchanged, finds the very candidates ``old`` found among the same
    unclaimed bodies (``known``): its excerpt is unchanged, or neither spelling opens like any
    unclaimed body. Its title is never matched. A record joined by its path is never matched
    by content."""
    a, b = old.probes[0], new.probes[0]
    return a == b or (_opens_none(known, a) and _opens_none(known, b))


def rescored(known: Matches, record: Record) -> Matches:
    """Return ``known`` with ``record``, read again and ``scored_alike``, keyed as it now is."""
    if record.source not in known.found:  # joined by its path: never matched
        return known
    day = record.published.date() if record.published else None
    key = _record_digest(RecordKey(record.source, record.line, record.body_path, record.probes,
                                   day))
    found = dict(known.found)
    found[record.source] = (key, found[record.source][1])
    return replace(known, found=found)


def evidence(record: Record, body: Body) -> str:
    """Say why a record was joined to a body by content: how much of the text matched."""
    excerpt, opening = record.probes[0], body.opening_key
    words = min(excerpt.count(" "), opening.count(" ")) + 1
    if opening.startswith(excerpt):
        said = f"the whole excerpt ({words} words) opens the body"
    else:
        said = (f"all that is kept of the body's opening ({words} words) opens the excerpt "
                f"({excerpt.count(' ') + 1} words)")
    day = record.published.date() if record.published else None
    if day is not None and body.dateline is not None:
        said += "; its dateline agrees" if _dates(day, BodyKey("", "", body.dateline, False)) \
            == 0 else "; its dateline is more than a day from the record's date"
    return said


def _common_prefix(a: str, b: str) -> int:
    """Return how many leading characters two strings share: a binary search over prefixes,
    comparing in C rather than character by character in Python."""
    low, high = 0, min(len(a), len(b))
    if a[:high] == b[:high]:
        return high
    while high - low > 1:  # a[:low] == b[:low] and a[:high] != b[:high]
        middle = (low + high) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle
    return low


def _bodies_digest(bodies: Iterable[BodyKey]) -> str:
    """Digest all that records' candidates are found among: the unclaimed bodies' keys."""
    text = VERSION + "".join(f"{b.source}\0{b.opening_key}\0{b.dateline}\0{b.whole}\n"
                             for b in bodies)
    return hashlib.blake2b(text.encode(errors="surrogatepass"), digest_size=16).hexdigest()


def _record_digest(record: RecordKey) -> str:
    """Digest what a record's candidates depend on: its excerpt (not its title) and its date."""
    text = f"{record.probes[0]}\0{record.day}"
    return hashlib.blake2b(text.encode(errors="surrogatepass"), digest_size=8).hexdigest()
