"""Errors that stop a command, as opposed to diagnostics about content."""

from __future__ import annotations


class DigestError(Exception):
    """A failure the user can act on; the CLI prints it without a traceback."""

    exit_code = 2


class ConfigError(DigestError):
    """The configuration file or a command-line option is wrong."""


class TemplateProblem(DigestError):
    """A template is missing or does not compile."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message

    def __reduce__(self) -> tuple[type, tuple[str, int, str]]:
        # Raised in a worker process, it crosses back pickled: rebuild it from its parts.
        return TemplateProblem, (self.path, self.line, self.message)


class OutputError(DigestError):
    """The output folder cannot be written safely."""


class SearchError(DigestError):
    """The search index cannot be made."""
