"""Parse YAML within bounds, so a hostile document can neither crash nor exhaust the build.

libyaml's own composer recurses in C and crashes the process on a hundred thousand nested
brackets (which its scanner takes minutes to read), and anchors with aliases can describe a
structure of billions of values in a few lines. So flow brackets are counted before libyaml
sees the text, and the nodes are composed here from libyaml's event stream in a loop with no
recursion: collections nested too deep are cut off, and aliases may not expand past a budget.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    MappingStartEvent,
    ScalarEvent,
    StreamEndEvent,
)
from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode

from digest.read.fast_yaml import key_lines_of, parse_plain, plain_value

MAX_DEPTH = 32
"""Collections nested deeper than this are replaced by null; real records nest about 5 deep."""
MAX_BRACKETS = 2 * MAX_DEPTH
"""Open [ and { allowed at once: libyaml's scanner slows quadratically with their depth."""
MAX_ALIAS_VALUES = 100_000
"""Values that aliases may add by repetition before the document is refused as a bomb."""

_BRACKET = re.compile(r"[\[\]{}]")
PLAIN = "tag:digest,2026:plain"
"""The tag of a plain scalar: typed as yaml-rs types it (``fast_yaml.plain_value``), not by
PyYAML's YAML 1.1 resolvers, so both paths read a document alike."""


class _Loader(yaml.CSafeLoader):
    """libyaml's events, PyYAML's constructors, and plain scalars typed as yaml-rs types them."""


_Loader.add_constructor(PLAIN, lambda _, node: plain_value(node.value))


class YamlLimit(yaml.YAMLError):
    """The document is hostile or absurd: aliases expand past the budget, or one is circular."""

    def __init__(self, message: str, mark: yaml.Mark | None) -> None:
        super().__init__(message)
        self.problem = message
        self.problem_mark = mark


class BadValue(yaml.YAMLError):
    """A value is tagged, or looks, like a type it cannot be read as."""

    def __init__(self, message: str, mark: yaml.Mark | None) -> None:
        super().__init__(message)
        self.problem = message
        self.problem_mark = mark


@dataclass
class Parsed:
    """A YAML document's data, the 0-based line of each top-level key, and cut-off places."""

    data: object
    key_lines: Mapping[str, int] = field(default_factory=dict)
    too_deep: list[int] = field(default_factory=list)
    """0-based lines where a collection nested past MAX_DEPTH was replaced by null."""


@dataclass
class _Open:
    node: CollectionNode
    anchor: str | None
    values_before: int
    key: Node | None = None
    """A mapping's key waiting for its value."""


def parse_yaml(text: str) -> Parsed:
    """Parse one YAML document safely; raise yaml.YAMLError (with a mark) when it is invalid."""
    _check_brackets(text)
    fast = parse_plain(text, MAX_DEPTH)
    return Parsed(*fast) if fast is not None else parse_with_pyyaml(text)


def parse_with_pyyaml(text: str) -> Parsed:
    """Parse one YAML document with PyYAML, composing its nodes within the budgets."""
    loader = _Loader(text)
    try:
        loader.get_event()  # stream start
        if loader.check_event(StreamEndEvent):
            return Parsed(None)
        loader.get_event()  # document start
        parsed = Parsed(None)
        root = _compose(loader, parsed)
        loader.get_event()  # document end
        if not loader.check_event(StreamEndEvent):
            raise YamlLimit("a second document starts here; a record is one document",
                            loader.peek_event().start_mark)
        parsed.key_lines = key_lines_of(root)
        try:
            parsed.data = loader.construct_document(root)
        except yaml.YAMLError:
            raise
        except Exception as exc:
            # PyYAML's constructors fail in many ways on bad explicitly typed values
            # (2020-13-45, "!!timestamp x", "!!int z"): all of them mean a bad value.
            raise BadValue(f"a value cannot be read ({exc})", root.start_mark) from None
        return parsed
    finally:
        loader.dispose()


def _check_brackets(text: str) -> None:
    """Refuse text with more than MAX_BRACKETS open brackets, counting even those in strings."""
    if text.count("[") + text.count("{") <= MAX_BRACKETS:
        return
    depth = 0
    for match in _BRACKET.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
        if depth > MAX_BRACKETS:
            at = match.start()
            line = text.count("\n", 0, at)
            mark = yaml.Mark("<text>", at, line, at - (text.rfind("\n", 0, at) + 1), None, None)
            raise YamlLimit(f"brackets [ and {{ nested more than {MAX_BRACKETS} deep", mark)


def _compose(loader: _Loader, parsed: Parsed) -> Node:
    """Build the node graph from events, iteratively, within the depth and alias budgets."""
    anchors: dict[str, tuple[Node, int]] = {}
    stack: list[_Open] = []
    values = 0
    while True:
        event = loader.get_event()
        if isinstance(event, CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                parsed.too_deep.append(event.start_mark.line)
                _skip_collection(loader)
                done: Node = ScalarNode("tag:yaml.org,2002:null", "", event.start_mark,
                                        event.end_mark)
                values += 1
            else:
                kind = MappingNode if isinstance(event, MappingStartEvent) else SequenceNode
                tag = _tag(loader, kind, None, event.tag, event.implicit)
                node = kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
                stack.append(_Open(node, event.anchor, values))
                values += 1
                continue
        elif isinstance(event, CollectionEndEvent):
            top = stack.pop()
            done = top.node
            done.end_mark = event.end_mark
            if top.anchor is not None:
                anchors[top.anchor] = (done, values - top.values_before)
        elif isinstance(event, AliasEvent):
            if event.anchor not in anchors:
                raise YamlLimit(f"the alias *{event.anchor} refers to no finished anchor "
                                "(undefined, or circular)", event.start_mark)
            done, size = anchors[event.anchor]
            values += size
            if values > MAX_ALIAS_VALUES:
                raise YamlLimit(f"anchors and aliases expand to more than {MAX_ALIAS_VALUES:,} "
                                "values (a YAML bomb?)", event.start_mark)
        elif isinstance(event, ScalarEvent):
            tag = _tag(loader, ScalarNode, event.value, event.tag, event.implicit)
            done = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
            values += 1
            if event.anchor is not None:
                anchors[event.anchor] = (done, 1)
        else:
            raise YamlLimit(f"unexpected {type(event).__name__}", event.start_mark)
        if not stack:
            return done
        _attach(stack[-1], done)


def _attach(parent: _Open, child: Node) -> None:
    if isinstance(parent.node, SequenceNode):
        parent.node.value.append(child)
    elif parent.key is None:
        parent.key = child
    else:
        parent.node.value.append((parent.key, child))
        parent.key = None


def _skip_collection(loader: _Loader) -> None:
    """Consume the events of a collection whose start was just read."""
    depth = 1
    while depth:
        event = loader.get_event()
        if isinstance(event, CollectionStartEvent):
            depth += 1
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def _tag(loader: _Loader, kind: type[Node], value: str | None, tag: str | None,
         implicit: object) -> str:
    if tag is None and kind is ScalarNode and implicit[0] and value != "<<":  # type: ignore[index]
        return PLAIN  # a merge key ("<<") keeps its meaning
    if tag is None or tag == "!":
        return loader.resolve(kind, value, implicit)
    return tag
