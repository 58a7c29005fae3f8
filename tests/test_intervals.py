"""`rank --intervals` (columns, order, every format, both levels), the report's marks and legend, the workbook's
columns, the manifest's statistics, and intervals that contain the published rank under every shipped methodology."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from influence_lib.cli import main
from influence_lib.ranking import DIRECTION_RANK_COLUMNS, MEMBER_RANK_COLUMNS, MOVEMENT_COLUMNS

INTERVALS = ["median_rank", "rank_low", "rank_high", "p_top"]
FOCUS = "laboratoires-biotech"
SHIPPED = ["engagement", "reactions", "per-member", "per-active-member", "capped-p99", "log", "per-1000-followers",
           "without-best-post"]


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


# --- rank --intervals -------------------------------------------------------------------------------

@pytest.mark.parametrize("level", ["direction", "member"])
@pytest.mark.parametrize("movements", [[], ["--movements"]])
def test_rank_intervals_adds_exactly_four_columns_last_in_csv(run, tiny_dir, level, movements):
    base = ["rank", "--data", tiny_dir, "--sector", "sante", "--level", level, *movements]
    status, plain, _ = run(*base)
    assert status == 0
    status, out, err = run(*base, "--intervals", "--replicates", 200, "--seed", 7)
    assert status == 0
    contract = DIRECTION_RANK_COLUMNS if level == "direction" else MEMBER_RANK_COLUMNS
    expected = contract + (MOVEMENT_COLUMNS if movements else [])
    assert plain.splitlines()[0] == ",".join(expected)  # without the flag: the contract's columns
    assert out.splitlines()[0] == ",".join(expected + INTERVALS)
    # the other columns are the same bytes: each line of the plain output starts each line of the new one
    assert len(out.splitlines()) == len(plain.splitlines())
    for before, after in zip(plain.splitlines()[1:], out.splitlines()[1:]):
        assert after.startswith(before + ",")
    table = pd.read_csv(io.StringIO(out))
    assert (table["rank_low"] <= table["median_rank"]).all() and (table["median_rank"] <= table["rank_high"]).all()
    assert table["p_top"].between(0, 1).all()
    assert "intervals are not trustworthy" in err  # tiny: every entry has fewer than 10 posts


@pytest.mark.parametrize("level", ["direction", "member"])
def test_rank_intervals_in_json_and_table(run, tiny_dir, level):
    base = ["rank", "--data", tiny_dir, "--sector", "sante", "--level", level, "--top", 2]
    status, plain, _ = run(*base, "--format", "json")
    _, out, _ = run(*base, "--format", "json", "--intervals", "--replicates", 100)
    before, after = json.loads(plain), json.loads(out)
    assert status == 0 and "intervals" not in before
    assert after["intervals"]["replicates"] == 100 and after["intervals"]["seed"] == 20210601
    assert after["intervals"]["top"] == 2 and after["intervals"]["engine"] == "exact"
    assert list(after) == list(before)[:-1] + ["intervals", "rows"]
    for row_before, row_after in zip(before["rows"], after["rows"], strict=True):
        assert list(row_after) == list(row_before) + INTERVALS
        assert {k: row_after[k] for k in row_before} == row_before
    _, plain, _ = run(*base, "--format", "table")
    _, out, _ = run(*base, "--format", "table", "--intervals", "--replicates", 100)
    lines, new = plain.splitlines(), out.splitlines()
    assert new[0] == lines[0] and len(new) == len(lines)
    assert all(after.startswith(before) for before, after in zip(lines[1:], new[1:]))
    assert new[1].endswith("Rang médian  Rang bas (IC 90 %)  Rang haut (IC 90 %)  P(Top 2)")


def test_rank_intervals_on_the_sample_default_b(run):
    status, out, _ = run("rank", "--sector", "sante", "--segment", FOCUS, "--top", 10, "--intervals")
    assert status == 0
    table = pd.read_csv(io.StringIO(out))
    assert len(table) == 10 and list(table.columns[-4:]) == INTERVALS
    assert table.loc[0, ["median_rank", "rank_low", "rank_high", "p_top"]].tolist() == [1, 1, 1, 1.0]
    again = run("rank", "--sector", "sante", "--segment", FOCUS, "--top", 10, "--intervals", "--seed", 20210601,
                "--replicates", 1000)[1]
    assert again == out  # the defaults are B = 1,000 and seed 20210601; same seed, same bytes


@pytest.mark.parametrize("args", [["--seed", 3], ["--replicates", 10], ["--intervals", "--seed", -1],
                                  ["--intervals", "--seed", 2**64], ["--intervals", "--replicates", 0],
                                  ["--intervals", "--seed", "x"]])
def test_bad_interval_arguments_exit_2(run, args):
    status, out, err = run("rank", "--sector", "sante", *args)
    assert status == 2 and out == "" and err


# --- intervals contain the published ranks under every shipped methodology ------------------------

@pytest.fixture(scope="module")
def sample():
    from influence_lib.dataset import load_dataset
    return load_dataset()


@pytest.mark.parametrize("name", SHIPPED)
def test_intervals_contain_the_published_rank_for_every_shipped_methodology(sample, name):
    """Measured (B = 1,000, seed 20210601, laboratoires-biotech): 140 of 140 inside for each of the eight."""
    from influence_lib.scope import build_scope
    from influence_lib.settings import load_methodology
    from influence_lib.uncertainty import rank_uncertainty

    scope = build_scope(sample, "sante", sample.settings.period(), load_methodology(name))
    table = rank_uncertainty(scope, "direction", FOCUS, 100, seed=20210601).table
    assert len(table) == 140
    inside = (table["rank_low"] <= table["rank"]) & (table["rank"] <= table["rank_high"])
    assert inside.mean() >= 0.95, table.loc[~inside]


# --- the report's tables, profiles and workbook ---------------------------------------------------

def _ranking(**extra):
    rows = {"rank": [1, 2, 3], "org_id": ["a", "b", "c"], "name": ["A", "B", "C"], "score": [100, 50, 49],
            "engagement": [100, 50, 49], "posts": [30, 12, 4], "active_members": [2, 1, 1], "members": [3, 2, 1],
            "median_rank": [1, 2, 3], "rank_low": [1, 2, 2], "rank_high": [1, 3, 3], "p_top": [1.0, 0.999, 0.4],
            "ahead_share": [1.0, 0.55, np.nan], "neck_and_neck": [False, True, False],
            "interval_untrustworthy": [False, False, True]}
    rows.update(extra)
    return pd.DataFrame(rows)


def test_display_ranking_marks_neck_and_neck_and_untrustworthy_rows():
    from influence_lib.presentation import display_ranking

    shown = display_ranking(_ranking(), top=2)
    assert list(shown.columns[:5]) == ["Rang", "Rang possible (IC 90 %)", "Chances d’être dans le Top 2", "Direction",
                                       "Score"]
    assert shown["Rang possible (IC 90 %)"].tolist() == ["1", "2–3", "2–3 †"]
    assert shown["Chances d’être dans le Top 2"].tolist() == ["100\u00a0%", "99,9\u00a0%", "40\u00a0%"]
    assert shown["Au coude-à-coude avec la suivante"].tolist() == ["", "≈", ""]
    assert "Posts à compteur vide" not in shown
    with_empty = display_ranking(_ranking(posts_with_empty_counts=[0, 2, 0]))
    assert with_empty["Posts à compteur vide"].tolist() == ["0", "2", "0"]
    plain = display_ranking(_ranking().drop(columns=["median_rank", "rank_low", "rank_high", "p_top", "ahead_share",
                                                     "neck_and_neck", "interval_untrustworthy"]))
    assert list(plain.columns) == ["Rang", "Direction", "Score", "Engagement", "Posts", "Membres actifs / membres"]


def test_legend_says_b_top_and_the_tail_index():
    from influence_lib.presentation import uncertainty_note_html
    from influence_lib.stats import TailIndex
    from influence_lib.uncertainty import RankUncertainty

    def result(alpha):
        table = pd.DataFrame({"interval_untrustworthy": [True], "neck_and_neck": [False]})
        return RankUncertainty(table, "direction", "x", 100, 1, 1000, 0.9, "exact", False, TailIndex(alpha, 80, 6800, alpha < 2))

    heavy = uncertainty_note_html(result(1.9765))
    assert "1\u202f000 tirages" in heavy and "Top 100" in heavy and "indice de Hill 1,98" in heavy and "≈" in heavy
    assert "toutes les lignes" in heavy
    light = uncertainty_note_html(result(8.6))
    assert "Hill" not in light and "moins de 10 posts comptés" in light


def test_profile_says_what_the_rank_owes_to_its_best_post():
    from influence_lib.presentation.fragments import viral_paragraph

    row = pd.Series({"rank": 6, "best_share": 0.409, "n_eff": 4.59, "rank_without_best_post": 13})
    assert viral_paragraph(row) == ("<p>Son meilleur post pèse 41\u00a0% du total de ses posts (l’équivalent de 4,6 "
                                    "posts de même poids) : sans lui, elle serait 13e au lieu de 6e.</p>")
    assert "sans lui, elle resterait 1re." in viral_paragraph(pd.Series({**row, "rank": 1, "rank_without_best_post": 1}))
    assert viral_paragraph(pd.Series({"rank": 3})) == ""


def test_workbook_shows_the_new_columns():
    from influence_lib.settings import DatasetSettings
    from influence_lib.workbook import build_sheets

    settings = DatasetSettings.model_validate({
        "title": "T", "sectors": {"s": {"title": "S", "segments": [{"key": "x", "label": "X", "top": 3}]}},
        "editions": {"2021": {"start": "2021-01-01", "end": "2022-01-01"}}})
    top10 = _ranking(posts_with_empty_counts=[0, 2, 0], best_share=[0.4, 0.1, 0.2], n_eff=[4.6, 9.0, 3.0],
                     rank_without_best_post=[2, 2, 3]).astype(str)  # tables are read back as text
    sheet = build_sheets({"top10": top10}, settings, "s")[0]
    frame = sheet.frame
    for header in ("Rang médian (bootstrap)", "Chances d’être dans ce Top", "Au coude-à-coude avec la suivante",
                   "Intervalle peu fiable", "Posts à compteur vide", "Part du meilleur post", "Posts effectifs",
                   "Rang sans son meilleur post"):
        assert header in frame.columns, header
    assert frame["Au coude-à-coude avec la suivante"].tolist() == [None, "oui", None]
    assert frame["Intervalle peu fiable"].tolist() == [None, None, "oui"]
    assert sheet.formats["Chances d’être dans ce Top"] == "0.0%"


# --- the manifest -------------------------------------------------------------------------------------

def test_statistics_entry_reads_back_how_intervals_were_computed(tmp_path, tiny):
    from influence_lib.export import save_table
    from influence_lib.parameters import notebook_defaults
    from influence_lib.scope import build_scope
    from influence_lib.uncertainty import rank_uncertainty, statistics_entry, uncertainty_settings

    scope = build_scope(tiny, "sante", tiny.settings.period("2021"))
    results = [rank_uncertainty(scope, "direction", "labo", 2, seed=5, n_boot=50),
               rank_uncertainty(scope, "member", None, None, seed=5, n_boot=60)]
    save_table(uncertainty_settings(results), str(tmp_path), "rank_uncertainty_x")
    entry = statistics_entry(tmp_path / "tables")
    assert set(entry["versions"]) == {"python", "numpy", "pandas", "scipy", "pyarrow"}
    runs = entry["rank_uncertainty"]
    assert [(r["table"], r["level"], r["segment"], r["top"], r["seed"], r["replicates"], r["engine"]) for r in runs] == [
        ("rank_uncertainty_x", "direction", "labo", 2, 5, 50, "exact"),
        ("rank_uncertainty_x", "member", None, 10, 5, 60, "exact")]
    assert notebook_defaults("01_focus-top10")["n_boot"] == 1000 and notebook_defaults("nothing") == {}
