"""The plain data passed between pipeline stages."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import StrEnum
from operator import attrgetter
from typing import Literal, TypeVar

from digest.printable import printable
from digest.read.clean import normalise_url, words

T = TypeVar("T")
Severity = Literal["error", "warning", "info"]
OPENING = 400
"""Characters of a body's text kept as its opening: enough to match it to its record."""


_REBUILDERS: dict[type, Callable[[tuple[object, ...]], object]] = {}
_NAMES: dict[type, tuple[str, ...]] = {}


def _rebuild(cls: type[T], values: tuple[object, ...]) -> T:
    """Make an instance of a slotted dataclass from its fields' values, as they were pickled."""
    return _REBUILDERS[cls](values)  # type: ignore[return-value]


def _rebuilder(cls: type, names: tuple[str, ...]) -> Callable[[tuple[object, ...]], object]:
    """Return a function that makes an instance of ``cls`` from its fields' values, through
    its slots' setters (the frozen class's __setattr__ refuses). As quick as setters written
    out one a line, which this replaced: 220-240 ms against 250-300 ms to unpickle the parse
    results of 8,000 files."""
    setters = tuple(cls.__dict__[name].__set__ for name in names)
    count, new = len(names), object.__new__

    def rebuild(values: tuple[object, ...]) -> object:
        if len(values) != count:
            raise TypeError(f"{cls.__name__} takes {count} values")
        made = new(cls)
        for setter, value in zip(setters, values, strict=True):
            setter(made, value)
        return made

    return rebuild


def quick_pickled(cls: type[T]) -> type[T]:
    """Pickle a frozen slotted dataclass as a tuple of its fields' values, derived ones too.

    The pickling that ``dataclass(slots=True)`` provides asks ``fields()`` for every object:
    unpickling the parse cache spent a third of its time there. Derived fields travel with
    the rest, so nothing is computed again.
    """
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]  # a dataclass
    _REBUILDERS[cls] = _rebuilder(cls, names)
    _NAMES[cls] = names
    values = attrgetter(*names)

    def __reduce__(self: T) -> tuple[object, ...]:
        return _rebuild, (cls, values(self))

    cls.__reduce__ = __reduce__  # type: ignore[method-assign,assignment]
    return cls


def copied(made: T, **changes: object) -> T:
    """Return a copy of a quick-pickled dataclass with ``changes``; unlike ``replace``, the
    derived fields are copied, not derived again (a record's words took half of storing it)."""
    cls = type(made)
    unknown = changes.keys() - _NAMES[cls]
    if unknown:
        raise TypeError(f"{cls.__name__} has no fields {', '.join(sorted(unknown))}")
    return _rebuild(cls, tuple(changes[name] if name in changes else getattr(made, name)
                               for name in _NAMES[cls]))


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
class Provider:
    """A news outlet."""

    name: str
    domain: str = ""


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
    """The original article (``webUrl``) when it is http(s)."""
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
    """The name the related items are kept under on disk when the build keeps them there
    (``bodies.py``): ``related`` is empty until the article's page reads them back. Empty
    when never stored."""
    related_keys: tuple[str, ...] = field(default=(), repr=False, compare=False)
    """Each related item's ``url_key``, all that planning needs of them (which link inside the
    digest): computed once, kept while the items wait on disk."""
    probes: tuple[str, str] = field(init=False, repr=False, compare=False)
    """The case-folded words of the excerpt and of the title, space-separated, for finding the
    record's body by its opening: computed once, kept in the parse cache. One string, not a
    tuple of words: that took half of a record's memory."""

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
    """Cleaned text: paragraphs separated by newlines (plain text) or Markdown source; empty
    while the text waits on disk (``stored``)."""
    dateline: date | None = None
    """A leading ``date YYYY-MM-DD`` taken off the text."""
    stored: str = ""
    """The name the text is kept under on disk when the build keeps it there (``bodies.py``):
    ``text`` is empty until the page that shows it reads it back. Empty when never stored."""
    opening: str = ""
    """The text's first few hundred characters, for matching and reports."""
    words: int = 0
    """How many words the text has, for reading times."""
    opening_key: str = field(default="", repr=False, compare=False)
    """The opening's case-folded words, space-separated, for matching: computed once, kept in
    the parse cache."""

    def __post_init__(self) -> None:
        # What is derived from the text is derived here, once: a body given its text back
        # from the store (``stored`` set) keeps what was derived when it was parsed.
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
    """A digest of the files the article was read from and of how they were joined: any change
    to what the article holds changes it. Empty when unknown."""

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
    """Record file to a digest of what its candidates depend on, and its candidates: the score
    and file of each."""
    heads: frozenset[str] = frozenset()
    """The opening words every unclaimed body is indexed under: a record finds candidates only
    among the bodies that open as it does."""


@dataclass(frozen=True)
class Joined:
    """The result of the join stage."""

    articles: tuple[Article, ...]
    orphan_bodies: tuple[Body, ...]
    diagnostics: tuple[Diagnostic, ...]
    matches: Matches = field(default_factory=Matches)


@dataclass(frozen=True)
class Tally:
    """What a build tells of its content: the summary's counts and every diagnostic.

    Kept by the build, for a build that reads only the bodies edited since (``patch.py``)."""

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
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True, slots=True)
class Page:
    """One output page: where it goes, which template draws it, and what it shows."""

    path: str
    """Output path relative to the site root, e.g. ``topics/ai/index.html``."""
    template: str
    context: Mapping[str, object]
    key: str = ""
    """A digest of everything the context is made from (with the templates and the config, all
    the page depends on), when the plan can tell it without making the context; else empty."""


def page_key(*parts: str) -> str:
    """Return a digest of the parts of a page's key; empty if any part is unknown, as then no key
    can be trusted.

    A digest, not the parts joined: a build holds every page's key, and an article page's parts
    (its version, its neighbours', the pages its related coverage links to) ran to 450 bytes.
    """
    if "" in parts:
        return ""
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


class Deferred(Mapping[str, object]):
    """A page context made only when it is read: a rebuild renders few pages and reads few.

    Not kept once made, so that a build never holds every page's context at once. ``known``
    entries are answered without making the context (the sitemap reads each page's date).
    """

    __slots__ = ("_known", "_make")

    def __init__(self, make: Callable[[], dict[str, object]], **known: object) -> None:
        self._make = make
        self._known = known

    def made(self) -> dict[str, object]:
        """Make and return the whole context."""
        return self._make()

    def __getitem__(self, key: str) -> object:
        return self._known[key] if key in self._known else self._make()[key]

    def get(self, key: str, default: object = None) -> object:
        # Mapping.get would answer through __getitem__ and a KeyError: twice the calls.
        return self._known[key] if key in self._known else self._make().get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._make())

    def __len__(self) -> int:
        return len(self._make())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Deferred):
            other = other.made()
        return isinstance(other, Mapping) and self.made() == dict(other)

    __hash__ = None  # type: ignore[assignment]  # like dict
