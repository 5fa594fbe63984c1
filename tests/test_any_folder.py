"""Any folder is a site: the default theme ships with digest, a site's own templates and static
files override it file by file, ``digest new`` makes a ready site, and the build says briefly
what it did (more with -v), warnings included, even when nothing changed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import fields
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import REPO, SEEDS, age, record

from digest.config import Config, load_config

DIGEST = Path(sys.executable).parent / "digest"
"""The console script pip installed, as a user runs it."""


def digest(cwd: Path, *args: str, env: dict[str, str] | None = None
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(DIGEST), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=180, env=env)


def content_only(root: Path, files: dict[str, str] | None = None) -> Path:
    """Make a folder holding only content/: the seed files, or ``files``."""
    content = root / "content"
    content.mkdir(parents=True)
    if files is None:
        for path in SEEDS.iterdir():
            shutil.copy(path, content / path.name)
    for name, text in (files or {}).items():
        (content / name).write_text(text, encoding="utf-8")
    return root


def page(site: Path, rel: str) -> BeautifulSoup:
    return BeautifulSoup((site / rel).read_text(encoding="utf-8"), "html5lib")


def test_a_folder_holding_only_content_builds_with_the_default_theme(tmp_path):
    root = content_only(tmp_path / "news")
    result = digest(root, "build")
    assert result.returncode == 0, result.stderr
    site = root / "_site"
    assert (site / "static/style.css").read_bytes() == (REPO / "static/style.css").read_bytes()
    assert (site / "static/favicon.svg").is_file() and (site / "static/search.js").is_file()
    home = page(site, "index.html")
    assert home.select_one('link[rel="stylesheet"]')["href"] == "static/style.css"
    assert len(home.select("article, .card")) >= 2
    assert "warning:" not in result.stderr.replace("warning D", "")  # no theme warnings
    # Nothing of the theme is copied into the site's folder: it is read from the package.
    assert not {p.name for p in root.iterdir()} & {"templates", "static", "digest.toml"}


def test_the_installed_package_carries_the_theme(tmp_path):
    """A wheel (what `pip install .` installs) holds the templates and static files: unpacked
    alone, away from the repository, it builds a site."""
    source = tmp_path / "source"  # a copy: setuptools writes build/ and *.egg-info beside it
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for name in ("digest", "templates", "static"):  # digest/templates links to ../templates
        shutil.copytree(REPO / name, source / name, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    made = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "-q", "-w", str(wheels), str(source)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    [wheel] = wheels.glob("digest-*.whl")
    installed = tmp_path / "installed"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(installed)
    for rel in ("templates/base.html", "templates/partials/card.html", "static/style.css",
                "starter/digest.toml", "starter/pages.yml"):
        assert f"digest/{rel}" in names
    assert not (installed / "digest/templates").is_symlink()
    root = content_only(tmp_path / "news")
    env = {**os.environ, "PYTHONPATH": str(installed)}
    result = subprocess.run([sys.executable, "-m", "digest", "build"], cwd=root, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert (root / "_site/static/style.css").is_file()
    assert page(root / "_site", "index.html").select_one("header")


def test_one_template_and_one_static_file_override_the_default(tmp_path):
    root = content_only(tmp_path / "news")
    (root / "templates").mkdir()
    article = (REPO / "templates/article.html").read_text(encoding="utf-8")
    marker = '<p class="house-note">From our newsroom</p>'
    (root / "templates/article.html").write_text(article.replace("{% block main %}",
                                                 "{% block main %}" + marker, 1), encoding="utf-8")
    assert marker in (root / "templates/article.html").read_text(encoding="utf-8")
    (root / "static").mkdir()
    (root / "static/style.css").write_text("body { color: #123456 }\n", encoding="utf-8")
    result = digest(root, "build")
    assert result.returncode == 0, result.stderr
    site = root / "_site"
    articles = sorted(site.glob("articles/**/index.html"))
    assert articles and all(page(site, str(a.relative_to(site))).select_one("p.house-note")
                            for a in articles)
    assert page(site, "index.html").select_one("p.house-note") is None  # home: the default's
    assert (site / "static/style.css").read_text() == "body { color: #123456 }\n"
    assert (site / "static/favicon.svg").read_bytes() == (REPO / "static/favicon.svg").read_bytes()
    # Editing the site's own template rebuilds the pages it draws.
    (root / "templates/article.html").write_text(article.replace("{% block main %}",
                                                 "{% block main %}<p class=edited>x</p>", 1))
    assert digest(root, "build").returncode == 0
    assert page(site, str(articles[0].relative_to(site))).select_one("p.edited")


@pytest.mark.parametrize("template", ["partials/card.html", "story.html", "redirect.html"])
def test_a_broken_template_is_named_before_any_content_is_read(tmp_path, template):
    """Even one that only some sites' pages use (a story's, a redirect's)."""
    root = content_only(tmp_path / "news", {"bad.md": "---\ntitle: [unclosed\n---\nBody\n"})
    (root / "templates" / template).parent.mkdir(parents=True)
    (root / "templates" / template).write_text("<li>\n{{ article.title }\n</li>\n")
    result = digest(root, "build")
    assert result.returncode == 2
    assert f"{root / 'templates' / template}:2: " in result.stderr
    assert "D108" not in result.stderr  # the content was not read
    assert not (root / "_site").exists()


def test_a_stylesheet_linked_and_missing_and_a_static_setting_pointing_nowhere_are_warned(tmp_path):
    root = content_only(tmp_path / "news")
    (root / "templates").mkdir()
    base = (REPO / "templates/base.html").read_text(encoding="utf-8")
    (root / "templates/base.html").write_text(base.replace("static/style.css", "static/site.css"))
    line = next(n for n, text in enumerate(base.splitlines(), 1) if "static/style.css" in text)
    (root / "digest.toml").write_text('static = "assets"\n')
    age(root.rglob("*"))  # not changed just before the build: the next can trust that
    result = digest(root, "build")
    assert result.returncode == 0, result.stderr
    warnings = [w for w in result.stderr.splitlines() if w.startswith("digest: warning:")]
    assert any(f"templates/base.html:{line}: links static/site.css" in w for w in warnings), warnings
    assert any("static setting names" in w and "assets" in w for w in warnings), warnings
    # A build with nothing to do says them again, with the content's warnings.
    again = digest(root, "build")
    assert "Nothing changed" in again.stdout
    assert [w for w in again.stderr.splitlines() if w.startswith("digest: warning:")] == warnings
    assert again.stderr.count("warning D301") == result.stderr.count("warning D301") == 2


def test_templates_linking_no_stylesheet_are_warned(tmp_path):
    root = content_only(tmp_path / "news")
    (root / "templates").mkdir()
    base = (REPO / "templates/base.html").read_text(encoding="utf-8")
    (root / "templates/base.html").write_text(
        "\n".join(line for line in base.splitlines() if "stylesheet" not in line))
    result = digest(root, "build")
    assert result.returncode == 0, result.stderr
    assert "no template links a stylesheet" in result.stderr
    fine = digest(content_only(tmp_path / "plain"), "build")
    assert fine.returncode == 0 and "stylesheet" not in fine.stderr


def test_the_summary_is_short_and_verbose_adds_stages_without_pagefind_debug(tmp_path):
    root = content_only(tmp_path / "news")
    short = digest(root, "build")
    assert short.returncode == 0, short.stderr
    lines = short.stdout.splitlines()
    assert lines[0].startswith("Articles published       2")
    assert any(line.startswith("Pages") for line in lines)
    assert any(line.startswith("Files written") for line in lines)
    took = [line for line in lines if line.startswith("Built in")]
    assert len(took) == 1 and took[0].endswith(" ms")  # no stage timings
    assert not any(line.startswith(("Topics", "Providers", "Search")) for line in lines)
    assert len(lines) <= 8
    shutil.rmtree(root / "_site")
    verbose = digest(root, "build", "-v", "--no-cache")
    assert verbose.returncode == 0, verbose.stderr
    assert "Topics" in verbose.stdout and "Search                 on" in verbose.stdout
    assert "Built in" in verbose.stdout and "render " in verbose.stdout and "load " in verbose.stdout
    assert "DEBUG digest.progress" in verbose.stderr
    assert "pagefind" not in verbose.stderr.lower() and "asyncio" not in verbose.stderr


def test_a_build_with_nothing_to_do_says_the_contents_warnings_again(tmp_path):
    root = content_only(tmp_path / "news", {"orphan.txt": "A body nobody claims.\n",
                                            "dated.txt": record(title="Future", date="2999-01-01")
                                            + "Body.\n"})
    age(root.rglob("*"))  # not changed just before the build: the next can trust that
    first = digest(root, "build")
    assert first.returncode == 0 and "Nothing changed" not in first.stdout
    said = sorted(line for line in first.stderr.splitlines() if " warning D" in line)
    assert len(said) == 2  # the orphan (D301), the date in the future (D222)
    second = digest(root, "build")
    assert "Nothing changed" in second.stdout
    assert sorted(line for line in second.stderr.splitlines() if " warning D" in line) == said


def test_digest_new_makes_a_site_that_builds_and_refuses_to_overwrite(tmp_path):
    made = digest(tmp_path, "new", "news")
    assert made.returncode == 0, made.stderr
    root = tmp_path / "news"
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files == [".github/workflows/pages.yml", ".gitignore", "content/first-story.md",
                     "content/first-story.yaml", "digest.toml", "requirements.txt"]
    before = {f: (root / f).read_bytes() for f in files}
    built = digest(root, "build")
    assert built.returncode == 0, built.stderr
    assert "Articles published       1   (joined: 1 same-stem)" in built.stdout
    assert built.stderr == ""  # no warning about the sample
    story = page(root / "_site", "articles/2026/01/your-first-story/index.html")
    assert story.select_one("h1").get_text(strip=True) == "Your first story"
    assert story.select_one(".body strong").get_text() == "record"
    ignored = (root / ".gitignore").read_text().split()
    assert "_site/" in ignored and ".digest-cache/" in ignored
    # Again, over the same folder: refused, nothing written.
    (root / "content/first-story.md").write_text("edited\n")
    again = digest(tmp_path, "new", "news")
    assert again.returncode == 2 and "not making a new site" in again.stderr
    assert (root / "content/first-story.md").read_text() == "edited\n"
    assert {f: (root / f).read_bytes() for f in files if f != "content/first-story.md"} == {
        f: data for f, data in before.items() if f != "content/first-story.md"}
    # A folder with only a README is fine; one with a content folder is not.
    (tmp_path / "readme-only").mkdir()
    (tmp_path / "readme-only/README.md").write_text("# news\n")
    assert digest(tmp_path, "new", "readme-only").returncode == 0
    (tmp_path / "has-content/content").mkdir(parents=True)
    assert digest(tmp_path, "new", "has-content").returncode == 2
    assert list((tmp_path / "has-content").iterdir()) == [tmp_path / "has-content/content"]


def test_the_new_sites_settings_show_every_key_at_its_default(tmp_path):
    assert digest(tmp_path, "new", "news").returncode == 0
    text = (tmp_path / "news/digest.toml").read_text()
    assert tomllib.loads(text) == {}  # every line commented
    uncommented = "\n".join(line[2:] if line.startswith("# ") and " = " in line else ""
                            for line in text.splitlines())
    values = tomllib.loads(uncommented)
    keys = [f.name for f in fields(Config) if f.name != "root"]
    assert sorted(values) == sorted(keys)
    (tmp_path / "all.toml").write_text(uncommented)
    shown = load_config(tmp_path / "all.toml")
    default = Config(root=tmp_path).resolved()
    assert all(getattr(shown, key) == getattr(default, key) for key in keys)


def test_the_new_sites_workflow_installs_digest_builds_and_deploys(tmp_path):
    assert digest(tmp_path, "new", "news").returncode == 0
    root = tmp_path / "news"
    workflow = yaml.safe_load((root / ".github/workflows/pages.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    runs = [step.get("run") for step in steps]
    assert "pip install -r requirements.txt" in runs and "digest build" in runs
    assert runs.index("pip install -r requirements.txt") < runs.index("digest build")
    uses = [step.get("uses", "") for step in steps]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert steps[-1]["with"]["path"] == "_site"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    # Installed from a folder here: requirements.txt says what to fill in, and the command too.
    assert "git+https://github.com/<owner>/digest" in (root / "requirements.txt").read_text()


@pytest.mark.parametrize("verb", ["build", "check"])
def test_a_missing_content_folder_is_named_before_the_templates(tmp_path, verb):
    result = digest(tmp_path, verb)
    assert result.returncode == 2
    assert "content folder" in result.stderr and "does not exist" in result.stderr
