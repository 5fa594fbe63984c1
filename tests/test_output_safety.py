"""A build never deletes what it did not write, and writes nowhere it should not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import age, record, stories

from digest.build import build
from digest.cli import main
from digest.errors import OutputError
from digest.output.owned import MARKER, marked, marker
from digest.output.staging import work_folder
from digest.output.write import site_lock, spare_folders

STORY = record(title="A story", url="https://example.com/a") + "A body.\n"


def run(config, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``digest build`` on the site of ``config`` in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "digest", "build", "--content", str(config.content),
         "--base-url", config.base_url, *args],
        cwd=cwd or config.root, capture_output=True, text=True, timeout=120, check=False)


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def beside(folder: Path) -> list[str]:
    """The names in the folder that holds ``folder``."""
    return sorted(p.name for p in folder.parent.iterdir())


def test_a_folder_holding_a_users_files_is_refused_and_left_as_it_was(make_site, tmp_path):
    config = make_site({"a.txt": STORY})
    docs = tmp_path / "docs"
    (docs / "guide").mkdir(parents=True)
    (docs / "guide.md").write_text("# My guide\n")
    (docs / "guide" / "setup.md").write_text("Setup\n")
    before, around = files_under(docs), beside(docs)
    for _ in range(2):  # the old writer swapped it aside the first time and pruned it the second
        done = run(config, "--output", "docs")
        assert done.returncode == 2, done.stderr
        assert "guide.md" in done.stderr and "Traceback" not in done.stderr
        assert "no digest build made it" in done.stderr
        assert files_under(docs) == before and beside(docs) == around


def test_a_git_folder_and_a_home_folder_are_refused(make_site, tmp_path):
    config = make_site({"a.txt": STORY})
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    git = tmp_path / "repo" / ".git"
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text("secret key\n")
    for folder in (git, home):
        before = files_under(folder)
        done = run(config, "--output", str(folder))
        assert done.returncode == 2, done.stderr
        assert files_under(folder) == before
    status = subprocess.run(["git", "-C", str(tmp_path / "repo"), "status"],
                            capture_output=True, text=True, check=False)
    assert status.returncode == 0, status.stderr


def test_a_linked_output_is_judged_by_the_folder_it_leads_to(make_site, tmp_path):
    config = make_site({"a.txt": STORY})
    elsewhere = tmp_path / "elsewhere"
    target = elsewhere / "theirs"
    target.mkdir(parents=True)
    (target / "mine.txt").write_text("not the build's\n")
    link = tmp_path / "linked"
    link.symlink_to(target)
    done = run(config, "--output", "linked")
    assert done.returncode == 2 and "mine.txt" in done.stderr
    assert files_under(target) == {"mine.txt": b"not the build's\n"}
    assert beside(target) == ["theirs"]  # nothing written beside the folder either
    # An empty folder behind a link is built into, twice, and the link stays a link.
    (target / "mine.txt").unlink()
    for _ in range(2):
        done = run(config, "--output", "linked")
        assert done.returncode == 0, done.stderr
    assert link.is_symlink() and (target / "index.html").is_file() and (target / MARKER).is_file()


def test_a_file_added_to_a_built_site_stops_the_next_build_rather_than_go(make_site):
    config = make_site({"a.txt": STORY})
    build(config)
    (config.output / "googlecafe.html").write_text("google-site-verification\n")
    (config.output / "notes").mkdir()
    (config.output / "notes" / "todo.txt").write_text("mine\n")
    (config.content / "b.txt").write_text(record(title="B", url="https://example.com/b"))
    for _ in range(2):  # a second build must not delete them either
        with pytest.raises(OutputError, match=r"googlecafe\.html, notes/todo\.txt"):
            build(config)
        assert (config.output / "googlecafe.html").read_text() == "google-site-verification\n"
        assert (config.output / "notes" / "todo.txt").read_text() == "mine\n"
    (config.output / "googlecafe.html").unlink()
    (config.output / "notes" / "todo.txt").unlink()
    build(config)
    assert (config.output / "articles/2020/06/b/index.html").is_file()


def test_a_file_added_to_a_built_site_stops_an_edit_put_in_place_too(make_site):
    config = make_site(stories(3, 6), search=True)
    age(config.content.iterdir())
    build(config)
    (config.output / "articles" / "mine.html").write_text("mine\n")
    body = config.content / "s1.txt"
    body.write_text(body.read_text() + "One more sentence.\n")
    age([body])
    with pytest.raises(OutputError, match=r"articles/mine\.html"):
        build(config)
    assert (config.output / "articles" / "mine.html").read_text() == "mine\n"
    (config.output / "articles" / "mine.html").unlink()
    build(config)
    assert any(b"One more sentence." in page.read_bytes()
               for page in config.output.glob("articles/*/*/*/index.html"))


@pytest.mark.parametrize("inside", ["content", "static", "templates", ".digest-cache"])
def test_an_output_inside_a_folder_the_build_reads_is_refused(make_site, inside, monkeypatch):
    config = make_site({"a.txt": STORY})
    monkeypatch.chdir(config.root)
    status = main(["build", "--content", str(config.content), "--output", f"{inside}/site"])
    assert status == 2
    assert not (config.root / inside / "site").exists()


def test_a_builds_temporary_folders_are_its_own_output_s_alone(make_site, tmp_path):
    config = make_site({"a.txt": STORY})
    other = tmp_path / "_site-x"
    for n, output in enumerate((other, other, config.output, config.output)):
        (config.content / f"{n}.txt").write_text(record(title=f"N{n}", url=f"https://e.com/{n}"))
        assert run(config, "--output", str(output)).returncode == 0
    kept_other = spare_folders(other)
    assert len(kept_other) == 1 and len(spare_folders(config.output)) == 1
    # Another build holds _site-x's lock: a build of _site neither waits for it nor touches it.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom pathlib import Path\n"
         "from digest.output.write import site_lock\nwith site_lock(Path(sys.argv[1])):\n"
         "    print('locked', flush=True)\n    sys.stdin.read()", str(other)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        (config.content / "b.txt").write_text(record(title="B", url="https://example.com/b"))
        done = run(config, "--output", str(config.output))
        assert done.returncode == 0, done.stderr
    finally:
        holder.communicate("")
    assert spare_folders(other) == kept_other and kept_other[0].is_dir()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".digest-tmp-")) == [
        ".digest-tmp-_site", ".digest-tmp-_site-x"]


def test_a_killed_builds_leftovers_are_cleared_from_its_own_folder_only(make_site, tmp_path):
    config = make_site({"a.txt": STORY})
    build(config)
    theirs = tmp_path / ".digest-tmp-_site-x" / "staging-1"
    theirs.mkdir(parents=True)
    ours = work_folder(config.output) / "staging-1"
    ours.mkdir()
    with site_lock(config.output):
        pass
    assert theirs.is_dir() and not ours.exists()


def test_a_report_inside_the_site_is_refused(make_site, monkeypatch):
    config = make_site({"a.txt": STORY, "draft.txt": record(
        title="Secret draft", url="https://example.com/d", extra="draft: true")})
    monkeypatch.chdir(config.root)
    report = config.output / "report.json"
    build(config)
    status = main(["build", "--content", str(config.content), "--output", str(config.output),
                   "--report", str(report)])
    assert status == 2 and not report.exists()
    assert main(["check", "--content", str(config.content),
                 "--report", str(config.content / "r.json")]) == 2


@pytest.mark.parametrize("url", ["javascript:alert(1)//", "data:text/html,x", "//example.org/",
                                 "https://", "https://exa mple.org/", "https://example.org/?a=1",
                                 'https://example.org/"><script>'])
def test_a_base_url_must_be_an_absolute_http_address(make_site, url, capsys, monkeypatch):
    config = make_site({"a.txt": STORY})
    monkeypatch.chdir(config.root)
    status = main(["build", "--content", str(config.content), "--base-url", url])
    assert status == 2 and "base_url must be an absolute http(s) URL" in capsys.readouterr().err
    assert not config.output.exists()


def test_robots_txt_is_plain_text(make_site, monkeypatch):
    config = make_site({"a.txt": STORY})
    monkeypatch.chdir(config.root)
    assert main(["build", "--content", str(config.content),
                 "--base-url", "https://example.org/news&views/"]) == 0
    robots = (config.output / "robots.txt").read_text()
    assert "Sitemap: https://example.org/news&views/sitemap.xml" in robots, robots


def test_the_marker_names_every_file_of_the_site_and_nothing_else(make_site):
    config = make_site({"a.txt": STORY})
    build(config)
    listed = json.loads((config.output / MARKER).read_text())
    on_disk = sorted(rel for rel in files_under(config.output) if rel != MARKER)
    assert listed == on_disk and "index.html" in listed


def test_the_marker_names_each_file_on_a_line_of_its_own_and_reads_back(tmp_path):
    names = ["b/index.html", 'q"uote\\d.html', "ünï/cödé.html", "tab\there", "\udcff-bytes",
             MARKER, "a.html"]
    written = marker(names)
    listed = [name for name in names if name != MARKER]
    # The format as it was first written, one JSON string a line, sorted: a site's marker
    # must not change for a build of the same files.
    assert written == ("[\n" + ",\n".join(json.dumps(rel, ensure_ascii=False)
                                           for rel in sorted(listed)) + "\n]\n").encode(
        "utf-8", "surrogateescape")
    assert marker([]) == b"[\n\n]\n"
    (tmp_path / MARKER).write_bytes(written)
    assert marked(tmp_path) == sorted(listed)
