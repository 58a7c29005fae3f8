"""Rank uncertainty: a clear leader is certain, close Directions overlap, the seed fixes the result, the
intervals follow the methodology; keyed replicates ignore row order and processes; P(Top N), the ahead share
and the rank without the best post against exact values."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from influence_lib.scope import build_scope
from influence_lib.settings import Methodology
from influence_lib.uncertainty import rank_intervals, rank_uncertainty
from tests.helpers import write_dataset

SETTINGS = {"title": "T", "sectors": {"s": {"title": "S", "segments": [{"key": "x", "label": "X", "top": 3}]}},
            "editions": {"2021": {"start": "2021-01-01", "end": "2022-01-01"}}}


@pytest.fixture(scope="module")
def scope_of(tmp_path_factory):
    """big: 20 posts of 100; a and b: 20 posts of 10 each (same score); solo: no post."""
    from influence_lib.dataset import load_dataset

    orgs = [(o, o.capitalize(), "s", "x", "FR") for o in ("big", "a", "b", "solo")]
    members = [("m1", "big", "M Un", "CEO", "ceo", "f"), ("m2", "a", "M Deux", "CEO", "ceo", "m"),
               ("m3", "b", "M Trois", "CEO", "ceo", "m"), ("m4", "solo", "M Quatre", "CEO", "ceo", "m"),
               ("m5", "b", "M Cinq", "CFO", "finance", "m")]
    accounts = [(f"a{i}", f"m{i}", "linkedin", f"h{i}", 10) for i in range(1, 6)]
    posts = []
    for member, likes in (("1", 100), ("2", 10), ("3", 10)):
        posts += [(f"p{member}-{k}", f"a{member}", f"2021-03-{k + 1:02d}T10:00:00Z", "original", "text", likes, 0, 0, 0)
                  for k in range(20)]
    dataset = load_dataset(write_dataset(tmp_path_factory.mktemp("unc"), orgs, members, accounts, posts, SETTINGS))
    return lambda methodology=Methodology(name="engagement", version=1): build_scope(
        dataset, "s", dataset.settings.period("2021"), methodology)


def test_clear_leader_is_certain_and_equal_directions_overlap(scope_of):
    scope = scope_of()
    intervals = rank_intervals(scope, None, seed=1, n_boot=400).set_index("org_id")
    assert tuple(intervals.loc["big", ["rank_low", "rank_high"]]) == (1, 1)
    assert tuple(intervals.loc["solo", ["rank_low", "rank_high"]]) == (4, 4)
    for org in ("a", "b"):
        assert tuple(intervals.loc[org, ["rank_low", "rank_high"]]) == (2, 3)
    assert intervals["rank"].tolist() == scope.ranking()["rank"].tolist()


def test_intervals_follow_the_methodology(scope_of):
    """Per member, b (two members, one silent) scores half of a: b is certain to be third."""
    scope = scope_of(Methodology(name="pm", version=1, normalization="per_member"))
    ranking = scope.ranking().set_index("org_id")
    assert ranking.loc["a", "score"] == 200 and ranking.loc["b", "score"] == 100
    intervals = rank_intervals(scope, None, seed=1, n_boot=300).set_index("org_id")
    assert tuple(intervals.loc["a", ["rank_low", "rank_high"]]) == (2, 2)
    assert tuple(intervals.loc["b", ["rank_low", "rank_high"]]) == (3, 3)


def test_same_seed_same_intervals(scope_of):
    scope = scope_of()
    first = rank_intervals(scope, None, seed=7, n_boot=200)
    pd.testing.assert_frame_equal(first, rank_intervals(scope, None, seed=7, n_boot=200))


@pytest.mark.parametrize("normalization", ["none", "per_member", "per_active_member"])
def test_every_published_rank_lies_in_its_interval_on_the_sample(normalization):
    """Issue 11: with a per_member methodology 46 of 140 ranks fell outside their own interval."""
    from influence_lib.dataset import load_dataset

    dataset = load_dataset()
    methodology = Methodology(name="m", version=1, normalization=normalization)
    scope = build_scope(dataset, "sante", dataset.settings.period(), methodology)
    intervals = rank_intervals(scope, "laboratoires-biotech", seed=3, n_boot=200)
    inside = (intervals["rank_low"] <= intervals["rank"]) & (intervals["rank"] <= intervals["rank_high"])
    assert inside.mean() >= 0.95, intervals.loc[~inside]


def test_bad_settings(scope_of):
    scope = scope_of()
    with pytest.raises(ValueError):
        rank_intervals(scope, None, seed=1, level=1.5)
    with pytest.raises(ValueError):
        rank_intervals(scope, None, seed=1, n_boot=0)


# --- the keyed engine: the same replicates whatever the rows' order and the processes ----------------

RANDOM_SETTINGS = {"title": "T", "sectors": {"s": {"title": "S", "segments": [{"key": "x", "label": "X", "top": 3},
                                                                           {"key": "y", "label": "Y", "top": 2}]}},
                   "editions": {"2021": {"start": "2021-01-01", "end": "2022-01-01"}}}


def _random_rows(seed=7, n_orgs=8, n_posts=240):
    """Organisations of two segments, two or three members each (one without posts), lognormal likes."""
    rng = np.random.default_rng(seed)
    orgs = [(f"o{i}", f"Org {i}", "s", "x" if i % 3 else "y", "FR") for i in range(n_orgs)]
    members, accounts = [], []
    for i in range(n_orgs):
        for j in range(2 + i % 2):
            members.append((f"m{i}-{j}", f"o{i}", f"Membre {i} {j}", "CEO", "ceo", "f"))
            accounts.append((f"a{i}-{j}", f"m{i}-{j}", "linkedin", f"h{i}-{j}", int(rng.integers(10, 5000))))
    posting = [m[0] for m in members if not m[0].endswith("-1") or m[0].startswith("m1-")]
    posts = []
    for k in range(n_posts):
        member = posting[int(rng.integers(len(posting)))]
        likes = int(np.floor(rng.lognormal(2.5, 1.4)))
        posts.append((f"post-{k}", "a" + member[1:], f"2021-{1 + k % 12:02d}-{1 + k % 27:02d}T10:00:00Z", "original",
                      "text", likes, int(rng.integers(0, 5)), 0, 0))
    return orgs, members, accounts, posts


@pytest.fixture(scope="module")
def random_dirs(tmp_path_factory):
    """The same random dataset written twice: rows in order, and every table's rows shuffled."""
    orgs, members, accounts, posts = _random_rows()
    rng = np.random.default_rng(3)
    shuffled = [[rows[i] for i in rng.permutation(len(rows))] for rows in (orgs, members, accounts, posts)]
    return (write_dataset(tmp_path_factory.mktemp("ordered"), orgs, members, accounts, posts, RANDOM_SETTINGS),
            write_dataset(tmp_path_factory.mktemp("shuffled"), *shuffled, RANDOM_SETTINGS))


@functools.lru_cache(maxsize=32)
def _scope(folder, methodology):
    from influence_lib.dataset import load_dataset
    from influence_lib.settings import load_methodology

    dataset = load_dataset(folder)
    return build_scope(dataset, "s", dataset.settings.period("2021"), load_methodology(methodology))


def _replicates(folder, methodology, level, segment, seed, n_boot, first=0, engine="auto"):
    """Replicate scores of one ranking of the dataset in ``folder`` (run in a worker process too)."""
    from influence_lib.uncertainty import ReplicateScorer

    scope = _scope(folder, methodology)
    ids = scope.ranking(level, segment)["org_id" if level == "direction" else "member_id"]
    scorer = ReplicateScorer(scope, sorted(ids), segment, level=level)
    return scorer.replicates(seed, n_boot, first_replicate=first, engine=engine)


SHIPPED = ["engagement", "reactions", "per-member", "per-active-member", "capped-p99", "log", "per-1000-followers",
           "without-best-post"]


@pytest.mark.parametrize("methodology", SHIPPED)
def test_replicates_do_not_depend_on_row_order_or_chunking(random_dirs, methodology):
    ordered, shuffled = random_dirs
    for level, segment in (("direction", "x"), ("direction", None), ("member", None)):
        full = _replicates(ordered, methodology, level, segment, seed=11, n_boot=60)
        assert np.array_equal(_replicates(shuffled, methodology, level, segment, seed=11, n_boot=60), full)
        parts = [_replicates(ordered, methodology, level, segment, 11, 25),
                 _replicates(ordered, methodology, level, segment, 11, 35, first=25)]
        assert np.array_equal(np.vstack(parts), full)
        assert not np.array_equal(_replicates(ordered, methodology, level, segment, seed=12, n_boot=60), full)


def test_replicates_are_identical_with_one_and_two_processes(random_dirs):
    """Two worker processes, each computing half of the replicates, give what one process gives."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ordered, _ = random_dirs
    one = _replicates(ordered, "log", "direction", "x", seed=5, n_boot=80)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        halves = [pool.submit(_replicates, ordered, "log", "direction", "x", 5, 40, first)
                  for first in (0, 40)]
        two = np.vstack([h.result() for h in halves])
    assert np.array_equal(two, one)


def test_a_replicate_of_ones_gives_the_published_scores_at_both_levels(random_dirs):
    from influence_lib.dataset import load_dataset
    from influence_lib.settings import load_methodology
    from influence_lib.uncertainty import ReplicateScorer

    dataset = load_dataset(random_dirs[0])
    for name in SHIPPED:
        scope = build_scope(dataset, "s", dataset.settings.period("2021"), load_methodology(name))
        for level, key in (("direction", "org_id"), ("member", "member_id")):
            ranking = scope.ranking(level)
            scorer = ReplicateScorer(scope, ranking[key], level=level)
            assert scorer.scores(np.ones(scorer.n_posts)) == pytest.approx(ranking["score"].to_numpy(float), abs=1e-9)


def test_split_engine_agrees_with_the_exact_one_within_noise(random_dirs):
    exact = _replicates(random_dirs[0], "engagement", "direction", None, seed=2, n_boot=2000)
    split = _replicates(random_dirs[0], "engagement", "direction", None, seed=2, n_boot=2000, engine="split")
    assert split.mean(axis=0) == pytest.approx(exact.mean(axis=0), rel=0.05)
    assert split.std(axis=0) == pytest.approx(exact.std(axis=0), rel=0.15)
    with pytest.raises(ValueError, match="split engine"):
        _replicates(random_dirs[0], "capped-p99", "direction", None, seed=2, n_boot=10, engine="split")


@pytest.mark.parametrize("engine", ["exact", "split"])
def test_rank_uncertainty_is_the_same_whatever_its_blocks_of_replicates(random_dirs, monkeypatch, engine):
    from influence_lib import uncertainty

    scope = _scope(random_dirs[0], "engagement")
    for level in ("direction", "member"):
        whole = uncertainty.rank_uncertainty(scope, level, seed=4, n_boot=203, engine=engine).table
        monkeypatch.setattr(uncertainty, "cpu_threads", lambda: 3)  # blocks drawn on 3 threads, whatever the machine
        monkeypatch.setattr(uncertainty, "REPLICATE_BLOCK_CELLS", 7 * len(whole))  # 7 replicates a block, 203 = 29 x 7
        blocks = uncertainty.rank_uncertainty(scope, level, seed=4, n_boot=203, engine=engine).table
        monkeypatch.setattr(uncertainty, "REPLICATE_BLOCK_CELLS", 50 * len(whole))  # uneven: 50, 50, 50, 50, 3
        uneven = uncertainty.rank_uncertainty(scope, level, seed=4, n_boot=203, engine=engine).table
        monkeypatch.undo()
        pd.testing.assert_frame_equal(blocks, whole, check_exact=True)
        pd.testing.assert_frame_equal(uneven, whole, check_exact=True)
        assert whole["rank_low"].lt(whole["rank_high"]).any()  # the replicates do move the ranks


@pytest.mark.parametrize("engine", ["exact", "split"])
def test_rank_summaries_of_the_first_rows_are_the_full_tables(random_dirs, engine):
    """``rows``: the first entries' summaries to the last digit, nobody else's, every other column unchanged."""
    summaries = ["median_rank", "rank_low", "rank_high", "p_top"]
    for methodology in ("engagement", "per-member"):
        scope = _scope(random_dirs[0], methodology)
        for level, segment in (("direction", "x"), ("member", None)):
            whole = rank_uncertainty(scope, level, segment, 3, seed=4, n_boot=203, engine=engine).table
            assert whole["rank"].duplicated().any() or level == "direction"  # members tie (those without posts)
            for rows in (0, 1, 3, len(whole) - 1, len(whole), len(whole) + 4):
                cut = rank_uncertainty(scope, level, segment, 3, seed=4, n_boot=203, engine=engine, rows=rows).table
                kept = min(rows, len(whole))
                others = [c for c in whole.columns if c not in summaries]
                pd.testing.assert_frame_equal(cut[others], whole[others], check_exact=True)
                head = cut[summaries].iloc[:kept].astype(whole[summaries].dtypes.to_dict())
                pd.testing.assert_frame_equal(head, whole[summaries].iloc[:kept], check_exact=True)
                assert cut[summaries].iloc[kept:].isna().all().all()
                if kept < len(whole):
                    assert [str(cut[c].dtype) for c in summaries] == ["Int64", "Int64", "Int64", "float64"]
    with pytest.raises(ValueError, match="rows"):
        rank_uncertainty(scope, seed=1, n_boot=10, rows=-1)


# --- P(Top N), who is ahead, untrustworthy intervals ---------------------------------------------------

def test_a_tenfold_lead_gives_p_top_one(scope_of):
    scope = scope_of()
    ranking = scope.ranking().set_index("org_id")
    assert ranking.loc["big", "score"] == 10 * ranking.loc["a", "score"]
    result = rank_uncertainty(scope, top=1, seed=4).table.set_index("org_id")
    assert result.loc["big", "p_top"] == 1.0
    assert result.loc[["a", "b", "solo"], "p_top"].tolist() == [0.0, 0.0, 0.0]
    assert rank_uncertainty(scope, seed=4).table["p_top"].tolist() == [1.0] * 4  # no Top N: the first 10


def test_ahead_share_is_the_probability_of_staying_ahead(tmp_path):
    """Two Directions of one post each, 10 and 9 likes, and one without posts: with Poisson(1) weights W,
    P(10 W1 > 9 W2) and P(9 W2 > 0) = 1 - 1/e are known exactly."""
    from scipy import stats

    from influence_lib.dataset import load_dataset

    orgs = [(o, o.upper(), "s", "x", "FR") for o in ("p", "q", "r")]
    members = [(f"m{o}", o, f"M {o}", "CEO", "ceo", "f") for o in ("p", "q", "r")]
    accounts = [(f"a{o}", f"m{o}", "linkedin", f"h{o}", 10) for o in ("p", "q", "r")]
    posts = [("x1", "ap", "2021-03-01T10:00:00Z", "original", "text", 10, 0, 0, 0),
             ("x2", "aq", "2021-03-01T10:00:00Z", "original", "text", 9, 0, 0, 0)]
    dataset = load_dataset(write_dataset(tmp_path, orgs, members, accounts, posts, SETTINGS))
    scope = build_scope(dataset, "s", dataset.settings.period("2021"))
    n_boot = 4000
    table = rank_uncertainty(scope, seed=9, n_boot=n_boot).table
    assert table["org_id"].tolist() == ["p", "q", "r"]
    k = np.arange(30)
    pmf = stats.poisson.pmf(k, 1.0)
    p_ahead = sum(pmf[i] * pmf[j] for i in k for j in k if 10 * i > 9 * j)
    for share, exact in zip(table["ahead_share"][:2], (p_ahead, 1 - np.exp(-1))):
        assert abs(share - exact) < 4 * np.sqrt(exact * (1 - exact) / n_boot), (share, exact)
    assert np.isnan(table["ahead_share"].iloc[-1])
    assert table["neck_and_neck"].tolist() == [True, True, False]  # 0.52 and 0.63 are under 0.90


def test_untrustworthy_intervals(scope_of):
    from influence_lib.settings import Methodology

    result = rank_uncertainty(scope_of(), seed=1, n_boot=50)
    # 20 posts each except solo (none): a tail index of equal values is infinite, so only solo is flagged
    assert not result.heavy_tail
    assert result.table.set_index("org_id")["interval_untrustworthy"].to_dict() == {
        "big": False, "a": False, "b": False, "solo": True}
    assert result.notes() == ["1 ranked entry has fewer than 10 counted posts: their intervals are not trustworthy"]
    settings = result.settings()
    assert (settings["seed"], settings["replicates"], settings["engine"], settings["untrustworthy_entries"]) == (1, 50, "exact", 1)
    assert rank_uncertainty(scope_of(Methodology(name="l", version=1, post_transform="log1p")), seed=1,
                            n_boot=10).engine == "exact"


def test_heavy_tails_flag_every_interval_on_the_sample():
    """The sample's laboratoires-biotech: Hill alpha 1.98 under engagement (heavy), 12.5 under log."""
    from influence_lib.dataset import load_dataset
    from influence_lib.settings import load_methodology

    dataset = load_dataset()
    heavy = rank_uncertainty(build_scope(dataset, "sante", dataset.settings.period()), "direction",
                             "laboratoires-biotech", 100, seed=1, n_boot=20)
    assert heavy.heavy_tail and heavy.tail.alpha == pytest.approx(1.98, abs=0.01)
    assert heavy.table["interval_untrustworthy"].all()
    light = rank_uncertainty(build_scope(dataset, "sante", dataset.settings.period(), load_methodology("log")),
                             "direction", "laboratoires-biotech", 100, seed=1, n_boot=20)
    assert not light.heavy_tail
    posts = build_scope(dataset, "sante", dataset.settings.period()).ranking("direction", "laboratoires-biotech")
    few = light.table.merge(posts[["org_id", "posts"]], on="org_id")["posts"] < 10
    assert few.any() and light.table["interval_untrustworthy"].tolist() == few.tolist()


# --- viral dependence ----------------------------------------------------------------------------------

@pytest.mark.parametrize("methodology", ["engagement", "per-member", "per-active-member", "log", "without-best-post",
                                         "per-1000-followers"])
def test_rank_without_the_best_post_against_brute_force(random_dirs, methodology):
    """Deleting each Direction's best post from the data and ranking again gives the same rank."""
    from dataclasses import replace

    from influence_lib.dataset import load_dataset
    from influence_lib.settings import load_methodology
    from influence_lib.uncertainty import viral_dependence

    dataset = load_dataset(random_dirs[0])
    period, method = dataset.settings.period("2021"), load_methodology(methodology)
    scope = build_scope(dataset, "s", period, method)
    viral = viral_dependence(scope, "x").set_index("org_id")
    posts = scope.posts("x")
    for org_id, row in viral.iterrows():
        mine = posts.loc[(posts["org_id"].astype("str") == org_id).to_numpy()]
        if not len(mine):
            assert row["rank_without_best_post"] == scope.ranking("direction", "x").set_index("org_id").loc[org_id, "rank"]
            continue
        best = mine.sort_values(["score", "post_id"], ascending=[False, True]).iloc[0]  # first by key among equals is
        ties = mine.loc[mine["score"] == best["score"]]                                    # any of them: same effect
        without = replace(dataset, posts=dataset.posts.loc[dataset.posts["post_id"] != ties["post_id"].iloc[0]])
        ranked = build_scope(without, "s", period, method).ranking("direction", "x").set_index("org_id")
        assert row["rank_without_best_post"] == ranked.loc[org_id, "rank"], org_id
        total = mine["score"].sum()
        assert row["best_share"] == pytest.approx(best["score"] / total)
        assert row["n_eff"] == pytest.approx(total**2 / (mine["score"] ** 2).sum())


@pytest.mark.parametrize("cap", ["p50", "p99", "p99.9"])
def test_replicate_caps_are_the_weighted_quantile_of_each_replicate(random_dirs, cap):
    """The caps found from the top of the order equal ordered_quantile over the full cumulative weights,
    also for replicates that draw nothing."""
    from influence_lib.post_rules import ordered_quantile
    from influence_lib.stats import poisson_weights
    from influence_lib.uncertainty import ReplicateScorer

    scope = _scope(random_dirs[0], "engagement")
    scope = build_scope(scope.dataset, "s", scope.period, Methodology(name="c", version=1, post_cap=cap))
    scorer = ReplicateScorer(scope, scope.ranking()["org_id"])
    weights = poisson_weights(scorer.keys, 3, 0, 300)
    weights[:, 7] = 0
    weights[:, 8] = 0
    weights[scorer.order[5], 8] = 2  # one post drawn twice: it is the cap
    expected = [ordered_quantile(scorer.ordered, np.cumsum(weights[scorer.order, j]), scorer.cap_quantile)
                for j in range(weights.shape[1])]
    assert scorer.caps(weights).tolist() == expected
    assert expected[8] == scorer.ordered[5]
