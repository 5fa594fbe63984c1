"""The in-memory preview: what a change rebuilds, and what it refuses."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from digest.build import build
from digest.errors import ConfigError
from digest.live.preview import Preview
from digest.live.watch import ChangeKind
from digest.output.owned import MARKER
from tests.conftest import REPO, record

BODY = "It was the week that big tech slammed the brakes on facial recognition.\nSecond paragraph.\n"
FILES = {
    "a.yaml": record(title="Story A", topics=("AI",)).strip("-\n") + "\n",
    "a.txt": BODY,
    "b.md": record(title="Story B", date="2020-07-01T10:00:00Z", url="https://example.com/b",
                   topics=("Privacy",)) + "Body of **B**.\n",
}
ARTICLE_A = "articles/2020/06/story-a/index.html"
ARTICLE_B = "articles/2020/07/story-b/index.html"


@pytest.fixture
def preview(make_site):
    config = make_site(FILES)
    preview = Preview(config, lambda: config, drafts=True)
    first = preview.start()
    assert not first.problems
    return preview


def touch(preview, name, kind=ChangeKind.CONTENT, folder=None):
    return preview.apply({(folder or preview.config.content) / name: kind})


def test_start_serves_what_build_writes(make_site):
    config = make_site(FILES)
    preview = Preview(config, lambda: config, drafts=False)
    preview.start()
    build(config)
    written = {p.relative_to(config.output).as_posix(): p.read_bytes()
               for p in config.output.rglob("*") if p.is_file() and p.name != MARKER}
    assert preview.files == written
    assert not any(b"__digest__" in data for data in written.values())


def test_body_change_updates_only_that_article(preview):
    before = dict(preview.files)
    (preview.config.content / "a.txt").write_text(BODY.replace("Second", "Rewritten"))
    update = touch(preview, "a.txt")
    assert update.changed == (ARTICLE_A,)
    assert b"Rewritten paragraph." in preview.files[ARTICLE_A]
    assert preview.files[ARTICLE_B] is before[ARTICLE_B]


def test_same_size_rewrite_is_not_missed(preview):
    path = preview.config.content / "a.txt"
    stat = path.stat()
    path.write_text(BODY.replace("Second", "Seconx"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert touch(preview, "a.txt").changed == (ARTICLE_A,)
    assert b"Seconx" in preview.files[ARTICLE_A]


def test_invalid_yaml_keeps_the_last_good_site_until_fixed(preview):
    before = dict(preview.files)
    path = preview.config.content / "a.yaml"
    good = path.read_text()
    path.write_text(good.replace("title:", "title: [unclosed\nexcerpt_x:", 1))
    update = touch(preview, "a.yaml")
    assert update.changed == ()
    assert preview.files == before
    [problem] = update.problems
    assert problem.file.endswith("content/a.yaml")
    # Where the list opens and is never closed: the one line the overlay's headline and its
    # message name (the parser finds it unclosed on line 2, and used to say both).
    assert problem.line == 1 and str(problem).startswith(f"{problem.file}:1: ")
    assert "invalid YAML" in problem.message and "that opens here" in problem.message
    assert "line" not in problem.message
    assert preview.problems == update.problems

    path.write_text(good)
    update = touch(preview, "a.yaml")
    assert update.problems == () and preview.problems == ()
    assert preview.files == before


def test_existing_errors_do_not_block_other_changes(make_site):
    config = make_site({**FILES, "broken.yaml": "title: [\n"})
    preview = Preview(config, lambda: config, drafts=True)
    assert not preview.start().problems
    (config.content / "a.txt").write_text(BODY + "Third.\n")
    update = preview.apply({config.content / "a.txt": ChangeKind.CONTENT})
    assert update.problems == () and update.changed == (ARTICLE_A,)


def test_deleted_article_disappears_from_its_page_and_the_indexes(preview):
    (preview.config.content / "b.md").unlink()
    update = touch(preview, "b.md")
    assert ARTICLE_B in update.changed and ARTICLE_B not in preview.files
    assert {"index.html", "topics/index.html", "providers/index.html"} <= set(update.changed)
    assert b"Story B" not in preview.files["index.html"]
    assert "topics/privacy/index.html" not in preview.files


def test_template_syntax_error_is_a_problem_with_its_line(preview):
    template = preview.config.templates / "article.html"
    good = template.read_text()
    template.write_text(good.replace("{% endblock %}", "{% endblok %}", 1))
    update = touch(preview, "article.html", ChangeKind.TEMPLATE, preview.config.templates)
    [problem] = update.problems
    assert problem.file.endswith("templates/article.html") and problem.line > 1
    template.write_text(good.replace("<h1 ", "<h1 class=t "))
    update = touch(preview, "article.html", ChangeKind.TEMPLATE, preview.config.templates)
    assert update.problems == () and set(update.changed) == {ARTICLE_A, ARTICLE_B}


def test_missing_template_is_a_problem(preview):
    term = preview.config.templates / "term.html"
    term.write_text(term.read_text() + '{% include "partials/nowhere.html" %}\n')
    [problem] = touch(preview, "term.html", ChangeKind.TEMPLATE, preview.config.templates).problems
    assert problem.file.endswith("templates/term.html") and "nowhere.html" in problem.message


def test_a_deleted_template_falls_back_to_the_default_theme(preview):
    term = preview.config.templates / "term.html"
    default = term.read_text()
    term.write_text(default.replace("{% block main %}", "{% block main %}<p class=mine></p>", 1))
    update = touch(preview, "term.html", ChangeKind.TEMPLATE, preview.config.templates)
    assert update.problems == () and b"<p class=mine>" in preview.files["topics/ai/index.html"]
    term.unlink()
    update = touch(preview, "term.html", ChangeKind.TEMPLATE, preview.config.templates)
    assert update.problems == () and "topics/ai/index.html" in update.changed
    assert b"<p class=mine>" not in preview.files["topics/ai/index.html"]


def test_stylesheet_change_changes_only_the_stylesheet(preview):
    (preview.config.static / "style.css").write_text("body { color: red; }\n")
    update = touch(preview, "style.css", ChangeKind.STATIC, preview.config.static)
    assert update.changed == ("static/style.css",)


def test_drafts_are_served_marked_and_never_built(make_site):
    draft = record(title="Draft C", date="2020-08-01T10:00:00Z", url="https://example.com/c",
                   extra="draft: true") + "Draft body.\n"
    config = make_site({**FILES, "c.md": draft})
    preview = Preview(config, lambda: config, drafts=True)
    preview.start()
    page = "articles/2020/08/draft-c/index.html"
    assert b"Draft: not published" in preview.files[page]
    assert b"Draft C" in preview.files["index.html"]
    build(config)
    assert not (config.output / page).exists()
    assert b"Draft C" not in (config.output / "index.html").read_bytes()


def test_stylesheet_change_while_broken_keeps_the_problem(preview):
    record = preview.config.content / "a.yaml"
    record.write_text("title: [\n")
    [problem] = touch(preview, "a.yaml").problems
    (preview.config.static / "style.css").write_text("body { color: red; }\n")
    update = touch(preview, "style.css", ChangeKind.STATIC, preview.config.static)
    assert update.changed == ("static/style.css",) and update.problems == (problem,)


def test_a_failed_start_is_followed_by_the_first_good_build(make_site):
    config = make_site({**FILES, "broken.yaml": "title: [\n"})
    (config.templates / "home.html").write_text("{% if %}")
    preview = Preview(config, lambda: config, drafts=True)
    [problem] = preview.start().problems
    assert problem.file.endswith("templates/home.html") and preview.files == {}
    (config.templates / "home.html").write_text((REPO / "templates" / "home.html").read_text())
    update = preview.apply({config.templates / "home.html": ChangeKind.TEMPLATE})
    assert update.problems == () and "index.html" in preview.files  # broken.yaml was there before


def test_unreadable_settings_stay_named_until_they_are_read(make_site):
    config = make_site(FILES)
    answers: list[object] = [config, ConfigError("digest.toml: line 2: expected '='")]

    def reload():
        answer = answers.pop()
        if isinstance(answer, Exception):
            raise answer
        return answer

    preview = Preview(config, reload, drafts=True)
    preview.start()
    [problem] = preview.apply({config.root / "digest.toml": ChangeKind.CONFIG}).problems
    assert problem.file == "digest.toml" and "expected '='" in problem.message
    assert "last good settings" in problem.message
    # A rebuild for a content edit serves it with the last good settings, and names the problem.
    (config.content / "a.txt").write_text(BODY.replace("Second", "Rewritten"))
    update = touch(preview, "a.txt")
    assert update.changed == (ARTICLE_A,) and update.problems == (problem,)
    assert preview.problems == (problem,) and b"Rewritten paragraph." in preview.files[ARTICLE_A]
    update = preview.apply({config.root / "digest.toml": ChangeKind.CONFIG})
    assert update.problems == () and preview.problems == ()


def test_settings_change_is_read_again(make_site):
    config = make_site(FILES)
    settings = [config, replace(config, title="A New Title")]
    preview = Preview(config, lambda: settings.pop(), drafts=True)
    preview.start()
    update = preview.apply({config.root / "digest.toml": ChangeKind.CONFIG})
    assert update.problems == () and "index.html" in update.changed
    assert b"A New Title" in preview.files["index.html"]
