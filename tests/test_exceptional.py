"""Calibration of exceptional posts on generated data: few false alarms without outliers, planted posts found.

The generator writes datasets WITHOUT planted outliers (``outlier_share=0``); every sector and
edition is scored as the report scores it, and :func:`influence_lib.trends.exceptional_posts`
(default rule) must flag at most 1 tested post in 1,000. Then one post is added to each account
with at least 10 counted posts, at 50 times the account's median engagement: at least 80 % of
them must be found. The seeds checked here were not used to choose the thresholds.

Run as a module, ``python -m tests.test_exceptional`` prints the calibration study behind the
thresholds (seeds 1 to 20; about a minute): the numbers quoted in the docstring of
``exceptional_posts`` and in ``docs/report.md``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from influence_lib import synth, trends
from influence_lib.dataset import load_dataset
from influence_lib.scope import build_scope

CHECK_SEEDS = (synth.DEFAULT_SEED, 101, 202)  # the sample's seed (regenerated without outliers) and two others
STUDY_SEEDS = tuple(range(1, 21))             # the seeds of the calibration study (python -m tests.test_exceptional)
PLANTED_TIMES = 50                            # a planted post: 50 times its account's median engagement
PLANTED_MIN_POSTS = 10                        # ... in accounts with at least 10 counted posts
MAX_FALSE_ALARM_RATE = 0.001                  # at most 1 flagged post in 1,000 tested, without outliers
MIN_DETECTION_RATE = 0.80                     # at least 80 % of the planted posts found
FIRST_RULE = {"threshold": 3.5, "min_author_posts": 5, "min_times_usual": 2.0}  # the rule of the first version


def clean_scopes(folder: Path, seed: int, scale: float = 1.0) -> list[tuple[str, str, object]]:
    """(sector, edition, scored scope) of every sector and edition of a dataset generated without outliers."""
    synth.write_dataset(folder, scale=scale, seed=seed, outlier_share=0.0)
    dataset = load_dataset(folder)
    return [(sector, edition, build_scope(dataset, sector, dataset.settings.period(edition)))
            for sector in dataset.settings.sectors for edition in dataset.settings.editions]


def with_planted_posts(posts: pd.DataFrame, times: float = PLANTED_TIMES,
                       min_posts: int = PLANTED_MIN_POSTS) -> tuple[pd.DataFrame, np.ndarray]:
    """The posts plus one post per account having ``min_posts`` posts or more, at ``times`` its median engagement.

    The planted post copies the account's last post (author, platform, time, format) under a new
    id; its engagement is ``times`` the median engagement of the account's posts, rounded.
    Returns the posts and the ids of the planted ones.
    """
    accounts = posts["account_id"].astype("str")
    sizes = accounts.map(accounts.value_counts())
    medians = posts["engagement"].groupby(accounts.to_numpy()).median()
    chosen = posts.loc[(sizes >= min_posts).to_numpy()].drop_duplicates("account_id", keep="last")
    planted = chosen.copy()
    planted["post_id"] = [f"planted-{i}" for i in range(len(planted))]
    level = np.round(times * medians.reindex(chosen["account_id"].astype("str").to_numpy()).to_numpy())
    planted["engagement"] = level.astype(posts["engagement"].dtype)
    return pd.concat([posts, planted], ignore_index=True), planted["post_id"].to_numpy()


def false_alarms(scope, **rule) -> tuple[int, int]:
    """(posts flagged, posts tested) by ``exceptional_posts`` on a scope without outliers."""
    posts = scope.current.posts
    flagged = trends.exceptional_posts(posts, scope.members, scope.organizations, **rule)
    min_others = rule.get("min_author_posts", trends.EXCEPTIONAL_MIN_OTHERS)
    tested = int((trends.score_against_author(posts, min_author_posts=min_others)["author_posts"] >= min_others).sum())
    return len(flagged), tested


def detections(scope, **rule) -> tuple[int, int]:
    """(planted posts found, posts planted) by ``exceptional_posts`` (see :func:`with_planted_posts`)."""
    posts, planted = with_planted_posts(scope.current.posts)
    flagged = trends.exceptional_posts(posts, scope.members, scope.organizations, **rule)
    return int(np.isin(planted, flagged["post_id"].to_numpy()).sum()), len(planted)


@pytest.fixture(scope="module")
def scopes(tmp_path_factory) -> list:
    """Scored scopes of the datasets generated without outliers, for the seeds checked (about 8 s)."""
    found = []
    for seed in CHECK_SEEDS:
        found += clean_scopes(tmp_path_factory.mktemp(f"clean-{seed}"), seed)
    return found


def test_without_planted_outliers_at_most_one_post_in_1000_is_flagged(scopes):
    flagged, tested = map(sum, zip(*(false_alarms(scope) for _, _, scope in scopes)))
    assert tested >= 50_000  # enough tested posts for a rate of 1 in 1,000 to mean something (about 50 expected)
    assert flagged / tested <= MAX_FALSE_ALARM_RATE, f"{flagged} of {tested} posts flagged without any outlier"


def test_the_first_rule_fails_the_calibration(scopes):
    # the check can fail: the first version's rule flags about 1 post in 90 of the same data
    flagged, tested = map(sum, zip(*(false_alarms(scope, **FIRST_RULE) for _, _, scope in scopes)))
    assert flagged / tested > 10 * MAX_FALSE_ALARM_RATE


def test_posts_planted_at_50_times_the_authors_median_are_found(scopes):
    found, planted = map(sum, zip(*(detections(scope) for _, _, scope in scopes)))
    assert planted >= 2_000
    assert found / planted >= MIN_DETECTION_RATE, f"{found} of {planted} planted posts found"


def test_a_planted_post_is_found_and_listed_by_its_multiple(scopes):
    _, _, scope = next(item for item in scopes if item[:2] == ("sante", "2021"))
    posts, planted = with_planted_posts(scope.current.posts)
    listed = trends.exceptional_posts(posts, scope.members, scope.organizations)
    assert listed["times_usual"].is_monotonic_decreasing
    assert (listed["times_usual"] >= trends.EXCEPTIONAL_TIMES).all()
    assert (listed["robust_z"] >= trends.EXCEPTIONAL_Z).all()
    assert (listed["author_posts"] >= trends.EXCEPTIONAL_MIN_OTHERS).all()
    found = listed.loc[listed["post_id"].isin(planted)]
    assert len(found) >= MIN_DETECTION_RATE * len(planted)
    for _, row in found.head(20).iterrows():  # the usual level is the median of the account's other posts
        account = posts.loc[posts["post_id"] == row["post_id"], "account_id"].iloc[0]
        others = posts.loc[(posts["account_id"] == account) & (posts["post_id"] != row["post_id"]), "engagement"]
        assert row["author_posts"] == len(others)
        assert row["usual_engagement"] == pytest.approx(np.median(others))
        assert row["engagement"] >= trends.EXCEPTIONAL_TIMES * np.median(others)
        assert row["times_usual"] == pytest.approx((row["engagement"] + 1) / (row["usual_engagement"] + 1))


# --- the generator's outlier parameter -------------------------------------------------------------

def test_outlier_share_zero_changes_only_the_planted_outliers():
    default = synth.generate_dataset(scale=0.05, seed=3)
    clean = synth.generate_dataset(scale=0.05, seed=3, outlier_share=0.0)
    for name in ("organizations", "members", "accounts"):
        pd.testing.assert_frame_equal(default[name], clean[name])
    same = ["post_id", "account_id", "published_at", "kind", "format", "text", "url"]
    pd.testing.assert_frame_equal(default["posts"][same], clean["posts"][same])

    def level(tables):
        counts = tables["posts"][["likes", "comments", "shares", "quotes"]].astype("float").fillna(0)
        return counts.sum(axis=1).to_numpy()

    ratio = (level(default) + 1) / (level(clean) + 1)
    # the default plants about 1 post in 500 at 20 to 50 times its level; without them, totals
    # are calibrated the same, so every other post is only slightly higher
    assert (ratio > 10).sum() >= 1
    assert np.median(ratio) == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize("share", [-0.1, 1.5, float("nan")])
def test_outlier_share_outside_0_1_is_refused(share):
    with pytest.raises(ValueError, match="outlier_share must be between 0 and 1"):
        synth.generate_dataset(scale=0.01, outlier_share=share)


# --- the calibration study (python -m tests.test_exceptional) --------------------------------------

def _study_rows(scope, sector: str, edition: str, seed: int) -> pd.DataFrame:
    """Scores of every post (no outliers) and of the planted posts, for the threshold grid."""
    posts = scope.current.posts
    clean = trends.score_against_author(posts, min_author_posts=0).assign(planted=False)
    with_planted, planted = with_planted_posts(posts)
    scored = trends.score_against_author(with_planted, min_author_posts=0)
    scored = scored.loc[np.isin(scored["post_id"].to_numpy(), planted)].assign(planted=True)
    return pd.concat([clean, scored], ignore_index=True).assign(sector=sector, edition=edition, seed=seed)


def calibration_study(seeds=STUDY_SEEDS, scale: float = 1.0) -> pd.DataFrame:
    """False-alarm and detection rates of a grid of rules, on datasets generated without outliers."""
    rows = []
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            rows += [_study_rows(scope, sector, edition, seed) for sector, edition, scope in clean_scopes(Path(tmp), seed, scale)]
    scores = pd.concat(rows, ignore_index=True)
    grid = [(min_others, z, times) for min_others in (5, 10) for z in (0.0, 3.0, 3.5, 4.0) for times in (2.0, 10.0, 20.0)]
    grid.append((FIRST_RULE["min_author_posts"], FIRST_RULE["threshold"], FIRST_RULE["min_times_usual"]))
    out = []
    for min_others, z, times in dict.fromkeys(grid):
        tested = scores["author_posts"] >= min_others
        flagged = tested & (scores["robust_z"] >= z) & (scores["times_usual"] >= times)
        null, planted = ~scores["planted"], scores["planted"]
        per_seed = (flagged & null).groupby(scores["seed"]).sum() / (tested & null).groupby(scores["seed"]).sum()
        out.append({"min_others": min_others, "z": z, "times": times, "tested": int((tested & null).sum()),
                    "false_alarms_per_1000": 1000 * (flagged & null).sum() / (tested & null).sum(),
                    "per_seed_min": 1000 * per_seed.min(), "per_seed_max": 1000 * per_seed.max(),
                    "planted": int(planted.sum()), "detection": (flagged & planted).sum() / planted.sum()})
    return pd.DataFrame(out)


def detection_by_size(seeds=STUDY_SEEDS, scale: float = 1.0) -> pd.DataFrame:
    """Detection rate of the default rule by the planted post's number of other posts."""
    rows = []
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            for _, _, scope in clean_scopes(Path(tmp), seed, scale):
                posts, planted = with_planted_posts(scope.current.posts)
                scores = trends.score_against_author(posts).set_index("post_id").loc[planted]
                flagged = np.isin(planted, trends.exceptional_posts(posts, scope.members, scope.organizations)["post_id"])
                rows.append(pd.DataFrame({"others": scores["author_posts"].to_numpy(), "found": flagged,
                                          "median_zero": scores["usual_engagement"].to_numpy() == 0}))
    found = pd.concat(rows, ignore_index=True)
    size = pd.cut(found["others"], [9, 14, 19, 29, 49, 10**9], labels=["10-14", "15-19", "20-29", "30-49", "50+"])
    return found.groupby(size, observed=True).agg(planted=("found", "size"), found=("found", "mean"),
                                                   median_zero=("median_zero", "sum"))


if __name__ == "__main__":
    pd.set_option("display.width", 160)
    print(calibration_study().round(3).to_string(index=False))
    print()
    print(detection_by_size().round(3).to_string())
