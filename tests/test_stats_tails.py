"""Tail index and concentration: a hand-computed Hill estimate, a Pareto sample, n_eff and best share by hand."""

from __future__ import annotations

import numpy as np
import pytest

from influence_lib.stats import (
    concentration,
    hill_k,
    hill_tail_index,
    tail_index_by_group,
    untrustworthy_interval,
)


def test_hill_estimate_by_hand():
    values = [1, 2, 4, 8, 16, 0, 0]  # zeros are left out: n = 5
    # k = floor(sqrt(5)) = 2: mean(log(16/4), log(8/4)) = 1.5 log 2
    found = hill_tail_index(values)
    assert (found.k, found.n) == (2, 5)
    assert found.alpha == pytest.approx(1 / (1.5 * np.log(2)))
    assert found.heavy  # 0.96 < 2
    assert hill_tail_index(values, k=3).alpha == pytest.approx(1 / (np.log(16 / 2) + np.log(8 / 2) + np.log(4 / 2)) * 3)


def test_hill_recovers_a_pareto_tail_and_flags_it():
    rng = np.random.default_rng(0)
    heavy = (1 - rng.random(200_000)) ** (-1 / 1.5)  # Pareto, alpha = 1.5
    light = (1 - rng.random(200_000)) ** (-1 / 3.0)
    assert hill_tail_index(heavy).alpha == pytest.approx(1.5, abs=0.1) and hill_tail_index(heavy).heavy
    assert hill_tail_index(light).alpha == pytest.approx(3.0, abs=0.2) and not hill_tail_index(light).heavy


def test_hill_edge_cases():
    assert np.isnan(hill_tail_index([5, 0, 3]).alpha)  # two positive values: no estimate
    assert hill_tail_index([7, 7, 7, 7, 7]).alpha == np.inf
    assert hill_k(10_000) == 100 and hill_k(3) == 2
    with pytest.raises(ValueError, match="below"):
        hill_tail_index([1, 2, 3], k=3)


def test_tail_index_by_group_equals_the_estimate_of_each_group():
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 5, 3_000)
    values = np.floor(rng.lognormal(2, 1.5, 3_000))
    codes[:4] = 4  # group 4 keeps only a few posts
    codes[4:] = np.where(codes[4:] == 4, 3, codes[4:])
    table = tail_index_by_group(codes, values, 6)
    for g in range(4):
        single = hill_tail_index(values[codes == g])
        assert table.loc[g, "alpha"] == pytest.approx(single.alpha, rel=1e-12)
        assert table.loc[g, "k"] == single.k and bool(table.loc[g, "heavy"]) == single.heavy
    assert np.isnan(table.loc[4, "alpha"]) and np.isnan(table.loc[5, "alpha"])  # too few, none
    assert table["n"].tolist()[5] == 0


def test_concentration_by_hand():
    codes = np.array([0, 0, 0, 1, 1, 1, 1])
    values = np.array([8.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0])
    table = concentration(codes, values, 3)
    assert table["posts"].tolist() == [3, 4, 0]
    assert table["best_share"].tolist()[:2] == [0.8, 0.25] and np.isnan(table.loc[2, "best_share"])
    # n_eff = (Σx)² / Σx²: 100 / 66 for group 0, 64 / 16 = 4 equal posts for group 1
    assert table.loc[0, "n_eff"] == pytest.approx(100 / 66) and table.loc[1, "n_eff"] == 4.0
    assert np.isnan(table.loc[2, "n_eff"])


def test_untrustworthy_intervals_for_few_posts_or_a_heavy_tail():
    posts = np.array([3, 10, 200])
    assert untrustworthy_interval(posts, scope_alpha=2.4).tolist() == [True, False, False]
    assert untrustworthy_interval(posts, scope_alpha=1.98).tolist() == [True, True, True]
    assert untrustworthy_interval(posts, scope_alpha=np.nan).tolist() == [True, False, False]
