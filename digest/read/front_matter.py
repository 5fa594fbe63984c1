"""Front matter through python-frontmatter's handlers: YAML between ``---`` lines, TOML between
``+++`` lines and a JSON object closed by a line holding only ``}`` (Hugo's three conventions).

python-frontmatter finds the handler (``detect_format``); each handler here defines ``split``
and ``load`` so that every problem is told at its line: the library's own ``loads`` strips the
text and the body, which moves the body's lines, and its YAML is PyYAML's unbounded loader.
Ours loads YAML with the bounded, fast parser (``safe_yaml``), TOML with ``tomllib`` and JSON
with ``json``, and returns, with the data, the line of each top-level key for the record's
diagnostics.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field

import frontmatter
import yaml
from frontmatter.default_handlers import BaseHandler, JSONHandler, YAMLHandler

from digest.read.hints import Syntax
from digest.read.safe_yaml import MAX_DEPTH, BadValue, YamlLimit, parse_yaml

_SYNTAX = "D108"
_YAML_ADVICE = {
    BadValue: "correct the value, or quote it to keep it as text",
    YamlLimit: "remove the anchors &name and aliases *name, and flatten the data",
}


@dataclass(frozen=True)
class Front:
    """What front matter holds: its data, each top-level key's line and the lines of
    collections cut off too deep, counted from the front matter's first line (0)."""

    data: object
    key_lines: Mapping[str, int] = field(default_factory=dict)
    too_deep: tuple[int, ...] = ()


class BadFront(ValueError):
    """Front matter that cannot be read: where (counted as ``Front``'s lines), and what to do."""

    def __init__(self, line: int, col: int, message: str, code: str = _SYNTAX,
                 hint: str = "") -> None:
        super().__init__(message)
        self.line, self.col, self.message, self.code, self.hint = line, col, message, code, hint


class _Fenced:
    """Front matter between an opening and a closing delimiter line: ``split`` returns the lines
    between and the text after, every line kept (the library's regex split strips them)."""

    OPENER: str
    """The delimiter, ``---`` or ``+++``: a line of three or more of its character."""
    FIRST_LINE = 2
    """The file's line the front matter starts on: the one after the opening delimiter."""
    OPENED: re.Pattern[str]
    CLOSED: re.Pattern[str]
    MARK: str
    """The closing delimiter after a line break: what ``str.find`` looks for."""
    HINT: str

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)  # type: ignore[arg-type]
        char = re.escape(cls.OPENER[0])
        cls.OPENED = re.compile(rf"\A{char}{{3,}}[ \t]*\n")
        cls.CLOSED = re.compile(rf"^{char}{{3,}}[ \t]*(?:\n|\Z)", re.MULTILINE)
        cls.MARK = "\n" + cls.OPENER
        cls.HINT = f"end the metadata with a line holding only {cls.OPENER}"

    def detect(self, text: str) -> bool:
        return text.startswith(self.MARK[1:]) and bool(self.OPENED.match(text))

    def split(self, text: str) -> tuple[str, str]:
        found = self.OPENED.match(text)
        if not found:
            raise ValueError("no front matter")
        # The closing line is found by str.find, then matched: a regex search tried every position.
        at = found.end()
        while not (end := self.CLOSED.match(text, at)):
            at = text.find(self.MARK, at) + 1
            if not at:
                raise ValueError("the front matter never closes")
        return text[found.end():end.start()], text[end.end():]


class YamlFront(_Fenced, YAMLHandler):
    """YAML between ``---`` lines, read by ``safe_yaml``: bounded, fast, lines exact."""

    OPENER = "---"
    SYNTAX: Syntax = "yaml"
    _RAN_ON = re.compile(r"while (?:scanning|parsing a flow)")
    """An error's context that opened something (a quoted or block scalar, a flow collection, a
    key) and ran on: its place is the one to fix. Other contexts (a block mapping) are merely
    the structure around the error."""

    def load(self, fm: str, **kwargs: object) -> Front:  # type: ignore[override]
        try:
            parsed = parse_yaml(fm)
        except yaml.YAMLError as exc:
            raise self._bad(exc) from None
        return Front(parsed.data, parsed.key_lines, tuple(parsed.too_deep))

    def _bad(self, exc: yaml.YAMLError) -> BadFront:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        context, where = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and where and self._RAN_ON.match(context):
            # What opens there is never closed (a quote, a bracket): the error is found lines
            # later, often at the end, but what to fix is where it opens. One line is named.
            mark, problem = where, f"{problem}, {context} that opens here"
        elif context:
            problem += f", {context}"
        code = "D111" if isinstance(exc, YamlLimit) else _SYNTAX
        hint = _YAML_ADVICE.get(type(exc), "fix the YAML syntax; quote text that contains ': ' "
                                "or ' #'")
        return BadFront(mark.line if mark else 0, mark.column + 1 if mark else 1,
                        f"invalid YAML: {problem}", code, hint)


class TomlFront(_Fenced, BaseHandler):
    """TOML between ``+++`` lines, read by ``tomllib``."""

    FM_BOUNDARY = re.compile(r"^\+{3,}[ \t]*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"
    OPENER = "+++"
    SYNTAX: Syntax = "toml"
    _WHERE = re.compile(r" \(at line (\d+), column (\d+)\)$")
    _KEY = re.compile(r"""^[ \t]*(?:"([^"\n]*)"|'([^'\n]*)'|([A-Za-z0-9_-]+))[ \t]*[.=]""")
    _TABLE = re.compile(r"""^[ \t]*\[\[?[ \t]*(?:"([^"\n]*)"|'([^'\n]*)'|([A-Za-z0-9_-]+))""")

    def load(self, fm: str, **kwargs: object) -> Front:  # type: ignore[override]
        try:
            data = tomllib.loads(fm)
        except tomllib.TOMLDecodeError as exc:
            message = str(exc)
            where = self._WHERE.search(message)
            line, col = (int(where[1]) - 1, int(where[2])) if where else (0, 1)
            raise BadFront(line, col, f"invalid TOML: {self._WHERE.sub('', message)}",
                           hint="fix the TOML syntax; quote text as \"...\"") from None
        except RecursionError:
            raise _too_nested() from None
        data, too_deep = _cut(data)
        return Front(data, self._key_lines(fm), too_deep)

    def _key_lines(self, fm: str) -> dict[str, int]:
        """Each top-level key's line: ``key = ...`` before any table, and each ``[table]``."""
        lines: dict[str, int] = {}
        in_table = False
        for number, text in enumerate(fm.split("\n")):
            table = self._TABLE.match(text)
            if table:
                in_table = True
                lines.setdefault(next(g for g in table.groups() if g is not None), number)
            elif not in_table and (key := self._KEY.match(text)):
                lines.setdefault(next(g for g in key.groups() if g is not None), number)
        return lines


class JsonFront(JSONHandler):
    """A JSON object opening the file, closed by a line holding only ``}`` or on the file's first
    line alone, read by ``json``."""

    FIRST_LINE = 1
    """The opening brace is the object's own: the front matter starts on the file's first line."""
    OPENER = "{"
    SYNTAX: Syntax = "json"
    HINT = "end the object with a line holding only }"
    _OPEN = re.compile(r"\A\{[ \t]*(?:\n|\")")
    _CLOSE = re.compile(r"^\}[ \t]*(?:\n|\Z)", re.MULTILINE)
    _TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"[ \t]*:?|[{}\[\]]|\n')

    def detect(self, text: str) -> bool:
        return text.startswith("{") and bool(self._OPEN.match(text))

    def split(self, text: str) -> tuple[str, str]:
        first, _, rest = text.partition("\n")
        if self._one_line(first):  # as Hugo reads it too: the whole object on the first line
            return first, rest
        end = self._CLOSE.search(text, 1)
        if not self._OPEN.match(text) or end is None:
            raise ValueError("the front matter never closes")
        return text[:end.start() + 1], text[end.end():]

    def _one_line(self, line: str) -> bool:
        """Whether the line is an object whose braces close at its end (strings aside)."""
        depth = 0
        for token in self._TOKEN.finditer(line):
            if token[0] in "{[":
                depth += 1
            elif token[0] in "}]":
                depth -= 1
                if depth == 0:
                    return token[0] == "}" and not line[token.end():].strip()
        return False

    def load(self, fm: str, **kwargs: object) -> Front:  # type: ignore[override]
        try:
            data = json.loads(fm)
        except json.JSONDecodeError as exc:
            raise BadFront(exc.lineno - 1, exc.colno, f"invalid JSON: {exc.msg}",
                           hint="fix the JSON syntax: quote keys and text with \"...\", "
                           "separate items with commas, and no comma after the last") from None
        except RecursionError:
            raise _too_nested() from None
        data, too_deep = _cut(data)
        return Front(data, self._key_lines(fm), too_deep)

    def _key_lines(self, fm: str) -> dict[str, int]:
        """Each top-level key's line: a string followed by ``:`` inside the outer braces only."""
        lines: dict[str, int] = {}
        depth = line = 0
        for token in self._TOKEN.finditer(fm):
            text = token[0]
            if text == "\n":
                line += 1
            elif text in "{[":
                depth += 1
            elif text in "}]":
                depth -= 1
            elif depth == 1 and text.endswith(":"):
                lines.setdefault(json.loads(text.rstrip(" \t:")), line)
        return lines


Handler = YamlFront | TomlFront | JsonFront
YAML = YamlFront()
HANDLERS = (YAML, TomlFront(), JsonFront())
"""The front matter handlers, tried in this order."""


def handler_of(text: str) -> Handler | None:
    """Return the handler whose front matter opens ``text``, if any (python-frontmatter's choice)."""
    return frontmatter.detect_format(text, HANDLERS)  # type: ignore[return-value]


def _too_nested() -> BadFront:
    return BadFront(0, 1, "nested too deep to read", "D111", "flatten the data")


def _cut(data: object) -> tuple[object, tuple[int, ...]]:
    """Cut collections nested deeper than ``MAX_DEPTH`` (as ``safe_yaml`` does YAML's); return
    the data and, when any was cut, the front matter's first line (0) as where."""
    cut = False

    def within(value: object, depth: int) -> object:
        nonlocal cut
        if isinstance(value, dict | list) and depth >= MAX_DEPTH:
            cut = True
            return None
        if isinstance(value, dict):
            return {k: within(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [within(v, depth + 1) for v in value]
        return value

    data = within(data, 0)
    return data, (0,) if cut else ()
