"""The engagement rule on arrays, block by block, against the rule written post by post."""

from __future__ import annotations

import numpy as np
import pytest

from influence_lib.post_arrays import PostArrays
from influence_lib.post_rules import _BLOCK, REQUIRED_METRICS, post_engagement
from influence_lib.settings import METRICS, PLATFORMS, Methodology


def _posts(rng: np.random.Generator, n: int, metrics: tuple[str, ...]) -> PostArrays:
    counts = {m: rng.integers(0, 3000, n).astype(np.uint16) for m in metrics}
    empty = {m: rng.random(n) < 0.05 for m in metrics[:3]}  # the fourth metric never empty
    for m, where in empty.items():
        counts[m][where] = 0  # an empty count is read as 0
    return PostArrays(np.zeros(n, dtype=np.int8), np.zeros(n, dtype=np.int64), counts, empty)


@pytest.mark.parametrize("weights", [{m: 1.0 for m in METRICS}, {"likes": 1.0, "comments": 3.0, "shares": 0.0, "quotes": 2.0},
                                     {"likes": 0.5, "comments": 2.25, "shares": 1.0, "quotes": 1.0}])
@pytest.mark.parametrize("metrics", [METRICS, ("comments", "likes", "shares"), ("likes", "quotes")])
@pytest.mark.parametrize("all_rows", [False, True])
def test_engagement_and_empty_counts_are_the_rule_post_by_post(weights, metrics, all_rows):
    rng = np.random.default_rng(len(metrics) + int(all_rows))
    n = 2 * _BLOCK + 12_345  # several blocks, the last one partial
    posts = _posts(rng, n, metrics)
    rows = None if all_rows else rng.random(n) < 0.6
    kept = np.arange(n) if rows is None else np.flatnonzero(rows)
    platform = rng.integers(0, len(PLATFORMS), len(kept)).astype(np.int8)
    platform_weights = dict(zip(PLATFORMS, (1.0, 2.0, 1.0) if weights["likes"] == 1.0 else (1.0, 0.5, 3.0)))
    methodology = Methodology(name="t", version=1, metric_weights=weights, platform_weights=platform_weights)

    engagement, has_empty = post_engagement(posts, rows, platform, methodology)

    expected = sum(weights[m] * posts.counts[m][kept].astype(float) for m in metrics)
    expected = expected * np.array([platform_weights[p] for p in PLATFORMS])[platform]
    np.testing.assert_array_equal(engagement, expected)
    whole = all(float(w).is_integer() for w in [*weights.values(), *platform_weights.values()])
    assert engagement.dtype == (np.int64 if whole else np.float64)
    if any(m not in metrics for m in REQUIRED_METRICS):
        assert has_empty.all()  # a required metric not collected: every post has it empty
    else:
        expected_empty = np.zeros(n, dtype=bool)
        for m in REQUIRED_METRICS:
            expected_empty |= posts.empty[m]
        np.testing.assert_array_equal(has_empty, expected_empty[kept])
