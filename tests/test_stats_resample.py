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
