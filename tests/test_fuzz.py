"""Random bytes and random records through load, join, index, plan, render and write."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml
from conftest import REPO
from htmlcheck import all_text, site_problems
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.build import build
from digest.config import Config

SECRET = "SECRET-7f3a"
UNKNOWN = "UNKNOWN-91c2"

# Text that tries everything: markup, template syntax, entities, URLs, controls, any script.
nasty = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{ 7*7 }}",
                     "{% for x in y %}", "&lt;b&gt;", "&#x3C;script&#x3E;", "javascript:alert(1)",
                     "data:text/html,x", "../../etc/passwd", "人工智能", "مرحبا", "😀", "\u202e",
                     "\x00\x01\x7f\x85\u2028\ufeff", "---", "- - -", "*a", "&a", "[", "{", ""]),
)
urls = st.one_of(nasty, st.builds(lambda s: f"https://example.com/{s}", st.text(max_size=10)))
scalar = st.one_of(nasty, st.integers(), st.floats(allow_nan=True), st.booleans(), st.none())
junk = st.recursive(scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=10)

records = st.fixed_dictionaries({}, optional={
    "title": st.one_of(nasty, junk),
    "excerpt": st.one_of(nasty, junk),
    "publishedDateTime": st.one_of(st.datetimes(timezones=st.timezones()), nasty, junk),
    "webUrl": st.one_of(urls, junk),
    "provider": st.one_of(st.fixed_dictionaries({"name": nasty, "domain": nasty}), nasty, junk),
    "topics": st.one_of(st.lists(nasty, max_size=4), nasty, junk),
    "images": st.one_of(st.lists(st.fixed_dictionaries({"url": urls, "width": scalar,
                                                        "height": scalar}), max_size=2), junk),
    "related": st.one_of(st.lists(st.fixed_dictionaries(
        {"title": nasty, "webUrl": urls, "excerpt": nasty}), max_size=3), junk),
    "quality": scalar, "published": scalar, "draft": scalar,
    "body": st.one_of(nasty, junk),
    "secured": st.just(SECRET),
    "internalNotes": st.just({"note": UNKNOWN}),
})
bodies = st.one_of(nasty, st.lists(nasty, max_size=5).map("\n".join))


def record_file(data: dict[str, object], body: str) -> str:
    head = yaml.safe_dump(data, allow_unicode=True, default_flow_style=False)
    return f"---\n{head}---\n{body}\n"


files = st.dictionaries(
    st.sampled_from(["a.txt", "b.md", "c.yaml", "d.txt", "e.md", "sub/f.txt", "g", "h.yml"]),
    st.one_of(
        st.binary(max_size=300),
        st.builds(record_file, records, bodies).map(lambda s: s.encode()),
        st.builds(record_file, records, bodies).map(lambda s: s.encode("utf-16")),
        st.builds(record_file, records, bodies).map(lambda s: s.encode("cp1252", "replace")),
        bodies.map(lambda s: s.encode()),
    ),
    max_size=6,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=files)
def test_any_content_builds_a_safe_site(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, data in files.items():
            path = root / "content" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        (root / "content").mkdir(exist_ok=True)
        shutil.copytree(REPO / "templates", root / "templates")
        shutil.copytree(REPO / "static", root / "static")
        config = Config(root=root, base_url="https://example.org/").resolved()
        built = build(config)  # never raises
        assert site_problems(config.output) == {}
        everything = all_text(config.output)
        assert SECRET not in everything and UNKNOWN not in everything
        assert len(list(config.output.rglob("index.html"))) >= 3 + len(built.checked.site.order)
