"""Rank uncertainty: how much a Direction's rank depends on which posts happened to fall in the period."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence_lib.arrow import positions
from influence_lib.ranking import competition_ranks
from influence_lib.scope import ScoredScope
from influence_lib.scoring import normalized_score


def rank_intervals(scope: ScoredScope, segment: str | None, seed: int, n_boot: int = 500,
                   level: float = 0.90, previous: bool = False) -> pd.DataFrame:
    """Bootstrap interval of each Direction's rank, under the scope's methodology.

    Each replicate redraws the scope's counted posts with a Poisson(1) weight each (a vectorised
    bootstrap of posts: a post may count zero, one or several times), sums the weighted
    engagement per Direction, turns it into a score with the methodology's normalisation (the
    active members of a replicate are those with a post drawn), and ranks the Directions with the
    competition ranking. The interval is the central ``level`` share of a Direction's replicate
    ranks.

    Parameters
    ----------
    scope : ScoredScope
    segment : str or None
        Rank within this segment (default: the whole sector).
    seed : int
        Seed of the random generator (same seed, same intervals).
    n_boot : int
        Replicates.
    level : float
        Coverage of the interval, e.g. 0.90.
    previous : bool
        The intervals of the previous period's ranking instead.

    Returns
    -------
    pandas.DataFrame
        ``org_id, rank, rank_low, rank_high`` in the ranking's display order.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level}")
    if n_boot < 1:
        raise ValueError(f"n_boot must be positive, not {n_boot}")
    ranking = scope.ranking("direction", segment, previous=previous)
    posts = scope.posts(segment, previous=previous)
    n_orgs = len(ranking)
    post_org = positions(posts["org_id"].astype("str"), ranking["org_id"])
    keep = post_org >= 0
    post_org, engagement = post_org[keep], posts["engagement"].to_numpy(dtype=float)[keep]
    normalized = scope.methodology.normalization != "none"
    if normalized:
        members = scope.members
        member_org = positions(members["org_id"], ranking["org_id"])
        post_member = positions(posts["member_id"].astype("str"), members["member_id"])[keep]
        member_count = np.bincount(member_org[member_org >= 0], minlength=n_orgs)
    rng = np.random.default_rng(seed)
    scores = np.empty((n_boot, n_orgs))
    for b in range(n_boot):  # one bincount per replicate; each is vectorised over posts
        weights = rng.poisson(1.0, size=len(engagement))
        scores[b] = np.bincount(post_org, weights=weights * engagement, minlength=n_orgs)
        if normalized:
            drawn = np.bincount(post_member, weights=weights, minlength=len(member_org)) > 0
            active = np.bincount(member_org[drawn & (member_org >= 0)], minlength=n_orgs)
            scores[b] = normalized_score(scores[b], member_count, active, scope.methodology)
    ranks = competition_ranks(scores)
    alpha = (1 - level) / 2
    low = np.quantile(ranks, alpha, axis=0, method="lower")
    high = np.quantile(ranks, 1 - alpha, axis=0, method="higher")
    return pd.DataFrame({"org_id": ranking["org_id"].to_numpy(), "rank": ranking["rank"].to_numpy(),
                         "rank_low": low.astype(np.int64), "rank_high": high.astype(np.int64)})
