"""Sensitivity analysis: Sobol indices of an additive function are known; Monte Carlo samples follow their laws."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from influence_lib.stats import mean_abs_rank_shift, sample_factors, sobol_indices


def test_sobol_indices_of_an_additive_function():
    # f = a x1 + b x2 + 0 x3 with independent uniform inputs: S_i = a_i² / (a² + b²), total = first
    a, b = 3.0, 1.0
    factors = {"x1": stats.uniform(0, 1), "x2": stats.uniform(0, 1), "x3": stats.uniform(0, 1)}
    found = sobol_indices(lambda x: a * x[0] + b * x[1] + 0 * x[2], factors, n=2**13, seed=1).set_index("factor")
    expected = {"x1": a**2 / (a**2 + b**2), "x2": b**2 / (a**2 + b**2), "x3": 0.0}
    for name, value in expected.items():
        assert found.loc[name, "first_order"] == pytest.approx(value, abs=0.01)
        assert found.loc[name, "total_order"] == pytest.approx(value, abs=0.01)
    assert (found["output"] == 0).all()


def test_sobol_indices_of_several_outputs_and_an_interaction():
    factors = {"x1": stats.uniform(-1, 2), "x2": stats.uniform(-1, 2)}
    # output 0: x1 alone; output 1: x1 * x2, pure interaction (first order 0, total 1 each)
    found = sobol_indices(lambda x: np.vstack([x[0], x[0] * x[1]]), factors, n=2**13, seed=2)
    first = found.pivot(index="output", columns="factor", values="first_order")
    total = found.pivot(index="output", columns="factor", values="total_order")
    assert first.loc[0, "x1"] == pytest.approx(1, abs=0.03) and first.loc[0, "x2"] == pytest.approx(0, abs=0.03)
    assert first.loc[1].abs().max() < 0.05 and total.loc[1].min() > 0.95


def test_sobol_needs_a_power_of_two_and_distributions():
    with pytest.raises(ValueError, match="power of 2"):
        sobol_indices(lambda x: x[0], {"x": stats.uniform()}, n=1000, seed=1)
    with pytest.raises(ValueError, match="ppf"):
        sobol_indices(lambda x: x[0], {"x": "uniform"}, n=1024, seed=1)


def test_sample_factors_follows_each_distribution_and_the_seed():
    factors = {"cap": stats.randint(0, 3), "weight": stats.uniform(1, 2)}
    sample = sample_factors(factors, n=3_000, seed=4)
    assert set(sample["cap"].unique()) == {0, 1, 2}
    assert sample["weight"].between(1, 3).all() and abs(sample["weight"].mean() - 2) < 0.05
    assert sample.equals(sample_factors(factors, n=3_000, seed=4))


def test_mean_abs_rank_shift_by_hand():
    ranks = np.array([[1, 2, 3], [3, 1, 2]])
    assert mean_abs_rank_shift(ranks, [1, 2, 3]).tolist() == [0.0, 4 / 3]
    assert mean_abs_rank_shift(ranks, [1, 2, 3], entries=[0]).tolist() == [0.0, 2.0]
