"""Measure story clustering: its time, and its B-cubed precision and recall on labelled events.

Usage: python bench/stories.py [--sizes 1000,10000] [--runs 3]

For each size it writes (once, deterministically) a labelled corpus (``corpus.story_corpus``)
under ``bench-out/``, reads it as a build does, clusters it ``--runs`` times and prints the
least processor time (``time.process_time``: the machine is shared) and B-cubed precision and
recall of the stories found against the events the corpus was made of, and the median time to
re-cluster after one headline is edited (``story/window.py``: the window the edit touches). The
cyclic collector is paused while clustering, as a build pauses it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import STORY_LABELS, story_corpus

from digest.config import Config
from digest.content import check, gc_paused
from digest.progress import Timings
from digest.story.cluster import cluster, cluster_evidence
from digest.story.evidence import evidence_of
from digest.story.window import reclustered

OUT = Path(__file__).resolve().parent.parent / "bench-out"


def b_cubed(found: dict[str, str], labels: dict[str, int]) -> tuple[float, float]:
    """Return B-cubed precision and recall of clusters ``found`` (item to cluster) against
    ``labels`` (item to true class)."""
    clusters = Counter(found.values())
    classes = Counter(labels.values())
    both = Counter((found[i], labels[i]) for i in labels)
    precision = sum(both[found[i], labels[i]] / clusters[found[i]] for i in labels) / len(labels)
    recall = sum(both[found[i], labels[i]] / classes[labels[i]] for i in labels) / len(labels)
    return precision, recall


def measure(size: int, runs: int) -> dict[str, float]:
    content = OUT / f"stories-{size}"
    if not (content / STORY_LABELS).is_file():
        story_corpus(size, content)
    labels = json.loads((content / STORY_LABELS).read_text(encoding="utf-8"))
    config = Config(root=OUT, content=content, output=OUT / "stories-site", search=False
                    ).resolved()
    articles = list(check(config, Timings()).site.articles.values())
    seconds = float("inf")
    for _ in range(runs):
        with gc_paused():  # as a build clusters: the collector would walk every article
            began = time.process_time()
            stories = cluster(articles)
            seconds = min(seconds, time.process_time() - began)
    found = {a.id: stories.of.get(a.id, a.id) for a in articles}
    precision, recall = b_cubed(found, {k: v for k, v in labels.items() if k in found})
    return {"articles": len(articles), "seconds": seconds, "stories": len(stories.by_id),
            "events": len(set(labels.values())), "precision": precision, "recall": recall,
            "edit": edit_seconds(articles, runs)}


def edit_seconds(articles: list, edits: int) -> float:
    """Return the median processor time of re-clustering after one record's headline is edited
    (``window.reclustered``), over ``edits`` articles spread through the corpus; check the
    first against clustering every article from scratch."""
    before = {a.id: evidence_of(a) for a in articles}
    with gc_paused():
        stories = cluster_evidence(before.values())
        times = []
        for n in range(edits):
            aid = articles[(n * 7919) % len(articles)].id
            after = {**before, aid: replace(before[aid], title=before[aid].title + " exclusive")}
            began = time.process_time()
            found = reclustered(before, stories, after, [aid])
            times.append(time.process_time() - began)
            if n == 0:
                fresh = cluster_evidence(after.values())
                assert found == fresh and found.counts == fresh.counts, "window != from scratch"
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{'articles':>9} {'cluster s':>10} {'edit s':>7} {'stories':>8} {'events':>7} "
          f"{'precision':>10} {'recall':>7}   (targets: <= 1 s at 10,000; P >= .95, R >= .90)")
    for size in map(int, args.sizes.split(",")):
        m = measure(size, args.runs)
        print(f"{m['articles']:>9,} {m['seconds']:>10.3f} {m['edit']:>7.3f} {m['stories']:>8,} "
              f"{m['events']:>7,} "
              f"{m['precision']:>10.3f} {m['recall']:>7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
