"""``links.json``: each external URL's state, as ``digest links`` last found it.

Meant to be committed: one entry a URL, keys sorted, two-space indents, so a check changes only
the lines of the links it found changed. Written whole through a temporary file, so an
interrupted command leaves the last complete file, never half of one.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

from digest.errors import ConfigError

VERSION = 1
STATES = ("alive", "redirected", "dead", "unreachable")
"""What a check found: answered 2xx; answered 2xx after redirects; gone (4xx but for those a
server says to clients it will not serve, below); no usable answer (a network error, a time
out, an address refused, a server error, or 401, 403, 407, 408, 429)."""
_TIMESTAMP = re.compile(r"\d{14}")
_TIME = "%Y-%m-%dT%H:%M:%SZ"
_TIME_FORM = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\"<>\\^`{|}]")
SAVE_EVERY = 1.0
"""Seconds at least between two writes of the file while results come in."""


class LinksFileError(ConfigError):
    """``links.json`` cannot be read: a build and a check stop before reading the content."""


@dataclass(frozen=True)
class Snapshot:
    """An archived copy of a page."""

    url: str
    timestamp: str
    """When it was archived, as the archive writes it: ``YYYYMMDDhhmmss``, UTC."""

    @property
    def when(self) -> datetime:
        t = self.timestamp
        return datetime(int(t[:4]), int(t[4:6]), int(t[6:8]), int(t[8:10]), int(t[10:12]),
                        int(t[12:]), tzinfo=UTC)


@dataclass(frozen=True)
class Entry:
    """One URL's state. Times are ``YYYY-MM-DDThh:mm:ssZ``; empty when never done."""

    state: str = ""
    """One of ``STATES``; empty when never checked."""
    status: int | None = None
    """The last answer's HTTP status; None when there was none."""
    final_url: str = ""
    """Where redirects led."""
    checked: str = ""
    error: str = ""
    """Why there was no usable answer."""
    snapshot: Snapshot | None = None
    archive_checked: str = ""
    """When the archive was last asked for a snapshot."""
    save_requested: str = ""
    """When the archive was asked to save the page."""


def stamp(when: datetime) -> str:
    """Write a time as ``links.json`` does."""
    return when.astimezone(UTC).strftime(_TIME)


def older_than(done: str, days: float | None, now: datetime) -> bool:
    """Whether something done at ``done`` (empty: never) is due again: always without
    ``days``, else when never done or done more than ``days`` days before ``now``."""
    if days is None or not done:
        return True
    return datetime.fromisoformat(done) < now - timedelta(days=days)


class Ledger:
    """The entries of ``links.json``, by URL."""

    def __init__(self, path: Path, entries: dict[str, Entry] | None = None) -> None:
        self.path = path
        self.entries = entries if entries is not None else {}

    def text(self) -> str:
        links = {url: {**asdict(entry)} for url, entry in sorted(self.entries.items())}
        return json.dumps({"version": VERSION, "links": links}, indent=2, sort_keys=True,
                          ensure_ascii=False) + "\n"

    def save(self) -> None:
        """Replace the file with the entries, in one step."""
        handle, temporary = tempfile.mkstemp(prefix=".links-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(self.text())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


class Autosave:
    """Save a ledger now and then as results come in: every ``SAVE_EVERY`` seconds, or less
    often when the file is large, so that writing it takes at most a twentieth of the time."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._due = time.monotonic() + SAVE_EVERY

    def changed(self) -> None:
        now = time.monotonic()
        if now >= self._due:
            self.ledger.save()
            took = time.monotonic() - now
            self._due = time.monotonic() + max(SAVE_EVERY, 20 * took)


def read_ledger(path: Path) -> Ledger:
    """Read ``links.json``; an empty ledger if there is none. Raises LinksFileError naming the
    file and line of what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Ledger(path)
    except UnicodeDecodeError:
        raise LinksFileError(f"{path}: not UTF-8; {_FIX}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LinksFileError(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}; "
                             f"{_FIX}") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(
            data.get("links"), dict):
        raise LinksFileError(f"{path}:1: expected {{\"version\": {VERSION}, \"links\": {{...}}}}; "
                             f"{_FIX}")
    entries = {}
    for url, fields_ in data["links"].items():
        problem = _entry_problem(url, fields_)
        if problem:
            raise LinksFileError(f"{path}:{_line_of(text, url)}: {url}: {problem}; {_FIX}")
        snapshot = fields_.get("snapshot")
        entries[url] = Entry(**{**fields_, "snapshot": snapshot and Snapshot(**snapshot)})
    return Ledger(path, entries)


_FIX = "correct it, or delete the file and run 'digest links check' again"
_FIELDS = frozenset(f.name for f in fields(Entry))
_STRINGS = ("state", "final_url", "checked", "error", "archive_checked", "save_requested")


def _entry_problem(url: str, entry: object) -> str:
    """Say what is wrong with one entry, or nothing."""
    if not _is_web(url):
        return "not an http(s) URL"
    if not isinstance(entry, dict):
        return "the entry is not an object"
    unknown = entry.keys() - _FIELDS
    if unknown:
        return f"unknown field {sorted(unknown)[0]!r}"
    if any(not isinstance(entry.get(key, ""), str) for key in _STRINGS):
        return "a field that must be text is not"
    if entry.get("state", "") not in ("", *STATES):
        return f"state must be one of {', '.join(STATES)}"
    status = entry.get("status")
    if status is not None and (not isinstance(status, int) or isinstance(status, bool)):
        return "status must be a number or null"
    for key in ("checked", "archive_checked", "save_requested"):
        if entry.get(key) and not _is_time(entry[key]):
            return f"{key} must be a time such as 2020-06-12T19:19:00Z"
    snapshot = entry.get("snapshot")
    if snapshot is not None and not (
            isinstance(snapshot, dict) and snapshot.keys() == {"url", "timestamp"}
            and isinstance(snapshot["url"], str) and _is_web(snapshot["url"])
            and isinstance(snapshot["timestamp"], str) and _is_timestamp(snapshot["timestamp"])):
        return "snapshot must be null or {\"url\": an http(s) URL, \"timestamp\": YYYYMMDDhhmmss}"
    return ""


def _is_web(url: str) -> bool:
    """Whether a URL is http(s) with no character that has no place in one: all a link needs,
    its text being escaped; and quick (``weburl.web_url`` took a third of reading the file)."""
    return url.startswith(("http://", "https://")) and not _UNSAFE.search(url)


def _is_time(text: str) -> bool:
    if not _TIME_FORM.fullmatch(text):
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_timestamp(text: str) -> bool:
    if not _TIMESTAMP.fullmatch(text):
        return False
    try:
        Snapshot("", text).when  # noqa: B018  # raises for 20201345...
    except ValueError:
        return False
    return True


def _line_of(text: str, url: str) -> int:
    """Return the line where the entry of ``url`` starts, as the file writes it; else 1."""
    for spelling in (json.dumps(url, ensure_ascii=False), json.dumps(url)):
        at = text.find(spelling + ":")
        if at >= 0:
            return text.count("\n", 0, at) + 1
    return 1
