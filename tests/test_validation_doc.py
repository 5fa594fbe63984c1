"""Every diagnostic code in the code is documented in docs/reference.md, and nothing more."""

from __future__ import annotations

import re

from conftest import REPO


def test_every_code_is_documented():
    used = set(re.findall(r'"(D\d{3})"', "".join(
        p.read_text() for p in sorted((REPO / "digest").rglob("*.py")))))
    doc = (REPO / "docs" / "reference.md").read_text()
    documented = set(re.findall(r"^\| (D\d{3}) \|", doc, re.MULTILINE))
    assert used and used == documented
