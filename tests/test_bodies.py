"""Bodies wait on disk between parsing and rendering: never lost, never stale, never kept past use."""

from __future__ import annotations

import logging

from conftest import age, record, site_bytes

from digest import parallel
from digest.bodies import FOLDER, SUFFIX
from digest.build import build
from digest.cache import SHARDS, shard_path

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


def test_bodies_parsed_in_workers_are_stored_and_rendered(make_site, monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 2)  # real worker processes on a small site
    files = {f"s{n}.yaml": record(title=f"Story {n}", url=f"https://example.com/{n}")
             .strip("-\n") + "\n" for n in range(6)}
    files |= {f"s{n}.txt": f"Body number {n} opens here {'and goes on ' * 40}\n"
              f"Its second paragraph {n}.\n" for n in range(6)}
    config = aged(make_site(files))
    build(config)
    assert len(stored_texts(config)) == 6
    shards = b"".join(shard_path(config.cache_dir, n).read_bytes() for n in range(SHARDS)
                      if shard_path(config.cache_dir, n).exists())
    assert b"Its second paragraph" not in shards
    pages = site_bytes(config.output)
    assert all(f"Its second paragraph {n}.".encode() in pages[f"articles/2020/06/story-{n}/index.html"]
               for n in range(6))


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
