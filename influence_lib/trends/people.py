"""Who speaks: leaders against other members, women and men, and the platforms."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence_lib.arrow import positions
from influence_lib.parameters import TOP_VOICES
from influence_lib.ranking import top_n
from influence_lib.settings import shown_platforms
from influence_lib.stats import bootstrap_statistic, check_bootstrap
from influence_lib.trends._common import (
    _codes,
    _divide,
    _like,
    _observed,
    _require,
    _values,
)

LEADER_ROLES = ("ceo", "chair")


def _member_totals(posts: pd.DataFrame, members: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    codes = _codes(posts["member_id"], members["member_id"], "posts by members absent from members")
    n = len(members)
    return (np.bincount(codes, minlength=n).astype(np.int64),
            np.bincount(codes, weights=_values(posts["engagement"]), minlength=n))


def role_breakdown(posts: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """CEOs and chairs (``role_category`` ceo or chair) against the other members.

    Members without a role category count among the others.

    Returns
    -------
    pandas.DataFrame
        Two rows, ``group`` ``ceo_chair`` then ``other``: ``members, members_share,
        active_members, posts, posts_share, engagement, engagement_share, engagement_per_post,
        engagement_per_member``.
    """
    _require(posts, ["member_id", "engagement"], "posts")
    _require(members, ["member_id", "role_category"], "members")
    n_posts, engagement = _member_totals(posts, members)
    group = np.where(members["role_category"].isin(LEADER_ROLES).to_numpy(dtype=bool), 0, 1)
    counts = np.bincount(group, minlength=2).astype(np.int64)
    active = np.bincount(group, weights=n_posts > 0, minlength=2).astype(np.int64)
    posts_by = np.bincount(group, weights=n_posts, minlength=2).astype(np.int64)
    eng_by = np.bincount(group, weights=engagement, minlength=2)
    return pd.DataFrame({
        "group": ["ceo_chair", "other"],
        "members": counts,
        "members_share": _divide(counts, counts.sum()),
        "active_members": active,
        "posts": posts_by,
        "posts_share": _divide(posts_by, posts_by.sum()),
        "engagement": _like(eng_by, posts["engagement"]),
        "engagement_share": _divide(eng_by, eng_by.sum()),
        "engagement_per_post": _divide(eng_by, posts_by),
        "engagement_per_member": _divide(eng_by, counts),
    })


def gender_breakdown(posts: pd.DataFrame, members: pd.DataFrame, member_ranking: pd.DataFrame, seed: int,
                     n_boot: int = 1000, level: float = 0.90, top: int = TOP_VOICES) -> pd.DataFrame:
    """Share of women among members, active members, the member Top N, and in engagement.

    Shares are taken among members whose gender is known (``f``, ``m`` or ``x``); the others
    are counted in ``gender_unknown``. Intervals resample members with replacement (the members
    of that row's population) with :func:`influence_lib.stats.bootstrap_statistic`, drawn from
    one ``numpy.random.default_rng(seed)`` stream in the rows' order.

    Parameters
    ----------
    posts : pandas.DataFrame
        Scored posts (``member_id``, ``engagement``).
    members : pandas.DataFrame
        The scope's members (``member_id``, ``gender``).
    member_ranking : pandas.DataFrame
        :func:`influence_lib.ranking.rank_members` of the same scope (``rank``, ``member_id``).
    seed : int
    n_boot : int
    level : float
        Coverage of the percentile intervals.
    top : int
        The Top N of the ranking (``rank <= top``, ties at the cut-off included): the report
        passes its Top voices size (:data:`influence_lib.parameters.TOP_VOICES`), so the row
        ``top_members`` is the Top voices the reader sees.

    Returns
    -------
    pandas.DataFrame
        Rows ``members``, ``active_members``, ``top_members``, ``engagement`` (``population``);
        ``measure`` (``members``: share of women among them; ``engagement``: women's share of
        the engagement of members of known gender), ``base`` (members of known gender), ``women``,
        ``women_share``, ``women_share_low``, ``women_share_high``, ``gender_unknown``.
    """
    _require(members, ["member_id", "gender"], "members")
    _require(member_ranking, ["rank", "member_id"], "member_ranking")
    check_bootstrap(n_boot, level)
    n_posts, engagement = _member_totals(posts, members)
    gender = members["gender"].astype(object).to_numpy()
    known = np.isin(gender, ["f", "m", "x"])
    woman = (gender == "f")
    in_top = np.zeros(len(members), dtype=bool)
    ranked = top_n(member_ranking, top)["member_id"]
    in_top[_codes(ranked, members["member_id"], "ranked members absent from members")] = True
    rng = np.random.default_rng(seed)
    rows = []
    populations = [("members", "members", np.ones(len(members), dtype=bool)),
                   ("active_members", "members", n_posts > 0),
                   ("top_members", "members", in_top),
                   ("engagement", "engagement", np.ones(len(members), dtype=bool))]
    for population, measure, mask in populations:
        base = mask & known
        w = woman[base].astype(float)
        # a share of members, or women's share of the engagement (a mean of 0/1 weighted by engagement)
        weights = engagement[base] if measure == "engagement" else None
        share = bootstrap_statistic(w, "share", seed=rng, n_boot=int(n_boot), level=level, weights=weights)
        rows.append((population, measure, int(base.sum()), int(w.sum()), share.estimate, share.low, share.high,
                     int((mask & ~known).sum())))
    return pd.DataFrame(rows, columns=["population", "measure", "base", "women", "women_share",
                                       "women_share_low", "women_share_high", "gender_unknown"])


def platform_breakdown(posts: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """LinkedIn against Twitter (and any other platform with accounts): accounts, activity, engagement.

    Parameters
    ----------
    posts : pandas.DataFrame
        Scored posts (``account_id``, ``platform``, ``engagement``).
    accounts : pandas.DataFrame
        The scope's accounts (``account_id``, ``member_id``, ``platform``), active or not.

    Returns
    -------
    pandas.DataFrame
        One row per platform (linkedin, twitter, then others with accounts, contract order):
        ``platform, accounts, members, active_accounts, posts, posts_share, engagement,
        engagement_share, engagement_per_post, engagement_per_active_account``.
    """
    _require(posts, ["account_id", "platform", "engagement"], "posts")
    _require(accounts, ["account_id", "member_id", "platform"], "accounts")
    present = set(accounts["platform"].astype("str")) | set(_observed(posts["platform"]))
    platforms = shown_platforms(present)
    keys = pd.Series(platforms, dtype=object)
    n = len(platforms)
    account_platform = positions(accounts["platform"], keys)
    post_platform = _codes(posts["platform"], keys, "posts on unknown platforms")
    n_accounts = np.bincount(account_platform, minlength=n).astype(np.int64)
    n_members = (pd.DataFrame({"p": account_platform, "m": accounts["member_id"].astype("str").to_numpy()})
                 .drop_duplicates()["p"].pipe(lambda s: np.bincount(s, minlength=n)).astype(np.int64))
    active = (pd.DataFrame({"p": post_platform, "a": posts["account_id"].astype("str").to_numpy()})
              .drop_duplicates()["p"].pipe(lambda s: np.bincount(s, minlength=n)).astype(np.int64))
    n_posts = np.bincount(post_platform, minlength=n).astype(np.int64)
    engagement = np.bincount(post_platform, weights=_values(posts["engagement"]), minlength=n)
    return pd.DataFrame({
        "platform": platforms,
        "accounts": n_accounts,
        "members": n_members,
        "active_accounts": active,
        "posts": n_posts,
        "posts_share": _divide(n_posts, n_posts.sum()),
        "engagement": _like(engagement, posts["engagement"]),
        "engagement_share": _divide(engagement, engagement.sum()),
        "engagement_per_post": _divide(engagement, n_posts),
        "engagement_per_active_account": _divide(engagement, active),
    })
