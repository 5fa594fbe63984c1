"""Read the site configuration from ``digest.toml``."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from digest.errors import ConfigError

CONFIG_NAME = "digest.toml"
LINKS_NAME = "links.json"
"""The state of the site's external links, beside the settings (``digest links``)."""
ADDRESSES_NAME = "addresses.json"
"""The published addresses, beside the settings (``plan/addresses.py``)."""


@dataclass(frozen=True)
class LinkSettings:
    """The ``[links]`` settings: how ``digest links`` checks and archives external links."""

    archive: str = "https://archive.org"
    """Base URL of the web archive; its availability API is ``<archive>/wayback/available``."""
    save: str = "https://web.archive.org/save/"
    """Where ``links archive --save`` asks the archive to save a page: this, then the URL."""
    allow_private: bool = False
    """Fetch private, loopback and link-local addresses too (off: a digest's content must not
    make its editor's computer probe the network it sits in)."""
    timeout: float = 10.0
    """Seconds to wait for a connection or for each read of an answer; a request is cut off
    after three times this in all (``fetch.LONGEST``)."""
    retries: int = 2
    """Attempts after the first when a request fails or the server errs (5xx, 429)."""
    backoff: float = 2.0
    """Seconds before the first retry; doubled before each next one."""
    per_host: int = 2
    """Requests at once to one host."""
    delay: float = 1.0
    """Seconds between the starts of two requests to one host."""
    save_delay: float = 6.0
    """Seconds between two save requests (the Internet Archive allows about 15 a minute)."""


@dataclass(frozen=True)
class Config:
    """Site settings. Every field has a default; paths are absolute once loaded."""

    title: str = "News digest"
    description: str = "A curated digest of the news."
    base_url: str = "http://localhost:8000/"
    """Absolute URL the site is published at; used for feeds, sitemap and canonical links."""
    language: str = "en"
    content: Path = Path("content")
    output: Path = Path("_site")
    templates: Path = Path("templates")
    static: Path = Path("static")
    page_size: int = 20
    """Articles per page on the home, topic and provider pages."""
    hide_unpublished: bool = False
    """Hide articles whose upstream ``published`` field is false."""
    max_file_size: int = 5_000_000
    """Files larger than this many bytes are skipped and reported."""
    feed_entries: int = 20
    """Entries in each Atom feed (the whole digest's, each topic's and each provider's), newest first."""
    search: bool = True
    """Build the Pagefind search index and page; false skips search and the build says so."""
    cname: str = ""
    """Custom domain for GitHub Pages, written to a ``CNAME`` file (e.g. ``news.example.org``)."""
    embed_hosts: tuple[str, ...] = ()
    """Hosts whose video players a video's page may load when the reader asks (click to load),
    e.g. ``www.youtube-nocookie.com``; none by default, so no third-party frame ever loads."""
    links: LinkSettings = LinkSettings()
    """The ``[links]`` table: checking and archiving external links (``digest links``)."""
    timezone: str = "UTC"
    """The IANA time zone the editions' days are cut in (``zoneinfo``), e.g. ``Europe/London``."""
    cache_dir: Path = Path(".digest-cache")
    """Folder where a build remembers what it read and wrote, to redo only what changed."""
    root: Path = Path(".")
    """Folder that relative paths are resolved against: the config file's folder."""

    def resolved(self) -> Config:
        """Return a copy with every folder made absolute against ``root``."""
        root = self.root.resolve()
        return replace(
            self,
            root=root,
            content=(root / self.content).resolve(),
            output=(root / self.output).resolve(),
            templates=(root / self.templates).resolve(),
            static=(root / self.static).resolve(),
            cache_dir=(root / self.cache_dir).resolve(),
            base_url=self.base_url.rstrip("/") + "/",
        )


_PATH_KEYS = {"content", "output", "templates", "static", "cache_dir"}
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\"<>\\^`{|}]")
"""Characters a URL may not hold as written: spaces, controls, quotes and the like."""
_HOSTNAME = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", re.IGNORECASE)


def load_config(path: Path | None, overrides: dict[str, object] | None = None) -> Config:
    """Read ``path`` (or ``./digest.toml`` if it exists) and apply command-line overrides."""
    values: dict[str, object] = {}
    if path is None and Path(CONFIG_NAME).is_file():
        path = Path(CONFIG_NAME)
    if path is not None:
        values = _read_toml(path)
        values["root"] = path.resolve().parent
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
    if "base_url" in values:
        _check_base_url(str(values["base_url"]), "--base-url" if (overrides or {}).get(
            "base_url") is not None else str(path))
    return Config(**values).resolved()


def _check_base_url(url: str, where: str) -> None:
    """Refuse a base URL that is no web address: every page's canonical link, feed and
    sitemap starts with it, and one that does not parse stopped the build with a traceback."""
    from digest.read.weburl import web_url  # here: most configs leave the default

    # Pages' paths are appended to it; quotes and spaces would be written into robots.txt.
    if web_url(url) is None or "?" in url or "#" in url or _UNSAFE.search(url):
        raise ConfigError(f"{where}: base_url must be an absolute http(s) URL without ? or #, "
                          f"such as https://news.example.org/, not {url!r}")


def _hosts(path: Path, value: list[object]) -> tuple[str, ...]:
    """Check ``embed_hosts``: each a bare host name, as a page's policy names it."""
    from digest.read.weburl import csp_host  # here: most configs leave the default

    for host in value:
        if not isinstance(host, str) or csp_host(host) != host:
            raise ConfigError(f"{path}: embed_hosts must list bare lower-case host names such "
                              f"as www.youtube-nocookie.com, not {host!r}")
    return tuple(value)  # type: ignore[arg-type]  # all checked


def _read_toml(path: Path) -> dict[str, object]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    known = {f.name: f for f in fields(Config)}
    values: dict[str, object] = {}
    for key, value in data.items():
        if key == "links":
            values[key] = _links(path, value)
            continue
        if key not in known or key == "root":
            raise ConfigError(f"{path}: unknown setting {key!r}; see the README's config reference")
        expected = type(getattr(Config(), key))
        if key in _PATH_KEYS and isinstance(value, str):
            value = Path(value)
        if key == "embed_hosts" and isinstance(value, list):
            value = _hosts(path, value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{path}: {key} must be {expected.__name__}, not {value!r}")
        values[key] = value
    for key in ("page_size", "feed_entries"):
        if key in values and int(values[key]) < 1:  # type: ignore[call-overload]
            raise ConfigError(f"{path}: {key} must be at least 1")
    if "timezone" in values:
        _check_timezone(path, str(values["timezone"]))
    if values.get("cname") and not _HOSTNAME.fullmatch(str(values["cname"])):  # "": no domain
        raise ConfigError(f"{path}: cname must be a bare domain such as news.example.org, "
                          f"not {values['cname']!r}")
    return values


def _check_timezone(path: Path, name: str) -> None:
    """Refuse a time zone ``zoneinfo`` does not know, before any content is read."""
    import zoneinfo  # here: most configs leave the default

    try:
        zoneinfo.ZoneInfo(name)
    except (ValueError, OSError, zoneinfo.ZoneInfoNotFoundError):
        raise ConfigError(f"{path}: timezone must be an IANA time zone name such as "
                          f"Europe/London or UTC, not {name!r}") from None


def _links(path: Path, table: object) -> LinkSettings:
    """Read the ``[links]`` table, refusing an unknown, mistyped or out-of-range setting."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: links must be a table ([links]), not {table!r}")
    known = {f.name for f in fields(LinkSettings)}
    values: dict[str, object] = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"{path}: unknown setting links.{key}; see docs/reference.md")
        expected = type(getattr(LinkSettings(), key))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{path}: links.{key} must be {expected.__name__}, not {value!r}")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and (
                value < (1 if key == "per_host" else 0) or value != value):
            raise ConfigError(f"{path}: links.{key} must be at least "
                              f"{1 if key == 'per_host' else 0}, not {value!r}")
        values[key] = value
    for key in ("archive", "save"):
        if key in values:
            _check_service_url(str(values[key]), f"{path}: links.{key}")
    return LinkSettings(**values)  # type: ignore[arg-type]


def _check_service_url(url: str, where: str) -> None:
    """Refuse an archive address that is no http(s) URL: every request goes there."""
    from digest.read.weburl import web_url

    if web_url(url) is None or "#" in url or "?" in url or _UNSAFE.search(url):
        raise ConfigError(f"{where} must be an absolute http(s) URL without ? or #, "
                          f"such as https://archive.org, not {url!r}")
