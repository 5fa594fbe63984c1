"""Render planned pages through the Jinja templates into bytes. Writes nothing."""

from __future__ import annotations

import hmac
import posixpath
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit

import jinja2
import jinja2.runtime
import markupsafe
from markupsafe import Markup

from digest import parallel
from digest.config import Config
from digest.errors import TemplateProblem
from digest.incremental import sealed
from digest.incremental.sealed import replace_file
from digest.parallel import chunks, fork_map
from digest.plan.page import Deferred, Page
from digest.plan.urls import absolute_url
from digest.read.markdown import render_markdown
from digest.render.theme import check_theme, theme_loader


@dataclass(frozen=True)
class SiteInfo:
    """What every template may know about the site as a whole."""

    title: str
    description: str
    base_url: str
    language: str
    search: bool
    """Whether the site has a search page (``search`` in the config)."""


SPAN = 64
"""The most pages a render worker is sent at once. A few spans per core wait, rendered, in the
build process to be written: spans of a 32nd of the site (123,000 pages at 100,000 articles)
held some 300 MB there; at 10,000 articles this cut the build's peak by 37 MB."""


_escape_text = getattr(markupsafe, "_escape_inner", None)
"""markupsafe's own escaping of a text, in C where it has its speedups."""
_as_markup = str.__new__


def escape(value: object) -> Markup:
    """Escape as ``markupsafe.escape`` does, making the Markup without ``Markup.__new__``.

    That method is Python, called for every value a template shows: a fifth of the
    instructions of rendering a list page. A Markup made from a text holds that text alike.
    """
    if type(value) is str:
        return _as_markup(Markup, _escape_text(value))  # type: ignore[misc]
    if hasattr(value, "__html__"):
        return _as_markup(Markup, value.__html__())
    return _as_markup(Markup, _escape_text(str(value)))  # type: ignore[misc]


if _escape_text is not None:
    # Compiled templates take escape from jinja2.runtime when they are loaded.
    jinja2.runtime.escape = escape  # type: ignore[assignment]


def environment(config: Config, compiled: Path | None = None) -> jinja2.Environment:
    """Create the Jinja environment: autoescape everywhere, undefined names are errors.

    ``compiled`` is a folder to keep compiled templates in, from one build to the next: Jinja
    checks each against its template's source before using it.
    """
    env = jinja2.Environment(
        loader=theme_loader(config),
        # Compiling the templates took a tenth of a second of every build that renders a page.
        bytecode_cache=_Compiled(compiled) if compiled else None,
        # Escaped for HTML and XML, and so for any other template, but plain text (robots.txt),
        # which shows only settings checked when read (base_url).
        autoescape=jinja2.select_autoescape(("html", "htm", "xml"), ("txt",), default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # A renderer lives for one build or one preview update, in which templates do not
        # change: without this, every include asked the disk for the template's time.
        auto_reload=False,
    )
    env.filters.update(rel=rel_url, date=human_date, isodate=iso_date, markdown=markdown)
    env.globals["site"] = SiteInfo(config.title, config.description, config.base_url,
                                   config.language, config.search)
    env.globals["base_path"] = urlsplit(config.base_url).path
    return env


def render(pages: Iterable[Page], config: Config, compiled: Path | None = None
           ) -> Iterator[tuple[str, bytes]]:
    """Yield (path, bytes) for each page; ``compiled`` as for ``environment``."""
    draw = Renderer(config, compiled)
    for page in pages:
        yield page.path, draw(page)


def render_many(pages: Sequence[Page], draw: Renderer) -> Iterator[tuple[str, bytes]]:
    """Yield (path, bytes) for each page, in order: on every core when there are many
    (``parallel.PARALLEL_MIN``), else here."""
    if len(pages) < parallel.PARALLEL_MIN:
        return ((page.path, draw(page)) for page in pages)
    return _in_parallel(pages, draw)


def render_in_parallel(pages: Sequence[Page], config: Config, compiled: Path | None = None
                       ) -> Iterator[tuple[str, bytes]]:
    """Yield (path, bytes) for each page, in order, rendered on every core."""
    return _in_parallel(pages, Renderer(config, compiled))


def _in_parallel(pages: Sequence[Page], draw: Renderer) -> Iterator[tuple[str, bytes]]:
    # ``draw`` is forked into each worker, with the templates it has loaded; it loads the others
    # there. Workers get spans of positions, not pages: a page's deferred context does not pickle.
    def work(span: Sequence[int]) -> list[tuple[str, bytes]]:
        return [(pages[n].path, draw(pages[n])) for n in span]

    for done in fork_map(work, chunks(range(len(pages)), per_core=16, most=SPAN)):
        yield from done


class _Compiled(jinja2.BytecodeCache):
    """Compiled templates, kept in a folder from one build to the next.

    Jinja checks that a template's source is unchanged, not that the compiled code is whole,
    nor whose it is: loading it runs it. Each file here starts with its tag, keyed with the
    user's key (``sealed.py``) over its template's bucket and code: one damaged, or written by
    anyone else, is compiled again, never loaded.
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            data = (self._folder / f"{bucket.key}.cache").read_bytes()
        except OSError:
            return
        tag, code = data[:sealed.TAG_BYTES], data[sealed.TAG_BYTES:]
        if hmac.compare_digest(_tag(bucket, code), tag):
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = bucket.bytecode_to_string()
        with suppress(OSError):  # a template that cannot be kept is only compiled again
            self._folder.mkdir(parents=True, exist_ok=True)
            replace_file(self._folder / f"{bucket.key}.cache", _tag(bucket, code) + code)


def _tag(bucket: jinja2.bccache.Bucket, code: bytes) -> bytes:
    return sealed.tag(sealed.TEMPLATE, bucket.key.encode(), b"\0", code)


class Renderer:
    """Renders pages with one Jinja environment, compiling each template once."""

    def __init__(self, config: Config, compiled: Path | None = None) -> None:
        self._config = config
        self._env = environment(config, compiled)
        self._templates: dict[str, jinja2.Template] = {}

    def __call__(self, page: Page) -> bytes:
        template = self._templates.get(page.template)
        if template is None:
            template = load_template(self._env, page.template, self._config.templates)
            self._templates[page.template] = template
        return render_page(template, page, self._config).encode("utf-8")


def render_page(template: jinja2.Template, page: Page, config: Config) -> str:
    """Render one page, turning template errors into a message with file and line."""
    canonical = absolute_url(config, page.path)
    try:
        context = page.context.made() if isinstance(page.context, Deferred) else page.context
        return template.render(context, page_path=page.path, canonical=canonical)
    except jinja2.TemplateError as exc:
        raise _problem(exc, page.template) from None


def load_template(env: jinja2.Environment, name: str, folder: Path) -> jinja2.Template:
    """Load and compile a template, naming file and line when it is broken or missing."""
    try:
        return env.get_template(name)
    except jinja2.TemplateNotFound as exc:
        raise TemplateProblem(str(folder / str(exc.name)), 0, "template not found") from None
    except jinja2.TemplateError as exc:
        raise _problem(exc, name) from None


def _problem(exc: jinja2.TemplateError, name: str) -> TemplateProblem:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return TemplateProblem(exc.filename or name, exc.lineno or 0, exc.message or str(exc))
    return TemplateProblem(name, 0, str(exc))


@jinja2.pass_context
def rel_url(context: jinja2.runtime.Context, target: str | None) -> str:
    """Turn a site path into a URL relative to the page being rendered; leave URLs as they are."""
    if not target or "://" in target:
        return target or ""
    page = context["page_path"]
    if page == "404.html":  # served at any depth, so its links start from the site root
        return quote(context["base_path"] + target, safe="/")
    # relative_path's result, quoted, from parts worked out once a target and once a page:
    # a page links to dozens of paths, which most other pages link to as well.
    parts, quoted, whole = _target_parts(target)
    base = _folder_parts(page)
    common = 0
    for a, b in zip(parts, base, strict=False):
        if a != b:
            break
        common += 1
    if common < len(parts):  # most links: up to the root (common is 0), then down
        return "../" * (len(base) - common) + (whole if not common else "/".join(quoted[common:]))
    return "/".join([".."] * (len(base) - common)) or "."


@lru_cache(maxsize=1 << 16)
def _target_parts(target: str) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """Return a target's parts as relative_path takes them, the same parts quoted, and those
    joined: quoting keeps ``/`` and works a character at a time, so it splits as the target does.
    """
    raw, escaped = target.split("/"), quote(target, safe="/").split("/")
    kept = [n for n, part in enumerate(raw) if part and part != "."]
    quoted = tuple(escaped[n] for n in kept)
    return tuple(raw[n] for n in kept), quoted, "/".join(quoted)


@lru_cache(maxsize=8)  # asked a few dozen times in a row for the page being rendered
def _folder_parts(page: str) -> tuple[str, ...]:
    """Return the parts of ``page``'s folder, as relative_path takes them."""
    return tuple(part for part in posixpath.dirname(page).split("/") if part and part != ".")


def relative_path(target: str, start: str) -> str:
    """Return site path ``target`` relative to folder ``start``, as ``posixpath.relpath`` would.

    Both are paths inside the site, so plain string work does; ``relpath`` asks the system for
    the working folder twice a call, which made it most of the render stage's cost.
    """
    to = [part for part in target.split("/") if part and part != "."]
    base = [part for part in start.split("/") if part and part != "."]
    common = 0
    for a, b in zip(to, base, strict=False):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(base) - common) + to[common:]) or "."


@lru_cache(maxsize=1 << 15)  # an article's date is shown on its page, its lists and feeds
def human_date(value: datetime | None) -> str:
    """Format a date for readers: 12 June 2020."""
    return f"{value.day} {value:%B %Y}" if value else ""


@lru_cache(maxsize=1 << 15)
def iso_date(value: datetime | None) -> str:
    """Format a UTC time for machines: 2020-06-12T19:19:00Z."""
    return f"{value:%Y-%m-%dT%H:%M:%SZ}" if value else ""


def markdown(source: str) -> Markup:
    """Render Markdown with raw HTML off; markdown-it escapes all text it emits."""
    return render_markdown(source).html


def compiled_templates(config: Config) -> Path:
    """Return the cache's folder of compiled templates."""
    return config.cache_dir / "templates"


def checked_theme(config: Config, *, cached: bool) -> list[str]:
    """Compile the templates the site uses before any content is read (``check_theme``), and
    return the theme's warnings. ``cached``: keep the compiled templates where builds find them."""
    compiled = compiled_templates(config) if cached and sealed.key_kept() else None
    return check_theme(config, environment(config, compiled))
