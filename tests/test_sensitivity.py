"""Sensitivity analysis of a scope: the choice scorer against full rescoring and by hand; uncertainty and Sobol by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from influence_lib.scope import build_scope
from influence_lib.sensitivity import (
    CAP_CHOICES,
    FACTOR_NAMES,
    MEAN_SHIFT,
    SOBOL_COLUMNS,
    UNCERTAINTY_COLUMNS,
    ChoiceScorer,
    methodological_factors,
    nominal_choices,
    sensitivity_analysis,
    uncertainty_analysis,
)
from influence_lib.settings import Methodology, Period, load_methodology, shipped_methodologies


@pytest.fixture(scope="module")
def sample():
    from influence_lib.dataset import SAMPLE_DIR, load_dataset
    return load_dataset(SAMPLE_DIR)


@pytest.fixture(scope="module")
def tiny_scope(tiny):
    return build_scope(tiny, "sante", tiny.settings.period("2021"))


def _rescored(scope, choices: dict) -> np.ndarray:
    """The scope's Direction scores under ``choices``, scored from the dataset the ordinary way."""
    m = scope.methodology
    kinds = tuple(k for k in m.counted_kinds if k != "quote") + (("quote",) if choices["quotes_counted"] else ())
    changed = Methodology(**{**m.model_dump(), "counted_kinds": kinds,
                             "metric_weights": {**m.metric_weights, "comments": choices["comments_weight"],
                                                "shares": choices["shares_weight"]},
                             "platform_weights": {**m.platform_weights, "twitter": choices["twitter_weight"]},
                             "post_cap": CAP_CHOICES[choices["post_cap"]]})
    period = Period(start=scope.period.start + pd.Timedelta(days=choices["start_shift_days"]),
                    end=scope.period.end + pd.Timedelta(days=choices["end_shift_days"]))
    return build_scope(scope.dataset, scope.sector_key, period, changed, post_columns=[]).current.directions[
        "score"].to_numpy(dtype=float)


@pytest.mark.parametrize("name", list(shipped_methodologies()))
def test_nominal_choices_give_the_scopes_scores(sample, name):
    scope = build_scope(sample, "sante", sample.settings.period("2021"), load_methodology(name), post_columns=[])
    scorer = ChoiceScorer(scope)
    found = scorer.scores({})
    assert found.shape == (1, len(scope.organizations))
    assert scorer.org_ids.tolist() == scope.current.directions["org_id"].tolist()
    np.testing.assert_allclose(found[0], scope.current.directions["score"].to_numpy(dtype=float), rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("name", ["engagement", "capped-p99", "log", "per-active-member", "per-1000-followers",
                                  "without-best-post"])
def test_any_choice_scores_as_a_full_rescoring(sample, name):
    scope = build_scope(sample, "sante", sample.settings.period("2021"), load_methodology(name), post_columns=[])
    scorer = ChoiceScorer(scope)
    draws = pd.DataFrame(
        [{"comments_weight": 2.75, "shares_weight": 0.5, "twitter_weight": 1.5, "quotes_counted": 0, "post_cap": 1,
          "start_shift_days": -31, "end_shift_days": 31},
         {"comments_weight": 0.5, "shares_weight": 3.0, "twitter_weight": 0.5, "quotes_counted": 1, "post_cap": 2,
          "start_shift_days": 17, "end_shift_days": -9},
         {"comments_weight": 1.0, "shares_weight": 1.0, "twitter_weight": 1.0, "quotes_counted": 1, "post_cap": 0,
          "start_shift_days": 31, "end_shift_days": -31}])
    found = scorer.scores(draws)
    for i, choices in enumerate(draws.to_dict("records")):
        choices = {k: (int(v) if k not in ("comments_weight", "shares_weight", "twitter_weight") else v)
                   for k, v in choices.items()}
        np.testing.assert_allclose(found[i], _rescored(scope, choices), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", list(shipped_methodologies()))
def test_threads_change_no_score(sample, monkeypatch, name):
    """Runs spread over threads fill the same rows with the same bits as one thread does."""
    from influence_lib import sensitivity
    from influence_lib.stats.sensitivity import sample_factors

    monkeypatch.setattr(sensitivity, "THREADED_POSTS", 1)  # the sample is small: thread it anyway
    scope = build_scope(sample, "sante", sample.settings.period("2021"), load_methodology(name), post_columns=[])
    draws = sample_factors(methodological_factors(), 37, seed=2)
    alone = ChoiceScorer(scope, threads=1).scores(draws)
    for threads in (2, 3, 50):
        assert np.array_equal(ChoiceScorer(scope, threads=threads).scores(draws), alone)
    assert not np.array_equal(alone[0], alone[1])  # the runs differ: a row written twice would show


def test_choices_by_hand(tiny_scope):
    # conftest: o1 90 (p1 80 at the first instant, p2 10 on Twitter), o2 80 (p3 40 one second before the end,
    # p4 40: a quote, 30 minutes before the end), o3 80 (p5), o4 70 (p10), o5 0, o6 5; p7 (o3, 1000, one second
    # before the start) and p13 (o4, 500, an hour before the start) belong to 2020.
    scorer = ChoiceScorer(tiny_scope)
    assert scorer.org_ids.tolist() == ["o1", "o2", "o3", "o4", "o5", "o6"]

    def one(**choices):
        return scorer.scores(choices)[0].tolist()

    assert one() == [90, 80, 80, 70, 0, 5]
    assert one(end_shift_days=-1) == [90, 0, 80, 70, 0, 5]
    assert one(start_shift_days=-1) == [90, 80, 1080, 570, 0, 5]
    assert one(start_shift_days=1) == [10, 80, 80, 70, 0, 5]
    assert one(quotes_counted=0) == [90, 40, 80, 70, 0, 5]
    # comments x2: p1 50 + 40 + 10, p2 5 + 6 + 2; p4 30 + 10 + 5; p5 70 + 10 + 5; p10's comments are empty
    assert one(comments_weight=2) == [113, 85, 85, 70, 0, 5]
    assert one(twitter_weight=0.5) == [85, 80, 80, 70, 0, 5]
    # p99 of 7 counted posts is the largest (80): nothing capped; three runs at once
    assert scorer.scores({"post_cap": [0, 1, 2]}).tolist() == [[90, 80, 80, 70, 0, 5]] * 3


def test_bad_choices_are_refused(tiny_scope):
    scorer = ChoiceScorer(tiny_scope, max_shift_days=2)
    with pytest.raises(ValueError, match="within ±2"):
        scorer.scores({"end_shift_days": 3})
    with pytest.raises(ValueError, match="whole days"):
        scorer.scores({"start_shift_days": 0.5})
    with pytest.raises(ValueError, match="unknown factors: likes_weight"):
        scorer.scores({"likes_weight": 2})
    with pytest.raises(ValueError, match="same number of runs"):
        scorer.scores({"end_shift_days": [0, 1], "start_shift_days": [0, 1, 2]})


def test_factors_and_nominal_choices():
    factors = methodological_factors()
    assert list(factors) == list(FACTOR_NAMES)
    assert factors["comments_weight"].support() == (0.5, 3.0) and factors["twitter_weight"].support() == (0.5, 1.5)
    assert factors["post_cap"].support() == (0, 2) and factors["start_shift_days"].support() == (-31, 31)
    assert nominal_choices(load_methodology("capped-p99"))["post_cap"] == "p99"
    assert nominal_choices(load_methodology("reactions"))["comments_weight"] == 0
    with pytest.raises(ValueError):
        methodological_factors(weight_range=(2, 1))


def test_uncertainty_analysis_by_hand(tiny_scope):
    # only the period's end moves, by -1 or 0 days: at -1, o2 loses both posts (80 -> 0, rank 2 -> 5, tied with o5)
    factors = {"end_shift_days": stats.randint(-1, 1)}
    found = uncertainty_analysis(tiny_scope, None, top=2, n=1000, seed=3, factors=factors)
    ranks = found.ranks.set_index("org_id")
    assert list(found.ranks.columns) == UNCERTAINTY_COLUMNS
    assert ranks.index.tolist() == ["o1", "o2", "o3"]  # the Top 2, ties at the cut-off kept
    at_end = (found.runs["end_shift_days"] == 0).to_numpy()
    assert 0.4 < at_end.mean() < 0.6
    assert ranks.loc["o2", "p_top"] == pytest.approx(at_end.mean())
    assert (ranks.loc["o2", "rank_low"], ranks.loc["o2", "rank_high"]) == (2, 5)
    assert ranks.loc["o1", ["rank", "median_rank", "rank_low", "rank_high", "p_top"]].tolist() == [1, 1, 1, 1, 1]
    assert ranks.loc["o3", ["median_rank", "rank_low", "rank_high", "p_top"]].tolist() == [2, 2, 2, 1]
    assert found.runs["top_kept"].tolist() == np.where(at_end, 3, 2).tolist()
    assert found.runs["mean_abs_rank_shift"].tolist() == np.where(at_end, 0.0, 1.0).tolist()  # |5 - 2| / 3


def test_uncertainty_analysis_is_seeded(tiny_scope):
    first = uncertainty_analysis(tiny_scope, "labo", top=2, n=1000, seed=7)
    again = uncertainty_analysis(tiny_scope, "labo", top=2, n=1000, seed=7)
    other = uncertainty_analysis(tiny_scope, "labo", top=2, n=1000, seed=8)
    assert first.ranks.equals(again.ranks) and first.runs.equals(again.runs)
    assert not first.runs.equals(other.runs)
    assert (first.ranks["rank_low"] <= first.ranks["median_rank"]).all()
    assert (first.ranks["median_rank"] <= first.ranks["rank_high"]).all()


def test_sobol_indices_by_hand(tiny_scope):
    # the ranks depend on the period's end only: Twitter's weight moves o1 between 85 and 90, always first
    factors = {"twitter_weight": stats.uniform(0.5, 0.5), "end_shift_days": stats.randint(-1, 1)}
    found = sensitivity_analysis(tiny_scope, None, top=2, n=256, seed=5, factors=factors)
    assert list(found.columns) == SOBOL_COLUMNS
    mean = found.loc[found["target"] == MEAN_SHIFT].set_index("factor")
    assert (mean["org_id"] == "").all() and mean["variance"].iloc[0] > 0
    assert mean.loc["twitter_weight", "first_order"] == 0 and mean.loc["twitter_weight", "total_order"] == 0
    assert mean.loc["end_shift_days", "first_order"] == pytest.approx(1, abs=0.15)
    assert mean.loc["end_shift_days", "total_order"] == pytest.approx(1, abs=0.15)
    ranks = found.loc[found["target"] == "rank"]
    assert sorted(set(ranks["org_id"])) == ["o1", "o2", "o3"]
    leader = ranks.loc[ranks["org_id"] == "o1"]
    assert (leader["variance"] == 0).all() and (leader[["first_order", "total_order"]] == 0).all().all()
    o2 = ranks.loc[ranks["org_id"] == "o2"].set_index("factor")
    assert o2.loc["end_shift_days", "total_order"] == pytest.approx(1, abs=0.15)
    again = sensitivity_analysis(tiny_scope, None, top=2, n=256, seed=5, factors=factors)
    assert found.equals(again)


def test_sobol_needs_a_power_of_two(tiny_scope):
    with pytest.raises(ValueError, match="power of 2"):
        sensitivity_analysis(tiny_scope, None, top=2, n=100, seed=5)


def test_sample_analysis_finds_what_the_estimands_suggest(sample):
    # on the sample, the cap is the choice that moves the Top 10: a Direction is #6 with 24 posts thanks to one post
    scope = build_scope(sample, "sante", sample.settings.period("2021"), post_columns=[])
    scorer = ChoiceScorer(scope)
    found = sensitivity_analysis(scope, "laboratoires-biotech", top=10, n=256, seed=1, scorer=scorer)
    mean = found.loc[found["target"] == MEAN_SHIFT].set_index("factor")
    assert mean["total_order"].idxmax() == "post_cap"
    assert (mean["total_order"] >= mean["first_order"] - 0.05).all()
    ua = uncertainty_analysis(scope, "laboratoires-biotech", top=10, n=1000, seed=1, scorer=scorer)
    assert len(ua.ranks) == 10 and (ua.ranks["rank"] == np.arange(1, 11)).all()
    assert ua.ranks.loc[0, ["median_rank", "rank_low", "rank_high", "p_top"]].tolist() == [1, 1, 1, 1]


def test_robustness_parameters():
    from influence_lib.errors import SettingsError
    from influence_lib.parameters import RobustnessParameters

    assert RobustnessParameters().n_sobol == 1024 and RobustnessParameters().n_runs == 1000
    with pytest.raises(SettingsError, match="power of 2"):
        RobustnessParameters.from_values(n_sobol=1000)
    with pytest.raises(SettingsError, match="n_runs"):
        RobustnessParameters.from_values(n_runs=500)


def test_plots_return_figures():
    import matplotlib.pyplot as plt

    from influence_lib import plots

    ranks = pd.DataFrame({"rank": [1, 2], "name": ["A <b>", "B"], "median_rank": [1, 3], "rank_low": [1, 2],
                          "rank_high": [1, 5]})
    fig = plots.plot_rank_bands(ranks, "Rangs")
    assert isinstance(fig, plt.Figure)
    where = {t.get_text(): y for t, y in zip(fig.axes[0].get_yticklabels(), fig.axes[0].get_yticks())}
    assert where["1. A <b>"] > where["2. B"]  # the first row on top
    fig = plots.plot_sobol(["Plafond", "Poids"], [0.8, -0.01], [0.9, 0.02], "Sobol")
    assert isinstance(fig, plt.Figure) and len(fig.axes[0].patches) == 4


def test_sentences_say_what_the_numbers_say():
    from influence_lib.presentation.robustness import robustness_sentences

    comparison = pd.DataFrame({"b": ["reactions", "per-member", "my-own"], "top_kept": [10, 7, 7]})
    ranks = pd.DataFrame({"name": ["Alpha", "Beta"], "rank": [1, 2], "p_top": [1.0, 0.634]})
    runs = pd.DataFrame({"mean_abs_rank_shift": [0.0, 0.5, 1.5]})
    sobol = pd.DataFrame({"target": MEAN_SHIFT, "factor": ["post_cap", "twitter_weight", "quotes_counted"],
                          "first_order": [0.9, 0.0, 0.02], "total_order": [0.94, 0.051, 0.03], "variance": 0.3})
    sentences = robustness_sentences(comparison, ranks, runs, sobol, 10)
    assert sentences[0] == ("Calculé autrement, le Top 10 publié garde de 7 à 10 de ses Directions selon le score "
                            "retenu : 7 avec « Par membre » et « my-own », 10 avec « Réactions seules ».")
    assert "1 des 2 Directions du Top 10 y reste dans au moins 90" in sentences[1] and "Beta (rang 2) n’y reste que dans 63\u00a0%" in sentences[1]
    assert "0,5 place ou moins" in sentences[2]
    assert "« Plafond par post » (indice total 0,94" in sentences[3]
    assert "« Citations comptées ou non » n’y est presque pour rien" in sentences[3]  # 0.051 shows as 0,05: not "small"
    assert "Twitter" not in sentences[3]
