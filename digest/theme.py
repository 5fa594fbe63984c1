"""Where the theme's files are: the site's own templates and static files over the default theme
that digest ships.

A site's ``templates/`` and ``static/`` folders (the settings of those names) override the
default theme file by file, as Hugo's and MkDocs' themes are overridden: a site with only
``content/`` builds with the default theme, and one with only ``templates/article.html`` changes
the article page alone. (Nothing here imports Jinja: a build with nothing to do asks too.)
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

from digest.config import Config

DEFAULT_THEME = Path(__file__).resolve().parent
"""The package's folder, holding the default theme's ``templates/`` and ``static/``."""
_STATIC_LINK = re.compile(r"""['"](static/[^'"\s{}]+)['"]""")
"""A static file named in a template: ``{{ 'static/style.css' | rel }}``."""


def template_folders(config: Config) -> tuple[Path, ...]:
    """The folders templates are looked up in, first found first: the site's, the default's."""
    return _distinct((config.templates, DEFAULT_THEME / "templates"))


def static_folders(config: Config) -> tuple[Path, ...]:
    """The folders static files are copied from, in order: a later one's file replaces an
    earlier one's of the same name, so the site's own come last."""
    return _distinct((DEFAULT_THEME / "static", config.static))


def _distinct(folders: tuple[Path, ...]) -> tuple[Path, ...]:
    """Keep each folder once (a site may be digest's own repository, whose theme is the default)."""
    seen: dict[str, Path] = {}
    for folder in folders:
        seen.setdefault(os.path.realpath(folder), folder)
    return tuple(seen.values())


def theme_warnings(config: Config) -> list[str]:
    """Say what would leave the pages unstyled or broken, yet lets the build go on: a
    ``templates`` or ``static`` setting naming no folder, a static file that a template links
    and no static folder holds, templates that link no stylesheet of the static files (on a
    line naming ``stylesheet``)."""
    warnings = [f"the {key} setting names {getattr(config, key)}, which is not a folder; the "
                f"default theme's {key} are used (correct the setting, or create the folder)"
                for key in ("templates", "static") if _set_elsewhere(config, key)
                and not getattr(config, key).is_dir()]
    have = {rel for folder in static_folders(config) for rel in _files(folder)}
    styled = False
    for path in _theme_templates(config):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # check_theme says why, if the site uses it
        for number, line in enumerate(text.splitlines(), 1):
            links = _STATIC_LINK.findall(line)
            styled = styled or bool(links and "stylesheet" in line)
            for linked in links:
                if linked.removeprefix("static/") not in have:
                    warnings.append(f"{path}:{number}: links {linked}, which no static folder "
                                    f"holds ({', '.join(map(str, static_folders(config)))}); "
                                    "add the file, or correct the link")
    if not styled:
        warnings.append(f"{config.templates}: no template links a stylesheet of the static "
                        "files; the pages are unstyled (link one as the default theme's "
                        "base.html does)")
    return warnings


def _set_elsewhere(config: Config, key: str) -> bool:
    """Whether a folder setting differs from its default (a site need not have its own)."""
    default = next(f.default for f in fields(Config) if f.name == key)
    return getattr(config, key) != (config.root / default).resolve()  # type: ignore[operator]


def _theme_templates(config: Config) -> Iterator[Path]:
    """Yield the file of every template of the theme that would be used: the site's own, and
    the default theme's that the site does not replace."""
    seen: set[str] = set()
    for folder in template_folders(config):
        for rel in _files(folder):
            if rel not in seen:
                seen.add(rel)
                yield folder / rel


def _files(folder: Path) -> list[str]:
    """Return the path of every file not hidden under ``folder``, relative to it."""
    found = []
    for root, dirs, names in os.walk(folder):  # links to folders not followed: they may loop
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [os.path.relpath(os.path.join(root, n), folder) for n in names
                  if not n.startswith(".")]
    return found
