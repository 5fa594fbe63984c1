"""``digest links check`` and ``digest links archive`` on the command line."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from digest.config import LINKS_NAME, Config
from digest.printable import printable

DESCRIPTION = f"""\
Check or archive every external link of the site: each article's original,
its first image and its related coverage. The state of each is kept in
{LINKS_NAME} beside digest.toml, meant to be committed; build only reads it.

check    asks each URL (HEAD, then GET if refused) and records its state:
         alive, redirected, dead (a 4xx saying it is gone) or unreachable.
archive  looks up the Internet Archive's snapshot closest to each article's
         date; --save asks it to save live pages that have none.

Only http(s) URLs on public addresses are fetched, unless [links]
allow_private = true. Exit status 0 when done, whatever was found."""


def add_links_commands(commands: argparse._SubParsersAction, site: argparse.ArgumentParser
                       ) -> None:
    """Add ``digest links check|archive``; ``site`` holds the options every command has."""
    links = commands.add_parser("links", help="check and archive the site's external links",
                                description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = links.add_subparsers(dest="action", required=True, metavar="ACTION")
    older = argparse.ArgumentParser(add_help=False)
    older.add_argument("--only-older", type=_days, metavar="DAYS",
                       help="only URLs not done within DAYS days (a run stopped part-way "
                       "goes on where it stopped with --only-older 1)")
    check = actions.add_parser("check", parents=[site, older], help="check every external URL",
                               description="Check every external URL; record each one's state "
                               f"in {LINKS_NAME}, then print a summary.")
    check.set_defaults(run=run_links_check, output=None)
    archive = actions.add_parser("archive", parents=[site, older],
                                 help="find each URL's archived copy",
                                 description="Look up each URL's archived copy closest to its "
                                 "article's date, for URLs that have none and were not looked "
                                 "up yet (with --only-older, those looked up before DAYS days).")
    archive.add_argument("--save", action="store_true",
                         help="ask the archive to save live pages it has no copy of "
                         "(slowly, [links] save_delay apart; run again to go on)")
    archive.set_defaults(run=run_links_archive, output=None)


def _days(text: str) -> float:
    try:
        days = float(text)
    except ValueError:
        days = -1.0
    if not days >= 0:
        raise argparse.ArgumentTypeError(f"a number of days, 0 or more, not {text!r}")
    return days


def run_links_check(args: argparse.Namespace, config: Config) -> int:
    from digest.links.check import check_links, summary
    from digest.links.gather import gather
    from digest.links.ledger import read_ledger

    ledger = read_ledger(config.root / LINKS_NAME)  # a bad file is told before the content is read
    _, linked = gather(config)
    checked = check_links(linked, ledger, config.links, datetime.now(UTC), args.only_older)
    print(f"Checked {checked} of {len(linked)} links")
    print(summary(ledger))
    print(printable(f"Written: {ledger.path}"))
    return 0


def run_links_archive(args: argparse.Namespace, config: Config) -> int:
    from digest.links.archive import archive_links
    from digest.links.check import summary
    from digest.links.gather import gather
    from digest.links.ledger import read_ledger

    ledger = read_ledger(config.root / LINKS_NAME)
    _, linked = gather(config)
    done = archive_links(linked, ledger, config.links, datetime.now(UTC),
                         only_older=args.only_older, save=args.save)
    print(f"Looked up {done.asked} links: {done.found} archived")
    if args.save:
        print(f"Saved {done.saved} pages" + (f"; stopped: {done.stopped}" if done.stopped else ""))
    print(summary(ledger))
    print(printable(f"Written: {ledger.path}"))
    return 0
