"""Every rule of the default methodology (spec section 2) on a hand-made dataset with known answers."""

from __future__ import annotations

import pandas as pd
import pytest

from influence_lib.ranking import competition_rank, rank_directions, rank_members, top_n
from influence_lib.scope import build_ranking, build_scope, summarize
from influence_lib.scoring import score_posts
from influence_lib.settings import Methodology, Period


def _period(tiny, edition="2021"):
    return tiny.settings.period(edition)


def test_counted_posts_follow_kind_and_period_rules(tiny):
    posts = score_posts(tiny, "sante", _period(tiny))
    assert sorted(posts["post_id"]) == ["p1", "p10", "p11", "p2", "p3", "p4", "p5"]
    by_id = posts.set_index("post_id")["engagement"].to_dict()
    assert by_id == {"p1": 80, "p2": 10, "p3": 40, "p4": 40, "p5": 80, "p10": 70, "p11": 5}


def test_period_boundaries_to_the_second_and_offsets(tiny):
    period = Period(start="2021-05-31T23:59:59Z", end="2021-06-01T00:00:00Z")
    assert list(score_posts(tiny, "sante", period)["post_id"]) == ["p3"]
    # 2021-06-01T01:30+02:00 is 2021-05-31T23:30Z: inside 2021, not after its end
    period = Period(start="2021-05-31T23:30:00Z", end="2021-05-31T23:30:01Z")
    assert list(score_posts(tiny, "sante", period)["post_id"]) == ["p4"]


def test_naive_timestamp_is_utc(tiny):
    published = tiny.posts.set_index("post_id")["published_at"]
    assert published["p5"] == pd.Timestamp("2020-09-01T10:00:00Z")
    assert str(published.dtype) == "datetime64[us, UTC]"


def test_empty_kind_is_original_and_empty_count_adds_nothing(tiny):
    posts = score_posts(tiny, "sante", _period(tiny)).set_index("post_id")
    assert tiny.posts.set_index("post_id").loc["p5", "kind"] == "original"
    assert posts.loc["p10", "engagement"] == 70
    assert pd.isna(tiny.posts.set_index("post_id").loc["p10", "comments"])  # stays empty, never 0
    assert posts["has_empty_count"].sum() == 1


def test_direction_ranking_of_the_sector(tiny):
    ranking = build_ranking(tiny, "sante", _period(tiny))
    assert list(ranking.columns) == ["rank", "org_id", "name", "segment", "score", "engagement", "posts",
                                     "active_members", "members"]
    expected = pd.DataFrame({
        "rank": [1, 2, 2, 4, 5, 6],
        "org_id": ["o1", "o2", "o3", "o4", "o6", "o5"],
        "score": [90, 80, 80, 70, 5, 0],
        "posts": [2, 2, 1, 1, 1, 0],
        "active_members": [1, 2, 1, 1, 1, 0],
        "members": [2, 2, 1, 1, 1, 0],
    })
    pd.testing.assert_frame_equal(ranking[expected.columns].reset_index(drop=True), expected, check_dtype=False)


def test_top_n_keeps_ties_at_cut_off(tiny):
    assert list(build_ranking(tiny, "sante", _period(tiny), top=2)["org_id"]) == ["o1", "o2", "o3"]
    assert list(build_ranking(tiny, "sante", _period(tiny), top=1)["org_id"]) == ["o1"]
    assert list(build_ranking(tiny, "sante", _period(tiny), top=3)["org_id"]) == ["o1", "o2", "o3"]


def test_segment_ranking(tiny):
    ranking = build_ranking(tiny, "sante", _period(tiny), segment="medtech")
    assert ranking[["rank", "org_id", "score"]].values.tolist() == [[1, "o6", 5]]
    labo = build_ranking(tiny, "sante", _period(tiny), segment="labo")
    assert labo["rank"].tolist() == [1, 2, 2, 4, 5]


def test_member_ranking_with_two_platforms_and_no_account(tiny):
    ranking = build_ranking(tiny, "sante", _period(tiny), level="member")
    assert list(ranking.columns) == ["rank", "member_id", "full_name", "org_id", "score", "engagement", "posts"]
    assert ranking[["rank", "member_id", "score", "posts"]].values.tolist() == [
        [1, "m1", 90, 2],   # LinkedIn 80 + Twitter 10
        [2, "m5", 80, 1],
        [3, "m6", 70, 1],
        [4, "m4", 40, 1],   # Anne Roux before Éric Durand: equal scores by name
        [4, "m3", 40, 1],
        [6, "m7", 5, 1],
        [7, "m2", 0, 0],    # member without any account
    ]


def test_previous_edition_and_explicit_period(tiny):
    ranking = build_ranking(tiny, "sante", _period(tiny, "2020"))
    assert ranking[["org_id", "score"]].head(2).values.tolist() == [["o3", 1000], ["o4", 500]]
    explicit = build_ranking(tiny, "sante", Period(start="2021-01-01", end="2021-06-01"))
    assert explicit[["org_id", "score"]].head(2).values.tolist() == [["o2", 80], ["o1", 10]]


def test_summary_box(tiny):
    box = summarize(build_scope(tiny, "sante", _period(tiny)))
    assert box == {
        "sector": "sante", "edition": "2021", "organizations": 6, "members": 7,
        "linkedin": {"accounts": 6, "posts": 6, "engagement": 315},
        "twitter": {"accounts": 1, "posts": 1, "engagement": 10},
        "posts_with_empty_counts": 1,
    }


def test_metric_and_platform_weights(tiny):
    method = Methodology(name="pondéré", version="2", metric_weights={"likes": 2, "comments": 1, "shares": 1, "quotes": 1},
                         platform_weights={"linkedin": 1, "twitter": 0.5})
    ranking = build_ranking(tiny, "sante", _period(tiny), level="member", methodology=method)
    m1 = ranking.set_index("member_id").loc["m1"]
    assert m1["engagement"] == pytest.approx(130 + 7.5)


def test_per_member_normalisation(tiny):
    method = Methodology(name="par-membre", version=1, normalization="per_member")
    ranking = build_ranking(tiny, "sante", _period(tiny), methodology=method)
    assert ranking[["org_id", "score", "engagement"]].values.tolist()[:3] == [["o3", 80, 80], ["o4", 70, 70], ["o1", 45, 90]]


def test_competition_rank():
    assert competition_rank(pd.Series([90, 80, 80, 70])).tolist() == [1, 2, 2, 4]
    assert competition_rank(pd.Series([5, 5, 5])).tolist() == [1, 1, 1]


def test_display_order_among_ties_ignores_case_and_accents():
    frame = pd.DataFrame({
        "org_id": ["z9", "b2", "c3", "d4", "a1", "e5"],
        "name": ["Gamma", "Écho", "Delta", "alpha", "Gamma", "Zeta"],
        "segment": "labo", "score": [10, 10, 10, 10, 10, 10], "engagement": 10, "posts": 1,
        "active_members": [1, 1, 1, 1, 1, 2], "members": 2,
    })
    ranked = rank_directions(frame)
    # more active members first, then alpha < Delta < Écho < Gamma (case and accents ignored), then org_id
    assert ranked["org_id"].tolist() == ["e5", "d4", "c3", "b2", "a1", "z9"]
    assert ranked["rank"].tolist() == [1] * 6


def test_member_ties_by_name_then_id():
    frame = pd.DataFrame({
        "member_id": ["m3", "m2", "m1"], "full_name": ["Émile", "emile", "Bernard"],
        "org_id": "o", "score": [5, 5, 5], "engagement": 5, "posts": 1,
    })
    assert rank_members(frame)["member_id"].tolist() == ["m1", "m2", "m3"]


def test_top_n_rejects_non_positive():
    with pytest.raises(ValueError):
        top_n(pd.DataFrame({"rank": [1]}), 0)


# --- rank movements between editions -------------------------------------------------------------

def _ranking(ids, scores, names=None):
    return rank_directions(pd.DataFrame({
        "org_id": ids, "name": names or ids, "segment": "labo", "score": scores, "engagement": scores,
        "posts": 1, "active_members": 1, "members": 1}))


def test_rank_change_across_a_tie():
    from influence_lib.ranking import add_movements
    previous = _ranking(["a", "b", "c", "d"], [90, 80, 80, 70])   # ranks 1, 2, 2, 4
    current = _ranking(["a", "b", "c", "d"], [50, 90, 90, 95])     # d 1, b 2, c 2, a 4
    moved = add_movements(current, previous, "org_id").set_index("org_id")
    assert moved["previous_rank"].to_dict() == {"d": 4, "b": 2, "c": 2, "a": 1}
    assert moved["rank_change"].to_dict() == {"d": 3, "b": 0, "c": 0, "a": -3}
    assert moved["status"].to_dict() == {"d": "up", "b": "same", "c": "same", "a": "down"}


def test_entry_only_in_the_new_edition_is_new_and_top_n_entry_from_below_is_new():
    from influence_lib.ranking import add_movements, left_top
    previous = _ranking(["a", "b", "c"], [30, 20, 10])
    current = _ranking(["a", "c", "z"], [30, 25, 40])
    moved = add_movements(top_n(current, 2), previous, "org_id", top=2).set_index("org_id")
    assert pd.isna(moved.loc["z", "previous_rank"]) and moved.loc["z", "status"] == "new"
    assert moved.loc["a", "status"] == "down"                       # 1 -> 2
    assert moved.loc["z", "rank"] == 1
    full = add_movements(current, previous, "org_id").set_index("org_id")
    assert (full.loc["c", "rank_change"], full.loc["c", "status"]) == (0, "same")   # third in both editions
    gone = left_top(current, previous, "org_id", 2)
    assert gone["org_id"].tolist() == ["b"] and pd.isna(gone.loc[0, "current_rank"])


def test_no_previous_edition_gives_empty_movements(tiny):
    from influence_lib.scope import build_ranking_with_movements
    ranking, departures = build_ranking_with_movements(tiny, "sante", tiny.settings.period("2020"), None, top=2)
    assert ranking[["previous_rank", "rank_change", "status"]].isna().all().all()
    assert departures.empty


def test_post_exactly_at_the_previous_edition_end_belongs_to_the_current_one(tiny):
    from influence_lib.scope import build_ranking_with_movements
    # p1 is published at 2020-06-01T00:00:00Z: the end of 2020 (excluded), the start of 2021 (included)
    current, previous = tiny.settings.period("2021"), tiny.settings.period("2020")
    assert "p1" not in set(score_posts(tiny, "sante", previous)["post_id"])
    ranking, _ = build_ranking_with_movements(tiny, "sante", current, previous, level="member")
    m1 = ranking.set_index("member_id").loc["m1"]
    assert (m1["rank"], m1["previous_rank"], m1["status"]) == (1, 3, "up")
