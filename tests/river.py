"""Records shaped like the real seeds, many to a page: the related coverage the seeds list, made
records of their own (long headlines, excerpts of about 300 characters, outlets with logos,
pictures, related lists that make stories), beside the seeds themselves (bodies included)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import yaml

from tests.conftest import SEEDS

EXCERPT = 300
"""About the length of a real excerpt."""


def _seed_records() -> list[dict]:
    found = []
    for path in sorted(SEEDS.iterdir()):
        text = path.read_text(encoding="utf-8")
        if text.startswith("---"):
            found.append(yaml.safe_load(text.split("---")[1]))
    return found


def river_files(count: int = 40) -> dict[str, str]:
    """Return ``count`` record files (and the seeds), newest first 7 hours apart (a headline
    comes again only days later); every sixth lists the next as related coverage, so that
    stories and "More:" links show, and
    every fifth carries a body (a Markdown file with front matter), so its card leads inside."""
    seeds = _seed_records()
    items = [item for seed in seeds for item in seed.get("related", [])]
    filler = " ".join(seed["excerpt"] for seed in seeds)
    start = datetime(2020, 7, 10, 12, 0)
    files: dict[str, str] = {p.name: p.read_text(encoding="utf-8")
                             for p in sorted(SEEDS.iterdir())}
    urls = [f"https://news{n}.example/2020/07/{n}/a-story-of-the-day" for n in range(count)]
    for n in range(count):
        item = items[n % len(items)]
        # Half of them Forbes's: a source's page as long as the home page.
        provider = dict({"name": "Forbes", "domain": "forbes.com"} if n % 2 else item["provider"])
        provider["images"] = [{"url": f"https://logos.example/{n % 9}.png", "width": 50,
                               "height": 50}]
        excerpt = (item.get("excerpt") or "") + " " + filler
        record = {
            "title": item["title"] if n < len(items) else f"{item['title']}, again ({n})",
            "excerpt": excerpt[:EXCERPT].rsplit(" ", 1)[0] + "…",
            "publishedDateTime": (start - timedelta(hours=7 * n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "webUrl": urls[n],
            "provider": provider,
            "topics": seeds[n % len(seeds)].get("topics", ["AI"]),
            "images": item.get("images", [])[:1],
        }
        if n % 6 == 0 and n + 1 < count:
            record["related"] = [{"title": f"Coverage {n + 1}", "webUrl": urls[n + 1],
                                  "provider": {"name": f"Outlet {n + 1}"}}]
        front = json.dumps(record, ensure_ascii=False)  # JSON is YAML: quoting done right
        if n % 5 == 4:
            files[f"river{n:03}.md"] = f"---\n{front}\n---\n{filler}\n\n{filler}\n"
        else:
            files[f"river{n:03}.yaml"] = front + "\n"
    return files
