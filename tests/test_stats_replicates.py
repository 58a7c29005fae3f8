"""Poisson bootstrap of grouped sums: the variance of a total is Σx², and nothing depends on order or partitions."""

from __future__ import annotations

import numpy as np
import pytest

from influence_lib.stats import (
    SplitEngine,
    bootstrap_totals,
    gaussian_bulk,
    group_moments,
    rank_summary,
    replicate_sums,
    replicate_totals,
    replicate_totals_and_counts,
    split_replicate_sums,
    split_replicate_totals,
    split_selection,
    stable_keys,
)


def _scope(n=6_000, groups=40, seed=0):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, groups, n)
    values = np.floor(rng.lognormal(2.5, 1.2, n))  # whole numbers, as engagement
    ids = np.array([f"post-{i}" for i in range(n)], dtype=object)
    return codes, values, ids


def test_variance_of_a_replicate_total_is_the_sum_of_squares():
    codes, values, ids = _scope()
    totals = replicate_totals(codes, values, ids, 40, seed=11, n_boot=4_000)
    squares = np.bincount(codes, weights=values**2, minlength=40)
    sums = np.bincount(codes, weights=values, minlength=40)
    ratio = totals.var(axis=0, ddof=1) / squares
    assert abs(ratio.mean() - 1) < 0.02       # over 40 groups
    assert np.all(np.abs(ratio - 1) < 0.12)   # each group: standard error about 2.5 % at B = 4,000
    assert np.all(np.abs(totals.mean(axis=0) / sums - 1) < 0.02)


def test_replicates_are_identical_under_shuffling_partitioning_chunking_and_process_split():
    codes, values, ids = _scope(n=3_000)
    full = replicate_totals(codes, values, ids, 40, seed=5, n_boot=301)
    order = np.random.default_rng(1).permutation(len(codes))
    assert np.array_equal(replicate_totals(codes[order], values[order], ids[order], 40, seed=5, n_boot=301), full)
    parts = np.array_split(order, 4)  # e.g. Dask partitions, each computed apart, then added
    summed = sum(replicate_totals(codes[p], values[p], ids[p], 40, seed=5, n_boot=301) for p in parts)
    assert np.array_equal(summed, full)
    assert np.array_equal(replicate_totals(codes, values, ids, 40, seed=5, n_boot=301, max_cells=10_000), full)
    stacked = np.vstack([replicate_totals(codes, values, ids, 40, seed=5, n_boot=100),
                         replicate_totals(codes, values, ids, 40, seed=5, n_boot=201, first_replicate=100)])
    assert np.array_equal(stacked, full)
    assert np.array_equal(replicate_totals(codes, values, stable_keys(ids), 40, seed=5, n_boot=301), full)
    assert not np.array_equal(replicate_totals(codes, values, ids, 40, seed=6, n_boot=301), full)


def test_counts_are_the_replicate_number_of_posts_from_the_same_weights():
    codes, values, ids = _scope(n=2_000, groups=10)
    totals, counts = replicate_totals_and_counts(codes, values, ids, 10, seed=2, n_boot=200)
    assert np.array_equal(totals, replicate_totals(codes, values, ids, 10, seed=2, n_boot=200))
    assert np.array_equal(counts, replicate_totals(codes, np.ones(len(codes)), ids, 10, seed=2, n_boot=200))
    assert np.all(counts == np.floor(counts))
    posts = np.bincount(codes, minlength=10)
    assert np.all(np.abs(counts.mean(axis=0) / posts - 1) < 0.03)
    several = replicate_sums(codes, np.column_stack([values, 2 * values]), ids, 10, seed=2, n_boot=200)
    assert np.array_equal(several[1], 2 * totals)


def test_a_group_without_posts_has_zero_totals_and_bad_input_is_refused():
    totals = replicate_totals(np.array([0, 0, 2]), [1.0, 2.0, 3.0], ["a", "b", "c"], 4, seed=1, n_boot=5)
    assert totals.shape == (5, 4) and np.all(totals[:, [1, 3]] == 0)
    with pytest.raises(ValueError, match="outside 0..3"):
        replicate_totals(np.array([0, 4]), [1.0, 2.0], ["a", "b"], 4, seed=1, n_boot=5)
    with pytest.raises(ValueError, match="finite"):
        replicate_totals(np.array([0, 1]), [1.0, np.nan], ["a", "b"], 4, seed=1, n_boot=5)
    with pytest.raises(ValueError, match="one entry per row"):
        replicate_totals(np.array([0, 1]), [1.0, 2.0], ["a"], 4, seed=1, n_boot=5)
    with pytest.raises(ValueError, match="n_boot"):
        replicate_totals(np.array([0, 1]), [1.0, 2.0], ["a", "b"], 4, seed=1, n_boot=0)


def test_split_selection_keeps_the_posts_that_weigh_in_their_group():
    codes = np.array([0, 0, 0, 0, 1, 1])
    values = np.array([100.0, 1.0, 1.0, 0.0, 3.0, 3.0])
    moments = group_moments(codes, values, 2)
    assert moments.square.tolist() == [10_002.0, 18.0] and moments.count.tolist() == [4.0, 2.0]
    # group 0: only 100 carries 1/64 of Σx²; group 1: both posts do; a zero never does
    assert split_selection(codes, values, moments, 1 / 64).tolist() == [True, False, False, False, True, True]


def test_split_engine_with_every_post_exact_is_the_exact_engine():
    codes, values, ids = _scope(n=2_000, groups=10)
    values = values + 1  # no zero: every post can be exact
    totals, counts = split_replicate_sums(codes, values, ids, 10, seed=4, n_boot=50, exact_share=1e-12)
    exact_totals, exact_counts = replicate_totals_and_counts(codes, values, ids, 10, seed=4, n_boot=50)
    assert np.array_equal(totals, exact_totals) and np.array_equal(counts, exact_counts)


def test_split_engine_has_the_bootstrap_mean_and_variance_and_matches_the_exact_ranks():
    codes, values, ids = _scope(n=20_000, groups=60, seed=3)
    split = split_replicate_totals(codes, values, ids, 60, seed=8, n_boot=2_000)
    assert split_selection(codes, values, group_moments(codes, values, 60)).sum() < 60 * 64
    moments = group_moments(codes, values, 60)
    assert np.all(np.abs(split.mean(axis=0) / moments.total - 1) < 0.02)
    assert abs((split.var(axis=0, ddof=1) / moments.square).mean() - 1) < 0.03
    exact = rank_summary(replicate_totals(codes, values, ids, 60, seed=8, n_boot=2_000), top=10)
    approx = rank_summary(split, top=10)
    other_seed = rank_summary(replicate_totals(codes, values, ids, 60, seed=9, n_boot=2_000), top=10)
    noise = (exact[["rank_low", "rank_high"]] - other_seed[["rank_low", "rank_high"]]).abs().to_numpy().mean()
    error = (exact[["rank_low", "rank_high"]] - approx[["rank_low", "rank_high"]]).abs().to_numpy().mean()
    assert error <= max(1.5 * noise, 0.5)
    assert (exact["p_top"] - approx["p_top"]).abs().max() < 0.05


def test_split_engine_counts_follow_the_posts_and_group_keys_fix_the_normals():
    codes, values, ids = _scope(n=5_000, groups=8)
    totals, counts = split_replicate_sums(codes, values, ids, 8, seed=1, n_boot=1_000)
    posts = np.bincount(codes, minlength=8)
    assert np.all(np.abs(counts.mean(axis=0) / posts - 1) < 0.01)
    assert np.all(np.abs(counts.var(axis=0) / posts - 1) < 0.15)
    # the same groups coded in reverse order, with their own ids as keys: the same draws
    names = np.array([f"org-{g}" for g in range(8)], dtype=object)
    forward = split_replicate_totals(codes, values, ids, 8, seed=1, n_boot=20, group_keys=names)
    backward = split_replicate_totals(7 - codes, values, ids, 8, seed=1, n_boot=20, group_keys=names[::-1])
    assert np.array_equal(forward, backward[:, ::-1])


def test_split_engine_over_partitions_equals_the_single_frame():
    codes, values, ids = _scope(n=4_000, groups=12, seed=5)
    whole = split_replicate_sums(codes, values, ids, 12, seed=3, n_boot=100, group_keys=np.arange(12) + 100)
    parts = np.array_split(np.random.default_rng(0).permutation(len(codes)), 3)
    moments = sum((group_moments(codes[p], values[p], 12) for p in parts[1:]), group_moments(codes[parts[0]],
                                                                                               values[parts[0]], 12))
    totals, counts, chosen = np.zeros((100, 12)), np.zeros((100, 12)), None
    for p in parts:
        keep = split_selection(codes[p], values[p], moments)
        t, c = replicate_totals_and_counts(codes[p][keep], values[p][keep], ids[p][keep], 12, seed=3, n_boot=100)
        totals, counts = totals + t, counts + c
        found = group_moments(codes[p][keep], values[p][keep], 12)
        chosen = found if chosen is None else chosen + found
    bulk_totals, bulk_counts = gaussian_bulk(moments - chosen, seed=3, n_boot=100, group_keys=np.arange(12) + 100)
    assert np.array_equal(totals + bulk_totals, whole[0]) and np.array_equal(counts + bulk_counts, whole[1])


def test_bootstrap_totals_picks_the_engine_by_size():
    codes, values, ids = _scope(n=1_000, groups=5)
    exact = replicate_totals(codes, values, ids, 5, seed=1, n_boot=20)
    split = split_replicate_totals(codes, values, ids, 5, seed=1, n_boot=20)
    assert np.array_equal(bootstrap_totals(codes, values, ids, 5, seed=1, n_boot=20), exact)
    assert np.array_equal(bootstrap_totals(codes, values, ids, 5, seed=1, n_boot=20, engine="split"), split)
    totals, counts = bootstrap_totals(codes, values, ids, 5, seed=1, n_boot=20, with_counts=True)
    assert np.array_equal(totals, exact) and counts.shape == (20, 5)
    with pytest.raises(ValueError, match="engine"):
        bootstrap_totals(codes, values, ids, 5, seed=1, n_boot=20, engine="fast")


def test_an_empty_scope_gives_zero_replicates():
    none = np.array([], dtype=np.int64)
    assert np.array_equal(replicate_totals(none, [], [], 3, seed=1, n_boot=4), np.zeros((4, 3)))
    totals, counts = split_replicate_sums(none, [], [], 3, seed=1, n_boot=4)
    assert np.array_equal(totals, np.zeros((4, 3))) and np.array_equal(counts, np.zeros((4, 3)))


@pytest.mark.parametrize("cells", [1, 7, 24, 10**9])  # one replicate at a time, uneven blocks, one block
def test_split_engine_gives_the_same_numbers_whatever_its_blocks(cells):
    codes, values, ids = _scope(n=3_000, groups=12, seed=6)
    values[codes == 3] = 0.0  # a group of zeros: no exact post, no bulk
    whole = split_replicate_sums(codes, values, ids, 12, seed=2, n_boot=37, first_replicate=5, max_cells=10**9)
    blocks = split_replicate_sums(codes, values, ids, 12, seed=2, n_boot=37, first_replicate=5, max_cells=cells)
    assert np.array_equal(blocks[0], whole[0]) and np.array_equal(blocks[1], whole[1])
    totals = split_replicate_totals(codes, values, ids, 12, seed=2, n_boot=37, first_replicate=5, max_cells=cells)
    assert np.array_equal(totals, whole[0])  # the totals alone: the same draws, no counts computed
    shifted = split_replicate_totals(codes, values, ids, 12, seed=2, n_boot=30, first_replicate=12, max_cells=cells)
    assert np.array_equal(shifted, whole[0][7:])


def test_a_prepared_split_engine_drawn_in_blocks_gives_one_call_s_numbers():
    codes, values, ids = _scope(n=2_000, groups=9, seed=7)
    whole = split_replicate_sums(codes, values, ids, 9, seed=5, n_boot=41)
    engine = SplitEngine(codes, values, ids, 9)
    blocks = [engine.draw(5, count, first) for first, count in ((0, 13), (13, 1), (14, 27))]
    assert np.array_equal(np.vstack([b[0] for b in blocks]), whole[0])
    assert np.array_equal(np.vstack([b[1] for b in blocks]), whole[1])
    totals, counts = SplitEngine(codes, values, ids, 9, with_counts=False).draw(5, 41)
    assert counts is None and np.array_equal(totals, whole[0])
