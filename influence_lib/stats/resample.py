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
COUNT_BINS = 1 << 17  # bins counted at once (speed only: small enough for the cache)
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
    """Counts of each unit in ``rows`` resamples of ``units`` drawn with replacement.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws ``rng.integers(0, units, size=(rows, units))``: the stream's definition.
    units : int
    rows : int

    Returns
    -------
    numpy.ndarray
        int32 (a count is at most ``units``; int64 beyond int32) of shape ``(rows, units)``.
    """
    picks = rng.integers(0, units, size=(rows, units))
    counts = np.empty((rows, units), dtype=np.int32 if units < 2**31 else np.int64)
    step = max(1, COUNT_BINS // units)  # rows counted at once: their bins stay in cache
    for first in range(0, rows, step):
        part = picks[first:first + step]
        if len(part) > 1:  # one bincount for several rows: each row's bins after the previous ones
            part = part + (np.arange(len(part), dtype=np.int64) * units)[:, None]
        counts[first:first + step] = np.bincount(part.reshape(-1), minlength=part.size).reshape(part.shape)
    return counts


def _group_layout(x: np.ndarray, codes: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Posts sorted by group, then by value (stable), and the bounds of each group in that order.

    Parameters
    ----------
    x : numpy.ndarray
        Values of the kept posts.
    codes : numpy.ndarray
        Their groups (0 .. n_groups - 1).
    n_groups : int

    Returns
    -------
    order : numpy.ndarray
        Post indices; within a group, the stable ``argsort`` of its values (ties in post order).
    bounds : numpy.ndarray
        int64 of length ``n_groups + 1``: group ``g`` is ``order[bounds[g]:bounds[g + 1]]``.
    """
    by_value = np.argsort(x, kind="stable")
    order = by_value[np.argsort(codes[by_value], kind="stable")]
    bounds = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(codes, minlength=n_groups), out=bounds[1:])
    return order, bounds


def _grouped_medians(sorted_values: np.ndarray, counts: np.ndarray, bounds: np.ndarray, total: int) -> np.ndarray:
    """Median of each row's multiset in each group (``counts`` copies of each value); NaN when empty.

    Equal to ``np.median`` of the expanded multiset: the middle value, or the mean of the two
    middle values. One running count over all rows and posts serves every group: the ``k``-th
    value (from 0) of a group in a row is at the first post whose running count exceeds the
    count before the group plus ``k`` (posts drawn 0 times never are).

    Parameters
    ----------
    sorted_values : numpy.ndarray
        Values of the posts, sorted as :func:`_group_layout` orders them.
    counts : numpy.ndarray
        int of shape ``(rows, posts)``: copies of each post (same order) in each row.
    bounds : numpy.ndarray
        Group bounds from :func:`_group_layout`.
    total : int
        Sum of ``counts`` (or more): int32 running counts when it fits.

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(rows, n_groups)``.
    """
    rows, n = counts.shape
    out = np.full((rows, len(bounds) - 1), np.nan)
    if n == 0:
        return out
    dtype = np.int32 if total < 2**31 else np.int64
    running = np.cumsum(counts.reshape(-1), dtype=dtype)  # non-decreasing across the rows as well
    edges = (np.arange(rows, dtype=np.int64) * n)[:, None] + bounds[None, :]
    before = np.where(edges > 0, running[np.maximum(edges - 1, 0)], 0).astype(dtype)  # count before each bound
    size = np.diff(before, axis=1)
    filled = size > 0
    start, size = before[:, :-1][filled], size[filled]
    targets = np.stack([start + (size - 1) // 2, start + size // 2], axis=1)  # sorted: one pass
    found = np.searchsorted(running, targets.reshape(-1), side="right").reshape(-1, 2)
    found -= (np.nonzero(filled)[0] * n)[:, None]  # position in the row
    out[filled] = (sorted_values[found[:, 0]] + sorted_values[found[:, 1]]) / 2
    return out


def _statistic(statistic: str, values: np.ndarray, weights: np.ndarray | None, counts: np.ndarray) -> np.ndarray:
    """The mean, share or sum of each row of counts over one group's values (sorted by value)."""
    if statistic == "sum":
        return counts.astype(np.float64) @ values
    if weights is None:
        size = counts.sum(axis=1).astype(np.float64)
        counts = counts.astype(np.float64)
        return np.divide(counts @ values, size, out=np.full(len(size), np.nan), where=size > 0)
    counts = counts.astype(np.float64)
    base = counts @ weights
    return np.divide(counts @ (values * weights), base, out=np.full(len(base), np.nan), where=base != 0)


def _group_statistics(statistic: str, sorted_values: np.ndarray, sorted_weights: np.ndarray | None,
                      counts: np.ndarray, bounds: np.ndarray, total: int) -> np.ndarray:
    """The statistic of each row of counts in each group (posts in :func:`_group_layout` order).

    Parameters
    ----------
    statistic : str
    sorted_values : numpy.ndarray
    sorted_weights : numpy.ndarray or None
    counts : numpy.ndarray
        int of shape ``(rows, posts)``.
    bounds : numpy.ndarray
    total : int
        Sum of ``counts`` (or more).

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(rows, n_groups)``; NaN for a group without posts.
    """
    if statistic == "median":
        return _grouped_medians(sorted_values, counts, bounds, total)
    out = np.full((len(counts), len(bounds) - 1), np.nan)
    for g, (low, high) in enumerate(zip(bounds[:-1], bounds[1:])):
        if high > low:  # copies: the same fresh arrays as one group's own (same BLAS calls)
            out[:, g] = _statistic(statistic, sorted_values[low:high].copy(),
                                   None if sorted_weights is None else sorted_weights[low:high].copy(),
                                   counts[:, low:high])
    return out


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
    order, bounds = _group_layout(x, codes, int(n_groups))
    sorted_x, sorted_w = x[order], None if w is None else w[order]
    unit_of = order if cluster_codes is None else cluster_codes[order]  # a post counts as often as its unit
    per_unit = np.bincount(unit_of, minlength=units)  # posts of each unit
    rows = max(1, int(cells) // max(units, len(x)))
    for start in range(0, n_boot, rows):
        stop = min(n_boot, start + rows)
        drawn = _index_counts(rng, units, stop - start)
        total = len(x) * (stop - start) if cluster_codes is None else int(drawn.sum(axis=0, dtype=np.int64) @ per_unit)
        counts = np.take(drawn, unit_of, axis=1)
        out[start:stop] = _group_statistics(statistic, sorted_x, sorted_w, counts, bounds, total)
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
    order, bounds = _group_layout(x, codes, int(n_groups))
    counts = np.ones((1, len(x)), dtype=np.int64)
    return _group_statistics(statistic, x[order], None if w is None else w[order], counts, bounds, len(x))[0]


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
