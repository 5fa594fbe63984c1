"""Parse plain YAML documents ten times faster with yaml-rs, when PyYAML would read them alike.

PyYAML builds every value in Python (about 1.3 ms a record, most of a cold build); yaml-rs
does it in Rust. Records are read as YAML 1.2 on both paths: a plain scalar is typed as
yaml-rs types it (``plain_value``, which PyYAML's path calls for each one), and the fields
that expect a boolean or a date also take YAML 1.1's spellings (``yes``, ``on``, a spaced
time), so no document needs proof that the two libraries typed it alike. What still differs
is structure: yaml-rs recurses without bound on nested block sequences, and the two read
anchors, tags, complex keys, unusual characters and a few colon forms differently. So a
document takes this path only when it has none of those (``_doubtful``); anything doubtful
returns None, and the caller parses with PyYAML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

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
_DEEP = re.compile(r"\n[ \t-]{15}")
"""A line whose first 15 characters are spaces, tabs or dashes: where a block collection may
start in column 15 or beyond. Without one, and without flow brackets, a document cannot nest
past 30 (``_may_differ``)."""
Fast = tuple[object, Mapping[str, int]]
"""A document's data and the 0-based line of each top-level key."""


def parse_plain(text: str, max_depth: int) -> Fast | None:
    """Parse ``text`` with yaml-rs if PyYAML would read it the same; None when in doubt."""
    if _doubtful(text):
        return None
    try:
        # A duplicate key refused: PyYAML's path says which. Times are left as text, as
        # plain_value leaves them: the fields that hold times read them (read.times).
        data = yaml_rs.loads(text, parse_datetime=False,
                             duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.Error)
    except Exception:  # invalid YAML, or a duplicate key: PyYAML says what to users
        return None
    if _may_differ(text) and _refused_by_pyyaml(data, max_depth):
        return None  # PyYAML's path cuts it off, or refuses it, and says where
    return data, KeyLines(text, data)


def plain_value(text: str) -> object:
    """Type a plain scalar as yaml-rs types it: null, a boolean, a number or ``text`` itself.

    PyYAML's path calls this for every plain scalar, so that a document reads the same
    whichever path reads it. A scalar yaml-rs cannot read alone (it held a line break, or
    characters only PyYAML's path accepts) is text."""
    if "\n" in text:
        return text  # a folded multi-line scalar: never a number to either library
    try:
        data = yaml_rs.loads("v: " + text, parse_datetime=False)
    except Exception:
        return text
    if type(data) is dict and len(data) == 1 and type(value := data.get("v")) is not dict:
        return text if type(value) is list else value
    return text


def _may_differ(text: str) -> bool:
    """Tell whether ``text`` may nest past 30, or have a collection for a key: block
    collections nest deeper only by starting further right (two per column at most, a mapping
    and the sequence that is its value), and a block key that is a collection is marked
    (``? ``), so only flow brackets or a collection in column 15 or beyond allow either."""
    return "[" in text or "{" in text or _DEEP.search("\n" + text) is not None


def _refused_by_pyyaml(data: object, max_depth: int) -> bool:
    """Tell whether ``data`` nests collections deeper than ``max_depth`` (PyYAML's path cuts
    them off), or a mapping has a collection for a key (yaml-rs makes it a tuple or frozenset;
    PyYAML refuses it)."""
    level, depth = [data], 1
    while level:
        deeper = []
        for collection in level:
            if type(collection) is dict:
                if any(type(key) is tuple or type(key) is frozenset for key in collection):
                    return True
                collection = collection.values()
            deeper += [v for v in collection if type(v) is dict or type(v) is list]
        if deeper and depth >= max_depth:
            return True
        level, depth = deeper, depth + 1
    return False


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
