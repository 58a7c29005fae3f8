"""The display order of rankings: Arrow's multi-key sort gives exactly pandas' stable sort, missing values last."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from influence_lib.ranking import _ordered

NAMES = ["Écho", "echo", "Delta", "zeta", "Åsa", "", "b", "B", "ä", "a\u0308", "😀", "日本", "=cmd", "a b"]


@pytest.mark.parametrize("keys, ascending", [
    (["_score", "active_members", "_name", "org_id"], [False, False, True, True]),  # Directions
    (["_score", "_name", "member_id"], [False, True, True]),  # members
    (["_name", "_score", "member_id"], [False, True, False]),  # any other order
])
def test_the_order_is_pandas_stable_sort(keys, ascending):
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(0, 50))
        ids = [f"id{i:03d}{rng.choice(NAMES)}" for i in rng.permutation(n)]
        frame = pd.DataFrame({
            "_score": rng.choice([1.0, 2.0, np.nan, 3.5, -0.0, 0.0, np.inf, 1e-9], n),
            "active_members": rng.integers(0, 3, n),
            "_name": pd.Series(rng.choice(NAMES + [None], n), dtype=object),
            "org_id": pd.Series(ids, dtype="str"), "member_id": pd.Series(ids, dtype="str"),
        })
        expected = frame.sort_values(keys, ascending=ascending, kind="stable").reset_index(drop=True)
        pd.testing.assert_frame_equal(_ordered(frame, keys, ascending), expected)
