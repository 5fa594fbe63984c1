"""Read every file in the content folder into records and bodies."""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import frontmatter
import yaml

from digest.clean import clean_markdown, clean_paragraphs
from digest.model import Body, BodyFormat, Diagnostic, Loaded, Record
from digest.records import parse_datetime, parse_record

TEXT_SUFFIXES = {".txt", ".text", ""}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
RECORD_SUFFIXES = {".yaml", ".yml"}
_FRONT = frontmatter.YAMLHandler()
_DATELINE = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})(?:\s+|\Z)")
_KEY_LINE = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:", re.MULTILINE)


@dataclass(frozen=True)
class FileResult:
    """What one file holds: at most one record and one body, and its problems."""

    record: Record | None = None
    body: Body | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    skipped: bool = False


def load(content: Path, max_file_size: int,
         read: Callable[[str, Path, int], FileResult] | None = None) -> Loaded:
    """Read, decode, clean and classify every file under ``content`` (each with ``read``)."""
    read = read or read_file
    records: list[Record] = []
    bodies: list[Body] = []
    diagnostics: list[Diagnostic] = []
    skipped: list[str] = []
    for rel, path, problem in walk(content):
        if problem is not None:
            diagnostics.append(problem)
            skipped.append(rel)
            continue
        result = read(rel, path, max_file_size)
        diagnostics.extend(result.diagnostics)
        if result.skipped:
            skipped.append(rel)
        if result.record is not None:
            records.append(result.record)
        if result.body is not None:
            bodies.append(result.body)
    return Loaded(tuple(records), tuple(bodies), tuple(diagnostics), tuple(skipped))


def walk(content: Path) -> list[tuple[str, Path, Diagnostic | None]]:
    """List content files in a stable order, refusing links that lead outside or loop."""
    root = content.resolve()
    found: list[tuple[str, Path, Diagnostic | None]] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            found.append((rel, path, _link_problem(rel, path, root)))
        for name in list(dirs):
            path = Path(folder) / name
            if path.is_symlink():
                dirs.remove(name)
                found.append((path.relative_to(root).as_posix(), path, Diagnostic(
                    path.relative_to(root).as_posix(), 0, "warning", "D104",
                    "a linked folder is not followed", "copy the files into content/ instead")))
    return found


def _link_problem(rel: str, path: Path, root: Path) -> Diagnostic | None:
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return Diagnostic(rel, 0, "error", "D104", "the link is broken or loops; skipped",
                          "remove the link or point it at a file inside content/")
    if not target.is_relative_to(root):
        return Diagnostic(rel, 0, "error", "D104", "the link points outside content/; skipped",
                          "copy the file into content/ instead of linking to it")
    return None


def read_file(rel: str, path: Path, max_file_size: int) -> FileResult:
    """Read one file from disk and parse it."""
    try:
        size = path.stat().st_size
        if size > max_file_size:
            return FileResult(diagnostics=(Diagnostic(
                rel, 0, "error", "D102", f"the file is {size:,} bytes, over the limit of "
                f"{max_file_size:,}; skipped", "split it, or raise max_file_size in digest.toml"),),
                skipped=True)
        raw = path.read_bytes()
    except OSError as exc:
        return FileResult(diagnostics=(Diagnostic(
            rel, 0, "error", "D101", f"cannot read the file: {exc.strerror}",
            "check its permissions"),), skipped=True)
    return parse_file(rel, raw)


def parse_file(rel: str, raw: bytes) -> FileResult:
    """Decode and classify one file's bytes; a pure function of its name and content."""
    suffix = Path(rel).suffix.lower()
    if suffix not in TEXT_SUFFIXES | MARKDOWN_SUFFIXES | RECORD_SUFFIXES:
        return FileResult(skipped=True, diagnostics=(Diagnostic(
            rel, 0, "info", "D103", f"not a content file ({suffix}); skipped",
            "content is .txt, .md, .yaml or .yml"),))
    text, problem = decode(rel, raw)
    if text is None:
        return FileResult(diagnostics=(problem,) if problem else (), skipped=True)
    notes = (problem,) if problem else ()
    if not text.strip():
        return FileResult(skipped=True, diagnostics=(*notes, Diagnostic(
            rel, 0, "warning", "D105", "the file is empty; skipped", "add content or delete it")))
    if suffix in RECORD_SUFFIXES and not _FRONT.detect(text):
        record, found = _parse_yaml(rel, text, 1)
        return FileResult(record=record, diagnostics=(*notes, *found))
    if not _FRONT.detect(text):
        return FileResult(body=make_body(rel, 1, text, suffix), diagnostics=notes)
    return _parse_front_matter(rel, text, suffix, notes)


def decode(rel: str, raw: bytes) -> tuple[str | None, Diagnostic | None]:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16 with BOM, or cp1252 as a fallback."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), None
        except UnicodeDecodeError:
            pass
    if b"\x00" in raw[:8192] and raw.count(b"\x00") > len(raw) // 100:
        return None, Diagnostic(rel, 0, "warning", "D103", "a binary file; skipped",
                                "keep only text content in content/")
    try:
        return raw.decode("utf-8-sig").replace("\x00", ""), None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        text = raw.decode("cp1252", errors="replace").replace("\x00", "")
        return text, Diagnostic(rel, line, "warning", "D106",
                                "not UTF-8; read as Windows-1252 (cp1252)",
                                "save the file as UTF-8")


def _parse_front_matter(rel: str, text: str, suffix: str, notes: tuple[Diagnostic, ...]
                        ) -> FileResult:
    try:
        head, rest = _FRONT.split(text)
    except ValueError:
        return FileResult(skipped=True, diagnostics=(*notes, Diagnostic(
            rel, 1, "error", "D107", "the front matter opened with --- never closes; skipped",
            "end the metadata with a line holding only ---")))
    # ``head`` starts with the newline that ends the opening ``---``: its first line is line 1.
    record, found = _parse_yaml(rel, head, 1)
    body = None
    if rest.strip():
        body_line = text.count("\n", 0, len(text) - len(rest.lstrip())) + 1
        body = make_body(rel, body_line, rest, suffix if suffix != ".yaml" else ".txt")
    return FileResult(record=record, body=body, diagnostics=(*notes, *found))


def _parse_yaml(rel: str, text: str, first_line: int) -> tuple[Record | None, list[Diagnostic]]:
    try:
        data = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + mark.line if mark else first_line
        col = mark.column + 1 if mark else 0
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [Diagnostic(rel, line, "error", "D108", f"invalid YAML: {problem}",
                                 "fix the YAML syntax (quote text containing ':' or '#')", col)]
    key_lines = {m.group(1): first_line + text.count("\n", 0, m.start())
                 for m in _KEY_LINE.finditer(text)}
    return parse_record(data, rel, first_line, key_lines)


def make_body(rel: str, line: int, text: str, suffix: str) -> Body:
    """Clean a body and take off its leading dateline."""
    dateline = None
    match = _DATELINE.match(text)
    if match:
        parsed = parse_datetime(match.group(1))
        dateline = parsed.date() if parsed else None
        text = text[match.end():]
    if suffix in MARKDOWN_SUFFIXES:
        return Body(rel, line, BodyFormat.MARKDOWN, clean_markdown(text), dateline)
    return Body(rel, line, BodyFormat.TEXT, clean_paragraphs(text), dateline)
