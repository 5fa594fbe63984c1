"""The plain data passed between pipeline stages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from digest.pickling import quick_pickled
from digest.printable import printable
from digest.read.clean import normalise_url, words

Severity = Literal["error", "warning", "info"]
OPENING = 400
"""Characters of a body's text kept as its opening: enough to match it to its record."""


@quick_pickled
@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem found in the input, with its place and what to do about it."""

    path: str
    """File the problem is in, relative to the content folder."""
    line: int
    """1-based line, or 0 when the problem concerns the whole file."""
    severity: Severity
    code: str
    """Stable identifier such as ``D101``; listed in docs/reference.md."""
    message: str
    hint: str = ""
    """What the editor can do to fix it."""
    col: int = 1

    def __str__(self) -> str:
        # Whole-file problems (line 0) point at the file's start, so every line reads alike.
        place = f"{self.path}:{self.line}:{self.col}" if self.line else f"{self.path}:1:1"
        text = f"{place}: {self.severity} {self.code}: {self.message}"
        return printable(f"{text} ({self.hint})" if self.hint else text)


@quick_pickled
@dataclass(frozen=True, slots=True)
class Image:
    """An image with an http(s) source."""

    url: str
    width: int | None = None
    height: int | None = None
    title: str = ""


@quick_pickled
@dataclass(frozen=True, slots=True)
class Provider:
    """A news outlet."""

    name: str
    domain: str = ""
    logo: Image | None = None


@quick_pickled
@dataclass(frozen=True, slots=True)
class Related:
    """Coverage of the same story by another outlet."""

    title: str
    url: str | None
    """The item's ``webUrl`` when it is http(s), else None (never rendered as a link)."""
    excerpt: str = ""
    published: datetime | None = None
    provider: Provider | None = None
    image: Image | None = None
    url_key: str = field(init=False, repr=False, compare=False)
    """``url`` normalised, to find the item among this digest's articles; computed once."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "url_key", normalise_url(self.url) if self.url else "")


@quick_pickled
@dataclass(frozen=True, slots=True)
class Record:
    """A metadata record: everything about an article except its body."""

    source: str
    """Path of the file holding the record, relative to the content folder."""
    line: int
    """Line where the record's YAML starts."""
    title: str
    excerpt: str = ""
    published: datetime | None = None
    """Publication time, always in UTC."""
    url: str | None = None
    """The source: ``webUrl``, else ``originalUrl`` (a video's page), when it is http(s)."""
    updated: datetime | None = None
    """``updatedDateTime``, in UTC, when later than ``published``."""
    duration: int | None = None  # a video's, in seconds
    embed: str | None = None
    """The https address of the player ``featuredContent`` embeds (never its HTML)."""
    provider: Provider | None = None
    topics: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()
    related: tuple[Related, ...] = ()
    """Empty while the items wait on disk (``related_stored``)."""
    category: str = ""
    kind: str = ""
    """The upstream ``type`` field (``article``, ``video``...)."""
    quality: int | None = None
    heat: int | None = None
    feed_published: bool | None = None
    """Upstream ``published`` state, kept as data; see ``hide_unpublished``."""
    draft: bool = False
    body_path: str | None = None
    """The explicit ``body:`` field, as written."""
    extra: Mapping[str, object] = field(default_factory=dict, compare=False)
    """Unknown fields, kept for scripts but never rendered. ``secured`` is dropped."""
    related_stored: str = ""
    """The name the related items are kept under on disk (``store.py``), if they are: then
    ``related`` is empty until the article's page reads them back."""
    related_keys: tuple[str, ...] = field(default=(), repr=False, compare=False)
    """Each related item's ``url_key``, all planning needs of them; kept while they are stored."""
    probes: tuple[str, str] = field(init=False, repr=False, compare=False)
    """The case-folded words of the excerpt and of the title, space-separated, for finding the
    record's body by its opening; kept in the parse cache. Not tuples of words: they took half
    of a record's memory."""
    url_key: str = field(init=False, repr=False, compare=False)
    """``url`` normalised, under which two spellings of it are one article; computed once."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "probes", (" ".join(words(self.excerpt)),
                                            " ".join(words(self.title))))
        object.__setattr__(self, "url_key", normalise_url(self.url) if self.url else "")
        if not self.related_stored:
            object.__setattr__(self, "related_keys", tuple(i.url_key for i in self.related))


class BodyFormat(StrEnum):
    """How a body's text is turned into HTML."""

    TEXT = "text"
    MARKDOWN = "markdown"


@quick_pickled
@dataclass(frozen=True, slots=True)
class Body:
    """An article body."""

    source: str
    line: int
    """Line of the file where the body text starts."""
    format: BodyFormat
    text: str
    """Cleaned text: paragraphs a line (plain text) or Markdown source; empty while stored."""
    dateline: date | None = None
    """A leading ``date YYYY-MM-DD`` taken off the text."""
    stored: str = ""
    """The name the text is kept under on disk (``store.py``); ``text`` is empty until read back."""
    opening: str = ""
    """The text's first few hundred characters, for matching and reports."""
    words: int = 0
    """How many words the text has, for reading times."""
    opening_key: str = field(default="", repr=False, compare=False)
    """The opening's case-folded words, space-separated, for matching; kept in the parse cache."""

    def __post_init__(self) -> None:
        # Derived here, once: a body given its text back from the store keeps what was derived.
        if not self.stored:
            object.__setattr__(self, "opening", self.text[:OPENING])
            object.__setattr__(self, "words", len(self.text.split()))
        if not self.opening_key:
            object.__setattr__(self, "opening_key", " ".join(words(self.opening)))

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """Return the non-empty lines of a plain-text body."""
        return tuple(line for line in self.text.split("\n") if line)


@dataclass(frozen=True)
class Loaded:
    """Everything read from the content folder."""

    records: tuple[Record, ...]
    bodies: tuple[Body, ...]
    diagnostics: tuple[Diagnostic, ...]
    skipped: tuple[str, ...] = ()
    """Files that are not content (images, unknown types), relative paths."""
    versions: Mapping[str, str] = field(default_factory=dict, compare=False)
    """Content file path to a digest of its bytes: what its records and bodies were read from."""


class JoinMethod(StrEnum):
    """How an article's body was found."""

    SAME_FILE = "same-file"
    EXPLICIT = "explicit"
    SAME_STEM = "same-stem"
    CONTENT = "content"
    NONE = "none"


@quick_pickled
@dataclass(frozen=True, slots=True)
class Article:
    """A record joined to its body (if any)."""

    id: str
    """Stable identity: the record's source path."""
    record: Record
    body: Body | None
    method: JoinMethod
    version: str = ""
    """A digest of the files it was read from and how they were joined; empty when unknown."""

    @property
    def record_version(self) -> str:
        """Return the digest of the record's file alone (of its body too, when they share it)."""
        return self.version.partition("/")[0]


@dataclass(frozen=True)
class Matches:
    """What matching records to bodies by content found for each record, kept from one build to
    the next: a record whose key is unchanged, among the same unclaimed bodies, finds the same
    candidates, so a build after an edit of one record scores that record's alone."""

    among: str = ""
    """A digest of the unclaimed bodies the candidates were found among."""
    found: Mapping[str, tuple[str, tuple[tuple[int, str], ...]]] = field(default_factory=dict)
    """Record file to a digest of what its candidates depend on, and its candidates: the words
    matched and file of each."""
    heads: frozenset[str] = frozenset()
    """The first words of every unclaimed body's opening: a record finds candidates only among
    the bodies that open as its excerpt does."""


@dataclass(frozen=True)
class Joined:
    """The result of the join stage."""

    articles: tuple[Article, ...]
    orphan_bodies: tuple[Body, ...]
    diagnostics: tuple[Diagnostic, ...]
    matches: Matches = field(default_factory=Matches)


@dataclass(frozen=True)
class Tally:
    """What a build tells of its content: the summary's counts and every diagnostic; kept for a
    build that reads only the files edited since (``edit.py``)."""

    published: int
    joins: tuple[tuple[str, int], ...]
    """How many published articles each join method found, by method."""
    topics: int
    providers: int
    orphans: tuple[str, ...]
    """Bodies without a record."""
    skipped: tuple[str, ...]
    """Files that are not content."""
    diagnostics: tuple[Diagnostic, ...]

    @property
    def errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)


@dataclass(frozen=True)
class Term:
    """A topic or a provider, with the ids of the articles listed under it."""

    key: str
    """Case-folded name: ``AI`` and ``ai`` are one topic."""
    name: str
    """The spelling shown, taken from the newest article that uses it."""
    article_ids: tuple[str, ...]
    """Newest first."""


@dataclass(frozen=True)
class Site:
    """The indexed digest: articles stored once, indexes holding their ids."""

    articles: Mapping[str, Article]
    order: tuple[str, ...]
    """Published article ids, newest first."""
    topics: Mapping[str, Term]
    """Topic key to topic, in name order."""
    providers: Mapping[str, Term]
    """Provider key to provider, in name order."""
    by_url: Mapping[str, str]
    """Normalised original URL to article id, for resolving related coverage."""
    dated: Mapping[str, datetime]
    """Each dated article's publication time, read without the article (``kept.Unpickled``)."""
    diagnostics: tuple[Diagnostic, ...] = ()
