"""Headline and excerpt as weighted words, and how alike two of them are (TF-IDF cosine).

Plain Python: an article has a few dozen words, its candidates are the few articles of the
time window sharing a rare one, and the weights are a function of counts alone, so the result
does not depend on the order files are read in (nor on ``hash()``: only sums in a fixed order).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from math import log, sqrt
from sys import intern

from digest.read.clean import words

Vector = dict[str, float]
EXCERPT = 400
"""Characters of an excerpt weighed: its opening names the event; the rest costs time, says
little."""
STOP = frozenset(str.split("""
a about after again against all also an and any are as at be been before being but by can
could did do does during each few for from further had has have he her here hers him his how i
if in into is it its just may me might more most much must my new no nor not now of off on
once one only or other our out over own said same says she should so some such than that the
their them then there these they this those through to too two under until up very via was
we were what when where which while who whom why will with would year years you your
"""))


def terms(title: str, excerpt: str) -> list[str]:
    """Return the words an article is compared by: its title's twice (a headline names the
    event), then its excerpt's opening; no stop words, no single letters. Each word is interned:
    the vectors of every article hold their words while the stories are clustered, and a
    vocabulary's worth of strings is a tenth of one string a use."""
    head = [intern(w) for w in words(title) if len(w) > 1 and w not in STOP]
    body = [intern(w) for w in words(excerpt[:EXCERPT]) if len(w) > 1 and w not in STOP]
    return head + head + body


@dataclass(frozen=True)
class Counts:
    """The inputs of the inverse document frequencies: how many documents were weighed, and
    how many of them hold each word. Kept with the stories, so that an edit re-clusters a window
    with the weights clustering every article gives (``window.py``)."""

    documents: int
    df: Mapping[str, int]

    def idf(self, words: Iterable[str]) -> dict[str, float]:
        """Return each word's inverse document frequency."""
        top = self.documents + 1
        return {w: log(top / (self.df.get(w, 0) + 1)) + 1.0 for w in words}


def counts(documents: Iterable[list[str]]) -> Counts:
    """Return the counts of ``documents``."""
    df: Counter[str] = Counter()
    count = 0
    for document in documents:
        df.update(list(dict.fromkeys(document)))  # in the documents' order, not hash()'s
        count += 1
    return Counts(count, dict(df))


def vector(document: list[str], idf: Mapping[str, float]) -> Vector:
    """Return the document's unit TF-IDF vector (sublinear term frequency)."""
    counts = Counter(document)
    raw = {w: (1.0 + log(n)) * idf[w] for w, n in counts.items()}
    norm = sqrt(sum(v * v for v in raw.values()))
    return {w: v / norm for w, v in raw.items()} if norm else {}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Return the dot product of two sparse vectors (their cosine if both are unit vectors)."""
    if len(b) < len(a):
        a, b = b, a
    return sum(v * b[w] for w, v in a.items() if w in b)


def norm(a: Mapping[str, float]) -> float:
    return sqrt(sum(v * v for v in a.values()))


def add(total: Vector, a: Mapping[str, float]) -> None:
    """Add ``a`` into ``total``, in place."""
    for w, v in a.items():
        total[w] = total.get(w, 0.0) + v
