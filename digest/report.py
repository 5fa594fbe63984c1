"""Describe a build to people (summary lines) and to scripts (the JSON join report)."""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from digest.build import Built
from digest.config import Config
from digest.content import Checked
from digest.join import evidence
from digest.model import Diagnostic, JoinMethod
from digest.plan.stories import stories_of
from digest.plan.urls import assign_urls, story_path


def join_report(checked: Checked) -> dict[str, object]:
    """Return the join report: each article's files and method, what is unjoined, diagnostics."""
    joined = checked.joined
    return {
        "articles": [
            {"record": a.record.source, "body": a.body.source if a.body else None,
             "method": a.method.value, "title": a.record.title,
             "published": a.id in checked.site.articles,
             **({"matched": evidence(a.record, a.body)}
                if a.body is not None and a.method is JoinMethod.CONTENT else {})}
            for a in joined.articles
        ],
        "records_without_body": [a.record.source for a in joined.articles
                                 if a.method is JoinMethod.NONE],
        "bodies_without_record": [
            {"body": b.source, "first_words": " ".join(b.opening.split()[:12])}
            for b in joined.orphan_bodies
        ],
        "stories": story_report(checked),
        "diagnostics": [asdict(d) for d in checked.diagnostics],
    }


def story_report(checked: Checked) -> list[dict[str, object]]:
    """Return every story of two or more articles: its page's path under the site's URL, and
    the record files of its lead and members (oldest first)."""
    site = checked.site
    urls = assign_urls(site)
    return [{"url": story_path(urls.articles[story.lead]).removesuffix("index.html"),
             "lead": story.lead, "members": list(story.members)}
            for story in stories_of(site).by_id.values()]


def write_report(path: Path, checked: Checked) -> None:
    """Write the join report as JSON to ``path`` (outside the site; the user chose it)."""
    path.write_text(json.dumps(join_report(checked), indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")


def summary(built: Built, verbose: bool = False) -> list[str]:
    """Return the lines printed after a build, in the manner of Hugo's table: what was built
    and how long it took; ``verbose`` adds topics, providers, search and each stage's time."""
    tally = built.tally
    joins = ", ".join(f"{n} {m}" for m, n in tally.joins)
    lines = [f"Articles published  {tally.published:>6}   (joined: {joins or 'none'})"]
    if verbose:
        lines += [f"Topics              {tally.topics:>6}",
                  f"Providers           {tally.providers:>6}"]
    lines += [
        f"Pages               {built.pages:>6}",
        f"Files written       {built.stats.written:>6}   ({built.stats.unchanged} unchanged)",
    ]
    if verbose or not built.search:
        lines.append("Search                 on   (Pagefind index in pagefind/)" if built.search else
                     "Search                off   (search = false in digest.toml: no index, no "
                     "search page)")
    skipped = len(tally.skipped) + len(tally.orphans)
    if skipped or verbose:
        lines.append(f"Files skipped       {skipped:>6}")
    lines += [f"  {source}: body without a record" for source in tally.orphans]
    lines += [f"  {path}: not content" for path in tally.skipped]
    held = [d for d in tally.diagnostics if d.code in NOT_PUBLISHED]
    if held:
        lines.append(f"Records not published {len(held):>4}")
        lines += [f"  {d.path}: {d.message} ({d.code})" for d in sorted(held, key=_place)]
    took = f"Built in {built.timings.total * 1000:.0f} ms"
    stages = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in built.timings.stages.items())
    lines.append(f"{took} ({stages})" if verbose else took)
    return lines


NOT_PUBLISHED = {"D107", "D108", "D111", "D200", "D201", "D401", "D402", "D403"}
"""The codes that say a record is not on the site: each such record is named in the summary."""


def _place(diagnostic: Diagnostic) -> tuple[str, int]:
    return diagnostic.path, diagnostic.line


def count_line(diagnostics: tuple[Diagnostic, ...]) -> str:
    """Return '2 errors, 3 warnings' style counts."""
    counts = Counter(d.severity for d in diagnostics)
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning")]
    return ", ".join(parts)


def shown_path(config: Config, rel: str) -> str:
    """Return a content path as the user can open it from the current folder."""
    return os.path.relpath(config.content / rel)
