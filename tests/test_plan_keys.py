"""A page's key stands for its context: whenever two plans give a page the same key, the
contexts they would make are equal. Builds trust this to skip unchanged pages."""

from __future__ import annotations

import random

from conftest import record

from digest.content import check
from digest.plan.page import Deferred, Page
from digest.plan.pages import plan
from digest.progress import Timings

TOPICS = ("AI", "ai", "Robots", "Chips", "Policy")
PROVIDERS = ("Example News", "example news", "Other Wire", "Third Post")
WORDS = ["facial", "recognition", "police", "chips", "robots", "policy", "court", "vote", "data", "cloud"]


def story(rng: random.Random, n: int, count: int) -> str:
    """A record with a body in a separate file's worth of text, related coverage and topics."""
    related = "\n".join(
        f'  - title: "Coverage {rng.choice(WORDS)}"\n'
        f'    webUrl: "https://example.com/s{rng.randrange(count + 3)}"'
        for _ in range(rng.randint(0, 3)))
    extra = ("related:\n" + related + "\n" if related else "") + (
        "draft: true\n" if rng.random() < 0.1 else "")
    return record(title=f"Story {rng.choice(WORDS)} {rng.randrange(4)}",
                  excerpt=" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 9))),
                  url=f"https://example.com/s{n}",
                  date=f"2021-0{rng.randint(1, 3)}-{rng.randint(10, 12)}T10:00:00Z",
                  provider=rng.choice(PROVIDERS),
                  topics=tuple(rng.sample(TOPICS, rng.randint(0, 2))), extra=extra)


def body(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40))).capitalize() + ".\n"


def planned(config) -> dict[str, Page]:
    checked = check(config, Timings())
    return {page.path: page for page in plan(checked.site, config)}


def made(page: Page) -> dict[str, object]:
    context = page.context
    return context.made() if isinstance(context, Deferred) else dict(context)


def test_an_unchanged_key_means_an_unchanged_context(make_site):
    rng = random.Random(11)
    count = 24
    files = {f"s{n}.yaml": story(rng, n, count) for n in range(count)}
    files |= {f"s{n}.txt": body(rng) for n in range(count) if rng.random() < 0.7}
    config = make_site(files, page_size=4)
    before = planned(config)
    keyed = [p for p in before.values() if p.key]
    assert len(keyed) > count, "article and list pages should carry keys"
    same = differ = 0
    for _ in range(30):
        name = f"s{rng.randrange(count + 3)}"
        change = rng.random()
        if change < 0.6:
            (config.content / f"{name}.yaml").write_text(story(rng, int(name[1:]), count))
        elif change < 0.85:
            (config.content / f"{name}.txt").write_text(body(rng))
        else:
            (config.content / f"{name}.{rng.choice(['yaml', 'txt'])}").unlink(missing_ok=True)
        after = planned(config)
        for path, page in after.items():
            old = before.get(path)
            if old is None or not page.key or old.key != page.key:
                differ += 1
                continue
            same += 1
            assert made(page) == made(old), f"{path} kept its key but its context changed"
        before = after
    assert same > 100 and differ > 30, (same, differ)


def test_keys_are_digests_whatever_the_page_shows(make_site):
    """A build holds every page's key: a long list page or a sitemap keeps a short one."""
    rng = random.Random(5)
    files = {f"s{n}.yaml": story(rng, n, 60) for n in range(60)}
    pages = planned(make_site(files, page_size=50)).values()
    keyed = [p for p in pages if p.key]
    assert {p.template for p in keyed} >= {"article.html", "home.html", "feed.xml", "sitemap.xml"}
    assert {len(p.key) for p in keyed} == {32}
