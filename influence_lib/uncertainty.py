"""Rank uncertainty: how much a Direction's rank depends on which posts happened to fall in the period."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence_lib.arrow import positions
from influence_lib.ranking import competition_ranks
from influence_lib.scope import ScoredScope
from influence_lib.scoring import member_followers, normalized_score, ordered_quantile, post_scores


class ReplicateScorer:
    """Scores one bootstrap replicate of a scope's Directions under the scope's methodology.

    A replicate gives each sampled post a weight (how many times it is drawn); the scorer applies
    every step of the methodology to that weighted sample, as :func:`influence_lib.scope.score_period`
    does to the posts themselves:

    - ``post_cap``: the cap is the replicate's own quantile of the sector's counted posts (the
      weighted ``inverted_cdf`` quantile), so every post of the sector is sampled;
    - ``post_transform``: each post contributes its transformed (capped) engagement;
    - ``drop_best_posts``: each Direction loses its best drawn post (one copy of it);
    - ``normalization``: members are fixed; active members are the members with a drawn post;
      followers are fixed, and only the posts of members whose followers are known count.

    With every weight 1 the scores are the published ones (up to the last bits of float sums).

    Parameters
    ----------
    scope : ScoredScope
    org_ids : array-like
        The Directions to score, in the order of the result (e.g. a ranking's ``org_id``).
    segment : str, optional
        The segment of those Directions; without a cap only its posts are sampled.
    previous : bool
        Score the previous period's posts instead.

    Attributes
    ----------
    n_posts : int
        Number of sampled posts: the length of a replicate's weights.
    """

    def __init__(self, scope: ScoredScope, org_ids, segment: str | None = None, previous: bool = False):
        org_ids = pd.Series(np.asarray(org_ids), dtype="str")
        methodology = self.methodology = scope.methodology
        self.n_orgs = len(org_ids)
        self.cap_quantile = methodology.cap_quantile
        posts = scope.posts(None if self.cap_quantile is not None else segment, previous=previous)
        self.n_posts = len(posts)
        self.post_org = positions(posts["org_id"].astype("str"), org_ids)
        self.engagement = posts["engagement"].to_numpy()
        self.contribution = posts["score"].to_numpy(dtype=float)  # fixed unless the cap varies
        if self.cap_quantile is not None and self.n_posts:
            self.order = np.argsort(self.engagement, kind="stable")
            self.ordered = self.engagement[self.order]
        members = scope.members
        self.member_org = positions(members["org_id"], org_ids)
        self.members = np.bincount(self.member_org[self.member_org >= 0], minlength=self.n_orgs)
        self.post_member = positions(posts["member_id"].astype("str"), members["member_id"])
        counted = self.post_org >= 0
        self.followers = None
        if methodology.normalization == "per_1000_followers":
            followers = member_followers(members, scope.accounts)
            known = ~np.isnan(followers) & (self.member_org >= 0)
            counted &= (self.post_member >= 0) & known[self.post_member]
            self.followers = np.bincount(self.member_org[known], weights=followers[known], minlength=self.n_orgs)
        self.counted = np.flatnonzero(counted)
        self.counted_org = self.post_org[self.counted]
        if methodology.drop_best_posts:  # the counted posts grouped by Direction, for one maximum per group
            self.by_org = np.argsort(self.counted_org, kind="stable")
            grouped = self.counted_org[self.by_org]
            self.starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]]) if len(grouped) else grouped
            self.start_orgs = grouped[self.starts] if len(grouped) else grouped

    def contributions(self, weights: np.ndarray) -> np.ndarray:
        """Each sampled post's score contribution in a replicate (its cap is the replicate's own)."""
        if self.cap_quantile is None or not self.n_posts:
            return self.contribution
        cap = ordered_quantile(self.ordered, np.cumsum(weights[self.order]), self.cap_quantile)
        return np.asarray(post_scores(self.engagement, self.methodology, cap=cap), dtype=float)

    def scores(self, weights: np.ndarray) -> np.ndarray:
        """The Directions' scores in a replicate whose posts are drawn ``weights`` times each.

        Parameters
        ----------
        weights : numpy.ndarray
            One non-negative whole weight per sampled post (``n_posts`` of them).

        Returns
        -------
        numpy.ndarray
            float64, one score per Direction, in ``org_ids`` order.
        """
        contribution = self.contributions(weights)
        kept_weights, kept = weights[self.counted], contribution[self.counted]
        total = np.bincount(self.counted_org, weights=kept_weights * kept, minlength=self.n_orgs)
        active = None
        if self.methodology.normalization == "per_active_member":
            drawn = np.bincount(self.post_member, weights=weights, minlength=len(self.member_org)) > 0
            active = np.bincount(self.member_org[drawn & (self.member_org >= 0)], minlength=self.n_orgs)
        best = None
        if self.methodology.drop_best_posts:
            best = np.zeros(self.n_orgs)
            if len(self.starts):
                drawn_scores = np.where(kept_weights > 0, kept, 0.0)[self.by_org]
                best[self.start_orgs] = np.maximum.reduceat(drawn_scores, self.starts)
        return normalized_score(total, self.members, active, self.methodology, best_post=best, followers=self.followers)


def rank_intervals(scope: ScoredScope, segment: str | None, seed: int, n_boot: int = 500,
                   level: float = 0.90, previous: bool = False) -> pd.DataFrame:
    """Bootstrap interval of each Direction's rank, under the scope's methodology.

    Each replicate redraws the scope's counted posts with a Poisson(1) weight each (a vectorised
    bootstrap of posts: a post may count zero, one or several times), scores the Directions from
    that weighted sample with every step of the methodology (:class:`ReplicateScorer`: cap,
    transform, best post left out, normalisation; the active members of a replicate are those
    with a post drawn), and ranks them with the competition ranking. The interval is the central
    ``level`` share of a Direction's replicate ranks.

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
    scorer = ReplicateScorer(scope, ranking["org_id"], segment, previous)
    rng = np.random.default_rng(seed)
    scores = np.empty((n_boot, len(ranking)))
    for b in range(n_boot):  # one replicate at a time; each is vectorised over posts
        scores[b] = scorer.scores(rng.poisson(1.0, size=scorer.n_posts))
    ranks = competition_ranks(scores)
    alpha = (1 - level) / 2
    low = np.quantile(ranks, alpha, axis=0, method="lower")
    high = np.quantile(ranks, 1 - alpha, axis=0, method="higher")
    return pd.DataFrame({"org_id": ranking["org_id"].to_numpy(), "rank": ranking["rank"].to_numpy(),
                         "rank_low": low.astype(np.int64), "rank_high": high.astype(np.int64)})
