"""Generate a synthetic corpus in the seed format, the same for the same size and seed.

Usage: python bench/corpus.py N OUTDIR [--seed S]

Writes N articles into OUTDIR, mixed in one folder under opaque shuffled names
(``NNNNNN_<hex>.txt``): metadata records (YAML between --- lines) and plain-text
bodies, paired only by content (the record's excerpt is the body's first two
paragraphs). About 3% of records have no body, 2% of bodies have no record, 1%
of articles are Markdown files with front matter; some bodies open with a
`` date YYYY-MM-DD `` dateline and some carry mojibake. Related coverage points
at other articles of the corpus about a third of the time.

The shapes of real news that make joining by content hard are there too: 20% of
bodies open with one of 36 sentences (a wire service's standfirst, "WASHINGTON
(AP) — ..."), each shared by more bodies the larger the corpus; 2% of articles are syndicated copies of an
earlier one (its first two paragraphs and so its excerpt, another outlet, a few
days later, half of them with a dateline of their own); half of the records
with no body have an orphan body that opens with their excerpt's first sentence
and then differs; 10% of excerpts are truncated (cut mid-word or not, with
"…", "..." or nothing after).

Beside the content it writes ``.manifest.json`` (a dot file, so digest skips it):
which files make each article, for ``bench/hugo.py`` and the edit step of
``bench/run.py``.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

MANIFEST = ".manifest.json"
_WORDS = """
the a of to and in that is for on with as it by at from this be are was have has not but
they which or an will their its more new been were would about can who also one all than
into after over some two when could other only most what people first year years police
technology facial recognition system systems data company companies government law use used
public research researchers privacy software camera cameras rights city cities report
security surveillance image images face faces model models learning machine artificial
intelligence network networks cloud market federal state officials agency agencies court
rules ban bill lawmakers congress europe china london york microsoft amazon google apple
ibm startup startups investors funding billion million percent study accuracy bias error
errors darker skin women men training dataset datasets algorithm algorithms tool tools
deployment pilot trial airport airports border retail store stores customers users app
apps phone phones video footage live real time scan scanning match matches database
identify identification identity verification payment payments bank banks school schools
students health hospital patients doctors robot robots drone drones car cars driving
autonomous vision speech language translation chip chips hardware edge device devices
sensor sensors open source code developers platform service services contract contracts
protest protests civil liberties groups advocates critics concerns risks harm oversight
regulation regulators commission minister ministers election campaign voters policy
"""
WORDS = _WORDS.split()
MOJIBAKE = ["\u2026", "\u2019", "\u201c", "\u201d", "\u2014"]
"""Characters whose UTF-8 bytes, read as cp1252, make the mojibake found in the seeds."""
SHARED = 0.2
"""The share of bodies that open with a sentence shared with others."""
OPENINGS = 36
"""How many such sentences there are, whatever the size: each opens 20% / 36 of the bodies,
as a wire service's standfirst opens more stories the more are gathered (54 of 10,000, 540 of
100,000)."""
SYNDICATED = 0.02
TRUNCATED = 0.1
PLACES = ["WASHINGTON", "LONDON", "BRUSSELS", "SAN FRANCISCO", "NEW YORK", "BEIJING", "PARIS"]
AGENCIES = ["(AP) \u2014", "(Reuters) -", "(AFP) \u2013", "\u2014", "(Bloomberg) --"]
TOPICS = [f"{a} {b}".strip() for a in ("", "Applied", "Ethical", "Open", "Mobile", "Edge")
          for b in ("AI", "Computer Vision", "Natural Language Processing", "Robotics",
                    "Privacy", "Surveillance", "Machine Learning", "Biometrics", "Policy",
                    "Healthcare")]


@dataclass
class Entry:
    """One article as the manifest describes it: its files and how they pair."""

    id: int
    record: str | None = None
    body: str | None = None
    markdown: str | None = None
    url: str = ""
    related_ids: list[int] = field(default_factory=list)


def sentence(rng: random.Random, low: int = 8, high: int = 24) -> str:
    """Return one sentence of random words."""
    words = rng.choices(WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    """Return one paragraph of a few sentences."""
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 5)))


def title(rng: random.Random, n: int) -> str:
    """Return a headline; the number keeps most headlines distinct, as real ones are."""
    return f"{sentence(rng, 5, 10).rstrip('.')} {n}"


def providers(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """Return ``count`` news outlets as (name, domain)."""
    found = []
    for i in range(count):
        name = " ".join(w.capitalize() for w in rng.choices(WORDS, k=rng.randint(1, 3)))
        found.append((f"{name} {i}", f"{name.replace(' ', '').lower()}{i}.example.com"))
    return found


def yaml_text(value: str) -> str:
    """Quote a string for YAML as the seeds do: double quotes, escaped."""
    return json.dumps(value, ensure_ascii=False)


def image_lines(rng: random.Random, indent: str, url_stem: str, with_title: str | None) -> list[str]:
    lines = [f"{indent}- url: \"https://img.example.com/{url_stem}.jpg\"",
             f"{indent}  width: {rng.choice((640, 860, 1024, 1200))}",
             f"{indent}  height: {rng.choice((360, 484, 576, 675))}",
             f"{indent}  isCached: true"]
    if with_title is not None:
        lines.append(f"{indent}  title: {yaml_text(with_title)}")
    return lines


def record_text(rng: random.Random, headline: str, excerpt: str, when: datetime, url: str,
                provider: tuple[str, str], topics: list[str], related: list[dict[str, object]],
                n: int) -> str:
    """Return a metadata record laid out like the seeds."""
    stamp = f"{when:%Y-%m-%dT%H:%M:%SZ}"
    amp = url.replace("https://", "https://amp.")
    lines = ["---", "category: news", f"title: {yaml_text(headline)}",
             f"excerpt: {yaml_text(excerpt)}", f"publishedDateTime: {stamp}",
             f"webUrl: {yaml_text(url)}", f"ampWebUrl: {yaml_text(amp)}",
             f"cdnAmpWebUrl: {yaml_text(amp.replace('amp.', 'cdn.ampproject.org/c/s/'))}",
             "type: article", f"quality: {rng.randint(0, 120)}", "heat: -1",
             f"published: {rng.choice(('false', 'true'))}", "", "provider:",
             f"  name: {yaml_text(provider[0])}", f"  domain: {provider[1]}", "", "topics:"]
    lines += [f"  - {t}" for t in topics]
    lines += ["", "images:", *image_lines(rng, "  ", f"a{n}", headline), "", "related:"]
    for item in related:
        lines += [f"  - title: {yaml_text(str(item['title']))}",
                  f"    excerpt: {yaml_text(str(item['excerpt']))}",
                  f"    publishedDateTime: {item['when']}",
                  f"    webUrl: {yaml_text(str(item['url']))}",
                  f"    ampWebUrl: {yaml_text(str(item['url']) + 'amp/')}",
                  "    type: article", "    provider:",
                  f"      name: {yaml_text(str(item['provider']))}",
                  f"      domain: {item['domain']}",
                  f"    quality: {rng.randint(0, 120)}", "    images:",
                  *image_lines(rng, "      ", f"r{n}-{rng.getrandbits(32):x}", None)]
    token = base64.b64encode(rng.randbytes(450)).decode()
    lines += ["", f"secured: {yaml_text(token)}", "---", ""]
    return "\n".join(lines)


def generate(count: int, out: Path, seed: int = 1) -> list[Entry]:
    """Write a corpus of ``count`` articles into ``out``; return its manifest."""
    rng = random.Random(seed)
    outlets = providers(rng, max(20, count // 50))
    start = datetime(2019, 1, 1, tzinfo=UTC)
    span = 3 * 365 * 24 * 3600
    urls = [f"https://news{i % 97}.example.com/{2019 + i % 3}/story-{i}/" for i in range(count)]
    files: list[tuple[str, str]] = []  # (suffix, text) in generation order
    entries: list[Entry] = []
    openings = [f"{rng.choice(PLACES)} {rng.choice(AGENCIES)} {sentence(rng)}"
                for _ in range(OPENINGS)]
    shared = 0  # bodies opening with a shared sentence so far: they take the sentences in turn
    wire: list[tuple[list[str], datetime]] = []  # earlier articles' paragraphs, for syndication
    for n in range(count):
        entry = Entry(n, url=urls[n])
        headline = title(rng, n)
        when = start + timedelta(seconds=rng.randrange(span))
        paras = [paragraph(rng) for _ in range(rng.randint(4, 12))]
        syndicated = wire and rng.random() < SYNDICATED
        if syndicated:  # wire copy: another outlet runs an earlier story's opening days later
            original, then = rng.choice(wire)
            paras[:2] = original[:2]
            when = then + timedelta(days=rng.randint(2, 6), seconds=rng.randrange(86400))
        elif rng.random() < SHARED:
            paras[0] = f"{openings[shared % len(openings)]} {paras[0]}"
            shared += 1
        if rng.random() < 0.05:  # mojibake after the opening, as in the seeds
            spot = rng.randrange(2, len(paras))
            bad = rng.choice(MOJIBAKE).encode("utf-8").decode("cp1252", errors="replace")
            paras[spot] = paras[spot].rstrip(".") + bad + " " + sentence(rng)
        excerpt = " ".join(paras[:2])
        wire.append((paras, when))
        if rng.random() < TRUNCATED:  # cut anywhere, perhaps mid-word, and marked or not
            excerpt = excerpt[:rng.randint(60, 300)] + rng.choice(("\u2026", "...", " \u2026", ""))
        provider = rng.choice(outlets)
        topics = rng.sample(TOPICS, rng.randint(1, 3))
        related = []
        for _ in range(rng.choice((0, 1, 2, 2, 3, 4, 5, 8))):
            inside = count > 1 and rng.random() < 1 / 3
            target = rng.randrange(count) if inside else None
            if target is not None and target != n:
                entry.related_ids.append(target)
            other = rng.choice(outlets)
            related.append({
                "title": title(rng, rng.randrange(10 * count + 1)),
                "excerpt": paragraph(rng),
                "when": f"{when + timedelta(hours=rng.randint(-48, 48)):%Y-%m-%dT%H:%M:%SZ}",
                "url": urls[target] if target is not None else
                f"https://{other[1]}/story/{rng.getrandbits(48):x}/",
                "provider": other[0], "domain": other[1]})
        kind = rng.random()
        if kind < 0.01:  # a Markdown article: front matter and body in one file
            head = record_text(rng, headline, excerpt, when, urls[n], provider, topics,
                               related, n)
            body = "\n\n".join([*paras[:2], f"## {sentence(rng, 3, 6)}", *paras[2:]])
            files.append((".md", head + "\n" + body + "\n"))
            entry.markdown = str(len(files) - 1)
        else:
            if kind >= 0.03:  # 3% of records have no body
                dated = rng.random() < (0.5 if syndicated else 0.2)
                dateline = f" date {when:%Y-%m-%d} " if dated else ""
                gap = "\n\n" if rng.random() < 0.5 else "\n"
                files.append((".txt", dateline + gap.join(p + " " for p in paras) + "\n"))
                entry.body = str(len(files) - 1)
            elif rng.random() < 0.5 and len(excerpt) > len(first := paras[0].split(". ")[0]) + 30:
                # An orphan body that opens with the first sentence of this record's excerpt,
                # then differs within it (an excerpt cut inside that sentence would be its own).
                files.append((".txt", first + ". " + "\n".join(
                    paragraph(rng) for _ in range(rng.randint(3, 8))) + "\n"))
            files.append((".txt", record_text(rng, headline, excerpt, when, urls[n], provider,
                                              topics, related, n)))
            entry.record = str(len(files) - 1)
        entries.append(entry)
    for _ in range(max(1, count // 50)):  # bodies with no record
        files.append((".txt", "\n".join(paragraph(rng) for _ in range(rng.randint(3, 8))) + "\n"))
    return _write(rng, out, files, entries)


def _write(rng: random.Random, out: Path, files: list[tuple[str, str]], entries: list[Entry]
           ) -> list[Entry]:
    """Write files under shuffled opaque names; point the manifest at those names."""
    order = list(range(len(files)))
    rng.shuffle(order)
    width = max(6, len(str(len(files))))
    names = {}
    out.mkdir(parents=True, exist_ok=True)
    for position, index in enumerate(order):
        suffix, text = files[index]
        name = f"{position:0{width}d}_{rng.getrandbits(64):016x}{suffix}"
        names[str(index)] = name
        (out / name).write_text(text, encoding="utf-8")
    for entry in entries:
        for key in ("record", "body", "markdown"):
            value = getattr(entry, key)
            if value is not None:
                setattr(entry, key, names[value])
    (out / MANIFEST).write_text(json.dumps([asdict(e) for e in entries]), encoding="utf-8")
    return entries


def read_manifest(content: Path) -> list[Entry]:
    """Read the manifest that ``generate`` wrote beside the content."""
    return [Entry(**item) for item in json.loads((content / MANIFEST).read_text(encoding="utf-8"))]


STORY_LABELS = ".stories.json"
"""Beside a labelled corpus (``story_corpus``): each record file's event number."""
ACTIONS = ("fine", "merger", "outage", "recall", "lawsuit", "launch", "strike", "ban", "breach",
           "earnings", "acquisition", "probe", "layoffs", "tariff", "summit", "settlement",
           "bankruptcy", "election", "wildfire", "flood", "protest", "verdict", "hack",
           "shortage", "expansion", "resignation", "appointment", "sanctions", "rescue", "crash")
SYLLABLES = ("ka", "lor", "ven", "dri", "mox", "tal", "qui", "zen", "bar", "rho", "sel", "nix",
             "pal", "gor", "mir", "tus", "vel", "dan", "cor", "fey", "lum", "ost", "ra", "ken")


def _proper_name(rng: random.Random) -> str:
    return "".join(rng.choices(SYLLABLES, k=rng.randint(2, 3))).capitalize()


def _event_size(rng: random.Random) -> int:
    """How many outlets cover an event: a third alone, else 2 to 30, most of them few."""
    return 1 if rng.random() < 0.35 else min(30, 1 + int(rng.paretovariate(1.1)) + 1)


def _headline(rng: random.Random, keys: list[str]) -> str:
    """A headline naming most of the event's key words, in one of several shapes."""
    entity, action, place, number = keys
    shape = rng.randrange(4)
    filler = " ".join(rng.choices(WORDS, k=rng.randint(1, 4)))
    if shape == 0:
        words = [entity, action, "in", place, filler]
    elif shape == 1:
        words = [f"{place}:", entity, "faces", action, filler]
    elif shape == 2:
        words = [entity, "hit by", number, action, filler, place]
    else:
        words = [action.capitalize(), "at", entity, filler]
    return " ".join(words)


def _paraphrase(rng: random.Random, sentence: list[str]) -> str:
    """The event's sentence with some words swapped for others and some pairs reordered."""
    words = [w if w[0].isupper() or rng.random() > 0.3 else rng.choice(WORDS) for w in sentence]
    for _ in range(rng.randint(0, 3)):
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    words += rng.choices(WORDS, k=rng.randint(3, 12))
    return " ".join(words).capitalize() + "."


def _url_spelling(rng: random.Random, url: str) -> str:
    """The same page as another article might list it: AMP, tracking, www."""
    form = rng.randrange(4)
    if form == 0:
        return url + "amp/"
    if form == 1:
        return url + "?utm_source=feed&utm_medium=rss"
    if form == 2:
        return url.replace("https://", "http://www.")
    return url


def story_corpus(count: int, out: Path, seed: int = 1) -> dict[str, int]:
    """Write ``count`` records about labelled events (an event covered by 2 to 30 outlets over
    1 to 4 days, or by one; headline variants, paraphrased excerpts, related lists partly
    filled; events of one company or place close in time); return each file's event."""
    rng = random.Random(seed)
    entities = [_proper_name(rng) for _ in range(count // 40 + 10)]
    outlets = [(f"Outlet {_proper_name(rng)} {i}", f"outlet{i}.example") for i in range(80)]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    span = max(30, count // 30) * 86400  # about thirty articles a day
    labels: dict[str, int] = {}
    files: list[tuple[str, str]] = []
    event = 0
    while len(files) < count:
        size = min(_event_size(rng), count - len(files))
        keys = [rng.choice(entities), rng.choice(ACTIONS), _proper_name(rng),
                f"${rng.randint(2, 900)} million"]
        sentence = [keys[0], *rng.choices(WORDS, k=4), keys[1], "near", keys[2],
                    *rng.choices(WORDS, k=6)]
        first = start + timedelta(seconds=rng.randrange(span))
        days = rng.uniform(1, 4)
        outside = [f"https://{rng.choice(outlets)[1]}/news/{event}-{k}/" for k in range(3)]
        urls: list[str] = []
        for _ in range(size):
            when = first + timedelta(days=days * rng.random() ** 2)
            outlet = rng.choice(outlets)
            url = f"https://{outlet[1]}/{when:%Y/%m}/{event}-{len(urls)}/"
            related = []
            if rng.random() < 0.4 and size > 1:
                related += [_url_spelling(rng, u) for u in rng.sample(urls, min(len(urls), 2))]
                related += rng.sample(outside, rng.randint(0, 2))
            if rng.random() < 0.3:
                related.append(f"https://{rng.choice(outlets)[1]}/other/{rng.getrandbits(40):x}/")
            lines = ["---", f"title: {yaml_text(_headline(rng, keys))}",
                     f"excerpt: {yaml_text(_paraphrase(rng, sentence))}",
                     f"publishedDateTime: {when:%Y-%m-%dT%H:%M:%SZ}", f"webUrl: {yaml_text(url)}",
                     "provider:", f"  name: {yaml_text(outlet[0])}", f"  domain: {outlet[1]}",
                     "topics:", f"  - {rng.choice(TOPICS)}"]
            if related:
                lines.append("related:")
                for link in related:
                    lines += [f"  - title: {yaml_text(sentence[0] + ' ' + keys[1])}",
                              f"    webUrl: {yaml_text(link)}"]
            files.append((".yaml", "\n".join([*lines, "---", ""])))
            labels[str(len(files) - 1)] = event
            urls.append(url)
        event += 1
    entries = _write(rng, out, files, [Entry(n, record=str(n)) for n in range(len(files))])
    found = {str(entry.record): labels[str(entry.id)] for entry in entries}
    (out / STORY_LABELS).write_text(json.dumps(found), encoding="utf-8")
    return found


def main(argv: list[str] | None = None) -> int:
    """Generate a corpus from the command line."""
    return command(generate, "corpus", __doc__ or "", argv)


def command(make: Callable[[int, Path, int], list[Entry]], name: str, doc: str,
            argv: list[str] | None = None) -> int:
    """Run a corpus generator's command line: ``make(count, out, seed)`` into an empty folder."""
    args = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    args.add_argument("count", type=int, help="number of articles")
    args.add_argument("out", type=Path, help="folder to write (should be empty or absent)")
    args.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ns = args.parse_args(argv)
    if ns.out.exists() and any(ns.out.iterdir()):
        print(f"{name}: {ns.out} is not empty; choose a new folder", file=sys.stderr)
        return 2
    print(f"{len(make(ns.count, ns.out, ns.seed))} articles written to {ns.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
