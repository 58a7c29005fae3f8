"""Rank intervals: a clear leader is certain, close Directions overlap, the seed fixes the result."""

from __future__ import annotations

import pandas as pd
import pytest

from influence_lib.ranking import rank_directions
from influence_lib.uncertainty import rank_intervals


def _scope():
    members = pd.DataFrame({"member_id": ["m1", "m2", "m3", "m4"], "org_id": ["big", "a", "b", "solo"]})
    # big: 20 posts of 100; a and b: 20 posts of 10 each (same score); solo: no post
    posts = pd.DataFrame({
        "member_id": ["m1"] * 20 + ["m2"] * 20 + ["m3"] * 20,
        "engagement": [100] * 20 + [10] * 20 + [10] * 20,
    })
    directions = pd.DataFrame({"org_id": ["big", "a", "b", "solo"], "name": ["Big", "A", "B", "Solo"], "segment": "x",
                               "score": [2000, 200, 200, 0], "engagement": [2000, 200, 200, 0], "posts": [20, 20, 20, 0],
                               "active_members": [1, 1, 1, 0], "members": 1})
    return rank_directions(directions), posts, members


def test_clear_leader_is_certain_and_equal_directions_overlap():
    ranking, posts, members = _scope()
    intervals = rank_intervals(ranking, posts, members, seed=1, n_boot=400).set_index("org_id")
    assert tuple(intervals.loc["big", ["rank_low", "rank_high"]]) == (1, 1)
    assert tuple(intervals.loc["solo", ["rank_low", "rank_high"]]) == (4, 4)
    for org in ("a", "b"):
        assert tuple(intervals.loc[org, ["rank_low", "rank_high"]]) == (2, 3)
    assert intervals["rank"].tolist() == ranking["rank"].tolist()


def test_same_seed_same_intervals():
    ranking, posts, members = _scope()
    first = rank_intervals(ranking, posts, members, seed=7, n_boot=200)
    pd.testing.assert_frame_equal(first, rank_intervals(ranking, posts, members, seed=7, n_boot=200))


def test_interval_contains_the_observed_rank_on_the_sample():
    from influence_lib import sections
    from influence_lib.parameters import SegmentParameters

    ctx = sections.open_section(SegmentParameters(segment="e-sante"))
    ranking, _ = sections.segment_ranking(ctx, "e-sante", 20)
    with_intervals = sections.add_rank_intervals(ctx, ranking, "e-sante", seed=3, n_boot=300)
    assert (with_intervals["rank_low"] <= with_intervals["rank_high"]).all()
    assert (with_intervals["rank_low"] >= 1).all()
    inside = (with_intervals["rank_low"] <= with_intervals["rank"]) & (with_intervals["rank"] <= with_intervals["rank_high"])
    assert inside.mean() >= 0.9


def test_bad_settings():
    ranking, posts, members = _scope()
    with pytest.raises(ValueError):
        rank_intervals(ranking, posts, members, seed=1, level=1.5)
    with pytest.raises(ValueError):
        rank_intervals(ranking, posts, members, seed=1, n_boot=0)
