"""Time the join and score it against the corpus generator's truth, before and after a change.

Usage: python bench/joining.py [--sizes 10000,100000] [--before main] [--runs 3]

For each size it generates the corpus ``bench/run.py`` builds (``bench-out/corpus-N-*``,
made once), loads it once, then joins it with this tree's ``digest.join`` and, with
``--before REF``, with ``digest/join.py`` (or ``digest/join/``) as it is at git REF, the two
in turn, and prints the fastest of ``--runs`` joins of each and their precision and recall
against the manifest (``precision_recall``). A fresh join each time: no matches are kept.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402

from digest.model import Joined, Loaded  # noqa: E402


def precision_recall(content: Path, joined: Joined) -> tuple[float, float, int, int]:
    """Return the join's precision and recall on the manifest's pairs, the number of joins
    made and the number of true pairs. A join is right when the manifest pairs that record
    with that body; Markdown articles (record and body in one file) count as pairs too."""
    truth = {}
    for entry in corpus.read_manifest(content):
        if entry.markdown:
            truth[entry.markdown] = entry.markdown
        elif entry.record and entry.body:
            truth[entry.record] = entry.body
    made = {a.record.source: a.body.source for a in joined.articles if a.body is not None}
    right = sum(1 for record, body in made.items() if truth.get(record) == body)
    return (right / len(made) if made else 1.0, right / len(truth) if truth else 1.0,
            len(made), len(truth))


def scored(content: Path) -> tuple[float, float, int, int]:
    """Load and join the corpus in ``content``; return ``precision_recall`` of the join."""
    from digest.join import join
    from digest.read.load import load

    return precision_recall(content, join(load(content, 5_000_000)))


def before_join(ref: str) -> Callable[[Loaded], Joined]:
    """Return ``join`` as it is at git ``ref``: a module file, or a package's files."""
    folder = Path(tempfile.mkdtemp(prefix="join-before-"))
    listed = subprocess.run(["git", "-C", str(REPO), "ls-tree", "-r", "--name-only", ref,
                             "digest/join.py", "digest/join/"], check=True,
                            capture_output=True, text=True).stdout.split()
    for name in listed:
        target = folder / "digest_join_before" / Path(name).relative_to("digest/join") \
            if name.startswith("digest/join/") else folder / "digest_join_before" / "__init__.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        text = subprocess.run(["git", "-C", str(REPO), "show", f"{ref}:{name}"], check=True,
                              capture_output=True, text=True).stdout
        target.write_text(text.replace("digest.join.", "digest_join_before."), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(
        "digest_join_before", folder / "digest_join_before" / "__init__.py",
        submodule_search_locations=[str(folder / "digest_join_before")])
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["digest_join_before"] = module
    spec.loader.exec_module(module)
    return module.join  # type: ignore[no-any-return]


def timed(join: Callable[[Loaded], Joined], loaded: Loaded) -> tuple[float, Joined]:
    """Join afresh: another join first, so that no remembered pairing answers at once. The
    cyclic garbage collector is off, as it is during a build (``build.gc_paused``)."""
    join(replace(loaded, records=(), bodies=()))
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        joined = join(loaded)
        return time.perf_counter() - start, joined
    finally:
        gc.enable()


def main(argv: list[str] | None = None) -> int:
    import run  # the corpus as ``make bench`` builds it

    from digest.join import join
    from digest.read.load import load

    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--sizes", default="10000,100000")
    args.add_argument("--before", metavar="REF", help="also time the join at this git ref")
    args.add_argument("--runs", type=int, default=3)
    args.add_argument("--out", type=Path, default=REPO / "bench-out")
    ns = args.parse_args(argv)
    joins = {"after": join}
    if ns.before:
        joins = {f"before ({ns.before})": before_join(ns.before), **joins}
    rows = []
    for size in (int(s.replace("_", "")) for s in ns.sizes.split(",")):
        folder, _ = run.prepare(size, ns.out)
        start = time.perf_counter()
        loaded = load(folder / "content", 5_000_000)
        print(f"{size:,} articles loaded in {time.perf_counter() - start:.1f} s",
              file=sys.stderr)
        best: dict[str, float] = {}
        scored: dict[str, tuple[float, float, int, int]] = {}
        for _ in range(ns.runs):
            for name, function in joins.items():  # in turn: both see the machine alike
                seconds, joined = timed(function, loaded)
                best[name] = min(best.get(name, seconds), seconds)
                scored[name] = precision_recall(folder / "content", joined)
                print(f"  {name}: {seconds:.2f} s", file=sys.stderr)
        for name in joins:
            precision, recall, made, pairs = scored[name]
            rows.append(f"| {size:,} | {name} | {best[name]:.2f} s | {precision:.5f} | "
                        f"{recall:.4f} | {made:,} / {round(precision * made):,} / {pairs:,} |")
        del loaded
    print("| articles | join | time (best of runs) | precision | recall | joins / right / true pairs |")
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
