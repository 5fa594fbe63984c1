"""Published addresses: every address an article or story page was ever published at, kept in
``addresses.json`` beside ``digest.toml`` (commit it, as a lock file), so that no link breaks.

An article's address is made from its headline, a story's from its lead's. When a headline is
edited, or stories merge or split, a page moves: its old address becomes a redirect page to the
page that now holds what it showed, and ``digest build`` adds the new address to the file. The
file maps each address to its owner: an article's id, or a story's members (lead first). An
address whose owner is gone leads nowhere; an address some page holds now is that page (a real
page wins over a redirect, and is reported). Redirects are planned pages, so edits, ``serve``
and clean builds all make them alike.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import suppress
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from digest.config import ADDRESSES_NAME, Config
from digest.errors import DigestError
from digest.model import Site
from digest.plan.page import Page, page_key
from digest.plan.urls import Urls, absolute_url
from digest.story.cluster import Stories

if TYPE_CHECKING:
    from digest.plan.pages import Planner

log = logging.getLogger(__name__)

REDIRECT = "redirect.html"
"""The template of a redirect page."""

Owner = str | tuple[str, ...]
"""An article's id, or a story's members, lead first."""
Published = Mapping[str, Owner]
"""Each address (a page path, ``…/index.html``) ever published, to its owner."""

_ADDRESS = re.compile(r"(?:articles|stories)(?:/[^/\\.\s\x00-\x1f\x7f]+)+/")
"""An address as the file writes it: a folder of articles/ or stories/, ending in a slash; no
part has a dot (slugs have none), so none is '..' nor a page's file (``feed.xml``)."""


class AddressesFileError(DigestError):
    """``addresses.json`` cannot be read: a build stops before reading the content."""


def addresses_path(config: Config) -> Path:
    return config.root / ADDRESSES_NAME


def published(config: Config) -> Published:
    """Return the published addresses (none if there is no file); read again only when the
    file changed. Raises AddressesFileError naming the file and line."""
    path = addresses_path(config)
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return {}
    return _read(str(path), (stat.st_mtime_ns, stat.st_size, stat.st_ino))


@lru_cache(maxsize=2)
def _read(path: str, signature: tuple[int, int, int]) -> Published:
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise AddressesFileError(f"{path}: cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise AddressesFileError(
            f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg} (fix it, or take it "
            "back from version control: old addresses redirect only while it lists them)"
        ) from None
    if not isinstance(data, dict):
        raise AddressesFileError(f"{path}:1:1: expected an object of addresses")
    addresses: dict[str, Owner] = {}
    for address, owner in data.items():
        if not _safe(address):
            raise AddressesFileError(
                f"{path}:{_line_of(text, address)}: {address!r} is not an address of this site "
                "(articles/…/ or stories/…/, relative, no '.' or '..' parts)")
        if isinstance(owner, str) and owner and address.startswith("articles/"):
            addresses[address + "index.html"] = owner
        elif isinstance(owner, list) and owner and all(isinstance(m, str) and m for m in owner):
            addresses[address + "index.html"] = tuple(owner)
        else:
            raise AddressesFileError(
                f"{path}:{_line_of(text, address)}: {address!r} must name an article's record "
                "file (articles/) or a story's (stories/: a list, lead first)")
    return dict(sorted(addresses.items()))


def _line_of(text: str, address: str) -> int:
    """The line of the file naming an address (1 if none does, as written): counted only for a
    message, when one is wrong."""
    at = text.find(json.dumps(address)[:-1] + '":')
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def _safe(address: str) -> bool:
    return _ADDRESS.fullmatch(address) is not None


def owners(site: Site, urls: Urls, stories: Stories, story_paths: Mapping[str, str]
           ) -> dict[str, Owner]:
    """Return the owner of each article and story page of a site, by its path."""
    found: dict[str, Owner] = {urls.articles[aid]: aid for aid in site.order}
    for sid, story in stories.by_id.items():
        found[story_paths[sid]] = (story.lead, *(m for m in story.members if m != story.lead))
    return found


def redirect_pages(addresses: Published, real: Iterable[str], site: Site, urls: Urls,
                   stories: Stories, story_paths: Mapping[str, str], config: Config,
                   only: frozenset[str] | None = None) -> Iterator[Page]:
    """Plan a redirect page at each published address no page of the site holds, to where its
    owner is now; with ``only``, for the addresses of those articles alone. A published
    address some other page holds now is reported: that page wins."""
    taken = set(real)
    for address, owner in addresses.items():  # sorted
        if only is not None and owner not in only:
            continue
        found = _target(owner, site, urls, stories, story_paths)
        if found is None or found[0] == address:
            continue
        target, title = found
        if address in taken:
            log.warning("%s: once %s's address, now another page's: that page is kept, and old "
                        "links lead to it", address.removesuffix("index.html"),
                        owner if isinstance(owner, str) else f"the story of {owner[0]}")
            continue
        yield Page(address, REDIRECT, {"title": title, "target": target, "noindex": True,
                                       "target_url": absolute_url(config, target)},
                   page_key(target, title))


def _target(owner: Owner, site: Site, urls: Urls, stories: Stories,
            story_paths: Mapping[str, str]) -> tuple[str, str] | None:
    """Where the page an owner had is now, and its title: an article's page; for a story, the
    story holding its lead, else the one holding most of its members, else its lead's page."""
    if isinstance(owner, str):
        return _article(owner, site, urls)
    sid = stories.of.get(owner[0])
    if sid is None:
        held = Counter(stories.of[m] for m in owner if m in stories.of)
        if not held:
            return _article(owner[0], site, urls)
        sid = min(held, key=lambda s: (-held[s], story_paths[s]))  # a tie: the first path
    return story_paths[sid], site.articles[stories.by_id[sid].lead].record.title


def _article(aid: str, site: Site, urls: Urls) -> tuple[str, str] | None:
    article = site.articles.get(aid)
    return (urls.articles[aid], article.record.title) if article else None


def moves(before: Mapping[str, Owner], after: Mapping[str, Owner]) -> dict[str, str]:
    """Return the pages that moved, old path to new, from each article and story page's owner
    before and after: an article's page to its page now; a story's to the story holding its
    lead now, else most of its members (as its redirect page would)."""
    articles = {owner: path for path, owner in after.items() if isinstance(owner, str)}
    held = {m: path for path, owner in after.items() if not isinstance(owner, str) for m in owner}
    found = {}
    for path, owner in before.items():
        if isinstance(owner, str):
            to = articles.get(owner)
        elif owner[0] in held:
            to = held[owner[0]]
        else:
            count = Counter(held[m] for m in owner if m in held)
            to = min(count, key=lambda p: (-count[p], p)) if count else None
        if to is not None and to != path:
            found[path] = to
    return found


def remember(config: Config, planned: Mapping[str, Owner]) -> bool:
    """Add the addresses of the pages ``planned`` (path to owner) to ``addresses.json``, each
    to its owner now; write the file only if that changes it. Return whether it did."""
    before = published(config)
    after = dict(sorted({**before, **planned}.items()))
    if after == before:
        return False
    path = addresses_path(config)
    temporary = path.with_name(f".{ADDRESSES_NAME}.{os.getpid()}")
    try:
        temporary.write_text(dump(after), encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:  # the site is written: say what is lost, and go on
        with suppress(OSError):
            temporary.unlink(missing_ok=True)
        log.warning("%s: cannot be written (%s): pages moved since will not redirect from the "
                    "addresses they leave", path, exc.strerror or exc)
        return False
    return True


def dump(addresses: Published) -> str:
    """Write the addresses as the file holds them: sorted, one a line, for readable diffs."""
    lines = [f"  {json.dumps(address.removesuffix('index.html'), ensure_ascii=False)}: "
             f"{json.dumps(owner if isinstance(owner, str) else list(owner), ensure_ascii=False)}"
             for address, owner in sorted(addresses.items())]
    return "{\n" + ",\n".join(lines) + ("\n}\n" if lines else "}\n")


def redirects_of(planner: Planner, real: Iterable[str] | None = None,
                 only: frozenset[str] | None = None) -> list[Page]:
    """Plan the redirect pages of a site as ``planner`` planned it; ``real`` are its pages'
    paths (by default, its articles' and stories'). Notes each story page's owner too."""
    stories = planner.stories
    if only is None:
        planner.owners.update(owners(planner.site, planner.urls, stories.found, stories.paths))
    if real is None:
        real = {*planner.urls.articles.values(), *stories.paths.values()}
    return list(redirect_pages(published(planner.config), real, planner.site, planner.urls,
                               stories.found, stories.paths, planner.config, only))
