"""Stories: the URL key that compares coverage, and the clustering rules (``digest/story``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.model import Article, JoinMethod, Record, Related
from digest.story.cluster import cluster
from digest.story.urlkey import story_key

T0 = datetime(2020, 7, 1, 12, tzinfo=UTC)


def art(aid: str, title: str, excerpt: str = "", hours: float | None = 0, url: str | None = None,
        related: tuple[str, ...] = (), **extra: object) -> Article:
    record = Record(aid, 1, title, excerpt, None if hours is None else T0 + timedelta(hours=hours),
                    url or f"https://{aid.split('.')[0]}.example.com/{aid}",
                    related=tuple(Related(f"r {u}", u) for u in related), extra=extra)
    return Article(aid, record, None, JoinMethod.NONE)


def groups(articles: list[Article]) -> set[frozenset[str]]:
    return {frozenset(s.members) for s in cluster(articles).by_id.values()}


# The URL key


def test_spellings_of_one_page_have_one_key() -> None:
    canonical = story_key("https://www.mercurynews.com/2020/07/02/magid/")
    assert canonical == "mercurynews.com/2020/07/02/magid"
    for spelling in (
        "http://mercurynews.com/2020/07/02/magid",
        "https://WWW.MercuryNews.com/2020/07/02/magid/#comments",
        "https://www.mercurynews.com/2020/07/02/magid/?utm_source=twitter&utm_medium=social",
        "https://www.mercurynews.com/2020/07/02/magid/?fbclid=abc&gclid=1",
        "https://www.mercurynews.com/2020/07/02/magid/amp/",
        "https://www-mercurynews-com.cdn.ampproject.org/c/s/www.mercurynews.com/2020/07/02/magid/amp/",
        "https://amp.mercurynews.com/2020/07/02/magid",
        "www.mercurynews.com/2020/07/02/magid/",  # a normalise_url key, as related_keys hold
    ):
        assert story_key(spelling) == canonical, spelling


def test_the_key_keeps_what_names_a_page() -> None:
    assert story_key("https://a.com/news?id=1") != story_key("https://a.com/news?id=2")
    assert story_key("https://a.com/news?b=2&a=1") == story_key("https://a.com/news?a=1&b=2")
    assert story_key("https://a.com/x") != story_key("https://b.com/x")
    assert story_key("https://a.com/story.amp.html") == story_key("https://a.com/story.html")
    assert story_key("https://a.com/amplifier") == "a.com/amplifier"


# Clustering rules

QUAKE = ("Magnitude 7 earthquake strikes off Sumatra coast, tsunami warning issued",
         "A magnitude 7 earthquake struck off the coast of Sumatra on Tuesday, prompting a "
         "tsunami warning for Indonesian coastal towns.")
QUAKE2 = ("Sumatra earthquake of magnitude 7 triggers tsunami warning",
          "Indonesian authorities issued a tsunami warning after a magnitude 7 earthquake "
          "struck off Sumatra's coast.")
CHIP = ("Nvidia unveils new Blackwell chip for data centres",
        "Nvidia announced its Blackwell graphics processor for data centre customers.")


def test_one_article_listing_another_makes_a_story() -> None:
    a = art("a.yaml", "Alpha one", url="https://www.alpha.com/story/")
    b = art("b.yaml", "Beta two", hours=5, related=("https://alpha.com/story?utm_source=x",))
    c = art("c.yaml", "Gamma three", hours=6)
    assert groups([a, b, c]) == {frozenset({"a.yaml", "b.yaml"})}


def test_articles_listing_the_same_outside_page_make_a_story() -> None:
    a = art("a.yaml", "Alpha one", related=("https://out.com/p/amp/",))
    b = art("b.yaml", "Beta two", hours=30, related=("https://www.out.com/p",))
    story = cluster([a, b]).by_id["a.yaml"]
    assert story.members == ("a.yaml", "b.yaml") and story.outside == 1


def test_an_article_cited_by_its_amp_form_is_found() -> None:
    a = art("a.yaml", "Alpha one", url="https://news.example/a/b/",
            ampWebUrl="https://amp.news.example/x/amp-only/")
    b = art("b.yaml", "Beta two", hours=2, related=(
        "https://news-example.cdn.ampproject.org/c/s/amp.news.example/x/amp-only/amp/",))
    c = art("c.yaml", "Gamma three", hours=3, related=("https://news.example/a/b?fbclid=z#top",))
    assert groups([a, b, c]) == {frozenset({"a.yaml", "b.yaml", "c.yaml"})}


def test_alike_headlines_within_the_window_make_a_story() -> None:
    a, b = art("a.yaml", *QUAKE), art("b.yaml", *QUAKE2, hours=10)
    c = art("c.yaml", *CHIP, hours=11)
    assert groups([a, b, c]) == {frozenset({"a.yaml", "b.yaml"})}


def test_alike_headlines_far_apart_in_time_stay_apart() -> None:
    assert groups([art("a.yaml", *QUAKE), art("b.yaml", *QUAKE2, hours=24 * 10)]) == set()


def test_a_chain_of_likenesses_does_not_merge_unlike_ends() -> None:
    # A is like B, B like C, C like D, but A is nothing like C or D: B's likeness to A must
    # not pull C and D into A's story.
    a = art("a.yaml", "Storm floods river valley towns", "Heavy rain flooded valley towns.")
    b = art("b.yaml", "Storm floods valley towns, power grid fails",
            "Heavy rain flooded valley towns and the power grid failed.", hours=1)
    c = art("c.yaml", "Power grid fails, operator blames ageing transformers",
            "The grid operator blamed ageing transformers.", hours=2)
    d = art("d.yaml", "Ageing transformers replaced by operator after blackout",
            "The operator replaces ageing transformers.", hours=3)
    found = groups([a, b, c, d])
    assert not any({"a.yaml", "c.yaml"} <= g or {"a.yaml", "d.yaml"} <= g for g in found)


def test_links_never_make_a_story_span_more_than_four_days() -> None:
    # Each cites the next two days on: the chain spans six days.
    arts = [art(f"{n}.yaml", f"Item {n}", hours=48 * n,
                related=(f"https://{n + 1}.example.com/{n + 1}.yaml",)) for n in range(4)]
    for story in cluster(arts).by_id.values():
        hours = [int(m.split(".")[0]) * 48 for m in story.members]
        assert max(hours) - min(hours) <= 96


def test_story_none_keeps_an_article_alone() -> None:
    a = art("a.yaml", *QUAKE)
    b = art("b.yaml", *QUAKE2, hours=1, story="none")
    c = art("c.yaml", "Other", hours=2, related=("https://a.example.com/a.yaml",), story="None")
    assert groups([a, b, c]) == set()


def test_story_label_forces_articles_together_and_apart() -> None:
    a = art("a.yaml", *QUAKE, story="quake")
    b = art("b.yaml", *CHIP, hours=24 * 30, story="quake")  # a month later: forced anyway
    c = art("c.yaml", *QUAKE2, hours=1, story="other",
            related=("https://a.example.com/a.yaml",))  # its link cannot cross labels
    assert groups([a, b, c]) == {frozenset({"a.yaml", "b.yaml"})}


def test_lead_is_the_earliest_or_the_one_marked() -> None:
    a, b = art("a.yaml", *QUAKE, hours=2), art("b.yaml", *QUAKE2, hours=1)
    assert cluster([a, b]).by_id.keys() == {"b.yaml"}
    marked = art("a.yaml", *QUAKE, hours=2, lead=True)
    stories = cluster([marked, b])
    assert stories.by_id.keys() == {"a.yaml"} and stories.of == {"a.yaml": "a.yaml",
                                                                  "b.yaml": "a.yaml"}


def test_undated_articles_join_by_links_only() -> None:
    a = art("a.yaml", *QUAKE, hours=None)
    b = art("b.yaml", *QUAKE2, hours=None)
    c = art("c.yaml", "Other", hours=None, related=("https://a.example.com/a.yaml",))
    assert groups([a, b, c]) == {frozenset({"a.yaml", "c.yaml"})}


def _corpus() -> list[Article]:
    """Three events with several outlets each, alike headlines, links and unrelated articles."""
    arts = []
    for e, (head, excerpt) in enumerate((QUAKE, QUAKE2, CHIP)):
        for n in range(4):
            arts.append(art(f"e{e}-{n}.yaml", head if n % 2 else f"{head} (update)", excerpt,
                            hours=e * 200 + n * 3,
                            related=(f"https://wire.com/{e}",) if n == 3 else ()))
    others = ("Council approves budget for new library", "Local team wins regional final",
              "Museum reopens after renovation works", "Bakery chain expands to three cities",
              "Airline adds routes to Lisbon", "Researchers map coral reef decline")
    arts += [art(f"x{n}.yaml", head, hours=n * 7) for n, head in enumerate(others)]
    return arts


@settings(max_examples=60, deadline=None)
@given(st.permutations(_corpus()))
def test_clustering_does_not_depend_on_file_order(shuffled: list[Article]) -> None:
    assert cluster(shuffled) == cluster(_corpus())


def test_the_corpus_has_its_three_stories() -> None:
    found = groups(_corpus())
    assert found == {frozenset(f"e{e}-{n}.yaml" for n in range(4)) for e in range(3)}


def test_clustering_does_not_depend_on_hash_randomisation() -> None:
    import subprocess
    import sys
    from pathlib import Path

    here = str(Path(__file__).parent)
    script = (f"import sys; sys.path.insert(0, {here!r}); from test_stories import _corpus; "
              "from digest.story.cluster import cluster; print(repr(cluster(_corpus())))")
    outputs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              check=True, env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout
               for seed in ("1", "2", "3")}
    assert len(outputs) == 1 and "e0-0.yaml" in outputs.pop()
