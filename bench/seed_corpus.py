"""Generate a corpus of records as heavy as the real seed record ``001_…``.

Usage: python bench/seed_corpus.py N OUTDIR [--seed S]

The ``plain`` profile (``corpus.py``) is shaped to make joining hard; this one is shaped like
Smartable AI's real digests, whose records are most of a cold build's reading: about 6 KB of
YAML each, nine items of related coverage on average (0 to 14), each with its own provider,
image and two or three URLs (the AMP and the AMP cache's); ``ampWebUrl`` and ``cdnAmpWebUrl``
on the record; an excerpt of the body's first two paragraphs; an opaque ``secured`` token;
image URLs with percent-escapes, query strings and ``&#038;``; some outlets with a logo
(``provider.images``) and some records updated (``updatedDateTime``). 6% of articles are
videos (``type: video``, an ``originalUrl`` on YouTube and no ``webUrl``, a duration and a
``featuredContent`` iframe); 10% of files have CRLF line ends; some excerpts carry bullets
and runs of spaces, some bodies mojibake; a few bodies open with a dateline. 4% of records
have no body and 2% of bodies no record. Names are opaque and shuffled, as in the seeds.

It writes the same ``.manifest.json`` as ``corpus.py`` (for ``bench/hugo.py`` and the edits of
``bench/run.py``).
"""

from __future__ import annotations

import base64
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import MOJIBAKE, TOPICS, WORDS, Entry, _write, command

VIDEO = 0.06
CRLF = 0.10
NO_BODY = 0.04
ORPHANS = 0.02
IMAGE_HOSTS = ("ichef.bbci.co.uk", "thumbor.forbes.com", "media2.govtech.com",
               "d1902livswy8rb.cloudfront.net", "www.abc.net.au", "cdn.vox-cdn.com")


def _q(value: str) -> str:
    """Quote as the seeds do: double quotes, JSON escapes."""
    return json.dumps(value, ensure_ascii=False)


def _sentence(rng: random.Random, low: int = 10, high: int = 28) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high))).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(1, 4)))


def _outlets(rng: random.Random, count: int) -> list[tuple[str, str, str | None]]:
    """(name, domain, logo URL or None) for ``count`` outlets."""
    found = []
    for i in range(count):
        name = " ".join(w.capitalize() for w in rng.choices(WORDS, k=rng.randint(1, 3)))
        domain = f"{name.replace(' ', '').lower()}{i}.com"
        logo = f"https://logo.clearbit.com/{domain}" if rng.random() < 0.3 else None
        found.append((f"{name} {i}", domain, logo))
    return found


def _image_url(rng: random.Random, domain: str) -> str:
    """An image URL in one of the shapes the seeds show."""
    tag = f"{rng.getrandbits(40):x}"
    shape = rng.randrange(4)
    if shape == 0:
        return f"https://{rng.choice(IMAGE_HOSTS)}/news/1024/cpsprodpb/{tag}/production/_{tag}.jpg"
    if shape == 1:
        return (f"https://thumbor.forbes.com/thumbor/fit-in/1200x0/filters%3Aformat%28jpg%29/"
                f"https%3A%2F%2Fspecials-images.forbesimg.com%2Fimageserve%2F{tag}%2F0x0.jpg"
                f"%3FcropX1%3D0%26cropX2%3D6000")
    if shape == 2:
        return f"https://{domain}/wp-content/uploads/2020/06/{tag}.jpg?w=1200&#038;strip=all"
    return f"https://www.{domain}/images/{tag}-16x9-large.jpg?v=2"


def _amp(url: str) -> tuple[str, str]:
    """An article URL's AMP copy and its copy in Google's AMP cache."""
    amp = url.rstrip("/") + "/amp/"
    host, _, path = amp.removeprefix("https://").partition("/")
    return amp, f"https://{host.replace('.', '-')}.cdn.ampproject.org/c/s/{host}/{path}"


def _image(rng: random.Random, indent: str, url: str, title: str | None) -> list[str]:
    lines = [f"{indent}- url: {_q(url)}", f"{indent}  width: {rng.choice((700, 800, 1024, 1200))}",
             f"{indent}  height: {rng.choice((394, 532, 576, 675))}", f"{indent}  isCached: true"]
    return lines + ([f"{indent}  title: {_q(title)}"] if title is not None else [])


def _excerpt(rng: random.Random, paras: list[str]) -> str:
    """The body's first two paragraphs, as the seeds' excerpts are; some with bullets or runs
    of spaces, which cleaning tidies."""
    excerpt = f"{paras[0]} {paras[1]}"
    if rng.random() < 0.05:
        excerpt = excerpt.replace(". ", ".  ", 2)
    elif rng.random() < 0.04:
        excerpt = excerpt.replace(". ", ". • ", 1)
    return excerpt


def _related(rng: random.Random, when: datetime, outlets: list, urls: list[str], n: int
             ) -> tuple[list[str], list[int]]:
    """Related coverage as the seeds have it; a quarter of it points inside the corpus."""
    lines: list[str] = []
    inside: list[int] = []
    for _ in range(min(14, max(0, round(rng.gauss(9, 3))))):
        name, domain, _ = rng.choice(outlets)
        target = rng.randrange(len(urls)) if rng.random() < 0.25 else None
        if target is not None and target != n:
            inside.append(target)
        url = urls[target] if target is not None else (
            f"https://www.{domain}/2020/06/{rng.getrandbits(48):x}/{'-'.join(rng.choices(WORDS, k=6))}/")
        stamp = f"{when + timedelta(minutes=rng.randint(-4000, 4000)):%Y-%m-%dT%H:%M:%SZ}"
        lines += [f"  - title: {_q(_sentence(rng, 6, 14).rstrip('.'))}",
                  f"    excerpt: {_q(_paragraph(rng)[:rng.randint(150, 300)])}",
                  f"    publishedDateTime: {stamp}", f"    webUrl: {_q(url)}"]
        if rng.random() < 0.7:
            amp, cdn = _amp(url)
            lines += [f"    ampWebUrl: {_q(amp)}", f"    cdnAmpWebUrl: {_q(cdn)}"]
        lines += ["    type: article", "    provider:", f"      name: {_q(name)}",
                  f"      domain: {domain}", f"    quality: {rng.randint(0, 130)}"]
        if rng.random() < 0.85:
            lines += ["    images:", *_image(rng, "      ", _image_url(rng, domain), None)]
    return lines, inside


def record_text(rng: random.Random, n: int, urls: list[str], outlets: list, when: datetime,
                paras: list[str], video: bool) -> tuple[str, list[int]]:
    """A record laid out like ``001_…``; and the articles its related coverage points at."""
    name, domain, logo = rng.choice(outlets)
    headline = f"{_sentence(rng, 5, 12).rstrip('.')} {n}"
    lines = ["---", f"category: {rng.choice(('news', 'news', 'video', 'blog'))}",
             f"title: {_q(headline)}", f"excerpt: {_q(_excerpt(rng, paras))}",
             f"publishedDateTime: {when:%Y-%m-%dT%H:%M:%SZ}"]
    if rng.random() < 0.1:
        lines.append(f"updatedDateTime: {when + timedelta(hours=rng.randint(1, 30)):%Y-%m-%dT%H:%M:%SZ}")
    if video:
        tag = base64.urlsafe_b64encode(rng.randbytes(8)).decode()[:11]
        lines += [f"originalUrl: {_q(urls[n])}", "type: video",
                  f"duration: {_q(f'PT{rng.randint(1, 40)}M{rng.randint(0, 59)}S')}",
                  "featuredContent: " + _q('<iframe width="560" height="315" src="https://www.'
                                           f'youtube.com/embed/{tag}" allowfullscreen></iframe>')]
    else:
        amp, cdn = _amp(urls[n])
        lines += [f"webUrl: {_q(urls[n])}", f"ampWebUrl: {_q(amp)}", f"cdnAmpWebUrl: {_q(cdn)}",
                  "type: article"]
    lines += [f"quality: {rng.randint(0, 130)}", "heat: -1",
              f"published: {rng.choice(('false', 'true'))}", "", "provider:",
              f"  name: {_q(name)}", f"  domain: {domain}"]
    if logo:
        lines += ["  images:", *_image(rng, "    ", logo, None)]
    lines += ["", "topics:", *(f"  - {t}" for t in rng.sample(TOPICS, rng.randint(1, 3))),
              "", "images:", *_image(rng, "  ", _image_url(rng, domain), headline)]
    related, inside = _related(rng, when, outlets, urls, n)
    if related:
        lines += ["", "related:", *related]
    token = base64.b64encode(rng.randbytes(420)).decode()
    lines += ["", f"secured: {_q(token + ';' + base64.b64encode(rng.randbytes(16)).decode())}",
              "---", ""]
    return "\n".join(lines), inside


def body_text(rng: random.Random, paras: list[str], when: datetime) -> str:
    """A body as the seeds have them: a paragraph a line, sometimes blank lines between,
    sometimes a space at a line's end, a few with a dateline or mojibake."""
    paras = list(paras)
    if rng.random() < 0.05:
        spot = rng.randrange(2, len(paras))
        bad = rng.choice(MOJIBAKE).encode("utf-8").decode("cp1252", errors="replace")
        paras[spot] = paras[spot].rstrip(".") + bad + " " + _sentence(rng)
    gap = "\n\n" if rng.random() < 0.4 else "\n"
    text = gap.join(p + (" " if rng.random() < 0.5 else "") for p in paras) + "\n"
    return (f" date {when:%Y-%m-%d} " + text) if rng.random() < 0.1 else text


def generate(count: int, out: Path, seed: int = 1) -> list[Entry]:
    """Write ``count`` seed-shaped articles into ``out``; return the manifest."""
    rng = random.Random(seed * 7919 + 21)
    outlets = _outlets(rng, max(40, count // 25))
    start = datetime(2020, 1, 1, tzinfo=UTC)
    urls = [f"https://www.{outlets[i % len(outlets)][1]}/news/technology-{53000000 + i}"
            if rng.random() > VIDEO else f"https://www.youtube.com/watch?v={i:011d}"
            for i in range(count)]
    files: list[tuple[str, str]] = []
    entries: list[Entry] = []
    for n in range(count):
        when = start + timedelta(seconds=rng.randrange(3 * 365 * 86400))
        # The first two paragraphs, the excerpt, are short, as news ledes are (about 300 characters).
        paras = [_sentence(rng, 10, 22), *(_paragraph(rng) for _ in range(rng.randint(3, 13)))]
        paras.insert(1, _sentence(rng, 8, 20))
        record, inside = record_text(rng, n, urls, outlets, when, paras,
                                     urls[n].startswith("https://www.youtube.com/"))
        entry = Entry(n, url=urls[n], related_ids=inside)
        if rng.random() >= NO_BODY:
            files.append((".txt", body_text(rng, paras, when)))
            entry.body = str(len(files) - 1)
        files.append((".txt", record))
        entry.record = str(len(files) - 1)
        entries.append(entry)
    for _ in range(max(1, int(count * ORPHANS))):
        files.append((".txt", "\n".join(_paragraph(rng) for _ in range(rng.randint(3, 9))) + "\n"))
    files = [(suffix, text.replace("\n", "\r\n") if rng.random() < CRLF else text)
             for suffix, text in files]
    return _write(rng, out, files, entries)


def main(argv: list[str] | None = None) -> int:
    """Generate a corpus from the command line."""
    return command(generate, "seed_corpus", __doc__ or "", argv)


if __name__ == "__main__":
    sys.exit(main())
