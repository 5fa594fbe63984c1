"""Parse plain YAML documents ten times faster, with yaml-rs, when PyYAML would read them alike.

PyYAML builds every value in Python (about 1.3 ms a record, most of a cold build); yaml-rs
does it in Rust. But yaml-rs reads YAML 1.2 and PyYAML YAML 1.1, which differ on plain
scalars (``yes`` is true to one and text to the other; ``012`` is 10 or 12), and yaml-rs
recurses without bound on nested block sequences. So a document takes this path only when
it has no anchors, aliases, tags, directives, unusual characters or deep nesting, and its
result passes a check that every plain value was typed as PyYAML types it; anything
doubtful returns None, and the caller parses with PyYAML as before.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import suppress
from datetime import date, datetime

import yaml
import yaml_rs
from yaml.nodes import MappingNode, Node, ScalarNode

MAX_INDENT = 64
"""Lines indented deeper than this are left to PyYAML: deep block nesting crashes yaml-rs."""
MAX_COMPACT = 8
"""Nor may one line open more than this many nested sequences ("- - - x")."""

# Characters outside YAML 1.1's printable set, or that only YAML 1.1 counts as line breaks
# (NEL, LS, PS): the two libraries read them differently.
_UNUSUAL = re.compile(
    "[^\t\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_OPENS = frozenset("[]{},")
"""With white space and a line's start, what may come just before a mark (``_marked``)."""
# A colon that opens a value with no key before it ("- : x"), or opens a flow item ("[:1]"):
# PyYAML refuses some of these, and yaml-rs reads the second as text.
_EMPTY_KEY = re.compile(r"(?:^|\s):(?:[ \t,\]}]|$)|[\[{,][ \t]*:", re.MULTILINE)
_EMPTY_KEY_HINT = re.compile(r":(?<=[ \t\n\[{,]:)")
"""A colon after a space, tab, line end, bracket or comma: the cheap screen for _EMPTY_KEY (a
regex that starts at a literal colon is ten times faster than one that starts at a class)."""
_FLOW_COLON = re.compile(r":[,\]}]")
"""A colon just before a flow item ends ("[x:]", "{x:, y}"): libyaml refuses it, and yaml-rs
reads a key with no value."""
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n\r"
_SECOND_DOCUMENT = re.compile(r"(?:---|\.\.\.)(?:[ \t\n]|\Z)")
"""A document marker: at the text's start or after a line end (``_LINE_START``). Not a regex
opening with ``^`` in multi-line mode, which is tried at every place (14 µs for 10 KB)."""
_LINE_START = re.compile(r"\n" + _SECOND_DOCUMENT.pattern)
_COMPACT = re.compile(rf"^[ \t]*(?:-[ \t]+){{{MAX_COMPACT}}}", re.MULTILINE)
# A top-level key at the start of a line, plain or quoted: where diagnostics point.
_TOP_KEY = re.compile(
    r"""^(?:"([^"\\\n]*)"|'([^'\n]*)'|([^\s#'"\-?:\[\]{},&*!|>%@`][^\n]*?))[ \t]*:(?:[ \t]|$)""",
    re.MULTILINE,
)
# Plain values that start like a number or a date, after each kind of place a value starts:
# every int, float or date that yaml-rs returns must be one of them. The patterns open with a
# literal character where they can, which the regex engine finds fast.
_VALUE = r"([-+.]?[0-9][^\n#,\[\]{}]*)"
_AFTER_KEY, _AFTER_DASH, _AT_LINE = (re.compile(p + _VALUE) for p in (":[ \t]+", "-[ \t]+", "\n"))
_IN_FLOW = re.compile(r"[\[{,][ \t]*" + _VALUE)  # run only on text with brackets: no literal
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)")
"""A whole number written plainly: both libraries read it alike."""
_UTC_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
"""A time in UTC as records write their dates: read by ``datetime.fromisoformat`` as by PyYAML's
constructor, which took a quarter of the check's time."""
_RESOLVERS = {c: r for c, r in yaml.resolver.Resolver.yaml_implicit_resolvers.items() if c}
"""PyYAML's implicit types by first character: a plain text matching one is not text."""
_TYPED_TEXT = re.compile("|".join(dict.fromkeys(
    f"(?:{rx.pattern})" for resolvers in _RESOLVERS.values() for _, rx in resolvers)), re.X)
"""Any of them, in one regex: a text it matches could be typed by PyYAML were it plain. (It
may match a text whose first character its type does not list: then the slow path is taken.)"""
_DIGITS = frozenset("0123456789")
_UNTYPED: set[str] = set()
"""Short texts found untyped: keys and words that every record repeats (``title``, ``type``,
``name``, ``news``) are matched against ``_TYPED_TEXT`` once a process, not 30 times a record."""


def _typed_text(value: str) -> bool:
    """Tell whether PyYAML would type ``value`` were it plain; remember short texts it would not."""
    if _TYPED_TEXT.match(value):
        return True
    if len(value) <= 32 and len(_UNTYPED) < 4096:
        _UNTYPED.add(value)
    return False


_TYPED = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp"}
Fast = tuple[object, Mapping[str, int]]
"""A document's data and the 0-based line of each top-level key."""
_NUMBERS = {int, float, date, datetime}
_SCALARS = {str, int, float, bool, date, datetime, type(None)}


def parse_plain(text: str, max_depth: int) -> Fast | None:
    """Parse ``text`` with yaml-rs if PyYAML would read it the same; None when in doubt."""
    if _doubtful(text):
        return None
    try:
        # A duplicate key refused: the value it overwrites would escape the checks below.
        data = yaml_rs.loads(text, duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.Error)
    except Exception:  # invalid YAML, or a duplicate key: PyYAML says what to users
        return None
    typed = _typed_values(data, max_depth)
    if typed is None or typed != _typed_literals(text):
        return None
    return data, KeyLines(text, data)


def _doubtful(text: str) -> bool:
    """Tell whether ``text`` holds anything the two libraries may read differently.

    Each regex runs only when a cheap test finds the characters it looks for.
    """
    return bool(
        _unusual(text)
        or "\n" + " " * MAX_INDENT in text
        or _marked(text)
        or ((text.startswith(":") or _EMPTY_KEY_HINT.search(text)) and _EMPTY_KEY.search(text))
        or (("[" in text or "{" in text) and _FLOW_COLON.search(text) is not None)
        or _SECOND_DOCUMENT.match(text) or _LINE_START.search(text)
        or ("- -" in text and _COMPACT.search(text)))


def _marked(text: str) -> bool:
    """Tell whether ``text`` has an anchor or alias (``&x``, ``*x``), a tag (``!``), a complex
    key (``? ``), a merge key (``<<``) or a directive (``%`` opening a line): read differently,
    or unsafely. A mark counts at a line's start or after white space, a bracket or a comma.

    Found with ``str.find``, not a regex: the regex engine tried each place of the text (300 µs
    for a record of 10 KB, 35 µs with each alternative opening with its character)."""
    if "<<" in text or text.startswith("%") or "\n%" in text:
        return True
    for mark in "&*!?":
        at = text.find(mark)
        while at >= 0:
            before = text[at - 1] if at else "\n"
            if before in _OPENS or before.isspace():  # str.isspace is what \s matches
                after = text[at + 1:at + 2]
                if mark == "!" or (after in ("", " ", "\t", "\n") if mark == "?"
                                   else after != "" and not after.isspace()):
                    return True
            at = text.find(mark, at + 1)
    return False


def _unusual(text: str) -> bool:
    """Tell whether ``text`` has a character the libraries read differently (``_UNUSUAL``)."""
    if text.isascii():  # most records: deleting the printable characters in C leaves nothing
        return bool(text.encode("ascii").translate(None, _PRINTABLE_ASCII))
    return _UNUSUAL.search(text) is not None


Typed = tuple[list[int], Counter[tuple[object, ...]]]
"""The whole numbers of a document, sorted, and a count of its other numbers and dates (by
``_key``): most typed values are whole numbers, compared more cheaply as a sorted list."""


def _typed_values(data: object, max_depth: int) -> Typed | None:
    """Gather the numbers and dates in ``data``; None if a text would be typed by PyYAML were
    it plain, or the data nests deeper than ``max_depth`` (PyYAML's path cuts that off)."""
    ints: list[int] = []
    others: Counter[tuple[object, ...]] = Counter()
    level, depth = [data], 1
    while level:
        deeper: list[object] = []
        for value in level:
            kind = type(value)
            if kind is str:
                # Only a time may hold a space among PyYAML's types, and times open with a digit:
                # titles and excerpts, most of a record's text, skip the regex.
                first = value[:1]
                if first in _RESOLVERS and (first in _DIGITS or " " not in value) and \
                        value not in _UNTYPED and _typed_text(value):
                    return None
            elif kind is int:
                ints.append(value)
            elif kind is dict:
                if depth > max_depth:
                    return None
                if not _UNTYPED.issuperset(value):  # else keys are texts already found untyped
                    if not _SCALARS.issuperset(map(type, value)):
                        return None  # PyYAML refuses list keys
                    deeper += value
                deeper += value.values()
            elif kind is list:
                if depth > max_depth:
                    return None
                deeper += value
            elif kind in _NUMBERS:
                others[_key(value)] += 1
        level, depth = deeper, depth + 1
    ints.sort()
    return ints, others


def _typed_literals(text: str) -> Typed:
    """Gather the numbers and dates PyYAML makes of the plain values in ``text``."""
    literals = _AFTER_KEY.findall(text) + _AFTER_DASH.findall(text) + _AT_LINE.findall("\n" + text)
    if "[" in text or "{" in text:
        literals += _IN_FLOW.findall(text)
    ints: list[int] = []
    others: Counter[tuple[object, ...]] = Counter()
    resolver, constructor = yaml.resolver.Resolver(), yaml.constructor.SafeConstructor()
    for literal in literals:
        literal = literal.rstrip(" \t")
        if _DECIMAL.fullmatch(literal):  # most of them: a whole number, read alike by both
            ints.append(int(literal))
            continue
        if _UTC_TIME.fullmatch(literal):
            with suppress(ValueError):  # 2020-13-45T...: PyYAML's path says what is wrong
                others[_key(datetime.fromisoformat(literal))] += 1
                continue
        tag = resolver.resolve(ScalarNode, literal, (True, False))
        if tag not in _TYPED:
            continue  # text to PyYAML: if yaml-rs made a number of it, the counts differ
        try:
            value = constructor.yaml_constructors[tag](constructor, ScalarNode(tag, literal))
        except Exception:  # 2020-13-45: PyYAML refuses it, and says so on its own path
            others[("refused", literal, None)] += 1
            continue
        if type(value) is int:
            ints.append(value)
        else:
            others[_key(value)] += 1
    ints.sort()
    return ints, others


def _key(value: object) -> tuple[object, ...]:
    """Tell values apart as PyYAML would: by type, value and, for times, offset."""
    offset = value.utcoffset() if isinstance(value, datetime) else None
    return (type(value).__name__, value, offset)


class KeyLines(Mapping[str, int]):
    """The 0-based line of each top-level key of a document, found when first asked for.

    Only diagnostics ask, and most records have none: finding the lines had been a fifth of
    reading a record.
    """

    __slots__ = ("_data", "_lines", "_text")

    def __init__(self, text: str, data: object) -> None:
        self._text, self._data = text, data
        self._lines: dict[str, int] | None = None

    def _found(self) -> dict[str, int]:
        if self._lines is None:
            lines = _key_lines(self._text, self._data)
            # A line of a multi-line text looks like a key: PyYAML's nodes know where keys are.
            self._lines = lines if lines is not None else key_lines_of(
                yaml.compose(self._text, Loader=yaml.CSafeLoader))
        return self._lines

    def __getitem__(self, key: str) -> int:
        return self._found()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._found())

    def __len__(self) -> int:
        return len(self._found())


def key_lines_of(root: Node | None) -> dict[str, int]:
    """Return the 0-based line of each top-level key of a document composed by PyYAML."""
    if not isinstance(root, MappingNode):
        return {}
    return {str(k.value): k.start_mark.line for k, _ in root.value if isinstance(k, ScalarNode)}


def _key_lines(text: str, data: object) -> dict[str, int] | None:
    """Find the line of each top-level key; None unless each of the data's keys is found once.

    A line of a multi-line text can look like a key; yaml-rs refused duplicate keys, so a key
    found twice, or one the data has not, means such a line, and PyYAML's path is taken.
    """
    if not isinstance(data, dict):
        return {}
    lines: dict[str, int] = {}
    found = line = start = 0
    for match in _TOP_KEY.finditer(text):
        line, start = line + text.count("\n", start, match.start()), match.start()
        lines[next(group for group in match.groups() if group is not None)] = line
        found += 1
    return lines if found == len(lines) and lines.keys() == {str(k) for k in data} else None
