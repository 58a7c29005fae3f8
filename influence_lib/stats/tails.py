"""Heavy tails and concentration of post engagement: Hill tail index, effective number of posts, best post's share."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

HEAVY_TAIL_ALPHA = 2.0  # below it the bootstrap of a sum is not reliable (Athreya 1987)
MIN_TAIL_VALUES = 10  # positive values needed for a Hill estimate per group
MIN_INTERVAL_POSTS = 10  # fewer counted posts: a rank interval is not trustworthy (issue 12)


class TailIndex(NamedTuple):
    """A Hill estimate: ``alpha`` from the top ``k`` of ``n`` positive values; ``heavy`` when alpha < 2."""

    alpha: float
    k: int
    n: int
    heavy: bool


def hill_k(n: int) -> int:
    """Order statistics used by the Hill estimator by default: ``floor(sqrt(n))``, at least 2, below n.

    Parameters
    ----------
    n : int
        Number of positive values.

    Returns
    -------
    int
        ``k``; 0 when ``n < 3`` (no estimate).
    """
    if n < 3:
        return 0
    return int(min(max(2, np.floor(np.sqrt(n))), n - 1))


def hill_tail_index(values, k: int | None = None, threshold: float = HEAVY_TAIL_ALPHA) -> TailIndex:
    """Hill estimator of the tail index of positive values (e.g. the engagement of a scope's posts).

    With the positive values sorted in decreasing order ``x_(1) >= x_(2) >= ...``,
    ``alpha = 1 / mean(log(x_(i) / x_(k+1)), i = 1..k)``. The default ``k = floor(sqrt(n))``
    (:func:`hill_k`) balances bias and variance for the sizes met here; check a second ``k``
    (e.g. 2 % of n) before quoting a value. Lognormal data of realistic size also give
    alpha < 2, so read the result as a flag: below 2, the bootstrap of a sum is not reliable and
    intervals must be read with the viral-dependence figures. Zeros and negative values are
    left out.

    Parameters
    ----------
    values : array-like of float
    k : int, optional
        Number of top values; default :func:`hill_k` of the number of positive values.
    threshold : float
        ``heavy`` is ``alpha < threshold``.

    Returns
    -------
    TailIndex
        ``alpha`` is NaN with fewer than 3 positive values, infinite when the top ``k + 1``
        values are all equal.
    """
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    x = x[np.isfinite(x) & (x > 0)]
    n = len(x)
    k = hill_k(n) if k is None else int(k)
    if n < 3 or k < 1:
        return TailIndex(np.nan, k, n, False)
    if k >= n:
        raise ValueError(f"k must be below the number of positive values ({n}), not {k}")
    top = -np.partition(-x, k)[: k + 1]  # the k + 1 largest, the (k+1)-th at position k
    top.sort()
    logs = np.log(top)
    spread = float(np.mean(logs[1:] - logs[0]))
    alpha = np.inf if spread == 0 else 1.0 / spread
    return TailIndex(float(alpha), k, n, bool(alpha < threshold))


def untrustworthy_interval(posts, scope_alpha: float, min_posts: int = MIN_INTERVAL_POSTS,
                          threshold: float = HEAVY_TAIL_ALPHA) -> np.ndarray:
    """Which entries' bootstrap rank intervals should carry a warning.

    An interval is not trustworthy when its scope's post engagement is heavy-tailed (Hill
    ``alpha < threshold``: the bootstrap of a sum is then unreliable for every entry) or when the
    entry has fewer than ``min_posts`` counted posts.

    Parameters
    ----------
    posts : array-like of int
        Counted posts of each entry.
    scope_alpha : float
        :func:`hill_tail_index` of the scope's posts (NaN: no estimate, no tail warning).
    min_posts : int
    threshold : float

    Returns
    -------
    numpy.ndarray
        Boolean, one per entry.
    """
    counts = np.asarray(posts)
    heavy = bool(np.isfinite(scope_alpha) and scope_alpha < threshold)
    return (counts < int(min_posts)) | heavy


def _codes(group_codes, values, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    codes = np.asarray(group_codes)
    x = np.asarray(values, dtype=np.float64)
    if codes.ndim != 1 or codes.dtype.kind not in "iu" or x.shape != codes.shape:
        raise ValueError("group_codes must be 1-D integers with one value each")
    if len(codes) and (codes.min() < 0 or codes.max() >= n_groups):
        raise ValueError(f"group codes must be in 0..{n_groups - 1}")
    return codes.astype(np.int64, copy=False), x


def concentration(group_codes, values, n_groups: int) -> pd.DataFrame:
    """How much each group's total rests on few posts, vectorised over groups.

    Parameters
    ----------
    group_codes : array-like of int
        Group of each post (0 .. n_groups - 1).
    values : array-like of float
        Post values (engagement), >= 0.
    n_groups : int

    Returns
    -------
    pandas.DataFrame
        One row per group: ``posts``, ``total`` (Σx), ``best_post`` (max x, 0 without posts),
        ``best_share`` (max / Σx, NaN when Σx = 0) and ``n_eff = (Σx)² / Σx²`` (NaN when
        Σx² = 0): the number of equal posts that would give the same spread. The coefficient of
        variation of the total under the Poisson bootstrap is exactly ``1 / sqrt(n_eff)``.
    """
    codes, x = _codes(group_codes, values, n_groups)
    posts = np.bincount(codes, minlength=n_groups)
    total = np.bincount(codes, weights=x, minlength=n_groups)
    square = np.bincount(codes, weights=x * x, minlength=n_groups)
    best = np.zeros(n_groups)
    np.maximum.at(best, codes, x)
    return pd.DataFrame({
        "posts": posts.astype(np.int64),
        "total": total,
        "best_post": best,
        "best_share": np.divide(best, total, out=np.full(n_groups, np.nan), where=total != 0),
        "n_eff": np.divide(total * total, square, out=np.full(n_groups, np.nan), where=square != 0),
    })


def tail_index_by_group(group_codes, values, n_groups: int, min_values: int = MIN_TAIL_VALUES,
                        threshold: float = HEAVY_TAIL_ALPHA) -> pd.DataFrame:
    """The Hill estimate of :func:`hill_tail_index` for every group at once (one sort).

    Parameters
    ----------
    group_codes : array-like of int
    values : array-like of float
    n_groups : int
    min_values : int
        Groups with fewer positive values get NaN (a Hill estimate on a handful of posts is noise).
    threshold : float
        ``heavy`` is ``alpha < threshold``.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``n`` (positive values), ``k`` (:func:`hill_k`), ``alpha``, ``heavy``.
    """
    codes, x = _codes(group_codes, values, n_groups)
    keep = np.isfinite(x) & (x > 0)
    codes, x = codes[keep], x[keep]
    order = np.lexsort((-x, codes))  # by group, largest first
    codes, logs = codes[order], np.log(x[order])
    n = np.bincount(codes, minlength=n_groups)
    k = np.array([hill_k(int(m)) for m in n], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(n)[:-1]])
    position = np.arange(len(codes)) - starts[codes]
    in_top = position < k[codes]
    ok = (n >= max(int(min_values), 3)) & (k > 0)
    reference = np.full(n_groups, np.nan)
    reference[ok] = logs[starts[ok] + k[ok]]
    sums = np.bincount(codes[in_top], weights=logs[in_top], minlength=n_groups)
    spread = np.divide(sums, k, out=np.full(n_groups, np.nan), where=ok) - reference
    with np.errstate(divide="ignore"):
        alpha = np.where(ok, np.where(spread > 0, 1.0 / np.where(spread > 0, spread, 1.0), np.inf), np.nan)
    return pd.DataFrame({"n": n.astype(np.int64), "k": np.where(ok, k, 0), "alpha": alpha,
                         "heavy": ok & (alpha < threshold)})
