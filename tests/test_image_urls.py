"""Images through whole builds: a bad URL is left out with a diagnostic, never a crash, and every
image a page shows, its Markdown's too, comes from a host its Content-Security-Policy allows."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import age, record
from htmlcheck import parse, site_problems

from digest.build import build
from digest.cli import main
from digest.read.weburl import image_origin

BAD_PORTS = ["https://img.example::/x.png", "https://img.example:99999/x.png",
             "https://img.example:-1/x.png", "https://img.example:443;/x.png"]


def article_page(output: Path) -> bytes:
    [page] = (output / "articles").rglob("index.html")
    return page.read_bytes()


def images_and_policy(page: bytes) -> tuple[list[str], list[str]]:
    """Return the sources of a page's images and its policy's img-src."""
    tree = parse(page)[0]
    meta = next(m for m in tree.iter("meta") if m.get("http-equiv") == "Content-Security-Policy")
    policy = {d.split()[0]: d.split()[1:] for d in meta.get("content").split(";")}
    return [img.get("src") for img in tree.iter("img")], policy["img-src"]


def assert_policy_allows_every_image(page: bytes) -> None:
    sources, allowed = images_and_policy(page)
    for src in sources:
        assert image_origin(src) in allowed, src


@pytest.mark.parametrize("bad", BAD_PORTS)
def test_an_image_url_that_does_not_parse_is_left_out_with_a_diagnostic(make_site, bad, capsys,
                                                                        monkeypatch):
    text = record(title="A bad port", url="https://example.com/bad", extra=(
        f'images:\n  - url: "{bad}"\n  - url: "https://img.example.org/good.png"'))
    config = make_site({"a.md": text + "The body.\n"})
    built = build(config)
    [said] = [d for d in built.checked.diagnostics if d.code == "D231"]
    assert (said.path, said.line, said.severity) == ("a.md", 11, "warning")
    assert site_problems(config.output) == {}
    page = article_page(config.output)
    sources, allowed = images_and_policy(page)
    assert sources == ["https://img.example.org/good.png"]
    assert allowed == ["'self'", "https://img.example.org"]
    assert b"The body." in page and b"img.example:" not in page

    monkeypatch.chdir(config.root)
    assert main(["check", "--content", str(config.content)]) == 0  # a warning
    out = capsys.readouterr().out
    assert f"content/a.md:11:1: warning D231: the image '{bad}'" in out
    assert out.splitlines()[-1] == "1 article checked: 0 errors, 1 warning"
    assert main(["check", "--strict", "--content", str(config.content)]) == 1


def test_markdown_images_are_allowed_by_the_page_policy_in_idna_form(make_site):
    body = ("![plain](https://img.example.org/a.png) and ![idn](https://Bücher.example/b.png)\n\n"
            "![js](javascript:alert(1)) ![data](data:image/png;base64,iVBORw0KGgo=)\n\n"
            "![six](https://[2001:db8::1]/c.png) ![long](https://{}.example/d.png)\n".format("ü" * 70))
    config = make_site({"a.md": record(title="Pictures", url="https://example.com/p") + body})
    build(config)
    assert site_problems(config.output) == {}
    page = article_page(config.output)
    sources, allowed = images_and_policy(page)
    assert sources == ["https://img.example.org/a.png", "https://xn--bcher-kva.example/b.png"]
    assert allowed == ["'self'", "https://img.example.org", "https://xn--bcher-kva.example"]
    text = page.decode()
    assert "javascript:" in text and "data:image" in text  # shown as text, never as images
    assert "2001:db8" not in text.split("<main", 1)[1].replace("six", "")  # its alt text stands
    assert "long" in text  # as text: its host has no IDNA form, so markdown-it escapes it


def test_record_images_on_other_scripts_hosts_are_named_in_idna_form(make_site):
    text = record(title="Pictured", url="https://example.com/i", extra=(
        'images:\n  - url: "https://例え.テスト/a.png"\n  - url: "https://[::1]/b.png"\n'
        '  - url: "https://ΟΔΟΣ.gr/c.png"\n  - url: "https://straße.de/d.png"\n'
        '  - url: "https://a\u200db.example/e.png"'))
    config = make_site({"a.txt": text + "Body.\n"})
    built = build(config)
    # IPv6: no policy can name it; a joiner: browsers refuse the URL, so it is none.
    assert [(d.code, d.line) for d in built.checked.diagnostics if d.code.startswith("D23")] == [
        ("D232", 11), ("D231", 11)]
    page = article_page(config.output)
    sources, allowed = images_and_policy(page)
    # The first image is the article's: the others are its card's, on the home page.
    assert sources == ["https://xn--r8jz45g.xn--zckzah/a.png"]
    assert allowed == ["'self'", "https://xn--r8jz45g.xn--zckzah"]
    images = built.checked.site.articles[built.checked.site.order[0]].record.images
    # As browsers name them (UTS 46): "Σ" is "σ" anywhere, "ß" is kept, not made "ss".
    assert [image.url for image in images] == [
        "https://xn--r8jz45g.xn--zckzah/a.png", "https://xn--pxavbq.gr/c.png",
        "https://xn--strae-oqa.de/d.png"]
    home = (config.output / "index.html").read_bytes()
    assert_policy_allows_every_image(home)


def test_a_body_edited_alone_brings_its_image_hosts_into_the_policy(make_site):
    head = record(title="Edited", url="https://example.com/e").strip("-\n") + "\n"
    config = make_site({"a.yaml": head, "a.md": "Before the edit.\n"})
    age(config.content.iterdir())
    build(config)
    assert images_and_policy(article_page(config.output)) == ([], ["'self'"])
    path = config.content / "a.md"
    path.write_text(path.read_text() + "\n![new](https://new.example.net:8443/n.png)\n")
    age([path])
    built = build(config)
    assert built.checked is None  # patched: the page made again from its body alone
    page = article_page(config.output)
    assert images_and_policy(page) == (["https://new.example.net:8443/n.png"],
                                       ["'self'", "https://new.example.net:8443"])
