"""Progress is drawn on a terminal only, and never changes what passes through."""

from __future__ import annotations

import io

from digest.progress import MIN_ITEMS, track


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_sees_the_count_and_a_cleared_line():
    screen = Terminal()
    items = list(range(MIN_ITEMS))
    assert list(track(items, "Rendering", len(items), stream=screen)) == items
    text = screen.getvalue()
    assert f"\rRendering {MIN_ITEMS:,}/{MIN_ITEMS:,} (100%)" in text
    assert text.endswith("\r\033[K")


def test_weights_count_chunks_by_their_size():
    screen = Terminal()
    chunks = [[0] * 1000] * 3
    assert list(track(chunks, "Parsing", 3000, weight=len, stream=screen)) == chunks
    assert "Parsing 3,000/3,000" in screen.getvalue()


def test_logs_and_small_jobs_get_nothing():
    log, screen = io.StringIO(), Terminal()
    assert list(track(range(MIN_ITEMS), "Rendering", MIN_ITEMS, stream=log)) == list(range(MIN_ITEMS))
    assert list(track(range(10), "Rendering", 10, stream=screen)) == list(range(10))
    assert log.getvalue() == "" and screen.getvalue() == ""
