"""Load: decode, clean, classify and parse files into records and bodies."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime

from conftest import SEEDS, record

from digest.model import BodyFormat
from digest.read.clean import clean_line, clean_paragraphs, safe_url
from digest.read.load import load, parse_file


def test_seed_record_is_parsed_into_typed_fields():
    result = parse_file("001.txt", (SEEDS / "001_b0f9f3c565d07077.txt").read_bytes())
    rec = result.record
    assert rec is not None and result.body is None
    assert rec.title == "Tech Tent: Facial recognition faces a reckoning"
    assert rec.published == datetime(2020, 6, 12, 19, 19, tzinfo=UTC)
    assert rec.provider is not None and rec.provider.name == "BBC"
    assert rec.topics == ("Computer Vision", "AI")
    assert rec.images[0].width == 1024 and rec.images[0].height == 576
    assert len(rec.related) == 9
    assert rec.feed_published is False
    assert "secured" not in rec.extra and "ampWebUrl" in rec.extra


def test_html_entities_in_urls_are_decoded():
    rec = parse_file("001.txt", (SEEDS / "001_b0f9f3c565d07077.txt").read_bytes()).record
    venturebeat = rec.related[1].image
    assert venturebeat is not None
    assert venturebeat.url.endswith("?w=1200&strip=all")


def test_seed_body_mojibake_is_fixed_and_paragraphs_kept():
    body = parse_file("000.txt", (SEEDS / "000_d987c4a45951b739.txt").read_bytes()).body
    assert body is not None and body.format is BodyFormat.TEXT
    assert len(body.paragraphs) == 13
    assert "citizens…face" in body.text and "â€" not in body.text


def test_leading_dateline_is_taken_off_and_kept_as_hint():
    body = parse_file("004.txt", (SEEDS / "004_bc5b8f5cbbe1641f.txt").read_bytes()).body
    assert body is not None
    assert body.dateline == date(2020, 6, 10)
    assert body.text.startswith("Amazon today announced")


def test_markdown_file_with_front_matter_is_record_and_body():
    text = record(title="Both") + "\n# Heading\n\nSome *text*.\n"
    result = parse_file("post.md", text.encode())
    assert result.record is not None and result.body is not None
    assert result.body.format is BodyFormat.MARKDOWN
    assert result.body.text.startswith("# Heading")
    assert result.body.line == text.splitlines().index("# Heading") + 1


def test_invalid_yaml_is_a_diagnostic_with_line():
    text = "---\ntitle: ok\nexcerpt: [unclosed\nwebUrl: x\n---\n"
    result = parse_file("bad.txt", text.encode())
    assert result.record is None
    (problem,) = [d for d in result.diagnostics if d.severity == "error"]
    assert problem.code == "D108" and problem.path == "bad.txt" and problem.line >= 3


def test_missing_title_is_an_error_naming_the_line():
    result = parse_file("r.txt", b"---\nexcerpt: hello\n---\n")
    assert result.record is None
    assert [d.code for d in result.diagnostics] == ["D201"]


def test_utf8_bom_and_cp1252_fallback(make_site):
    config = make_site({
        "bom.txt": "\ufeffFirst paragraph with a BOM.\n".encode(),
        "latin.txt": "Caf\xe9 cr\xe8me paragraph.\n".encode("cp1252"),
    })
    loaded = load(config.content, config.max_file_size)
    texts = {b.source: b.text for b in loaded.bodies}
    assert texts["bom.txt"] == "First paragraph with a BOM."
    assert texts["latin.txt"] == "Café crème paragraph."
    assert [d.code for d in loaded.diagnostics] == ["D106"]


def test_non_content_files_are_skipped_and_listed(make_site):
    config = make_site({"photo.jpg": b"\xff\xd8\xff\xe0binary", "note.txt": "Text.\n"})
    loaded = load(config.content, config.max_file_size)
    assert loaded.skipped == ("photo.jpg",)
    assert [b.source for b in loaded.bodies] == ["note.txt"]


def test_clean_line_unescapes_normalises_and_collapses_space():
    assert clean_line("  AT&amp;T\u00a0 and  Cafe\u0301 ") == "AT&T and Café"


def test_clean_paragraphs_drops_blank_lines_and_tidies_space():
    assert clean_paragraphs("One  two \n\n\r\n  Three\t\tfour\n") == "One two\nThree four"


def test_safe_url_accepts_only_absolute_http():
    assert safe_url("https://example.com/a?b=1&#038;c=2") == "https://example.com/a?b=1&c=2"
    for bad in ("javascript:alert(1)", "data:text/html,x", "/relative", "//host/x", None, 3):
        assert safe_url(bad) is None


def test_values_many_records_repeat_are_one_object_and_pickle_as_one():
    """A provider, topic, category, type or unknown field's name met in many records is held
    once: the parse cache of 100,000 records would otherwise hold 100,000 copies of each."""
    extra = "category: news\ntype: article\nampWebUrl: https://amp.example.com/{n}\n"
    records = [parse_file(f"s{n}.md", record(
        title=f"Story {n}", provider="Example " + "News", topics=("AI", "Chips"),
        extra=extra.format(n=n)).encode()).record for n in range(2)]
    assert records[0] is not None and records[1] is not None
    assert records[0].provider == records[1].provider
    again = pickle.loads(pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL))
    for first, second in (records, again):
        assert first.provider is second.provider
        assert first.topics[1] is second.topics[1]
        assert first.category is second.category and first.kind is second.kind
        assert next(iter(first.extra)) is next(iter(second.extra))
