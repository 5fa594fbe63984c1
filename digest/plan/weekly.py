"""Plan the weekly editions: a page an ISO week that has articles, with the week's top stories
(the most outlets first, then the newest) and links to its days' editions.

An article in no story counts as a story of one outlet. A week's key holds the card keys of the
stories it shows, so an edit of a record reaches it as it reaches a day's edition.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from digest.plan.article import Card, card_images, common
from digest.plan.page import Deferred, Page, page_key
from digest.plan.stories import outlet
from digest.plan.urls import Link, day_path, week_path

if TYPE_CHECKING:
    from digest.plan.editions import Editions

Week = tuple[int, int]
"""An ISO year and week number."""


def week_of(day: date) -> Week:
    year, week, _ = day.isocalendar()
    return year, week


def week_title(week: Week) -> str:
    """Return a week as readers say it: Week 24, 2020."""
    return f"Week {week[1]}, {week[0]}"


def week_span(week: Week) -> str:
    """Return the days a week runs: 8–14 June 2020, 29 June – 5 July 2020."""
    monday = date.fromisocalendar(*week, 1)
    sunday = monday + timedelta(days=6)
    if monday.year != sunday.year:
        return f"{monday.day} {monday:%B} {monday.year} – {sunday.day} {sunday:%B} {sunday.year}"
    if monday.month != sunday.month:
        return f"{monday.day} {monday:%B} – {sunday.day} {sunday:%B} {sunday.year}"
    return f"{monday.day}–{sunday.day} {sunday:%B} {sunday.year}"


@dataclass(frozen=True)
class Top:
    """One of a week's top stories: its lead's card (or the lone article's), how many outlets
    cover it and how many of its articles the week holds."""

    card: Card
    outlets: int
    articles: int


class Weeks:
    """The weeks that have articles, newest first, and their pages."""

    def __init__(self, editions: Editions) -> None:
        self.editions = editions

    @cached_property
    def weeks(self) -> dict[Week, tuple[date, ...]]:
        """Each week that has articles, newest first, with its days, oldest first."""
        weeks: dict[Week, list[date]] = {}
        for day in self.editions.days:  # newest first
            weeks.setdefault(week_of(day), []).insert(0, day)
        return {week: tuple(days) for week, days in weeks.items()}

    def link(self, day: date) -> Link:
        """Return the link to the week of a day that has articles."""
        week = week_of(day)
        return Link(week_title(week), week_path(week))

    def pages(self, feeds: tuple[Link, ...], days: AbstractSet[date] | None = None
              ) -> Iterator[Page]:
        """Plan every week's page; only those of ``days``, if given."""
        weeks = list(self.weeks)
        wanted = set(weeks) if days is None else {week_of(day) for day in days}
        for n, week in enumerate(weeks):
            if week in wanted:
                yield self._page(week, weeks[n + 1] if n + 1 < len(weeks) else None,
                                 weeks[n - 1] if n else None, feeds)

    def top(self, week: Week) -> list[tuple[str, int, int]]:
        """Return the week's top stories, at most ``page_size``: each shown article's id (the
        story's lead, or the lone article), its outlets and its articles in the week."""
        views, by_day = self.editions.views, self.editions.days
        site, found = views.site, views.stories.found
        ranked: dict[str, list[str]] = {}
        for day in self.weeks[week]:
            for aid in by_day[day]:
                ranked.setdefault(found.of.get(aid, aid), []).append(aid)

        def outlets(sid: str) -> int:
            members = found.by_id[sid].members if sid in found.by_id else (sid,)
            return len({outlet(site.articles[m]).casefold() for m in members})

        def newest(ids: list[str]) -> float:
            return max(t.timestamp() for aid in ids if (t := site.articles[aid].record.published))

        items = [(found.by_id[sid].lead if sid in found.by_id else sid, outlets(sid), len(ids),
                  newest(ids)) for sid, ids in ranked.items()]
        items.sort(key=lambda item: (-item[1], -item[3], item[0]))
        return [(aid, count, articles) for aid, count, articles, _ in
                items[:self.editions.config.page_size]]

    def _page(self, week: Week, before: Week | None, after: Week | None,
              feeds: tuple[Link, ...]) -> Page:
        editions, views = self.editions, self.editions.views
        path, title = week_path(week), week_title(week)
        days = tuple((Link(f"{day:%A} {day.day} {day:%B}", day_path(day)), len(editions.days[day]))
                     for day in self.weeks[week])
        older = Link(week_title(before), week_path(before)) if before else None
        newer = Link(week_title(after), week_path(after)) if after else None
        top = self.top(week)
        key = page_key(path, repr((older, newer, days, feeds)),
                       *[f"{count}\0{articles}\0{views.keys[aid]}" for aid, count, articles in top])
        newest = views.site.articles[editions.days[self.weeks[week][-1]][0]].record.published

        def make() -> dict[str, object]:
            shown = [Top(views.card(aid), count, articles) for aid, count, articles in top]
            return {"title": title, "span": week_span(week), "days": days, "top": shown,
                    "older": older, "newer": newer, "archive": "editions/index.html",
                    "description": f"The top stories of {title} ({week_span(week)}).",
                    **common(feeds, card_images(t.card for t in shown), newest)}

        return Page(path, "week.html", Deferred(make, updated=newest, noindex=False), key)
