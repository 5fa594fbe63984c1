"""Index and plan: ordering, grouping, related resolution, URLs and pagination."""

from __future__ import annotations

from conftest import record
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.content import check
from digest.plan.pages import plan
from digest.plan.urls import _NOT_WORD, SLUG_LENGTH, assign_urls, slugify
from digest.progress import Timings


def site_for(make_site, files, **settings):
    config = make_site(files, **settings)
    return config, check(config, Timings()).site


def test_articles_newest_first_and_grouped_case_insensitively(make_site):
    _, site = site_for(make_site, {
        "a.txt": record(title="Old", date="2020-01-01T00:00:00Z", url="https://x.example/a",
                        topics=("AI",)),
        "b.txt": record(title="New", date="2021-01-01T00:00:00Z", url="https://x.example/b",
                        topics=("ai", "Robots")),
    })
    assert [site.articles[i].record.title for i in site.order] == ["New", "Old"]
    assert list(site.topics) == ["ai", "robots"]
    assert site.topics["ai"].article_ids == ("b.txt", "a.txt")
    assert site.topics["ai"].name == "ai"  # spelling of the newest article


def test_drafts_hidden_unless_asked(make_site):
    config = make_site({"d.txt": record(title="Draft", extra="draft: true")})
    assert check(config, Timings()).site.order == ()
    assert check(config, Timings(), drafts=True).site.order == ("d.txt",)


def test_unpublished_kept_unless_config_hides_them(make_site):
    files = {"u.txt": record(title="Upstream off", extra="published: false")}
    _, shown = site_for(make_site, files)
    assert shown.order == ("u.txt",)
    _, hidden = site_for(make_site, files, hide_unpublished=True)
    assert hidden.order == ()


def test_slugify_keeps_scripts_and_drops_punctuation():
    assert slugify("Tech Tent: Facial recognition faces a reckoning") == \
        "tech-tent-facial-recognition-faces-a-reckoning"
    assert slugify("Café au lait") == "cafe-au-lait"
    assert slugify("人工智能新闻") == "人工智能新闻"
    assert slugify("🎉🎉") == ""


@settings(max_examples=2000, deadline=None)
@given(st.text(st.characters(max_codepoint=127)))
def test_ascii_titles_slug_as_the_word_pattern_makes_them(title):
    """The plain-string path ASCII titles take gives what the pattern gives every title."""
    slug = _NOT_WORD.sub("-", title.casefold()).strip("-")
    if len(slug) > SLUG_LENGTH:
        slug = slug[:SLUG_LENGTH].rsplit("-", 1)[0]
    assert slugify(title) == slug


def test_same_title_gets_two_stable_urls(make_site):
    files = {
        "a.txt": record(title="Same", date="2020-06-01T00:00:00Z", url="https://x.example/a"),
        "b.txt": record(title="Same", date="2020-06-02T00:00:00Z", url="https://x.example/b"),
    }
    _, site = site_for(make_site, files)
    urls = assign_urls(site)
    assert urls.articles["a.txt"] == "articles/2020/06/same/index.html"
    assert urls.articles["b.txt"].startswith("articles/2020/06/same-")
    assert assign_urls(site) == urls


def test_related_item_in_the_digest_links_to_its_page(make_site):
    other = record(title="Other", url="https://www.other.example/story/")
    main = record(title="Main", url="https://x.example/main", extra=(
        "related:\n  - title: Same story elsewhere\n    webUrl: https://other.example/story\n"
        "  - title: Outside\n    webUrl: https://far.example/z\n"))
    config, site = site_for(make_site, {"o.txt": other, "m.txt": main})
    page = next(p for p in plan(site, config) if p.context.get("title") == "Main")
    inside, outside = page.context["related"]
    assert inside.internal and inside.url == assign_urls(site).articles["o.txt"]
    assert not outside.internal and outside.url == "https://far.example/z"


def test_pagination_splits_lists(make_site):
    files = {f"{i}.txt": record(title=f"T{i}", url=f"https://x.example/{i}",
                                date=f"2020-06-{i + 1:02}T00:00:00Z") for i in range(5)}
    config, site = site_for(make_site, files, page_size=2)
    paths = {p.path for p in plan(site, config)}
    assert {"index.html", "page/2/index.html", "page/3/index.html"} <= paths
    assert "page/4/index.html" not in paths
    assert "topics/ai/page/3/index.html" in paths
