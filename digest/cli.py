"""The ``digest`` command line."""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from digest import __version__
from digest.config import ADDRESSES_NAME, CONFIG_NAME, LINKS_NAME, Config, load_config
from digest.errors import ConfigError, DigestError
from digest.help import DESCRIPTION, EPILOG, NEW_DESCRIPTION, SERVE_DESCRIPTION
from digest.incremental.stamp import read_inputs, up_to_date
from digest.links.command import add_links_commands
from digest.output.owned import check_folders, require_content
from digest.printable import PrintableFormatter, printable

if TYPE_CHECKING:
    from digest.content import Checked
    from digest.model import Diagnostic

EXIT_OK, EXIT_CONTENT_ERRORS, EXIT_FAILURE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_BROKEN_PIPE = 141

def parser() -> argparse.ArgumentParser:
    """Build the argument parser for every command."""
    top = argparse.ArgumentParser(
        prog="digest", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--version", action="version", version=f"digest {__version__}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    site = argparse.ArgumentParser(add_help=False)
    site.add_argument("--config", type=Path, metavar="FILE",
                      help="settings file (default: ./digest.toml if present)")
    site.add_argument("--content", type=Path, metavar="DIR",
                      help="folder of records and bodies (default: content)")
    site.add_argument("--base-url", metavar="URL",
                      help="absolute URL the site is published at, e.g. https://you.github.io/repo/")
    site.add_argument("-v", "--verbose", action="store_true",
                      help="also show informational notes and stage timings")
    common = argparse.ArgumentParser(add_help=False, parents=[site])
    common.add_argument("--report", type=Path, metavar="FILE",
                        help="write the join report and every diagnostic as JSON to FILE")

    b = commands.add_parser("build", parents=[common], help="build the site into the output folder",
                            description="Build the site into the output folder (default _site/). "
                            "The new site replaces the old one only when the build succeeds.")
    b.add_argument("--output", type=Path, metavar="DIR", help="output folder (default: _site)")
    b.add_argument("--strict", action="store_true",
                   help="write nothing if the content has errors (exit status 1)")
    b.add_argument("--no-cache", dest="cache", action="store_false",
                   help="read and render everything afresh, ignoring and keeping the cache "
                   "(.digest-cache/)")
    b.set_defaults(run=run_build)

    c = commands.add_parser("check", parents=[common], help="report every problem, write nothing",
                            description="Load, join and index the content and report every "
                            "diagnostic, one a line as path:line:col: severity code: message "
                            "(hint), then a count. Writes nothing. Exit status 0 when there "
                            "are no errors, 1 when there are.",
                            epilog="The codes are listed in docs/reference.md, under Diagnostic codes.")
    c.add_argument("--strict", action="store_true", help="count warnings as errors")
    c.add_argument("--format", choices=("text", "json"), default="text",
                   help="text for people (default) or json for scripts, on standard output")
    c.set_defaults(run=run_check, output=None)

    s = commands.add_parser("serve", parents=[site], help="preview the site with live reload",
                            description=SERVE_DESCRIPTION,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this computer only; "
                   "0.0.0.0 or :: for every interface, which also answers this computer's "
                   "name and any IP address)")
    s.add_argument("--port", type=int, default=8000,
                   help="port to listen on (default: 8000; 0 picks a free one)")
    s.add_argument("--drafts", action=argparse.BooleanOptionalAction, default=True,
                   help="show draft: true articles, marked as drafts (default: shown)")
    s.set_defaults(run=run_serve, output=None)
    add_links_commands(commands, site)

    n = commands.add_parser("new", help="make a new site, ready to build and publish",
                            description=NEW_DESCRIPTION,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    n.add_argument("folder", type=Path, metavar="DIR", help="folder to make the site in "
                   "(made if need be; may hold other files, such as a README)")
    n.set_defaults(run=None, verbose=False)
    return top


def run() -> NoReturn:
    """Run the command line as a program, and leave without tearing the build down.

    A build holds millions of small objects; freeing them one by one at exit took a quarter of
    a second at 10,000 articles, for memory the system takes back at once anyway.
    """
    try:
        status = main(ends_process=True)
    except BrokenPipeError:  # the reader went away (digest check | head): as a shell says it
        status = EXIT_BROKEN_PIPE
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):
            stream.flush()
    os._exit(status)


def main(argv: Sequence[str] | None = None, *, ends_process: bool = False) -> int:
    """Run the command line; return the exit status. ``ends_process`` when the process ends
    right after, without freeing what the command made (``run``)."""
    args = parser().parse_args(argv)
    args.ends_process = ends_process
    handler = logging.StreamHandler()
    handler.setFormatter(PrintableFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    # -v tells of digest's own work: Pagefind's debug log (each message to its binary, hundreds
    # a build) and asyncio's are theirs, and stay at warnings.
    logging.getLogger("digest").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    try:
        if args.command == "new":  # reads no settings: there are none yet
            return run_new(args.folder)
        config = load_config(args.config, {
            "content": args.content, "output": args.output, "base_url": args.base_url})
        if getattr(args, "report", None) is not None:
            check_report_path(args.report, config)
        return int(args.run(args, config))
    except DigestError as exc:
        print(printable(f"digest: error: {exc}"), file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        raise  # the reader went away: nothing to say to it (run)
    except OSError as exc:  # the disk full, a folder read-only: said, as any problem is
        print(printable(f"digest: error: {_described(exc)}"), file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("digest: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _described(exc: OSError) -> str:
    """Say what failed on which file, without a traceback."""
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}"


def check_report_path(report: Path, config: Config) -> None:
    """Refuse a report inside the site (it would publish drafts' titles) or the content."""
    where = report.resolve()
    for folder, what in ((config.output, "output"), (config.content, "content")):
        if where.is_relative_to(folder):
            raise ConfigError(f"--report {report} is inside the {what} folder {folder}; the report "
                              "names drafts and problems, so write it somewhere else")


def run_build(args: argparse.Namespace, config: Config) -> int:
    from digest.progress import Timings

    if args.ends_process:
        # The collector stays off to the end: the build pauses it anyway (build.gc_paused), and
        # the first collection after, over every object the build made, took 60 ms of a
        # rebuild; the process ends without freeing them (run).
        gc.disable()

    timings = Timings()
    # Read once: they tell whether anything changed, and the build reuses them.
    inputs = timings.run("stat", lambda: read_inputs(config, time.time_ns())) if args.cache else None
    if inputs and args.report is None and (stamp := up_to_date(config, inputs, strict=args.strict)):
        from digest.theme import theme_warnings

        _print_warnings(theme_warnings(config))
        _print_diagnostics(config, stamp.said, args.verbose)
        took = timings.total * 1000
        print("Nothing changed since the last build")
        print(f"Files written       {0:>6}   ({stamp.files} unchanged)")
        print(f"Built in {took:.0f} ms (check {took:.0f} ms)")
        print(printable(f"Output: {config.output}"))
        return EXIT_OK
    # Imported once there is work to do: a build with nothing to do stops in a tenth of the time.
    from digest.build import StrictRefusal, build
    from digest.render.pages import checked_theme
    from digest.report import count_line, summary

    check_folders(config)  # before the templates are compiled into the cache
    _print_warnings(checked_theme(config, cached=args.cache))
    try:
        built = build(config, strict=args.strict, cached=args.cache, inputs=inputs,
                      timings=timings, whole=args.report is not None)
    except StrictRefusal as refusal:
        _maybe_report(args, refusal.checked)
        _print_diagnostics(config, refusal.checked.diagnostics, args.verbose)
        print(f"digest: {refusal} ({count_line(refusal.checked.diagnostics)})", file=sys.stderr)
        return refusal.exit_code
    if built.checked is not None:
        _maybe_report(args, built.checked)
    _print_diagnostics(config, built.tally.diagnostics, args.verbose)
    print("\n".join(printable(line) for line in summary(built, args.verbose)))
    print(printable(f"Output: {config.output}"))
    return EXIT_OK


def _print_warnings(warnings: list[str]) -> None:
    for warning in warnings:
        print(printable(f"digest: warning: {warning}"), file=sys.stderr)


def run_check(args: argparse.Namespace, config: Config) -> int:
    from digest.content import check
    from digest.links.warn import dead_unarchived
    from digest.progress import Timings
    from digest.render.pages import checked_theme
    from digest.report import count_line, shown_path
    from digest.story.hints import spread_stories

    require_content(config)
    _print_warnings(checked_theme(config, cached=False))
    checked = check(config, Timings())
    _maybe_report(args, checked)
    diagnostics = _in_order(checked.diagnostics + dead_unarchived(checked, config)
                            + spread_stories(checked.site))
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = sum(d.severity == "warning" for d in diagnostics)
    if args.format == "json":
        shown = [{**asdict(d), "path": printable(shown_path(config, d.path)),
                  "message": printable(d.message)} for d in diagnostics]
        print(json.dumps({"articles": len(checked.site.order), "errors": errors,
                          "warnings": warnings, "diagnostics": shown},
                         indent=2, ensure_ascii=False))
    else:
        _print_diagnostics(config, diagnostics, True, stream=sys.stdout)
        articles = len(checked.site.order)
        print(f"{articles} article{'s' if articles != 1 else ''} checked: {count_line(diagnostics)}")
    return EXIT_CONTENT_ERRORS if errors or (args.strict and warnings) else EXIT_OK


def _print_diagnostics(config: Config, diagnostics: tuple[Diagnostic, ...], verbose: bool,
                       stream: TextIO | None = None) -> None:
    """Print diagnostics in file order; notes only when verbose."""
    from digest.report import shown_path

    for diagnostic in _in_order(diagnostics):
        if verbose or diagnostic.severity != "info":
            print(replace(diagnostic, path=shown_path(config, diagnostic.path)),
                  file=stream or sys.stderr)


def _in_order(diagnostics: tuple[Diagnostic, ...]) -> tuple[Diagnostic, ...]:
    return tuple(sorted(diagnostics, key=lambda d: (d.path, d.line, d.col)))


def _maybe_report(args: argparse.Namespace, checked: Checked) -> None:
    if args.report is not None:
        from digest.report import write_report
        write_report(args.report, checked)


def run_new(folder: Path) -> int:
    from digest.new import new_site
    print("\n".join(printable(line) for line in new_site(folder)))
    return EXIT_OK


def run_serve(args: argparse.Namespace, config: Config) -> int:
    # Imported here: the server and the watcher cost a build a tenth of a second to import.
    from digest.live.preview import Preview, Update
    from digest.live.serve import open_server, serve
    from digest.live.watch import Watched
    from digest.theme import theme_warnings

    require_content(config)
    _print_warnings(theme_warnings(config))
    settings = args.config or Path(CONFIG_NAME)
    preview = Preview(config, lambda: load_config(args.config, {
        "content": args.content, "base_url": args.base_url}), drafts=args.drafts)
    server = open_server(args.host, args.port, preview)  # a busy port is told before building
    watched = Watched(config.content, config.templates, config.static,
                      settings.resolve() if settings.is_file() else None,
                      config.root / LINKS_NAME, config.root / ADDRESSES_NAME)

    def started(first: Update) -> None:
        _print_diagnostics(config, first.diagnostics, args.verbose)
        for problem in first.problems:
            print(printable(f"digest: error: {problem}"), file=sys.stderr)
        drafts = "drafts shown" if args.drafts else "drafts hidden"
        print(f"Serving {len(preview.files)} files at {server.url} ({drafts}); Ctrl-C to stop",
              flush=True)

    try:
        serve(preview, server, watched, started)
    except KeyboardInterrupt:
        print("Stopped.", flush=True)
    return EXIT_OK
