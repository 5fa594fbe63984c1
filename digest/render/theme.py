"""Load and check the theme's templates (``digest.theme`` says which folders they come from).

Templates are loaded by the rules the content folder keeps. Nothing hidden is a template, and
no link leads out of its folder: a template linked to ``/proc/self/environ`` or a file outside
the project would publish it. Nor is anything but a regular file read: opening a FIFO never ends.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

import jinja2
import jinja2.meta
from jinja2.loaders import split_template_path

from digest.config import Config
from digest.errors import TemplateProblem
from digest.theme import template_folders, theme_warnings

PAGE_TEMPLATES = ("home.html", "term.html", "terms.html", "article.html", "404.html", "feed.xml",
                  "sitemap.xml", "sitemap-index.xml", "robots.txt", "edition.html", "archive.html",
                  "week.html", "data.json", "story.html", "redirect.html")
"""The templates the pages of every site are rendered with; search.html and CNAME by settings."""


class ThemeLoader(jinja2.FileSystemLoader):
    """A ``FileSystemLoader`` of one folder that refuses hidden names, links leading out of the
    folder, and what is not a regular file."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        super().__init__(folder)
        self._root = os.path.realpath(folder)

    def get_source(self, environment: jinja2.Environment, template: str
                   ) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        if any(piece.startswith(".") for piece in pieces):
            raise jinja2.TemplateNotFound(template)
        path = os.path.join(self.searchpath[0], *pieces)
        real = os.path.realpath(path)
        if real != self._root and not real.startswith(self._root + os.sep):
            raise TemplateProblem(path, 0, "the template is a link leading outside the "
                                  "templates folder; copy the file into the folder instead")
        try:
            mode = os.stat(real).st_mode
        except OSError:
            raise jinja2.TemplateNotFound(template) from None
        if not stat.S_ISREG(mode):
            raise TemplateProblem(path, 0, "the template is not a regular file (a folder, pipe "
                                  "or device); replace it with a file")
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            raise TemplateProblem(path, 0, f"the template is not UTF-8 text ({exc.reason}); "
                                  "save it as UTF-8") from None


def theme_loader(config: Config) -> jinja2.BaseLoader:
    """Load each template from the first of ``template_folders`` that holds it."""
    return jinja2.ChoiceLoader([ThemeLoader(folder) for folder in template_folders(config)])


def check_theme(config: Config, env: jinja2.Environment) -> list[str]:
    """Compile every template the site's pages use, and those they include or extend, before
    any content is read: raise ``TemplateProblem`` naming the file and line of the first broken
    or missing one. Return warnings about the theme (``theme_warnings``)."""
    wanted = [*PAGE_TEMPLATES, *(["search.html"] if config.search else []),
              *(["CNAME"] if config.cname else [])]
    done: set[str] = set()
    while wanted:
        name = wanted.pop()
        if name in done:
            continue
        done.add(name)
        try:
            source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
            env.get_template(name)  # compiled now, and kept where the renderer finds it
            wanted += [n for n in jinja2.meta.find_referenced_templates(env.parse(source))
                       if n is not None]
        except jinja2.TemplateNotFound as exc:
            raise TemplateProblem(str(config.templates / str(exc.name)), 0,
                                  "template not found, in the site's templates folder nor in "
                                  "the default theme; add it, or fix the name that asks for it"
                                  ) from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(exc.filename or name, exc.lineno or 0, exc.message or str(exc)
                                  ) from None
    return theme_warnings(config)


