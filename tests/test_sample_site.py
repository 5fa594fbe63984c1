"""Build the sample content/ through the command line and read the result with an HTML parser."""

from __future__ import annotations

import json
import posixpath
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import REPO, SEEDS

BBC = "articles/2020/06/tech-tent-facial-recognition-faces-a-reckoning/index.html"


def build_cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "digest", "build", *args], cwd=root,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample site built once per base URL."""
    return _build(tmp_path_factory.mktemp("sample"), "https://example.org/")


def _build(root: Path, base_url: str) -> tuple[Path, dict, str]:
    for folder in ("templates", "static"):
        shutil.copytree(REPO / folder, root / folder)
    result = build_cli(root, "--content", str(SEEDS), "--output", str(root / "_site"),
                       "--base-url", base_url, "--report", str(root / "report.json"))
    assert result.returncode == 0, result.stderr
    return root / "_site", json.loads((root / "report.json").read_text()), result.stdout


def soup(site: Path, rel: str) -> BeautifulSoup:
    return BeautifulSoup((site / rel).read_text(encoding="utf-8"), "html5lib")


def test_summary_names_what_was_built(sample):
    _, _, stdout = sample
    assert "Articles published       2" in stdout
    assert "002_4f2a3c57780c1f91.txt: body without a record" in stdout
    assert "Built in" in stdout


def test_bbc_article_page(sample):
    site, _, _ = sample
    page = soup(site, BBC)
    paragraphs = page.select(".body p")
    assert len(paragraphs) == 13
    text = page.get_text()
    assert "citizens…face recognition" in text and "â€" not in text
    assert len(page.select(".related li")) == 9
    provider = page.select_one(".story .byline a.provider")
    assert provider.get_text() == "BBC"
    assert page.select_one(".story time")["datetime"] == "2020-06-12T19:19:00Z"
    image = page.select_one(".story figure img")
    assert (image["width"], image["height"]) == ("1024", "576")
    assert page.select_one(".original a")["href"] == "https://www.bbc.co.uk/news/technology-53024985"


def test_article_without_body_shows_excerpt_and_links_out(sample):
    site, _, _ = sample
    (path,) = (site / "articles/2020/07").glob("*/index.html")
    page = soup(site, str(path.relative_to(site)))
    assert page.select_one(".body p").get_text().startswith("As Black Lives Matter protests")
    link = page.select_one(".read-more a")
    assert link["href"].startswith("https://localnews8.com/") and "Local News 8" in link.get_text()


@pytest.mark.parametrize(("slug", "titles"), [
    ("ai", {"Tech Tent: Facial recognition faces a reckoning",
            "Amazon and Microsoft stopped working with police on facial recognition. "
            "For others it’s still big business"}),
    ("computer-vision", {"Tech Tent: Facial recognition faces a reckoning"}),
    ("natural-language-processing", {"Amazon and Microsoft stopped working with police on "
                                     "facial recognition. For others it’s still big business"}),
])
def test_topic_pages_list_their_articles(sample, slug, titles):
    site, _, _ = sample
    page = soup(site, f"topics/{slug}/index.html")
    assert {a.get_text() for a in page.select(".card h2 a")} == titles


def test_topic_and_provider_indexes_have_counts(sample):
    site, _, _ = sample
    topics = {a.get_text(): li.select_one(".count").get_text()
              for li in soup(site, "topics/index.html").select(".terms li") for a in li.select("a")}
    assert topics == {"AI": "2 articles", "Computer Vision": "1 article",
                      "Natural Language Processing": "1 article"}
    providers = [a.get_text() for a in soup(site, "providers/index.html").select(".terms a")]
    assert providers == ["BBC", "Local News 8"]
    assert (site / "providers/bbc/index.html").is_file()
    assert (site / "providers/local-news-8/index.html").is_file()


def test_report_lists_join_and_orphans(sample):
    _, report, _ = sample
    methods = {a["record"]: (a["body"], a["method"]) for a in report["articles"]}
    assert methods == {"001_b0f9f3c565d07077.txt": ("000_d987c4a45951b739.txt", "content"),
                       "003_0dfa9dda0334464e.txt": (None, "none")}
    assert [b["body"] for b in report["bodies_without_record"]] == [
        "002_4f2a3c57780c1f91.txt", "004_bc5b8f5cbbe1641f.txt"]
    assert report["records_without_body"] == ["003_0dfa9dda0334464e.txt"]
    assert {d["code"] for d in report["diagnostics"]} == {"D301"}
    # Why the content join was made: the seed's excerpt is the body's first two paragraphs.
    matched = [a.get("matched") for a in report["articles"]]
    assert matched == ["the whole excerpt (46 words) opens the body", None]


def test_secured_tokens_never_reach_the_site(sample):
    site, _, _ = sample
    tokens = [line.split('"')[1][:40] for seed in SEEDS.glob("*.txt")
              for line in seed.read_text().splitlines() if line.startswith("secured:")]
    assert len(tokens) == 2
    for path in site.rglob("*"):
        if path.is_file():
            data = path.read_text(errors="replace")
            assert not any(token in data for token in tokens), path


def test_required_files_exist(sample):
    site, _, _ = sample
    for rel in (".nojekyll", "404.html", "static/style.css", "index.html", BBC):
        assert (site / rel).is_file(), rel


def internal_targets(site: Path, base_path: str):
    """Yield (page, reference, resolved file) for every internal link and image in the site."""
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site).as_posix()
        doc = BeautifulSoup(page.read_text(encoding="utf-8"), "html5lib")
        for tag, attr in (("a", "href"), ("link", "href"), ("img", "src"), ("script", "src")):
            for node in doc.find_all(tag):
                ref = node.get(attr)
                if not ref or urlsplit(ref).scheme in ("http", "https", "mailto") or ref.startswith("#"):
                    continue
                path = unquote(urlsplit(ref).path)
                if path.startswith("/"):
                    assert path.startswith(base_path), (rel, ref)
                    target = path[len(base_path):]
                else:
                    target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), path))
                if path.endswith("/") or target in ("", "."):
                    target = posixpath.join(target, "index.html")
                yield rel, ref, site / target


def test_every_internal_link_resolves(sample):
    site, _, _ = sample
    checked = 0
    for rel, ref, target in internal_targets(site, "/"):
        assert target.is_file(), f"{rel}: {ref}"
        checked += 1
    assert checked > 50


def test_links_resolve_under_a_project_base_path(tmp_path):
    site, _, _ = _build(tmp_path, "https://example.org/repo/")
    assert '<link rel="canonical" href="https://example.org/repo/' in (site / BBC).read_text()
    assert 'href="/repo/static/style.css"' in (site / "404.html").read_text()
    targets = list(internal_targets(site, "/repo/"))
    assert targets and all(target.is_file() for _, _, target in targets)
