"""Read the times records give: moments (``publishedDateTime``) and lengths (a video's)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode

_ISO_DURATION = re.compile(r"P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?",
                           re.IGNORECASE)
_CLOCK = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})")
_YAML_TIME = SafeConstructor.timestamp_regexp
"""YAML 1.1's times, as PyYAML read them: "2020-6-1 1:02:03.5 -5" is one too."""
MAX_DURATION = 7 * 24 * 3600
"""A week: a longer "duration" is a mistake, not a video."""


def parse_datetime(value: object) -> datetime | None:
    """Return ``value`` as an aware UTC datetime; dates mean midnight UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        found = _written_time(value.strip())
        if found is None:
            return None
        return parse_datetime(found)
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00, before the first representable moment
        return None


def _written_time(text: str) -> date | None:
    """Read a time written in ISO 8601, or as YAML 1.1 wrote one; None if it is neither."""
    try:
        return datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        pass
    if not _YAML_TIME.fullmatch(text):
        return None
    try:  # 2020-13-45 matches the pattern, and is no time
        return SafeConstructor().construct_yaml_timestamp(ScalarNode("", text))
    except ValueError:
        return None


def parse_duration(value: object) -> int | None:
    """Return a duration in whole seconds, from seconds, ``PT4M13S`` or ``4:13``; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = round(value)
    elif isinstance(value, str) and (iso := _ISO_DURATION.fullmatch(value.strip())) and any(
            iso.groups()):
        days, hours, minutes, secs = (float(g or 0) for g in iso.groups())
        seconds = round(((days * 24 + hours) * 60 + minutes) * 60 + secs)
    elif isinstance(value, str) and (clock := _CLOCK.fullmatch(value.strip())):
        hours, minutes, secs = (int(g or 0) for g in clock.groups())
        seconds = (hours * 60 + minutes) * 60 + secs
    else:
        return None
    return seconds if 0 < seconds <= MAX_DURATION else None
