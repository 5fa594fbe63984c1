"""Turn a parsed front matter mapping into a typed ``Record``, with a diagnostic for each bad field."""

from __future__ import annotations

import reprlib
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from digest.model import Diagnostic, Image, Provider, Record, Related
from digest.read import hints
from digest.read.clean import clean_line, invisible_controls, mark_cut, safe_url
from digest.read.media import MAPPING, embed_source, logo_of
from digest.read.times import parse_datetime, parse_duration
from digest.read.weburl import image_url
from digest.read.yaml_1_1 import truth

KNOWN = {
    "title", "excerpt", "publishedDateTime", "webUrl", "provider", "topics", "images",
    "related", "category", "type", "quality", "heat", "published", "draft", "body",
    "originalUrl", "updatedDateTime", "featuredContent", "duration",
}
DROPPED = {"secured"}
MAX_RELATED = 200
"""Related items beyond this many are dropped (with a warning): nobody reads them."""
MAX_TOPICS = 50
EXAMPLE = datetime(2020, 6, 12, 19, 19, tzinfo=UTC)  # what hints show
BBC = {"name": "BBC", "domain": "bbc.co.uk"}


@dataclass
class FieldReader:
    """Reads fields of one record, collecting diagnostics that point at their lines."""

    source: str
    line: int
    """The line the record starts on."""
    key_lines: Mapping[str, int]
    """Each field's line, counted from ``line``."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    syntax: hints.Syntax = "yaml"
    """The record's format: hints show fields in its syntax."""

    def field(self, key: str, value: object) -> str:
        return hints.field(self.syntax, key, value)

    def warn(self, key: str, code: str, message: str, hint: str, severity: str = "warning") -> None:
        line = self.line + self.key_lines.get(key, 0)
        self.diagnostics.append(
            Diagnostic(self.source, line, severity, code, message, hint)  # type: ignore[arg-type]
        )

    def text(self, data: Mapping[str, object], key: str) -> str:
        value = data.get(key)
        if value is None:
            return ""
        if isinstance(value, str):
            self.visible(key, value)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return clean_line(str(value))
        self.warn(key, "D210", f"{key} should be text, not {_kind(value)}; ignored",
                  f"write {self.field(key, '...')} on one line")
        return ""

    def visible(self, key: str, value: str) -> None:
        """Warn of the invisible and bidirectional controls cleaning takes out of ``value``."""
        if found := invisible_controls(value):
            self.warn(key, "D240", f"{key} holds invisible or bidirectional control characters "
                      f"({', '.join(found)}); removed", "delete them from the source text")

    def integer(self, data: Mapping[str, object], key: str) -> int | None:
        value = data.get(key)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        self.warn(key, "D211", f"{key} should be a whole number, not {_show(value)}; ignored",
                  f"write {self.field(key, 42)} or remove it")
        return None

    def boolean(self, data: Mapping[str, object], key: str) -> bool | None:
        value = data.get(key)
        flag = truth(value)
        if value is not None and flag is None:
            self.warn(key, "D212", f"{key} should be true or false, not {_show(value)}; "
                      "ignored", f"write {self.field(key, True)} or {self.field(key, False)}")
        return flag

    def when(self, data: Mapping[str, object], key: str) -> datetime | None:
        value = data.get(key)
        if value is None:
            self.warn(key, "D220", f"no {key}; the article is listed after dated ones",
                      f"add {self.field(key, EXAMPLE)}")
            return None
        parsed = parse_datetime(value)
        if parsed is None:
            self.warn(key, "D221", f"{key} {_show(value)} is not a date; ignored",
                      f"use ISO 8601, e.g. {self.field(key, EXAMPLE)}")
        elif parsed > datetime.now(UTC):
            # Published anyway: feeds' clocks and time zones are often off, and the editor
            # who dated it on purpose can use draft: true to hold it back.
            self.warn(key, "D222", f"{key} {parsed:%Y-%m-%dT%H:%M:%SZ} is in the future; "
                      "published anyway, listed first",
                      f"correct the date, or add {self.field('draft', True)}")
        return parsed

    def updated(self, data: Mapping[str, object], published: datetime | None) -> datetime | None:
        """Return ``updatedDateTime`` when it is a date later than ``published``."""
        value = data.get("updatedDateTime")
        parsed = parse_datetime(value) if value is not None else None
        if value is not None and parsed is None:
            self.warn("updatedDateTime", "D223", f"updatedDateTime {_show(value)} is not a date; "
                      "ignored", f"use ISO 8601, e.g. {self.field('updatedDateTime', EXAMPLE)}")
        return parsed if parsed and (published is None or parsed > published) else None

    def url(self, data: Mapping[str, object], key: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        url = safe_url(value)
        if url is None:
            self.warn(key, "D230", f"{key} {_show(value)} is not an absolute http(s) URL; "
                      "it is not linked", "use a full https://... address")
        return url


def parse_record(data: object, source: str, line: int, key_lines: Mapping[str, int],
                 syntax: hints.Syntax = "yaml") -> tuple[Record | None, list[Diagnostic]]:
    """Build a Record from YAML data; return None (with an error) when it cannot be one.

    The record starts on ``line``; ``key_lines`` tells each field's line counted from there.
    """
    reader = FieldReader(source, line, key_lines, syntax=syntax)
    if not isinstance(data, MAPPING):
        reader.warn("", "D200", f"the record is {_kind(data)}, not a mapping of fields",
                    f"write one field per line, like {reader.field('title', '...')}", "error")
        return None, reader.diagnostics
    data = {str(k): v for k, v in data.items()}
    title = reader.text(data, "title")
    if not title:
        reader.warn("title", "D201", "the record has no title; it is not published",
                    f"add {reader.field('title', '...')}", "error")
        return None, reader.diagnostics
    published = reader.when(data, "publishedDateTime")
    record = Record(
        source=source,
        line=line,
        title=title,
        excerpt=mark_cut(reader.text(data, "excerpt")),
        published=published,
        # A video's record has no webUrl: its page (originalUrl) is the source. The AMP copies
        # (ampWebUrl, cdnAmpWebUrl) are never preferred to either.
        url=reader.url(data, "webUrl") or reader.url(data, "originalUrl"),
        updated=reader.updated(data, published),
        duration=parse_duration(data.get("duration")),
        embed=embed_source(data.get("featuredContent")),
        provider=_provider(reader, data.get("provider")),
        topics=_topics(reader, data.get("topics")),
        images=_images(reader, data.get("images"), "images"),
        related=_related(reader, data.get("related")),
        # Few values, repeated in every record: one string each (as for topics and providers).
        category=sys.intern(reader.text(data, "category")),
        kind=sys.intern(reader.text(data, "type")),
        quality=reader.integer(data, "quality"),
        heat=reader.integer(data, "heat"),
        feed_published=reader.boolean(data, "published"),
        draft=bool(reader.boolean(data, "draft")),
        body_path=reader.text(data, "body") or None,
        extra={sys.intern(k): v for k, v in data.items() if k not in KNOWN and k not in DROPPED},
    )
    return record, reader.diagnostics


def _provider(reader: FieldReader, value: object) -> Provider | None:
    if value is None:
        return None
    if isinstance(value, str):
        reader.warn("provider", "D213", "provider should be a mapping with name and domain; "
                    "the text is used as its name", f"write {reader.field('provider', BBC)}")
        value = {"name": value}
    if not isinstance(value, MAPPING):
        reader.warn("provider", "D213", f"provider should be a mapping, not {_kind(value)}; "
                    "ignored", f"write {reader.field('provider', BBC)}")
        return None
    name, domain = value.get("name"), value.get("domain")
    logo = logo_of(value.get("images"))
    if type(name) is str and type(domain) is str:  # nearly all: cleaned once for every record
        reader.visible("provider", name)
        return _plain_provider(name, domain, logo)
    name = reader.text(value, "name")
    domain = reader.text(value, "domain")
    return shared_provider(name or domain, domain, logo) if name or domain else None


@lru_cache(maxsize=1 << 12)
def _plain_provider(name: str, domain: str, logo: Image | None) -> Provider | None:
    """Return the provider named in plain text by ``name`` and ``domain``, as they read clean.

    Records name the same few hundred outlets, two texts each, in their related coverage too:
    cleaning them was a fifth of reading a record."""
    name, domain = clean_line(name), clean_line(domain)
    return shared_provider(name or domain, domain, logo) if name or domain else None


@lru_cache(maxsize=1 << 12)
def shared_provider(name: str, domain: str, logo: Image | None = None) -> Provider:
    """Return one Provider for each name and domain: a digest of 100,000 articles names a few
    hundred outlets. Pickling keeps one object one (within a parse worker's results, within a
    cache shard), so the cache holds few copies as well."""
    return Provider(sys.intern(name), sys.intern(domain), logo)


def _topics(reader: FieldReader, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        reader.warn("topics", "D214", "topics should be a list; the text is taken as one topic",
                    f"write {reader.field('topics', ['AI', 'Computer Vision'])}")
        value = [value]
    if not isinstance(value, list):
        reader.warn("topics", "D214", f"topics should be a list, not {_kind(value)}; ignored",
                    f"write {reader.field('topics', ['AI', 'Computer Vision'])}")
        return ()
    topics = [clean_line(str(t)) for t in value[:MAX_TOPICS] if isinstance(t, (str, int, float))]
    return tuple(dict.fromkeys(sys.intern(t) for t in topics if t))  # few, and in every record


def _images(reader: FieldReader, value: object, key: str) -> tuple[Image, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        reader.warn(key, "D215", f"{key} should be a list of images; ignored",
                    f"write {reader.field(key, [{'url': 'https://...'}])}")
        return ()
    images = []
    for item in value[:20]:
        given = item.get("url") if isinstance(item, MAPPING) else None
        url = safe_url(given)
        if url is None:
            what = ("an image without an http(s) url" if given is None
                    else f"the image {_show(given)}, not an absolute http(s) URL,")
            reader.warn(key, "D231", f"{what} is left out", f"give each image {reader.field('url', 'https://...')}")
            continue
        url = image_url(url)
        if url is None:
            reader.warn(key, "D232", f"the image {_show(given)} is on a host the page's "
                        "Content-Security-Policy cannot allow; left out",
                        "use an image whose host is a name of letters, digits, dots and hyphens")
            continue
        width, height = item.get("width"), item.get("height")
        sized = all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in (width, height))
        title = item.get("title")
        images.append(Image(url, width if sized else None, height if sized else None,
                            clean_line(title) if isinstance(title, str) else ""))
    return tuple(images)


def _related(reader: FieldReader, value: object) -> tuple[Related, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        reader.warn("related", "D216", "related should be a list; ignored",
                    f"write {reader.field('related', [{'title': '...', 'webUrl': 'https://...'}])}")
        return ()
    if len(value) > MAX_RELATED:
        reader.warn("related", "D217", f"{len(value)} related items; only the first "
                    f"{MAX_RELATED} are kept", "trim the list upstream")
    items = []
    for item in value[:MAX_RELATED]:
        if not isinstance(item, MAPPING) or not isinstance(item.get("title"), str):
            reader.warn("related", "D216", "a related item without a title is left out",
                        "give each related item a title")
            continue
        images = _images(reader, item.get("images"), "related")
        reader.visible("related", item["title"])
        items.append(Related(
            title=clean_line(item["title"]),
            url=safe_url(item.get("webUrl")),
            excerpt=clean_line(item["excerpt"]) if isinstance(item.get("excerpt"), str) else "",
            published=parse_datetime(item.get("publishedDateTime")),
            provider=_provider(reader, item.get("provider")),
            image=images[0] if images else None,
        ))
    return tuple(items)


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, MAPPING):
        return "a mapping"
    return f"a {type(value).__name__} ({_show(value)})"


def _show(value: object) -> str:
    """Quote a value briefly, without ever formatting the whole of a large structure."""
    short = reprlib.Repr()
    short.maxlevel, short.maxstring, short.maxother = 2, 40, 40
    return short.repr(value)
