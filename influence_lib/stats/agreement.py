"""Agreement between two rankings of the same entries: rank correlations, rank-biased overlap, Top N kept, movers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from influence_lib.ranking import comparable_scores, competition_ranks

RBO_P = 0.9  # the top 10 carries about 86 % of the weight
MOVERS = 10


def rbo(ranking_a, ranking_b, p: float = RBO_P) -> float:
    """Extrapolated rank-biased overlap of two rankings (Webber, Moffat & Zobel 2010, eq. 32).

    With ``X_d`` the number of items shared by the first ``d`` of each list (once the shorter
    list, of length ``s``, is exhausted, by the first ``d`` of the longer list, of length ``l``,
    and the whole shorter one):

    ``RBO_ext = (1-p)/p * (sum_{d=1..l} X_d/d p^d + sum_{d=s+1..l} X_s (d-s)/(s d) p^d)
    + ((X_l - X_s)/l + X_s/s) p^l``

    which for lists of equal length ``k`` is ``X_k/k p^k + (1-p)/p sum_{d=1..k} X_d/d p^d``.
    It is 1 for identical lists, 0 for disjoint ones, and weighs the top: with p = 0.9 the first
    10 ranks carry about 86 % of the weight. Ties are not modelled: pass each list in display
    order (ties broken by the display rules).

    Parameters
    ----------
    ranking_a, ranking_b : sequence
        Distinct hashable items, best first; the lists may differ in length and in items.
    p : float
        Persistence, in (0, 1).

    Returns
    -------
    float
        In [0, 1].
    """
    a = pd.Index(list(ranking_a), dtype=object, tupleize_cols=False)
    b = pd.Index(list(ranking_b), dtype=object, tupleize_cols=False)
    if not 0 < p < 1:
        raise ValueError(f"p must be between 0 and 1, not {p}")
    if not len(a) or not len(b):
        raise ValueError("rbo needs two non-empty rankings")
    if not (a.is_unique and b.is_unique):
        raise ValueError("a ranking must not list an item twice")
    if len(a) < len(b):
        a, b = b, a
    long_len, short_len = len(a), len(b)
    depth_in_b = b.get_indexer(a) + 1  # hashed at once; 0 for an item of a only
    # X_d = number of items whose depth in both lists is <= d (an item of a only never counts)
    shared = depth_in_b > 0
    joins = np.maximum(np.arange(1, long_len + 1)[shared], depth_in_b[shared])
    overlap = np.cumsum(np.bincount(joins, minlength=long_len + 1)[1:])
    depth = np.arange(1, long_len + 1, dtype=np.float64)
    weight = p ** depth
    x_short, x_long = float(overlap[short_len - 1]), float(overlap[-1])
    tail = depth > short_len
    extra = np.sum(x_short * (depth[tail] - short_len) / (short_len * depth[tail]) * weight[tail])
    total = (1 - p) / p * (np.sum(overlap / depth * weight) + extra)
    return float(total + ((x_long - x_short) / long_len + x_short / short_len) * p ** long_len)


def _order(scores: np.ndarray, order) -> np.ndarray:
    if order is None:
        return np.argsort(-comparable_scores(scores), kind="stable")
    order = np.asarray(order, dtype=np.int64)
    if len(order) != len(scores) or not np.array_equal(np.sort(order), np.arange(len(scores))):
        raise ValueError("an order must list every entry's position exactly once")
    return order


def _correlation(test, a: np.ndarray, b: np.ndarray, **options) -> float:
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")  # undefined for a constant ranking
    return float(test(a, b, **options).statistic)


def compare_rankings(scores_a, scores_b, top: int = 10, *, ids=None, order_a=None, order_b=None,
                     p: float = RBO_P, n_movers: int = MOVERS) -> dict:
    """How far ranking B (e.g. another methodology) is from ranking A, over the same entries.

    Parameters
    ----------
    scores_a, scores_b : array-like of float
        Each entry's score under A and under B, aligned (entry ``i`` is the same in both).
    top : int
        The Top N of A whose fate is followed.
    ids : array-like, optional
        Entry ids for the movers table; default the positions.
    order_a, order_b : array-like of int, optional
        Display orders (positions, best first, ties broken by the display rules) used by RBO;
        default: by score, ties by position.
    p : float
        RBO persistence.
    n_movers : int
        Rows of the movers table.

    Returns
    -------
    dict
        ``spearman`` and ``kendall_tau_b`` (``scipy.stats.spearmanr`` and
        ``scipy.stats.kendalltau(variant="b")`` on the scores, ties averaged; NaN when a
        ranking is constant), ``rbo`` (:func:`rbo` of the two display orders), ``top``,
        ``top_kept`` (entries of A's Top N, ties at the cut-off included, also in B's Top N),
        ``max_shift_in_top`` (largest ``|rank_b - rank_a|`` over A's Top N) and ``movers``: a
        DataFrame ``id, rank_a, rank_b, rank_change`` (``rank_a - rank_b``, positive = higher
        in B) of the ``n_movers`` largest ``|rank_change|``, ties by ``rank_a`` then position.
    """
    a = np.asarray(scores_a, dtype=np.float64).reshape(-1)
    b = np.asarray(scores_b, dtype=np.float64).reshape(-1)
    if a.shape != b.shape or len(a) == 0:
        raise ValueError(f"scores_a and scores_b must be non-empty and aligned ({len(a)} and {len(b)} entries)")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("scores must be finite")
    if int(top) < 1:
        raise ValueError(f"top must be a positive integer, not {top}")
    ids = np.arange(len(a)) if ids is None else np.asarray(ids)
    rank_a, rank_b = competition_ranks(a), competition_ranks(b)
    in_top_a = rank_a <= int(top)
    change = rank_a - rank_b
    movers = np.lexsort((np.arange(len(a)), rank_a, -np.abs(change)))[: int(n_movers)]
    return {
        "spearman": _correlation(stats.spearmanr, a, b),
        "kendall_tau_b": _correlation(stats.kendalltau, a, b, variant="b"),
        "rbo": rbo(_order(a, order_a), _order(b, order_b), p),
        "top": int(top),
        "top_kept": int(np.count_nonzero(in_top_a & (rank_b <= int(top)))),
        "max_shift_in_top": int(np.abs(change[in_top_a]).max()),
        "movers": pd.DataFrame({"id": ids[movers], "rank_a": rank_a[movers], "rank_b": rank_b[movers],
                                "rank_change": change[movers]}),
    }
