"""Keyed random numbers: published hash vectors, stable keys, Poisson(1) and normal draws that follow their laws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy import stats

from influence_lib.stats import keyed


def test_fnv1a_and_splitmix_match_their_published_test_vectors():
    strings = pa.array(["", "a", "foobar"], type=pa.large_string())
    assert keyed._fnv1a64(strings).tolist() == [0xCBF29CE484222325, 0xAF63DC4C8601EC8C, 0x85944171F73967E8]
    # SplitMix64 seeded with 0: its first two outputs
    state = np.array([0, 0], dtype=np.uint64) + np.array([1, 2], dtype=np.uint64) * keyed.GOLDEN
    assert keyed.mix64(state).tolist() == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4]


def test_a_string_id_has_one_key_whatever_its_container():
    ids = ["post-1", "pôst-2", "", "x" * 300]
    expected = keyed.stable_keys(ids)
    assert keyed.stable_keys(np.array(ids, dtype=object)).tolist() == expected.tolist()
    assert keyed.stable_keys(pd.Series(ids, dtype="str")).tolist() == expected.tolist()
    assert keyed.stable_keys(pa.chunked_array([ids[:2], ids[2:]])).tolist() == expected.tolist()
    assert keyed.stable_keys(pd.Series(ids, dtype="str").iloc[1:]).tolist() == expected[1:].tolist()
    assert len(set(expected.tolist())) == len(ids)


def test_integer_ids_and_string_ids_give_different_keys_and_missing_ids_are_refused():
    assert keyed.stable_keys(np.array([1, 2])).tolist() != keyed.stable_keys(["1", "2"]).tolist()
    with pytest.raises(ValueError, match="missing"):
        keyed.stable_keys(pd.Series(["a", None], dtype="str"))
    with pytest.raises(ValueError, match=">= 0"):
        keyed.stable_keys(np.array([-1]))
    with pytest.raises(ValueError, match="strings"):
        keyed.stable_keys([1, "a"])


def test_poisson_weights_follow_poisson_one():
    keys = keyed.stable_keys(np.arange(20_000))
    weights = keyed.poisson_weights(keys, seed=3, first=0, count=100)
    assert weights.shape == (20_000, 100)
    assert np.all(weights == np.floor(weights))
    observed = np.bincount(weights.astype(np.int64).ravel(), minlength=7)[:7]
    expected = stats.poisson.pmf(np.arange(7), 1.0) * weights.size
    assert np.allclose(observed / expected, 1.0, atol=0.02)  # 2 * 10^6 draws
    assert abs(weights.mean() - 1) < 0.002 and abs(weights.var() - 1) < 0.004
    # replicates are not correlated with each other, nor neighbouring keys
    assert abs(np.corrcoef(weights[:, 0], weights[:, 1])[0, 1]) < 0.03
    assert abs(np.corrcoef(weights[:-1, 0], weights[1:, 0])[0, 1]) < 0.03


def test_poisson_thresholds_are_the_inverse_cdf_at_32_bits():
    thresholds = keyed.POISSON_THRESHOLDS.astype(np.float64) / 2.0**32
    assert np.allclose(thresholds, stats.poisson.cdf(np.arange(len(thresholds)), 1.0), atol=2.0**-32)
    words = np.array([[0, 2**32 - 1, (2**32 - 1) << 32, int(keyed.POISSON_THRESHOLDS[0]) - 1,
                       int(keyed.POISSON_THRESHOLDS[0])]], dtype=np.uint64)
    # low half then high half of each word
    assert keyed.poisson_from_words(words).tolist() == [[0, 0, len(thresholds), 0, 0, len(thresholds), 0, 0, 1, 0]]


def test_a_weight_depends_on_seed_key_and_replicate_only():
    keys = keyed.stable_keys([f"p{i}" for i in range(50)])
    full = keyed.poisson_weights(keys, seed=9, first=0, count=11)
    assert np.array_equal(keyed.poisson_weights(keys, seed=9, first=3, count=5), full[:, 3:8])
    assert np.array_equal(keyed.poisson_weights(keys[::-1], seed=9, first=0, count=11), full[::-1])
    assert np.array_equal(keyed.poisson_weights(keys[10:20], seed=9, first=0, count=11), full[10:20])
    assert not np.array_equal(keyed.poisson_weights(keys, seed=10, first=0, count=11), full)


def test_keyed_normals_are_standard_normal_and_streams_independent():
    keys = keyed.stable_keys(np.arange(2_000))
    z = keyed.normal_draws(keys, seed=1, first=0, count=200)
    other = keyed.normal_draws(keys, seed=1, first=0, count=200, stream=1)
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    assert stats.kstest(z[:, 0], "norm").pvalue > 0.001
    assert abs(np.corrcoef(z.ravel(), other.ravel())[0, 1]) < 0.01
    assert np.array_equal(keyed.normal_draws(keys, seed=1, first=50, count=10), z[:, 50:60])
