"""Re-cluster only the time window an edit touches, giving the stories clustering every article
gives (``cluster_evidence``), or cluster every article when that cannot be shown.

Why a window suffices: clustering by text compares articles within ``WINDOW`` of each other,
and links and text never make a story span more than ``SPAN``; so an edit reaches the articles
near it in time. Weights are global, though: each word's IDF counts the documents holding it.
The stories keep those counts (``Stories.counts``); an edit changes the counts of the words it
adds or takes away, and the window is clustered with the updated counts, exactly as clustering
every article would weigh them, as long as no article outside the window holds such a word.

The window is every article within ``2 * REACH`` of an edited article's time (old or new), with
every story any of them is in. It is trusted when:
- clustered alone, with the old evidence, it gives the kept stories of its articles (nothing
  outside it bore on them), and with the new evidence, its outer part (beyond ``REACH`` of
  every edit) keeps its stories (the edit's effects died out inside it);
- no edited article changes its ``story:`` label or whether it is dated, so no count of
  documents and no label reaching across time changes;
- no article outside is the same page as an edited one (which would change whom the page's
  citers link to), or undated and sharing a page with one (a link binds those across any
  span), nor holds a word whose count the edit changed.
Else (and past ``MOST`` edited articles, or without counts) every article is clustered again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace

from digest.story import text
from digest.story.cluster import SPAN, WINDOW, Stories, Story, cluster_evidence
from digest.story.evidence import UNDATED, Evidence

REACH = SPAN + WINDOW
"""How far in time an edit is taken to bear on other articles' stories, each way."""
MOST = 64
"""Past this many edited articles at once, clustering every article costs about the same."""


def reclustered(before: Mapping[str, Evidence], stories: Stories | None,
                after: Mapping[str, Evidence], edited: Collection[str]) -> Stories:
    """Return the stories of the articles ``after`` describes, given that they are the
    articles ``before`` clustered into ``stories`` with those ``edited`` changed."""
    found = windowed(before, stories, after, edited)
    return found if found is not None else cluster_evidence(after.values())


def windowed(before: Mapping[str, Evidence], stories: Stories | None,
             after: Mapping[str, Evidence], edited: Collection[str]) -> Stories | None:
    """Return the stories of ``after`` re-clustered in the window of the ``edited`` articles;
    None if that window cannot be trusted (see the module's docstring)."""
    if (stories is None or stories.counts is None or not edited or len(edited) > MOST
            or before.keys() != after.keys()
            or not all(_alike(before[aid], after[aid]) for aid in edited)):
        return None
    times = [e.when for aid in edited for e in (before[aid], after[aid])]
    inside = {aid for aid, e in after.items() if _near(e.when, times, 2 * REACH)}
    inside |= {m for aid in list(inside) if (sid := stories.of.get(aid))
               for m in stories.by_id[sid].members}
    if not _links_inside([e for aid in edited for e in (before[aid], after[aid])],
                         [e for aid, e in after.items() if aid not in inside]):
        return None
    found = _counted(stories.counts, [before[aid] for aid in edited],
                     [after[aid] for aid in edited])
    if found is None or not _words_inside(found[0], found[1], (after[a] for a in inside)):
        return None
    counts = found[0]
    ordered = sorted(inside, key=lambda aid: (after[aid].when, aid))
    old = cluster_evidence((before[aid] for aid in ordered), stories.counts)
    kept = [s for s in stories.by_id.values() if s.members[0] in inside]
    if set(old.by_id.values()) != set(kept):
        return None  # something outside the window bore on it
    new = cluster_evidence((after[aid] for aid in ordered), counts)
    outer = [aid for aid in ordered if not _near(after[aid].when, times, REACH)]
    if any(_members(old, aid) != _members(new, aid) for aid in outer):
        return None  # the edit's effects reach the window's edge: they may go on past it
    return _merged([s for s in stories.by_id.values() if s.members[0] not in inside],
                   list(new.by_id.values()), after, counts)


def _alike(old: Evidence, new: Evidence) -> bool:
    """Whether an edit keeps what reaches across any span: the label, and whether it is dated
    (which counts the documents every weight divides by)."""
    return old.label == new.label and UNDATED not in (old.when, new.when)


def _links_inside(edited: list[Evidence], outside: list[Evidence]) -> bool:
    """Whether no link of an edited article can bind it to an article outside the window: none
    outside is the same page, nor undated and sharing a page with it (a dated one is further
    than ``SPAN`` from it, so a link to it is refused as a whole clustering refuses it)."""
    own = frozenset().union(*(e.own for e in edited))
    pages = own.union(*(e.cited for e in edited))
    return all(own.isdisjoint(e.own) and (e.when != UNDATED or (
        pages.isdisjoint(e.own) and pages.isdisjoint(e.cited))) for e in outside)


def _near(when: float, times: Iterable[float], reach: float) -> bool:
    return any(abs(when - t) <= reach for t in times)


def recounted(stories: Stories | None, before: Iterable[Evidence], after: Iterable[Evidence]
              ) -> Stories | None:
    """Return ``stories`` with their counts brought up to date with edits that left the stories
    as they were (the articles ``before`` are ``after`` now); without counts if they do not
    describe the articles (a window is then never trusted)."""
    if stories is None or stories.counts is None:
        return stories
    found = _counted(stories.counts, list(before), list(after))
    return replace(stories, counts=found[0] if found else None)


def _counted(counts: text.Counts, old: list[Evidence], new: list[Evidence]
             ) -> tuple[text.Counts, set[str]] | None:
    """Return ``counts`` with the ``old`` documents taken away and the ``new`` ones added, and
    the words whose count changed; None if the counts do not describe these articles."""
    step: dict[str, int] = {}
    documents = counts.documents
    for evidence, sign in [(e, -1) for e in old] + [(e, 1) for e in new]:
        if evidence.label != "" and evidence.when != UNDATED:  # else never weighed
            documents += sign
            for word in dict.fromkeys(text.terms(evidence.title, evidence.excerpt)):
                step[word] = step.get(word, 0) + sign
    changed = {w for w, n in step.items() if n}
    if not changed and documents == counts.documents:
        return counts, changed
    df = dict(counts.df)
    for word in changed:
        n = df.get(word, 0) + step[word]
        if n < 0:
            return None
        if n:
            df[word] = n
        else:
            del df[word]
    return text.Counts(documents, df), changed


def _words_inside(counts: text.Counts, changed: set[str], inside: Iterable[Evidence]) -> bool:
    """Whether every document holding a word whose count changed is inside the window."""
    if not changed:
        return True
    held = dict.fromkeys(changed, 0)
    for evidence in inside:
        if evidence.label != "" and evidence.when != UNDATED:
            for word in set(text.terms(evidence.title, evidence.excerpt)) & changed:
                held[word] += 1
    return all(held[w] == counts.df.get(w, 0) for w in changed)


def _members(stories: Stories, aid: str) -> tuple[str, ...]:
    sid = stories.of.get(aid)
    return stories.by_id[sid].members if sid else (aid,)


def _merged(outside: list[Story], inside: list[Story], evidence: Mapping[str, Evidence],
            counts: text.Counts) -> Stories:
    """Return the stories, in the order clustering gives: by their earliest member."""
    ordered = sorted(outside + inside, key=lambda s: (evidence[s.members[0]].when, s.members[0]))
    return Stories({s.id: s for s in ordered},
                   {aid: s.id for s in ordered for aid in s.members}, counts)
