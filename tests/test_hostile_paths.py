"""Files and folders a build meets that no editor meant: links out, pipes, depth, names that
speak to the terminal, folders that cannot be written. Each is said, never a traceback."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import record

from digest.build import build
from digest.cli import main
from digest.errors import TemplateProblem

STORY = record(title="A story", url="https://example.com/a") + "A body.\n"
PAGE = "articles/2020/06/a-story/index.html"


def run(config, *args: str, limit: int | None = None, permissions: bool = False,
        command: str = "build") -> subprocess.CompletedProcess[str]:
    """Run ``digest COMMAND`` on the site of ``config`` in a process of its own, with files no
    larger than ``limit`` bytes (as ``ulimit -f``); with ``permissions``, bound by file
    permissions even when run as root (which otherwise passes them by)."""
    def start() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    bound = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] \
        if permissions and os.geteuid() == 0 else []
    return subprocess.run(
        [*bound, sys.executable, "-m", "digest", command, "--content", str(config.content),
         "--base-url", config.base_url, *args],
        cwd=config.root, capture_output=True, text=True, timeout=120, check=False,
        preexec_fn=start, env={**os.environ, "XDG_CACHE_HOME": str(config.root / "user-cache")})


# --- static files and templates: the content folder's rules ------------------------------

def test_static_links_leading_out_and_hidden_folders_are_not_published(make_site, tmp_path):
    config = make_site({"a.txt": STORY})
    secret = tmp_path / "secret.txt"
    secret.write_text("API_KEY=do-not-publish\n")
    (config.static / "environ").symlink_to("/proc/self/environ")
    (config.static / "outside.txt").symlink_to(secret)
    (config.static / ".private").mkdir()
    (config.static / ".private" / "notes.txt").write_text("hidden\n")
    (config.static / "inside.css").symlink_to(config.static / "style.css")
    done = run(config)
    assert done.returncode == 0, done.stderr
    published = config.output / "static"
    assert not (published / "environ").exists() and not (published / "outside.txt").exists()
    assert not (published / ".private").exists()
    assert (published / "inside.css").read_bytes() == (config.static / "style.css").read_bytes()
    assert "static/environ" in done.stderr and "static/outside.txt" in done.stderr
    assert not any(b"do-not-publish" in p.read_bytes() for p in config.output.rglob("*")
                   if p.is_file())


def test_a_template_linked_out_of_the_folder_is_refused(make_site, tmp_path):
    config = make_site({"a.txt": STORY})
    outside = tmp_path / "outside.html"
    outside.write_text("{{ 'leaked' }}\n")
    (config.templates / "partials" / "footer-extra.html").symlink_to(outside)
    home = config.templates / "home.html"
    home.write_text(home.read_text() + '{% include "partials/footer-extra.html" %}\n')
    with pytest.raises(TemplateProblem, match="leading outside the templates folder"):
        build(config)


@pytest.mark.parametrize("folder", ["content", "static"])
def test_a_pipe_is_skipped_not_read(make_site, folder):
    config = make_site({"a.txt": STORY})
    os.mkfifo(config.root / folder / "pipe.txt")
    done = run(config)  # a build that opened the pipe would wait until the timeout
    assert done.returncode == 0, done.stderr
    assert "pipe.txt" in done.stderr and "not a regular file" in done.stderr
    assert (config.output / PAGE).is_file()


def test_folders_nested_deeper_than_the_recursion_limit_are_read(make_site):
    config = make_site({"a.txt": STORY})
    chain = [config.content / "d"]
    for _ in range(1099):  # one at a time: mkdir(parents=True) recurses as deep
        chain.append(chain[-1] / "d")
    for folder in chain:
        folder.mkdir()
    (chain[-1] / "deep.txt").write_text(record(title="Deep", url="https://example.com/deep"))
    try:
        done = run(config)
        assert done.returncode == 0, done.stderr
        assert (config.output / "articles/2020/06/deep/index.html").is_file()
        assert run(config).returncode == 0  # and again, from the cache
    finally:  # removed here: pytest's own clean-up recurses, and would fail as deep
        (chain[-1] / "deep.txt").unlink()
        for folder in reversed(chain):
            folder.rmdir()


# --- problems of the machine: a message and exit status 2, never a traceback -------------

def test_a_missing_content_folder_is_said_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--content", "nowhere"]) == 2
    assert main(["check", "--content", "nowhere"]) == 2
    assert main(["serve", "--content", "nowhere", "--port", "0"]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_an_output_beside_which_nothing_can_be_written_is_said(make_site, tmp_path):
    config = make_site({"a.txt": STORY})
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o555)
    done = run(config, "--output", str(parent / "site"), permissions=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "Permission denied" in done.stderr
    assert list(parent.iterdir()) == []


def test_a_cache_that_cannot_be_written_is_said_and_the_site_still_built(make_site, tmp_path):
    config = make_site({"a.txt": STORY})
    cache = config.cache_dir
    cache.mkdir()
    cache.chmod(0o555)
    for _ in range(2):
        done = run(config, permissions=True)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        assert "cannot write the cache folder" in done.stderr
        assert (config.output / PAGE).is_file()


def test_a_full_disk_while_saving_the_cache_is_said_and_the_site_is_whole(make_site, tmp_path):
    # A day apiece (but a few): a day's edition lists all its articles on one page.
    config = make_site({f"s{n}.txt": record(title=f"Story {n}", url=f"https://e.com/{n}",
                                            date=f"2020-06-{n % 28 + 1:02}T10:00:00Z",
                                            topics=(f"Topic {n}",)) + f"Body {n}.\n"
                        for n in range(60)}, page_size=5)
    assert run(config).returncode == 0
    largest_page = max(p.stat().st_size for p in config.output.rglob("*") if p.is_file())
    largest_cache = max(p.stat().st_size for p in config.cache_dir.rglob("*") if p.is_file())
    # A limit between them fails the cache alone (the edit below grows the sitemap a little).
    assert largest_cache > 1.5 * largest_page
    (config.content / "s1.txt").write_text(record(title="Story 1", url="https://e.com/1",
                                                  date="2020-06-02T10:00:00Z",
                                                  topics=("Topic 1",)) + "Body 1, edited.\n")
    (config.content / "new.txt").write_text(record(title="New", url="https://e.com/new"))
    done = run(config, limit=(largest_page + largest_cache) // 2)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "could not be saved" in done.stderr
    assert "Body 1, edited." in (config.output / "articles/2020/06/story-1/index.html").read_text()
    # The next build, with room, trusts nothing the failed save left and equals a clean one.
    assert run(config).returncode == 0
    clean = tmp_path / "clean"
    assert run(config, "--output", str(clean), "--no-cache").returncode == 0
    assert site_of(config.output) == site_of(clean)


def test_a_full_disk_while_writing_the_site_is_said_and_the_old_site_stays(make_site):
    config = make_site({"a.txt": STORY})
    assert run(config).returncode == 0
    before = site_of(config.output)
    (config.content / "a.txt").write_text(STORY + "x" * 200_000 + "\n")
    done = run(config, limit=100_000)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "File too large" in done.stderr
    assert site_of(config.output) == before


def site_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --- names that speak to the terminal ----------------------------------------------------

EVIL = "evil\x1b]0;TITLE\x07\x1b[2J.txt"
FAKE = "a.txt: error D999: a fake problem\ncontent/b"


def test_control_characters_in_names_are_shown_escaped(make_site):
    config = make_site({"a.txt": STORY, EVIL: b"\x00\x01binary", FAKE: ""})
    for args in (("--no-cache",), ("--no-cache", "-v")):  # each reads the files afresh
        done = run(config, *args)
        assert done.returncode == 0
        for text in (done.stdout, done.stderr):
            assert "\x1b" not in text and "\x07" not in text
        assert "\\x1b]0;TITLE\\x07\\x1b[2J" in done.stderr
        fake = [line for line in done.stderr.splitlines() if "D999" in line]
        assert len(fake) == 1 and "\\x0a" in fake[0]  # one line, its newline shown
    checked = run(config, "--format", "json", command="check")
    paths = [d["path"] for d in json.loads(checked.stdout)["diagnostics"]]
    assert any("\\x1b]0;TITLE" in path for path in paths)
    assert not any("\x1b" in path or "\n" in path for path in paths)

