"""Measure how long a saved file takes to reach an open browser under ``digest serve``.

Usage: python bench/serve_latency.py [--articles 10000] [--edits 7]

Runs ``digest serve`` on the sample site and on a generated site, opens an article in
Debian's headless Chromium (driven by Playwright), rewrites the article's body file several
times and reports the median time from the write to the new text being on the open page.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
WORDS = ("police facial recognition system camera privacy data law court vendor model city "
         "council ban study accuracy bias image search public market report officials").split()
TOPICS = ["AI", "Computer Vision", "Privacy", "Policing", "Regulation", "Retail", "Research"]
PROVIDERS = ["BBC", "Reuters", "The Verge", "Wired", "Local News 8", "TechCrunch"]


def sentence(rng: random.Random, n: int) -> str:
    """Return ``n`` random words as a sentence."""
    text = " ".join(rng.choice(WORDS) for _ in range(n))
    return text[0].upper() + text[1:] + "."


def generate(folder: Path, count: int, seed: int = 7) -> list[Path]:
    """Write ``count`` articles in the seed format (opaque names, record + body); return bodies."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    bodies = []
    for i in range(count):
        paragraphs = [f"Story {i}: {sentence(rng, 18)}", sentence(rng, 22),
                      *(sentence(rng, 30) for _ in range(4))]
        when = start + timedelta(minutes=37 * i)
        topics = "\n".join(f"  - {t}" for t in rng.sample(TOPICS, 2))
        record = (f'---\ntitle: "Story {i}: {sentence(rng, 6)[:-1]}"\n'
                  f'excerpt: "{paragraphs[0]} {paragraphs[1]}"\n'
                  f"publishedDateTime: {when:%Y-%m-%dT%H:%M:%SZ}\n"
                  f'webUrl: "https://example.com/story-{i}"\n'
                  f"provider:\n  name: {rng.choice(PROVIDERS)}\n  domain: example.com\n"
                  f"topics:\n{topics}\n---\n")
        body = folder / f"{2 * i:06d}_{rng.getrandbits(64):016x}.txt"
        body.write_text("\n".join(paragraphs) + "\n", encoding="utf-8")
        (folder / f"{2 * i + 1:06d}_{rng.getrandbits(64):016x}.txt").write_text(
            record, encoding="utf-8")
        bodies.append(body)
    return bodies
