"""Load templates from the templates folder by the rules the content folder keeps.

Nothing hidden is a template, and no link leads out of the folder: a template linked to
``/proc/self/environ`` or a file outside the project would publish it. Nor is anything but a
regular file read: opening a FIFO never ends.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

import jinja2
from jinja2.loaders import split_template_path

from digest.errors import TemplateProblem


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
        return super().get_source(environment, template)
