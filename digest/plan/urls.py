"""The URL scheme: where every article, topic, provider, edition and API page lives. Decided here only."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from digest.config import Config
from digest.errors import DigestError
from digest.model import Article, Site
from digest.pickling import quick_pickled
from digest.plan.page import Page

SLUG_LENGTH = 80
SLUG_BYTES = 160
_NOT_WORD = re.compile(r"[\W_]+")
_ASCII_NOT_WORD = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})
"""Each ASCII character ``_NOT_WORD`` matches, to a space."""


@quick_pickled  # kept for each article page (its neighbours) by every build
@dataclass(frozen=True, slots=True)  # several per article card
class Link:
    """Text and a site path (relative to the site root) or an absolute external URL."""

    text: str
    url: str


@dataclass(frozen=True)
class Urls:
    """Every page path of the site, decided once."""

    articles: Mapping[str, str]
    topics: Mapping[str, str]
    providers: Mapping[str, str]


def absolute_url(config: Config, path: str) -> str:
    """Return the absolute URL a page is published at, as feeds and search engines see it."""
    return config.base_url + path.removesuffix("index.html")


def story_path(lead_path: str) -> str:
    """Return the path of a story's page, made from its lead article's (so it stays while
    articles join): ``stories/YYYY/MM/<slug>/index.html``."""
    return "stories/" + lead_path.removeprefix("articles/")


def day_path(day: date) -> str:
    """Return the path of a day's edition: ``editions/2020/06/12/index.html``."""
    return f"editions/{day.year:04}/{day.month:02}/{day.day:02}/index.html"


def week_path(week: tuple[int, int]) -> str:
    """Return the path of an ISO week's edition: ``editions/2020/W24/index.html``."""
    return f"editions/{week[0]:04}/W{week[1]:02}/index.html"


def api_path(folder: str, n: int) -> str:
    """Return the path of page ``n`` of a list in the JSON API: ``api/topics/ai/page/2.json``
    for ``folder`` ``topics/ai/``."""
    return f"api/{folder}page/{n}.json"


Wanted = dict[str, tuple[str, str]]
"""Each article's folder and slug, by id, oldest first: what its path is made of."""


def assign_urls(site: Site, wanted: Wanted | None = None) -> Urls:
    """Give every article, topic and provider a stable, readable, unique path; ``wanted`` is
    ``wanted_paths(site)``, if made already."""
    topics = unique_paths({k: ("topics", slugify(t.name)) for k, t in site.topics.items()})
    providers = unique_paths({k: ("providers", slugify(t.name))
                              for k, t in site.providers.items()})
    return Urls(unique_paths(wanted or wanted_paths(site)), topics, providers)


def wanted_paths(site: Site) -> Wanted:
    """Return each article's folder and slug, oldest first: a newcomer never takes an old URL."""
    return {aid: wanted_path(site.articles[aid]) for aid in reversed(site.order)}


def wanted_path(article: Article) -> tuple[str, str]:
    """Return the folder and the slug an article's path is made of."""
    return _article_folder(article), slugify(article.record.title)


@lru_cache(maxsize=1 << 17)  # the preview server plans the same titles on every save
def slugify(text: str) -> str:
    """Return a lower-case, hyphenated slug that keeps letters of every script."""
    if text.isascii():  # most titles: _NOT_WORD's work, as plain string methods do it faster
        slug = "-".join(text.lower().translate(_ASCII_NOT_WORD).split())
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        bare = unicodedata.normalize("NFC", "".join(
            c for c in decomposed if not unicodedata.combining(c)))
        slug = _NOT_WORD.sub("-", bare.casefold()).strip("-")
    if len(slug) > SLUG_LENGTH:
        slug = slug[:SLUG_LENGTH].rsplit("-", 1)[0]
    if slug.isascii():  # at most SLUG_LENGTH bytes
        return slug
    # File names are limited to 255 bytes, and 80 letters of some scripts take 320.
    return slug.encode()[:SLUG_BYTES].decode("utf-8", "ignore").strip("-")


def _article_folder(article: Article) -> str:
    when = article.record.published
    # Not strftime, which costs ten times as much; glibc's %Y does not pad years either.
    return f"articles/{when.year}/{when.month:02}" if when else "articles/undated"


def unique_paths(wanted: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Turn (folder, slug) per key into unique paths; later keys yield to earlier ones."""
    taken: set[str] = set()
    paths: dict[str, str] = {}
    for key, (folder, slug) in wanted.items():
        base = f"{folder}/{slug or 'item'}"
        path = base
        if not slug or path in taken:
            path = f"{base}-{hashlib.sha1(key.encode()).hexdigest()[:6]}"
        taken.add(path)
        paths[key] = f"{path}/index.html"
    return paths


def check_collisions(pages: list[Page]) -> None:
    """Refuse a plan in which two pages would be written to one path."""
    clashes = [path for path, n in Counter(p.path for p in pages).items() if n > 1]
    if clashes:
        raise DigestError(f"two pages would be written to {', '.join(sorted(clashes)[:5])}")
