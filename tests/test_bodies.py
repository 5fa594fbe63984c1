"""Bodies wait on disk between parsing and rendering: never lost, never stale, never kept past use."""

from __future__ import annotations

import logging
from dataclasses import replace

from conftest import age, record, site_bytes

from digest import parallel
from digest.build import build
from digest.incremental.cache import SHARDS, load_state, shard_path
from digest.incremental.store import FOLDER, PACK_SUFFIX, RELATED_SUFFIX, SUFFIX

# The opening, kept with the body's metadata, is the first 400 characters: the second
# paragraph lies past it.
BODY = ("A distinctive opening line about the harbour bridge. " * 9).strip() + (
    "\nSecond paragraph of the story.\n")


def aged(config):
    """Date the content back, and return the site's config."""
    age(config.content.iterdir())
    return config


def stored_texts(config):
    return {p.name: p.read_text() for p in (config.cache_dir / FOLDER).iterdir()}


def test_the_cache_holds_no_body_text_and_the_store_holds_each_once(make_site):
    config = aged(make_site({"a.yaml": record(title="Bridge").strip("-\n") + "\n", "a.txt": BODY}))
    build(config)
    shards = b"".join(shard_path(config.cache_dir, n).read_bytes() for n in range(SHARDS)
                      if shard_path(config.cache_dir, n).exists())
    assert b"Second paragraph" not in shards
    texts = stored_texts(config)
    assert list(texts.values()) == [BODY.strip()]
    page = (config.output / "articles/2020/06/bridge/index.html").read_text()
    assert "Second paragraph of the story." in page


def worker_site(make_site, monkeypatch, count=30):
    """A site parsed by real worker processes, which store what they parse in packs."""
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 2)
    files = {f"s{n}.yaml": record(title=f"Story {n}", url=f"https://example.com/{n}")
             .strip("-\n") + "\n" for n in range(count)}
    files |= {f"s{n}.txt": f"Body number {n} opens here {'and goes on ' * 40}\n"
              f"Its second paragraph {n}.\n" for n in range(count)}
    return aged(make_site(files))


def test_bodies_parsed_in_workers_are_stored_in_packs_and_rendered(make_site, monkeypatch):
    config = worker_site(make_site, monkeypatch)
    build(config)
    store = list((config.cache_dir / FOLDER).iterdir())
    # A few files, each holding several bodies: not a file for each.
    assert store and all(p.name.endswith(PACK_SUFFIX) for p in store) and len(store) < 30
    packed = b"".join(p.read_bytes() for p in store)
    assert all(packed.count(f"Its second paragraph {n}.".encode()) == 1 for n in range(30))
    shards = b"".join(shard_path(config.cache_dir, n).read_bytes() for n in range(SHARDS)
                      if shard_path(config.cache_dir, n).exists())
    assert b"Its second paragraph" not in shards
    pages = site_bytes(config.output)
    assert all(f"Its second paragraph {n}.".encode() in pages[f"articles/2020/06/story-{n}/index.html"]
               for n in range(30))


def test_a_damaged_item_of_a_pack_is_read_again_from_its_file_once(make_site, monkeypatch,
                                                                    caplog):
    config = worker_site(make_site, monkeypatch)
    build(config)
    expected = site_bytes(config.output)
    pack = next((config.cache_dir / FOLDER).iterdir())
    pack.write_bytes(pack.read_bytes().replace(b"Its second paragraph", b"Its tampered paragraph"))
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 10**9)  # rendered here, where logs are caught
    template = config.templates / "article.html"
    for build_number in range(2):
        template.write_text(template.read_text() + "\n")  # every article page renders again
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            build(config)
        pages = site_bytes(config.output)
        assert not any(b"tampered" in page for page in pages.values())
        assert all(page.rstrip(b"\n") == expected[path].rstrip(b"\n")
                   for path, page in pages.items() if path.startswith("articles/"))
        # Read again from its file, and stored again on its own: the next build finds it there.
        assert ("missing or damaged" in caplog.text) == (build_number == 0)


def test_a_damaged_stored_text_is_read_again_from_its_file(make_site, caplog):
    config = aged(make_site({"a.yaml": record(title="Bridge").strip("-\n") + "\n", "a.txt": BODY}))
    build(config)
    expected = site_bytes(config.output)
    (stored,) = (config.cache_dir / FOLDER).iterdir()
    stored.write_text("Tampered text that no page may show.")
    (config.templates / "article.html").write_text(  # makes every article page render again
        (config.templates / "article.html").read_text() + "\n")
    with caplog.at_level(logging.WARNING):
        build(config)
    assert "missing or damaged" in caplog.text
    page = (config.output / "articles/2020/06/bridge/index.html").read_bytes()
    assert b"Tampered" not in page
    assert page.rstrip(b"\n") == expected["articles/2020/06/bridge/index.html"].rstrip(b"\n")
    assert list(stored_texts(config).values()) == [BODY.strip()]  # stored afresh, whole


def test_an_edited_body_leaves_no_stale_text_behind(make_site):
    config = aged(make_site({"a.yaml": record(title="Bridge").strip("-\n") + "\n", "a.txt": BODY}))
    build(config)
    (config.content / "a.txt").write_text(BODY + "A third paragraph.\n")
    aged(config)
    build(config)
    texts = stored_texts(config)
    assert len(texts) == 1 and all(name.endswith(SUFFIX) for name in texts)
    assert "A third paragraph." in next(iter(texts.values()))


RELATED = """\
related:
  - title: Harbour coverage elsewhere
    webUrl: https://other.example/harbour
    excerpt: A distinctive related excerpt about the ferry timetable.
    publishedDateTime: 2020-06-11T08:00:00Z
    provider:
      name: Other Outlet
      domain: other.example
"""
RELATED_PAGE = "articles/2020/06/bridge/index.html"


def related_site(make_site):
    return aged(make_site({"a.yaml": record(title="Bridge", extra=RELATED).strip("-\n") + "\n",
                           "a.txt": BODY}))


def stored_related(config):
    return [p for p in (config.cache_dir / FOLDER).iterdir() if p.name.endswith(RELATED_SUFFIX)]


def test_related_coverage_waits_on_disk_and_is_rendered(make_site, tmp_path):
    config = related_site(make_site)
    build(config)
    shards = b"".join(shard_path(config.cache_dir, n).read_bytes() for n in range(SHARDS)
                      if shard_path(config.cache_dir, n).exists())
    assert b"ferry timetable" not in shards and len(stored_related(config)) == 1
    (result,) = [r for _, r in load_state(config.cache_dir).files.values() if r.record]
    assert result.record.related == () and result.record.related_keys == (
        "other.example/harbour",)
    page = (config.output / RELATED_PAGE).read_text()
    assert "ferry timetable" in page and "Other Outlet" in page
    # Byte for byte what a build that keeps the items in memory makes.
    fresh = replace(config, output=tmp_path / "fresh")
    build(fresh, cached=False)
    assert site_bytes(fresh.output) == site_bytes(config.output)


def test_a_missing_or_damaged_related_file_is_read_again_from_its_record(make_site, caplog):
    config = related_site(make_site)
    build(config)
    expected = site_bytes(config.output)[RELATED_PAGE]
    for harm in ("damage", "delete"):
        (stored,) = stored_related(config)
        if harm == "damage":
            stored.write_bytes(stored.read_bytes()[:-5])
        else:
            stored.unlink()
        (config.templates / "article.html").write_text(  # every article page renders again
            (config.templates / "article.html").read_text() + "\n")
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            build(config)
        assert "related coverage of a.yaml is missing or damaged" in caplog.text
        page = (config.output / RELATED_PAGE).read_bytes()
        assert page.rstrip(b"\n") == expected.rstrip(b"\n")
        assert [p.name for p in stored_related(config)] == [stored.name]  # stored afresh, whole
        assert stored_related(config)[0].read_bytes() != b""


def test_an_edited_record_leaves_no_stale_related_file_behind(make_site):
    config = related_site(make_site)
    build(config)
    (before,) = stored_related(config)
    edited = config.content / "a.yaml"
    edited.write_text(edited.read_text().replace("ferry timetable", "night bus"))
    aged(config)
    build(config)
    (after,) = stored_related(config)
    assert after.name != before.name
    assert "night bus" in (config.output / RELATED_PAGE).read_text()
