"""The build cache: never trusted when damaged, and never changing what a build writes."""

from __future__ import annotations

import logging
import pickle
import random
import shutil
from dataclasses import replace

import pytest
from conftest import age, record, site_bytes

from digest import model, parallel, pickling
from digest.build import build
from digest.cli import main
from digest.errors import TemplateProblem
from digest.incremental import sealed
from digest.incremental.cache import CACHE_FILE, HEADER, SHARDS, load_state, shard_of, shard_path
from digest.incremental.stamp import FORMAT
from digest.incremental.store import stow_related
from digest.output.write import spare_folders
from digest.read.load import parse_file

TOPICS = ("AI", "Climate", "Health", "Space", "Markets")
PROVIDERS = ("Example News", "Daily Planet", "The Wire")
WORDS = ("the", "a", "storm", "vote", "market", "rover", "vaccine", "chip", "model", "rally",
         "court", "bridge", "river")


def test_corrupt_cache_is_detected_and_rebuilt(seed_site, caplog):
    age(seed_site.content.iterdir())
    build(seed_site)
    first = site_bytes(seed_site.output)
    cache = seed_site.cache_dir / CACHE_FILE
    assert load_state(seed_site.cache_dir).files
    cache.write_bytes(cache.read_bytes()[:200] + b"\x00garbage")
    with caplog.at_level(logging.WARNING, logger="digest.incremental.cache"):
        build(seed_site)
    assert "damaged" in caplog.text
    assert site_bytes(seed_site.output) == first
    assert len(load_state(seed_site.cache_dir).files) == len(list(seed_site.content.iterdir()))


def test_damaged_compiled_templates_are_compiled_again(seed_site, tmp_path):
    build(seed_site)
    compiled = sorted((seed_site.cache_dir / "templates").iterdir())
    assert compiled  # the build kept its templates compiled
    for n, path in enumerate(compiled):  # cut short, garbage, or empty
        path.write_bytes((path.read_bytes()[:40], b"\x00garbage" * 9, b"")[n % 3])
    shutil.rmtree(seed_site.output)  # so that every page is rendered again
    build(seed_site)
    reference = replace(seed_site, output=tmp_path / "reference")
    build(reference, cached=False)
    assert site_bytes(seed_site.output) == site_bytes(reference.output)


def test_temporary_files_of_a_killed_save_are_cleared_by_the_next_build(seed_site):
    build(seed_site)
    cache = seed_site.cache_dir
    left = [cache / ".build-k1ll3d.tmp", cache / "templates" / ".build-x9.tmp"]
    for path in left:
        path.write_bytes(b"half a shard")
    (cache / "notes.txt").write_text("not ours to delete", encoding="utf-8")
    build(seed_site)
    assert not any(path.exists() for path in left)
    assert (cache / "notes.txt").exists()
    assert not list(cache.rglob(".build-*"))  # nor did this build leave any


def test_cache_from_another_version_is_not_trusted(seed_site, caplog):
    age(seed_site.content.iterdir())
    build(seed_site)
    state = load_state(seed_site.cache_dir)
    # A stale entry that would change the site if it were believed.
    rel = next(iter(state.files))
    state.files = {r: (sig, state.files[rel][1]) for r, (sig, _) in state.files.items()}
    # Sealed with this user's key, as the build of another version of digest would seal it.
    header = HEADER.replace(f" {FORMAT} ".encode(), f" {FORMAT + 1} ".encode())
    (seed_site.cache_dir / CACHE_FILE).write_bytes(b"".join(sealed.sections(sealed.MAIN, [
        header, *(pickle.dumps(part) for part in (state.stamp, state))])))
    first = site_bytes(seed_site.output)
    with caplog.at_level(logging.INFO, logger="digest.incremental.cache"):
        build(seed_site)
    assert "another digest version" in caplog.text
    assert site_bytes(seed_site.output) == first


def test_a_damaged_or_stale_shard_is_read_again(seed_site, caplog):
    age(seed_site.content.iterdir())
    build(seed_site)
    first = site_bytes(seed_site.output)
    shard = shard_of(next(iter(load_state(seed_site.cache_dir).files)))
    path = shard_path(seed_site.cache_dir, shard)
    good = path.read_bytes()
    for bad in (good[:-40] + b"\x00garbage", good[:len(good) // 2]):
        path.write_bytes(bad)
        with caplog.at_level(logging.WARNING, logger="digest.incremental.cache"):
            state = load_state(seed_site.cache_dir)
        assert "damaged or stale" in caplog.text
        assert all(shard_of(rel) != shard for rel in state.files) and state.files
        caplog.clear()
        build(seed_site)
        assert site_bytes(seed_site.output) == first
        assert len(load_state(seed_site.cache_dir).files) == len(list(seed_site.content.iterdir()))
    # A shard of an older cache, whole but not the one this cache was saved with.
    edited = next(rel for rel in load_state(seed_site.cache_dir).files if shard_of(rel) == shard)
    path.write_bytes(good)
    (seed_site.content / edited).write_bytes((seed_site.content / edited).read_bytes() + b"\n")
    age([seed_site.content / edited])
    build(seed_site)
    old = path.read_bytes()
    assert old != good
    path.write_bytes(good)
    with caplog.at_level(logging.WARNING, logger="digest.incremental.cache"):
        assert edited not in load_state(seed_site.cache_dir).files
    assert "damaged or stale" in caplog.text


def test_one_edit_rewrites_one_shard(make_site):
    rng = random.Random(5)
    config = make_site({f"a{n}.md": article(rng, n) for n in range(40)})
    age(config.content.iterdir())
    build(config)
    files = [config.cache_dir / CACHE_FILE] + [shard_path(config.cache_dir, n) for n in range(SHARDS)]
    before = {path: path.stat().st_ino for path in files}
    edited = config.content / "a7.md"
    edited.write_text(edited.read_text() + "\nOne more line.\n")
    age([edited])
    build(config)
    rewritten = {path for path in files if path.stat().st_ino != before[path]}
    assert rewritten == {config.cache_dir / CACHE_FILE, shard_path(config.cache_dir, shard_of("a7.md"))}
    assert len(load_state(config.cache_dir).files) == 40


def test_a_build_that_fails_after_saving_file_shards_leaves_a_cache_to_trust(make_site, tmp_path):
    """File shards are saved in the background while pages are rendered: when rendering fails,
    they are named by no main file, and the next build trusts only what the last one saved."""
    rng = random.Random(7)
    config = make_site({f"a{n}.md": article(rng, n) for n in range(40)})
    age(config.content.iterdir())
    build(config)
    shard = shard_path(config.cache_dir, shard_of("a7.md"))
    before = shard.read_bytes()
    edited = config.content / "a7.md"
    edited.write_text(edited.read_text() + "\nOne more line.\n")
    age([edited])
    template = config.templates / "article.html"
    good = template.read_text()
    template.write_text(good.replace("{{ article.title }}</h1>", "{{ no_such_name }}</h1>", 1))
    with pytest.raises(TemplateProblem):
        build(config)
    assert shard.read_bytes() != before  # saved by the build that failed
    template.write_text(good)
    build(config)
    reference = replace(config, output=tmp_path / "reference", cache_dir=tmp_path / "no-cache")
    build(reference, cached=False)
    assert site_bytes(config.output) == site_bytes(reference.output)
    assert len(load_state(config.cache_dir).files) == 40


def article(rng, n):
    sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
    head = record(title=f"Story {n} {rng.choice(WORDS)}", url=f"https://example.com/s{n}",
                  date=f"2021-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00Z",
                  provider=rng.choice(PROVIDERS),
                  topics=tuple(rng.sample(TOPICS, rng.randint(0, 2))))
    return head + f"\n{sentence.capitalize()}.\n\nMore about {rng.choice(WORDS)}.\n"


def spare_site(config):
    return next(iter(spare_folders(config.output)), None)


def test_incremental_and_parallel_builds_equal_a_clean_build(make_site, monkeypatch, tmp_path):
    rng = random.Random(6)
    files = {f"a{n}.md": article(rng, n) for n in range(36)}
    config = make_site(files)
    age(config.content.iterdir())
    reference = replace(config, output=tmp_path / "reference")
    before = None
    for step in range(10):
        # Every other build parses and renders in worker processes, however few files there are.
        monkeypatch.setattr(parallel, "PARALLEL_MIN", 1 if step % 2 else 10**9)
        kept = spare_site(config)
        folder = kept.stat().st_ino if kept else None
        build(config)
        # From the third build on, the writer patches up the site before last and swaps it in.
        assert (config.output.stat().st_ino == folder) == (step >= 2), f"step {step}"
        if before is not None:
            assert site_bytes(spare_site(config)) == before, f"step {step}"
        before = site_bytes(config.output)
        monkeypatch.setattr(parallel, "PARALLEL_MIN", 10**9)
        shutil.rmtree(reference.output, ignore_errors=True)
        build(reference, cached=False)
        assert before == site_bytes(reference.output), f"step {step}"
        names = sorted(p.name for p in config.content.iterdir())
        touched = [config.content / name for name in rng.sample(names, 3)]
        touched.append(config.content / f"new{step}.md")
        for path in touched:
            path.write_text(article(rng, rng.randint(0, 120)), encoding="utf-8")
        age(touched)
        (config.content / rng.choice(names)).unlink()
        if step == 5:
            template = config.templates / "article.html"
            template.write_text(template.read_text() + "\n{# changed #}<!-- v2 -->\n")
        if step == 7:
            base = config.templates / "base.html"
            base.write_text(base.read_text().replace("<html", "<!-- base v2 -->\n<html", 1))


def inodes(output):
    return {p.relative_to(output).as_posix(): p.stat().st_ino
            for p in output.rglob("*") if p.is_file()}


def test_one_edit_rewrites_only_the_pages_that_show_that_article(make_site):
    rng = random.Random(7)
    config = make_site({f"a{n}.md": article(rng, n) for n in range(30)})
    age(config.content.iterdir())
    first = build(config)
    assert first.rendered == first.pages
    before, old_bytes = inodes(config.output), site_bytes(config.output)
    edited = config.content / "a12.md"
    edited.write_text(edited.read_text().replace("\nMore about", "\nA new line.\n\nMore about"))
    age([edited])
    built = build(config)
    after, new_bytes = inodes(config.output), site_bytes(config.output)
    rewritten = {path for path in after if before.get(path) != after[path]}
    changed = {path for path in new_bytes if old_bytes.get(path) != new_bytes[path]}
    assert any(path.startswith("articles/") for path in changed)
    assert rewritten == changed and built.stats.written == len(changed)
    assert 0 < built.rendered < built.pages / 4
    again = build(config)
    assert again.rendered == 0 and again.stats.written == 0


def test_a_hand_edited_output_is_not_trusted(make_site):
    rng = random.Random(8)
    config = make_site({f"a{n}.md": article(rng, n) for n in range(5)})
    build(config)
    home = config.output / "index.html"
    home.write_text("edited by hand")
    built = build(config)
    assert built.rendered == built.pages and home.read_text() != "edited by hand"


def test_nothing_changed_is_told_without_building(make_site, monkeypatch, capsys):
    rng = random.Random(9)
    config = make_site({f"a{n}.md": article(rng, n) for n in range(6)})
    monkeypatch.chdir(config.root)
    for folder in (config.content, config.templates, config.static):
        age(folder.rglob("*"))
    assert main(["build"]) == 0
    assert "Nothing changed" not in capsys.readouterr().out
    before = inodes(config.output)
    assert main(["build"]) == 0
    out = capsys.readouterr().out
    assert "Nothing changed since the last build" in out
    assert f"({len(before)} unchanged)" in out and inodes(config.output) == before
    edited = config.content / "a3.md"
    edited.write_text(edited.read_text().replace("Story 3", "Story three"))
    age([edited])
    assert main(["build"]) == 0
    assert "Nothing changed" not in capsys.readouterr().out
    assert b"Story three" in site_bytes(config.output)[next(
        p for p in site_bytes(config.output) if p.startswith("articles/") and "story-three" in p)]
    assert main(["build"]) == 0 and "Nothing changed" in capsys.readouterr().out
    (config.output / "index.html").write_text("edited by hand")
    assert main(["build"]) == 0 and "Nothing changed" not in capsys.readouterr().out
    assert (config.output / "index.html").read_text() != "edited by hand"
    assert main(["build", "--no-cache"]) == 0 and "Nothing changed" not in capsys.readouterr().out


def test_cached_records_and_bodies_come_back_whole(seed_site):
    """Records and bodies are pickled field by field: derived fields come back too, unrecomputed."""
    age(seed_site.content.iterdir())
    build(seed_site)
    results = [result for _, result in load_state(seed_site.cache_dir).files.values()]
    records = [r.record for r in results if r.record is not None]
    bodies = [r.body for r in results if r.body is not None]
    # Related coverage waits on disk (store.py): the records hold where, and its items' URL keys.
    assert records and bodies and any(r.related_keys for r in records)
    assert all(not r.related and bool(r.related_stored) == bool(r.related_keys) for r in records)
    again = pickle.loads(pickle.dumps((records, bodies), protocol=pickle.HIGHEST_PROTOCOL))
    assert again == (records, bodies)
    for old, new in zip(records, again[0], strict=True):
        assert (new.probes, new.url_key, new.extra) == (old.probes, old.url_key, old.extra)
        assert (new.related_keys, new.related_stored) == (old.related_keys, old.related_stored)
    for old, new in zip(bodies, again[1], strict=True):
        assert (new.opening_key, new.stored, new.words) == (old.opening_key, old.stored, old.words)
    assert not hasattr(again[0][0], "__dict__")  # still slotted


def test_a_copy_keeps_derived_fields_without_deriving_them_again(monkeypatch, tmp_path):
    """Storing a record's related coverage copies the record: its words are not found again."""
    text = record(title="Bridge news", excerpt="The harbour bridge reopens", extra=(
        "related:\n  - title: Elsewhere\n    webUrl: https://other.example/a\n"))
    original = parse_file("a.md", text.encode()).record
    assert original is not None and original.related_keys == ("other.example/a",)
    monkeypatch.setattr(model, "words", lambda text: pytest.fail("derived again"))
    copy = pickling.copied(original, related=(), related_stored="abc")
    assert (copy.related, copy.related_stored) == ((), "abc")
    assert (copy.probes, copy.url_key, copy.related_keys) == (
        original.probes, original.url_key, original.related_keys)
    monkeypatch.undo()  # replace() derives them again: from the items, which the copy lacks
    assert replace(copy, related_stored="").related_keys == ()
    with pytest.raises(TypeError):
        pickling.copied(original, no_such_field=1)
    monkeypatch.setattr(model, "words", lambda text: pytest.fail("derived again"))
    stored = stow_related(original, tmp_path)
    assert stored.related_keys == original.related_keys and stored.related_stored
