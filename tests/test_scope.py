"""The scored scope: scored once per period, and every section's numbers follow the methodology."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import pandas as pd
import pytest
import yaml

from influence_lib import scope as scope_module
from influence_lib import sections
from influence_lib.cli import main
from influence_lib.parameters import SegmentParameters, TrendsParameters
from influence_lib.ranking import rank_directions
from influence_lib.scope import build_scope
from influence_lib.settings import Methodology

PER_MEMBER = {"name": "par-membre", "version": 1, "normalization": "per_member",
              "metric_weights": {"likes": 1, "comments": 2, "shares": 3, "quotes": 1}}


@pytest.fixture(scope="module")
def per_member_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("methodology") / "per-member.yml"
    path.write_text(yaml.safe_dump(PER_MEMBER), encoding="utf-8")
    return path


def _cli_csv(*args) -> pd.DataFrame:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main([str(a) for a in args]) == 0
    return pd.read_csv(io.StringIO(out.getvalue()), dtype={"org_id": "str", "member_id": "str"})


def test_a_section_scores_once_per_period(monkeypatch):
    calls = []
    original = scope_module.score_scope
    monkeypatch.setattr(scope_module, "score_scope", lambda *a, **k: calls.append(a[4]) or original(*a, **k))
    ctx = sections.open_section(TrendsParameters())
    assert len(calls) == 2  # the edition and the previous one
    focus = ctx.scope.focus_segment
    sections.segment_ranking(ctx, focus.key, focus.top)
    sections.add_rank_intervals(ctx, sections.segment_ranking(ctx, focus.key, 10)[0], focus.key, 1, 100)
    sections.coverage(ctx)
    sections.methodology_box(ctx)
    sections.engagement_distributions(ctx)
    sections.focus_profiles(ctx, ctx.scope.ranking(segment=focus.key, top=3)["org_id"])
    sections.monthly_with_previous(ctx)
    sections.hashtag_views(ctx)
    sections.top_voices(ctx, 20)
    sections.trend_tables(ctx, 1, 100)
    assert len(calls) == 2, "a section function scored the posts again"


def test_top_voices_carry_the_full_member_tables_intervals():
    """The Top voices' intervals (summarised for the Top N only) are the full member table's, ties at the cut-off too."""
    from influence_lib.uncertainty import UNCERTAINTY_COLUMNS, rank_uncertainty

    ctx = sections.open_section(TrendsParameters())
    ranks = ctx.scope.ranking("member")["rank"]
    tied = next(int(r) for r in ranks.unique() if (ranks <= r).sum() > r)  # a Top N whose cut-off is a tie
    for n in (20, tied):
        voices = sections.top_voices(ctx, n, seed=3, n_boot=150)
        assert len(voices) == (ranks <= n).sum()
        full = rank_uncertainty(ctx.scope, "member", None, n, seed=3, n_boot=150).table.set_index("member_id")
        pd.testing.assert_frame_equal(voices.set_index("member_id")[UNCERTAINTY_COLUMNS],
                                      full.loc[voices["member_id"], UNCERTAINTY_COLUMNS], check_exact=True)
        summarised = sections.voices_uncertainty(ctx, n, 3, 150).table
        assert summarised["median_rank"].notna().sum() == len(voices)  # nobody below the Top N was summarised


def test_every_section_follows_the_methodology_file(per_member_file):
    """Segment rankings, intervals, Top voices: the same scores as `influence rank --methodology`."""
    params = SegmentParameters(segment="e-sante", methodology_file=str(per_member_file))
    ctx = sections.open_section(params)
    assert ctx.methodology.normalization == "per_member"
    ranking, _ = sections.segment_ranking(ctx, "e-sante", None)
    ranking = sections.add_rank_intervals(ctx, ranking, "e-sante", seed=5, n_boot=200)
    cli = _cli_csv("rank", "--sector", "sante", "--segment", "e-sante", "--methodology", per_member_file)
    assert list(ranking["org_id"]) == list(cli["org_id"])
    assert ranking["score"].tolist() == pytest.approx(cli["score"].tolist())
    assert (ranking["engagement"] != ranking["score"]).any(), "the methodology file did not reach the section"
    inside = (ranking["rank_low"] <= ranking["rank"]) & (ranking["rank"] <= ranking["rank_high"])
    assert inside.mean() >= 0.95
    voices = sections.top_voices(ctx, 20)
    members = _cli_csv("rank", "--sector", "sante", "--level", "member", "--top", "20",
                       "--methodology", per_member_file)
    assert list(voices["member_id"]) == list(members["member_id"])
    assert voices["score"].tolist() == pytest.approx(members["score"].tolist())
    distributions = sections.engagement_distributions(ctx)
    assert distributions["per_direction"].sum() == pytest.approx(ctx.scope.ranking()["engagement"].sum())


def test_segment_ranking_equals_scoring_the_segment_alone():
    from influence_lib.dataset import load_dataset
    from influence_lib.scoring import score_directions, score_members, score_posts, sector_scope

    dataset = load_dataset()
    period = dataset.settings.period()
    scope = build_scope(dataset, "sante", period)
    for segment in ("laboratoires-biotech", "e-sante"):
        orgs, members, _ = sector_scope(dataset, "sante", segment)
        alone = rank_directions(score_directions(orgs, score_members(members, score_posts(dataset, "sante", period,
                                                                                          segment=segment))))
        pd.testing.assert_frame_equal(scope.ranking("direction", segment), alone[scope.ranking().columns])


def test_display_order_uses_the_score_it_ranks(tmp_path):
    """Weights 0.1 and 0.3: 0.1 + 0.2 (one member) and 0.3 + 0 (two members) tie at 0.3 once rounded.

    The raw float sums differ in the last bit (0.30000000000000004 > 0.3): sorting on them showed
    the Direction with one active member first, against the contract.
    """
    from influence_lib.dataset import load_dataset
    from tests.helpers import write_dataset

    settings = {"title": "T", "sectors": {"s": {"title": "S", "segments": [{"key": "x", "label": "X", "top": 5}]}},
                "editions": {"2021": {"start": "2021-01-01", "end": "2022-01-01"}}}
    orgs = [("one", "Aaa", "s", "x", "FR"), ("two", "Bbb", "s", "x", "FR")]
    members = [("m1", "one", "A", "CEO", "ceo", "f"), ("m2", "two", "B", "CEO", "ceo", "m"),
               ("m3", "two", "C", "CFO", "finance", "m")]
    accounts = [("a1", "m1", "linkedin", "h1", 1), ("a2", "m2", "linkedin", "h2", 1), ("a3", "m3", "linkedin", "h3", 1)]
    posts = [("p1", "a1", "2021-02-01T10:00:00Z", "original", "text", 1, 0, 0, 0),   # 0.1
             ("p2", "a1", "2021-02-02T10:00:00Z", "original", "text", 2, 0, 0, 0),   # 0.2
             ("p3", "a2", "2021-02-01T10:00:00Z", "original", "text", 0, 0, 1, 0),   # 0.3
             ("p4", "a3", "2021-02-01T10:00:00Z", "original", "text", 0, 0, 0, 0)]   # 0: active all the same
    dataset = load_dataset(write_dataset(tmp_path, orgs, members, accounts, posts, settings))
    methodology = Methodology(name="w", version=1, metric_weights={"likes": 0.1, "shares": 0.3})
    ranking = build_scope(dataset, "s", dataset.settings.period(), methodology).ranking()
    assert ranking["score"].iloc[0] != ranking["score"].iloc[1]  # raw sums differ in the last bit
    assert ranking["rank"].tolist() == [1, 1]
    assert ranking["org_id"].tolist() == ["two", "one"]  # 2 active members before 1
