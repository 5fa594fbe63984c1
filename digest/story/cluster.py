"""Group the digest's articles into stories: one event, every outlet's coverage of it.

Evidence, strongest first:
- the editor's: ``story: <label>`` puts articles of one label in one story, ``story: none``
  keeps an article alone;
- links: one article lists another in ``related``, or two list the same outside page (URLs
  compared by ``urlkey.story_key``);
- text: headline and excerpt alike (``text.py``) within ``WINDOW`` of each other.

Guards against chaining (A like B, B like C, A nothing like C): evidence never makes a story
span more than ``SPAN``, and two stories (an article alone is one) join by text only if they
are alike as wholes (their centroids), not only one member like another. Articles are taken
oldest first, then by id: nothing depends on the order files were read in, nor on ``hash()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import pairwise

from digest.model import Article
from digest.story import text
from digest.story.evidence import UNDATED, Evidence, evidence_of

WINDOW = timedelta(hours=72).total_seconds()
"""Two articles further apart than this are never alike enough to be one story by text."""
SPAN = timedelta(hours=96).total_seconds()
"""The most a story found by links or text may span, first article to last."""
PAIR = 0.45
"""The least cosine between an article and an earlier one for their stories to be candidates."""
STORY = 0.40
"""The least cosine between two stories' centroids for them to join."""


@dataclass(frozen=True)
class Story:
    """Articles of the digest covering one event."""

    id: str
    """Its lead's id: what its URL is made from."""
    lead: str
    """The article marked ``lead: true``, else the earliest."""
    members: tuple[str, ...]
    """Article ids, oldest first (undated last), then by id."""
    outside: int
    """How many pages outside the digest its members list as related coverage (each once)."""


@dataclass(frozen=True)
class Stories:
    """The stories of two or more articles, and which one each article is in."""

    by_id: Mapping[str, Story]
    """In the order of their earliest members (oldest first, then id)."""
    of: Mapping[str, str]
    """Article id to its story's id, for articles in a story."""
    counts: text.Counts | None = field(default=None, compare=False, repr=False)
    """The word counts the articles were weighed by (``window.py`` re-clusters with them); not
    what the stories are: two clusterings into the same stories are equal."""


def cluster(articles: Iterable[Article]) -> Stories:
    """Return the stories of ``articles`` (see the module's docstring)."""
    return cluster_evidence(evidence_of(a) for a in articles)


def cluster_evidence(evidence: Iterable[Evidence], counts: text.Counts | None = None) -> Stories:
    """Return the stories of the articles ``evidence`` describes; ``counts``, when given, are
    the word counts of a larger set holding them (by default, theirs: see ``_by_text``)."""
    items = sorted(evidence, key=lambda e: (e.when, e.id))
    groups = _Groups([e.when for e in items])
    labels = [e.label for e in items]
    alone = {i for i, label in enumerate(labels) if label == ""}
    first: dict[str, int] = {}
    for i, label in enumerate(labels):
        if label:
            groups.label[i] = label
            groups.union(first.setdefault(label, i), i, force=True)
    own = [e.own for e in items]
    cited = [e.cited for e in items]
    for i, j in _link_edges(own, cited, groups.times, alone):
        groups.union(i, j)
    counts = _by_text(items, groups, alone, counts)
    return _stories(items, groups, own, cited, counts)


def _link_edges(own: list[frozenset[str]], cited: list[frozenset[str]], times: list[float],
                alone: set[int]) -> list[tuple[int, int]]:
    """Return the pairs of articles links make one story, closest in time first."""
    owner: dict[str, int] = {}
    for i, keys in enumerate(own):
        for key in sorted(keys):
            owner.setdefault(key, i)
    citers: dict[str, list[int]] = {}
    for i, keys in enumerate(cited):
        for key in keys:
            citers.setdefault(key, []).append(i)
    pairs: set[tuple[int, int]] = set()
    for key, found in citers.items():
        j = owner.get(key)
        if j is not None:
            pairs.update((min(i, j), max(i, j)) for i in found if i != j)
        if len(found) > 1:  # each with the next: a page cited by many links them, in few pairs
            pairs.update(pairwise(found))
    pairs = {(i, j) for i, j in pairs if i not in alone and j not in alone}
    return sorted(pairs, key=lambda p: (_gap(times[p[0]], times[p[1]]), p))


def _gap(a: float, b: float) -> float:
    return 0.0 if UNDATED in (a, b) else abs(a - b)


class _Groups:
    """Union-find over articles by index, each group with its span, label and centroid."""

    def __init__(self, times: list[float]) -> None:
        self.times = times
        self.parent = list(range(len(times)))
        self.lo = list(times)
        self.hi = [t if t != UNDATED else -UNDATED for t in times]
        self.size = [1] * len(times)
        self.label: dict[int, str] = {}
        self.sums: dict[int, text.Vector] = {}
        self.vectors: list[text.Vector] = []

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def spans(self, a: int, b: int) -> float:
        """Return the span of the two groups together (0 when at most one is dated)."""
        lo, hi = min(self.lo[a], self.lo[b]), max(self.hi[a], self.hi[b])
        return hi - lo if hi >= lo else 0.0

    def union(self, i: int, j: int, *, force: bool = False) -> bool:
        """Make ``i``'s and ``j``'s groups one, unless labels or the span forbid (``force``
        overrides the span); the smaller index stays the root."""
        a, b = sorted((self.find(i), self.find(j)))
        if a == b:
            return True
        la, lb = self.label.get(a), self.label.get(b)
        if (la and lb and la != lb) or (not force and self.spans(a, b) > SPAN):
            return False
        self.parent[b] = a
        self.lo[a], self.hi[a] = min(self.lo[a], self.lo[b]), max(self.hi[a], self.hi[b])
        self.size[a] += self.size[b]
        if lb and not la:
            self.label[a] = lb
        if self.vectors:
            total = self.sums.pop(a, None) or dict(self.vectors[a])
            text.add(total, self.sums.pop(b, None) or self.vectors[b])
            self.sums[a] = total
        return True

    def centroid(self, root: int) -> text.Vector:
        return self.sums.get(root) or self.vectors[root]


def _by_text(items: list[Evidence], groups: _Groups, alone: set[int],
             counts: text.Counts | None) -> text.Counts:
    """Join each article still alone to the story its headline and excerpt are most like;
    return the word counts they were weighed by: those of the dated articles not kept alone,
    unless ``counts`` are given."""
    documents = [text.terms(e.title, e.excerpt) for e in items]
    dated = [i for i, t in enumerate(groups.times) if t != UNDATED and i not in alone]
    if counts is None:
        counts = text.counts(documents[i] for i in dated)
    idf = counts.idf({w for i in dated for w in documents[i]})
    usable = set(dated)
    groups.vectors = [text.vector(d, idf) if i in usable else {} for i, d in enumerate(documents)]
    for i in range(len(items)):
        root = groups.find(i)
        if groups.size[root] > 1:
            text.add(groups.sums.setdefault(root, {}), groups.vectors[i])
    # A word in more articles than this finds no candidates (it still counts in the cosine):
    # the few articles sharing a rare word are all the candidates worth scoring.
    rare = max(200, counts.documents // 50)
    df = counts.df
    postings: dict[str, list[int]] = {}
    start: dict[str, int] = {}
    for i in dated:
        vector, when = groups.vectors[i], groups.times[i]
        keys = [w for w in vector if df[w] <= rare]
        near: set[int] = set()
        for w in keys:
            found = postings.get(w, ())
            at = start.get(w, 0)
            while at < len(found) and when - groups.times[found[at]] > WINDOW:
                at += 1
            start[w] = at
            near.update(found[at:])
        _join_alike(i, near, groups)
        for w in keys:
            postings.setdefault(w, []).append(i)
    return counts


def _join_alike(i: int, near: set[int], groups: _Groups) -> None:
    """Join ``i``'s story (it alone, or those links made) with each story of the ``near``
    articles that ``i`` is like (``PAIR``) and that is like ``i``'s story as a whole (their
    centroids, ``STORY``): one like member is not enough."""
    vector = groups.vectors[i]
    scored = sorted((-text.cosine(vector, groups.vectors[j]), j) for j in near)
    tried = set()
    for minus, j in scored:
        if -minus < PAIR:
            return
        mine, root = groups.find(i), groups.find(j)
        if root == mine or root in tried:
            continue
        tried.add(root)
        a, b = groups.centroid(mine), groups.centroid(root)
        sizes = text.norm(a) * text.norm(b)
        if sizes and text.cosine(a, b) / sizes >= STORY:
            groups.union(i, root)


def _stories(items: list[Evidence], groups: _Groups, own: list[frozenset[str]],
             cited: list[frozenset[str]], counts: text.Counts) -> Stories:
    members: dict[int, list[int]] = {}
    for i in range(len(items)):
        members.setdefault(groups.find(i), []).append(i)
    by_id: dict[str, Story] = {}
    of: dict[str, str] = {}
    for found in members.values():
        if len(found) < 2:
            continue
        marked = [i for i in found if items[i].lead]
        lead = items[(marked or found)[0]].id
        inside = set().union(*(own[i] for i in found))
        outside = set().union(*(cited[i] for i in found)) - inside
        story = Story(lead, lead, tuple(items[i].id for i in found), len(outside))
        by_id[lead] = story
        of.update((aid, lead) for aid in story.members)
    return Stories(by_id, of, counts)
