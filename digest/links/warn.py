"""``digest check``'s warning of dead links that have no archived copy."""

from __future__ import annotations

from digest.config import LINKS_NAME, Config
from digest.content import Checked
from digest.links.gather import linked
from digest.links.ledger import read_ledger
from digest.model import Diagnostic


def dead_unarchived(checked: Checked, config: Config) -> tuple[Diagnostic, ...]:
    """Warn of each link ``links.json`` found dead that has no archived copy, at the record
    linking to it."""
    entries = read_ledger(config.root / LINKS_NAME).entries
    if not entries:
        return ()
    found = []
    for item in linked(checked, config):
        entry = entries.get(item.url)
        if entry is None or entry.state != "dead" or entry.snapshot is not None:
            continue
        for source, line in item.sources:
            found.append(Diagnostic(
                source, line, "warning", "D501",
                f"the link {item.url} is dead ({entry.status}, checked {entry.checked[:10]}) "
                "and has no archived copy",
                "run 'digest links archive', or replace or remove the link"))
    return tuple(found)
