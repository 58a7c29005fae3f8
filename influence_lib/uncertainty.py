"""Rank uncertainty: how much a Direction's rank depends on which posts happened to fall in the period."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence_lib.arrow import positions


def rank_intervals(ranking: pd.DataFrame, posts: pd.DataFrame, members: pd.DataFrame, seed: int,
                   n_boot: int = 500, level: float = 0.90) -> pd.DataFrame:
    """Bootstrap interval of each Direction's rank.

    Each replicate redraws the counted posts with a Poisson(1) weight each (a vectorised
    bootstrap of posts: a post may count zero, one or several times), sums the weighted
    engagement per Direction and ranks the Directions with the competition ranking of the
    methodology. The interval is the central ``level`` share of a Direction's replicate ranks.
    A narrow interval means the rank is robust; an interval that overlaps the neighbours' means
    the order between them rests on a few posts.

    Parameters
    ----------
    ranking : pandas.DataFrame
        A full Direction ranking of one scope (``org_id``, ``rank``, ``score``), not cut to a Top N.
    posts : pandas.DataFrame
        The scope's scored posts (:func:`influence_lib.scoring.score_posts`).
    members : pandas.DataFrame
        The scope's members (``member_id``, ``org_id``), to find each post's Direction.
    seed : int
        Seed of the random generator (same seed, same intervals).
    n_boot : int
        Replicates.
    level : float
        Coverage of the interval, e.g. 0.90.

    Returns
    -------
    pandas.DataFrame
        ``org_id, rank, rank_low, rank_high`` in the ranking's order.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level}")
    if n_boot < 1:
        raise ValueError(f"n_boot must be positive, not {n_boot}")
    n_orgs = len(ranking)
    member_org = positions(members["org_id"], ranking["org_id"])
    post_member = positions(posts["member_id"].astype("str"), members["member_id"])
    post_org = np.where(post_member >= 0, member_org[np.maximum(post_member, 0)], -1)
    keep = post_org >= 0
    post_org, engagement = post_org[keep], posts["engagement"].to_numpy(dtype=float)[keep]
    rng = np.random.default_rng(seed)
    scores = np.empty((n_boot, n_orgs))
    for b in range(n_boot):  # one bincount per replicate; each is vectorised over posts
        weights = rng.poisson(1.0, size=len(engagement))
        scores[b] = np.bincount(post_org, weights=weights * engagement, minlength=n_orgs)
    # competition rank within each replicate: 1 + number of Directions with a strictly higher score
    ranks = np.empty((n_boot, n_orgs), dtype=np.int64)
    for b, (row, ascending) in enumerate(zip(scores, np.sort(scores, axis=1))):
        ranks[b] = n_orgs - np.searchsorted(ascending, row, side="right") + 1
    alpha = (1 - level) / 2
    low = np.quantile(ranks, alpha, axis=0, method="lower")
    high = np.quantile(ranks, 1 - alpha, axis=0, method="higher")
    return pd.DataFrame({"org_id": ranking["org_id"].to_numpy(), "rank": ranking["rank"].to_numpy(),
                         "rank_low": low.astype(np.int64), "rank_high": high.astype(np.int64)})
