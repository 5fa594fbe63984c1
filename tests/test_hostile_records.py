"""Bad fields and hostile text: clear diagnostics, safe pages, stable URLs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import record
from htmlcheck import all_text, parse, site_problems

from digest.build import build
from digest.read.load import parse_file


def parsed(text: str, name: str = "a.txt"):
    result = parse_file(name, text.encode())
    return result.record, {d.code: d for d in result.diagnostics}


# --- field types -------------------------------------------------------------------------

def test_wrong_types_are_reported_at_their_lines():
    text = ('---\ntitle: "Typed badly"\nquality: "high"\nheat: [1]\npublished: "maybe"\n'
            "topics: AI\nprovider: BBC\n---\n")
    result = parse_file("a.txt", text.encode())
    rec = result.record
    assert rec.quality is None and rec.heat is None and rec.feed_published is None
    assert rec.topics == ("AI",) and rec.provider.name == "BBC"
    assert [(d.code, d.line) for d in result.diagnostics] == [
        ("D220", 2), ("D213", 7), ("D214", 6), ("D211", 3), ("D211", 4), ("D212", 5)]
    assert "'high'" in result.diagnostics[3].message and "[1]" in result.diagnostics[4].message
    assert all(d.severity == "warning" and d.hint for d in result.diagnostics)


def test_provider_and_topics_of_the_wrong_shape_are_ignored():
    rec, found = parsed('---\ntitle: T\nprovider: [a, b]\ntopics: {a: 1}\nimages: "x"\n---\n')
    assert rec.provider is None and rec.topics == () and rec.images == ()
    assert {"D213", "D214", "D215"} <= set(found)


@pytest.mark.parametrize("head", ['title: ""', "excerpt: no title here", "title: [a, list]"])
def test_missing_title_is_an_error_and_not_published(head):
    rec, found = parsed(f"---\n{head}\n---\nBody.\n")
    assert rec is None and found["D201"].severity == "error"


def test_missing_date():
    rec, found = parsed("---\ntitle: Undated\n---\n")
    assert rec.published is None and found["D220"].severity == "warning"


@pytest.mark.parametrize("value", ["yesterday", '"2020-02-30"', "12/06/2020", '"0001-01-01T00:00:00+01:00"'])
def test_unparseable_date(value):
    rec, found = parsed(f"---\ntitle: Dated badly\npublishedDateTime: {value}\n---\n")
    assert rec.published is None and found["D221"].line == 3


@pytest.mark.parametrize("value", ["2020-06-12T21:19:00+02:00", '"2020-06-12T14:19:00-05:00"',
                                   "2020-06-12 19:19:00Z", '"2020-06-12T19:19:00.000Z"'])
def test_offsets_are_normalised_to_utc(value):
    rec, found = parsed(f"---\ntitle: Offset\npublishedDateTime: {value}\n---\n")
    assert rec.published == datetime(2020, 6, 12, 19, 19, tzinfo=UTC)
    assert rec.published.utcoffset().total_seconds() == 0 and not found


def test_future_date_is_a_warning_and_published_first(make_site):
    config = make_site({
        "old.txt": record(title="Old news", url="https://example.com/old") + "Old.\n",
        "future.txt": record(title="From the future", date="2999-01-01T00:00:00Z",
                             url="https://example.com/future") + "Future.\n",
    })
    built = build(config)
    problem = [d for d in built.checked.diagnostics if d.code == "D222"]
    assert [d.path for d in problem] == ["future.txt"] and problem[0].severity == "warning"
    first = built.checked.site.articles[built.checked.site.order[0]]
    assert first.record.title == "From the future"


# --- identity and URLs -------------------------------------------------------------------

def test_same_web_url_publishes_one_article(make_site):
    config = make_site({
        "a.txt": record(title="First copy", url="https://www.example.com/story/") + "A.\n",
        "b.txt": record(title="Second copy", url="https://example.com/story") + "B.\n",
    })
    built = build(config)
    assert len(built.checked.site.order) == 1
    problem = [d for d in built.checked.diagnostics if d.code == "D401"]
    assert len(problem) == 1 and "a.txt" in problem[0].message


def urls_of(built) -> dict[str, str]:
    from digest.plan.urls import assign_urls
    urls = assign_urls(built.checked.site).articles
    return {built.checked.site.articles[a].record.title: urls[a] for a in built.checked.site.order}


def test_same_title_gets_two_urls(make_site):
    config = make_site({
        "a.txt": record(title="Same title", url="https://example.com/a") + "A body.\n",
        "b.txt": record(title="Same title", url="https://example.com/b") + "B body.\n",
    })
    built = build(config)
    pages = sorted(config.output.glob("articles/2020/06/same-title*/index.html"))
    assert len(pages) == 2 and len(built.checked.site.order) == 2
    bodies = {p.read_text().count("A body."): p for p in pages}
    assert set(bodies) == {0, 1}


@pytest.mark.parametrize("title, expect", [
    ("人工智能与面部识别", "人工智能与面部识别"),
    ("الذكاء الاصطناعي والتعرف على الوجه", "الذكاء-الاصطناعي-والتعرف-على-الوجه"),
    ("😀🎉🔥", "item-"),
    ("x" * 2000, "x" * 80),
    ("<script>alert(1)</script> ../../etc", "script-alert-1-script-etc"),
])
def test_titles_in_any_script_get_a_stable_non_empty_url(make_site, title, expect):
    files = {"a.txt": record(title=title, url="https://example.com/a") + "Body.\n"}
    first = urls_of(build(make_site(files)))[title]
    again = urls_of(build(make_site(files)))[title]
    folder = first.removeprefix("articles/2020/06/").removesuffix("/index.html")
    assert first == again and folder.startswith(expect) and folder.strip("-")
    assert "/" not in folder and len(folder.encode()) <= 200


# --- hostile text and links --------------------------------------------------------------

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>{{ 7*7 }}{% raw %}{% if 1 %}'


def test_markup_and_template_syntax_are_shown_as_text(make_site):
    text = (f"---\ntitle: '{XSS}'\nexcerpt: '{XSS}'\nwebUrl: https://example.com/x\n"
            f"provider: {{name: '{XSS}', domain: evil.example}}\ntopics: ['{XSS}']\n"
            f"publishedDateTime: 2020-06-12T19:19:00Z\n---\n{XSS}\nSecond {XSS}\n")
    markdown = text.replace("https://example.com/x", "https://example.com/md").replace(
        "Second", "<div onclick=x>raw *html*</div>\n\n[click](javascript:alert(3))")
    config = make_site({"x.txt": text, "md.md": markdown})
    build(config)
    assert site_problems(config.output) == {}
    everything = all_text(config.output)
    assert "<script>" not in everything and "<img src=x" not in everything
    assert "49" not in everything and "{{ 7*7 }}" in everything
    pages = list((config.output / "articles").rglob("index.html"))
    assert len(pages) == 2
    for page in pages:
        tree = parse(page.read_bytes())[0]
        assert tree.find(".//h1").text == XSS
        assert "".join(tree.find(".//a[@class='provider']").itertext()) == XSS
        assert "".join(tree.find(".//ul[@class='topics']/li/a").itertext()) == XSS
    md_page = next(p for p in pages if "md" in p.read_text() and "raw <em>html</em>" in p.read_text())
    assert "&lt;div onclick=x&gt;raw <em>html</em>&lt;/div&gt;" in md_page.read_text()
    assert "javascript:" not in md_page.read_text().split("<main", 1)[1].replace(
        "[click](javascript:alert(3))", "")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:x",
                                 "java\tscript:alert(1)", "data:text/html,<script>x</script>",
                                 "vbscript:msgbox(1)", "/relative/path", "//evil.example/x",
                                 "story.html", "https:/no-host"])
def test_unsafe_urls_are_never_links_or_images(make_site, url):
    quoted = url.replace("\t", "\\t")
    text = (f'---\ntitle: Links\nwebUrl: "{quoted}"\npublishedDateTime: 2020-06-12T19:19:00Z\n'
            f'images:\n  - url: "{quoted}"\nrelated:\n  - title: Rel\n    webUrl: "{quoted}"\n'
            f'    images:\n      - url: "{quoted}"\n---\nBody.\n\n[md]({quoted}) ![img]({quoted})\n')
    config = make_site({"a.md": text})
    built = build(config)
    assert site_problems(config.output) == {}
    assert {"D230", "D231"} <= {d.code for d in built.checked.diagnostics}
    page = next((config.output / "articles").rglob("index.html")).read_bytes()
    links = [e.get("href") for e in parse(page)[0].iter("a")]
    images = [e.get("src") for e in parse(page)[0].iter("img")]
    assert not [u for u in links + images if "script" in u or "data:" in u or "evil" in u
                or "relative" in u or "story.html" in u or "no-host" in u]
    assert "Rel" in page.decode()  # the related item is still listed, as text


def test_secured_and_unknown_fields_never_reach_the_output(make_site):
    text = record(title="Secret holder", url="https://example.com/s",
                  extra="secured: SECRET-TOKEN-123\nampWebUrl: https://amp.example/UNKNOWN-456\n"
                        "internal: {note: UNKNOWN-789}")
    config = make_site({"s.txt": text + "Body.\n"})
    build(config)
    everything = all_text(config.output)
    assert "Secret holder" in everything
    for marker in ("SECRET-TOKEN-123", "UNKNOWN-456", "UNKNOWN-789"):
        assert marker not in everything


def test_ten_thousand_related_items(make_site):
    items = "".join(f"  - title: Related {i}\n    webUrl: https://example.com/r{i}\n"
                    for i in range(10_000))
    text = f"---\ntitle: Many related\npublishedDateTime: 2020-06-12T19:19:00Z\nrelated:\n{items}---\n"
    config = make_site({"many.txt": text})
    built = build(config)
    problem = [d for d in built.checked.diagnostics if d.code == "D217"]
    assert len(problem) == 1 and "10000 related items" in problem[0].message
    article = built.checked.site.articles[built.checked.site.order[0]]
    assert len(article.record.related_keys) == 200  # the items wait on disk (store.py)
    page = next((config.output / "articles").rglob("index.html")).read_text()
    assert "Related 199<" in page and "Related 200<" not in page
