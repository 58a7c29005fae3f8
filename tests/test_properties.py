"""Property-based tests of the methodology: invariants that hold for any dataset."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from influence_lib.dataset import Dataset
from influence_lib.ranking import rank_directions, rank_members, top_n
from influence_lib.scoring import score_directions, score_members, score_posts, sector_scope
from influence_lib.settings import DatasetSettings, Period
from influence_lib.validation import ValidationReport
from tests.helpers import SETTINGS

PERIOD = Period(start="2020-06-01", end="2021-06-01")
STAMPS = pd.date_range("2020-05-01", "2021-07-01", freq="h", tz="UTC")
NAMES = ["Alpha", "alpha", "Écho", "Echo", "Delta", "Gamma", "Zoé", "zoe"]


@st.composite
def datasets(draw):
    """A random small dataset: organisations (some without members), members (some without accounts), posts."""
    n_orgs = draw(st.integers(1, 6))
    n_members = draw(st.integers(0, 10))
    n_accounts = draw(st.integers(0, 12)) if n_members else 0
    n_posts = draw(st.integers(0, 40)) if n_accounts else 0
    orgs = pd.DataFrame({
        "org_id": [f"o{i}" for i in range(n_orgs)],
        "name": [draw(st.sampled_from(NAMES)) for _ in range(n_orgs)],
        "sector": "sante",
        "segment": [draw(st.sampled_from(["labo", "medtech"])) for _ in range(n_orgs)],
        "country": "FR",
    })
    members = pd.DataFrame({
        "member_id": [f"m{i}" for i in range(n_members)],
        "org_id": [f"o{draw(st.integers(0, n_orgs - 1))}" for _ in range(n_members)],
        "full_name": [draw(st.sampled_from(NAMES)) for _ in range(n_members)],
        "role": "CEO", "role_category": "ceo", "gender": "f",
    })
    accounts = pd.DataFrame({
        "account_id": [f"a{i}" for i in range(n_accounts)],
        "member_id": [f"m{draw(st.integers(0, n_members - 1))}" for _ in range(n_accounts)],
        "platform": [draw(st.sampled_from(["linkedin", "twitter"])) for _ in range(n_accounts)],
        "handle": "h", "followers": pd.array([None] * n_accounts, dtype="Int64"),
    })
    count = st.one_of(st.none(), st.integers(0, 50))
    posts = pd.DataFrame({
        "post_id": [f"p{i}" for i in range(n_posts)],
        "account_id": [f"a{draw(st.integers(0, n_accounts - 1))}" for _ in range(n_posts)],
        "published_at": [STAMPS[draw(st.integers(0, len(STAMPS) - 1))] for _ in range(n_posts)],
        "kind": [draw(st.sampled_from(["original", "original", "quote", "repost", "reply"])) for _ in range(n_posts)],
        "format": "text",
        **{m: pd.array([draw(count) for _ in range(n_posts)], dtype="Int64") for m in ("likes", "comments", "shares", "quotes")},
        "impressions": pd.array([None] * n_posts, dtype="Int64"), "text": "", "url": "",
    })
    posts["published_at"] = pd.to_datetime(posts["published_at"], utc=True).astype("datetime64[us, UTC]")
    return orgs, members, accounts, posts


def make(orgs, members, accounts, posts) -> Dataset:
    report = ValidationReport(problems=pd.DataFrame(), counts=pd.DataFrame(), rejected=pd.DataFrame())
    return Dataset(path=None, settings=DatasetSettings.model_validate(SETTINGS), organizations=orgs, members=members,
                   accounts=accounts, posts=posts, files={}, report=report)


def rank_all(dataset: Dataset):
    orgs, members, _ = sector_scope(dataset, "sante")
    member_scores = score_members(members, score_posts(dataset, "sante", PERIOD))
    return rank_directions(score_directions(orgs, member_scores)), rank_members(member_scores)


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(datasets())
def test_direction_engagement_is_the_sum_of_its_members(tables):
    directions, members = rank_all(make(*tables))
    sums = members.groupby("org_id")["engagement"].sum()
    for row in directions.itertuples():
        assert row.engagement == sums.get(row.org_id, 0)
        assert row.posts == members.loc[members["org_id"] == row.org_id, "posts"].sum()
    assert directions["engagement"].sum() == members["engagement"].sum()


@FAST
@given(datasets(), st.randoms(use_true_random=False))
def test_rankings_do_not_depend_on_row_order(tables, rnd):
    first = rank_all(make(*tables))
    shuffled = [t.sample(frac=1, random_state=rnd.randint(0, 2**31)).reset_index(drop=True) for t in tables]
    second = rank_all(make(*shuffled))
    for a, b in zip(first, second):
        pd.testing.assert_frame_equal(a, b, check_dtype=False)


@FAST
@given(datasets(), st.sampled_from(["repost", "reply", "before", "at_end"]), st.integers(0, 10_000))
def test_a_repost_reply_or_post_outside_the_period_never_changes_a_score(tables, kind, likes):
    orgs, members, accounts, posts = tables
    if not len(accounts):
        return
    before = rank_all(make(orgs, members, accounts, posts))
    stamp = {"before": PERIOD.start - pd.Timedelta(seconds=1), "at_end": PERIOD.end}.get(kind, PERIOD.start)
    extra = pd.DataFrame({
        "post_id": ["extra"], "account_id": [accounts["account_id"].iloc[0]],
        "published_at": pd.Series([stamp]).astype("datetime64[us, UTC]"),
        "kind": [kind if kind in ("repost", "reply") else "original"], "format": ["text"],
        **{m: pd.array([likes], dtype="Int64") for m in ("likes", "comments", "shares", "quotes", "impressions")},
        "text": [""], "url": [""],
    })
    after = rank_all(make(orgs, members, accounts, pd.concat([posts, extra], ignore_index=True)))
    for a, b in zip(before, after):
        pd.testing.assert_frame_equal(a, b, check_dtype=False)


@FAST
@given(datasets(), st.integers(1, 8))
def test_top_n_keeps_every_row_ranked_n_or_better(tables, n):
    directions, members = rank_all(make(*tables))
    for ranking in (directions, members):
        top = top_n(ranking, n)
        assert len(top) == int((ranking["rank"] <= n).sum())
        assert (top["rank"] <= n).all()
        # every tie at the cut-off is kept: the first row left out is ranked strictly below N
        if len(top) < len(ranking):
            assert ranking["rank"].iloc[len(top)] > n


@FAST
@given(datasets())
def test_ranks_are_competition_ranks_in_display_order(tables):
    directions, _ = rank_all(make(*tables))
    scores = directions["score"].to_numpy()
    assert (np.diff(scores) <= 0).all()
    expected = [1 + int((scores > s).sum()) for s in scores]
    assert directions["rank"].tolist() == expected
