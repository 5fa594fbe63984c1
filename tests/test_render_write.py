"""Render and write: escaping, relative links, template errors, atomic replacement."""

from __future__ import annotations

import os

import pytest
from conftest import record

from digest.build import Timings, build, check
from digest.errors import OutputError, TemplateProblem
from digest.plan import plan
from digest.render import render
from digest.write import TEMP_PREFIX, check_output, write_site


def test_autoescape_keeps_markup_in_content_as_text(make_site):
    config = make_site({"x.md": record(title="<script>alert(1)</script> {{ 7*7 }}")
                        + "\nHello <b>bold</b> [js](javascript:alert(1)) [ok](https://ok.example/)\n"})
    build(config)
    html = next((config.output / "articles").rglob("index.html")).read_text()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and "49" not in html
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert 'href="javascript:' not in html and 'href="https://ok.example/"' in html


def rendered_site(config):
    return dict(render(plan(check(config, Timings()).site, config), config))


def test_links_are_relative_to_each_page(seed_site):
    rendered = rendered_site(seed_site)
    assert 'href="static/style.css"' in rendered["index.html"].decode()
    article = next(path for path in rendered if path.startswith("articles/"))
    assert article.count("/") == 4
    assert 'href="../../../../static/style.css"' in rendered[article].decode()


def test_404_links_start_from_the_base_path(make_site):
    config = make_site({}, base_url="https://example.org/repo/")
    assert 'href="/repo/static/style.css"' in rendered_site(config)["404.html"].decode()


def test_template_syntax_error_names_file_and_line(make_site):
    config = make_site({"a.txt": record(title="A")})
    (config.templates / "article.html").write_text('{% extends "base.html" %}\n{% block main %}\n{% if %}\n')
    with pytest.raises(TemplateProblem) as err:
        build(config)
    assert err.value.line == 3 and err.value.path.endswith("article.html")


def test_failed_build_leaves_previous_site_untouched(make_site):
    config = make_site({"a.txt": record(title="A")})
    build(config)
    before = {p: p.read_bytes() for p in config.output.rglob("*") if p.is_file()}
    (config.templates / "home.html").write_text("{% broken")
    with pytest.raises(TemplateProblem):
        build(config)
    assert {p: p.read_bytes() for p in config.output.rglob("*") if p.is_file()} == before
    assert not list(config.output.parent.glob(f"{TEMP_PREFIX}*-*"))


def test_unchanged_files_keep_their_inode_and_changed_ones_are_rewritten(make_site):
    config = make_site({"a.txt": record(title="A", url="https://x.example/a")})
    build(config)
    home, css = config.output / "index.html", config.output / "static/style.css"
    home_inode, css_inode = home.stat().st_ino, css.stat().st_ino
    (config.content / "b.txt").write_text(record(title="B", url="https://x.example/b"))
    built = build(config)
    assert css.stat().st_ino == css_inode
    assert home.stat().st_ino != home_inode and "B" in home.read_text()
    assert built.stats.unchanged > 0 and built.stats.written > 0


def test_builds_are_byte_identical(make_site, tmp_path):
    config = make_site({"a.txt": record(title="A"), "b.txt": "A body.\n"})
    build(config)
    first = {p.relative_to(config.output): p.read_bytes() for p in config.output.rglob("*")
             if p.is_file()}
    os.rename(config.output, tmp_path / "first")
    build(config)
    second = {p.relative_to(config.output): p.read_bytes() for p in config.output.rglob("*")
              if p.is_file()}
    assert first == second


def test_writer_refuses_paths_outside_the_output(tmp_path):
    with pytest.raises(OutputError):
        write_site(tmp_path / "out", [("../escape.html", b"x")], None)
    assert not (tmp_path / "escape.html").exists()
    assert not (tmp_path / "out").exists()


def test_output_may_not_be_content_or_its_parent(tmp_path):
    content = tmp_path / "site" / "content"
    for bad in (content, tmp_path / "site", tmp_path):
        with pytest.raises(OutputError):
            check_output(bad, [content])
    check_output(tmp_path / "site" / "_site", [content])
