"""Read every file in the content folder into records and bodies."""

from __future__ import annotations

import codecs
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from digest.model import Body, BodyFormat, Diagnostic, Loaded, Record
from digest.read.clean import clean_paragraphs
from digest.read.front_matter import YAML, BadFront, Handler, handler_of
from digest.read.listing import Listing, walk
from digest.read.markdown import markdown_body
from digest.read.records import parse_datetime, parse_record
from digest.read.safe_yaml import MAX_DEPTH

TEXT_SUFFIXES = {".txt", ".text", ""}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
RECORD_SUFFIXES = {".yaml", ".yml"}
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")
"""Characters that text files seldom hold: control characters and undecodable bytes."""
_TEXT_ASCII = bytes(set(range(0x80)) - {*range(0x09), 0x0B, *range(0x0E, 0x20)})
"""The ASCII characters _NOT_TEXT does not match: deleted, they leave those it does."""
_DATELINE = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})(?:\s+|\Z)")


@dataclass(frozen=True)
class FileResult:
    """What one file holds: at most one record and one body, and its problems."""

    record: Record | None = None
    body: Body | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    skipped: bool = False
    digest: str = ""
    """A digest of the file's name and bytes; empty when it could not be read."""


def load(content: Path, max_file_size: int,
         read: Callable[[str, str, int], FileResult] | None = None,
         listing: Listing | None = None) -> Loaded:
    """Read, decode, clean and classify every file under ``content`` (each with ``read``).

    ``listing`` is the folder's listing when the caller knows it still holds: serve's watcher does.
    """
    read = read or read_file
    records: list[Record] = []
    bodies: list[Body] = []
    diagnostics: list[Diagnostic] = []
    skipped: list[str] = []
    versions: dict[str, str] = {}
    for rel, path, problem in (listing if listing is not None else walk(content)).files:
        if problem is not None:
            diagnostics.append(problem)
            skipped.append(rel)
            continue
        result = read(rel, path, max_file_size)
        diagnostics.extend(result.diagnostics)
        if result.skipped:
            skipped.append(rel)
        if result.digest:
            versions[rel] = result.digest
        if result.record is not None:
            records.append(result.record)
        if result.body is not None:
            bodies.append(result.body)
    return Loaded(tuple(records), tuple(bodies), tuple(diagnostics), tuple(skipped), versions)


def read_file(rel: str, path: str | Path, max_file_size: int) -> FileResult:
    """Read one file from disk and parse it."""
    try:
        size = os.stat(path).st_size
        if size > max_file_size:
            return FileResult(diagnostics=(Diagnostic(
                rel, 0, "error", "D102", f"the file is {size:,} bytes, over the limit of "
                f"{max_file_size:,}; skipped", "split it, or raise max_file_size in digest.toml"),),
                skipped=True)
        with open(path, "rb") as stream:
            raw = stream.read()
    except OSError as exc:
        return FileResult(diagnostics=(Diagnostic(
            rel, 0, "error", "D101", f"cannot read the file: {exc.strerror}",
            "check its permissions"),), skipped=True)
    return replace(parse_file(rel, raw), digest=file_digest(rel, raw))


def file_digest(rel: str, raw: bytes) -> str:
    """Return a digest of a file's name and bytes: all its parse result depends on."""
    digest = hashlib.blake2b(rel.encode() + b"\0", digest_size=16)
    digest.update(raw)
    return digest.hexdigest()


def parse_file(rel: str, raw: bytes) -> FileResult:
    """Decode and classify one file's bytes; a pure function of its name and content."""
    suffix = suffix_of(rel)
    if suffix not in TEXT_SUFFIXES | MARKDOWN_SUFFIXES | RECORD_SUFFIXES:
        return FileResult(skipped=True, diagnostics=(Diagnostic(
            rel, 0, "info", "D103", f"not a content file ({suffix}); skipped",
            "content is .txt, .md, .yaml or .yml"),))
    text, notes = decode(rel, raw)
    if text is None:
        return FileResult(diagnostics=notes, skipped=True)
    if not text.strip():
        return FileResult(skipped=True, diagnostics=(*notes, Diagnostic(
            rel, 0, "warning", "D105", "the file is empty; skipped", "add content or delete it")))
    handler: Handler | None = YAML if suffix in RECORD_SUFFIXES else handler_of(text)
    split = _split(handler, text)
    if suffix in RECORD_SUFFIXES and (split is None or not split[1].strip()):
        # A record file is YAML as a whole; a leading --- is just YAML's document marker.
        head, first_line = (split[0], YAML.FIRST_LINE) if split else (text, 1)
        record, found = _read_front(rel, YAML, head, first_line)
        return FileResult(record=record, diagnostics=(*notes, *found))
    if handler is None:
        body, said = make_body(rel, 1, text, suffix)
        return FileResult(body=body, diagnostics=(*notes, *said))
    if split is None:
        return FileResult(skipped=True, diagnostics=(*notes, Diagnostic(
            rel, 1, "error", "D107", f"the front matter opened with {handler.OPENER} never "
            "closes; skipped", handler.HINT)))
    head, rest = split
    record, found = _read_front(rel, handler, head, handler.FIRST_LINE)
    if record is None:  # its body would only be reported again, as a body without a record
        return FileResult(skipped=True, diagnostics=(*notes, *found))
    body, said = None, ()
    if rest.strip():
        body_line = text.count("\n", 0, len(text) - len(rest.lstrip())) + 1
        body, said = make_body(rel, body_line, rest, ".txt" if suffix in RECORD_SUFFIXES else suffix)
    return FileResult(record=record, body=body, diagnostics=(*notes, *found, *said))


def suffix_of(rel: str) -> str:
    """Return the file name's suffix in lower case, as ``Path(rel).suffix`` finds it, cheaper."""
    name = rel.rpartition("/")[2]
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ""


def _split(handler: Handler | None, text: str) -> tuple[str, str] | None:
    """Split ``text`` into its front matter and the rest; None if there is none or it never closes."""
    if handler is None:
        return None
    try:
        return handler.split(text)
    except ValueError:  # python-frontmatter's way of saying so
        return None


def decode(rel: str, raw: bytes) -> tuple[str | None, tuple[Diagnostic, ...]]:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16/32 with BOM, or cp1252 as a fallback.

    Line ends become \\n, and NUL bytes are taken out. Returns None as text for a binary file.
    """
    text, notes = _decode(rel, raw)
    if text is None:
        return None, notes
    if "\x00" in text:
        notes += (Diagnostic(rel, text.count("\n", 0, text.index("\x00")) + 1, "warning", "D109",
                             f"{text.count(chr(0))} NUL bytes removed",
                             "the file is damaged or not text; re-save it as UTF-8 text"),)
        text = text.replace("\x00", "")
    if _looks_binary(text):
        return None, (Diagnostic(rel, 0, "warning", "D103", "a binary file, not text; skipped",
                                 "keep only text content in content/"),)
    return (text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text), notes


def _decode(rel: str, raw: bytes) -> tuple[str | None, tuple[Diagnostic, ...]]:
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(codec), ()
            except UnicodeDecodeError as exc:
                return None, (Diagnostic(rel, 0, "error", "D106", f"the file starts with a "
                                         f"{codec.upper()} byte-order mark but is not {codec.upper()}"
                                         f" ({exc.reason}); skipped", "save the file as UTF-8"),)
    if b"\x00" in raw[:8192] and raw.count(b"\x00") > len(raw) // 100:
        return None, (Diagnostic(rel, 0, "warning", "D103", "a binary file, not text; skipped",
                                 "keep only text content in content/"),)
    try:
        return raw.decode("utf-8"), ()
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return raw.decode("cp1252", errors="replace"), (Diagnostic(
            rel, line, "warning", "D106",
            f"not UTF-8 (byte 0x{raw[exc.start]:02X} here); the whole file is read as "
            "Windows-1252 (cp1252), which also reads Latin-1 (ISO 8859-1) text",
            "save the file as UTF-8; check its accented letters and quotes", col),)


def _looks_binary(text: str) -> bool:
    """Tell text from binary that got past the NUL test: many control or undecodable characters."""
    sample = text[:8192]
    if sample.isascii():  # most text: the characters are counted in C, not by a regex
        found = len(sample.encode("ascii").translate(None, _TEXT_ASCII))
    else:
        found = len(_NOT_TEXT.findall(sample))
    return found > max(8, len(sample) // 20)


def _read_front(rel: str, handler: Handler, text: str, first_line: int
                ) -> tuple[Record | None, list[Diagnostic]]:
    """Read front matter starting on the file's line ``first_line`` into a record."""
    try:
        front = handler.load(text)
    except BadFront as exc:
        return None, [Diagnostic(rel, first_line + exc.line, "error", exc.code,  # type: ignore[arg-type]
                                 exc.message, exc.hint, exc.col)]
    found = [Diagnostic(rel, first_line + line, "warning", "D110",
                        f"nested more than {MAX_DEPTH} levels deep; the part below is ignored",
                        "flatten the data") for line in front.too_deep]
    record, more = parse_record(front.data, rel, first_line, front.key_lines, handler.SYNTAX)
    return record, found + more


def make_body(rel: str, line: int, text: str, suffix: str) -> tuple[Body, tuple[Diagnostic, ...]]:
    """Clean a body and take off its leading dateline; say why a Markdown one is plain text."""
    dateline = None
    match = _DATELINE.match(text)
    if match:
        parsed = parse_datetime(match.group(1))
        dateline = parsed.date() if parsed else None
        text = text[match.end():]
    if suffix in MARKDOWN_SUFFIXES:
        return markdown_body(rel, line, text, dateline)
    return Body(rel, line, BodyFormat.TEXT, clean_paragraphs(text), dateline), ()
