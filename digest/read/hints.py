"""A field as a hint shows it, in the syntax of the record it is for: YAML (``---`` and record
files), TOML (``+++``) or JSON (``{``). A hint in another format's syntax would be wrong to copy."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Literal

Syntax = Literal["yaml", "toml", "json"]
_YAML_PLAIN = re.compile(r"[^-\[\]{}&*!|>'\"%@`#,?:.\s](?:(?!: | #)[^\n])*")
"""A YAML scalar that needs no quotes: no indicator first, no ': ' or ' #' inside."""
_TOML_BARE = re.compile(r"[A-Za-z0-9_-]+")


def field(syntax: Syntax, key: str, value: object) -> str:
    """Return ``key`` set to ``value`` (text, a number, a boolean, a time, a list or a mapping
    of those) as a record in ``syntax`` writes it, on one line."""
    if syntax == "toml":
        return f"{_toml_key(key)} = {_toml(value)}"
    if syntax == "json":
        return f"{json.dumps(key)}: {_json(value)}"
    return f"{key}: {_yaml(value)}"


def _yaml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _when(value)
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str) and not _YAML_PLAIN.fullmatch(value):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _when(value)  # a TOML offset date-time, unquoted
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    return str(value)


def _toml_key(key: str) -> str:
    return key if _TOML_BARE.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def _json(value: object) -> str:
    if isinstance(value, datetime):
        return json.dumps(_when(value))
    if isinstance(value, list):
        return "[" + ", ".join(_json(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_json(v)}" for k, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False)


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")
