"""Poisson(1) post-level bootstrap of grouped sums: keyed replicate weights, an exact and a split engine.

Replicate ``b`` gives post ``p`` the weight ``w[b, p]`` ~ Poisson(1), a pure function of
(seed, key of p, b) (:mod:`influence_lib.stats.keyed`), and a group's replicate total is
``sum_p w[b, p] * x_p``. So the replicate totals are the same whatever the row order, however the
posts are partitioned (compute each partition's totals and add them) and however the replicates
are shared between processes (``first_replicate``). With integer values the float64 sums are
exact (below 2**53) and the results are identical bit for bit; with fractional values they agree
to float rounding, which :func:`influence_lib.ranking.comparable_scores` absorbs.

The split engine is for large scopes: posts that weigh in their group's sum of squares get exact
keyed weights; the rest of each group (the bulk) is replaced by its Gaussian limit, whose mean
and variance under Poisson(1) weights are known in closed form (Σx and Σx²).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from influence_lib.stats.keyed import POISSON_TAG, key_bases, normal_draws, poisson_rows, stable_keys

MAX_CELLS = 2**23  # posts x replicates drawn at once by the exact engine (about 200 MB at peak)
SPLIT_CELLS = 2**21  # groups x replicates drawn at once by the split engine (arrays of 16 MB)
EXACT_SHARE = 1 / 64  # split engine: a post is exact when x² >= this share of its group's Σx²
AUTO_EXACT_CELLS = 2**24  # engine "auto": exact up to this many posts x replicates (1.7 * 10^4 posts at B = 1,000)
ENGINES = ("auto", "exact", "split")


def _check(group_codes, values, n_groups: int, n_boot: int, first_replicate: int) -> tuple[np.ndarray, np.ndarray]:
    codes = np.asarray(group_codes)
    if codes.ndim != 1 or codes.dtype.kind not in "iu":
        raise ValueError("group_codes must be a 1-D array of integers")
    columns = np.asarray(values, dtype=np.float64)
    if columns.ndim == 1:
        columns = columns[:, None]
    if columns.ndim != 2 or len(columns) != len(codes):
        raise ValueError(f"values must have one row per group code ({len(codes)}), not shape {columns.shape}")
    if int(n_groups) < 1:
        raise ValueError(f"n_groups must be positive, not {n_groups}")
    if len(codes) and (codes.min() < 0 or codes.max() >= n_groups):
        bad = int(np.count_nonzero((codes < 0) | (codes >= n_groups)))
        raise ValueError(f"{bad} group codes outside 0..{n_groups - 1}: drop those rows or fix the codes")
    if not np.isfinite(columns).all():
        raise ValueError("values must be finite (an unknown count must be dropped or set before the bootstrap)")
    if int(n_boot) < 1:
        raise ValueError(f"n_boot must be a positive integer, not {n_boot}")
    if int(first_replicate) < 0:
        raise ValueError(f"first_replicate must be >= 0, not {first_replicate}")
    return codes.astype(np.int64, copy=False), columns


def _keys(keys, n: int) -> np.ndarray:
    found = keys if isinstance(keys, np.ndarray) and keys.dtype == np.uint64 else stable_keys(keys)
    if len(found) != n:
        raise ValueError(f"keys must have one entry per row ({n}), not {len(found)}")
    return found


def replicate_sums(group_codes, values, keys, n_groups: int, seed: int, n_boot: int, *,
                   first_replicate: int = 0, max_cells: int = MAX_CELLS) -> np.ndarray:
    """Exact Poisson(1) bootstrap sums of several value columns per group, sharing the weights.

    Parameters
    ----------
    group_codes : array-like of int
        Group of each post, 0 to ``n_groups - 1``.
    values : array-like
        Shape ``(n,)`` or ``(n, k)``: ``k`` value columns (e.g. engagement, likes, 1 for counts).
    keys : array-like
        Stable key of each post: uint64 keys (:func:`~influence_lib.stats.keyed.stable_keys`) or
        the ids themselves (e.g. ``post_id`` strings), hashed here.
    n_groups : int
    seed : int
        0 to 2**64 - 1; same seed, same replicates.
    n_boot : int
        Replicates wanted.
    first_replicate : int
        Index of the first replicate: replicates ``first .. first + n_boot - 1`` are computed, so
        that processes can share a run (their stacked outputs equal one call's).
    max_cells : int
        Posts x replicates drawn at once (bounds memory); does not change the results.

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(k, n_boot, n_groups)`` (``k = 1`` for 1-D values).
    """
    codes, columns = _check(group_codes, values, n_groups, n_boot, first_replicate)
    n, k = columns.shape
    out = np.zeros((k, int(n_boot), int(n_groups)))
    keys = _keys(keys, n)
    used = np.flatnonzero((columns != 0).any(axis=1))  # a post worth 0 everywhere adds nothing
    if used.size == 0:
        return out
    codes, columns, bases = codes[used], columns[used], key_bases(keys[used], seed, POISSON_TAG)
    n = len(used)
    # one column per post, holding its k values at rows j * n_groups + group (built as is: no sort)
    rows = (np.arange(k)[None, :] * int(n_groups) + codes[:, None]).reshape(-1)
    design = sparse.csc_array((columns.reshape(-1), rows, np.arange(0, n * k + 1, k)), shape=(k * int(n_groups), n))
    chunk = max(2, (int(max_cells) // n) // 2 * 2)
    for start in range(0, int(n_boot), chunk):
        count = min(chunk, int(n_boot) - start)
        weights = poisson_rows(bases, int(first_replicate) + start, count)  # (n, count)
        sums = design @ weights  # (k * n_groups, count)
        out[:, start: start + count, :] = sums.reshape(k, int(n_groups), count).transpose(0, 2, 1)
    return out


def replicate_totals(group_codes, values, keys, n_groups: int, seed: int, n_boot: int, *,
                     first_replicate: int = 0, max_cells: int = MAX_CELLS) -> np.ndarray:
    """Exact Poisson(1) bootstrap totals per group: ``T[b, g] = sum over posts p of g of w[b, p] * x_p``.

    Parameters
    ----------
    group_codes : array-like of int
        Group of each post, 0 to ``n_groups - 1``.
    values : array-like
        One value per post (its engagement, or its score under the methodology).
    keys : array-like
        Stable key of each post (uint64 from :func:`~influence_lib.stats.keyed.stable_keys`, or
        the ids, e.g. ``post_id`` strings).
    n_groups : int
    seed : int
    n_boot : int
    first_replicate : int
        See :func:`replicate_sums`.
    max_cells : int
        See :func:`replicate_sums`.

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(n_boot, n_groups)``. The variance of ``T[:, g]`` over replicates
        estimates ``sum x_p**2`` of group ``g`` (the variance of a Poisson(1) weight is 1).
    """
    return replicate_sums(group_codes, np.asarray(values, dtype=np.float64).reshape(-1), keys, n_groups, seed,
                          n_boot, first_replicate=first_replicate, max_cells=max_cells)[0]


def replicate_totals_and_counts(group_codes, values, keys, n_groups: int, seed: int, n_boot: int, *,
                                first_replicate: int = 0,
                                max_cells: int = MAX_CELLS) -> tuple[np.ndarray, np.ndarray]:
    """Exact replicate totals and replicate post counts per group, from the same weights.

    A normalised methodology is recomputed per replicate from these (per post: totals / counts;
    per member: totals / members). For active members per replicate, call
    :func:`replicate_totals` with member codes and values 1: a member is active in replicate
    ``b`` when its count is > 0.

    Parameters
    ----------
    group_codes, values, keys, n_groups, seed, n_boot, first_replicate, max_cells
        As :func:`replicate_totals`.

    Returns
    -------
    totals : numpy.ndarray
        float64 ``(n_boot, n_groups)``.
    counts : numpy.ndarray
        float64 ``(n_boot, n_groups)``: ``sum_p w[b, p]``, the number of posts of each group in
        each replicate (whole numbers).
    """
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    both = replicate_sums(group_codes, np.column_stack([values, np.ones_like(values)]), keys, n_groups, seed,
                          n_boot, first_replicate=first_replicate, max_cells=max_cells)
    return both[0], both[1]


@dataclass(frozen=True)
class GroupMoments:
    """Per group: posts, Σx and Σx² (``count``, ``total``, ``square``); partitions' moments add up."""

    count: np.ndarray
    total: np.ndarray
    square: np.ndarray

    def __add__(self, other: GroupMoments) -> GroupMoments:
        """Moments of the union of two disjoint sets of posts."""
        return GroupMoments(self.count + other.count, self.total + other.total, self.square + other.square)

    def __sub__(self, other: GroupMoments) -> GroupMoments:
        """Moments of a set of posts without a subset of it."""
        return GroupMoments(self.count - other.count, self.total - other.total, self.square - other.square)


def _moments(codes: np.ndarray, x: np.ndarray, n_groups: int) -> GroupMoments:
    return GroupMoments(np.bincount(codes, minlength=n_groups).astype(np.float64),
                        np.bincount(codes, weights=x, minlength=n_groups).astype(np.float64),
                        np.bincount(codes, weights=x * x, minlength=n_groups).astype(np.float64))


def group_moments(group_codes, values, n_groups: int) -> GroupMoments:
    """Posts, Σx and Σx² of each group (three bincounts).

    Parameters
    ----------
    group_codes : array-like of int
    values : array-like of float
    n_groups : int

    Returns
    -------
    GroupMoments
        float64 arrays of length ``n_groups``; exact for integer values below 2**53.
    """
    codes, columns = _check(group_codes, values, n_groups, 1, 0)
    return _moments(codes, columns[:, 0], int(n_groups))


def _thresholds(moments: GroupMoments, exact_share: float) -> np.ndarray:
    if not 0 < exact_share <= 1:
        raise ValueError(f"exact_share must be in (0, 1], not {exact_share}")
    limit = np.sqrt(exact_share * moments.square)
    limit[moments.square == 0] = np.inf  # a group of zeros has nothing to draw exactly
    return limit


def split_selection(group_codes, values, moments: GroupMoments, exact_share: float = EXACT_SHARE) -> np.ndarray:
    """Posts the split engine draws exactly: ``|x| >= sqrt(exact_share * Σx²)`` of their group, ``x != 0``.

    That is, the posts whose square is at least ``exact_share`` of their group's Σx². The rule
    is order-free (one comparison per post) and bounded: a group has at most
    ``1 / exact_share`` such posts. The rest of a group, its bulk, then has no post above that
    share of its Σx², which bounds its effective number of posts ``(Σx)²/Σx²`` from below by
    ``1 / exact_share`` (for non-negative values) and makes its Gaussian limit accurate.

    Parameters
    ----------
    group_codes : array-like of int
    values : array-like of float
    moments : GroupMoments
        Of all the scope's posts (:func:`group_moments`, summed over partitions if any).
    exact_share : float
        In (0, 1].

    Returns
    -------
    numpy.ndarray
        Boolean mask, one per post.
    """
    codes = np.asarray(group_codes, dtype=np.int64)
    x = np.abs(np.asarray(values, dtype=np.float64))
    return x >= _thresholds(moments, exact_share)[codes]


def split_replicate_sums(group_codes, values, keys, n_groups: int, seed: int, n_boot: int, *,
                         exact_share: float = EXACT_SHARE, group_keys=None,
                         first_replicate: int = 0, max_cells: int = SPLIT_CELLS) -> tuple[np.ndarray, np.ndarray]:
    """Replicate totals and counts by the split engine: exact weights for the big posts, Gaussian bulk.

    For each group, the posts chosen by :func:`split_selection` get their exact keyed Poisson(1)
    weights (the same as :func:`replicate_totals` gives them); the rest of each group is drawn
    by :func:`gaussian_bulk` (totals clipped at 0 when no value is negative). Cost: O(n) for the
    moments and the selection, then O((selected posts + groups) x n_boot).

    Partitioned posts (e.g. Dask): add the partitions' :func:`group_moments`; in each partition
    select with :func:`split_selection` against those global moments and take
    :func:`replicate_totals_and_counts` of the selected posts and their moments; add both up;
    then add :func:`gaussian_bulk` of the global moments minus the selected ones. The result
    equals this function's.

    Parameters
    ----------
    group_codes, values, keys, n_groups, seed, n_boot
        As :func:`replicate_totals`; ``keys`` are hashed only for the selected posts when ids
        are given.
    exact_share : float
        See :func:`split_selection`; smaller is more exact and slower.
    group_keys : array-like, optional
        Stable keys (or ids, e.g. ``org_id``) of the groups, so that a group's normals do not
        depend on its code; default the codes 0 .. n_groups - 1.
    first_replicate : int
        See :func:`replicate_sums`.
    max_cells : int
        Groups x replicates drawn at once (bounds the working memory to a few arrays of that
        many floats besides the result); does not change the results.

    Returns
    -------
    totals : numpy.ndarray
        float64 ``(n_boot, n_groups)``.
    counts : numpy.ndarray
        float64 ``(n_boot, n_groups)``; not whole numbers where a bulk is drawn.
    """
    engine = SplitEngine(group_codes, values, keys, n_groups, exact_share=exact_share, group_keys=group_keys)
    return engine.draw(seed, n_boot, first_replicate, max_cells)


class SplitEngine:
    """The split engine prepared once for a set of posts (moments, exact posts, keys), then drawn a block at a time.

    :func:`split_replicate_sums` and :func:`split_replicate_totals` are one call of it; a caller
    that draws its replicates in blocks (to bound memory) keeps one and pays for the
    preparation, O(posts), once. Draws are keyed by replicate, so any blocks give the same numbers.

    Parameters
    ----------
    group_codes, values, keys, n_groups, exact_share, group_keys
        As :func:`split_replicate_sums`.
    with_counts : bool
        Also draw the replicate counts (otherwise :meth:`draw` returns None for them).
    """

    def __init__(self, group_codes, values, keys, n_groups: int, *, exact_share: float = EXACT_SHARE,
                 group_keys=None, with_counts: bool = True):
        codes, columns = _check(group_codes, values, n_groups, 1, 0)
        if columns.shape[1] != 1:
            raise ValueError("the split engine takes one value column")
        x = columns[:, 0]
        self.n_groups, self.with_counts = int(n_groups), bool(with_counts)
        moments = _moments(codes, x, self.n_groups)
        magnitude = x if x.min(initial=0) >= 0 else np.abs(x)
        chosen = np.flatnonzero(magnitude >= _thresholds(moments, exact_share)[codes])
        keys = keys if isinstance(keys, np.ndarray) else np.asarray(keys)
        if len(keys) != len(x):
            raise ValueError(f"keys must have one entry per row ({len(x)}), not {len(keys)}")
        self.codes, self.keys = codes[chosen], _keys(keys[chosen], len(chosen))  # ids hashed once
        # the totals alone need only the values' column; with the counts, a column of ones too
        self.values = np.column_stack([x[chosen], np.ones(len(chosen))]) if with_counts else x[chosen]
        self.bulk = moments - _moments(self.codes, x[chosen], self.n_groups)
        self.group_keys = None if group_keys is None else _keys(group_keys, self.n_groups)
        self.nonnegative = len(x) == 0 or bool(x.min() >= 0)

    def draw(self, seed: int, n_boot: int, first_replicate: int = 0,
             max_cells: int = SPLIT_CELLS) -> tuple[np.ndarray, np.ndarray | None]:
        """Totals (and counts) of replicates ``first_replicate .. first_replicate + n_boot - 1``.

        ``max_cells`` groups x replicates are drawn at once (bounds the working memory besides the
        result); it does not change the results.

        Returns
        -------
        totals : numpy.ndarray
            float64 ``(n_boot, n_groups)``.
        counts : numpy.ndarray or None
            float64 ``(n_boot, n_groups)`` with ``with_counts``.
        """
        _check(self.codes, self.values, self.n_groups, n_boot, first_replicate)
        n_boot, first = int(n_boot), int(first_replicate)
        totals = np.empty((n_boot, self.n_groups))
        counts = np.empty((n_boot, self.n_groups)) if self.with_counts else None
        step = max(1, int(max_cells) // max(self.n_groups, 1))
        for start in range(0, n_boot, step):
            count = min(step, n_boot - start)
            exact = replicate_sums(self.codes, self.values, self.keys, self.n_groups, seed, count,
                                   first_replicate=first + start)
            bulk_totals, bulk_counts = gaussian_bulk(self.bulk, seed, count, group_keys=self.group_keys,
                                                     first_replicate=first + start, nonnegative=self.nonnegative)
            np.add(exact[0], bulk_totals, out=totals[start: start + count])
            if self.with_counts:
                np.add(exact[1], bulk_counts, out=counts[start: start + count])
        return totals, counts


def gaussian_bulk(bulk: GroupMoments, seed: int, n_boot: int, *, group_keys=None, first_replicate: int = 0,
                  nonnegative: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Replicate totals and counts of each group's bulk, from the Gaussian limit of the Poisson bootstrap.

    Under Poisson(1) weights a bulk's replicate total ``T`` and count ``N`` have means ``Σx`` and
    ``n``, variances ``Σx²`` and ``n`` and covariance ``Σx``. With two keyed standard normals
    ``Z1``, ``Z2`` per group and replicate: ``N = n + sqrt(n) Z1`` and
    ``T = Σx + (Σx / sqrt(n)) Z1 + sqrt(Σx² - (Σx)² / n) Z2``.

    Parameters
    ----------
    bulk : GroupMoments
        The bulk's moments: all the posts' minus the exact posts' (summed over partitions).
    seed : int
    n_boot : int
    group_keys : array-like, optional
        Stable keys or ids of the groups (the normals follow them); default the codes.
    first_replicate : int
    nonnegative : bool
        Clip the totals at 0 (for values that are never negative); counts are always clipped.

    Returns
    -------
    totals, counts : numpy.ndarray
        float64 ``(n_boot, n_groups)`` each; 0 for a group without bulk.
    """
    n_groups = len(bulk.count)
    if group_keys is None:
        group_keys = np.arange(n_groups, dtype=np.uint64)
    group_keys = _keys(group_keys, n_groups)
    first, n_boot = int(first_replicate), int(n_boot)
    shared = normal_draws(group_keys, seed, first, n_boot, stream=0).T  # (n_boot, n_groups)
    own = normal_draws(group_keys, seed, first, n_boot, stream=1).T
    n = np.maximum(bulk.count, 0.0)
    root_n = np.sqrt(n)
    slope = np.divide(bulk.total, root_n, out=np.zeros_like(bulk.total), where=root_n > 0)
    rest = np.sqrt(np.maximum(bulk.square - slope * slope, 0.0))
    totals = bulk.total + slope * shared + rest * own
    counts = np.maximum(n + root_n * shared, 0.0)
    return (np.maximum(totals, 0.0) if nonnegative else totals), counts


def split_replicate_totals(group_codes, values, keys, n_groups: int, seed: int, n_boot: int, *,
                           exact_share: float = EXACT_SHARE, group_keys=None,
                           first_replicate: int = 0, max_cells: int = SPLIT_CELLS) -> np.ndarray:
    """Replicate totals by the split engine (see :func:`split_replicate_sums`), without the counts.

    Parameters
    ----------
    group_codes, values, keys, n_groups, seed, n_boot, exact_share, group_keys, first_replicate, max_cells
        As :func:`split_replicate_sums`.

    Returns
    -------
    numpy.ndarray
        float64 ``(n_boot, n_groups)``; the same draws as the totals of
        :func:`split_replicate_sums`.
    """
    engine = SplitEngine(group_codes, values, keys, n_groups, exact_share=exact_share, group_keys=group_keys,
                         with_counts=False)
    return engine.draw(seed, n_boot, first_replicate, max_cells)[0]


def bootstrap_totals(group_codes, values, keys, n_groups: int, seed: int, n_boot: int, *, engine: str = "auto",
                     with_counts: bool = False, group_keys=None, first_replicate: int = 0):
    """Replicate totals (and counts) by the engine the scope's size calls for: the one entry point.

    Parameters
    ----------
    group_codes, values, keys, n_groups, seed, n_boot, first_replicate
        As :func:`replicate_totals`.
    engine : {"auto", "exact", "split"}
        ``auto`` is exact while posts x replicates stay under :data:`AUTO_EXACT_CELLS`, split
        above (the two agree within Monte Carlo noise, not bit for bit: record the engine used).
    with_counts : bool
        Also return the replicate post counts.
    group_keys : array-like, optional
        Stable keys or ids of the groups, for the split engine's normals.

    Returns
    -------
    numpy.ndarray or tuple of numpy.ndarray
        ``totals`` (``(n_boot, n_groups)``), or ``(totals, counts)`` with ``with_counts``.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "auto":
        engine = "exact" if len(np.asarray(group_codes)) * int(n_boot) <= AUTO_EXACT_CELLS else "split"
    if engine == "split":
        totals, counts = split_replicate_sums(group_codes, values, keys, n_groups, seed, n_boot,
                                              group_keys=group_keys, first_replicate=first_replicate)
    elif with_counts:
        totals, counts = replicate_totals_and_counts(group_codes, values, keys, n_groups, seed, n_boot,
                                                     first_replicate=first_replicate)
    else:
        totals, counts = replicate_totals(group_codes, values, keys, n_groups, seed, n_boot,
                                          first_replicate=first_replicate), None
    return (totals, counts) if with_counts else totals
