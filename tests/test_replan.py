"""A build after an edit of records plans again, from the site the last build kept, the pages
that show them (or, if an article moved in the indexes, every page), reads no other file, and
writes what a whole build would."""

from __future__ import annotations

import random
import re
from dataclasses import replace

import pytest
from conftest import age, built_stories, record, site_bytes, stories
from test_patch import clean, edit

from digest.build import build
from digest.incremental.cache import load_main
from digest.incremental.kept import KEPT_FILE, Unpickled


@pytest.fixture
def site(make_site):
    """Twelve articles: a third of them with their record in a file of its own, joined to their
    body by its stem or by its content."""
    return built_stories(make_site)


def retitle(text: str, new: str = "Tale") -> str:
    return text.replace('title: "Story', f'title: "{new}', 1)


def test_a_retitled_record_moves_its_page_and_every_link_to_it(site, tmp_path, shards_read):
    read = shards_read
    before = site_bytes(site.output)
    edit(site, "r2.yaml", retitle)  # joined by content; its title names its page
    built = build(site)
    assert built.checked is None  # nothing read but the edited record
    # Its shard of files, and the shards of body pages of the few articles planned again.
    assert len(read) <= 6
    after = site_bytes(site.output)
    [new] = after.keys() - before.keys()
    [old] = [path for path in before if path.startswith("articles/") and b"Story 2" in before[path]
             and b"Moved:" in after[path]]  # its old address is a redirect page to the new one
    assert b"Tale 2" in after[new] and b'url=../' + new.split("/")[-2].encode() in after[old]
    assert after["index.html"] != before["index.html"] and after["feed.xml"] != before["feed.xml"]
    assert after == clean(site, tmp_path)
    # The build left what a whole build would: its fingerprints too, so nothing is made again.
    again = build(site, whole=True)
    assert again.checked is not None and again.rendered == 0 and again.stats.written == 0


def test_edits_of_what_cards_show_take_the_short_way(site, tmp_path):
    edits = [
        ("s1.yaml", lambda text: text.replace("domain: example.com", "domain: example.net")),
        ("r5.yaml", lambda text: text.replace("topics:", "images:\n  - url: https://example.com/"
                                              "5.jpg\n  - url: https://example.com/6.jpg\n"
                                              "topics:", 1)),
        ("s4.yaml", lambda text: text.replace("provider:", "related:\n  - title: Elsewhere\n"
                                              "    webUrl: https://example.com/s1\n"
                                              "provider:", 1)),  # links to article 1's page
        ("s1.yaml", retitle),  # its page moves, and article 4's link to it (not its neighbour)
        ("r8.yaml", lambda text: retitle(text, "Story 8 now retold as a")),
    ]
    for name, change in edits:
        edit(site, name, change)
        built = build(site)
        assert built.checked is None, name
        assert site_bytes(site.output) == clean(site, tmp_path), name


def test_edits_that_move_an_article_index_the_kept_site_again(make_site, tmp_path):
    same_time = "2021-03-04T10:00:00Z"
    config = make_site({
        "a.yaml": record(title="Alpha", url="https://example.com/a", date=same_time).strip("-\n"),
        "b.yaml": record(title="Beta", url="https://example.com/b", date=same_time).strip("-\n"),
        "c.yaml": record(title="Gamma", url="https://example.com/c", topics=()).strip("-\n"),
    })
    age(config.content.iterdir())
    build(config)
    edits = [
        ("a.yaml", lambda text: text.replace("Alpha", "Zeta")),  # now after Beta, at one time
        ("b.yaml", lambda text: text.replace("  - AI", "  - Space")),  # a new topic
        ("c.yaml", lambda text: text.replace("2020-06-12", "2019-01-02")),  # a new month
        ("b.yaml", lambda text: text.replace("  - Space", "  - ai")),  # Space is gone, AI renamed
        ("a.yaml", lambda text: text.replace("name: ", "name: Other ")),  # another provider
    ]
    before = site_bytes(config.output)
    for name, change in edits:
        edit(config, name, change)
        built = build(config)
        assert built.checked is None, name
        after = site_bytes(config.output)
        assert after == clean(config, tmp_path), name
        assert after != before, name
        before = after
        # The summary counts the topics and providers as a whole build does.
        assert build(config, whole=True).tally == built.tally, name


def test_edits_that_change_what_is_published_build_everything(make_site, tmp_path):
    config = make_site({
        "a.yaml": record(title="Alpha", url="https://example.com/a").strip("-\n"),
        "c.yaml": record(title="Gamma", url="https://example.com/c").strip("-\n"),
    })
    age(config.content.iterdir())
    build(config)
    edits = [
        ("c.yaml", lambda text: text.replace("example.com/c", "example.com/a")),  # a duplicate
        ("a.yaml", lambda text: text.replace("title:", "draft: true\ntitle:")),
    ]
    for name, change in edits:
        edit(config, name, change)
        built = build(config)
        assert built.checked is not None, name
        assert site_bytes(config.output) == clean(config, tmp_path), name


def test_a_kept_site_that_is_damaged_or_gone_is_never_trusted(site, tmp_path, caplog):
    path = site.cache_dir / KEPT_FILE
    path.write_bytes(path.read_bytes()[:-10])
    edit(site, "r2.yaml", retitle)
    assert build(site).checked is not None and "damaged or stale" in caplog.text
    assert site_bytes(site.output) == clean(site, tmp_path)
    assert load_main(site.cache_dir).site  # the whole build kept the site again
    path.unlink()
    edit(site, "r5.yaml", retitle)
    assert build(site).checked is not None
    assert site_bytes(site.output) == clean(site, tmp_path)


def test_any_sequence_of_record_and_body_edits_writes_what_a_clean_build_gives(site, tmp_path):
    rng = random.Random(23)
    records = sorted(p.name for p in site.content.iterdir() if p.suffix == ".yaml")
    bodies = sorted(p.name for p in site.content.iterdir() if p.suffix == ".txt")
    changes = [
        lambda text, step: retitle(text, f"Step {step} story"),
        lambda text, step: text.replace('excerpt: "', f'excerpt: "Step {step}: ', 1),
        lambda text, step: text.replace("Wire", "Wire Service").replace("Planet", "Planet News"),
        lambda text, step: text.replace("T10:00:00Z", f"T10:{step:02d}:00Z", 1),
        lambda text, step: re.sub(r"2021-\d\d-", f"2021-{1 + step % 12:02d}-", text, count=1),
        lambda text, step: text.replace("  - ", f"  - Topic {step % 3}\n  - ", 1),
    ]
    short = 0
    for step in range(16):
        names = rng.sample(records, rng.choice((1, 1, 2)))
        for name in names:
            change = rng.choice(changes)
            edit(site, name, lambda text, change=change, step=step: change(text, step))
        if rng.random() < 0.3:  # a body edit too: its page, and the kept site, change
            edit(site, rng.choice(bodies), lambda text, step=step: text + f"Step {step}.\n")
        built = build(site)
        short += built.checked is None
        assert site_bytes(site.output) == clean(site, tmp_path), f"step {step}: {names}"
        if step % 5 == 4:  # a whole build finds every page as the short way left it
            assert build(site, whole=True).rendered == 0, f"step {step}"
    assert 8 <= short < 16


def test_a_search_index_is_made_again_after_a_record_edit(site):
    searching = replace(site, search=True)
    build(searching)
    edit(site, "r2.yaml", lambda text: retitle(text, "Zanzibar"))
    built = build(searching)
    assert built.checked is None
    indexed = site_bytes(site.output)
    assert any(path.startswith("pagefind/") for path in indexed)
    assert any(b"Zanzibar" in data for path, data in indexed.items()
               if path.startswith("articles/"))


def test_a_hand_edited_site_is_built_whole_after_a_record_edit(site, tmp_path):
    (site.output / "index.html").write_text("Edited by hand.", encoding="utf-8")
    edit(site, "r2.yaml", retitle)
    assert build(site).checked is not None
    assert site_bytes(site.output) == clean(site, tmp_path)


def test_an_article_retitled_again_and_again_takes_the_short_way_each_time(site, tmp_path):
    for n in range(3):  # each time from the page the last build moved it to
        edit(site, "r2.yaml", lambda text, n=n: text.replace('title: "', f'title: "Take {n} ', 1))
        assert build(site).checked is None, n
        assert site_bytes(site.output) == clean(site, tmp_path), n


def test_a_retitle_reads_back_only_the_kept_articles_its_pages_show(make_site, tmp_path,
                                                                    monkeypatch):
    # Forty articles, three to a list page and a feed: the edited one's pages show a few.
    # (Editions read every article's day: they once read back every kept article for it.)
    config = make_site(stories(7, 40), page_size=3, feed_entries=3)
    age(config.content.iterdir())
    build(config)
    read: list[str] = []
    unpickle = Unpickled.__getitem__

    def counted(self: Unpickled, aid: str):  # type: ignore[no-untyped-def]
        if aid not in self._made:
            read.append(aid)
        return unpickle(self, aid)

    monkeypatch.setattr(Unpickled, "__getitem__", counted)
    edit(config, "r20.yaml", retitle)
    assert build(config).checked is None  # the short way
    assert 0 < len(read) < 20
    assert site_bytes(config.output) == clean(config, tmp_path)
