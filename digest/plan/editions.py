"""Plan the editions: a page a day that has articles, its days cut in the site's time zone
(``timezone``), the archive linking every edition, and the editions' feed.

A day's page shows its articles' cards, grouped by story (else by their first topic), so its key
holds their card keys: an edit of a record reaches the editions showing it as it reaches the
list pages (``Planner.pages_showing``). Only the days holding an article ``showing`` are planned
then; the archive shows no card, and a record that moves its article in time has the whole
site planned again (``edit.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from zoneinfo import ZoneInfo

from digest.config import Config
from digest.index import term_key
from digest.plan.article import Card, card_images, common
from digest.plan.feeds import Entry, Headline, feed_context, feed_path
from digest.plan.listing import Views
from digest.plan.page import Deferred, Page, page_key
from digest.plan.urls import Link, absolute_url, day_path, week_path
from digest.plan.weekly import Weeks, week_title

ARCHIVE = "editions/index.html"
EDITIONS_FEED = feed_path(ARCHIVE)


def day_title(day: date) -> str:
    """Return a day as readers say it: Friday 12 June 2020."""
    return f"{day:%A} {day.day} {day:%B} {day.year}"


@dataclass(frozen=True)
class Group:
    """Articles of one edition shown together: of one story, or of one topic."""

    heading: Link | None
    """The story's page (named by its lead's title) or the topic's; None for the rest."""
    story: bool
    articles: tuple[Card, ...]


@dataclass(frozen=True)
class Month:
    """A month of the archive: its days' editions, newest first."""

    title: str
    editions: tuple[tuple[Link, int], ...]
    """Each edition and how many articles it holds."""


class Editions:
    """The site's articles by day, newest day first, and the pages of those days."""

    def __init__(self, views: Views, config: Config) -> None:
        self.views, self.config = views, config
        self.zone = ZoneInfo(config.timezone)
        self.weeks = Weeks(self)

    @cached_property
    def days(self) -> dict[date, tuple[str, ...]]:
        """Each day that has articles, newest first, with its articles' ids, newest first."""
        site, zone = self.views.site, self.zone
        days: dict[date, list[str]] = {}
        for aid in site.order:  # newest first, so the days are too; undated articles last
            if (published := site.dated.get(aid)) is not None:
                days.setdefault(published.astimezone(zone).date(), []).append(aid)
        return {day: tuple(ids) for day, ids in days.items()}

    def latest(self) -> dict[str, str]:
        """Return what the home page shows of the newest edition: its path and title, if any."""
        for day in self.days:
            return {"edition": day_path(day), "edition_title": day_title(day)}
        return {}

    def pages(self, site_feeds: tuple[Link, ...], showing: AbstractSet[str] | None = None
              ) -> Iterator[Page]:
        """Plan each day's edition, the archive and the editions' feed; only the days holding
        an article ``showing`` (and the feed, if it lists one of them), if given."""
        feeds = (*site_feeds, Link(f"Editions · {self.config.title}", EDITIONS_FEED))
        days = list(self.days)
        chosen = days[:self.config.feed_entries]
        if showing is None:
            wanted = set(days)
        else:
            zone, articles = self.zone, self.views.site.articles
            wanted = {when.astimezone(zone).date() for aid in showing
                      if (when := articles[aid].record.published) is not None}
        for n, day in enumerate(days):
            if day in wanted:
                yield self._day_page(day, days[n + 1] if n + 1 < len(days) else None,
                                     days[n - 1] if n else None, feeds)
        yield from self.weeks.pages(feeds, None if showing is None else wanted)
        if showing is None:
            yield self._archive(feeds)
        if showing is None or not wanted.isdisjoint(chosen):
            yield self._feed(chosen)

    def _day_page(self, day: date, before: date | None, after: date | None,
                  feeds: tuple[Link, ...]) -> Page:
        path, title, keys = day_path(day), day_title(day), self.views.keys
        groups = self.groups(self.days[day])
        older = Link(day_title(before), day_path(before)) if before else None
        newer = Link(day_title(after), day_path(after)) if after else None
        week = self.weeks.link(day)
        key = page_key(path, repr((older, newer, week, feeds)), *[
            f"{group[0]!r}\0{','.join(keys[aid] for aid in group[1])}" for group in groups])
        newest = self.views.site.articles[self.days[day][0]].record.published

        def make() -> dict[str, object]:
            shown = [Group(heading, story, tuple(self.views.card(aid) for aid in ids))
                     for (heading, story), ids in groups]
            cards = [card for group in shown for card in group.articles]
            count = len(self.days[day])
            return {"title": title, "day": day.isoformat(), "groups": shown, "count": count,
                    "older": older, "newer": newer, "archive": ARCHIVE, "week": week,
                    "description": f"{count} article{'s' if count != 1 else ''} of {title}.",
                    **common(feeds, card_images(cards), newest)}

        return Page(path, "edition.html", Deferred(make, updated=newest, noindex=False), key)

    def groups(self, ids: tuple[str, ...]) -> list[tuple[tuple[Link | None, bool], tuple[str, ...]]]:
        """Group a day's articles: by story, the largest first; then by their first topic,
        the largest first; then the rest. Each group newest first, as ``ids`` are."""
        site, urls, stories = self.views.site, self.views.urls, self.views.stories
        found: dict[tuple[Link | None, bool], list[str]] = {}
        for aid in ids:
            sid = stories.found.of.get(aid)
            topics = site.articles[aid].record.topics
            if sid is not None:
                heading = (Link(site.articles[sid].record.title, stories.paths[sid]), True)
            elif topics:
                key = term_key(topics[0])
                heading = (Link(site.topics[key].name, urls.topics[key]), False)
            else:
                heading = (None, False)
            found.setdefault(heading, []).append(aid)
        ranked = sorted(found.items(), key=lambda item: (
            0 if item[0][1] else 1 if item[0][0] else 2, -len(item[1]),
            item[0][0].text.casefold() if item[0][0] and not item[0][1] else ""))
        return [(heading, tuple(members)) for heading, members in ranked]

    def _archive(self, feeds: tuple[Link, ...]) -> Page:
        months: dict[tuple[int, int], list[tuple[Link, int]]] = {}
        for day, ids in self.days.items():
            months.setdefault((day.year, day.month), []).append(
                (Link(day_title(day), day_path(day)), len(ids)))
        years: dict[int, tuple[list[Month], list[tuple[Link, int]]]] = {}
        for (year, month), editions in months.items():
            years.setdefault(year, ([], []))[0].append(
                Month(f"{date(year, month, 1):%B} {year}", tuple(editions)))
        for week, days in self.weeks.weeks.items():  # under its ISO year
            years.setdefault(week[0], ([], []))[1].append((Link(week_title(week), week_path(
                week)), sum(len(self.days[day]) for day in days)))
        context = {"title": "Editions", "years": [(year, tuple(m), tuple(w)) for year, (m, w)
                                                  in sorted(years.items(), reverse=True)],
                   **common(feeds, (), None)}
        return Page(ARCHIVE, "archive.html", context)

    def _feed(self, chosen: list[date]) -> Page:
        """Plan the editions' Atom feed: an entry a day, its headlines and links."""
        config, keys = self.config, self.views.keys
        key = page_key(EDITIONS_FEED, *[f"{day}\0{','.join(keys[aid] for aid in self.days[day])}"
                                        for day in chosen])
        return Page(EDITIONS_FEED, "feed.xml", Deferred(lambda: feed_context(
            EDITIONS_FEED, ARCHIVE, f"Editions · {config.title}",
            [self._entry(day) for day in chosen], config)), key)

    def _entry(self, day: date) -> Entry:
        site, urls, config = self.views.site, self.views.urls, self.config
        ids = self.days[day]
        url = absolute_url(config, day_path(day))
        records = [site.articles[aid].record for aid in ids]
        published = records[0].published
        assert published is not None  # days hold dated articles only
        updated = max((r.updated or r.published or published for r in records), default=published)
        return Entry(id=url, title=day_title(day), url=url, original=None,
                     summary=f"{len(ids)} article{'s' if len(ids) != 1 else ''}.",
                     published=published, updated=max(updated, published), topics=(),
                     author=config.title, headlines=tuple(
                         Headline(record.title, absolute_url(config, urls.articles[aid]),
                                  record.provider.name if record.provider else "")
                         for aid, record in zip(ids, records, strict=True)))

