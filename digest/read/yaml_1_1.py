"""What YAML 1.1 wrote that fields still take, now that records are read as YAML 1.2.

PyYAML read ``yes`` and ``on`` as true and ``2020-6-1 1:02:03 -5`` as a time; YAML 1.2 reads
them as text (``fast_yaml``). The fields that expect a boolean or a time take these spellings
themselves, so records written for YAML 1.1 mean what they meant.
"""

from __future__ import annotations

from datetime import date, datetime

from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode

BOOLEANS = {spelling: word in ("yes", "true", "on")
            for word in ("yes", "no", "true", "false", "on", "off")
            for spelling in (word, word.title(), word.upper())}
"""What PyYAML read as booleans, in the cases it took."""
_TIME = SafeConstructor.timestamp_regexp
"""YAML 1.1's times, as PyYAML read them."""


def truth(value: object) -> bool | None:
    """Return ``value`` as a boolean if it is one, or spells one as YAML 1.1 did; else None."""
    if isinstance(value, bool):
        return value
    return BOOLEANS.get(value) if isinstance(value, str) else None


def written_time(text: str) -> date | None:
    """Read a time written in ISO 8601, or as YAML 1.1 wrote one; None if it is neither."""
    try:
        return datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        pass
    if not _TIME.fullmatch(text):
        return None
    try:  # 2020-13-45 matches the pattern, and is no time
        return SafeConstructor().construct_yaml_timestamp(ScalarNode("", text))
    except ValueError:
        return None
