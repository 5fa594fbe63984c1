"""Re-clustering the window an edit touches (``story/window.py``) gives what clustering every
article from scratch gives: the same stories, in the same order, with the same word counts;
whether the window was trusted or every article was clustered again."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.story.cluster import Stories, cluster_evidence
from digest.story.evidence import Evidence
from digest.story.window import reclustered, recounted, windowed

EVENTS = ["Magnitude 7 earthquake strikes off Sumatra coast tsunami warning",
          "Nvidia unveils Blackwell chip for data centres",
          "Storm floods valley towns as river bursts banks",
          "Central bank raises interest rates again inflation",
          "Council approves budget for new library opening hours",
          "Football club sacks manager after cup defeat"]
WORDS = ["quake", "chip", "storm", "bank", "council", "club", "police", "report", "shares", "market", "vote"]
START = datetime(2024, 1, 1, tzinfo=UTC).timestamp()
HOUR = timedelta(hours=1).total_seconds()
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _title(rng: random.Random) -> str:
    words = rng.choice(EVENTS).split()
    if rng.random() < 0.5:  # a headline variant: a word taken out, another put in
        words.pop(rng.randrange(len(words)))
        words.insert(rng.randrange(len(words) + 1), rng.choice(WORDS))
    return " ".join(words)


def _evidence(rng: random.Random, n: int, days: int) -> dict[str, Evidence]:
    """Articles over ``days``; related coverage cites articles near in time (within four
    places), or outside pages of one event and day, as real related lists do."""
    times = sorted(START + rng.randrange(days * 24) * HOUR for _ in range(n))
    found = {}
    for i, when in enumerate(times):
        title = _title(rng)
        cited = {f"o{j}.example/a" for j in rng.sample(range(max(0, i - 4), min(n, i + 5)),
                                                        rng.choice((0, 0, 0, 1, 2)))} - {f"o{i}.example/a"}
        if rng.random() < 0.2:
            cited.add(f"https://{title.split()[0].lower()}.example/{int(when // 86400)}")
        label = rng.choice((None,) * 12 + ("", "x"))
        found[f"a{i:03}.yaml"] = Evidence(
            f"a{i:03}.yaml", when, title, f"{_title(rng)} said officials. {rng.choice(WORDS)}",
            frozenset({f"o{i}.example/a"}), frozenset(cited), label, rng.random() < 0.05)
    return found


def _edited(rng: random.Random, e: Evidence, days: int) -> Evidence:
    how = rng.randrange(5)
    if how == 0:
        return replace(e, title=_title(rng))
    if how == 1:
        return replace(e, excerpt=f"{e.excerpt} {rng.choice(WORDS)} unheard{rng.randrange(9)}")
    if how == 2:
        return replace(e, cited=e.cited | {f"https://elsewhere.example/{rng.randrange(9)}"})
    if how == 3:
        return replace(e, when=START + rng.randrange(days * 24) * HOUR)
    return replace(e, title=f"{e.title} exclusive{rng.randrange(9)}")


def _same(got: Stories, expected: Stories) -> None:
    assert list(got.by_id.items()) == list(expected.by_id.items())
    assert dict(got.of) == dict(expected.of)
    assert got.counts == expected.counts


@SETTINGS
@given(st.randoms(use_true_random=False), st.integers(2, 80), st.sampled_from([3, 20, 90]),
       st.integers(1, 4))
def test_re_clustering_the_window_of_an_edit_equals_clustering_from_scratch(rng, n, days, edits):
    before = _evidence(rng, n, days)
    stories = cluster_evidence(before.values())
    ids = rng.sample(sorted(before), min(edits, n))
    after = {**before, **{aid: _edited(rng, before[aid], days) for aid in ids}}
    expected = cluster_evidence(after.values())
    _same(reclustered(before, stories, after, ids), expected)
    window = windowed(before, stories, after, ids)
    if window is not None:
        _same(window, expected)


@SETTINGS
@given(st.randoms(use_true_random=False), st.integers(1, 6))
def test_edits_one_after_another_keep_the_counts_of_clustering_from_scratch(rng, steps):
    evidence = _evidence(rng, 60, 90)
    stories = cluster_evidence(evidence.values())
    for _ in range(steps):
        aid = rng.choice(sorted(evidence))
        after = {**evidence, aid: _edited(rng, evidence[aid], 90)}
        stories = reclustered(evidence, stories, after, [aid])
        evidence = after
        _same(stories, cluster_evidence(evidence.values()))


def test_an_edit_far_from_most_articles_re_clusters_its_window_alone():
    """A long timeline (a year, two articles a day): an edit of a headline is re-clustered in
    its window, and the stories are those of clustering every article."""
    rng = random.Random(7)
    before = _evidence(rng, 730, 365)
    stories = cluster_evidence(before.values())
    trusted = 0
    for aid in rng.sample(sorted(before), 20):
        if before[aid].label is not None:
            continue
        after = {**before, aid: replace(before[aid], title=before[aid].title + " exclusive")}
        window = windowed(before, stories, after, [aid])
        if window is not None:
            trusted += 1
            _same(window, cluster_evidence(after.values()))
    assert trusted >= 10


def test_a_changed_word_held_outside_the_window_clusters_every_article():
    rng = random.Random(3)
    before = _evidence(rng, 400, 365)
    stories = cluster_evidence(before.values())
    first, last = sorted(before, key=lambda a: before[a].when)[0], max(
        before, key=lambda a: before[a].when)
    # The first article takes a word only the last one, a year later, holds: its weight changes.
    before = {**before, last: replace(before[last], title=before[last].title + " zanzibar")}
    stories = cluster_evidence(before.values())
    after = {**before, first: replace(before[first], title=before[first].title + " zanzibar")}
    assert windowed(before, stories, after, [first]) is None
    _same(reclustered(before, stories, after, [first]), cluster_evidence(after.values()))
    # A new word of its own is weighed inside the window alone.
    alone = {**before, first: replace(before[first], title=before[first].title + " quokka")}
    assert windowed(before, stories, alone, [first]) is not None


@SETTINGS
@given(st.randoms(use_true_random=False), st.integers(1, 5))
def test_counts_brought_up_to_date_are_those_of_clustering_from_scratch(rng, edits):
    """An edit that leaves the stories as they were keeps them (``KeptEdits.applied``) with
    the word counts recounted: a later window weighs words as clustering every article does."""
    before = _evidence(rng, 40, 30)
    ids = rng.sample(sorted(before), edits)
    after = {**before, **{aid: replace(_edited(rng, before[aid], 30), label=rng.choice(
        (None, "", before[aid].label))) for aid in ids}}
    kept = recounted(cluster_evidence(before.values()), [before[a] for a in ids],
                     [after[a] for a in ids])
    assert kept is not None and kept.counts == cluster_evidence(after.values()).counts
