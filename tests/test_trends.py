"""Trends primitives on tiny hand-made frames whose answers are computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from influence_lib import trends
from influence_lib.ranking import rank_members
from influence_lib.scope import build_scope
from influence_lib.scoring import score_members, score_posts
from influence_lib.settings import Period

POST_COLUMNS = ["post_id", "account_id", "member_id", "org_id", "platform", "published_at", "format", "text",
                "engagement"]


def make_posts(rows) -> pd.DataFrame:
    """Scored posts as score_posts returns them (UTC timestamps, integer engagement)."""
    frame = pd.DataFrame(rows, columns=POST_COLUMNS)
    frame["published_at"] = pd.to_datetime(frame["published_at"], utc=True)
    frame["engagement"] = frame["engagement"].astype("int64")
    return frame


def post(post_id, when, engagement, *, account="a1", member="m1", org="o1", platform="linkedin", fmt="text",
         text=None):
    return (post_id, account, member, org, platform, when, fmt, text, engagement)


@pytest.fixture
def members():
    return pd.DataFrame({
        "member_id": ["m1", "m2", "m3", "m4"],
        "org_id": ["o1", "o1", "o2", "o2"],
        "full_name": ["Zoé Martin", "Yann Petit", "Éric Durand", "Anne Roux"],
        "role": ["Directrice Générale", "Président", "CFO", "DRH"],
        "role_category": ["ceo", "chair", "finance", None],
        "gender": ["f", "m", "f", None],
    })


@pytest.fixture
def organizations():
    return pd.DataFrame({"org_id": ["o1", "o2"], "name": ["Gamma", "Écho"], "segment": ["labo", "labo"]})


Q1 = Period(start="2021-01-01", end="2021-04-01", edition="q1")


# --- months ---------------------------------------------------------------------------------------

def test_monthly_activity_shows_empty_months_and_reads_paris_months():
    posts = make_posts([
        post("p1", "2021-01-10T10:00:00Z", 5),
        post("p2", "2021-01-20T10:00:00Z", 3, account="a2", platform="twitter"),
        post("p3", "2021-01-31T23:30:00Z", 7),   # Sunday 23:30 UTC = Monday 1 February 00:30 in Paris
        post("p4", "2021-03-05T10:00:00Z", 4),
    ])
    monthly = trends.monthly_activity(posts, Q1)
    assert list(monthly.columns) == ["platform", "month", "month_index", "posts", "engagement"]
    assert list(monthly["platform"]) == ["linkedin"] * 3 + ["twitter"] * 3
    assert [str(m) for m in monthly["month"]] == ["2021-01", "2021-02", "2021-03"] * 2
    assert list(monthly["month_index"]) == [1, 2, 3] * 2
    assert list(monthly["posts"]) == [1, 1, 1, 1, 0, 0]
    assert list(monthly["engagement"]) == [5, 7, 4, 3, 0, 0]
    totals = trends.monthly_activity(posts, Q1, by=None)
    assert list(totals.columns) == ["month", "month_index", "posts", "engagement"]
    assert list(totals["engagement"]) == [8, 7, 4]


def test_last_hours_of_a_period_stay_in_its_last_month():
    # 2021-03-31T22:30Z is 1 April 00:30 in Paris (summer time): still counted in March, the last month.
    posts = make_posts([post("p1", "2021-03-31T22:30:00Z", 9)])
    monthly = trends.monthly_activity(posts, Q1, by=None)
    assert list(monthly["posts"]) == [0, 0, 1]


def test_monthly_activity_of_the_tiny_dataset_adds_up_to_the_edition(tiny):
    period = tiny.settings.period("2021")
    posts = score_posts(tiny, "sante", period)
    monthly = trends.monthly_activity(posts, period)
    assert len(monthly) == 24  # 12 months x (linkedin, twitter)
    assert monthly["engagement"].sum() == posts["engagement"].sum() == 325
    may = monthly.loc[(monthly["platform"] == "linkedin") & (monthly["month_index"] == 12)]
    assert may[["posts", "engagement"]].to_numpy().tolist() == [[2, 80]]  # p3 and p4, in Paris on 1 June


def test_monthly_activity_rejects_posts_outside_the_period():
    posts = make_posts([post("p1", "2021-04-01T00:00:00Z", 1)])
    with pytest.raises(ValueError, match="outside the period q1"):
        trends.monthly_activity(posts, Q1)


def test_compare_monthly_lines_up_month_indexes():
    previous_period = Period(start="2020-01-01", end="2020-03-01")
    current = trends.monthly_activity(make_posts([post("p1", "2021-02-02T10:00:00Z", 6)]), Q1)
    previous = trends.monthly_activity(make_posts([post("q1", "2020-02-10T10:00:00Z", 2)]), previous_period)
    compared = trends.compare_monthly(current, previous)
    linkedin = compared.loc[compared["platform"] == "linkedin"]
    assert [str(m) for m in linkedin["previous_month"].iloc[:2]] == ["2020-01", "2020-02"]
    assert linkedin["previous_engagement"].iloc[1] == 2
    assert pd.isna(linkedin["previous_posts"].iloc[2])  # the previous period had no third month


def test_missing_column_is_named():
    posts = make_posts([post("p1", "2021-01-10T10:00:00Z", 5)]).drop(columns="engagement")
    with pytest.raises(ValueError, match="posts lacks column engagement"):
        trends.monthly_activity(posts, Q1)


# --- formats --------------------------------------------------------------------------------------

@pytest.fixture
def format_posts():
    rows = [post(f"v{i}", "2021-01-04T10:00:00Z", e, fmt="video") for i, e in enumerate([10, 20, 30])]
    rows += [post(f"t{i}", "2021-01-04T10:00:00Z", e, fmt="text") for i, e in enumerate([1, 2, 3, 4])]
    rows += [post("i0", "2021-01-04T10:00:00Z", 5, fmt="image"), post("u0", "2021-01-04T10:00:00Z", 8, fmt=None)]
    return make_posts(rows)


def test_format_performance_medians_means_and_shares(format_posts):
    table = trends.format_performance(format_posts, seed=7, n_boot=200)
    assert list(table["format"]) == ["text", "image", "video", "unknown"]
    assert list(table["posts"]) == [4, 1, 3, 1]
    assert table["posts_share"].sum() == pytest.approx(1.0)
    assert list(table["median_engagement"]) == [2.5, 5.0, 20.0, 8.0]
    assert list(table["mean_engagement"]) == [2.5, 5.0, 20.0, 8.0]
    image = table.set_index("format").loc["image"]
    assert (image["median_low"], image["median_high"]) == (5.0, 5.0)  # one post: no spread


def test_format_bootstrap_is_deterministic_and_contains_the_median(format_posts):
    first = trends.format_performance(format_posts, seed=3, n_boot=500)
    again = trends.format_performance(format_posts, seed=3, n_boot=500)
    pd.testing.assert_frame_equal(first, again)
    assert (first["median_low"] <= first["median_engagement"]).all()
    assert (first["median_engagement"] <= first["median_high"]).all()
    video = first.set_index("format").loc["video"]
    assert 10 <= video["median_low"] < video["median_high"] <= 30


def test_format_intervals_are_the_documented_stream(format_posts):
    """Each format in the rows' order draws its resamples from one default_rng(seed): the intervals are reproducible by hand."""
    table = trends.format_performance(format_posts, seed=5, n_boot=300)
    rng = np.random.default_rng(5)
    values = format_posts["engagement"].to_numpy(dtype=float)
    keys = format_posts["format"].fillna("unknown").to_numpy()
    for fmt, low, high in zip(table["format"], table["median_low"], table["median_high"]):
        mine = values[keys == fmt]
        medians = np.median(mine[rng.integers(0, len(mine), size=(300, len(mine)))], axis=1)
        assert (low, high) == tuple(np.quantile(medians, [0.05, 0.95])), fmt


def test_format_comparison_leaves_unknown_and_small_formats_out(format_posts):
    table = trends.format_comparison(format_posts, seed=1, n_boot=100, min_posts=3)
    row = table.iloc[0]
    assert list(table.columns) == trends.COMPARISON_COLUMNS
    assert (row["comparison"], row["best"], row["runner_up"], row["groups"]) == ("format", "video", "text", 2)
    assert (row["best_median"], row["runner_up_median"], row["difference"]) == (20.0, 2.5, 17.5)
    assert row["min_posts"] == 3 and row["level"] == trends.CLAIM_LEVEL
    assert trends.format_comparison(format_posts, seed=1, n_boot=100, min_posts=4).empty  # text alone is left
    with pytest.raises(ValueError, match="posts lacks column member_id"):
        trends.format_comparison(format_posts.drop(columns="member_id"), seed=1)


# --- when -----------------------------------------------------------------------------------------

def test_heatmap_reads_paris_weekday_and_hour():
    posts = make_posts([
        post("p1", "2021-01-03T23:30:00Z", 10),  # Sunday 23:30 UTC -> Monday 00:30 in Paris (winter)
        post("p2", "2020-06-07T23:30:00Z", 30),  # Sunday 23:30 UTC -> Monday 01:30 in Paris (summer)
        post("p3", "2021-01-05T08:15:00Z", 4),   # Tuesday 09:15 in Paris
        post("p4", "2021-01-12T08:45:00Z", 8),   # Tuesday 09:45 in Paris
    ])
    heat = trends.posting_heatmap(posts)
    assert len(heat) == 168
    cell = heat.set_index(["weekday", "hour"])
    assert cell.loc[(0, 0), "posts"] == 1 and cell.loc[(0, 1), "posts"] == 1
    assert cell.loc[(6, 23), "posts"] == 0 and math.isnan(cell.loc[(6, 23), "median_engagement"])
    assert cell.loc[(1, 9), "posts"] == 2 and cell.loc[(1, 9), "median_engagement"] == 6.0
    assert heat["posts_share"].sum() == pytest.approx(1.0)
    grid = trends.heatmap_grid(heat)
    assert grid.shape == (7, 24) and grid.loc[0, 0] == 1 and grid.loc[1, 9] == 2  # codes: 0 = Monday
    from influence_lib.presentation import heatmap_view

    shown = heatmap_view(grid)
    assert shown.loc["lundi", 0] == 1 and shown.loc["mardi", 9] == 2
    medians = trends.heatmap_grid(heat, "median_engagement", min_posts=2)
    assert medians.loc[1, 9] == 6.0 and np.isnan(medians.loc[0, 0])  # one post: too few for a median
    assert trends.heatmap_grid(heat, "median_engagement").loc[0, 0] == 10.0
    best = trends.best_moments(heat, min_posts=1, n=2)
    assert best[["weekday", "hour"]].to_numpy().tolist() == [[0, 1], [0, 0]]
    assert list(trends.best_moments(heat, min_posts=2)["hour"]) == [9]
    hours = trends.posting_profile(posts, by="hour")
    assert len(hours) == 24 and hours.loc[9, "posts"] == 2
    assert len(trends.best_moments(heat)) == 0  # no slot has the report's minimum of posts


def test_moment_comparison_reads_paris_slots_and_parts_of_the_week():
    rows = [post(f"a{i}", f"2021-01-05T08:{i:02d}:00Z", 10 + i, member=f"m{i % 3}") for i in range(4)]  # Tue 9 h
    rows += [post(f"b{i}", f"2021-01-06T13:{i:02d}:00Z", 2, member=f"m{i % 3}") for i in range(4)]  # Wed 14 h
    rows += [post(f"c{i}", f"2021-01-09T09:{i:02d}:00Z", 1, member=f"m{i % 3}") for i in range(4)]  # Sat 10 h
    table = trends.moment_comparison(make_posts(rows), seed=2, n_boot=100, min_posts=4).set_index("comparison")
    assert list(table.index) == ["slot", "week", "day_part"]
    assert table.loc["slot", ["best", "runner_up", "groups"]].tolist() == [trends.slot_code(1, 9), "2-14", 3]
    assert table.loc["week", ["best", "runner_up", "best_median", "runner_up_median"]].tolist() == [
        "weekdays", "weekend", 6.0, 1.0]
    assert table.loc["day_part", ["best", "runner_up", "best_posts", "runner_up_posts"]].tolist() == [
        "morning", "afternoon", 8, 4]
    assert trends.moment_comparison(make_posts(rows), seed=2, n_boot=100, min_posts=5).empty  # no two groups of 5


# --- hashtags -------------------------------------------------------------------------------------

@pytest.fixture
def hashtag_posts():
    return make_posts([
        post("p1", "2021-01-04T10:00:00Z", 10, text="Bravo #Covid19 et encore #covid19 !"),
        post("p2", "2021-01-04T10:00:00Z", 20, member="m2", text="#covid19, #Santé."),
        post("p3", "2021-01-04T10:00:00Z", 30, text="#santé #sante"),
        post("p4", "2021-01-04T10:00:00Z", 40, text="C# et page#ancre, #123 &#39;"),
        post("p5", "2021-01-04T10:00:00Z", 0, text=None),
    ])


def test_hashtags_fold_case_keep_accents_and_count_posts_once(hashtag_posts):
    table = trends.hashtag_table(hashtag_posts)
    assert list(table["hashtag"]) == ["#covid19", "#santé", "#sante"]
    assert list(table["label"]) == ["#covid19", "#Santé", "#sante"]  # most written spelling; ties alphabetical
    assert list(table["posts"]) == [2, 2, 1]
    assert list(table["posts_share"]) == [0.4, 0.4, 0.2]
    assert list(table["authors"]) == [2, 2, 1]
    assert list(table["engagement"]) == [30, 50, 30]
    assert list(table["median_engagement"]) == [15.0, 25.0, 30.0]
    assert list(trends.hashtag_table(hashtag_posts, min_uses=2)["hashtag"]) == ["#covid19", "#santé"]


def test_decomposed_accents_are_the_same_hashtag():
    posts = make_posts([post("p1", "2021-01-04T10:00:00Z", 1, text="#sant\u00e9"),
                        post("p2", "2021-01-04T10:00:00Z", 1, text="#sante\u0301")])
    assert trends.hashtag_table(posts)[["hashtag", "posts"]].to_numpy().tolist() == [["#santé", 2]]


def test_extraction_equals_pandas_extractall_on_awkward_texts():
    texts = ["#Santé et #sante, #SANTÉ", "sante\u0301 #sante\u0301", "C# page#anchor &#39; #1 #2021_bilan #_x",
             "https://x.fr/#top #Vaccin! (#covid19)", None, "", "#a#b ##c #é🚀 #日本 #x_1", "pas de hashtag", "#"]
    posts = pd.DataFrame({"text": pd.Series(texts, dtype="str")})
    found = trends.extract_hashtags(posts)
    # the former implementation, kept here as the reference
    text = posts["text"].astype("str").where(posts["text"].notna().to_numpy(), "")
    matches = text.str.normalize("NFC").str.extractall(trends.HASHTAG_PATTERN)
    spelling = matches[0].astype("str")
    expected = pd.DataFrame({"row": matches.index.get_level_values(0).to_numpy(dtype=np.int64),
                             "hashtag": ("#" + spelling.str.casefold()).to_numpy(), "spelling": ("#" + spelling).to_numpy()})
    pd.testing.assert_frame_equal(found, expected, check_exact=True)
    assert len(found) > 10 and found["row"].is_monotonic_increasing
    none = trends.extract_hashtags(pd.DataFrame({"text": pd.Series(["rien", None], dtype="str")}))
    assert none.empty and list(none.columns) == ["row", "hashtag", "spelling"] and str(none["row"].dtype) == "int64"


def test_most_engaging_and_trending_hashtags(hashtag_posts):
    current = trends.hashtag_table(hashtag_posts)
    assert list(trends.most_engaging_hashtags(current, min_uses=2)["hashtag"]) == ["#santé", "#covid19"]
    previous = trends.hashtag_table(make_posts([
        post("q1", "2020-01-06T10:00:00Z", 1, text="#covid19 #vaccin"),
        post("q2", "2020-01-06T10:00:00Z", 1, text="#Covid19"),
    ]))
    moves = trends.hashtag_trends(current, previous, min_uses=1)
    assert list(moves["hashtag"]) == ["#santé", "#sante", "#vaccin", "#covid19"]  # largest fall last
    assert list(moves["share_change"]) == pytest.approx([0.4, 0.2, -0.5, -0.6])
    assert list(moves["trend"]) == ["rising", "rising", "falling", "falling"]
    assert list(moves["previous_posts"]) == [0, 0, 1, 2]
    assert list(trends.hashtag_trends(current, previous, min_uses=2)["hashtag"]) == ["#santé", "#covid19"]


# --- posts ----------------------------------------------------------------------------------------

def test_top_posts_break_ties_by_post_id_and_cut_excerpts_at_a_word(members, organizations):
    long_text = " ".join(["mot"] * 50)  # 199 characters
    posts = make_posts([
        post("p2", "2021-01-04T10:00:00Z", 50, text=long_text),
        post("p10", "2021-01-04T23:30:00Z", 50, member="m3", org="o2", fmt="video", text="Court   texte"),
        post("p3", "2021-01-04T10:00:00Z", 90),
        post("p4", "2021-01-04T10:00:00Z", 1),
    ])
    top = trends.top_posts(posts, members, organizations, n=3)
    assert list(top["post_id"]) == ["p3", "p10", "p2"]  # "p10" < "p2" as text
    assert list(top["rank"]) == [1, 2, 2]
    assert list(top["name"]) == ["Gamma", "Écho", "Gamma"]
    assert top.loc[1, "full_name"] == "Éric Durand" and top.loc[1, "format"] == "video"
    assert top.loc[1, "published_at"] == pd.Timestamp("2021-01-05 00:30", tz="Europe/Paris")
    assert top.loc[1, "excerpt"] == "Court texte"
    assert top.loc[2, "excerpt"] == " ".join(["mot"] * 35) + "\u2026"  # 139 characters, then "…"
    assert top.loc[0, "excerpt"] == ""


def test_exceptional_post_is_measured_against_the_authors_other_posts(members, organizations):
    usual = [10, 12, 9, 11, 10, 8, 13, 10, 11, 9]
    rows = [post(f"a{i}", "2021-01-04T10:00:00Z", e) for i, e in enumerate(usual)]
    rows.append(post("x1", "2021-01-05T10:00:00Z", 500))
    rows.append(post("x2", "2021-01-05T11:00:00Z", 150))  # 13.7 times the usual level: not enough
    # a big account: every post is big, none is exceptional for its author
    rows += [post(f"b{i}", "2021-01-04T10:00:00Z", e, account="a3", member="m3", org="o2")
             for i, e in enumerate([1000, 1100, 900, 1050, 950, 1020, 980, 1010, 990, 1030, 970])]
    rows += [post(f"c{i}", "2021-01-04T10:00:00Z", e, account="a4", member="m4", org="o2")
             for i, e in enumerate([1, 2, 1, 2, 1, 2, 1, 2, 1, 4000])]  # 9 other posts: too few
    rows += [post(f"d{i}", "2021-01-04T10:00:00Z", e, account="a5", member="m2", org="o1")
             for i, e in enumerate([1, 2, 1, 3, 1, 2, 2, 1, 3, 2, 900])]
    posts = make_posts(rows)
    scores = trends.score_against_author(posts).set_index("post_id")
    # leave-one-out: the usual level of x1 is the median of the eleven others, 10
    assert scores.loc["x1", "usual_engagement"] == pytest.approx(10.0)
    assert scores.loc["x1", "author_posts"] == 11
    assert scores.loc["x1", "times_usual"] == pytest.approx(501 / 11)
    mad = np.median(np.abs(np.log1p([10, 12, 9, 11, 10, 8, 13, 10, 11, 9, 150]) - math.log(11)))
    assert scores.loc["x1", "robust_z"] == pytest.approx(math.log(501 / 11) / (1.4826 * mad))
    assert math.isnan(scores.loc["c9", "robust_z"]) and math.isnan(scores.loc["c9", "times_usual"])
    assert scores.loc["c9", "author_posts"] == 9

    listed = trends.exceptional_posts(posts, members, organizations)
    # highest multiple first: d10 is 900 against a usual level of 2 (300 times), x1 45.5 times
    assert list(listed["post_id"]) == ["d10", "x1"]
    assert listed.loc[1, "times_usual"] == pytest.approx(501 / 11)
    assert listed.loc[0, "times_usual"] == pytest.approx(901 / 3)
    assert list(listed["full_name"]) == ["Yann Petit", "Zoé Martin"]
    assert list(trends.exceptional_posts(posts, members, organizations, min_times_usual=46)["post_id"]) == ["d10"]
    assert list(trends.exceptional_posts(posts, members, organizations, min_times_usual=13)["post_id"]) == [
        "d10", "x1", "x2"]
    assert "c9" in set(trends.exceptional_posts(posts, members, organizations, min_author_posts=9)["post_id"])
    top = trends.top_posts(posts, members, organizations, n=3)
    assert set(top["post_id"]) == {"b1", "b3", "c9"}  # the biggest posts are not the exceptional ones


def test_leave_one_out_scores_match_a_plain_loop():
    rng = np.random.default_rng(0)
    accounts = rng.integers(0, 6, size=200)
    engagement = rng.choice([0, 0, 1, 2, 3, 5, 8, 40, 300], size=200)  # many ties, some zeros
    posts = pd.DataFrame({"post_id": [f"p{i}" for i in range(200)], "account_id": [f"a{a}" for a in accounts],
                          "engagement": engagement})
    scores = trends.score_against_author(posts, min_author_posts=1)
    logs = np.log1p(engagement.astype(float))
    for i in range(200):
        others = logs[(accounts == accounts[i]) & (np.arange(200) != i)]
        center = np.median(others)
        mad = np.median(np.abs(others - center))
        scale = 1.4826 * mad if mad > 0 else 1.253314 * np.mean(np.abs(others - center))
        z = (logs[i] - center) / scale if scale > 0 else np.nan
        usual = np.median(engagement[(accounts == accounts[i]) & (np.arange(200) != i)])
        assert scores.loc[i, "usual_engagement"] == pytest.approx(usual)
        assert scores.loc[i, "times_usual"] == pytest.approx((engagement[i] + 1) / (usual + 1))
        assert scores.loc[i, "robust_z"] == pytest.approx(z, nan_ok=True)


# --- who ------------------------------------------------------------------------------------------

@pytest.fixture
def people_posts():
    return make_posts([
        post("p1", "2021-01-04T10:00:00Z", 10),
        post("p2", "2021-01-04T10:00:00Z", 20, account="a2", platform="twitter"),
        post("p3", "2021-01-04T10:00:00Z", 40, account="a3", member="m2"),
        post("p4", "2021-01-04T10:00:00Z", 30, account="a4", member="m3", org="o2"),
    ])


def test_role_breakdown(people_posts, members):
    roles = trends.role_breakdown(people_posts, members).set_index("group")
    assert list(roles.index) == ["ceo_chair", "other"]
    assert list(roles["members"]) == [2, 2] and list(roles["active_members"]) == [2, 1]
    assert list(roles["posts"]) == [3, 1] and list(roles["engagement"]) == [70, 30]
    assert list(roles["posts_share"]) == [0.75, 0.25]
    assert list(roles["engagement_share"]) == [0.7, 0.3]
    assert roles.loc["ceo_chair", "engagement_per_post"] == pytest.approx(70 / 3)
    for column in ("members_share", "posts_share", "engagement_share"):
        assert roles[column].sum() == pytest.approx(1.0)


def test_gender_breakdown_with_intervals(people_posts, members):
    ranking = rank_members(score_members(members, people_posts))  # m2 40, m1 30, m3 30, m4 0
    table = trends.gender_breakdown(people_posts, members, ranking, seed=11, n_boot=300, top=1)
    table = table.set_index("population")
    assert list(table.index) == ["members", "active_members", "top_members", "engagement"]
    assert list(table["base"]) == [3, 3, 1, 3]
    assert list(table["gender_unknown"]) == [1, 0, 0, 1]
    assert table["women_share"].tolist() == pytest.approx([2 / 3, 2 / 3, 0.0, 60 / 100])
    assert (table["women_share_low"] <= table["women_share"]).all()
    assert (table["women_share"] <= table["women_share_high"]).all()
    again = trends.gender_breakdown(people_posts, members, ranking, seed=11, n_boot=300, top=1)
    pd.testing.assert_frame_equal(table.reset_index(), again)
    ties = trends.gender_breakdown(people_posts, members, ranking, seed=11, n_boot=50, top=2)
    assert ties.set_index("population").loc["top_members", "base"] == 3  # m1 and m3 tie at rank 2
    # by default the Top N is the report's Top voices
    from influence_lib.parameters import TOP_VOICES

    default = trends.gender_breakdown(people_posts, members, ranking, seed=11, n_boot=50)
    pd.testing.assert_frame_equal(default, trends.gender_breakdown(people_posts, members, ranking, seed=11, n_boot=50,
                                                                   top=TOP_VOICES))


def test_platform_breakdown(people_posts):
    accounts = pd.DataFrame({"account_id": ["a1", "a2", "a3", "a4", "a5"],
                             "member_id": ["m1", "m1", "m2", "m3", "m4"],
                             "platform": ["linkedin", "twitter", "linkedin", "linkedin", "twitter"]})
    table = trends.platform_breakdown(people_posts, accounts).set_index("platform")
    assert list(table.index) == ["linkedin", "twitter"]
    assert list(table["accounts"]) == [3, 2] and list(table["active_accounts"]) == [3, 1]
    assert list(table["posts"]) == [3, 1] and list(table["engagement"]) == [80, 20]
    assert list(table["engagement_share"]) == [0.8, 0.2]
    assert table.loc["twitter", "engagement_per_post"] == 20.0


def test_contributions_and_concentration():
    scores = pd.DataFrame({
        "member_id": ["m1", "m2", "m3", "m4", "m5", "m6"],
        "full_name": ["A", "B", "C", "D", "E", "F"],
        "org_id": ["o1", "o1", "o2", "o2", "o2", "o3"],
        "engagement": [90, 10, 40, 30, 30, 0],
        "posts": [9, 1, 4, 3, 3, 0],
    })
    shares = trends.member_contributions(scores)
    assert shares["direction_share"].iloc[:5].tolist() == pytest.approx([0.9, 0.1, 0.4, 0.3, 0.3])
    assert list(shares["rank_in_direction"]) == [1, 2, 1, 2, 3, 1]
    assert shares.groupby("org_id")["direction_share"].sum().iloc[:2].tolist() == pytest.approx([1, 1])
    table = trends.direction_concentration(scores).set_index("org_id")
    assert table["herfindahl"].iloc[:2].tolist() == pytest.approx([0.82, 0.34])
    assert table.loc["o1", "top_member_share"] == pytest.approx(0.9)
    assert list(table["voice"].iloc[:2]) == ["one_voice", "collective"]
    assert pd.isna(table.loc["o3", "voice"]) and math.isnan(table.loc["o3", "herfindahl"])


def test_direction_profiles_follow_the_given_order(tiny):
    period = tiny.settings.period("2021")
    scope = build_scope(tiny, "sante", period)
    profiles = trends.direction_profiles(["o2", "o1"], scope.current.posts, scope.members, scope.organizations,
                                         period, member_scores=scope.current.members, n_posts=1)
    assert set(profiles) == {"members", "concentration", "platforms", "best_posts", "monthly"}
    for frame in profiles.values():
        assert list(dict.fromkeys(frame["org_id"])) == ["o2", "o1"]
    assert list(profiles["best_posts"]["post_id"]) == ["p3", "p1"]  # o2: p3 and p4 tie at 40
    assert profiles["concentration"]["voice"].tolist() == ["collective", "one_voice"]
    from influence_lib.presentation import concentration_table

    assert concentration_table(profiles["concentration"])["voice"].tolist() == ["un collectif", "une voix"]
    assert len(profiles["monthly"]) == 24
