"""Diagnostics in front matter name the line the editor sees."""

from __future__ import annotations

from digest.read.load import parse_file


def test_front_matter_problems_point_at_their_own_line():
    text = b"---\ntitle: T\npublishedDateTime: 2020-06-12T19:19:00Z\nquality: lots\n---\n\nBody\n"
    result = parse_file("x.md", text)
    [warning] = result.diagnostics
    assert (warning.code, warning.line) == ("D211", 4)
    assert result.body is not None and result.body.line == 7  # the first line of body text


def test_invalid_front_matter_yaml_points_at_the_broken_line():
    text = b"---\ncategory: news: world\ntitle: T\n---\n"
    [error] = parse_file("x.txt", text).diagnostics
    assert (error.code, error.line) == ("D108", 2)
