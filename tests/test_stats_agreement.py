"""Agreement between rankings: RBO against the paper's formula and a published value, compare A with A."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from influence_lib.stats import compare_rankings, rbo


def test_rbo_of_even_lists_by_the_papers_formula():
    # A = a b c, B = b a d: overlaps X1 = 0, X2 = 2, X3 = 2
    p = 0.9
    expected = 2 / 3 * p**3 + (1 - p) / p * (0 / 1 * p + 2 / 2 * p**2 + 2 / 3 * p**3)
    assert rbo(["a", "b", "c"], ["b", "a", "d"], p) == pytest.approx(expected, abs=1e-15)
    assert expected == pytest.approx(0.630)


def test_rbo_of_uneven_lists_by_the_papers_formula():
    # L = a b c d (l = 4), S = a c (s = 2): X1 = 1, X2 = 1, X3 = 2, X4 = 2, X_s = 1, X_l = 2
    p = 0.9
    first = 1 / 1 * p + 1 / 2 * p**2 + 2 / 3 * p**3 + 2 / 4 * p**4
    extra = 1 * (3 - 2) / (2 * 3) * p**3 + 1 * (4 - 2) / (2 * 4) * p**4
    expected = (1 - p) / p * (first + extra) + ((2 - 1) / 4 + 1 / 2) * p**4
    assert rbo(list("abcd"), list("ac"), p) == pytest.approx(expected, abs=1e-15)
    assert rbo(list("ac"), list("abcd"), p) == pytest.approx(expected, abs=1e-15)


def test_rbo_matches_the_published_tie_aware_value_as_the_mean_over_tie_breakings():
    # Corsi & Urbano (SIGIR 2024), README of their reference code: x = red (blue green) yellow pink,
    # y = (blue red) white (yellow black purple) green, p = 0.95, RBO^a_ext = 0.6922853. RBO^a is
    # the expected RBO when ties are broken at random: the mean over the 2 x 12 tie-breakings.
    xs = [["red", *first, "yellow", "pink"] for first in itertools.permutations(["blue", "green"])]
    ys = [[*first, "white", *middle, "green"] for first in itertools.permutations(["blue", "red"])
          for middle in itertools.permutations(["yellow", "black", "purple"])]
    mean = np.mean([rbo(x, y, 0.95) for x in xs for y in ys])
    assert mean == pytest.approx(0.6922853, abs=5e-8)


def test_rbo_known_properties():
    items = list("abcdefghij")
    assert rbo(items, items) == pytest.approx(1.0, abs=1e-12)
    assert rbo(items, list("klmnopqrst")) == 0.0
    assert rbo(items, items[:3]) == pytest.approx(1.0, abs=1e-12)  # a prefix agrees as far as it goes
    swapped_top = ["b", "a", *items[2:]]
    swapped_bottom = [*items[:8], "j", "i"]
    assert 0 < rbo(items, swapped_top) < rbo(items, swapped_bottom) < 1  # the top weighs more
    with pytest.raises(ValueError, match="twice"):
        rbo(["a", "a"], ["a"])
    with pytest.raises(ValueError, match="non-empty"):
        rbo([], ["a"])


def test_compare_a_ranking_with_itself():
    scores = np.array([50.0, 40, 40, 30, 20, 10, 5, 5, 1, 0, 0, 0])
    found = compare_rankings(scores, scores.copy(), top=5)
    assert found["spearman"] == pytest.approx(1.0) and found["kendall_tau_b"] == pytest.approx(1.0)
    assert found["rbo"] == pytest.approx(1.0)
    assert (found["top"], found["top_kept"], found["max_shift_in_top"]) == (5, 5, 0)
    assert (found["movers"]["rank_change"] == 0).all()


def test_compare_two_rankings_by_hand():
    a = np.array([40.0, 30, 20, 10])   # ranks 1 2 3 4
    b = np.array([10.0, 30, 20, 40])   # ranks 4 2 3 1: the first and the last swap
    found = compare_rankings(a, b, top=2, ids=["w", "x", "y", "z"], n_movers=3)
    assert found["spearman"] == pytest.approx(1 - 6 * (9 + 0 + 0 + 9) / (4 * 15))  # -0.8
    # of the 6 pairs only (x, y) keeps its order: (1 - 5) / 6
    assert found["kendall_tau_b"] == pytest.approx(-4 / 6)
    assert (found["top_kept"], found["max_shift_in_top"]) == (1, 3)
    assert found["movers"]["id"].tolist() == ["w", "z", "x"]
    assert found["movers"]["rank_change"].tolist() == [-3, 3, 0]


def test_constant_scores_give_undefined_correlations():
    found = compare_rankings(np.ones(4), np.arange(4.0), top=2)
    assert np.isnan(found["spearman"]) and np.isnan(found["kendall_tau_b"])
    assert found["top_kept"] == 2  # every entry ties for first in A; B's Top 2 holds two of them


def test_ties_are_averaged_in_both_correlations():
    a = np.array([1.0, 2, 2, 3])
    b = np.array([1.0, 2, 3, 4])
    found = compare_rankings(a, b, top=2)
    # Spearman: Pearson of the average ranks 1, 2.5, 2.5, 4 and 1, 2, 3, 4
    assert found["spearman"] == pytest.approx(np.corrcoef([1, 2.5, 2.5, 4], [1, 2, 3, 4])[0, 1])
    # tau-b: 5 concordant pairs, 0 discordant, 1 pair tied in a only: 5 / sqrt((6 - 1) * 6)
    assert found["kendall_tau_b"] == pytest.approx(5 / np.sqrt(30))
