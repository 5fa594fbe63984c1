"""Every page of the sample site passes the Nu Html Checker (vnu) with no error."""

from __future__ import annotations

import json
import shutil
import subprocess

from tests.conftest import REPO

VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def test_every_page_has_no_nu_html_checker_error(sample_site):
    java = shutil.which("java")
    assert java, "java is missing: install a JRE (Debian: apt-get install default-jre-headless)"
    assert VNU.is_file(), f"{VNU} is missing: run 'npm ci' in {REPO} (make test does)"
    pages = sample_site.pages()
    assert len(pages) >= 10
    # One JVM for all pages: starting Java dominates the checker's cost.
    result = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--format", "json",
                             *map(str, pages)], capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [f"{m.get('url', '')}:{m.get('lastLine', 0)}: {m['message']}" for m in messages]
    assert errors == [], "\n".join(errors)
