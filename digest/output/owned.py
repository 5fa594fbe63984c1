"""Tell the files a build wrote in an output folder from everything else, and refuse the rest.

A build replaces its output folder whole, and the next build deletes what the one before
wrote. That is safe only in a folder holding nothing but a build's own files: each build leaves
``MARKER`` in the folder, naming every file it wrote, and no build runs in a folder holding a
file that list does not name.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from digest.errors import ConfigError, OutputError

if TYPE_CHECKING:
    from digest.config import Config

MARKER = ".digest-site"
"""The file a build leaves in the output folder: the names of the files it wrote, as JSON."""
TEMP_PREFIX = ".digest-tmp-"
"""How the names of a build's temporary files and folders begin."""
_SHOWN = 5
"""Foreign files named in a refusal; the rest are counted."""


def check_output(output: Path, inside: Iterable[Path], around: Iterable[Path] = ()) -> None:
    """Refuse an output folder that a build must not replace, before any content is read.

    ``output`` is resolved (a symbolic link is judged by the folder it leads to). It may not be,
    lie inside, or hold any of the folders ``inside`` (the content, templates, static files and
    cache), nor be or hold any of ``around`` (the project folder). A folder that exists must be
    empty or hold a build's ``MARKER``.
    """
    out = output.resolve()
    read = [folder.resolve() for folder in inside]
    for folder in (*read, *(folder.resolve() for folder in around)):
        if out == folder or folder.is_relative_to(out):
            raise OutputError(f"the output folder {out} would replace {folder}; "
                              "choose a separate folder such as _site")
    for folder in read:
        if out.is_relative_to(folder):
            raise OutputError(f"the output folder {out} is inside {folder}, which the build "
                              "reads; choose a folder outside it, such as _site")
    if out.name.startswith(TEMP_PREFIX):
        raise OutputError(f"the output folder {out} is named as a build's temporary folder; "
                          "choose another name")
    if out.exists() and not out.is_dir():
        raise OutputError(f"the output path {out} is a file, not a folder; "
                          "remove it or choose another output folder")
    if out.is_dir() and not (out / MARKER).is_file():
        names = _some_names(out)
        if names:
            raise OutputError(
                f"the output folder {out} is not empty and no digest build made it (it has no "
                f"{MARKER} file): it holds {_listed(names)}. A build replaces its output folder "
                "whole, so it stops rather than delete them. Choose a new or empty folder with "
                "--output or the output setting, or move these files out first (a site an "
                "earlier digest built has no such file either: delete it and build again)")


def foreign(output: Path, files: Iterable[str]) -> list[str]:
    """Return the ``files`` of ``output`` that no build wrote: not named by its ``MARKER``.

    Temporary files of a build that was killed are the build's own.
    """
    written = set(marked(output))
    return sorted(rel for rel in files if rel != MARKER and rel not in written
                  and not rel.rpartition("/")[2].startswith(TEMP_PREFIX))


def refuse_foreign(output: Path, files: Iterable[str]) -> None:
    """Stop a build that would delete files of ``output`` that no build wrote (see ``foreign``)."""
    found = foreign(output, files)
    if found:
        raise OutputError(
            f"the output folder {output} holds files that digest did not write: "
            f"{_listed(found, len(found))}. A build replaces its output folder whole, so it stops rather "
            "than delete them. Move them out (into the static folder, to publish them), "
            "then build again")


def marker(files: Iterable[str]) -> bytes:
    """Return the ``MARKER`` file naming ``files``: one JSON string a line, in order."""
    names = sorted(rel for rel in files if rel != MARKER)
    # One call of the JSON encoder, a line a name: half the time of a call a name, at 230,000
    # files (an edit put in place writes it twice).
    lines = json.dumps(names, ensure_ascii=False, separators=(",\n", ":"))[1:-1]
    return f"[\n{lines}\n]\n".encode("utf-8", "surrogateescape")


def marked(output: Path) -> list[str]:
    """Return the names ``output``'s ``MARKER`` lists, in its order (sorted, as ``marker``
    writes them: sorted again in a tenth of the time); none if it is missing or unreadable."""
    try:
        names = json.loads((output / MARKER).read_bytes().decode("utf-8", "surrogateescape"))
    except (OSError, ValueError):
        return []
    return [rel for rel in names if isinstance(rel, str)] if isinstance(names, list) else []


def _some_names(folder: Path) -> list[str]:
    """Return the names of a few of the entries of ``folder``; none if it is empty."""
    with os.scandir(folder) as entries:
        names = []
        for entry in entries:
            names.append(entry.name + ("/" if entry.is_dir(follow_symlinks=False) else ""))
            if len(names) > _SHOWN:
                break
    return sorted(names)


def _listed(names: list[str], total: int | None = None) -> str:
    """Name the first few of ``names``; say how many more there are, if ``total`` is known."""
    shown = ", ".join(names[:_SHOWN])
    if len(names) <= _SHOWN:
        return shown
    return f"{shown} and {total - _SHOWN} more" if total is not None else f"{shown} and more"


def require_content(config: Config) -> None:
    """Refuse a content folder that is not there, before anything is read or written."""
    if not config.content.is_dir():
        what = "is not a folder" if config.content.exists() else "does not exist"
        raise ConfigError(f"the content folder {config.content} {what}; create it, or name "
                          "another with --content or the content setting in digest.toml")


def check_folders(config: Config) -> None:
    """Refuse a build that would read nothing or write where it must not (``owned``)."""
    require_content(config)
    check_output(config.output, [config.content, config.templates, config.static,
                                 config.cache_dir], [config.root])
