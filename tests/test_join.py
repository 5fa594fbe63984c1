"""Join: each method in order, one body per record, ambiguity reported."""

from __future__ import annotations

import random
from dataclasses import replace

from conftest import record

from digest.join import join
from digest.join.candidates import _common_prefix
from digest.model import JoinMethod
from digest.read.load import load

OPENING = ("The council voted on Tuesday to pause the rollout of cameras in the city centre "
           "while an independent review of their accuracy takes place.")


def joined_for(make_site, files):
    config = make_site(files)
    return join(load(config.content, config.max_file_size))


def methods(joined):
    return {a.record.source: (a.body.source if a.body else None, a.method) for a in joined.articles}


def test_same_file(make_site):
    joined = joined_for(make_site, {"a.md": record(title="One") + "\nBody text.\n"})
    assert methods(joined) == {"a.md": ("a.md", JoinMethod.SAME_FILE)}


def test_explicit_body_path_relative_to_record(make_site):
    joined = joined_for(make_site, {
        "meta/r.yaml": "title: Two\nbody: ../bodies/x.txt\n",
        "bodies/x.txt": "Explicit body.\n",
    })
    assert methods(joined) == {"meta/r.yaml": ("bodies/x.txt", JoinMethod.EXPLICIT)}


def test_explicit_body_outside_content_is_refused(make_site):
    joined = joined_for(make_site, {"r.yaml": "title: Two\nbody: ../../etc/passwd\n"})
    assert methods(joined) == {"r.yaml": (None, JoinMethod.NONE)}
    assert [d.code for d in joined.diagnostics] == ["D302"]


def test_same_stem(make_site):
    joined = joined_for(make_site, {"story.yaml": "title: Three\n", "story.txt": "Stem body.\n"})
    assert methods(joined) == {"story.yaml": ("story.txt", JoinMethod.SAME_STEM)}


def test_content_match_on_excerpt(make_site):
    joined = joined_for(make_site, {
        "001_rec.txt": record(title="Cameras paused", excerpt=OPENING),
        "000_body.txt": OPENING + "\nA second paragraph.\n",
        "002_other.txt": "Something else entirely, about the weather and the sea and boats.\n",
    })
    assert methods(joined) == {"001_rec.txt": ("000_body.txt", JoinMethod.CONTENT)}
    assert [b.source for b in joined.orphan_bodies] == ["002_other.txt"]
    assert [d.code for d in joined.diagnostics] == ["D301"]


def test_seeds_join_as_documented(seed_site):
    joined = join(load(seed_site.content, seed_site.max_file_size))
    assert methods(joined) == {
        "001_b0f9f3c565d07077.txt": ("000_d987c4a45951b739.txt", JoinMethod.CONTENT),
        "003_0dfa9dda0334464e.txt": (None, JoinMethod.NONE),
    }
    assert sorted(b.source for b in joined.orphan_bodies) == [
        "002_4f2a3c57780c1f91.txt", "004_bc5b8f5cbbe1641f.txt"]


def test_record_matching_two_bodies_equally_is_reported_not_guessed(make_site):
    joined = joined_for(make_site, {
        "r.txt": record(title="Cameras paused", excerpt=OPENING),
        "b1.txt": OPENING + "\nFirst version.\n",
        "b2.txt": OPENING + "\nSecond version.\n",
    })
    assert methods(joined) == {"r.txt": (None, JoinMethod.NONE)}
    assert "D305" in [d.code for d in joined.diagnostics]


def test_body_claimed_by_two_records_equally_joins_neither(make_site):
    joined = joined_for(make_site, {
        "r1.txt": record(title="Cameras paused", excerpt=OPENING, url="https://a.example/1"),
        "r2.txt": record(title="Cameras halted", excerpt=OPENING, url="https://a.example/2"),
        "b.txt": OPENING + "\n",
    })
    assert all(method is JoinMethod.NONE for _, method in methods(joined).values())
    assert "D306" in [d.code for d in joined.diagnostics]


def test_dateline_breaks_a_tie_between_bodies(make_site):
    joined = joined_for(make_site, {
        "r.txt": record(title="Cameras paused", excerpt=OPENING, date="2020-06-10T08:00:00Z"),
        "b1.txt": " date 2019-01-01 " + OPENING + "\n",
        "b2.txt": " date 2020-06-10 " + OPENING + "\n",
    })
    assert methods(joined) == {"r.txt": ("b2.txt", JoinMethod.CONTENT)}


def test_a_body_joined_by_stem_is_not_matched_again_by_content(make_site):
    joined = joined_for(make_site, {
        "x.yaml": f'title: By stem\nexcerpt: "{OPENING}"\n',
        "x.txt": OPENING + "\n",
        "y.txt": record(title="By content", excerpt=OPENING, url="https://a.example/y"),
    })
    assert methods(joined) == {"x.yaml": ("x.txt", JoinMethod.SAME_STEM),
                               "y.txt": (None, JoinMethod.NONE)}


def test_many_records_each_find_their_own_body(make_site):
    """Three hundred similar records: the index keeps each to the body that shares its opening."""
    files = {}
    for i in range(300):
        text = f"Report number {i} opens with words unique to it, then continues at length."
        files[f"r{i:03}.yaml"] = f'title: Report {i}\nexcerpt: "{text}"\n'
        files[f"b{i:03}.txt"] = text + "\nMore.\n"
    joined = joined_for(make_site, files)
    assert all(a.method is JoinMethod.CONTENT and a.body.source == "b" + a.record.source[1:4] + ".txt"
               for a in joined.articles)


def test_common_prefix_agrees_with_comparing_character_by_character():
    rng = random.Random(5)
    for _ in range(3000):
        a = "".join(rng.choice("ab é") for _ in range(rng.randint(0, 12)))
        b = a[:rng.randint(0, len(a))] + "".join(rng.choice("ab é") for _ in range(rng.randint(0, 4)))
        expected = next((n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                        min(len(a), len(b)))
        assert _common_prefix(a, b) == expected, (a, b)


def test_a_join_with_unchanged_keys_equals_a_fresh_one(make_site):
    """The last pairing is reused while the records' and bodies' keys are equal."""
    story = OPENING + "\n" + "The review will report in the spring. " * 12 + "\n"
    config = make_site({
        "001_rec.txt": record(title="Cameras paused", excerpt=OPENING),
        "000_body.txt": story,
        "002_other.txt": "Something else entirely, about the weather and the sea and boats.\n",
    })
    join(load(config.content, config.max_file_size))
    # Past the opening, which is all the join reads of a body.
    (config.content / "000_body.txt").write_text(story + "An edited last paragraph.\n")
    loaded = load(config.content, config.max_file_size)
    reused = join(loaded)
    join(replace(loaded, bodies=()))  # anything else in between: the next join starts afresh
    assert reused == join(loaded)
    assert "edited" in reused.articles[0].body.text  # the current body, not the last one's


def test_a_changed_opening_is_matched_again(make_site):
    config = make_site({
        "001_rec.txt": record(title="Cameras paused", excerpt=OPENING),
        "000_body.txt": OPENING + "\n",
    })
    assert methods(join(load(config.content, config.max_file_size))) == {
        "001_rec.txt": ("000_body.txt", JoinMethod.CONTENT)}
    (config.content / "000_body.txt").write_text("A different story altogether, about boats.\n")
    joined = join(load(config.content, config.max_file_size))
    assert methods(joined) == {"001_rec.txt": (None, JoinMethod.NONE)}
    assert [d.code for d in joined.diagnostics] == ["D301"]


SECOND = "Officials said the cameras would stay off until the review reports in the spring."


def test_an_excerpt_that_only_half_matches_is_not_a_match(make_site):
    """A record with no body whose excerpt's first sentence opens an orphan body, the second
    sentence differing: not joined."""
    joined = joined_for(make_site, {
        "r.txt": record(title="Cameras paused", excerpt=f"{OPENING} {SECOND}"),
        "orphan.txt": OPENING + "\nA different second sentence, about a different story.\n",
    })
    assert methods(joined) == {"r.txt": (None, JoinMethod.NONE)}
    assert [d.code for d in joined.diagnostics] == ["D301"]


def test_an_excerpt_truncated_by_its_outlet_still_matches(make_site):
    for cut in (f"{OPENING} Officials said the cam…", f"{OPENING} Officials said the cam...",
                f"{OPENING} Officials said the cam", f"{OPENING} Officials said …"):
        joined = joined_for(make_site, {"r.txt": record(title="Cameras paused", excerpt=cut),
                                        "b.txt": f"{OPENING}\n{SECOND}\n"})
        assert methods(joined) == {"r.txt": ("b.txt", JoinMethod.CONTENT)}, cut


def test_case_spaces_quotes_dashes_entities_and_mojibake_do_not_count(make_site):
    body = ("The council\u2019s vote \u2014 on Tuesday \u2014 paused the \u201ccameras\u201d in "
            "the city centre.")
    excerpt = "THE COUNCIL&#39;S  VOTE -- ON TUESDAY -- PAUSED THE \\\"CAMERAS\\\" IN THE CITY CENTRE."
    joined = joined_for(make_site, {
        "r.txt": record(title="Cameras paused", excerpt=excerpt),
        "b.txt": body.encode().decode("cp1252", errors="replace") + "\n",
    })
    assert methods(joined) == {"r.txt": ("b.txt", JoinMethod.CONTENT)}


def test_a_title_alone_never_joins(make_site):
    joined = joined_for(make_site, {
        "r.txt": record(title="The council voted on Tuesday to pause the rollout of cameras"),
        "b.txt": OPENING + "\n",
    })
    assert methods(joined) == {"r.txt": (None, JoinMethod.NONE)}


def test_an_excerpt_longer_than_the_kept_opening_matches_all_that_is_kept(make_site):
    long = " ".join([OPENING, SECOND] * 4)  # past the 400 characters kept of a body
    other = " ".join([SECOND, OPENING] * 4)
    joined = joined_for(make_site, {
        "r.txt": record(title="Cameras paused", excerpt=long),
        "b.txt": long + "\nMore.\n",
        "r2.txt": record(title="Cameras off", excerpt=other, url="https://a.example/2"),
        "short.txt": other[:300] + "\n",  # all of this body, shorter than r2's excerpt
    })
    assert methods(joined) == {"r.txt": ("b.txt", JoinMethod.CONTENT),
                               "r2.txt": (None, JoinMethod.NONE)}


def test_a_tie_is_resolved_by_elimination(make_site):
    """r2's excerpt opens both bodies; r1's only b1, which is r1's: so b2 is r2's."""
    joined = joined_for(make_site, {
        "r1.txt": record(title="One", excerpt=f"{OPENING} {SECOND}", url="https://a.example/1"),
        "r2.txt": record(title="Two", excerpt=OPENING, url="https://a.example/2"),
        "b1.txt": f"{OPENING}\n{SECOND}\n",
        "b2.txt": f"{OPENING}\nThe rest of another story.\n",
    })
    assert methods(joined) == {"r1.txt": ("b1.txt", JoinMethod.CONTENT),
                               "r2.txt": ("b2.txt", JoinMethod.CONTENT)}
    assert joined.diagnostics == ()


def test_a_syndicated_story_is_reported_not_guessed(make_site):
    joined = joined_for(make_site, {
        "r1.txt": record(title="One", excerpt=OPENING, url="https://a.example/1"),
        "r2.txt": record(title="Two", excerpt=OPENING, url="https://b.example/2"),
        "b1.txt": f"{OPENING}\nOne outlet's ending.\n",
        "b2.txt": f"{OPENING}\nAnother outlet's ending.\n",
    })
    assert all(method is JoinMethod.NONE for _, method in methods(joined).values())
    assert sorted(d.code for d in joined.diagnostics) == ["D301", "D301", "D305", "D305"]


def test_a_dateline_rules_a_body_out_but_never_picks_one(make_site):
    """An agreeing dateline is no reason to prefer a body whose date is unknown."""
    joined = joined_for(make_site, {
        "r.txt": record(title="Cameras paused", excerpt=OPENING, date="2020-06-10T08:00:00Z"),
        "b1.txt": OPENING + "\n",
        "b2.txt": " date 2020-06-10 " + OPENING + "\n",
    })
    assert methods(joined) == {"r.txt": (None, JoinMethod.NONE)}
    assert "D305" in [d.code for d in joined.diagnostics]
