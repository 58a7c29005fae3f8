"""Rank summaries over replicates: hand-checked quantiles, P(Top N), and who stays ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from influence_lib.ranking import comparable_scores, competition_ranks, entry_ranks
from influence_lib.stats import (
    RankTally,
    ahead_share,
    concentration,
    rank_summary,
    ranks_after_removal,
    replicate_totals,
)
from influence_lib.stats import ranks as ranks_module


def test_rank_summary_on_a_hand_made_replicate_matrix():
    # 4 replicates x 3 entries; ranks per replicate: [1,2,3], [2,1,3], [1,1,3], [1,3,2]
    scores = np.array([[30, 20, 10], [20, 30, 10], [30, 30, 10], [30, 10, 20]], dtype=float)
    summary = rank_summary(scores, top=1, level=0.5, index=["a", "b", "c"])
    # entry a: ranks 1,2,1,1 -> lower median 1, 25 % 'lower' 1, 75 % 'higher' 2, P(rank <= 1) = 3/4
    assert summary.loc["a"].tolist() == [1, 1, 2, 0.75]
    # entry b: ranks 2,1,1,3 sorted 1,1,2,3 -> median (lower) 1, low 1, high 3; rank 1 twice
    assert summary.loc["b"].tolist() == [1, 1, 3, 0.5]
    assert summary.loc["c"].tolist() == [3, 2, 3, 0.0]
    assert list(summary.columns) == ["median_rank", "rank_low", "rank_high", "p_top"]
    assert str(summary["rank_low"].dtype) == "int64"


def test_a_group_with_a_tenfold_lead_is_always_first():
    rng = np.random.default_rng(0)
    codes = np.repeat(np.arange(6), 30)                 # 6 groups of 30 posts
    values = np.floor(rng.lognormal(2.0, 1.0, len(codes)))
    best = np.argmax(np.bincount(codes, weights=values)[1:]) + 1
    values[codes == 0] = 10 * values[codes == best]  # group 0's total is ten times the best other's
    assert np.isclose(values[codes == 0].sum(), 10 * np.bincount(codes, weights=values)[1:].max())
    totals = replicate_totals(codes, values, np.arange(len(codes)), 6, seed=1, n_boot=1_000)
    summary = rank_summary(totals, top=1)
    assert summary.loc[0, "p_top"] == 1.0
    assert summary.loc[0, ["median_rank", "rank_low", "rank_high"]].tolist() == [1, 1, 1]
    assert summary.loc[1:, "p_top"].max() == 0.0


def test_ties_at_the_cut_off_count_in_p_top():
    scores = np.array([[5.0, 5.0, 1.0]] * 3)
    assert rank_summary(scores, top=1)["p_top"].tolist() == [1.0, 1.0, 0.0]


def test_ahead_share_follows_the_display_order():
    scores = np.array([[10, 9, 9, 1], [10, 9, 8, 2], [8, 9, 8, 3], [10, 9, 9.0000000001, 4]])
    share = ahead_share(scores, order=[0, 1, 2, 3])
    # 0 beats 1 in 3 of 4; 1 beats 2 strictly in 2 of 4 (a tie is not ahead; 9.0000000001 rounds to 9)
    assert share[:3].tolist() == [0.75, 0.5, 1.0] and np.isnan(share[3])
    assert ahead_share(scores, order=[3, 0, 1, 2])[0] == 0.0


def test_bad_replicate_matrices_are_refused():
    with pytest.raises(ValueError, match="2-D"):
        rank_summary(np.zeros(3), top=1)
    with pytest.raises(ValueError, match="NaN"):
        rank_summary(np.array([[1.0, np.nan]]), top=1)
    with pytest.raises(ValueError, match="top"):
        rank_summary(np.ones((2, 2)), top=0)
    with pytest.raises(ValueError, match="order"):
        ahead_share(np.ones((2, 2)), order=[0, 2])


def test_quantiles_are_numpys_lower_and_higher_methods():
    rng = np.random.default_rng(3)
    for replicates in (1, 2, 7, 1_000, 1_001):
        scores = rng.integers(0, 6, size=(replicates, 9)).astype(float)
        ranks = np.array([[1 + np.sum(row > v) for v in row] for row in scores])  # brute force, by hand
        summary = rank_summary(scores, top=3, level=0.9)
        assert summary["median_rank"].tolist() == np.quantile(ranks, 0.5, axis=0, method="lower").tolist()
        assert summary["rank_low"].tolist() == np.quantile(ranks, 0.05, axis=0, method="lower").tolist()
        assert summary["rank_high"].tolist() == np.quantile(ranks, 0.95, axis=0, method="higher").tolist()
        assert np.allclose(summary["p_top"], (ranks <= 3).mean(axis=0))


@pytest.mark.parametrize("cells", [1, 5, 64, 2**22])  # a replicate or an entry at a time, uneven blocks, one block
def test_summaries_by_blocks_equal_the_whole_matrix_brute_force(monkeypatch, cells):
    monkeypatch.setattr(ranks_module, "BLOCK_CELLS", cells)
    rng = np.random.default_rng(11)
    scores = rng.integers(0, 5, size=(101, 13)).astype(float)  # many ties
    scores[:, 4] += 1e-12  # equal to the others' integers once rounded
    rounded = comparable_scores(scores)
    ranks = np.array([[1 + np.sum(row > v) for v in row] for row in rounded])
    summary = rank_summary(scores, top=4, level=0.8)
    assert summary["median_rank"].tolist() == np.quantile(ranks, 0.5, axis=0, method="lower").tolist()
    assert summary["rank_low"].tolist() == np.quantile(ranks, 0.1, axis=0, method="lower").tolist()
    assert summary["rank_high"].tolist() == np.quantile(ranks, 0.9, axis=0, method="higher").tolist()
    assert summary["p_top"].tolist() == (ranks <= 4).mean(axis=0).tolist()  # the same floats, not close ones
    order = rng.permutation(13)
    expected = [(rounded[:, a] > rounded[:, b]).mean() for a, b in zip(order[:-1], order[1:])]
    share = ahead_share(scores, order)
    assert share[:-1].tolist() == expected and np.isnan(share[-1])


def test_a_tally_fed_by_blocks_gives_the_whole_matrix_summaries():
    rng = np.random.default_rng(5)
    scores = rng.integers(0, 7, size=(57, 11)).astype(float)
    order = rng.permutation(11)
    tally = RankTally(57, 11, order=order)
    for rows in np.split(np.arange(57), [1, 20, 21, 50]):  # blocks of 1, 19, 1, 29 and 7 replicates
        tally.add(scores[rows])
    pd.testing.assert_frame_equal(tally.summary(3, 0.9), rank_summary(scores, 3, 0.9), check_exact=True)
    assert np.array_equal(tally.ahead_share(), ahead_share(scores, order), equal_nan=True)
    with pytest.raises(ValueError, match="more replicates"):
        tally.add(scores[:1])
    partial = RankTally(57, 11)
    partial.add(scores[:10])
    with pytest.raises(ValueError, match="10 of 57"):
        partial.summary(3)
    with pytest.raises(ValueError, match="display order"):
        partial.ahead_share()
    with pytest.raises(ValueError, match="entries"):
        partial.add(scores[:2, :5])


def _searched_ranks(scores):
    """The former rule, one sort and one search per row: n - (values <= each value) + 1, NaN sorted last."""
    rows = np.atleast_2d(comparable_scores(scores))
    ascending = np.sort(rows, axis=1)
    return np.array([rows.shape[1] - np.searchsorted(a, r, side="right") + 1 for a, r in zip(ascending, rows)],
                    dtype=np.int64).reshape(rows.shape)


def _awkward_scores(rng, rows=37, n=9):
    scores = rng.integers(0, 6, size=(rows, n)).astype(float)  # ties everywhere
    scores[3, 2] = scores[3, 5] = np.nan  # missing values: tied together, above every number
    scores[4, :] = np.nan
    scores[5, 1], scores[5, 6], scores[6, 0] = np.inf, -np.inf, -0.0  # -0.0 ties with 0.0
    scores[7, :] = 2.0 + np.arange(n) * 1e-12  # equal once rounded
    scores[8, :] = 1.0
    return scores


@pytest.mark.parametrize("cells", [1, 13, 2**22])  # a row at a time, uneven blocks, one block
def test_competition_ranks_equal_the_sort_and_search_rule(monkeypatch, cells):
    from influence_lib import ranking

    monkeypatch.setattr(ranking, "RANK_BLOCK_CELLS", cells)
    scores = _awkward_scores(np.random.default_rng(8))
    assert np.array_equal(competition_ranks(scores), _searched_ranks(scores))
    assert np.array_equal(competition_ranks(scores[3]), _searched_ranks(scores[3])[0])
    assert competition_ranks(np.array([90.0, 80.0, 80.0, 70.0, np.nan])).tolist() == [2, 3, 3, 5, 1]
    assert competition_ranks(np.zeros((2, 0))).shape == (2, 0) and competition_ranks(np.zeros((0, 3))).shape == (0, 3)


@pytest.mark.parametrize("cells", [1, 13, 2**22])  # a row at a time, uneven blocks, one block
def test_entry_ranks_are_the_competition_ranks_of_those_columns(monkeypatch, cells):
    from influence_lib import ranking

    monkeypatch.setattr(ranking, "RANK_BLOCK_CELLS", cells)
    rng = np.random.default_rng(9)
    scores = _awkward_scores(rng)
    full = competition_ranks(scores)
    for entries in ([0], [2, 5], [8, 0, 3], [4, 4, 1], list(range(9)), rng.permutation(9)[:5]):
        assert np.array_equal(entry_ranks(scores, entries), full[:, entries]), entries
    out = np.zeros((37, 2), dtype=np.int32)
    assert entry_ranks(scores, [6, 1], out=out) is out and np.array_equal(out, full[:, [6, 1]])
    for trial in range(200):  # random matrices of every shape, entries anywhere, with repeats
        scores = rng.choice([0.0, -0.0, 1.0, 1.0 + 1e-12, 2.5, np.inf, -np.inf, np.nan], size=rng.integers(1, 6, 2))
        entries = rng.integers(0, scores.shape[1], size=rng.integers(0, 2 * scores.shape[1]))
        assert np.array_equal(entry_ranks(scores, entries), competition_ranks(scores)[:, entries]), (scores, entries)
    assert entry_ranks(np.zeros((3, 4)), []).shape == (3, 0)


def test_entry_ranks_refuse_what_they_cannot_rank():
    scores = np.ones((2, 3))
    with pytest.raises(ValueError, match="2-D"):
        entry_ranks(scores[0], [0])
    with pytest.raises(ValueError, match="column positions"):
        entry_ranks(scores, [3])
    with pytest.raises(ValueError, match="column positions"):
        entry_ranks(scores, [-1])
    with pytest.raises(ValueError, match="shape"):
        entry_ranks(scores, [0, 1], out=np.zeros((2, 3), dtype=np.int64))


def test_a_tally_of_some_entries_gives_their_rows_of_the_whole_summary():
    rng = np.random.default_rng(11)
    scores = rng.integers(0, 7, size=(57, 11)).astype(float)
    scores[10, 4] = scores[11, :] = 3.0 + 1e-12  # ties once rounded
    order = rng.permutation(11)
    entries = np.array([9, 2, 2, 0])
    tally = RankTally(57, 11, order=order, entries=entries)
    for rows in np.split(np.arange(57), [1, 20, 21, 50]):
        tally.add(scores[rows])
    whole = rank_summary(scores, 3, 0.8)
    pd.testing.assert_frame_equal(tally.summary(3, 0.8), whole.iloc[entries].reset_index(drop=True), check_exact=True)
    assert tally.ranks.shape == (57, 4)  # the other entries' ranks are never kept
    assert np.array_equal(tally.ahead_share(), ahead_share(scores, order), equal_nan=True)  # every pair
    with pytest.raises(ValueError, match="entries"):
        RankTally(57, 11, entries=[11])


def test_leave_best_post_out_ranks_against_brute_force():
    rng = np.random.default_rng(6)
    codes = rng.integers(0, 30, 400)
    values = np.floor(rng.lognormal(2, 1.5, 400))
    totals = np.bincount(codes, weights=values, minlength=30)
    best = concentration(codes, values, 30)["best_post"].to_numpy()
    found = ranks_after_removal(totals, best, chunk=7)
    for g in range(30):  # brute force: drop that group's best post from the posts, score and rank again
        mine = np.flatnonzero(codes == g)
        keep = np.ones(400, dtype=bool)
        if mine.size:
            keep[mine[np.argmax(values[mine])]] = False
        again = np.bincount(codes[keep], weights=values[keep], minlength=30)
        assert found[g] == competition_ranks(again)[g]
    assert np.array_equal(ranks_after_removal(totals, np.zeros(30)), competition_ranks(totals))
