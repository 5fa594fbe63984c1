"""Make text safe to print on a terminal: control characters shown, never obeyed.

File names and content reach the terminal in diagnostics and summaries. An escape sequence in
a name could clear the screen or set the window title, a newline could print a line that looks
like a diagnostic of its own, and a bidirectional control could reorder the line around it.
"""

from __future__ import annotations

import logging
import re

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def printable(text: str) -> str:
    """Return ``text`` with each control character written as its escape (``\\x1b``, ``\\u202e``)."""
    return _CONTROL.sub(_escape, text) if _CONTROL.search(text) else text


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class PrintableFormatter(logging.Formatter):
    """Format log records as ``logging.Formatter`` does, their messages' control characters
    shown; a traceback keeps its lines."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.msg, record.args
        record.msg, record.args = printable(record.getMessage()), None
        try:
            return super().format(record)
        finally:
            record.msg, record.args = saved
