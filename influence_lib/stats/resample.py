"""Resampling bootstrap of a statistic (median, mean, share, sum), by posts or by clusters of posts (authors).

The other bootstrap family (beside the keyed Poisson replicates of grouped sums): percentile
intervals of a statistic of post values, by resampling with replacement. Posts of one author
are alike, so a difference between two kinds of posts (e.g. the median engagement of documents
minus that of videos) is resampled by author (``clusters``): each replicate draws as many
authors as there are, with replacement, and takes all their posts; a post weighs as many times
as its author was drawn.

Every replicate is a vector of counts (how many times each post is in it), so one set of
replicates serves every group at once and differences between groups are paired. Draws come
from a ``numpy.random.Generator`` in blocks of :data:`BOOT_CELLS` values: replicate ``r`` of an
unclustered, ungrouped call is ``rng.integers(0, n, size=n)``, the stream the trends tables
used, so the same seed gives the same intervals.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

BOOT_CELLS = 4_000_000  # values drawn at once (bounds memory)
STATISTICS = ("median", "mean", "share", "sum")


class BootstrapInterval(NamedTuple):
    """A point estimate, its percentile interval and how many replicates defined the statistic."""

    estimate: float
    low: float
    high: float
    n_valid: int


def check_bootstrap(n_boot: int, level: float) -> None:
    """Refuse a number of replicates below 1 or a level outside (0, 1), with a clear message.

    Parameters
    ----------
    n_boot : int
    level : float

    Raises
    ------
    ValueError
    """
    if int(n_boot) < 1:
        raise ValueError(f"n_boot must be a positive integer, not {n_boot}")
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.90), not {level}")


def percentile_interval(draws, level: float) -> tuple[float, float]:
    """The central ``level`` percentile interval of replicate draws, NaN draws left out.

    Parameters
    ----------
    draws : array-like of float
        One value per replicate (NaN where the statistic was undefined).
    level : float
        e.g. 0.90: the 5th and 95th percentiles (numpy's default, linear interpolation).

    Returns
    -------
    tuple of float
        ``(low, high)``; ``(nan, nan)`` when every draw is NaN.
    """
    values = np.asarray(draws, dtype=np.float64)
    if values.size == 0 or np.isnan(values).all():
        return np.nan, np.nan
    alpha = (1.0 - float(level)) / 2.0
    low, high = np.nanquantile(values, [alpha, 1.0 - alpha])
    return float(low), float(high)


def _index_counts(rng: np.random.Generator, units: int, rows: int) -> np.ndarray:
    """Counts of each unit in ``rows`` resamples of ``units`` drawn with replacement."""
    picks = rng.integers(0, units, size=(rows, units))
    offsets = (np.arange(rows, dtype=np.int64) * units)[:, None]
    return np.bincount((picks + offsets).reshape(-1), minlength=rows * units).reshape(rows, units)


def _weighted_median(sorted_values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Median of each row's multiset (``counts`` copies of each sorted value); NaN when empty.

    Equal to ``np.median`` of the expanded rows: the middle value, or the mean of the two.
    """
    rows, m = counts.shape
    out = np.full(rows, np.nan)
    if m == 0:
        return out
    cumulative = np.cumsum(counts, axis=1)
    size = cumulative[:, -1]
    span = int(size.max()) + 1
    shifted = (cumulative + (np.arange(rows, dtype=np.int64) * span)[:, None]).reshape(-1)
    filled = size > 0
    base = np.arange(rows, dtype=np.int64) * span
    lower = np.searchsorted(shifted, base + (size - 1) // 2, side="right") - np.arange(rows) * m
    upper = np.searchsorted(shifted, base + size // 2, side="right") - np.arange(rows) * m
    lower, upper = np.minimum(lower, m - 1), np.minimum(upper, m - 1)
    out[filled] = (sorted_values[lower[filled]] + sorted_values[upper[filled]]) / 2
    return out


def _statistic(statistic: str, values: np.ndarray, weights: np.ndarray | None, counts: np.ndarray) -> np.ndarray:
    """The statistic of each row of counts over one group's values (values sorted for the median)."""
    size = counts.sum(axis=1).astype(np.float64)
    if statistic == "median":
        return _weighted_median(values, counts)
    counts = counts.astype(np.float64)
    if statistic == "sum":
        return counts @ values
    if weights is None:
        return np.divide(counts @ values, size, out=np.full(len(size), np.nan), where=size > 0)
    base = counts @ weights
    return np.divide(counts @ (values * weights), base, out=np.full(len(size), np.nan), where=base != 0)


def _prepare(values, statistic: str, group_codes, n_groups, clusters, weights):
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    if statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {', '.join(STATISTICS)}, not {statistic!r}")
    if np.isnan(x).any():
        raise ValueError("values must not hold NaN (drop unknown values first and say how many)")
    if statistic == "share" and not np.isin(x, (0.0, 1.0)).all():
        raise ValueError("a share is the mean of values 0 and 1 (True/False)")
    if weights is not None and statistic not in ("mean", "share"):
        raise ValueError("weights apply to a mean or a share only")
    w = None if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)
    if w is not None and w.shape != x.shape:
        raise ValueError("weights need one value per post")
    codes = np.zeros(len(x), dtype=np.int64) if group_codes is None else np.asarray(group_codes, dtype=np.int64)
    if codes.shape != x.shape:
        raise ValueError("group_codes need one value per post")
    if len(codes) and codes.max(initial=-1) >= n_groups:
        raise ValueError(f"group codes must be below n_groups ({n_groups}); -1 leaves a post out")
    keep = codes >= 0
    cluster_codes = None
    if clusters is not None:
        found = np.asarray(clusters)
        if found.shape != x.shape:
            raise ValueError("clusters need one value per post")
        _, cluster_codes = np.unique(found[keep], return_inverse=True)
    x, codes = x[keep], codes[keep]
    w = None if w is None else w[keep]
    return x, codes, w, cluster_codes


def resample_statistic(values, statistic: str = "median", *, seed, n_boot: int = 1000, group_codes=None,
                       n_groups: int = 1, clusters=None, weights=None, cells: int = BOOT_CELLS) -> np.ndarray:
    """Replicate values of a statistic, per group, from one set of resamples shared by all groups.

    Parameters
    ----------
    values : array-like of float
        One value per post.
    statistic : {"median", "mean", "share", "sum"}
        ``share`` is the mean of 0/1 values; with ``weights``, ``mean`` and ``share`` are
        weighted (``Σ w x / Σ w``, e.g. women's share of the engagement).
    seed : int or numpy.random.Generator
        A Generator is used as is (so several calls can share one stream).
    n_boot : int
    group_codes : array-like of int, optional
        Group of each post (0 .. n_groups - 1, -1 to leave a post out); default one group.
    n_groups : int
    clusters : array-like, optional
        Cluster of each post (e.g. ``member_id``): resample clusters, not posts.
    weights : array-like of float, optional
        See ``statistic``.
    cells : int
        Values drawn at once; part of the stream's definition, keep the default for
        reproducibility.

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(n_boot, n_groups)``; NaN where a replicate holds no post of a group
        (or, for a weighted mean, no weight).
    """
    rng = np.random.default_rng(seed)
    x, codes, w, cluster_codes = _prepare(values, statistic, group_codes, int(n_groups), clusters, weights)
    n_boot = int(n_boot)
    if n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer, not {n_boot}")
    out = np.full((n_boot, int(n_groups)), np.nan)
    units = len(x) if cluster_codes is None else int(cluster_codes.max(initial=-1)) + 1
    if units == 0:
        return out
    members = []
    for g in range(int(n_groups)):  # each group's posts, sorted by value for the median
        mine = np.flatnonzero(codes == g)
        mine = mine[np.argsort(x[mine], kind="stable")]
        members.append(mine)
    rows = max(1, int(cells) // max(units, len(x)))
    for start in range(0, n_boot, rows):
        stop = min(n_boot, start + rows)
        counts = _index_counts(rng, units, stop - start)
        if cluster_codes is not None:
            counts = counts[:, cluster_codes]  # a post counts as often as its cluster was drawn
        for g, mine in enumerate(members):
            if mine.size:
                out[start:stop, g] = _statistic(statistic, x[mine], None if w is None else w[mine], counts[:, mine])
    return out


def point_statistic(values, statistic: str = "median", *, group_codes=None, n_groups: int = 1,
                    weights=None) -> np.ndarray:
    """The statistic on the data themselves (every post once), per group, as the replicates compute it.

    Parameters
    ----------
    values, statistic, group_codes, n_groups, weights
        As :func:`resample_statistic`.

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(n_groups,)``; NaN for a group without posts.
    """
    x, codes, w, _ = _prepare(values, statistic, group_codes, int(n_groups), None, weights)
    out = np.full(int(n_groups), np.nan)
    for g in range(int(n_groups)):
        mine = np.flatnonzero(codes == g)
        if mine.size:
            mine = mine[np.argsort(x[mine], kind="stable")]
            out[g] = _statistic(statistic, x[mine], None if w is None else w[mine],
                                np.ones((1, mine.size), dtype=np.int64))[0]
    return out


def bootstrap_statistic(values, statistic: str = "median", *, seed, n_boot: int = 1000, level: float = 0.90,
                        clusters=None, weights=None) -> BootstrapInterval:
    """A statistic of the values with its bootstrap percentile interval.

    Parameters
    ----------
    values, statistic, seed, n_boot, clusters, weights
        As :func:`resample_statistic`.
    level : float
        Coverage of the interval.

    Returns
    -------
    BootstrapInterval
        ``estimate`` (on the data), ``low``, ``high`` and ``n_valid`` (replicates where the
        statistic is defined); all NaN and 0 without values.
    """
    check_bootstrap(n_boot, level)
    draws = resample_statistic(values, statistic, seed=seed, n_boot=n_boot, clusters=clusters, weights=weights)[:, 0]
    low, high = percentile_interval(draws, level)
    estimate = point_statistic(values, statistic, weights=weights)[0]
    return BootstrapInterval(float(estimate), low, high, int(np.count_nonzero(~np.isnan(draws))))


def bootstrap_difference(values, in_a, in_b, statistic: str = "median", *, seed, n_boot: int = 1000,
                         level: float = 0.90, clusters=None, weights=None) -> BootstrapInterval:
    """Statistic of group A minus that of group B, with a paired bootstrap percentile interval.

    Both groups are resampled together (by post, or by cluster when ``clusters`` is given, e.g.
    the author of each post: an author with posts in both groups is drawn for both), so the
    interval accounts for the posts' dependence. The difference is supported when the interval
    excludes 0.

    Parameters
    ----------
    values : array-like of float
    in_a, in_b : array-like of bool
        The posts of group A and of group B (disjoint; other posts are left out).
    statistic, seed, n_boot, clusters, weights
        As :func:`resample_statistic`.
    level : float

    Returns
    -------
    BootstrapInterval
        ``estimate`` = statistic(A) - statistic(B) on the data; ``n_valid`` counts the replicates
        where both groups had posts (the others are left out of the interval).
    """
    check_bootstrap(n_boot, level)
    a, b = np.asarray(in_a, dtype=bool), np.asarray(in_b, dtype=bool)
    if (a & b).any():
        raise ValueError("a post cannot be in both groups")
    codes = np.where(a, 0, np.where(b, 1, -1))
    draws = resample_statistic(values, statistic, seed=seed, n_boot=n_boot, group_codes=codes, n_groups=2,
                               clusters=clusters, weights=weights)
    difference = draws[:, 0] - draws[:, 1]
    low, high = percentile_interval(difference, level)
    points = point_statistic(values, statistic, group_codes=codes, n_groups=2, weights=weights)
    return BootstrapInterval(float(points[0] - points[1]), low, high, int(np.count_nonzero(~np.isnan(difference))))


def top_share(draws) -> np.ndarray:
    """For each group, the share of replicates in which its statistic is the highest (ties: each tied group).

    E.g. "this slot has the highest median engagement in 29 % of replicates": a claim that a
    group is the best is supported only when this share is high.

    Parameters
    ----------
    draws : array-like of float
        Shape ``(n_boot, n_groups)`` (:func:`resample_statistic` with ``group_codes``); NaN (a
        group absent from a replicate) never wins.

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(n_groups,)``, over the replicates where at least one group is defined.
    """
    values = np.asarray(draws, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"draws must be 2-D (replicates x groups), not shape {values.shape}")
    defined = ~np.isnan(values).all(axis=1)
    values = values[defined]
    if len(values) == 0:
        return np.full(values.shape[1], np.nan)
    best = np.nanmax(values, axis=1, keepdims=True)
    return (values == best).mean(axis=0)
