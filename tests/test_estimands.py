"""Estimands side by side: the shipped methodology files, their resolver, and every estimand computed by hand.

Hand-made expectations use the ``tiny`` dataset of conftest.py (sector sante, edition 2021). Its
counted posts, with their engagement: o1 (Gamma; m1 and m2, m2 without account): p1 80 and p2 10
(m1); o2 (Écho): p3 40 (m3, followers unknown) and p4 40 (m4, 10 followers); o3 (Delta): p5 80
(m5, 10 followers); o4 (alpha): p10 70 (m6, 10 followers, likes 60); o6 (Medi, medtech): p11 5
(m7, 10 followers); o5 (Vide) has no member. m1 has 1,200 + 300 followers.
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from influence_lib.cli import main
from influence_lib.errors import SettingsError
from influence_lib.post_rules import ordered_quantile, post_cap
from influence_lib.scope import build_scope
from influence_lib.settings import (
    DEFAULT_METHODOLOGY,
    Methodology,
    MethodologyChoiceError,
    load_methodology,
    methodology_reference,
    shipped_methodologies,
)
from influence_lib.uncertainty import ReplicateScorer, rank_intervals

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ["engagement", "reactions", "per-member", "per-active-member", "capped-p99", "log", "per-1000-followers",
           "without-best-post"]
FOCUS = "laboratoires-biotech"


@pytest.fixture
def run(capsys):
    """Run ``influence ARGS``; return (exit status, stdout, stderr). Never a traceback."""
    def _run(*args):
        try:
            status = main([str(a) for a in args])
        except SystemExit as exc:
            status = exc.code
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return status, out, err
    return _run


@pytest.fixture(scope="module")
def sample():
    from influence_lib.dataset import load_dataset
    return load_dataset()


@pytest.fixture(scope="module")
def sample_scopes(sample):
    """The sample's sector sante, 2021, scored once under each shipped methodology."""
    period = sample.settings.period()
    return {name: build_scope(sample, "sante", period, load_methodology(name)) for name in SHIPPED}


def _tiny_ranking(tiny, methodology, level="direction", segment=None):
    methodology = load_methodology(methodology) if isinstance(methodology, str) else methodology
    return build_scope(tiny, "sante", tiny.settings.period("2021"), methodology).ranking(level, segment)


def _rows(ranking, columns=("org_id", "rank", "score")):
    return [tuple(row) for row in ranking[list(columns)].itertuples(index=False)]


# --- the shipped files --------------------------------------------------------------------------

def test_every_shipped_methodology_is_listed_and_named_after_its_file():
    shipped = shipped_methodologies()
    assert list(shipped) == ["engagement"] + sorted(SHIPPED[1:])  # the default first
    for name, path in shipped.items():
        assert path.is_file() and path.suffix == ".yml"
        methodology = load_methodology(name)
        assert methodology.name == name and methodology.version == 1
        assert methodology.description and "\n" not in methodology.description


def test_shipped_files_write_every_key_so_a_user_can_copy_and_edit_them():
    for name, path in shipped_methodologies().items():
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(content) == set(Methodology.model_fields), name
        assert load_methodology(path) == load_methodology(name)  # a path to the file is the same methodology


def test_every_key_of_the_format_is_documented():
    docs = (ROOT / "docs" / "data-and-methodology.md").read_text(encoding="utf-8")
    for key in Methodology.model_fields:
        assert f"{key}:" in docs, key
    for value in ("per_1000_followers", "log1p", "p99.9", "drop_best_posts"):
        assert value in docs
    for name in SHIPPED:
        assert f"`{name}`" in docs, name


def test_methodology_files_are_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["influence_lib"]
    assert "data/methodologies/*.yml" in patterns
    package = ROOT / "influence_lib"
    assert sorted(package.glob("data/methodologies/*.yml")) == sorted(shipped_methodologies().values())


def test_engagement_is_the_contract_default():
    assert load_methodology("engagement") == DEFAULT_METHODOLOGY
    assert load_methodology(None) == DEFAULT_METHODOLOGY and load_methodology("") == DEFAULT_METHODOLOGY


# --- the resolver ---------------------------------------------------------------------------------

def test_a_shipped_name_wins_over_a_file_of_that_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reactions").write_text("name: local\nversion: 9\n", encoding="utf-8")
    assert load_methodology("reactions").name == "reactions"
    assert load_methodology("./reactions").name == "local"
    assert methodology_reference("reactions") == "reactions"
    assert methodology_reference("./reactions") == str((tmp_path / "reactions").resolve())
    assert methodology_reference(None) == ""


def test_unknown_name_lists_the_shipped_ones():
    with pytest.raises(MethodologyChoiceError, match="per-member") as caught:
        load_methodology("per_member")
    assert caught.value.exit_status == 2


@pytest.mark.parametrize(("content", "expected"), [
    ("name: x\nversion: 1\npost_cap: p100\n", "post_cap: post_cap must be none, a percentile"),
    ("name: x\nversion: 1\npost_cap: 1.5\n", "post_cap"),
    ("name: x\nversion: 1\npost_cap: true\n", "post_cap"),
    ("name: x\nversion: 1\ndrop_best_posts: 2\n", "drop_best_posts must be 0"),
    ("name: x\nversion: 1\ndrop_best_posts: yes\n", "drop_best_posts must be 0"),
    ("name: x\nversion: 1\npost_transform: log\n", "post_transform: Input should be 'none' or 'log1p'"),
    ("name: x\nversion: 1\nnormalization: per_follower\n", "per_1000_followers"),
    ("name: x\nversion: 1\nnormalisation: none\n", "normalisation: unknown key"),
])
def test_bad_methodology_values_are_named(tmp_path, content, expected):
    path = tmp_path / "bad.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError, match=expected.replace("(", r"\(").replace(")", r"\)")) as caught:
        load_methodology(path)
    assert str(path) in str(caught.value)


def test_caps_written_as_percentile_or_quantile():
    assert Methodology(name="x", version=1, post_cap="p99").cap_quantile == 0.99
    assert Methodology(name="x", version=1, post_cap="p99.9").cap_quantile == 0.999
    assert Methodology(name="x", version=1, post_cap="P95").cap_quantile == 0.95
    assert Methodology(name="x", version=1, post_cap=0.975).cap_quantile == 0.975
    assert Methodology(name="x", version=1).cap_quantile is None


# --- every estimand by hand on the tiny dataset ------------------------------------------------------

ENGAGEMENT = {"o1": 90, "o2": 80, "o3": 80, "o4": 70, "o6": 5, "o5": 0}


def test_engagement_by_hand(tiny):
    ranking = _tiny_ranking(tiny, "engagement")
    assert _rows(ranking) == [("o1", 1, 90), ("o2", 2, 80), ("o3", 2, 80), ("o4", 4, 70), ("o6", 5, 5), ("o5", 6, 0)]


def test_reactions_count_likes_only(tiny):
    ranking = _tiny_ranking(tiny, "reactions")
    # o1 50 + 5, o2 40 + 30, o3 70, o4 60 (p10's empty comments do not matter), o6 5
    assert _rows(ranking) == [("o2", 1, 70), ("o3", 1, 70), ("o4", 3, 60), ("o1", 4, 55), ("o6", 5, 5), ("o5", 6, 0)]
    assert ranking.set_index("org_id")["engagement"].to_dict() == {"o2": 70, "o3": 70, "o4": 60, "o1": 55, "o6": 5,
                                                                    "o5": 0}


def test_per_member_and_per_active_member(tiny):
    per_member = _tiny_ranking(tiny, "per-member")
    # o1 90 / 2 members, o2 80 / 2, o5 has no member: 0
    assert _rows(per_member) == [("o3", 1, 80), ("o4", 2, 70), ("o1", 3, 45), ("o2", 4, 40), ("o6", 5, 5),
                                 ("o5", 6, 0)]
    per_active = _tiny_ranking(tiny, "per-active-member")
    # o1 90 / 1 active member (m2 never posts), o2 80 / 2
    assert _rows(per_active) == [("o1", 1, 90), ("o3", 2, 80), ("o4", 3, 70), ("o2", 4, 40), ("o6", 5, 5),
                                 ("o5", 6, 0)]
    assert per_active.set_index("org_id")["engagement"].to_dict() == ENGAGEMENT


def test_capped_p99_on_seven_posts_caps_at_the_largest(tiny):
    # 99 % of 7 posts is 6.93 posts: the cap is the 7th smallest engagement, 80, the largest
    assert post_cap(np.array([80, 10, 40, 40, 80, 70, 5]), load_methodology("capped-p99")) == 80
    assert _rows(_tiny_ranking(tiny, "capped-p99")) == _rows(_tiny_ranking(tiny, "engagement"))


def test_a_cap_is_the_sector_quantile_and_leaves_engagement_alone(tiny):
    median_cap = Methodology(name="cap", version=1, post_cap="p50")
    # 50 % of 7 posts is 3.5: the 4th smallest of 5, 10, 40, 40, 70, 80, 80 is 40
    assert post_cap(np.array([80, 10, 40, 40, 80, 70, 5]), median_cap) == 40
    ranking = _tiny_ranking(tiny, median_cap)
    # o1 min(80, 40) + 10; o2 40 + 40; o3 40; o4 40; o6 5
    assert _rows(ranking) == [("o2", 1, 80), ("o1", 2, 50), ("o4", 3, 40), ("o3", 3, 40), ("o6", 5, 5), ("o5", 6, 0)]
    assert ranking.set_index("org_id")["engagement"].to_dict() == ENGAGEMENT
    # the segment's ranking keeps the sector's cap
    segment = _tiny_ranking(tiny, median_cap, segment="labo")
    assert _rows(segment, ("org_id", "score")) == _rows(ranking.loc[ranking["org_id"] != "o6"], ("org_id", "score"))
    members = _tiny_ranking(tiny, median_cap, level="member").set_index("member_id")
    assert (members.loc["m1", "score"], members.loc["m1", "engagement"]) == (50, 90)


def test_log_sums_log1p_of_each_post(tiny):
    ranking = _tiny_ranking(tiny, "log").set_index("org_id")
    expected = {"o1": math.log(81) + math.log(11), "o2": 2 * math.log(41), "o3": math.log(81), "o4": math.log(71),
                "o6": math.log(6), "o5": 0.0}
    assert list(ranking.index) == ["o2", "o1", "o3", "o4", "o6", "o5"]
    for org, score in expected.items():
        assert ranking.loc[org, "score"] == pytest.approx(score, abs=1e-9)
    assert ranking["engagement"].to_dict() == ENGAGEMENT
    members = _tiny_ranking(tiny, "log", level="member").set_index("member_id")
    assert members.loc["m1", "score"] == pytest.approx(math.log(81) + math.log(11))


def test_per_1000_followers_over_members_whose_followers_are_known(tiny):
    ranking = _tiny_ranking(tiny, "per-1000-followers")
    assert list(ranking.columns[-2:]) == ["followers", "followers_known_share"]
    # o1: (90 + 0) per 1,500 followers (m2 has no account: 0 followers, known); o2: m3's followers are
    # unknown, so only m4's 40 per 10 followers count; o3 80 / 10; o4 70 / 10; o6 5 / 10
    assert _rows(ranking, ("org_id", "rank", "score", "followers")) == [
        ("o3", 1, 8000, 10), ("o4", 2, 7000, 10), ("o2", 3, 4000, 10), ("o6", 4, 500, 10), ("o1", 5, 60, 1500),
        ("o5", 6, 0, 0)]
    share = ranking.set_index("org_id")["followers_known_share"]
    assert share.drop("o5").to_dict() == {"o3": 1, "o4": 1, "o2": 0.5, "o6": 1, "o1": 1}
    assert pd.isna(share["o5"])  # no member: no share
    assert ranking.set_index("org_id")["engagement"].to_dict() == ENGAGEMENT


def test_without_best_post(tiny):
    ranking = _tiny_ranking(tiny, "without-best-post")
    # o1 90 - 80, o2 80 - 40 (one of its two 40s), o3, o4 and o6 have one post each: 0
    assert _rows(ranking) == [("o2", 1, 40), ("o1", 2, 10), ("o4", 3, 0), ("o3", 3, 0), ("o6", 3, 0), ("o5", 3, 0)]
    assert ranking.set_index("org_id")["engagement"].to_dict() == ENGAGEMENT
    members = _tiny_ranking(tiny, "without-best-post", level="member")  # a Direction-level rule only
    assert _rows(members, ("member_id", "score")) == _rows(_tiny_ranking(tiny, "engagement", level="member"),
                                                           ("member_id", "score"))


def test_rules_combine_in_their_documented_order(tiny):
    """Cap at p50 (40), then log1p, then the best post out, then per member."""
    methodology = Methodology(name="all", version=1, post_cap="p50", post_transform="log1p", drop_best_posts=1,
                              normalization="per_member")
    ranking = _tiny_ranking(tiny, methodology).set_index("org_id")
    # o1: posts log(41) and log(11), best log(41) out, 2 members; o2: log(41) twice, one out, 2 members
    assert ranking.loc["o1", "score"] == pytest.approx(round(math.log(11) / 2, 6))
    assert ranking.loc["o2", "score"] == pytest.approx(round(math.log(41) / 2, 6))
    assert ranking.loc["o3", "score"] == 0


# --- the command line -------------------------------------------------------------------------------

def test_methodologies_command_lists_name_version_description_file(run):
    status, out, err = run("methodologies")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["name", "version", "description", "file"]
    assert [line.split()[0] for line in lines[1:]] == list(shipped_methodologies())
    for line, path in zip(lines[1:], shipped_methodologies().values()):
        assert line.endswith(str(path)) and " 1 " in line
    status, out, _ = run("methodologies", "--format", "json")
    rows = json.loads(out)
    assert [set(r) for r in rows] == [{"name", "version", "description", "file"}] * len(SHIPPED)
    assert rows[0] == {"name": "engagement", "version": 1, "description": DEFAULT_METHODOLOGY.description,
                       "file": str(shipped_methodologies()["engagement"])}


def test_methodologies_help_has_an_example(run):
    status, out, _ = run("methodologies", "--help")
    assert status == 0 and "influence methodologies" in out and "--methodology per-member" in out


def test_engagement_by_name_or_file_is_the_default_byte_for_byte(run):
    args = ["rank", "--sector", "sante", "--segment", FOCUS]
    _, default, _ = run(*args)
    for value in ("engagement", shipped_methodologies()["engagement"]):
        status, out, _ = run(*args, "--methodology", value)
        assert status == 0 and out == default
    _, default_json, _ = run(*args, "--format", "json", "--top", "5")
    _, named_json, _ = run(*args, "--format", "json", "--top", "5", "--methodology", "engagement")
    assert named_json == default_json


def test_tiny_rank_by_name(run, tiny_dir):
    status, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--methodology", "per-1000-followers")
    assert status == 0
    assert out.splitlines()[:3] == [
        "rank,org_id,name,segment,score,engagement,posts,active_members,members,followers,followers_known_share",
        "1,o3,Delta,labo,8000,80,1,1,1,10,1",
        "2,o4,alpha,labo,7000,70,1,1,1,10,1",
    ]
    assert out.splitlines()[-1] == "6,o5,Vide,labo,0,0,0,0,0,0,"


@pytest.mark.parametrize("command", ["rank", "report"])
def test_unknown_methodology_is_a_bad_argument(run, tiny_dir, tmp_path, command):
    extra = ["--out", tmp_path / "out"] if command == "report" else []
    status, out, err = run(command, "--data", tiny_dir, "--sector", "sante", "--methodology", "nope", *extra)
    assert status == 2 and out == ""
    assert "--methodology nope: no such file, nor the name of a shipped methodology" in err
    assert "per-1000-followers" in err and "influence methodologies" in err
    assert not (tmp_path / "out").exists()  # refused before anything is written


@pytest.mark.parametrize("command", ["rank", "report"])
def test_bad_methodology_file_is_bad_data_with_a_clear_message(run, tiny_dir, tmp_path, command):
    path = tmp_path / "mine.yml"
    path.write_text("name: mine\nversion: 1\npost_cap: p99\nnormalization: per_followers\n", encoding="utf-8")
    extra = ["--out", tmp_path / "out"] if command == "report" else []
    status, out, err = run(command, "--data", tiny_dir, "--sector", "sante", "--methodology", path, *extra)
    assert status == 1 and out == ""
    assert str(path) in err and "normalization" in err and "per_1000_followers" in err
    assert not (tmp_path / "out").exists()


def test_a_report_passes_a_shipped_name_on_to_its_notebooks(tiny_dir, tmp_path):
    from influence_lib.report import abandon_report, prepare_report
    job = prepare_report("sante", tiny_dir, out_dir=tmp_path, methodology_file="per-member")
    try:
        assert job.common["methodology_file"] == "per-member"
        assert job.methodology == load_methodology("per-member")
    finally:
        abandon_report(job)


def test_notebook_parameter_takes_a_shipped_name(tiny_dir):
    from influence_lib.parameters import SectionParameters
    from influence_lib.sections import open_section
    ctx = open_section(SectionParameters.from_values(data_dir=str(tiny_dir), sector="sante",
                                                     methodology_file="without-best-post"))
    assert ctx.methodology.name == "without-best-post"
    assert ctx.scope.ranking()["score"].tolist()[:2] == [40, 10]


# --- every shipped methodology on the sample ---------------------------------------------------------

@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_methodology_ranks_the_sample_like_the_command(run, sample_scopes, name):
    scope = sample_scopes[name]
    ranking = scope.ranking("direction", FOCUS)
    assert len(ranking) == 140 and ranking["rank"].iloc[0] == 1
    assert np.isfinite(ranking["score"].to_numpy(dtype=float)).all() and (ranking["score"] >= 0).all()
    status, out, _ = run("rank", "--sector", "sante", "--segment", FOCUS, "--methodology", name)
    assert status == 0
    from io import StringIO
    printed = pd.read_csv(StringIO(out), dtype={"org_id": str})
    assert printed["org_id"].tolist() == ranking["org_id"].tolist()
    assert printed["score"].to_numpy() == pytest.approx(ranking["score"].to_numpy(dtype=float), abs=5e-7)


@pytest.mark.parametrize("name", SHIPPED)
def test_a_replicate_of_ones_gives_the_published_scores(sample_scopes, name):
    scope = sample_scopes[name]
    ranking = scope.ranking("direction", FOCUS)
    scorer = ReplicateScorer(scope, ranking["org_id"], FOCUS)
    scores = scorer.scores(np.ones(scorer.n_posts, dtype=np.int64))
    assert scores == pytest.approx(ranking["score"].to_numpy(dtype=float), abs=1e-9)


@pytest.mark.parametrize("name", SHIPPED)
def test_intervals_contain_the_published_ranks_for_every_shipped_methodology(sample_scopes, name):
    """Measured with B = 1,000 and seed 3: 140 of 140 inside for every methodology."""
    intervals = rank_intervals(sample_scopes[name], FOCUS, seed=3, n_boot=200)
    inside = (intervals["rank_low"] <= intervals["rank"]) & (intervals["rank"] <= intervals["rank_high"])
    assert inside.mean() >= 0.95, intervals.loc[~inside]


def test_estimands_keep_part_of_the_default_top_10(sample_scopes):
    """The measured figures of the issue (robustness notes): per member 8, per active member 7,
    per 1,000 followers 5, capped p99 9 of the default Top 10."""
    def top10(name):
        ranking = sample_scopes[name].ranking("direction", FOCUS, top=10)
        return set(ranking["org_id"])
    default = top10("engagement")
    kept = {name: len(top10(name) & default) for name in SHIPPED}
    assert kept["engagement"] == 10
    assert (kept["per-member"], kept["per-active-member"], kept["per-1000-followers"], kept["capped-p99"]) == (8, 7, 5, 9)
    assert all(kept[name] < 10 for name in ("per-member", "per-active-member", "per-1000-followers", "log"))


# --- the bootstrap follows each rule ----------------------------------------------------------------

def test_replicate_cap_is_the_weighted_quantile():
    rng = np.random.default_rng(0)
    values = np.sort(rng.integers(0, 1000, size=500))
    for q in (0.5, 0.9, 0.99, 0.999):
        weights = rng.poisson(1.0, size=500)
        expected = np.quantile(values, q, weights=weights, method="inverted_cdf")
        assert ordered_quantile(values, np.cumsum(weights), q) == expected
        assert ordered_quantile(values, np.arange(1, 501), q) == np.quantile(values, q, method="inverted_cdf")


def test_a_replicate_leaves_out_one_copy_of_the_best_drawn_post(tiny):
    scope = build_scope(tiny, "sante", tiny.settings.period("2021"), load_methodology("without-best-post"))
    scorer = ReplicateScorer(scope, ["o1", "o2", "o3"], None)
    posts = scope.posts()["post_id"].tolist()   # p1, p2, p3, p4, p5, p10, p11 in the dataset's order
    weights = np.zeros(scorer.n_posts, dtype=np.int64)
    weights[posts.index("p2")] = 2            # o1: p2 (10) twice, p1 (80) not drawn: 20 - 10
    weights[posts.index("p3")] = 1            # o2: p3 (40) once, p4 not drawn: 40 - 40
    weights[posts.index("p5")] = 3            # o3: p5 (80) three times: 240 - 80
    assert scorer.scores(weights).tolist() == [10, 0, 160]


def test_a_replicate_cap_and_followers(tiny):
    scope = build_scope(tiny, "sante", tiny.settings.period("2021"),
                        Methodology(name="c", version=1, post_cap="p50", normalization="per_1000_followers"))
    scorer = ReplicateScorer(scope, ["o1", "o2"], "labo")
    assert scorer.n_posts == 7  # a cap samples every post of the sector
    posts = scope.posts()["post_id"].tolist()
    weights = np.ones(scorer.n_posts, dtype=np.int64)
    weights[posts.index("p2")] = 0
    weights[posts.index("p3")] = 0
    # drawn: 80, 40, 80, 70, 5 -> the median of 5 posts is the 3rd smallest, 70
    # o1: min(80, 70) per 1,500 followers; o2: p4 40 per 10 (m3's p3 never counts: followers unknown)
    assert scorer.scores(weights) == pytest.approx([70 * 1000 / 1500, 4000])
