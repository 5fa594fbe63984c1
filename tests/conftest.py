"""Shared fixtures: small sites written from strings into a temporary folder."""

from __future__ import annotations

import functools
import http.server
import os
import random
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from digest.config import Config
from digest.incremental import sealed

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "content"

RECORD = """\
---
title: "{title}"
excerpt: "{excerpt}"
publishedDateTime: {date}
webUrl: "{url}"
provider:
  name: {provider}
  domain: example.com
topics:
{topics}
---
"""


def record(title: str = "A story", excerpt: str = "", date: str = "2020-06-12T19:19:00Z",
           url: str = "https://example.com/a-story", provider: str = "Example News",
           topics: tuple[str, ...] = ("AI",), extra: str = "") -> str:
    """Return the text of a metadata record in the seed format."""
    text = RECORD.format(title=title, excerpt=excerpt, date=date, url=url, provider=provider,
                         topics="\n".join(f"  - {t}" for t in topics) or "  []")
    return _with_extra(text, extra)


def _with_extra(text: str, extra: str) -> str:
    if not extra:
        return text
    head, _, tail = text.rpartition("---\n")
    return head + extra.rstrip("\n") + "\n---\n" + tail


STORY_WORDS = ("the", "a", "storm", "vote", "market", "rover", "vaccine", "chip", "model", "rally",
         "court", "bridge", "river", "harbour", "signal", "budget")


def story(rng: random.Random, n: int, how: int | None = None) -> dict[str, str]:
    """Return the files of one article, its record and body paired in one of the join's ways."""
    opening = " ".join(rng.choice(STORY_WORDS) for _ in range(20))
    # Past the 400 characters the join reads: an edit there can only change the article's page.
    more = " ".join(rng.choice(STORY_WORDS) for _ in range(80))
    body = f"{opening.capitalize()}.\n\nMore about {more}.\n"
    head = record(title=f"Story {n} {rng.choice(STORY_WORDS)}", excerpt=f"{opening.capitalize()}.",
                  url=f"https://example.com/s{n}", provider=rng.choice(("Wire", "Planet")),
                  date=f"2021-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00Z",
                  topics=tuple(rng.sample(("AI", "Space", "Health"), rng.randint(0, 2))))
    how = n % 3 if how is None else how
    if how == 0:  # one file
        return {f"s{n}.md": head + body}
    if how == 1:  # same stem
        return {f"s{n}.yaml": head.strip("-\n") + "\n", f"s{n}.txt": body}
    return {f"r{n}.yaml": head.strip("-\n") + "\n", f"b{n}.txt": body}  # by content



def stories(seed: int, count: int = 12) -> dict[str, str]:
    """Return the files of ``count`` articles, paired in each of the join's ways in turn."""
    rng = random.Random(seed)
    files: dict[str, str] = {}
    for n in range(count):
        files.update(story(rng, n))
    return files

def built_stories(make: SiteMaker) -> Config:
    """Make and build a site of twelve articles, paired in each of the join's ways in turn."""
    config = make(stories(21))
    age(config.content.iterdir())
    from digest.build import build

    build(config)
    return config


def site_bytes(output: Path) -> dict[str, bytes]:
    """Return every file of a built site, by path, with its bytes."""
    return {p.relative_to(output).as_posix(): p.read_bytes()
            for p in sorted(output.rglob("*")) if p.is_file()}


def age(paths: Iterable[Path], seconds: int = 3600) -> None:
    """Date files back: a build trusts no file changed just before it."""
    when = time.time_ns() - seconds * 10**9
    for path in paths:
        os.utime(path, ns=(when, when))


SiteMaker = Callable[..., Config]


@pytest.fixture(scope="session", autouse=True)
def user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep the cache's key (``sealed.key_path``) in a folder of this session, not in the home
    of whoever runs the tests; processes the tests start inherit it."""
    folder = tmp_path_factory.mktemp("user-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))
        sealed.key.cache_clear()
        yield folder
    sealed.key.cache_clear()


@pytest.fixture
def shards_read(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The cache's shard files read from now on, in order."""
    from digest.incremental import cache

    read: list[Path] = []
    original = cache._load_shard

    def counting(path: Path, checksum: str) -> object:
        read.append(path)
        return original(path, checksum)

    monkeypatch.setattr(cache, "_load_shard", counting)
    return read


@pytest.fixture
def make_site(tmp_path: Path) -> SiteMaker:
    """Write content files (name -> text or bytes) and return a Config for that site."""

    def make(files: dict[str, str | bytes], **settings: object) -> Config:
        content = tmp_path / "content"
        content.mkdir(exist_ok=True)
        for name, data in files.items():
            path = content / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(data, encoding="utf-8")
        # The command line, run from this folder, reads this and so agrees with the Config below.
        (tmp_path / "digest.toml").write_text(f"search = {str(settings.get('search', False)).lower()}\n")
        shutil.copytree(REPO / "templates", tmp_path / "templates", dirs_exist_ok=True)
        shutil.copytree(REPO / "static", tmp_path / "static", dirs_exist_ok=True)
        overrides = {"content": content, "output": tmp_path / "_site",
                     "templates": tmp_path / "templates", "static": tmp_path / "static",
                     "base_url": "https://example.org/",
                     # Pagefind costs a second a build; the search tests turn it on.
                     "search": False, **settings}
        return Config(root=tmp_path, **overrides).resolved()  # type: ignore[arg-type]

    return make


@pytest.fixture
def seed_site(make_site: SiteMaker) -> Config:
    """A site made of the five seed files, unchanged."""
    return make_site({p.name: p.read_bytes() for p in sorted(SEEDS.iterdir()) if p.is_file()})


class SampleSite:
    """The seed site, built once and served over HTTP on 127.0.0.1 under ``/repo/``."""

    def __init__(self, output: Path, base_url: str) -> None:
        self.output = output
        self.base_url = base_url

    def pages(self) -> list[Path]:
        """Return every HTML page of the built site."""
        return sorted(self.output.rglob("*.html"))


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleSite]:
    """Build the seed content with the real templates and serve it under a base path."""
    from digest.build import build

    root = tmp_path_factory.mktemp("served")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base_url = f"http://127.0.0.1:{server.server_address[1]}/repo/"
    config = Config(root=root, content=SEEDS, output=root / "repo", templates=REPO / "templates",
                    static=REPO / "static", base_url=base_url).resolved()
    build(config)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield SampleSite(config.output, base_url)
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass
