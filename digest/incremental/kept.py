"""The site the last whole build planned, kept for builds after an edit (``edit.py``).

An edit of records plans again only the pages that show the edited articles, from this site:
what each article's path is made of, the paths, and which articles link to which. A whole build
saves it (``site.pickle``, each article pickled alone: such a build reads a few hundred); each
edit since adds a ``KeptEdits`` to the cache's main file rather than writing it again.
"""

from __future__ import annotations

import hmac
import logging
import os
import pickle
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from digest.incremental.sealed import FILE, hasher, writing
from digest.model import Article, Site
from digest.plan.pages import lean
from digest.plan.urls import Urls, Wanted, assign_urls, wanted_paths
from digest.story.cluster import Stories, cluster_evidence
from digest.story.evidence import Evidence, evidence_of
from digest.story.window import recounted

log = logging.getLogger(__name__)

KEPT_FILE = "site.pickle"


@dataclass(frozen=True)
class Kept:
    """What of the site a whole build planned an edit needs, but the articles (kept beside it)."""

    site: Site
    """The site but its articles."""
    wanted: Wanted
    """What each article's path is made of (``urls.wanted_paths``)."""
    urls: Urls
    linking: Mapping[str, tuple[str, ...]]
    """Article id to the articles whose related coverage links to its page."""
    evidence: Mapping[str, Evidence] = field(default_factory=dict)
    """What clustering reads of each article: an edit clusters again without the articles."""
    stories: Stories | None = None
    """The site's stories, as planned."""


@dataclass(frozen=True)
class KeptEdits:
    """What edits changed of the kept site: a few entries, where the site is thousands."""

    articles: dict[str, Article] = field(default_factory=dict)
    """Each article changed, as it now is (``plan.lean``)."""
    wanted: Wanted = field(default_factory=dict)
    """What each retitled article's path is made of (``urls.wanted_path``)."""
    paths: dict[str, str] = field(default_factory=dict)
    """Each article whose page moved, and its path now."""
    linking: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The articles now linking to each article, where that changed."""

    def then(self, later: KeptEdits) -> KeptEdits:
        """Return these edits followed by ``later`` ones."""
        return KeptEdits({**self.articles, **later.articles}, {**self.wanted, **later.wanted},
                         {**self.paths, **later.paths}, {**self.linking, **later.linking})

    def applied(self, kept: Kept) -> Kept:
        """Return ``kept`` as these edits left it (its articles aside: see ``articles``)."""
        if not (self.wanted or self.paths or self.linking or self.articles):
            return kept
        evidence = {aid: evidence_of(article) for aid, article in self.articles.items()}
        # The stories are as they were, but for the word counts they were weighed by.
        stories = recounted(kept.stories, [kept.evidence[aid] for aid in evidence
                                           if aid in kept.evidence],
                            [e for aid, e in evidence.items() if aid in kept.evidence])
        return replace(kept, wanted={**kept.wanted, **self.wanted},
                       urls=replace(kept.urls, articles={**kept.urls.articles, **self.paths}),
                       linking={**kept.linking, **self.linking},
                       evidence={**kept.evidence, **evidence}, stories=stories)


def keep(site: Site, evidence: Mapping[str, Evidence] | None = None,
         stories: Stories | None = None) -> Kept:
    """Return what an edit needs of a whole build's site, but the articles (``pickled``);
    ``evidence`` and ``stories``, if given, are what the plan clustered it by and into."""
    linking = defaultdict(list)
    for aid in site.order:
        for target in targets(site, site.articles[aid]):
            linking[target].append(aid)
    wanted = wanted_paths(site)
    if not evidence or stories is None:
        evidence = {aid: evidence_of(site.articles[aid]) for aid in site.order}
        stories = cluster_evidence(evidence.values())
    return Kept(replace(site, articles={}), wanted, assign_urls(site, wanted),
                {aid: tuple(sources) for aid, sources in linking.items()}, evidence, stories)


def targets(site: Site, article: Article) -> set[str]:
    """Return the articles of the site that an article's related coverage links to."""
    return {target for key in article.record.related_keys
            if key and (target := site.by_url.get(key)) is not None}


def pickled(articles: Mapping[str, Article]) -> Iterator[tuple[str, bytes]]:
    """Yield each article's id, and the article made ``lean`` and pickled."""
    for aid, article in articles.items():
        yield aid, pickle.dumps(lean(article), protocol=pickle.HIGHEST_PROTOCOL)


def save_kept(folder: Path, site: Site, evidence: Mapping[str, Evidence] | None = None,
              stories: Stories | None = None) -> str:
    """Keep ``site`` for builds after an edit (``keep``, with the ``evidence`` and ``stories``
    it was clustered by and into, if given) in the cache folder, an article at a time; return
    the file's checksum, for the main file to name.

    The file holds the pickled ``Kept``, each article's bytes (``pickled``), an index of where
    each is from the first, and (in its last 16 bytes) where the articles and the index start.
    The ``Kept`` is pickled straight into the file: at 100,000 articles it is 100 MB, not to be
    held whole.
    """
    folder.mkdir(parents=True, exist_ok=True)
    index: dict[str, tuple[int, int]] = {}
    with writing(folder / KEPT_FILE) as out:
        pickle.dump(keep(site, evidence, stories), out, protocol=pickle.HIGHEST_PROTOCOL)
        articles = out.size
        for aid, data in pickled(site.articles):
            index[aid] = (out.size - articles, len(data))
            out.write(data)
        at = out.size
        out.write(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
                  + articles.to_bytes(8, "little") + at.to_bytes(8, "little"))
    return out.checksum


def load_kept(folder: Path, sealed: str, since: KeptEdits
              ) -> tuple[Kept, Mapping[str, Article]] | None:
    """Read the site the last whole build kept in ``folder``, as the edits ``since`` left it;
    None, with a warning, unless its checksum is ``sealed`` (the main file's). Its articles are
    unpickled as they are read."""
    if not sealed:
        return None
    try:
        # Read as two buffers, so that the first (the site but its articles, 100 MB at 100,000
        # articles) is freed once unpickled; the whole file is checked before any of it is
        # unpickled, as a pickle from elsewhere may run code.
        with (folder / KEPT_FILE).open("rb") as stream:
            stream.seek(-16, os.SEEK_END)
            trailer = stream.read(16)
            articles, at = (int.from_bytes(trailer[:8], "little"),
                            int.from_bytes(trailer[8:], "little"))
            stream.seek(0)
            head, rest = stream.read(articles), stream.read()
        mac = hasher(FILE)
        mac.update(head)
        mac.update(rest)
        if not hmac.compare_digest(mac.hexdigest(), sealed):
            raise ValueError("not the site this cache was saved with")
        kept = pickle.loads(head)
        del head
        view = memoryview(rest)  # from the first article on, as the index counts
        index = pickle.loads(view[at - articles:-16])
        if not isinstance(kept, Kept) or not isinstance(index, dict):
            raise TypeError("not a site")
    except Exception as exc:  # whatever is wrong, the whole build reads every file
        log.warning("cache %s is damaged or stale (%s); building everything",
                    folder / KEPT_FILE, exc if isinstance(exc, ValueError) else type(exc).__name__)
        return None
    return since.applied(kept), Unpickled(view, index, since.articles)


class Unpickled(Mapping[str, Article]):
    """Articles pickled one by one in one buffer, each unpickled when first read: a buffer
    ``load_kept`` found sealed by this user's digest."""

    def __init__(self, data: memoryview, index: Mapping[str, tuple[int, int]],
                 made: Mapping[str, Article]) -> None:
        self._data, self._index, self._made = data, index, dict(made)

    def with_articles(self, articles: Mapping[str, Article]) -> Unpickled:
        """Return these articles, ``articles`` put in."""
        return Unpickled(self._data, self._index, {**self._made, **articles})

    def __getitem__(self, aid: str) -> Article:
        made = self._made.get(aid)
        if made is None:
            at, length = self._index[aid]
            made = self._made[aid] = pickle.loads(self._data[at:at + length])
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


def with_articles(articles: Mapping[str, Article], edited: Mapping[str, Article]
                  ) -> Mapping[str, Article]:
    """Return ``articles`` with the ``edited`` ones in their places."""
    if isinstance(articles, Unpickled):
        return articles.with_articles(edited)
    return {**articles, **edited}
