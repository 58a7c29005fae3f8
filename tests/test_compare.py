"""``influence compare``: methodologies side by side on the hand-made dataset (figures worked out by hand) and the sample."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pandas as pd
import pytest

from influence_lib.cli import main
from influence_lib.compare import (
    COMPARE_COLUMNS,
    MOVER_COLUMNS,
    compare_methodologies,
    compare_ranked,
    estimands_side_by_side,
)
from influence_lib.scope import build_ranking
from influence_lib.settings import load_methodology, shipped_methodologies

# Sector sante, edition 2021, every Direction of the sector (o1, o2, o3, o4, o6, o5 in A's display order):
#   engagement: o1 90, o2 80, o3 80, o4 70, o6 5, o5 0  -> ranks 1, 2, 2, 4, 5, 6
#   reactions:  o1 55 (50 + 5), o2 70 (40 + 30), o3 70, o4 60, o6 5, o5 0 -> ranks 4, 1, 1, 3, 5, 6
# Average ranks (ascending) A: o1 6, o2 4.5, o3 4.5, o4 3, o6 2, o5 1; B: 3, 5.5, 5.5, 4, 2, 1. Deviations from
# 3.5: A (2.5, 1, 1, -0.5, -1.5, -2.5), B (-0.5, 2, 2, 0.5, -1.5, -2.5): sum of products 11, sums of squares 17 and
# 17, so Spearman = 11/17. Kendall: 15 pairs, (o2, o3) tied in both, o1 discordant with o2, o3, o4, the other 11
# pairs concordant: tau-b = (11 - 3) / sqrt(14 * 14) = 8/14.
# RBO (p = 0.9): A = o1 o2 o3 o4 o6 o5, B = o2 o3 o4 o1 o6 o5 (ties shown by active members: o2 has 2, o3 1);
# overlaps X_d/d = 0, 1/2, 2/3, 1, 1, 1, so RBO = 0.9^6 + (0.1/0.9)(0.5*0.81 + 2/3*0.729 + 0.6561 + 0.59049 + 0.531441)
# = 0.828. Top 2 of A (ties kept): o1, o2, o3; in B's Top 2: o2, o3; largest shift: o1, 1 -> 4.
SPEARMAN, KENDALL, RBO = 11 / 17, 8 / 14, 0.828


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


def test_json_by_hand(run, tiny_dir):
    status, out, err = run("compare", "--data", tiny_dir, "--sector", "sante", "--methodology", "engagement",
                           "--methodology", "reactions", "--top", "2", "--format", "json")
    assert status == 0, err
    rows = json.loads(out)
    assert len(rows) == 1
    row = rows[0]
    assert list(row) == COMPARE_COLUMNS + ["movers"]  # exactly these keys, in this order
    assert (row["a"], row["b"]) == ("engagement", "reactions")
    assert row["spearman"] == pytest.approx(SPEARMAN, abs=1e-6)
    assert row["kendall_tau_b"] == pytest.approx(KENDALL, abs=1e-6)
    assert row["rbo"] == pytest.approx(RBO, abs=1e-6)
    assert (row["top"], row["top_kept"], row["max_shift_in_top"]) == (2, 2, 3)
    # movers: largest |rank_a - rank_b| first, then by rank_a, then A's display order; o6 and o5 do not move
    assert [list(m) for m in row["movers"]] == [MOVER_COLUMNS] * 4
    assert [(m["org_id"], m["rank_a"], m["rank_b"], m["rank_change"], m["score_a"], m["score_b"])
            for m in row["movers"]] == [("o1", 1, 4, -3, 90, 55), ("o2", 2, 1, 1, 80, 70), ("o3", 2, 1, 1, 80, 70),
                                       ("o4", 4, 3, 1, 70, 60)]
    assert row["movers"][0]["name"] == "Gamma"


def test_csv_has_exactly_the_eight_columns(run, tiny_dir):
    status, out, _ = run("compare", "--data", tiny_dir, "--sector", "sante", "--methodology", "engagement",
                         "--methodology", "reactions", "--methodology", "engagement", "--top", "2")
    assert status == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == COMPARE_COLUMNS
    assert rows[1][:2] == ["engagement", "reactions"] and rows[1][5:] == ["2", "2", "3"]
    assert float(rows[1][2]) == pytest.approx(SPEARMAN, abs=1e-6)
    assert rows[2] == ["engagement", "engagement", "1", "1", "1", "2", "3", "0"]  # ties at the cut-off: 3 kept
    assert len(rows) == 3


def test_default_top_is_the_segments(run, tiny_dir):
    status, out, _ = run("compare", "--data", tiny_dir, "--sector", "sante", "--segment", "labo",
                         "--methodology", "engagement", "--methodology", "engagement", "--format", "json")
    assert status == 0
    assert json.loads(out)[0]["top"] == 2  # labo's Top N in dataset.yml
    status, out, _ = run("compare", "--data", tiny_dir, "--sector", "sante", "--methodology", "engagement",
                         "--methodology", "engagement", "--format", "json")
    assert json.loads(out)[0]["top"] == 10  # no segment: 10 (all 6 Directions are in it)
    assert json.loads(out)[0]["top_kept"] == 6


def test_segment_by_hand(run, tiny_dir):
    # labo: o1 90, o2 80, o3 80, o4 70, o5 0 against o1 55, o2 70, o3 70, o4 60, o5 0. Average ranks: A (5, 3.5,
    # 3.5, 2, 1), B (2, 4.5, 4.5, 3, 1); deviations from 3: A (2, .5, .5, -1, -2), B (-1, 1.5, 1.5, 0, -2): Spearman
    # 3.5/9.5. Kendall: 10 pairs, one tied in both, o1 discordant with o2, o3, o4, 6 concordant: 3/9.
    status, out, _ = run("compare", "--data", tiny_dir, "--sector", "sante", "--segment", "labo", "--methodology",
                         "engagement", "--methodology", "reactions", "--format", "json")
    row = json.loads(out)[0]
    assert row["spearman"] == pytest.approx(3.5 / 9.5, abs=1e-6)
    assert row["kendall_tau_b"] == pytest.approx(1 / 3, abs=1e-6)
    assert (row["top"], row["top_kept"], row["max_shift_in_top"]) == (2, 2, 3)
    assert {m["org_id"] for m in row["movers"]} == {"o1", "o2", "o3", "o4"}  # o6 is not in the segment


@pytest.mark.parametrize("segment", [None, "laboratoires-biotech"])
def test_a_methodology_against_itself(run, segment):
    # every shipped methodology against itself, on the sample: 1, 1, 1, N, N, 0 and nobody moves
    names = list(shipped_methodologies())
    args = ["compare", "--sector", "sante", "--format", "json"] + (["--segment", segment] if segment else [])
    for name in names:
        args += ["--methodology", name]
    status, out, err = run(*args, "--methodology", names[0])
    assert status == 0, err
    rows = json.loads(out)
    assert [r["b"] for r in rows] == names[1:] + [names[0]]
    same = rows[-1]
    top = 100 if segment else 10
    assert (same["spearman"], same["kendall_tau_b"], same["rbo"], same["top"], same["top_kept"],
            same["max_shift_in_top"], same["movers"]) == (1, 1, 1, top, top, 0, [])
    for row in rows[:-1]:  # other estimands: a real comparison, within bounds
        assert -1 <= row["spearman"] <= 1 and 0 <= row["rbo"] <= 1 and 0 <= row["top_kept"] <= top


def test_each_shipped_methodology_against_itself_in_the_library(tiny):
    period = tiny.settings.period("2021")
    for name in shipped_methodologies():
        methodology = load_methodology(name)
        row = compare_methodologies(tiny, "sante", period, [methodology, methodology], top=3)[0]
        in_top = len(build_ranking(tiny, "sante", period, top=3, methodology=methodology))  # ties at the cut-off kept
        assert in_top >= 3
        assert (row["top"], row["top_kept"], row["max_shift_in_top"], len(row["movers"])) == (3, in_top, 0, 0), name
        assert row["rbo"] == pytest.approx(1) and row["kendall_tau_b"] == pytest.approx(1), name


def test_a_methodology_file_and_its_shipped_name_agree(run, tiny_dir, tmp_path):
    mine = tmp_path / "mine.yml"
    shutil.copy(shipped_methodologies()["reactions"], mine)
    outputs = []
    for value in ("reactions", mine):
        status, out, _ = run("compare", "--data", tiny_dir, "--sector", "sante", "--methodology", "engagement",
                             "--methodology", value, "--top", "2")
        assert status == 0
        outputs.append(out)
    assert outputs[0] == outputs[1]


def test_table_in_french_with_movers(run, tiny_dir):
    status, out, _ = run("compare", "--data", tiny_dir, "--sector", "sante", "--methodology", "engagement",
                         "--methodology", "reactions", "--top", "2", "--format", "table")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "Santé — tous segments — édition 2021"
    for header in ("Méthode A", "Méthode B", "Spearman", "Tau b de Kendall", "RBO", "Top", "Gardées dans le Top",
                   "Écart max. dans le Top"):
        assert header in lines[1]
    assert lines[2].split() == ["engagement", "reactions", "0,647", "0,571", "0,828", "2", "2", "3"]
    assert "Plus forts mouvements de « engagement » à « reactions » :" in out
    assert "Gamma" in out and "-3" in out


@pytest.mark.parametrize("args, message", [
    (["--methodology", "engagement"], "at least two --methodology"),
    (["--methodology", "engagement", "--methodology", "no-such-method"], "no-such-method"),
    (["--methodology", "engagement", "--methodology", "reactions", "--segment", "nope"], "unknown segment"),
    (["--methodology", "engagement", "--methodology", "reactions", "--edition", "1999"], "unknown edition"),
    (["--methodology", "engagement", "--methodology", "reactions", "--top", "0"], "positive integer"),
])
def test_bad_arguments_exit_2(run, tiny_dir, args, message):
    status, _, err = run("compare", "--data", tiny_dir, "--sector", "sante", *args)
    assert status == 2
    assert message in err


def test_bad_methodology_file_exits_1(run, tiny_dir, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("name: bad\nversion: 1\nnormalisation: per_member\n", encoding="utf-8")
    status, _, err = run("compare", "--data", tiny_dir, "--sector", "sante", "--methodology", "engagement",
                         "--methodology", bad)
    assert status == 1
    assert "normalisation" in err and "unknown key" in err


def test_no_sector_is_a_usage_error(run, tiny_dir):
    status, _, err = run("compare", "--data", tiny_dir, "--methodology", "engagement", "--methodology", "reactions")
    assert status == 2 and "--sector" in err


def test_help_has_an_example(run):
    status, out, _ = run("compare", "--help")
    assert status == 0
    assert "influence compare --sector sante" in out and "movers" in out


def test_estimands_side_by_side(tiny):
    from influence_lib.scope import build_scope

    scope = build_scope(tiny, "sante", tiny.settings.period("2021"), load_methodology("engagement"))
    found = estimands_side_by_side(scope, "labo", top=2)
    others = [n for n in shipped_methodologies() if n != "engagement"]
    assert found["comparison"]["b"].tolist() == others
    assert list(found["comparison"].columns) == COMPARE_COLUMNS
    tops = found["tops"]
    assert tops["methodology"].drop_duplicates().tolist() == ["engagement"] + others
    assert tops.loc[tops["methodology"] == "engagement", "org_id"].tolist() == ["o1", "o2", "o3"]
    assert tops.loc[tops["methodology"] == "reactions", "org_id"].tolist() == ["o2", "o3"]
    movers = found["movers"]
    assert set(movers["b"]) <= set(others) and list(movers.columns) == ["b"] + MOVER_COLUMNS


def test_compare_ranked_aligns_directions_by_id_and_refuses_other_directions():
    """B's rows are found by org_id whatever their order; rankings of other Directions are refused."""
    a = pd.DataFrame({"org_id": pd.Series(["x", "y", "z"], dtype="str"), "name": ["X", "Y", "Z"],
                      "score": [30, 20, 10]})
    b = pd.DataFrame({"org_id": pd.Series(["z", "x", "y"], dtype="str"), "name": ["Z", "X", "Y"],
                      "score": [50, 40, 0]})
    row = compare_ranked(a, b, "A", "B", top=1)
    movers = row["movers"]
    assert movers["org_id"].tolist() == ["z", "x", "y"]  # largest move first, then by rank in A
    assert movers["name"].tolist() == ["Z", "X", "Y"]
    assert movers[["rank_a", "rank_b", "rank_change", "score_a", "score_b"]].to_numpy().tolist() == [
        [3, 1, 2, 10, 50], [1, 2, -1, 30, 40], [2, 3, -1, 20, 0]]
    assert (row["top_kept"], row["max_shift_in_top"]) == (0, 1)
    for other in (b.assign(org_id=["z", "x", "w"]), b.assign(org_id=["z", "x", "x"]), b.iloc[:2]):
        with pytest.raises(ValueError, match="same Directions"):
            compare_ranked(a, other, "A", "B")
