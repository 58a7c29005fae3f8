"""Rank uncertainty: how much a rank depends on which posts fell in the period, and on its best post.

Replicate ``b`` gives every counted post a Poisson(1) weight keyed by (seed, ``post_id``, ``b``)
(:mod:`influence_lib.stats.keyed`): the same post gets the same weight whatever the row order,
the partitions or the processes that compute it. Each replicate is scored with every step of the
methodology (:class:`ReplicateScorer`) and ranked with the one competition-ranking rule; the
replicate ranks give the median rank, the 90 % interval, P(Top N) and who stays ahead of whom
(:func:`rank_uncertainty`). :func:`viral_dependence` measures how much a Direction's rank rests
on its best post.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from influence_lib.arrow import positions
from influence_lib.post_rules import post_scores
from influence_lib.scope import LEVEL_KEYS, LEVELS, ScoredScope
from influence_lib.scoring import member_followers, normalized_score
from influence_lib.stats import (
    RANK_SUMMARY_COLUMNS,
    RankTally,
    SplitEngine,
    TailIndex,
    concentration,
    hill_tail_index,
    poisson_weights,
    ranks_after_removal,
    stable_keys,
    untrustworthy_interval,
)
from influence_lib.stats.replicates import AUTO_EXACT_CELLS
from influence_lib.stats.tails import HEAVY_TAIL_ALPHA, MIN_INTERVAL_POSTS
from influence_lib.threads import cpu_threads, in_order

DEFAULT_REPLICATES = 1000  # B: the Monte Carlo error of P(Top N) is at most 0.016
DEFAULT_LEVEL = 0.90  # rank intervals from the 5th to the 95th percentile
DEFAULT_TOP = 10  # P(Top N) of a ranking that has no Top N: its first 10
NECK_AND_NECK = 0.90  # below this share of replicates ahead, two neighbours are "au coude-à-coude"
INTERVAL_COLUMNS = list(RANK_SUMMARY_COLUMNS)  # what `influence rank --intervals` adds, in order
UNCERTAINTY_COLUMNS = INTERVAL_COLUMNS + ["ahead_share", "neck_and_neck", "interval_untrustworthy"]
VIRAL_COLUMNS = ["best_share", "n_eff", "rank_without_best_post"]
ENGINES = ("auto", "exact", "split")
REPLICATE_BLOCK_CELLS = 2**24  # replicates x entries scored at once by rank_uncertainty (128 MB)
SCORER_CELLS = 2**21  # posts x replicates weighed at once (a few arrays of 16 MB); does not change results


class ReplicateScorer:
    """Scores bootstrap replicates of a scope's Directions (or members) under the scope's methodology.

    A replicate gives each sampled post a weight (how many times it is drawn); the scorer applies
    every step of the methodology to that weighted sample, as :func:`influence_lib.scope.score_period`
    does to the posts themselves:

    - ``post_cap``: the cap is the replicate's own quantile of the sector's counted posts (the
      weighted ``inverted_cdf`` quantile), so every post of the sector is sampled;
    - ``post_transform``: each post contributes its transformed (capped) engagement;
    - ``drop_best_posts``: each Direction loses its best drawn post (one copy of it);
    - ``normalization``: members are fixed; active members are the members with a drawn post;
      followers are fixed, and only the posts of members whose followers are known count.

    Members (``level="member"``) sum their posts' contributions: the Direction-level rules do not
    apply to them. With every weight 1 the scores are the published ones (up to the last bits of
    float sums). Posts are held in the order of their keys (``post_id`` hashed), so sums never
    depend on the order of the rows.

    Parameters
    ----------
    scope : ScoredScope
    ids : array-like
        The entries to score (``org_id``, or ``member_id`` for members), in the order of the result.
    segment : str, optional
        The segment of those entries; without a cap only its posts are sampled.
    previous : bool
        Score the previous period's posts instead.
    level : {"direction", "member"}

    Attributes
    ----------
    n_posts : int
        Number of sampled posts: the length of a replicate's weights.
    linear : bool
        Whether a replicate's scores are linear in the weights (no cap, no best post left out, no
        active members), which the split engine needs.
    """

    def __init__(self, scope: ScoredScope, ids, segment: str | None = None, previous: bool = False,
                 level: str = "direction"):
        if level not in LEVELS:
            raise ValueError(f"level must be 'direction' or 'member', not {level!r}")
        ids = pd.Series(np.asarray(ids), dtype="str")
        methodology = self.methodology = scope.methodology
        self.level, self.ids, self.n_entries = level, ids.to_numpy(), len(ids)
        self._split = None  # the split engine, prepared on its first draw
        self._preparing = threading.Lock()  # threads drawing blocks at once prepare it once
        self.cap_quantile = methodology.cap_quantile
        posts = scope.posts(None if self.cap_quantile is not None else segment, previous=previous)
        self.n_posts = len(posts)
        keys = stable_keys(posts["post_id"]) if "post_id" in posts.columns else None
        canonical = self.canonical = np.argsort(keys, kind="stable") if keys is not None else np.arange(self.n_posts)
        self.keys = None if keys is None else keys[canonical]
        self.engagement = posts["engagement"].to_numpy()[canonical]
        self.contribution = posts["score"].to_numpy(dtype=float)[canonical]  # fixed unless the cap varies
        if self.cap_quantile is not None and self.n_posts:
            self.order = np.argsort(self.engagement, kind="stable")
            self.ordered = self.engagement[self.order]
        members = scope.members
        post_member = positions(posts["member_id"].astype("str"), members["member_id"])[canonical]
        key_column = "org_id" if level == "direction" else "member_id"
        post_entry = positions(posts[key_column].astype("str"), ids)[canonical]
        counted = post_entry >= 0
        self.members = self.followers = self.active_design = None
        self.linear = self.cap_quantile is None
        if level == "direction":
            member_org = positions(members["org_id"], ids)
            self.members = np.bincount(member_org[member_org >= 0], minlength=self.n_entries)
            if methodology.normalization == "per_1000_followers":
                followers = member_followers(members, scope.accounts)
                known = ~np.isnan(followers) & (member_org >= 0)
                counted &= (post_member >= 0) & known[np.maximum(post_member, 0)]
                self.followers = np.bincount(member_org[known], weights=followers[known], minlength=self.n_entries)
            if methodology.normalization == "per_active_member":
                self.linear = False
                drawn = np.flatnonzero(post_member >= 0)
                self.post_members = _indicator(post_member[drawn], drawn, (len(members), self.n_posts))
                inside = np.flatnonzero(member_org >= 0)
                self.active_design = _indicator(member_org[inside], inside, (self.n_entries, len(members)))
            self.linear &= not methodology.drop_best_posts
        self.counted = np.flatnonzero(counted)
        self.counted_entry = post_entry[self.counted]
        self.design = sparse.csr_array((self.contribution[self.counted], (self.counted_entry, np.arange(len(self.counted)))),
                                       shape=(self.n_entries, len(self.counted)))
        self.indicator = _indicator(self.counted_entry, np.arange(len(self.counted)), self.design.shape)
        if level == "direction" and methodology.drop_best_posts:  # counted posts grouped by entry: one maximum each
            self.by_entry = np.argsort(self.counted_entry, kind="stable")
            grouped = self.counted_entry[self.by_entry]
            self.starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]]) if len(grouped) else grouped
            self.start_entries = grouped[self.starts] if len(grouped) else grouped

    @property
    def counted_contributions(self) -> np.ndarray:
        """The published score contributions of the posts the entries' scores sum."""
        return self.contribution[self.counted]

    def caps(self, weights: np.ndarray) -> np.ndarray:
        """Each replicate's cap: the weighted ``inverted_cdf`` quantile of the sampled posts' engagement.

        The same value as :func:`influence_lib.post_rules.ordered_quantile` over the cumulative
        weights, found from the top of the order: with ``T`` the replicate's total weight and
        ``S_j`` the weight of the posts from position ``j`` up, the cap is the post at ``j - 1``
        for the smallest ``j`` with ``T - S_j >= quantile * T`` (the cumulative weight reached).
        Only the largest posts are summed, unless the quantile lies lower.

        Parameters
        ----------
        weights : numpy.ndarray
            ``(n_posts, c)`` weights, posts in key order.

        Returns
        -------
        numpy.ndarray
            ``(c,)`` caps, engagement values some post has.
        """
        n, quantile = self.n_posts, self.cap_quantile
        total = weights.sum(axis=0)
        target = quantile * total
        top = min(n, int(np.ceil(3 * (1 - quantile) * n)) + 64)  # the posts the cap usually lies among
        block = weights[self.order[n - top:]]
        above = np.cumsum(block[::-1], axis=0)[::-1]  # S_j for j = n - top .. n - 1
        short = total - above < target  # T - S_j not yet at the target
        at = n - top + short.sum(axis=0) - 1
        lower = ~short[0] if top < n else np.zeros(len(total), dtype=bool)
        for column in np.flatnonzero(lower | (total == 0)):  # the quantile lies below the block: sum every post
            at[column] = np.searchsorted(np.cumsum(weights[self.order, column]), target[column], side="left")
        return self.ordered[np.clip(at, 0, n - 1)]

    def score_replicates(self, weights: np.ndarray, fixed_contributions: bool = False) -> np.ndarray:
        """The entries' scores in replicates whose posts are drawn ``weights`` times each.

        Parameters
        ----------
        weights : numpy.ndarray
            ``(n_posts, c)`` non-negative whole weights, posts in key order (:attr:`keys`).
        fixed_contributions : bool
            Keep the published contributions (the published cap) instead of each replicate's.

        Returns
        -------
        numpy.ndarray
            float64 ``(c, n_entries)``.
        """
        weights = np.asarray(weights, dtype=float)
        drawn = weights[self.counted]
        if fixed_contributions or self.cap_quantile is None or not self.n_posts:
            kept = self.counted_contributions
            totals = self.design @ drawn
        else:  # each replicate caps its posts at its own quantile
            caps = self.caps(weights)[None, :]
            kept = np.asarray(post_scores(self.engagement[self.counted][:, None], self.methodology, cap=caps), dtype=float)
            totals = self.indicator @ (drawn * kept)
        if self.level == "member":
            return totals.T
        active = None
        if self.active_design is not None:
            active_members = (self.post_members @ (weights > 0).astype(float)) > 0
            active = (self.active_design @ active_members.astype(float)).T
        best = None
        if self.methodology.drop_best_posts:
            best = np.zeros((self.n_entries, weights.shape[1]))
            if len(self.starts):
                kept = kept[:, None] if kept.ndim == 1 else kept
                drawn_scores = np.where(drawn > 0, kept, 0.0)[self.by_entry]
                best[self.start_entries] = np.maximum.reduceat(drawn_scores, self.starts, axis=0)
            best = best.T
        followers = None if self.followers is None else self.followers[None, :]
        return normalized_score(totals.T, self.members[None, :], active, self.methodology, best_post=best,
                                followers=followers)

    def scores(self, weights: np.ndarray) -> np.ndarray:
        """The entries' scores in one replicate, ``weights`` given in the order of the scope's posts.

        Parameters
        ----------
        weights : numpy.ndarray
            One non-negative whole weight per sampled post (``n_posts``), in the order of
            :meth:`ScoredScope.posts`.

        Returns
        -------
        numpy.ndarray
            float64, one score per entry, in ``ids`` order.
        """
        weights = np.asarray(weights, dtype=float).reshape(-1)
        if len(weights) != self.n_posts:
            raise ValueError(f"weights must have one value per sampled post ({self.n_posts}), not {len(weights)}")
        return self.score_replicates(weights[self.canonical][:, None])[0]

    def engine_for(self, n_boot: int, engine: str = "auto") -> str:
        """The engine a run of ``n_boot`` replicates uses: ``exact`` or ``split``.

        ``auto`` is exact while posts x replicates stay under
        :data:`influence_lib.stats.replicates.AUTO_EXACT_CELLS` (the sample's sectors at
        B = 1,000), and for every methodology that is not linear in the weights; split above.
        """
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
        if engine == "split" and not self.linear:
            raise ValueError("the split engine needs a score linear in the posts' weights (no post_cap, no "
                             "drop_best_posts, no per_active_member); use the exact engine")
        if engine == "auto":
            return "split" if self.linear and self.n_posts * int(n_boot) > AUTO_EXACT_CELLS else "exact"
        return engine

    def replicates(self, seed: int, n_boot: int, *, first_replicate: int = 0, engine: str = "auto",
                   max_cells: int = SCORER_CELLS) -> np.ndarray:
        """The entries' scores in replicates ``first_replicate .. first_replicate + n_boot - 1``.

        Parameters
        ----------
        seed : int
            0 to 2**64 - 1.
        n_boot : int
        first_replicate : int
            Processes can share a run: their stacked outputs equal one call's.
        engine : {"auto", "exact", "split"}
            See :meth:`engine_for`.
        max_cells : int
            Posts x replicates weighed at once (bounds memory); does not change the results.

        Returns
        -------
        numpy.ndarray
            float64 ``(n_boot, n_entries)``: the same numbers whatever the row order of the posts,
            the chunking of replicates or the processes sharing them.
        """
        if self.keys is None:
            raise ValueError("the scope's posts have no post_id column, which keys the replicate weights: build "
                             "the scope with post_columns including 'post_id'")
        if int(n_boot) < 1:
            raise ValueError(f"n_boot must be a positive integer, not {n_boot}")
        n_boot, first = int(n_boot), int(first_replicate)
        if self.engine_for(n_boot, engine) == "split":
            with self._preparing:  # prepared once (moments, exact posts): a caller may draw in blocks
                if self._split is None:
                    self._split = SplitEngine(self.counted_entry, self.counted_contributions, self.keys[self.counted],
                                              max(self.n_entries, 1), group_keys=self.ids, with_counts=False)
            totals = self._split.draw(seed, n_boot, first)[0][:, : self.n_entries]
            if self.level == "member":
                return totals
            followers = None if self.followers is None else self.followers[None, :]
            return normalized_score(totals, self.members[None, :], None, self.methodology, followers=followers)
        out = np.empty((n_boot, self.n_entries))
        chunk = max(2, int(max_cells) // max(self.n_posts, 1))
        for start in range(0, n_boot, chunk):
            count = min(chunk, n_boot - start)
            out[start: start + count] = self.score_replicates(poisson_weights(self.keys, seed, first + start, count))
        return out


def _indicator(rows: np.ndarray, columns: np.ndarray, shape: tuple[int, int]) -> sparse.csr_array:
    return sparse.csr_array((np.ones(len(rows)), (rows, columns)), shape=shape)


@dataclass(frozen=True)
class RankUncertainty:
    """The rank uncertainty of one ranking, and how it was measured.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per entry of the full ranking, in display order: its key (``org_id`` or
        ``member_id``), ``rank``, ``median_rank``, ``rank_low``, ``rank_high``, ``p_top``,
        ``ahead_share`` (share of replicates in which it is strictly ahead of the next entry in
        display order; empty for the last), ``neck_and_neck`` (``ahead_share`` under
        :data:`NECK_AND_NECK`) and ``interval_untrustworthy`` (heavy tail, or fewer than
        :data:`~influence_lib.stats.tails.MIN_INTERVAL_POSTS` counted posts).
    level, segment, top, seed, n_boot, coverage, engine, previous
        What was ranked and how: ``top`` is the N of ``p_top``; ``engine`` is ``exact`` or ``split``.
    tail : TailIndex
        Hill estimate of the tail of the ranked posts' score contributions.
    """

    table: pd.DataFrame
    level: str
    segment: str | None
    top: int
    seed: int
    n_boot: int
    coverage: float
    engine: str
    previous: bool
    tail: TailIndex

    @property
    def heavy_tail(self) -> bool:
        """Whether the tail index is under :data:`~influence_lib.stats.tails.HEAVY_TAIL_ALPHA` (every interval flagged)."""
        return bool(np.isfinite(self.tail.alpha) and self.tail.alpha < HEAVY_TAIL_ALPHA)

    def notes(self) -> list[str]:
        """Why intervals are not trustworthy, in English sentences for a terminal (empty when they are)."""
        if self.heavy_tail:
            return [f"the ranked posts' score contributions are heavy-tailed (Hill tail index {self.tail.alpha:.2f} "
                    f"< {HEAVY_TAIL_ALPHA:g}): a bootstrap of sums understates the uncertainty, so no interval is "
                    f"trustworthy; read each one as too narrow"]
        few = int(self.table["interval_untrustworthy"].sum())
        if few:
            return [f"{few} ranked entr{'ies have' if few != 1 else 'y has'} fewer than {MIN_INTERVAL_POSTS} counted "
                    f"posts: their intervals are not trustworthy"]
        return []

    def settings(self) -> dict:
        """How the intervals were computed, as one row for a table and the manifest."""
        table = self.table
        return {"level": self.level, "segment": self.segment or "", "previous": self.previous, "top": self.top,
                "seed": self.seed, "replicates": self.n_boot, "coverage": self.coverage, "engine": self.engine,
                "tail_alpha": round(float(self.tail.alpha), 4) if np.isfinite(self.tail.alpha) else None,
                "tail_k": int(self.tail.k), "tail_posts": int(self.tail.n), "heavy_tail": self.heavy_tail,
                "heavy_tail_below": HEAVY_TAIL_ALPHA, "min_posts": MIN_INTERVAL_POSTS, "entries": len(table),
                "untrustworthy_entries": int(table["interval_untrustworthy"].sum()),
                "neck_and_neck_pairs": int(table["neck_and_neck"].sum())}


def _check(n_boot: int, coverage: float) -> None:
    if not 0 < coverage < 1:
        raise ValueError(f"level must be between 0 and 1, not {coverage}")
    if int(n_boot) < 1:
        raise ValueError(f"n_boot must be a positive integer, not {n_boot}")


def rank_uncertainty(scope: ScoredScope, level: str = "direction", segment: str | None = None,
                     top: int | None = None, *, seed: int, n_boot: int = DEFAULT_REPLICATES,
                     coverage: float = DEFAULT_LEVEL, previous: bool = False, engine: str = "auto",
                     rows: int | None = None) -> RankUncertainty:
    """Median rank, rank interval, P(Top N) and who stays ahead, for every entry of a ranking.

    Each of ``n_boot`` replicates redraws the counted posts with keyed Poisson(1) weights, scores
    the entries with every step of the methodology (:class:`ReplicateScorer`) and ranks them
    with the competition ranking; :class:`influence_lib.stats.ranks.RankTally` ranks them a block
    of replicates at a time (only their 32-bit ranks are kept) and summarises them as
    :func:`influence_lib.stats.rank_summary` and :func:`influence_lib.stats.ahead_share` would.

    Parameters
    ----------
    scope : ScoredScope
        Its posts need their ``post_id`` (the key of the weights).
    level : {"direction", "member"}
    segment : str, optional
        Rank within this segment (default: the whole sector).
    top : int, optional
        The ranking's Top N: ``p_top`` is the probability of a rank <= N (default
        :data:`DEFAULT_TOP`). The intervals always use the full ranking.
    seed : int
        Same seed, same replicates (0 to 2**64 - 1).
    n_boot : int
        Replicates B.
    coverage : float
        Coverage of the interval, e.g. 0.90.
    previous : bool
        The previous period's ranking instead.
    engine : {"auto", "exact", "split"}
        See :meth:`ReplicateScorer.engine_for`.
    rows : int, optional
        Only the first ``rows`` entries in display order get a rank summary (``median_rank``,
        ``rank_low``, ``rank_high``, ``p_top``): the others' are missing (the ranks ``<NA>`` in
        ``Int64`` columns, ``p_top`` NaN). The kept entries' summaries are the full table's, to the last
        digit: each is still ranked against every entry (:class:`influence_lib.stats.ranks.RankTally`
        with ``entries``), but nobody else is ranked. Every other column is computed for every
        entry as without ``rows``. For a Top N of a long ranking (the Top voices of 10^6
        members) this saves a sort of every replicate and a matrix of ``n_boot`` ranks per entry.

    Returns
    -------
    RankUncertainty
    """
    _check(n_boot, coverage)
    if rows is not None and int(rows) < 0:
        raise ValueError(f"rows must be 0 or more, not {rows}")
    key = LEVEL_KEYS[level] if level in LEVEL_KEYS else None
    if key is None:
        raise ValueError(f"level must be 'direction' or 'member', not {level!r}")
    ranking = scope.ranking(level, segment, previous=previous)
    scorer = ReplicateScorer(scope, ranking[key], segment, previous, level)
    used = scorer.engine_for(n_boot, engine)
    p_top_n = DEFAULT_TOP if top is None else int(top)
    if len(ranking):
        # replicates scored and ranked a block at a time: only their 32-bit ranks are kept
        kept = None if rows is None else np.arange(min(int(rows), len(ranking)))
        tally = RankTally(n_boot, len(ranking), order=np.arange(len(ranking)), entries=kept)  # in display order
        threads = cpu_threads()  # each drawing a block at once: the blocks share REPLICATE_BLOCK_CELLS
        step = max(1, REPLICATE_BLOCK_CELLS // (len(ranking) * threads))
        blocks = [(start, min(step, int(n_boot) - start)) for start in range(0, int(n_boot), step)]

        def draw(block):
            return scorer.replicates(seed, block[1], first_replicate=block[0], engine=used)

        # replicates are keyed: blocks drawn on several threads are the same numbers, added in order
        for block in in_order(draw, blocks, min(threads, len(blocks))):
            tally.add(block)
        summary = tally.summary(p_top_n, coverage)
        ahead = tally.ahead_share()
    else:
        summary = pd.DataFrame({c: pd.Series(dtype="int64" if c != "p_top" else "float64") for c in INTERVAL_COLUMNS})
        ahead = np.zeros(0)
    tail = hill_tail_index(scorer.counted_contributions)
    table = pd.DataFrame({key: ranking[key].to_numpy(), "rank": ranking["rank"].to_numpy()})
    for column in INTERVAL_COLUMNS:
        values = summary[column]
        if len(values) < len(table):  # rows: the entries after them have no rank summary
            values = values.astype("Int64" if values.dtype.kind == "i" else values.dtype).reindex(range(len(table)))
        table[column] = values.array
    table["ahead_share"] = ahead
    table["neck_and_neck"] = ~np.isnan(ahead) & (np.nan_to_num(ahead, nan=1.0) < NECK_AND_NECK)
    table["interval_untrustworthy"] = untrustworthy_interval(ranking["posts"].to_numpy(), tail.alpha)
    return RankUncertainty(table, level, segment, p_top_n, int(seed), int(n_boot), float(coverage), used,
                           bool(previous), tail)


def rank_intervals(scope: ScoredScope, segment: str | None, seed: int, n_boot: int = DEFAULT_REPLICATES,
                   level: float = DEFAULT_LEVEL, previous: bool = False, top: int | None = None) -> pd.DataFrame:
    """Bootstrap uncertainty of each Direction's rank, under the scope's methodology.

    The Direction table of :func:`rank_uncertainty`.

    Parameters
    ----------
    scope : ScoredScope
    segment : str or None
        Rank within this segment (default: the whole sector).
    seed : int
        Same seed, same intervals.
    n_boot : int
        Replicates.
    level : float
        Coverage of the interval, e.g. 0.90.
    previous : bool
        The intervals of the previous period's ranking instead.
    top : int, optional
        The N of ``p_top`` (default 10).

    Returns
    -------
    pandas.DataFrame
        ``org_id, rank`` and :data:`UNCERTAINTY_COLUMNS`, in the ranking's display order.
    """
    return rank_uncertainty(scope, "direction", segment, top, seed=seed, n_boot=n_boot, coverage=level,
                            previous=previous).table


def with_intervals(ranking: pd.DataFrame, uncertainty: RankUncertainty) -> pd.DataFrame:
    """A ranking (possibly cut to a Top N) with ``median_rank, rank_low, rank_high, p_top`` added last.

    Parameters
    ----------
    ranking : pandas.DataFrame
        Rows of the ranking ``uncertainty`` was computed for, in any order.
    uncertainty : RankUncertainty

    Returns
    -------
    pandas.DataFrame
        ``ranking``'s columns then :data:`INTERVAL_COLUMNS` (the contract of ``rank --intervals``).
    """
    key = LEVEL_KEYS[uncertainty.level]
    columns = uncertainty.table[[key] + INTERVAL_COLUMNS]
    return ranking.merge(columns, on=key, how="left", validate="one_to_one")


def viral_dependence(scope: ScoredScope, segment: str | None = None, previous: bool = False) -> pd.DataFrame:
    """How much each Direction's rank rests on its best post.

    Over the score contributions of the posts a Direction's score sums:

    - ``best_post_score``: the largest contribution, and ``best_share`` its share of their sum;
    - ``n_eff = (Σx)² / Σx²``: the number of equal posts that would spread the score as much (the
      Poisson-bootstrap coefficient of variation of the sum is ``1 / sqrt(n_eff)``);
    - ``rank_without_best_post``: the Direction's rank if that one post had not been published,
      the others keeping their scores (:func:`influence_lib.stats.ranks_after_removal`); the
      score is recomputed with every Direction-level rule (a member left without posts is no
      longer active; with ``drop_best_posts`` the next best post is then left out), contributions
      keep the published cap.

    Parameters
    ----------
    scope : ScoredScope
        Its posts need their ``post_id``.
    segment : str, optional
    previous : bool

    Returns
    -------
    pandas.DataFrame
        ``org_id, best_post_score, best_share, n_eff, rank_without_best_post``, in the ranking's
        display order (``best_share`` and ``n_eff`` empty without a positive contribution).
    """
    ranking = scope.ranking("direction", segment, previous=previous)
    scorer = ReplicateScorer(scope, ranking["org_id"], segment, previous)
    n, values, codes = len(ranking), scorer.counted_contributions, scorer.counted_entry
    shares = concentration(codes, values, max(n, 1)).iloc[:n]
    weights = np.ones((scorer.n_posts, 1))
    if len(codes):  # each Direction's best post: its largest contribution, the first by key among equals
        order = np.lexsort((np.arange(len(codes)), -values, codes))
        first = order[np.r_[True, codes[order][1:] != codes[order][:-1]]]
        weights[scorer.counted[first], 0] = 0.0
    full = scorer.score_replicates(np.ones((scorer.n_posts, 1)), fixed_contributions=True)[0]
    without = scorer.score_replicates(weights, fixed_contributions=True)[0]
    return pd.DataFrame({
        "org_id": ranking["org_id"].to_numpy(),
        "best_post_score": shares["best_post"].to_numpy(),
        "best_share": shares["best_share"].to_numpy(),
        "n_eff": shares["n_eff"].to_numpy(),
        "rank_without_best_post": ranks_after_removal(full, full - without) if n else np.zeros(0, np.int64),
    })


SETTINGS_TABLES = "rank_uncertainty*.csv"  # the tables of uncertainty_settings a report's notebooks write
VERSIONED = ("numpy", "pandas", "scipy", "pyarrow")  # numpy's Generator streams hold only on one build


def statistics_entry(tables_dir) -> dict:
    """The manifest's ``statistics``: library versions, and how each rank uncertainty was computed.

    Parameters
    ----------
    tables_dir : path-like
        A report's ``tables/`` folder; its ``rank_uncertainty*.csv`` tables
        (:func:`uncertainty_settings`) are read back.

    Returns
    -------
    dict
        ``versions`` (python and :data:`VERSIONED`) and ``rank_uncertainty``: one entry per row of
        those tables, with its ``table`` name (seed, replicates, engine, coverage, Top N, tail index).
    """
    import json
    import platform
    from importlib.metadata import version
    from pathlib import Path

    versions = {"python": platform.python_version(), **{name: version(name) for name in VERSIONED}}
    runs = []
    for path in sorted(Path(tables_dir).glob(SETTINGS_TABLES)):
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"segment": "str"})
        runs += [{"table": path.stem, **row} for row in json.loads(frame.to_json(orient="records"))]
    return {"versions": versions, "rank_uncertainty": runs}


def uncertainty_settings(results) -> pd.DataFrame:
    """How each ranking's intervals were computed: one row per :class:`RankUncertainty` (:meth:`RankUncertainty.settings`)."""
    return pd.DataFrame([r.settings() for r in results])
