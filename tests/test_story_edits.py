"""Edits that change the stories (a headline, a date, related coverage, ``story:``, ``lead:``,
an outlet's name shown in "More:" links) give, in a build after the edit and in serve, what a
clean build gives."""

from __future__ import annotations

import random
import re

import pytest
from conftest import age, record, site_bytes
from test_patch import clean, edit
from test_preview_edits import fresh, save

from digest.build import build
from digest.live.preview import Preview
from digest.plan.stories import stories_of

HEADS = ("Magnitude 7 earthquake strikes off Sumatra, tsunami warning issued",
         "Nvidia unveils Blackwell chip for data centres",
         "Storm floods valley towns as river bursts banks")


def files() -> dict[str, str]:
    """Nine records: three events, each covered by three outlets over a day or two."""
    found = {}
    for e, head in enumerate(HEADS):
        for n in range(3):
            found[f"e{e}n{n}.yaml"] = record(
                head if n != 1 else f"{head}: what we know", f"{head}. Reported by outlet {n}.",
                f"2021-0{e + 3}-1{n}T0{n}:00:00Z", f"https://o{n}.example/{e}",
                f"Outlet {n}", ("AI",) if n else ("Space",)).strip("-\n") + "\n"
    return found


def _related(url: str):
    return lambda text: text.replace("topics:", f"related:\n  - title: Other\n    webUrl: {url}\n"
                                     "topics:", 1)


CHANGES = [
    lambda text, rng: text.replace('title: "', 'title: "Quiet council budget vote ', 1),
    lambda text, rng: re.sub(r'title: ".*"', f'title: "{rng.choice(HEADS)}"', text, count=1),
    lambda text, rng: re.sub(r"2021-0(\d)-1", lambda m: f"2021-0{m[1]}-2", text, count=1),
    lambda text, rng: _related(f"https://o{rng.randrange(3)}.example/{rng.randrange(3)}")(text),
    lambda text, rng: _related("https://www.shared.example/page/amp/")(text),
    lambda text, rng: text.replace("topics:", f"story: {rng.choice(('none', 'x', 'y'))}\ntopics:", 1),
    lambda text, rng: text.replace("topics:", "lead: true\ntopics:", 1),
    lambda text, rng: text.replace("name: Outlet", "name: Renamed Outlet", 1),
    lambda text, rng: text.replace("  - ", "  - Health\n  - ", 1),
]


@pytest.fixture
def site(make_site):
    config = make_site(files())
    age(config.content.iterdir())
    build(config)
    return config


def test_the_fixture_has_stories(make_site):
    config = make_site(files())
    from digest.content import check
    from digest.progress import Timings

    found = stories_of(check(config, Timings()).site)
    assert sorted(len(s.members) for s in found.by_id.values()) == [3, 3, 3]


def test_any_sequence_of_story_edits_builds_what_a_clean_build_gives(site, tmp_path):
    rng = random.Random(5)
    names = sorted(files())
    for step in range(14):
        name, change = rng.choice(names), rng.randrange(len(CHANGES))
        edit(site, name, lambda text, c=change: CHANGES[c](text, rng))
        build(site)
        assert site_bytes(site.output) == clean(site, tmp_path), f"step {step}: {name} {change}"


def test_any_sequence_of_story_edits_serves_what_a_fresh_build_gives(make_site):
    config = make_site(files())
    preview = Preview(config, lambda: config, drafts=True)
    assert preview.start().problems == ()
    rng = random.Random(8)
    names = sorted(files())
    for step in range(14):
        name, change = rng.choice(names), rng.randrange(len(CHANGES))
        path = config.content / name
        path.write_text(CHANGES[change](path.read_text(), rng), encoding="utf-8")
        assert save(preview, name).problems == (), f"step {step}"
        assert preview.files == fresh(preview).files, f"step {step}: {name} {change}"


def test_only_edits_that_change_the_stories_plan_every_page(make_site, tmp_path, monkeypatch):
    from digest.incremental import edit as edits

    lone = record("Council approves library budget", "The council voted.", "2021-03-10T12:00:00Z",
                  "https://town.example/budget", "Town Paper").strip("-\n") + "\n"
    config = make_site({**files(), "lone.yaml": lone})
    age(config.content.iterdir())
    build(config)
    whole = []
    original = edits._reindexed
    monkeypatch.setattr(edits, "_reindexed", lambda *a: whole.append(a) or original(*a))
    # Retitled, it is still like no other article: the stories stand, the short way holds.
    edit(config, "lone.yaml", lambda text: text.replace("library budget", "park budget"))
    assert build(config).checked is None and whole == []
    assert site_bytes(config.output) == clean(config, tmp_path)
    # Retitled as an event's headline, it joins that story: every page is planned.
    edit(config, "lone.yaml", lambda text: re.sub(r'title: ".*"', f'title: "{HEADS[0]}"', text)
         .replace("The council voted.", f"{HEADS[0]}. Reported by outlet 4."))
    assert build(config).checked is None and len(whole) == 1
    assert site_bytes(config.output) == clean(config, tmp_path)
