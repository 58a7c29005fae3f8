"""Resampling bootstrap: the trends' stream, medians of resampled multisets, and author clusters."""

from __future__ import annotations

import numpy as np
import pytest

from influence_lib.stats import (
    bootstrap_difference,
    bootstrap_statistic,
    check_bootstrap,
    percentile_interval,
    point_statistic,
    resample_statistic,
    top_share,
)


def _legacy(values, statistic, seed, n_boot, cells):
    """The trends tables' bootstrap: blocks of rng.integers(0, n, size=(rows, n)) index matrices."""
    rng = np.random.default_rng(seed)
    n = len(values)
    rows = max(1, cells // n)
    out = []
    for start in range(0, n_boot, rows):
        idx = rng.integers(0, n, size=(min(n_boot, start + rows) - start, n))
        out.append(statistic(values[idx]))
    return np.concatenate(out)


def test_posts_resampling_is_the_trends_stream():
    rng = np.random.default_rng(0)
    odd = np.floor(rng.lognormal(2, 1, 301))
    even = np.floor(rng.lognormal(2, 1, 300))
    for values in (odd, even):
        found = resample_statistic(values, "median", seed=7, n_boot=50, cells=2_000)[:, 0]
        assert np.array_equal(found, _legacy(values, lambda v: np.median(v, axis=1), 7, 50, 2_000))
        found = resample_statistic(values, "mean", seed=7, n_boot=50)[:, 0]
        assert np.array_equal(found, _legacy(values, lambda v: v.mean(axis=1), 7, 50, 4_000_000))
    women = (rng.random(200) < 0.4).astype(float)
    engagement = np.floor(rng.lognormal(2, 1, 200))
    found = resample_statistic(women, "share", seed=3, n_boot=40, weights=engagement)[:, 0]
    legacy = _legacy(np.arange(200), lambda i: (women * engagement)[i].sum(axis=1) / engagement[i].sum(axis=1),
                     3, 40, 4_000_000)
    assert np.array_equal(found, legacy)


def test_a_shared_generator_continues_its_stream():
    values = np.arange(50.0)
    rng = np.random.default_rng(1)
    first = resample_statistic(values, "median", seed=rng, n_boot=10)
    second = resample_statistic(values, "median", seed=rng, n_boot=10)
    both = resample_statistic(values, "median", seed=1, n_boot=20)
    assert np.array_equal(np.vstack([first, second]), both)


def test_cluster_resampling_draws_whole_authors():
    values = np.array([1.0, 2.0, 3.0, 10.0, 20.0, 5.0])
    authors = np.array(["b", "b", "b", "a", "a", "c"])  # codes in sorted order: a = 0, b = 1, c = 2
    found = resample_statistic(values, "median", seed=5, n_boot=30, clusters=authors)[:, 0]
    rng = np.random.default_rng(5)
    picks = rng.integers(0, 3, size=(30, 3))
    posts = {0: [10.0, 20.0], 1: [1.0, 2.0, 3.0], 2: [5.0]}
    expected = [np.median(np.concatenate([posts[c] for c in row])) for row in picks]
    assert np.array_equal(found, expected)


def test_group_statistics_share_their_resamples():
    rng = np.random.default_rng(2)
    values = np.floor(rng.lognormal(2, 1, 400))
    codes = rng.integers(-1, 3, 400)  # -1: left out
    draws = resample_statistic(values, "median", seed=1, n_boot=200, group_codes=codes, n_groups=4)
    assert draws.shape == (200, 4) and np.isnan(draws[:, 3]).all()
    assert np.array_equal(point_statistic(values, "median", group_codes=codes, n_groups=3),
                          [np.median(values[codes == g]) for g in range(3)])


def test_a_clear_difference_excludes_zero_and_none_includes_it():
    rng = np.random.default_rng(3)
    authors = np.repeat(np.arange(60), 10)
    level = rng.lognormal(2, 0.3, 60)[authors]  # posts of one author are alike
    values = np.floor(level * rng.lognormal(0, 0.3, 600))
    is_a = rng.random(600) < 0.5
    lifted = np.where(is_a, values * 3, values)
    clear = bootstrap_difference(lifted, is_a, ~is_a, "median", seed=1, n_boot=1_000, clusters=authors)
    assert clear.low > 0 and clear.low < clear.estimate < clear.high and clear.n_valid == 1_000
    none = bootstrap_difference(values, is_a, ~is_a, "median", seed=1, n_boot=1_000, clusters=authors)
    assert none.low < 0 < none.high


def test_clustered_posts_give_wider_intervals_by_author():
    rng = np.random.default_rng(4)
    authors = np.repeat(np.arange(40), 25)
    values = np.floor(rng.lognormal(2, 1, 40)[authors] * rng.lognormal(0, 0.2, 1_000))
    by_post = bootstrap_statistic(values, "mean", seed=2, n_boot=1_000)
    by_author = bootstrap_statistic(values, "mean", seed=2, n_boot=1_000, clusters=authors)
    assert by_post.estimate == by_author.estimate == pytest.approx(values.mean())
    assert (by_author.high - by_author.low) > 2.5 * (by_post.high - by_post.low)


def test_empty_groups_and_bad_arguments():
    empty = bootstrap_statistic(np.array([]), "median", seed=1, n_boot=10)
    assert np.isnan(empty.estimate) and np.isnan(empty.low) and empty.n_valid == 0
    assert percentile_interval([np.nan, 1.0, 2.0, 3.0], 0.5) == (1.5, 2.5)
    with pytest.raises(ValueError, match="n_boot"):
        check_bootstrap(0, 0.9)
    with pytest.raises(ValueError, match="level"):
        check_bootstrap(10, 1.5)
    with pytest.raises(ValueError, match="statistic"):
        resample_statistic([1.0], "mode", seed=1)
    with pytest.raises(ValueError, match="0 and 1"):
        resample_statistic([1.0, 2.0], "share", seed=1)
    with pytest.raises(ValueError, match="both groups"):
        bootstrap_difference([1.0, 2.0], [True, True], [True, False], seed=1)


def test_top_share_counts_the_replicates_each_group_wins():
    draws = np.array([[3.0, 1.0, np.nan], [2.0, 2.0, 1.0], [1.0, 5.0, 0.0], [np.nan, np.nan, np.nan]])
    # the last replicate has no group: left out; the tie in the second counts for both
    assert top_share(draws).tolist() == [2 / 3, 2 / 3, 0.0]


def _reference(values, statistic, seed, n_boot, codes, n_groups, clusters, weights, cells):
    """Replicates computed the plain way: same draws, then each group's multiset expanded per replicate."""
    rng = np.random.default_rng(seed)
    keep = codes >= 0
    x, codes = values[keep], codes[keep]
    w = None if weights is None else weights[keep]
    unit_of = np.arange(len(x)) if clusters is None else np.unique(clusters[keep], return_inverse=True)[1]
    units = int(unit_of.max(initial=-1)) + 1
    out = np.full((n_boot, n_groups), np.nan)
    if units == 0:
        return out
    rows = max(1, cells // max(units, len(x)))
    for start in range(0, n_boot, rows):
        picks = rng.integers(0, units, size=(min(n_boot, start + rows) - start, units))
        counts = np.array([np.bincount(row, minlength=units) for row in picks])[:, unit_of]
        for g in range(n_groups):
            mine = np.flatnonzero(codes == g)
            mine = mine[np.argsort(x[mine], kind="stable")]
            if not mine.size:
                continue
            if statistic == "median":
                for r, row in enumerate(counts[:, mine]):
                    expanded = np.repeat(x[mine], row)
                    size = len(expanded)
                    if size:
                        out[start + r, g] = (expanded[(size - 1) // 2] + expanded[size // 2]) / 2
                continue
            mass = counts[:, mine].astype(np.float64)  # the matrix products of the original implementation
            if statistic == "sum":
                out[start:start + len(mass), g] = mass @ x[mine]
            elif w is None:
                size = mass.sum(axis=1)
                out[start:start + len(mass), g] = np.divide(mass @ x[mine], size, out=np.full(len(size), np.nan),
                                                            where=size > 0)
            else:
                base = mass @ w[mine]
                out[start:start + len(mass), g] = np.divide(mass @ (x[mine] * w[mine]), base,
                                                            out=np.full(len(base), np.nan), where=base != 0)
    return out


@pytest.mark.parametrize("statistic", ["median", "mean", "share", "sum"])
@pytest.mark.parametrize("count_bins", [1, 5, 1 << 17])
def test_replicates_equal_the_plain_computation_bit_for_bit(statistic, count_bins, monkeypatch):
    # COUNT_BINS only changes how many rows one bincount covers: one row, a few, all
    monkeypatch.setattr("influence_lib.stats.resample.COUNT_BINS", count_bins)
    rng = np.random.default_rng(11)
    empty = defined = 0
    for case in range(40):
        n = int(rng.choice([1, 2, 3, 8, 40, 150]))
        n_groups = int(rng.integers(1, 7))
        values = rng.integers(0, 4, n).astype(float)  # many ties
        if statistic == "share":
            values = (values > 1).astype(float)
        elif case % 3 == 0:
            values = np.floor(rng.lognormal(1, 1, n)) * rng.choice([-1.0, 1.0], n)
        codes = rng.integers(-1, n_groups, n)  # -1 leaves a post out; some groups empty or of one post
        codes[codes == n_groups - 1] = -1 if case % 2 else n_groups - 1
        clusters = rng.integers(0, max(1, n // 4), n).astype(str) if case % 4 < 2 else None
        weights = None
        if statistic in ("mean", "share") and case % 5 < 3:
            weights = np.floor(rng.lognormal(1, 1, n)) * (rng.random(n) < 0.6)  # zero weights too
        cells = int(rng.choice([1, 30, 500, 4_000_000]))  # blocks of 1 replicate up to all of them
        n_boot = int(rng.integers(1, 40))
        found = resample_statistic(values, statistic, seed=case, n_boot=n_boot, group_codes=codes,
                                   n_groups=n_groups, clusters=clusters, weights=weights, cells=cells)
        expected = _reference(values, statistic, case, n_boot, codes, n_groups, clusters, weights, cells)
        assert np.array_equal(found, expected, equal_nan=True), case
        assert np.array_equal(np.signbit(found), np.signbit(expected)), case
        empty, defined = empty + np.isnan(found).any(), defined + (~np.isnan(found)).any()
        points = point_statistic(values, statistic, group_codes=codes, n_groups=n_groups, weights=weights)
        if statistic == "median":
            plain = [np.median(values[codes == g]) if (codes == g).any() else np.nan for g in range(n_groups)]
            assert np.array_equal(points, plain, equal_nan=True)
    assert empty > 5 and defined > 20  # the cases include empty groups and defined ones


def test_a_median_is_the_same_with_wide_running_counts():
    from influence_lib.stats.resample import _group_layout, _grouped_medians

    rng = np.random.default_rng(5)
    values, codes = rng.integers(0, 5, 300).astype(float), rng.integers(0, 4, 300)
    order, bounds = _group_layout(values, codes, 5)
    counts = rng.poisson(0.8, (20, 300)).astype(np.int32)
    narrow = _grouped_medians(values[order], counts, bounds, int(counts.sum()))  # int32 running counts
    wide = _grouped_medians(values[order], counts, bounds, 2**31)  # int64
    assert np.array_equal(narrow, wide, equal_nan=True) and np.isnan(narrow[:, 4]).all()
    expected = [[np.median(np.repeat(values[order][bounds[g]:bounds[g + 1]], row[bounds[g]:bounds[g + 1]]))
                 for g in range(4)] for row in counts]
    assert np.array_equal(narrow[:, :4], expected, equal_nan=True)
