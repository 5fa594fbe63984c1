"""Read the times records give: moments (``publishedDateTime``) and lengths (a video's)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from digest.read.yaml_1_1 import written_time

_ISO_DURATION = re.compile(r"P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?",
                           re.IGNORECASE)
_CLOCK = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})")
MAX_DURATION = 7 * 24 * 3600
"""A week: a longer "duration" is a mistake, not a video."""


def parse_datetime(value: object) -> datetime | None:
    """Return ``value`` as an aware UTC datetime; dates mean midnight UTC."""
    if isinstance(value, str):  # as records are read (YAML 1.2 leaves times as text)
        value = written_time(value.strip())
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00, before the first representable moment
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
