"""Measure digest against Hugo on synthetic corpora and print one table.

Usage: python bench/run.py [--sizes 1000,10000] [--large] [--runs 3] [--profile]

For each size it generates (once, deterministically) a corpus in the seed format,
then in each round builds it with Hugo (when installed) and with digest, side by
side so that both see the same load on the machine (Hugo at the start and at the end of
each round; each ratio is the median of the rounds' ratios to the mean of the two):

- cold: no cache, empty output folder (earlier outputs, Hugo's too, are moved aside and
  deleted once every build is measured: see ``Trash``);
- no-op: the same build again, nothing changed;
- one edit: one article's body changed, then built again (the first edit after a cold
  build, then a later one, as an editor works);
- record edit: that article's record retitled, then built again: its card shows on list
  pages, in feeds and beside its neighbours, and its page moves, so every page that shows it
  or links to it is planned and made again (the first after the edits above, with no site
  before last to patch up; then a later one);
- move: a record without a body dated a day earlier: its article moves on the list pages
  between its old place and its new one, so the site is indexed again and every page planned.

Each figure is the median of ``--runs`` rounds. Peak memory is the build
process's own maximum resident set (``wait4``'s rusage). Corpora and outputs
live under ``bench-out/`` (git-ignored); results are also written as JSON there.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import json
import os
import pickle
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402
import hugo  # noqa: E402
import hugo_terms  # noqa: E402
import joining  # noqa: E402
import seed_corpus  # noqa: E402

T = TypeVar("T")
PAGE_SIZE = 20
SEARCH = False
"""Whether both sides build a search index (--search)."""
DIGEST = REPO
"""The checkout whose digest is built and timed (--repo: another's, with its own .venv)."""
SHAPES = {"plain": (corpus.generate, ("corpus.py",)),
          "seed": (seed_corpus.generate, ("corpus.py", "seed_corpus.py"))}
"""Corpus profiles: ``plain`` is shaped to make joining hard, ``seed`` has records as heavy as
the real seed ``001_…`` (related coverage with providers, images and AMP URLs)."""
TARGETS = {"cold/hugo": 1.0, "noop/hugo": 0.10, "edit/hugo": 0.15, "rss_mb@10000": 300,
           "rss_mb@100000": 1500, "time 100k/10k": 11}


@dataclass
class Run:
    """One timed build: wall seconds, peak RSS in MiB, CPU seconds (user + system, its
    workers' too), and what digest said it did."""

    seconds: float
    rss_mb: float
    cpu: float = 0.0
    written: int = 0
    unchanged: int = 0
    stages: dict[str, float] = field(default_factory=dict)


@dataclass
class Result:
    """All runs at one corpus size."""

    size: int
    shape: str = "plain"
    pages: int = 0
    cold: list[Run] = field(default_factory=list)
    noop: list[Run] = field(default_factory=list)
    first_edit: list[Run] = field(default_factory=list)
    """One edit just after a cold build: no site before last is kept to patch yet."""
    edit: list[Run] = field(default_factory=list)
    """One edit after another, as an editor works."""
    first_record_edit: list[Run] = field(default_factory=list)
    """The edited article's record retitled: its card and its page's path change, and every
    page showing them is made again. The builds before it left no site before last (none, or
    patched in place): one is made, of hard links, while it plans."""
    record_edit: list[Run] = field(default_factory=list)
    """The record retitled again, as an editor goes on."""
    move_edit: list[Run] = field(default_factory=list)
    """The record's date put a day earlier: its article moves among the others on every list
    page between its old place and its new one."""
    hugo: list[Run] = field(default_factory=list)
    """Hugo's builds: one at the start of each round and one at its end."""
    hugo_files: int = 0
    join: tuple[float, float, int, int] = (0.0, 0.0, 0, 0)
    """The join's precision and recall against the corpus's manifest, joins made, true pairs."""
    reference: list[Run] = field(default_factory=list)
    """A cold build of 10,000 articles just before each cold build of this size: the growth
    from one to the other is measured within minutes, not an hour apart on a drifting machine."""

    def ratio(self, runs: list[Run], cost: str = "seconds") -> float:
        """The median over rounds of each round's time (or ``cost``: "cpu") against Hugo's in
        that round (the mean of the builds that bracket it)."""
        if not self.hugo:
            return float("nan")
        return statistics.median(getattr(run, cost) / statistics.mean(
            getattr(h, cost) for h in self.hugo[2 * n: 2 * n + 2]) for n, run in enumerate(runs))


def apart(work: Callable[..., T], *args: object) -> T:
    """Run ``work`` in a forked child and return its result.

    The bench's own memory must stay small: a build's peak RSS, as the kernel reports it,
    starts from this process's peak when the build is started (fork, then exec), so a
    100,000-article conversion done here was counted as 1.8 GB of every build's.
    """
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # the child: work, send the result back, and leave without cleaning up
        os.close(reading)
        status = 0
        try:
            with os.fdopen(writing, "wb") as out:
                pickle.dump(work(*args), out)
        except BaseException:
            traceback.print_exc()
            status = 1
        os._exit(status)
    os.close(writing)
    with os.fdopen(reading, "rb") as stream:
        data = stream.read()
    _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench: {getattr(work, '__name__', work)} failed")
    return pickle.loads(data)  # type: ignore[no-any-return]


class Trash:
    """Where the outputs of earlier builds go until every size is measured, then deleted.

    This machine's root file system (ext4 without a journal) will not reuse an inode freed in
    the last minute or more, and scans past every such inode to make a file: just after
    deleting a site of 25,000 files and folders, making each file costs up to half a
    millisecond of CPU, and the build that follows paid seconds for the deletion, Hugo's or
    digest's alike. Moved aside, nothing is freed until every build is measured.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def put(self, path: Path) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count += 1
        path.rename(self.folder / f"{self.count}-{path.name}")

    def empty(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def pagefind_cli() -> str:
    """Return the Pagefind binary digest's search uses: the same version on both sides."""
    from digest.output.pagefind import executable

    return str(executable())


def timed(command: list[str], log: Path) -> tuple[Run, str]:
    """Run ``command``; return its wall time and peak RSS, and its output (kept in ``log``)."""
    with open(log, "w") as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=DIGEST)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(encoding="utf-8", errors="replace")
    if process.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed ({process.returncode}); see {log}")
    return Run(seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime), text


def digest_build(config: Path, log: Path) -> Run:
    """Run ``digest build`` in its own process and read its summary (-v: with stage times)."""
    run, text = timed([_python(), "-m", "digest", "build", "-v", "--config", str(config)], log)
    if found := re.search(r"Files written\s+(\d+)\s+\((\d+) unchanged\)", text):
        run.written, run.unchanged = int(found[1]), int(found[2])
    if found := re.search(r"Built in \d+ ms \((.*)\)", text):
        run.stages = {k: int(v) / 1000 for k, v in re.findall(r"(\w+) (\d+) ms", found[1])}
    return run


def cold_build(config: Path, trash: Trash) -> Run:
    """Run a cold build: nothing left by an earlier one, no cache, no output, no kept site."""
    folder = config.parent
    for leftover in (folder / "site", folder / ".digest-cache", folder / ".digest-tmp-site"):
        if leftover.is_dir():
            trash.put(leftover)
    return digest_build(config, folder / "cold.log")


def _python() -> str:
    """The Python that runs the digest being measured: this one, or --repo's venv's."""
    return sys.executable if DIGEST == REPO else str(DIGEST / ".venv" / "bin" / "python")


def prepare(size: int, out: Path, shape: str = "plain") -> tuple[Path, Path]:
    """Generate the corpus of ``size`` articles of a profile once; write a digest.toml for it."""
    generator, sources = SHAPES[shape]
    # The generator's own hash names the folder, so a changed generator makes a new corpus.
    version = hashlib.sha1(b"".join((HERE / f).read_bytes() for f in sources)).hexdigest()[:8]
    folder = out / f"corpus-{'' if shape == 'plain' else shape + '-'}{size}-{version}"
    content = folder / "content"
    if not (content / corpus.MANIFEST).exists():
        if content.exists():
            shutil.rmtree(content)
        start = time.perf_counter()
        apart(generator, size, content)
        print(f"  generated {size:,} {shape} articles in {time.perf_counter() - start:.1f} s",
              file=sys.stderr)
    config = folder / "digest.toml"
    config.write_text(
        f'title = "Bench digest"\nbase_url = "https://example.org/"\n'
        f'content = "{content}"\noutput = "{folder / "site"}"\n'
        f'templates = "{DIGEST / "templates"}"\nstatic = "{DIGEST / "static"}"\n'
        f"page_size = {PAGE_SIZE}\n"
        # Without --search, neither side builds a search index; with it, both do (Hugo's site
        # through the Pagefind CLI, which indexes the same article bodies).
        f"search = {'true' if SEARCH else 'false'}\n", encoding="utf-8")
    return folder, config


def edit_targets(content: Path) -> tuple[Path, Path, Path]:
    """Pick an article with a record and a plain-text body, and one with a record alone, the
    same ones every time; return the first's body file and record, and the second's record."""
    def pick() -> tuple[str, str, str]:
        manifest = corpus.read_manifest(content)
        entries = [e for e in manifest if e.record and e.body]
        alone = [e for e in manifest if e.record and not e.body]
        chosen = entries[len(entries) // 2]
        return str(chosen.body), str(chosen.record), str(alone[len(alone) // 2].record)

    body, record, moved = apart(pick)
    return content / body, content / record, content / moved


def measure(size: int, out: Path, runs: int, with_hugo: bool, trash: Trash,
            reference: Path | None = None, shape: str = "plain") -> Result:
    """Build one size ``runs`` times in each way; Hugo and digest alternate. With a
    ``reference`` (a corpus's config), it is built cold just before each cold build."""
    folder, config = prepare(size, out, shape)
    content = folder / "content"
    result = Result(size, shape, join=apart(joining.scored, content))
    if with_hugo:
        start = time.perf_counter()
        # Hugo cannot cluster: it is given the stories of a digest build (untimed), whose
        # output goes to the trash, as a deleted site would slow the builds that follow.
        report = hugo_terms.report_build(content, folder / "stories-build")
        apart(hugo.convert, content, folder / "hugo-site", PAGE_SIZE, report)
        trash.put(folder / "stories-build")
        print(f"  converted for Hugo in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    target, record, moving = edit_targets(content)
    original, original_record, original_moving = (
        path.read_text(encoding="utf-8") for path in (target, record, moving))

    def build_with_hugo() -> None:
        command = hugo.build(folder / "hugo-site", folder / "hugo-out", trash.put)
        if SEARCH:
            command = ["sh", "-c", f"{shlex.join(command)} && "
                       f"{shlex.join([pagefind_cli(), '--quiet', '--site', str(folder / 'hugo-out')])}"]
        result.hugo.append(timed(command, folder / "hugo.log")[0])
        result.hugo_files = sum(len(f) for _, _, f in os.walk(folder / "hugo-out"))

    try:
        for n in range(runs):
            # Hugo builds at the start and at the end of each round, and each of digest's
            # builds is set against their mean: this machine's speed drifts within a round.
            if with_hugo:
                build_with_hugo()
            if reference is not None:
                result.reference.append(cold_build(reference, trash))
            result.cold.append(cold_build(config, trash))
            result.noop.append(digest_build(config, folder / "noop.log"))
            # Each edit differs from the last, so every edit build sees a change. The first
            # after a cold build has no site before last to patch; an editor's later ones do.
            for edits, name in ((result.first_edit, "first"), (result.edit, "later")):
                target.write_text(original.rstrip("\n") + f" Edited in round {n + 1}, {name}.\n",
                                  encoding="utf-8")
                edits.append(digest_build(config, folder / "edit.log"))
            for edits, name in ((result.first_record_edit, "first"), (result.record_edit, "later")):
                record.write_text(original_record.replace(
                    'title: "', f'title: "Round {n + 1}, {name}: ', 1), encoding="utf-8")
                edits.append(digest_build(config, folder / "record-edit.log"))
            # A record alone: its date is no evidence for the join, which weighs a body's.
            moving.write_text(re.sub(r"(publishedDateTime: \S*?)(\d\d)T", lambda m: (
                f"{m[1]}{max(1, int(m[2]) - 1):02d}T"), original_moving, count=1), encoding="utf-8")
            result.move_edit.append(digest_build(config, folder / "move-edit.log"))
            if with_hugo:
                build_with_hugo()
            # Every round's cold build reads the corpus as generated.
            target.write_text(original, encoding="utf-8")
            record.write_text(original_record, encoding="utf-8")
            moving.write_text(original_moving, encoding="utf-8")
            print(f"  round {n + 1}: cold {result.cold[-1].seconds:.2f} s, "
                  f"no-op {result.noop[-1].seconds:.2f} s, first edit "
                  f"{result.first_edit[-1].seconds:.2f} s, edit {result.edit[-1].seconds:.2f} s, "
                  f"first record edit {result.first_record_edit[-1].seconds:.2f} s, "
                  f"record edit {result.record_edit[-1].seconds:.2f} s, "
                  f"move {result.move_edit[-1].seconds:.2f} s"
                  + (f", hugo {result.hugo[-2].seconds:.2f} s and {result.hugo[-1].seconds:.2f} s"
                     if with_hugo else ""),
                  file=sys.stderr)
    finally:
        target.write_text(original, encoding="utf-8")
        record.write_text(original_record, encoding="utf-8")
        moving.write_text(original_moving, encoding="utf-8")
    pages = re.search(r"Pages\s+(\d+)", (folder / "cold.log").read_text(encoding="utf-8"))
    result.pages = int(pages[1]) if pages else 0
    return result


def median(runs: list[Run], key: str = "seconds") -> float:
    return statistics.median(getattr(r, key) for r in runs) if runs else float("nan")


def table(results: list[Result], hugo_version: str | None) -> str:
    """Return the results as one plain-text table, targets underneath."""
    head = (f"{'articles':>8} {'profile':>7} {'pages':>7} | {'cold s':>7} {'no-op s':>7} {'1st edit':>8} "
            f"{'edit s':>7} {'1st rec':>7} {'rec edit':>8} {'move s':>7} | "
            f"{'written cold/no-op/edit':>23} | "
            f"{'RSS MB':>6} | {'hugo s':>7} {'hugo MB':>7} | {'cold/hugo':>9} {'no-op/hugo':>10} "
            f"{'edit/hugo':>9} {'1st rec/h':>9} {'rec/hugo':>8} {'move/h':>7}")
    lines = [head, "-" * len(head)]
    for r in results:
        h = median(r.hugo)
        written = "/".join(str(int(median(runs, "written"))) for runs in (r.cold, r.noop, r.edit))
        rss = max(x.rss_mb for x in r.cold + r.noop + r.first_edit + r.edit
                  + r.first_record_edit + r.record_edit + r.move_edit)
        lines.append(
            f"{r.size:>8,} {r.shape:>7} {r.pages:>7,} | {median(r.cold):>7.2f} {median(r.noop):>7.2f} "
            f"{median(r.first_edit):>8.2f} {median(r.edit):>7.2f} "
            f"{median(r.first_record_edit):>7.2f} {median(r.record_edit):>8.2f} "
            f"{median(r.move_edit):>7.2f} | "
            f"{written:>23} | {rss:>6.0f} | "
            + (f"{h:>7.2f} {max(x.rss_mb for x in r.hugo):>7.0f} | " if r.hugo else
               f"{'-':>7} {'-':>7} | ")
            + f"{_ratio(r.ratio(r.cold)):>9} {_ratio(r.ratio(r.noop)):>10} "
            f"{_ratio(r.ratio(r.edit)):>9} {_ratio(r.ratio(r.first_record_edit)):>9} "
            f"{_ratio(r.ratio(r.record_edit)):>8} {_ratio(r.ratio(r.move_edit)):>7}")
    lines.append("")
    for name, pick in (("cold", lambda r: r.cold), ("later one-edit", lambda r: r.edit),
                       ("first record-edit", lambda r: r.first_record_edit),
                       ("later record-edit", lambda r: r.record_edit),
                       ("move", lambda r: r.move_edit)):
        lines.append(f"digest {name} build stages (median s): " + "; ".join(
            f"{r.size:,} {r.shape}: " + ", ".join(
                f"{k} {statistics.median(x.stages.get(k, 0) for x in pick(r)):.2f}"
                for k in pick(r)[0].stages) for r in results))
    lines.append("cold-build CPU time (user + system s, workers included; steadier than wall time "
                 "on a machine whose speed drifts): " + "; ".join(
                     f"{r.size:,} {r.shape}: digest {median(r.cold, 'cpu'):.1f}"
                     + (f", Hugo {median(r.hugo, 'cpu'):.1f}, digest/Hugo "
                        f"{_ratio(r.ratio(r.cold, 'cpu'))}" if r.hugo else "") for r in results))
    lines.append("join against the corpus's truth (precision, recall, joins / true pairs): "
                 + "; ".join(f"{r.size:,} {r.shape}: {r.join[0]:.4f}, {r.join[1]:.4f}, {r.join[2]:,} / "
                             f"{r.join[3]:,}" for r in results))
    sizes = {r.size: r for r in results if r.shape == "plain"}
    if 10_000 in sizes and 100_000 in sizes:
        large, small = sizes[100_000], sizes[10_000]
        paired = statistics.median(r.seconds / s.seconds for r, s in zip(
            large.cold, large.reference, strict=True))
        across = median(large.cold) / median(small.cold)
        hugo_growth = f"; Hugo's: {median(large.hugo) / median(small.hugo):.1f}x" if large.hugo else ""
        lines.append(f"100k/10k cold-build time: {paired:.1f}x, each 100k cold build against a 10k "
                     f"one just before it (target <= 11x); {across:.1f}x from the medians above"
                     + hugo_growth)
    lines.append("targets at 10k: cold/hugo <= 1.0, no-op/hugo <= 0.10, edit/hugo <= 0.15 "
                 "(only the edited article's pages written), RSS <= 300 MB (1.5 GB at 100k); "
                 "1st edit: the first after a cold build, with no site before last to patch; "
                 "rec edit: a record retitled, which makes every page showing it again (1st: "
                 "the first such, after the edits; then a later one); move: the record's date "
                 "a day earlier, which moves its article on the list pages")
    searched = "on (digest: search = true; Hugo: hugo, then pagefind --site)"
    lines.append(f"search: {searched if SEARCH else 'off'}; digest: {DIGEST}")
    lines.append(f"hugo: {hugo_version or 'not installed, no comparison'}; page size {PAGE_SIZE}; "
                 f"median of runs; ratios: the median of each round's, against the mean of "
                 f"Hugo's builds at the round's start and end; cores {os.cpu_count()}; "
                 f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return "\n".join(lines)


def _ratio(value: float) -> str:
    return "-" if value != value else f"{value:.2f}"


def profile(size: int, out: Path, shape: str) -> None:
    """Profile one cold build of ``size`` articles with cProfile and print the top costs."""
    folder, config = prepare(size, out, shape)
    if (folder / "site").exists():
        shutil.rmtree(folder / "site")
    stats = out / f"profile-{size}.prof"
    subprocess.run([_python(), "-m", "cProfile", "-o", str(stats), "-m", "digest", "build",
                    "--config", str(config)], check=True, cwd=DIGEST, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    import pstats

    print(f"\ncProfile of a cold build of {size:,} {shape} articles ({stats}):")
    pstats.Stats(str(stats)).sort_stats("tottime").print_stats(25)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line."""
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--sizes", default="1000,10000",
                      help="comma-separated corpus sizes (default 1000,10000)")
    args.add_argument("--large", action="store_true", help="also run 100,000 articles (slow)")
    args.add_argument("--runs", type=int, default=3, help="rounds per size; medians are shown")
    args.add_argument("--out", type=Path, default=REPO / "bench-out", help="working folder")
    args.add_argument("--no-hugo", action="store_true", help="skip the Hugo comparison")
    args.add_argument("--shapes", default="plain,seed",
                      help="corpus profiles, comma-separated: plain, seed (default both)")
    args.add_argument("--repo", type=Path, default=REPO,
                      help="measure the digest of this checkout (its .venv, templates, static)")
    args.add_argument("--search", action="store_true",
                      help="search on: digest's default; Hugo's time adds the Pagefind CLI's")
    args.add_argument("--profile", action="store_true",
                      help="then profile one cold build of the largest size with cProfile")
    ns = args.parse_args(argv)
    global SEARCH, DIGEST
    SEARCH, DIGEST = ns.search, ns.repo.resolve()
    shapes = [s.strip() for s in ns.shapes.split(",") if s.strip()]
    if unknown := set(shapes) - SHAPES.keys():
        args.error(f"unknown profile {', '.join(sorted(unknown))}; known: {', '.join(SHAPES)}")
    sizes = [int(s.replace("_", "")) for s in ns.sizes.split(",") if s.strip()]
    if ns.large and 100_000 not in sizes:
        sizes.append(100_000)
    version = None if ns.no_hugo else hugo.version()
    if not ns.no_hugo and version is None:
        print("bench: hugo is not installed (apt-get install hugo); digest alone is measured",
              file=sys.stderr)
    ns.out.mkdir(parents=True, exist_ok=True)
    # As an installed package is: pip compiles a package's modules when it installs it, but an
    # editable install compiles them on first use, and not at all where PYTHONDONTWRITEBYTECODE
    # is set (0.1 s of every build, so measured).
    compileall.compile_dir(DIGEST / "digest", quiet=1)
    results = []
    trash = Trash(ns.out / f"trash-{os.getpid()}")
    try:
        for size in sizes:
            for shape in shapes:
                print(f"{size:,} articles, {shape} profile:", file=sys.stderr)
                # Growth is measured from builds minutes apart: the machine's speed drifts.
                reference = (prepare(10_000, ns.out, shape)[1]
                             if size > 10_000 and 10_000 in sizes else None)
                results.append(measure(size, ns.out, ns.runs, version is not None, trash,
                                       reference, shape))
    finally:
        trash.empty()
    text = table(results, version)
    print(text)
    (ns.out / "results.json").write_text(json.dumps(
        {"hugo": version, "table": text, "results": [asdict(r) for r in results]}, indent=1),
        encoding="utf-8")
    if ns.profile:
        profile(max(sizes), ns.out, shapes[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
