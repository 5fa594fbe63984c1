"""What bench/hugo.py gives Hugo of digest's editions and stories, as taxonomy terms.

Hugo groups pages by the terms in their front matter, so each article is given its day
(``editions``: ``2020-06-12``) and its ISO week (``weeks``: ``2020-w24``), the days taken in
UTC, digest's default time zone; the templates then group, order and count as digest's planner
does. Hugo cannot cluster: each article in a story is also given the story digest found for it
(``stories``: the lead's id) and its place among the story's members, read from the join report
of a digest build of the same corpus (``--report``), and the keys by which digest's timeline
tells one page from another (``story_key`` of its own addresses and of each related item's).
Each term gets a content file giving its address (digest's: ``editions/2020/06/12/``,
``editions/2020/W24/``, ``stories/2020/06/<lead's slug>/``) and which outputs it has.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from corpus import Entry

from digest.story.urlkey import story_key

Story = tuple[int, int, bool]
"""The story an article is in: its lead's id, the article's place among the members, and
whether the article is the lead."""


def report_build(content: Path, work: Path) -> Path:
    """Build ``content`` with digest into ``work`` (search off, no cache) and return the path
    of its join report, which lists the stories found; the caller discards ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    config = work / "digest.toml"
    config.write_text(f'content = "{content.resolve()}"\noutput = "{work.resolve()}/site"\n'
                      'search = false\n', encoding="utf-8")
    report = work / "report.json"
    subprocess.run([sys.executable, "-m", "digest", "build", "--config", str(config),
                    "--no-cache", "--report", str(report)], check=True,
                   cwd=Path(__file__).resolve().parent.parent,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return report


def digest_stories(content: Path, entries: list[Entry], report: Path | None = None
                   ) -> dict[int, Story]:
    """Return each article's story as digest clusters it: from ``report`` (a build's
    ``--report`` JSON), else from a build of ``content`` made now, in a scratch folder."""
    if report is None:
        with tempfile.TemporaryDirectory(prefix="hugo-stories-") as scratch:
            return digest_stories(content, entries, report_build(content, Path(scratch)))
    found = json.loads(report.read_text(encoding="utf-8"))
    ids = {name: e.id for e in entries for name in (e.record, e.markdown) if name}
    stories: dict[int, Story] = {}
    for story in found["stories"]:
        lead = ids[story["lead"]]
        for rank, member in enumerate(story["members"]):
            stories[ids[member]] = (lead, rank, ids[member] == lead)
    return stories


def day_terms(published: str) -> dict[str, list[str]]:
    """Return the edition (day) and week terms of an article published at ``published``."""
    day = datetime.fromisoformat(published.replace("Z", "+00:00")).astimezone(UTC).date()
    year, week, _ = day.isocalendar()
    return {"editions": [day.isoformat()], "weeks": [f"{year}-w{week:02d}"]}


def story_terms(data: dict, related: list[dict], story: Story | None) -> dict[str, object]:
    """Return what of its story an article's front matter holds: the story's term and the
    article's rank, and the keys of the pages it is and lists (``story_key``)."""
    if story is None:
        return {}
    own = [data.get("webUrl") or data.get("originalUrl"), data.get("ampWebUrl"),
           data.get("cdnAmpWebUrl")]
    for item in related:
        item["key"] = story_key(item["url"]) if item["url"] else ""
    return {"stories": [f"s{story[0]}"], "story_rank": story[1], "story_lead": story[2],
            "own_keys": sorted({story_key(u) for u in own if isinstance(u, str) and u})}


def write_terms(site: Path, fronts: list[dict]) -> None:
    """Write each day's, week's and story's term file, and those of the three taxonomies."""
    content = site / "content"
    lists = {"editions": {"title": "Editions", "outputs": ["HTML", "atom", "jsonfeed"]},
             "weeks": {"_build": {"render": "never"}},
             "stories": {"_build": {"render": "never"}}}
    for name, front in lists.items():
        _write(content / name / "_index.md", front)
    days, weeks = set(), set()
    for front in fronts:
        days.update(front["editions"])
        weeks.update(front["weeks"])
        if front.get("story_lead"):
            sid = front["stories"][0]
            month = front["date"][:7].replace("-", "/")
            _write(content / "stories" / sid / "_index.md", {
                "title": front["title"], "url": f"/stories/{month}/{front['slug']}/",
                "outputs": ["HTML", "atom", "jsonfeed"]})
    for day in days:
        _write(content / "editions" / day / "_index.md",
               {"url": f"/editions/{day.replace('-', '/')}/", "outputs": ["HTML"]})
    for week in weeks:
        _write(content / "weeks" / week / "_index.md",
               {"url": f"/editions/{week[:4]}/W{week[6:]}/", "outputs": ["HTML"]})


def _write(path: Path, front: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(front) + "\n", encoding="utf-8")
