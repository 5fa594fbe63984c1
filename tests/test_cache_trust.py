"""A cache that came with the project (a clone, a pull request) never runs code when read.

Each test builds a site whose cache is committed beside it (``cache_dir = "build-cache"``),
swaps one of its files for a pickle or compiled template that makes a marker file when it is
decoded, as an attacker would commit it, then builds: whatever the build goes through, the
marker is never made and the site comes out as a clean build makes it. A file the main file
names by its checksum is forged to keep the checksum it had before (CRC-32 and length): no
unkeyed checksum can tell such a file from the one written.
"""

from __future__ import annotations

import hashlib
import io
import logging
import marshal
import os
import pickle
import shutil
import subprocess
import sys
import zlib
from dataclasses import replace
from pathlib import Path

import jinja2.bccache
import pytest
from conftest import REPO, age, record, site_bytes, stories

from digest.build import build
from digest.cli import main
from digest.incremental.cache import CACHE_FILE, body_shard_path, load_state, shard_of, shard_path
from digest.incremental.kept import KEPT_FILE
from digest.incremental.stamp import Stamp, load_stamp
from digest.incremental.store import FOLDER as STORE
from digest.incremental.store import fetch_related
from digest.pickling import copied

RELATED = "related:\n  - title: Elsewhere\n    webUrl: https://example.com/s1\n"


class Payload:
    """Unpickled, makes the marker file: what a poisoned cache would do, harmlessly."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return open, (self.marker, "w")


@pytest.fixture
def site(make_site, tmp_path, monkeypatch):
    """Twelve articles and one with related coverage, built from the command line with the
    cache in the project's folder, as a repository would commit it."""
    files = stories(21)
    files["rel.md"] = record(title="Linked", excerpt="Told elsewhere too, as its coverage says.",
                             url="https://example.com/linked", extra=RELATED) + "A story.\n"
    config = make_site(files, cache_dir=tmp_path / "build-cache")
    (tmp_path / "digest.toml").write_text(
        'search = false\nbase_url = "https://example.org/"\ncache_dir = "build-cache"\n')
    for folder in (config.content, config.templates, config.static):
        age(folder.rglob("*"))
    monkeypatch.chdir(config.root)
    assert main(["build"]) == 0
    return config


@pytest.fixture
def marker(tmp_path):
    """The file a poisoned cache makes when decoded."""
    return tmp_path / "MARKER"


def built(capsys) -> str:
    """Build from the command line; return what it printed."""
    capsys.readouterr()
    assert main(["build"]) == 0
    return capsys.readouterr().out


def build_twice(capsys, marker: Path) -> None:
    """Build, reading the cache, then again, nothing changed: the stamp alone is read. Neither
    runs what the cache holds."""
    for again in (False, True):
        try:
            out = built(capsys)
        finally:
            assert not marker.exists(), "the cache ran code"
        assert ("Nothing changed" in out) == again


def clean(config, tmp_path) -> dict[str, bytes]:
    """Build the same content from scratch, elsewhere, and return its bytes."""
    other = replace(config, output=tmp_path / "clean", cache_dir=tmp_path / "clean-cache")
    build(other, cached=False)
    return site_bytes(other.output)


def edit(config, name, change) -> None:
    path = config.content / name
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    age([path])


def forged(payload: bytes, like: bytes) -> bytes:
    """Return ``payload``, padded to the length of ``like`` and with its CRC-32: the checksum
    an earlier cache named its files by. Decoding stops at the payload's end."""
    assert len(payload) + 4 <= len(like)
    head = payload + b"\0" * (len(like) - len(payload) - 4)
    state = zlib.crc32(head)
    zero = zlib.crc32(bytes(4), state)
    # CRC-32 is affine: the last four bytes' bits set any CRC, found by elimination over GF(2).
    basis: dict[int, tuple[int, int]] = {}
    for bit in range(32):
        vector, mix = zlib.crc32((1 << bit).to_bytes(4, "little"), state) ^ zero, 1 << bit
        while vector and (top := vector.bit_length() - 1) in basis:
            vector, mix = vector ^ basis[top][0], mix ^ basis[top][1]
        if vector:
            basis[top] = (vector, mix)
    want, tail = zlib.crc32(like) ^ zero, 0
    while want:
        vector, mix = basis[want.bit_length() - 1]
        want, tail = want ^ vector, tail ^ mix
    data = head + tail.to_bytes(4, "little")
    assert zlib.crc32(data) == zlib.crc32(like) and len(data) == len(like)
    return data


def test_a_poisoned_main_file_is_never_unpickled(site, marker, capsys):
    before = site_bytes(site.output)
    (site.cache_dir / CACHE_FILE).write_bytes(pickle.dumps(Payload(marker)))
    build_twice(capsys, marker)  # the stamp, read first, is not believed either
    assert site_bytes(site.output) == before


def test_a_poisoned_shard_is_never_unpickled(site, marker, capsys, tmp_path):
    path = shard_path(site.cache_dir, shard_of("rel.md"))
    path.write_bytes(forged(pickle.dumps(Payload(marker)), path.read_bytes()))
    assert "Nothing changed" in built(capsys)  # no shard read
    shutil.rmtree(site.output)  # every page made again, every shard read
    build_twice(capsys, marker)
    assert site_bytes(site.output) == clean(site, tmp_path)


def test_a_poisoned_shard_of_body_pages_is_never_unpickled(site, marker, capsys, tmp_path):
    path = body_shard_path(site.cache_dir, shard_of("b2.txt"))
    path.write_bytes(forged(pickle.dumps(Payload(marker)), path.read_bytes()))
    edit(site, "b2.txt", lambda text: text + "A line added at the end.\n")  # read to patch it
    build_twice(capsys, marker)
    assert site_bytes(site.output) == clean(site, tmp_path)


def test_a_poisoned_kept_site_is_never_unpickled(site, marker, capsys, tmp_path):
    path = site.cache_dir / KEPT_FILE
    evil = pickle.dumps(Payload(marker))
    path.write_bytes(forged(len(evil).to_bytes(8, "little") + evil, path.read_bytes()))
    # A retitled record: read by a build that plans the pages showing it from the kept site.
    edit(site, "r2.yaml", lambda text: text.replace('title: "Story', 'title: "Tale', 1))
    build_twice(capsys, marker)
    assert site_bytes(site.output) == clean(site, tmp_path)


def test_a_poisoned_stored_item_is_never_unpickled(site, marker, capsys, tmp_path):
    """Related coverage is kept pickled in the body store, named by its digest: a shard that
    names a committed pickle by its plain digest does not get it unpickled."""
    evil = pickle.dumps(Payload(marker))
    name = hashlib.blake2b(evil, digest_size=16).hexdigest()  # all an attacker can compute
    (site.cache_dir / STORE / f"{name}.related").write_bytes(evil)
    path = shard_path(site.cache_dir, shard_of("rel.md"))
    entries = pickle.loads(path.read_bytes())
    sig, result = entries["rel.md"]
    entries["rel.md"] = sig, replace(result, record=copied(
        result.record, related_stored=name, excerpt=""))  # an excerpt gone leaves room
    path.write_bytes(forged(pickle.dumps(entries), path.read_bytes()))
    shutil.rmtree(site.output)  # the article's page made again, its coverage read
    build_twice(capsys, marker)
    assert site_bytes(site.output) == clean(site, tmp_path)


def test_a_stored_item_named_by_its_plain_digest_is_never_unpickled(site, marker, caplog):
    evil = pickle.dumps(Payload(marker))
    name = hashlib.blake2b(evil, digest_size=16).hexdigest()
    store = site.cache_dir / STORE
    (store / f"{name}.related").write_bytes(evil)
    (result,) = [r for _, r in load_state(site.cache_dir).files.values()
                 if r.record and r.record.related_stored]
    with caplog.at_level(logging.WARNING):
        found = fetch_related(copied(result.record, related_stored=name), store)
    assert not marker.exists(), "the cache ran code"
    assert found is None and "missing or damaged" in caplog.text
    assert fetch_related(result.record, store)  # its own is read back


def test_a_poisoned_compiled_template_is_never_loaded(site, marker, capsys, tmp_path):
    """Jinja's compiled templates are marshalled code: a file of them is run when loaded."""
    code = compile(f"open({str(marker)!r}, 'w').close()", "<committed>", "exec")
    compiled = sorted((site.cache_dir / "templates").glob("*.cache"))
    assert compiled
    for path in compiled:
        stream = io.BytesIO(path.read_bytes()[32:])  # past the digest of the rest
        assert stream.read(len(jinja2.bccache.bc_magic)) == jinja2.bccache.bc_magic
        # Jinja's own header, its template's source checksum: the code is run, not refused.
        data = (jinja2.bccache.bc_magic + pickle.dumps(pickle.load(stream), 2)
                + marshal.dumps(code))
        path.write_bytes(hashlib.blake2b(data, digest_size=32).digest() + data)
    shutil.rmtree(site.output)  # every page rendered again
    build_twice(capsys, marker)
    assert site_bytes(site.output) == clean(site, tmp_path)


def forget_key() -> None:
    """Make the next build read the key again, from where ``XDG_CACHE_HOME`` now says."""
    from digest.incremental import sealed

    sealed.key.cache_clear()


@pytest.fixture
def another_user(tmp_path, monkeypatch):
    """Switch to another user's key: call to switch."""
    def switch() -> None:
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-user"))
        forget_key()

    yield switch
    forget_key()  # before monkeypatch puts the session's XDG_CACHE_HOME back


def test_a_cache_committed_by_another_user_is_rebuilt(site, tmp_path, capsys, caplog,
                                                      another_user, monkeypatch):
    clone = tmp_path / "clone"
    for name in ("content", "templates", "static", "build-cache", "digest.toml"):
        copy = shutil.copytree if (site.root / name).is_dir() else shutil.copy2
        copy(site.root / name, clone / name)
    another_user()
    assert load_stamp(clone / "build-cache") == Stamp()  # not this user's: not even read
    monkeypatch.chdir(clone)
    with caplog.at_level(logging.WARNING, logger="digest.incremental.cache"):
        assert "Nothing changed" not in built(capsys)
    assert "not sealed by this user's digest" in caplog.text
    assert "Nothing changed" in built(capsys)  # the cache, sealed again, is this user's now
    assert site_bytes(clone / "_site") == clean(site, tmp_path)


def test_the_key_is_made_once_for_builds_at_the_same_time(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    command = [sys.executable, "-c", "from digest.incremental import sealed; print(sealed.key().hex())"]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, cwd=REPO)
            for _ in range(4)]
    keys = {run.communicate()[0] for run in runs}
    path = tmp_path / "cache" / "digest" / "key"
    assert keys == {path.read_bytes().hex().encode() + b"\n"}
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["key"]


def test_without_a_key_kept_the_build_goes_on(site, tmp_path, monkeypatch, caplog, capsys):
    from digest.incremental import sealed

    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-folder"))
    forget_key()
    try:
        with caplog.at_level(logging.INFO, logger="digest.incremental.sealed"):
            assert sealed.key() == sealed._PROCESS_KEY
        assert "cannot keep a key" in caplog.text
        shutil.rmtree(site.output)
        built(capsys)
        assert site_bytes(site.output) == clean(site, tmp_path)
    finally:
        forget_key()
