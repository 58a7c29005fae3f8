"""The ``influence`` command line on the hand-made dataset of conftest.py (expectations computed by hand).

Commands run in-process (``influence_lib.cli.main``); ``synth`` is tested in test_synth.py.
"""

from __future__ import annotations

import json

import pytest

from influence_lib.cli import build_parser, main

DIRECTION_HEADER = "rank,org_id,name,segment,score,engagement,posts,active_members,members"
MEMBER_HEADER = "rank,member_id,full_name,org_id,score,engagement,posts"
# Sector sante, edition 2021 (see tests/test_methodology.py for how each number is made)
DIRECTIONS_2021 = [
    "1,o1,Gamma,labo,90,90,2,1,2",
    "2,o2,Écho,labo,80,80,2,2,2",
    "2,o3,Delta,labo,80,80,1,1,1",
    "4,o4,alpha,labo,70,70,1,1,1",
    "5,o6,Medi,medtech,5,5,1,1,1",
    "6,o5,Vide,labo,0,0,0,0,0",
]
MEMBERS_2021 = [
    "1,m1,Zoé Martin,o1,90,90,2",
    "2,m5,Paul Blanc,o3,80,80,1",
    "3,m6,Léa Noir,o4,70,70,1",
    "4,m4,Anne Roux,o2,40,40,1",
    "4,m3,Éric Durand,o2,40,40,1",
    "6,m7,Marc Vert,o6,5,5,1",
    "7,m2,Yann Petit,o1,0,0,0",
]


@pytest.fixture
def run(capsys):
    """Run ``influence ARGS``; return (exit status, stdout, stderr). Never a traceback."""
    def _run(*args):
        try:
            status = main([str(a) for a in args])
        except SystemExit as exc:  # argparse: --help, bad arguments
            status = exc.code
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return status, out, err
    return _run


# --- validate --------------------------------------------------------------------------------


def test_validate_a_valid_dataset(run, tiny_dir):
    status, out, err = run("validate", "--data", tiny_dir)
    assert status == 0
    assert out == ("0 errors, 0 warnings; organizations: 7 rows read, 7 used, 0 rejected; "
                   "members: 8 rows read, 8 used, 0 rejected; accounts: 8 rows read, 8 used, 0 rejected; "
                   "posts: 13 rows read, 13 used, 0 rejected\n")
    assert err == ""


def test_validate_lists_warnings_without_failing(run, tiny_dir, tmp_path):
    import shutil
    folder = tmp_path / "warn"
    shutil.copytree(tiny_dir, folder)
    orgs = folder / "organizations.csv"
    orgs.write_text(orgs.read_text(encoding="utf-8").replace("o4,alpha,sante,labo,BE", "o4,alpha,sante,labo,Belgique"),
                    encoding="utf-8")
    status, out, _ = run("validate", "--data", folder)
    assert status == 0
    assert "warning: " in out and "organizations.csv, line 5, column country" in out and "(value 'Belgique')" in out
    assert "0 errors, 1 warning;" in out
    status, out, err = run("rank", "--sector", "sante", "--data", folder)
    assert status == 0 and "note: 1 warning about the data" in err


# --- summary ---------------------------------------------------------------------------------


def test_summary_json_has_exactly_the_spec_keys(run, tiny_dir):
    status, out, err = run("summary", "--data", tiny_dir, "--sector", "sante", "--format", "json")
    assert status == 0
    box = json.loads(out)
    assert list(box) == ["sector", "edition", "organizations", "members", "linkedin", "twitter"]
    assert box == {
        "sector": "sante", "edition": "2021", "organizations": 6, "members": 7,
        "linkedin": {"accounts": 6, "posts": 6, "engagement": 315},
        "twitter": {"accounts": 1, "posts": 1, "engagement": 10},
    }
    assert list(box["linkedin"]) == ["accounts", "posts", "engagement"]
    # the counted post with an empty count is reported, not hidden
    assert "note: 1 counted post has an empty likes, comments or shares count" in err


def test_summary_default_sector_is_the_first_and_edition_the_latest(run, tiny_dir):
    _, out, _ = run("summary", "--data", tiny_dir, "--format", "json")
    assert json.loads(out)["sector"] == "sante" and json.loads(out)["edition"] == "2021"


def test_summary_other_sector_edition_and_period(run, tiny_dir):
    _, out, _ = run("summary", "--data", tiny_dir, "--sector", "tech", "--format", "json")
    assert json.loads(out) == {"sector": "tech", "edition": "2021", "organizations": 1, "members": 1,
                               "linkedin": {"accounts": 1, "posts": 1, "engagement": 100},
                               "twitter": {"accounts": 0, "posts": 0, "engagement": 0}}
    # edition 2020: p7 (1000) and p13 (500, 2020-06-01T01:00+02:00 is still May 31st in UTC)
    _, out, _ = run("summary", "--data", tiny_dir, "--sector", "sante", "--edition", "2020", "--format", "json")
    box = json.loads(out)
    assert box["edition"] == "2020"
    assert box["linkedin"] == {"accounts": 6, "posts": 2, "engagement": 1500}
    assert box["twitter"] == {"accounts": 1, "posts": 0, "engagement": 0}
    # explicit period: p2 (Twitter, 10), p3 (40), p4 (40)
    _, out, _ = run("summary", "--data", tiny_dir, "--start", "2021-01-01", "--end", "2021-06-01", "--format", "json")
    box = json.loads(out)
    assert box["edition"] == "2021-01-01..2021-06-01"
    assert box["linkedin"] == {"accounts": 6, "posts": 2, "engagement": 80}
    assert box["twitter"] == {"accounts": 1, "posts": 1, "engagement": 10}


def test_summary_table(run, tiny_dir):
    status, out, _ = run("summary", "--data", tiny_dir, "--sector", "sante", "--format", "table")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "Méthodologie : Santé (sante), édition 2021, du 1er juin 2020 au 31 mai 2021"
    rows = {line.rsplit(None, 1)[0].strip(): line.rsplit(None, 1)[1] for line in lines[1:]}
    assert rows == {
        "Organisations": "6", "Membres de direction": "7", "Comptes LinkedIn": "6", "Posts LinkedIn": "6",
        "Interactions LinkedIn": "315", "Comptes Twitter": "1", "Posts Twitter": "1", "Interactions Twitter": "10",
        "Posts comptés avec un compteur vide": "1",
    }
    # the table is the default format
    assert run("summary", "--data", tiny_dir)[1] == out


# --- rank ------------------------------------------------------------------------------------


def test_rank_csv_directions(run, tiny_dir):
    status, out, err = run("rank", "--data", tiny_dir, "--sector", "sante")
    assert status == 0
    assert out == "\n".join([DIRECTION_HEADER] + DIRECTIONS_2021) + "\n"
    assert err == ""


def test_rank_csv_members(run, tiny_dir):
    status, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--level", "member", "--format", "csv")
    assert status == 0
    assert out == "\n".join([MEMBER_HEADER] + MEMBERS_2021) + "\n"


@pytest.mark.parametrize("level, columns, expected", [
    ("direction", DIRECTION_HEADER.split(","), DIRECTIONS_2021),
    ("member", MEMBER_HEADER.split(","), MEMBERS_2021),
])
def test_rank_json(run, tiny_dir, level, columns, expected):
    status, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--level", level, "--format", "json")
    assert status == 0
    payload = json.loads(out)
    assert payload["sector"] == "sante" and payload["level"] == level and payload["edition"] == "2021"
    assert payload["segment"] is None and payload["top"] is None
    assert payload["start"] == "2020-06-01T00:00:00+00:00" and payload["end"] == "2021-06-01T00:00:00+00:00"
    assert payload["methodology"] == {"name": "engagement", "version": 1}
    # the contract's columns, then the movements since the previous edition
    assert [list(row) for row in payload["rows"]] == [columns + ["previous_rank", "rank_change", "status"]] * len(expected)
    assert [",".join(str(row[c]) for c in columns) for row in payload["rows"]] == expected
    assert payload["previous"]["edition"] == "2020"


@pytest.mark.parametrize("level, headers, expected", [
    ("direction", ["Rang", "Organisation", "Direction", "Segment", "Score", "Engagement", "Posts",
                   "Membres actifs", "Membres"], DIRECTIONS_2021),
    ("member", ["Rang", "Membre", "Nom", "Organisation", "Score", "Engagement", "Posts"], MEMBERS_2021),
])
def test_rank_table(run, tiny_dir, level, headers, expected):
    status, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--level", level, "--format", "table")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "Santé — tous segments — édition 2021 — engagement v1 — évolution par rapport à 2020"
    header = lines[1]
    positions = [header.index(h) for h in headers]
    assert positions == sorted(positions)
    assert len(lines) == 2 + len(expected)
    score_end = header.index("Score") + len("Score")
    for line, row in zip(lines[2:], expected):
        cells = row.split(",")
        assert line.split()[:2] == cells[:2]
        # numbers are right-aligned under their header
        assert line[:score_end].endswith(" " + cells[columns_index(level, "score")])


def columns_index(level: str, column: str) -> int:
    return (DIRECTION_HEADER if level == "direction" else MEMBER_HEADER).split(",").index(column)


def test_rank_segment_top_and_ties(run, tiny_dir):
    _, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--segment", "medtech")
    assert out.splitlines() == [DIRECTION_HEADER, "1,o6,Medi,medtech,5,5,1,1,1"]
    # Top 2 of labo keeps the tie at rank 2
    _, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--segment", "labo", "--top", "2")
    assert out.splitlines() == [DIRECTION_HEADER] + DIRECTIONS_2021[:3]
    _, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--level", "member", "--top", "4")
    assert out.splitlines() == [MEMBER_HEADER] + MEMBERS_2021[:5]
    _, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--segment", "labo", "--top", "1",
                    "--format", "table")
    assert "Santé — Laboratoires — édition 2021" in out and len(out.splitlines()) == 3


def test_rank_movements(run, tiny_dir):
    # 2020: o3 1000 (1), o4 500 (2), every other Direction 0 (3)
    _, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--movements")
    assert out.splitlines()[0] == DIRECTION_HEADER + ",previous_rank,rank_change,status"
    assert [line.split(",", 1)[1] for line in out.splitlines()[1:]] == [
        "o1,Gamma,labo,90,90,2,1,2,3,2,up", "o2,Écho,labo,80,80,2,2,2,3,1,up", "o3,Delta,labo,80,80,1,1,1,1,-1,down",
        "o4,alpha,labo,70,70,1,1,1,2,-2,down", "o6,Medi,medtech,5,5,1,1,1,3,-2,down", "o5,Vide,labo,0,0,0,0,0,3,-3,down"]
    # in a Top 2, an entry ranked before but outside the previous Top 2 has entered it; its change stays
    _, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--top", "2", "--movements")
    assert [line.split(",", 9)[9] for line in out.splitlines()[1:]] == ["3,2,entered", "3,1,entered", "1,-1,down"]
    # no previous edition: empty movements
    _, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--edition", "2020", "--movements")
    assert out.splitlines()[1].endswith(",,,")
    # an explicit period compares only with an explicit previous period
    _, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--start", "2020-06-01", "--end", "2021-06-01",
                    "--format", "json")
    assert json.loads(out)["previous"] is None
    _, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--start", "2020-06-01", "--end", "2021-06-01",
                    "--previous-start", "2019-06-01", "--previous-end", "2020-06-01", "--movements")
    assert out.splitlines()[1].endswith(",3,2,up")


def test_rank_explicit_period_and_previous_edition(run, tiny_dir):
    _, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--start", "2021-01-01", "--end", "2021-06-01")
    assert out.splitlines()[1:3] == ["1,o2,Écho,labo,80,80,2,2,2", "2,o1,Gamma,labo,10,10,1,1,2"]
    # the last second of the period counts, its end does not
    _, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--level", "member",
                    "--start", "2021-05-31T23:59:59Z", "--end", "2021-06-01T00:00:00Z", "--top", "1")
    assert out.splitlines() == [MEMBER_HEADER, "1,m3,Éric Durand,o2,40,40,1"]
    _, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--edition", "2020")
    assert out.splitlines()[1:3] == ["1,o3,Delta,labo,1000,1000,1,1,1", "2,o4,alpha,labo,500,500,1,1,1"]
    _, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--edition", "2020", "--format", "json")
    assert json.loads(out)["edition"] == "2020"


def test_rank_with_a_methodology_file(run, tiny_dir, tmp_path):
    method = tmp_path / "pondere.yml"
    method.write_text(
        "name: pondéré\nversion: 2\ndescription: likes count double, Twitter half\n"
        "metric_weights: {likes: 2, comments: 1, shares: 1, quotes: 1}\n"
        "platform_weights: {linkedin: 1, twitter: 0.5}\n", encoding="utf-8")
    status, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--level", "member",
                         "--methodology", method, "--top", "2")
    assert status == 0
    # m5: p5 2*70+5+5 = 150; m1: LinkedIn p1 2*50+20+10 = 130, Twitter p2 (2*5+3+2+0) * 0.5 = 7.5
    assert out.splitlines() == [MEMBER_HEADER, "1,m5,Paul Blanc,o3,150,150,1", "2,m1,Zoé Martin,o1,137.5,137.5,2"]
    _, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--methodology", method, "--format", "json")
    assert json.loads(out)["methodology"] == {"name": "pondéré", "version": 2}
    _, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--methodology", method, "--format", "table")
    assert "— pondéré v2 —" in out.splitlines()[0]

    per_member = tmp_path / "par-membre.yml"
    per_member.write_text("name: par-membre\nversion: 1\nnormalization: per_member\n", encoding="utf-8")
    _, out, _ = run("rank", "--data", tiny_dir, "--sector", "sante", "--methodology", per_member, "--top", "3")
    assert out.splitlines()[1:] == ["1,o3,Delta,labo,80,80,1,1,1", "2,o4,alpha,labo,70,70,1,1,1",
                                    "3,o1,Gamma,labo,45,90,2,1,2"]


def test_rank_with_an_invalid_methodology_file(run, tiny_dir, tmp_path):
    method = tmp_path / "bad.yml"
    method.write_text("name: x\nversion: 1\nmetric_weights: {likes: -1}\nweights: {}\n", encoding="utf-8")
    status, out, err = run("rank", "--data", tiny_dir, "--sector", "sante", "--methodology", method)
    assert status == 1 and out == ""
    assert "bad.yml: invalid settings" in err
    assert "metric_weights: weights must be >= 0" in err
    assert "weights: unknown key" in err


# --- bad arguments: exit status 2 --------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["rank", "--sector", "energie"], "unknown sector 'energie'; known: sante, tech"),
    (["summary", "--sector", "energie"], "unknown sector 'energie'"),
    (["rank", "--sector", "sante", "--segment", "pharma"], "unknown segment 'pharma'; known: labo, medtech"),
    (["rank", "--sector", "sante", "--edition", "2019"], "unknown edition '2019'; known: 2020, 2021"),
    (["summary", "--edition", "2019"], "unknown edition '2019'"),
    (["rank", "--sector", "sante", "--start", "2021-01-01"], "--start and --end go together"),
    (["rank", "--sector", "sante", "--end", "2021-01-01"], "--start and --end go together"),
    (["rank", "--sector", "sante", "--edition", "2021", "--start", "2021-01-01", "--end", "2021-02-01"],
     "either --edition or --start/--end"),
    (["rank", "--sector", "sante", "--start", "2021-02-01", "--end", "2021-01-01"], "must be after start"),
    (["rank", "--sector", "sante", "--start", "demain", "--end", "2021-01-01"], "not a date or time"),
    (["rank", "--sector", "sante", "--top", "0"], "expected a positive integer, got '0'"),
    (["rank", "--sector", "sante", "--top", "dix"], "expected a positive integer, got 'dix'"),
    (["rank", "--sector", "sante", "--format", "xml"], "invalid choice: 'xml'"),
    (["summary", "--format", "csv"], "invalid choice: 'csv'"),
    (["rank", "--sector", "sante", "--level", "person"], "invalid choice: 'person'"),
    (["rank", "--sector", "sante", "--on-error", "ignore"], "invalid choice: 'ignore'"),
    (["rank"], "the following arguments are required: --sector"),
    (["rank", "--sector", "sante", "--methodology", "nowhere.yml"], "--methodology nowhere.yml: no such file"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["rank", "--sector", "sante", "--previous-start", "2019-01-01"], "--previous-start and --previous-end go together"),
    (["rank", "--sector", "sante", "--previous-start", "2019-01-01", "--previous-end", "2019-06-01"],
     "go with --start/--end"),
    (["report", "--sector", "energie"], "unknown sector 'energie'"),
    (["report", "--sector", "sante", "--edition", "1999"], "unknown edition '1999'"),
    (["report"], "the following arguments are required: --sector"),
    (["batch", "--sectors", "sante", "energie"], "unknown sector 'energie'"),
    (["batch", "--jobs", "0"], "expected a positive integer, got '0'"),
])
def test_bad_arguments_exit_2(run, tiny_dir, args, message):
    status, out, err = run(*args, "--data", tiny_dir)
    assert status == 2
    assert out == ""
    assert message in err


def test_missing_data_folder_is_a_bad_argument(run, tmp_path):
    status, _, err = run("validate", "--data", tmp_path / "nowhere")
    assert status == 2 and "nowhere: no such folder" in err
    (tmp_path / "file.csv").write_text("x\n", encoding="utf-8")
    status, _, err = run("rank", "--sector", "sante", "--data", tmp_path / "file.csv")
    assert status == 2 and "is a file, not a folder" in err


def test_no_command_is_a_bad_argument(run):
    status, _, err = run()
    assert status == 2 and "required: COMMAND" in err


# --- help ------------------------------------------------------------------------------------


def _sub_commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sorted(sub.choices)


def test_core_commands_are_registered():
    assert {"validate", "summary", "rank", "synth"} <= set(_sub_commands())


@pytest.mark.parametrize("command", _sub_commands())
def test_help_of_every_command_shows_an_example(run, command):
    status, out, _ = run(command, "--help")
    assert status == 0
    assert f"usage: influence {command}" in out
    assert "example" in out
    assert f"  influence {command} " in out


def test_synth_help(run):
    status, out, _ = run("synth", "--help")
    assert status == 0
    for option in ("--out DIR", "--scale", "--seed"):
        assert option in out
    assert "influence synth --out" in out


def test_top_level_help_and_version(run):
    status, out, _ = run("--help")
    assert status == 0 and all(c in out for c in ("validate", "summary", "rank", "synth"))
    status, out, _ = run("--version")
    assert status == 0 and out.startswith("influence ")


def test_terminal_tables_show_hostile_names_on_one_line_without_escape_sequences(run, tmp_path):
    from tests.conftest import ACCOUNTS, MEMBERS, ORGS, POSTS
    from tests.helpers import SETTINGS, write_dataset

    hostile = "Gamma\x1b[2J\x1b]0;owned\x07\nFAKE ROW 999\t\u202eevil"
    orgs = [(o[0], hostile, *o[2:]) if o[0] == "o1" else o for o in ORGS]
    settings = {**SETTINGS, "sectors": {**SETTINGS["sectors"], "sante": {
        **SETTINGS["sectors"]["sante"], "title": "Santé\x1b[31m\nrouge"}}}
    folder = write_dataset(tmp_path / "hostile", orgs, MEMBERS, ACCOUNTS, POSTS, settings=settings)
    for command in (["rank", "--sector", "sante", "--format", "table"], ["summary", "--sector", "sante"],
                    ["compare", "--sector", "sante", "--methodology", "engagement", "--methodology", "per-member",
                     "--format", "table"]):
        status, out, err = run(*command, "--data", folder)
        assert status == 0, err
        assert not any(c in out for c in "\x1b\x07\t\u202e"), command
        assert all(not line.startswith("FAKE ROW") for line in out.splitlines()), command
    status, out, _ = run("rank", "--sector", "sante", "--format", "table", "--data", folder)
    assert "Gamma\ufffd[2J\ufffd]0;owned\ufffd FAKE ROW 999 evil" in out
    assert out.splitlines()[0].startswith("Santé\ufffd[31m rouge — ")


# --- the console script ------------------------------------------------------------------------


def test_the_console_script_ends_rank_at_once_with_its_status_and_whole_output(tiny_dir, tmp_path):
    """``run`` (the console script) ends rank/summary/compare without teardown: same bytes, same status."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "INFLUENCE_CACHE_DIR": str(tmp_path / "cache")}

    def script(*args):
        done = subprocess.run([sys.executable, "-c", "from influence_lib.cli import run; run()", *map(str, args)],
                              capture_output=True, text=True, env=env)
        return done.returncode, done.stdout, done.stderr

    status, out, err = script("rank", "--data", tiny_dir, "--sector", "sante", "--edition", "2021", "--format", "csv")
    assert (status, err) == (0, "")
    assert out.splitlines() == [DIRECTION_HEADER] + DIRECTIONS_2021
    assert list((tmp_path / "cache").rglob("current.json")), "the snapshot was not written before the end"
    again = script("rank", "--data", tiny_dir, "--sector", "sante", "--edition", "2021", "--format", "csv")
    assert again == (status, out, err)  # from the snapshot, same bytes
    status, out, err = script("rank", "--data", tiny_dir, "--sector", "nope")
    assert status == 2 and "unknown sector" in err and out == ""
