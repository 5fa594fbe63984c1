"""Nothing is lost: killed builds, parallel builds, and output folders that would replace sources."""

from __future__ import annotations

import gc
import json
import os
import re
import signal
import subprocess
import sys
import time
import weakref
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest
from conftest import REPO, record

from digest import parallel
from digest.build import build
from digest.cli import main
from digest.config import ADDRESSES_NAME
from digest.incremental.cache import CACHE_FILE, SHARDS, body_shard_path, shard_path
from digest.incremental.kept import KEPT_FILE
from digest.incremental.store import FOLDER as BODIES
from digest.incremental.store import PACK_SUFFIX, RELATED_SUFFIX, SUFFIX
from digest.output.staging import work_folder
from digest.output.write import spare_folders


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its bytes (None for folders)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None
            for p in sorted(folder.rglob("*"))}


def many_articles(count: int, version: str) -> dict[str, str]:
    return {f"a{i:04}.txt": record(title=f"Story {i} {version}", url=f"https://example.com/{i}",
                                   topics=(f"Topic {i % 40}",), date=f"2020-06-{1 + i % 28:02}T10:00:00Z")
            + f"Paragraph one of story {i}, {version}.\nParagraph two.\n" for i in range(count)}


def command(config, *extra: str) -> list[str]:
    return [sys.executable, "-m", "digest", "build", "--content", str(config.content),
            "--output", str(config.output), "--base-url", config.base_url, *extra]


def leftovers(config) -> list[str]:
    """Temporary folders beside the output, but for the site before last, kept on purpose."""
    kept = spare_folders(config.output)
    return sorted(p.name for p in work_folder(config.output).iterdir()
                  if p.is_dir() and p not in kept)


def kept(config) -> list[Path]:
    return sorted(spare_folders(config.output))


def staging(config, process: subprocess.Popen) -> Path:
    return work_folder(config.output) / f"staging-{process.pid}"


def _wait_for_staged(config, process: subprocess.Popen, count: int) -> None:
    """Return once the build's staging folder holds ``count`` files, or the build has ended."""
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if sum(len(files) for _, _, files in os.walk(staging(config, process))) >= count:
            return
        time.sleep(0.001)


def test_a_killed_build_leaves_the_previous_site_whole(make_site, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    config = make_site(many_articles(300, "second"))  # every page differs from "first"
    # Both titles' addresses published first (addresses.json): each site then holds redirect
    # pages from the other's, and is what any later build of its content gives.
    build(config)
    build(make_site(many_articles(300, "first")))
    make_site(many_articles(300, "second"))
    start = time.perf_counter()
    subprocess.run(command(config), check=True, capture_output=True, env=env, cwd=tmp_path)
    duration = time.perf_counter() - start
    second = tree(config.output)
    build(make_site(many_articles(300, "first")))
    good = tree(config.output)
    assert good != second
    make_site(many_articles(300, "second"))

    killed_while_writing = 0
    # Kill once while reading, then at ever later points of the writing, found by watching
    # the staging folder fill up, so the test does not depend on the machine's speed.
    for files_written in (None, 1, 100, 300, 500, 700, 900):
        process = subprocess.Popen(command(config), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, env=env, cwd=tmp_path)
        if files_written is None:
            time.sleep(duration * 0.1)
        else:
            _wait_for_staged(config, process, files_written)
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = tree(config.output)
        if now == second:  # killed after the swap, or not killed: the new site, whole
            break
        assert process.returncode == -signal.SIGKILL
        assert now == good, f"killed after {files_written} staged files, _site/ is neither site"
        killed_while_writing += files_written is not None and bool(leftovers(config))
    assert killed_while_writing, "no kill landed while the build was writing"
    subprocess.run(command(config), check=True, capture_output=True, env=env, cwd=tmp_path)
    assert tree(config.output) == second
    assert leftovers(config) == []


def test_a_build_refuses_while_another_holds_the_lock(make_site, tmp_path, capsys):
    config = make_site({"a.txt": record() + "Body.\n"})
    build(config)
    before = tree(config.output)
    (config.content / "b.txt").write_text(record(title="Second", url="https://example.com/b"))
    # Another process holds the lock, as another build would.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom pathlib import Path\n"
         "from digest.output.write import site_lock\nwith site_lock(Path(sys.argv[1])):\n"
         "    print('locked', flush=True)\n    sys.stdin.read()", str(config.output)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert holder.stdout.readline() == "locked\n"
        status = main(["build", "--content", str(config.content), "--output", str(config.output)])
    finally:
        holder.communicate("")
    assert status == 2
    assert "another build is writing" in capsys.readouterr().err
    assert tree(config.output) == before


def test_two_builds_at_once_leave_a_whole_site(make_site, tmp_path):
    config = make_site(many_articles(150, "first"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    runs = [subprocess.Popen(command(config), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env=env, cwd=tmp_path, text=True) for _ in range(2)]
    results = [(p.wait(), p.stderr.read()) for p in runs]
    for p in runs:
        p.stderr.close()
    assert 0 in [code for code, _ in results]
    for code, err in results:
        assert code == 0 or (code == 2 and "another build is writing" in err), err
    built = tree(config.output)
    build(config)
    assert tree(config.output) == built
    assert leftovers(config) == []


@pytest.mark.parametrize("where", ["content", ".", "..", "templates"])
def test_output_may_not_replace_sources(make_site, tmp_path, capsys, monkeypatch, where):
    config = make_site({"a.txt": record() + "Body.\n"})
    monkeypatch.chdir(tmp_path)
    (tmp_path / "digest.toml").write_text('title = "T"\n')
    before = tree(tmp_path)
    status = main(["build", "--output", where])
    assert status == 2
    err = capsys.readouterr().err
    assert "would replace" in err and "choose a separate folder" in err
    assert tree(tmp_path) == before
    assert config.content.is_dir()


def test_output_that_is_a_file_is_refused(make_site, capsys):
    config = make_site({"a.txt": record() + "Body.\n"})
    config.output.write_text("not a folder")
    status = main(["build", "--content", str(config.content), "--output", str(config.output)])
    assert status == 2 and "is a file, not a folder" in capsys.readouterr().err
    assert config.output.read_text() == "not a folder"


def test_nothing_is_written_outside_the_output_folder(make_site, tmp_path):
    hostile = {
        "a.txt": record(title="../../../../escape", topics=("../..", "/etc", "..")) + "Body.\n",
        "b.txt": record(title="/absolute/path", url="https://example.com/b",
                        provider="../../providers", topics=(".",)) + "Body.\n",
        "c.yaml": "title: '..'\nbody: ../../../outside.txt\n",
    }
    config = make_site(hostile)
    outside = {k: v for k, v in tree(tmp_path).items() if not k.startswith("_site")}
    build(config)
    after = {k: v for k, v in tree(tmp_path).items() if not k.startswith("_site")}
    new = set(after) - set(outside)
    # Besides the site, a build writes only its lock, its cache and the addresses it published,
    # all in fixed places; those addresses all lie inside the site.
    published = json.loads((tmp_path / ADDRESSES_NAME).read_text())
    assert published and all((config.output / a).resolve().is_relative_to(config.output.resolve())
                             and (config.output / a / "index.html").is_file() for a in published)
    cache = [".digest-cache", f".digest-cache/{CACHE_FILE}", f".digest-cache/{BODIES}",
             f".digest-cache/{KEPT_FILE}"] + [
        path(Path(".digest-cache"), shard).as_posix()
        for shard in range(SHARDS) for path in (shard_path, body_shard_path)]
    stored = {path for path in new if path.startswith(f".digest-cache/{BODIES}/")
              and path.count("/") == 2 and path.endswith((SUFFIX, RELATED_SUFFIX, PACK_SUFFIX))}
    compiled = {path for path in new if re.fullmatch(
        r"\.digest-cache/templates/[0-9a-f]+\.cache", path)}
    assert compiled  # the templates, compiled, are kept there too
    work = work_folder(config.output).name
    assert new - stored - compiled <= {work, f"{work}/lock", *cache, ".digest-cache/templates",
                                       ADDRESSES_NAME}
    assert {k: v for k, v in after.items() if k in outside} == outside


def test_a_build_killed_while_patching_the_kept_site_leaves_the_site_whole(make_site, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    config = make_site(many_articles(300, "first"))
    build(config)
    build(make_site(many_articles(300, "second")))  # keeps the first site beside the second
    assert len(kept(config)) == 1
    good = tree(config.output)
    make_site(many_articles(300, "third"))  # every page differs from both
    process = subprocess.Popen(command(config), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=env, cwd=tmp_path)
    # The build moves the kept site to its staging folder and rewrites the home page first:
    # kill it once that page is rewritten, with the rest of the site still to patch.
    home = staging(config, process) / "index.html"
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if b"third" in home.read_bytes():
                break
        except OSError:
            pass
        time.sleep(0.001)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert tree(config.output) == good
    assert kept(config) == [] and leftovers(config) == [staging(config, process).name]
    build(config)
    reference = replace(config, output=tmp_path / "reference")
    build(reference, cached=False)
    assert tree(config.output) == tree(reference.output)
    assert leftovers(config) == [] and len(kept(config)) == 1


def test_a_worker_whose_build_died_before_it_started_leaves_at_once():
    """A build killed just after forking a worker cannot have the kernel kill that worker: the
    worker sees it has another parent than the build that forked it, and exits."""
    child = os.fork()
    if child == 0:  # the worker: told of a parent that is not its own, as if the build had died
        parallel._die_with_parent(os.getppid() + 1)
        os._exit(0)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 1
    child = os.fork()
    if child == 0:  # its build alive: the worker carries on
        parallel._die_with_parent(os.getppid())
        os._exit(0)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_work_in_background_gives_its_result_or_is_done_here(monkeypatch):
    parent = os.getpid()
    with parallel.in_background(lambda: (os.getpid(), [1, 2, 3])) as result:
        pid, value = result()
        assert result()[0] == pid  # asked again: the same result, not the work again
    assert value == [1, 2, 3] and pid != parent  # made in another process

    def fails_elsewhere() -> int:
        if os.getpid() != parent:
            os._exit(3)  # the background process dies without a result
        return 42

    with parallel.in_background(fails_elsewhere) as result:
        assert result() == 42  # so it is done here
    monkeypatch.setattr(parallel, "cores", lambda: 1)
    with parallel.in_background(os.getpid) as result:
        assert result() == parent  # one core: nothing to gain from another process


def test_work_handed_to_the_background_is_let_go_here_and_its_failure_raised(tmp_path):
    class Held(list):  # what the work holds: a weak reference tells when this process drops it
        pass

    parent, held = os.getpid(), Held([1, 2, 3])
    alive = weakref.ref(held)
    with parallel.in_background(partial(sum, held), again=False) as result:
        del held
        gc.collect()
        assert alive() is None  # the child has it; this process no longer does
        assert result() == 6

    def raises() -> int:
        if os.getpid() == parent:
            raise AssertionError("done again here")
        raise OSError(28, "No space left on device", str(tmp_path / "shard"))

    with (parallel.in_background(raises, again=False) as result,
          pytest.raises(OSError, match="No space left") as caught):
        result()
    assert caught.value.filename == str(tmp_path / "shard")  # the child's error, told as it was

    def dies() -> int:
        if os.getpid() == parent:
            raise AssertionError("done again here")
        os._exit(3)

    with (parallel.in_background(dies, again=False) as result,
          pytest.raises(ChildProcessError, match="background process")):
        result()


def test_work_in_background_never_asked_for_leaves_no_process():
    before = _children()  # other tests' processes may still be about
    with parallel.in_background(lambda: b"x" * (1 << 20)) as result:  # more than a pipe holds
        ours = _children() - before
    del result
    assert ours  # it ran in a process of its own
    assert not _children() & ours  # and that process is gone, waited for


def test_what_steps_share_comes_back_as_one_object():
    def steps():  # as the survey gives the site in place, then it again beside the spare site
        live = {f"page-{n}/index.html": (n, n, n) for n in range(1000)}
        yield os.getpid(), live
        yield os.getpid(), (live, {"spare": dict(live)})

    with parallel.in_background_steps(steps) as step:
        (pid, live), (_, (again, spare)) = step(0), step(1)
        assert pid != os.getpid()  # made in another process
        assert again is live  # not a copy
        assert spare["spare"] == live


def test_work_in_steps_gives_each_step_as_asked_and_stops_at_the_end_of_its_block(monkeypatch):
    parent = os.getpid()
    reading, writing = os.pipe()  # the second step waits on it: the test writes only after

    def steps():
        yield os.getpid()
        os.read(reading, 1)  # never given while the block runs
        yield "second"

    def hung(*_: object) -> None:
        raise AssertionError("the block's end waited for a step nobody asked for")

    before = _children()
    handler = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    try:
        with parallel.in_background_steps(steps) as step:
            assert step(0) != parent and step(0) == step(0)  # made elsewhere, given again
            ours = _children() - before
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, handler)
        os.write(writing, b"x")
        os.close(writing)
    assert ours and not _children() & ours  # its process is gone, waited for

    def fails_elsewhere():
        if os.getpid() != parent:
            os._exit(3)  # the background process dies without a result
        yield "first"
        yield "second"

    with parallel.in_background_steps(fails_elsewhere) as step:
        assert step(1) == "second" and step(0) == "first"  # so the steps are done here

    def pids():
        yield os.getpid()
        yield os.getpid()

    before = _children()
    with parallel.in_background_steps(pids) as step:
        first = step(0)
        ours = _children() - before
        step.stop()  # not to take a core from the build: its process is gone at once
        assert ours and not _children() & ours
        assert step(1) == parent and step(0) == first  # a step asked after is done here
    monkeypatch.setattr(parallel, "cores", lambda: 1)
    with parallel.in_background_steps(steps) as step:
        assert step(0) == parent  # one core: nothing to gain from another process
    os.close(reading)


def _children() -> set[int]:
    """Return the ids of this process's child processes, from /proc."""
    me = os.getpid()
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stream:
                    fields = stream.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == me:
                found.add(int(entry))
    return found


def test_workers_collect_their_own_cyclic_garbage_while_the_build_pauses_the_collector(
        monkeypatch):
    def in_worker(_: int) -> tuple[bool, bool]:
        return gc.isenabled(), gc.get_freeze_count() > 0  # what it inherited is left alone

    monkeypatch.setattr(parallel, "cores", lambda: 2)
    gc.disable()  # as a build does
    try:
        states = list(parallel.fork_map(in_worker, range(4)))
    finally:
        gc.enable()
    assert states == [(True, True)] * 4
