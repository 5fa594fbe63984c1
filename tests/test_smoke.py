from digest.build import build


def test_seed_site_builds(seed_site):
    built = build(seed_site)
    assert len(built.checked.site.order) == 2
