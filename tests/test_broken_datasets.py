"""The corpus of broken datasets (tests/broken/): every case through the command line, in-process.

Each case of ``tests/broken/cases.yml`` names a folder, the commands to run on it, their exit status
and the substrings their message must hold. The reject-mode tests below also read the
rejected-rows CSV.
"""

from __future__ import annotations

import csv
import json
import os
import shlex
import shutil
import signal
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from influence_lib.cli import main
from tests.broken.make_cases import LONG_NAME_CHARS, large_text, write_case

BROKEN = Path(__file__).resolve().parent / "broken"
CASES = yaml.safe_load((BROKEN / "cases.yml").read_text(encoding="utf-8"))


def _case_dir(name: str, tmp_path: Path) -> Path:
    """A copy of the case folder, with its Parquet files written."""
    folder = tmp_path / name
    shutil.copytree(BROKEN / name, folder)
    write_case(name, folder)
    return folder


RUN_SECONDS = 120  # a command still running after this is stuck (a read waiting on a pipe, an endless file)


def _too_long(signum, frame):
    raise AssertionError(f"the command did not finish in {RUN_SECONDS} s: a read that never ends?")


def _run(capsys, args: list[str]) -> tuple[int, str, str]:
    previous = signal.signal(signal.SIGALRM, _too_long)
    signal.alarm(RUN_SECONDS)
    try:
        status = main(args)
    except SystemExit as exc:  # argparse's own errors
        status = exc.code
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    out, err = capsys.readouterr()
    return status, out, err


def test_corpus_is_complete():
    folders = sorted(p.name for p in BROKEN.iterdir() if p.is_dir() and p.name[:2].isdigit())
    listed = [c["case"] for c in CASES]
    assert sorted(listed) == folders, "every folder of tests/broken/ has an entry in cases.yml, and back"
    assert len(set(listed)) == len(listed) >= 22


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_broken_dataset(case, tmp_path, capsys):
    folder = _case_dir(case["case"], tmp_path)
    for run in case["runs"]:
        args = shlex.split(run["command"]) + ["--data", str(folder)]
        rejected = tmp_path / "out" / "rejected.csv"
        if "rejected_rows" in run:
            args += ["--rejected", str(rejected)]
        status, out, err = _run(capsys, args)
        printed = out + err
        where = f"{case['case']}: influence {run['command']}\n--- stdout\n{out}--- stderr\n{err}"
        assert status == run["status"], where
        assert "Traceback" not in printed, where
        for text in run["message"]:
            assert text in printed, f"missing {text!r} in\n{where}"
        if status != 0:
            assert err.strip(), f"an error is explained on stderr\n{where}"
        if "rejected_rows" in run:
            assert len(pd.read_csv(rejected, dtype=str)) == run["rejected_rows"], where


# --- --on-error reject ------------------------------------------------------------------------


def test_reject_writes_every_rejected_row_with_reasons_and_original_record(tmp_path, capsys):
    folder = _case_dir("19-rejected-row-cascades", tmp_path)
    rejected = tmp_path / "somewhere" / "rejected.csv"
    status, out, err = _run(capsys, ["rank", "--sector", "sante", "--data", str(folder),
                                     "--on-error", "reject", "--rejected", str(rejected)])
    assert status == 0
    # the ranking is the one of the dataset without o4 and what hangs from it
    assert out.splitlines()[1:] == ["1,o1,Alpha Pharma,labo,90,90,2,1,2", "2,o2,Beta Bio,labo,40,40,1,1,1",
                                    "2,o3,Gamma Médical,medtech,40,40,1,1,1"]
    assert f"written with their reasons to {rejected}" in err
    frame = pd.read_csv(rejected, dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["table", "file", "line", "reasons", "record"]
    assert frame[["table", "line"]].values.tolist() == [
        ["organizations", "5"], ["members", "6"], ["accounts", "6"], ["posts", "7"], ["posts", "8"]]
    assert frame["file"].str.endswith(tuple(f"{t}.csv" for t in frame["table"])).all()
    assert frame.loc[0, "reasons"].startswith("segment: unknown segment")
    assert frame.loc[1, "reasons"].startswith("org_id: org_id refers to a row of organizations.csv")
    # the record is the row exactly as read, every column of the file
    assert json.loads(frame.loc[0, "record"]) == {"org_id": "o4", "name": "Delta Santé", "sector": "sante",
                                                  "segment": "medtch", "country": "FR"}
    assert json.loads(frame.loc[2, "record"])["handle"] == "https://www.linkedin.com/in/paul/"
    assert json.loads(frame.loc[4, "record"]) == {
        "post_id": "p7", "account_id": "a5", "published_at": "2021-04-02T10:00:00Z", "kind": "original",
        "format": "article", "likes": "20", "comments": "0", "shares": "0", "quotes": ""}


def test_reject_counts_read_equals_used_plus_rejected(tmp_path, capsys):
    folder = _case_dir("11-non-integer-count", tmp_path)
    rejected = tmp_path / "rejected.csv"
    status, out, err = _run(capsys, ["summary", "--format", "json", "--data", str(folder),
                                     "--on-error", "reject", "--rejected", str(rejected)])
    assert status == 0
    assert "rows read = used + rejected" in err
    for table, read, used, dropped in [("organizations", 4, 4, 0), ("members", 5, 5, 0), ("accounts", 5, 5, 0),
                                       ("posts", 7, 4, 3)]:
        assert f"{table} {read} read = {used} used + {dropped} rejected" in err
    box = json.loads(out)
    # p1, p2, p3 left out: p4 (40), p6 (120), p7 (20) remain, all on LinkedIn
    assert box["linkedin"] == {"accounts": 4, "posts": 3, "engagement": 180}
    assert box["twitter"] == {"accounts": 1, "posts": 0, "engagement": 0}
    frame = pd.read_csv(rejected, dtype=str, keep_default_na=False)
    assert frame["line"].tolist() == ["2", "3", "4"]
    assert frame["reasons"].str.contains("not a whole number").all()


def test_reject_keeps_a_row_with_several_reasons_once(tmp_path, capsys):
    folder = _case_dir("11-non-integer-count", tmp_path)
    posts = folder / "posts.csv"
    posts.write_text(posts.read_text(encoding="utf-8").replace(
        "p1,a1,2020-09-01T10:00:00Z,original,text,50,12.5,10,", "p1,a1,hier,blog,text,-50,12.5,10,"),
        encoding="utf-8")
    rejected = tmp_path / "rejected.csv"
    status, _, err = _run(capsys, ["rank", "--sector", "sante", "--data", str(folder), "--on-error", "reject",
                                   "--rejected", str(rejected)])
    assert status == 0
    frame = pd.read_csv(rejected, dtype=str, keep_default_na=False)
    first = frame.loc[frame["line"] == "2", "reasons"]
    assert len(first) == 1
    reasons = first.iloc[0].split(" | ")
    assert [r.split(":")[0] for r in reasons] == ["published_at", "kind", "likes", "comments"]


def test_reject_without_bad_rows_still_states_counts_and_writes_an_empty_file(tmp_path, capsys):
    folder = _case_dir("30-semicolon-bom-valid", tmp_path)
    rejected = tmp_path / "rejected.csv"
    rejected.write_text("stale file of an earlier run\n", encoding="utf-8")
    status, _, err = _run(capsys, ["rank", "--sector", "sante", "--data", str(folder), "--on-error", "reject",
                                   "--rejected", str(rejected)])
    assert status == 0
    assert "0 rows with errors left out" in err
    assert "posts 7 read = 7 used + 0 rejected" in err
    assert rejected.read_text(encoding="utf-8") == "table,file,line,reasons,record\n"


def test_reject_record_of_a_parquet_row_keeps_its_types(tmp_path, capsys):
    folder = _case_dir("33-parquet-bad-rows", tmp_path)
    rejected = tmp_path / "rejected.csv"
    status, _, _ = _run(capsys, ["rank", "--sector", "sante", "--data", str(folder), "--on-error", "reject",
                                 "--rejected", str(rejected)])
    assert status == 0
    frame = pd.read_csv(rejected, dtype=str, keep_default_na=False)
    assert frame["line"].tolist() == ["2", "4"]
    record = json.loads(frame.loc[0, "record"])
    assert record["likes"] == -5 and record["quotes"] == 0
    assert record["published_at"].startswith("2021-01-10T11:00:00")
    assert json.loads(frame.loc[1, "record"])["quotes"] is None


def test_rejected_multiline_text_stays_one_record(tmp_path, capsys):
    folder = _case_dir("34-blank-lines-and-multiline-text", tmp_path)
    posts = folder / "posts.csv"
    # put the error on the post whose text spans two lines
    posts.write_text(posts.read_text(encoding="utf-8").replace("original,text,5,3,2,0,", "original,text,5,-3,2,0,"),
                     encoding="utf-8")
    rejected = tmp_path / "rejected.csv"
    status, _, err = _run(capsys, ["rank", "--sector", "sante", "--data", str(folder), "--on-error", "reject",
                                   "--rejected", str(rejected), "--keep-texts"])
    assert status == 0, err
    frame = pd.read_csv(rejected, dtype=str, keep_default_na=False)
    assert frame["line"].tolist() == ["3", "8"]
    assert json.loads(frame.loc[0, "record"])["text"] == "Bonne année !\n#santé #innovation"


def test_validate_lists_every_unreadable_file(tmp_path, capsys):
    folder = _case_dir("05-empty-file", tmp_path)
    (folder / "members.csv").unlink()
    (folder / "posts.csv").write_bytes("post_id\n".encode())
    (folder / "dataset.yml").write_text("title: x\nsectors: {}\neditions: {}\ncolour: blue\n", encoding="utf-8")
    status, _, err = _run(capsys, ["validate", "--data", str(folder)])
    assert status == 1
    assert "dataset.yml: invalid settings" in err and "colour: unknown key" in err
    assert "the members table is missing" in err
    assert "accounts.csv: the file is empty" in err
    assert "posts.csv: required columns account_id, published_at, likes, comments, shares are missing" in err
    assert "4 files cannot be read;" in err


# --- the CSV reader's corners ------------------------------------------------------------------


def _write_table(tmp_path, name: str, content: str) -> Path:
    folder = tmp_path / "t"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.csv").write_text(content, encoding="utf-8", newline="")
    return folder


def test_header_only_without_final_newline_is_an_empty_table(tmp_path):
    from influence_lib.readers import read_table

    frame, source = read_table(_write_table(tmp_path, "organizations", "org_id,name,sector,segment"), "organizations")
    assert list(frame.columns) == ["org_id", "name", "sector", "segment"] and len(frame) == 0
    assert source.rows == 0 and len(source.line_numbers()) == 0


def test_empty_lines_are_not_rows_but_keep_line_numbers(tmp_path):
    from influence_lib.readers import read_table

    content = "member_id,org_id,full_name,role\r\nm1,o1,A,CEO\r\n\r\n,,,\r\nm2,o1,\"B\r\nC\",CFO\r\nm3,o1,D,DRH\r\n\r\n"
    frame, source = read_table(_write_table(tmp_path, "members", content), "members")
    assert frame["member_id"].tolist() == ["m1", "m2", "m3"]
    assert frame.loc[1, "full_name"] == "B\r\nC"
    assert source.line_numbers().tolist() == [2, 5, 6]


@pytest.mark.parametrize("content, message", [
    ("\nmember_id,org_id\n", "line 1 is empty; the first line must be the header row"),
    ("   \n\n", "the file is empty"),
    ("member_id,org_id,full_name,role\n" + "m1,o1,A,CEO,x\n" * 5000,
     "line 2 has 5 fields, line 3 has 5 fields"),
])
def test_csv_whole_file_faults(tmp_path, content, message):
    from influence_lib.errors import DatasetError
    from influence_lib.readers import read_table

    with pytest.raises(DatasetError) as caught:
        read_table(_write_table(tmp_path, "members", content), "members")
    assert message in str(caught.value)
    assert len(str(caught.value)) < 1000  # never one line per bad row


def test_loader_types_the_french_spreadsheet_file_like_the_plain_one(tmp_path):
    from influence_lib.dataset import load_dataset

    french = load_dataset(_case_dir("30-semicolon-bom-valid", tmp_path))
    plain_dir = _case_dir("19-rejected-row-cascades", tmp_path)
    (plain_dir / "organizations.csv").write_text(
        (BROKEN / "10-negative-count" / "organizations.csv").read_text(encoding="utf-8"), encoding="utf-8")
    plain = load_dataset(plain_dir)
    for name in ("organizations", "members", "accounts", "posts"):
        pd.testing.assert_frame_equal(french.table(name), plain.table(name))
    assert list(french.organizations.columns) == ["org_id", "name", "sector", "segment", "country"]
    assert str(french.posts["likes"].dtype) == "Int64"


# --- odd but real files (cases 37 to 47) -------------------------------------------------------


@pytest.mark.parametrize("name", ["37-cr-only-line-ends", "38-utf16-with-bom", "40-large-cells",
                                  "41-long-header-field", "45-symlink-inside-folder", "47-yml-merge-keys"])
def test_odd_but_valid_files_load_like_the_plain_dataset(name, tmp_path):
    from influence_lib.dataset import load_dataset
    from influence_lib.schema import TABLE_NAMES

    odd = load_dataset(_case_dir(name, tmp_path))
    plain = load_dataset(_case_dir("30-semicolon-bom-valid", tmp_path))
    assert odd.settings == plain.settings
    for table in TABLE_NAMES:
        pd.testing.assert_frame_equal(odd.table(table).drop(columns="text", errors="ignore"),
                                      plain.table(table).drop(columns="text", errors="ignore"))
        assert odd.files[table].line_numbers().tolist() == plain.files[table].line_numbers().tolist()
    assert not odd.report.has_errors
    if name == "40-large-cells":
        texts = odd.posts.set_index("post_id")["text"]
        assert texts["p6"] == large_text() and len(texts["p6"].encode()) > 3 << 20
        assert texts["p3"] == 'Une vidéo, deux lignes\net des "guillemets"'
    if name == "41-long-header-field":
        assert len(odd.report.warnings) == 1
        assert odd.report.warnings["column"].iloc[0] == "x" * 80 + f"... ({LONG_NAME_CHARS:,} characters)"


def test_cr_only_file_names_the_right_lines(tmp_path, capsys):
    from influence_lib.dataset import load_dataset

    folder = _case_dir("37-cr-only-line-ends", tmp_path)
    posts = folder / "posts.csv"
    posts.write_bytes(posts.read_bytes().replace(b"p4,a4,2021-03-01T09:30:00Z,quote,image,30,",
                                                 b"p4,a4,2021-03-01T09:30:00Z,quote,image,-30,"))
    dataset = load_dataset(folder, on_error="reject")
    assert dataset.report.errors[["line", "column"]].values.tolist() == [[5, "likes"]]
    orgs = folder / "organizations.csv"
    orgs.write_bytes(orgs.read_bytes().replace("Santé".encode(), "Santé".encode("cp1252")))
    status, _, err = _run(capsys, ["validate", "--data", str(folder)])
    assert status == 1 and "organizations.csv: line 5: byte 0xe9" in err


@pytest.mark.slow
def test_a_64_mb_cell_is_read_whole(tmp_path):
    from influence_lib.readers import read_table

    big = "é" * (32 << 20)  # 64 MB of UTF-8
    folder = _write_table(tmp_path, "members", f'member_id,org_id,full_name,role\nm1,o1,"{big}",CEO\nm2,o1,B,CFO\n')
    frame, source = read_table(folder, "members")
    assert frame["full_name"].str.len().tolist() == [32 << 20, 1]
    assert frame["role"].tolist() == ["CEO", "CFO"] and source.line_numbers().tolist() == [2, 3]


def test_a_row_beyond_the_limit_is_refused_with_a_message(tmp_path, monkeypatch):
    from influence_lib import readers
    from influence_lib.errors import DatasetError

    # the path a row over 256 MB takes, at a size a test can write: rows up to the limit are always
    # read, a row over twice the limit never is (in between, it depends on where the row falls)
    monkeypatch.setattr(readers, "MAX_ROW_BYTES", 2 << 20)
    cell = "x" * (5 << 20)
    rows = "m1,o1,A,CEO\n" + f"m2,o1,{cell},CEO\n" + "".join(f"m{i},o1,C,CFO\n" for i in range(3, 300_000))
    folder = _write_table(tmp_path, "members", "member_id,org_id,full_name,role\n" + rows)
    with pytest.raises(DatasetError) as caught:
        readers.read_table(folder, "members")
    assert "a row of this file is longer than 2 MB, the longest row a table may hold" in str(caught.value)
    (folder / "members.csv").write_text("member_id,org_id,full_name,role\n" + rows.replace(cell, "x" * (2 << 20)),
                                        encoding="utf-8")
    assert len(readers.read_table(folder, "members")[0]) == 299_999
    (folder / "members.csv").write_text(f"member_id,org_id,full_name,role,{cell}\nm1,o1,A,CEO,\n", encoding="utf-8")
    with pytest.raises(DatasetError) as caught:
        readers.read_table(folder, "members")
    assert "line 1 (the header) is longer than 2 MB" in str(caught.value)


@given(st.text(alphabet='ab,;" \t', min_size=1, max_size=40))
def test_header_fields_split_like_the_csv_module(line):
    from influence_lib.readers import split_fields

    for sep in ",;":
        assert split_fields(line, sep) == next(csv.reader([line], delimiter=sep))


def test_special_files_are_refused_wherever_they_are_read(tmp_path, capsys):
    from influence_lib.errors import SettingsError
    from influence_lib.inputs import check_input_file
    from influence_lib.settings import load_methodology

    with pytest.raises(SettingsError, match="/dev/null: a device, not a plain file"):
        check_input_file(Path("/dev/null"), error=SettingsError)
    with pytest.raises(SettingsError, match="a folder, not a file"):
        load_methodology(tmp_path)
    with pytest.raises(SettingsError, match="/dev/zero: a device, not a plain file"):
        load_methodology("/dev/zero")
    os.mkfifo(tmp_path / "methodology.yml")
    with pytest.raises(SettingsError, match="methodology.yml: a named pipe \\(FIFO\\), not a plain file"):
        load_methodology(tmp_path / "methodology.yml")
    folder = _case_dir("30-semicolon-bom-valid", tmp_path)
    for methodology in ("/dev/zero", str(tmp_path / "methodology.yml")):  # refused by the command line: exit 2
        status, _, err = _run(capsys, ["rank", "--sector", "sante", "--data", str(folder), "--methodology",
                                       methodology])
        assert status == 2 and f"--methodology {methodology}" in err


def _yaml(tmp_path, text: str):
    from influence_lib.yaml_files import _read_yaml

    path = tmp_path / "settings.yml"
    path.write_text(text, encoding="utf-8")
    return _read_yaml(path)


def test_yaml_merge_keys_follow_yaml_and_a_key_written_twice_is_still_refused(tmp_path):
    from influence_lib.errors import SettingsError

    # own keys win over merged ones, also in an anchor that is merged again (PyYAML alone gives z.k == 1)
    text = "c: &c {k: 1, j: 1}\nx: {y: &b {<<: *c, k: 2}}\nz: {<<: *b, j: 3}\n"
    assert _yaml(tmp_path, text) == {"c": {"k": 1, "j": 1}, "x": {"y": {"k": 2, "j": 1}}, "z": {"k": 2, "j": 3}}
    # of a list of merged mappings, the earlier wins
    text = "a: &a {k: 1, j: 1}\nb: &b {k: 2, i: 2}\nc: {<<: [*a, *b], z: 0}\n"
    assert _yaml(tmp_path, text)["c"] == {"k": 1, "j": 1, "i": 2, "z": 0}
    with pytest.raises(SettingsError, match=r"line 4, column 3: key 'k' appears twice in the same mapping "
                                            r"\(first on line 3\)"):
        _yaml(tmp_path, "c: &c {k: 1}\nz:\n  k: 2\n  k: 3\n  <<: *c\n")
    with pytest.raises(SettingsError, match="not valid YAML \\(expected a mapping, or a list of mappings, to merge"):
        _yaml(tmp_path, "a: &a [1]\nb: {<<: *a}\n")
    with pytest.raises(SettingsError, match="a mapping that merges itself"):
        _yaml(tmp_path, "a: &a {<<: *a}\n")


def test_yaml_nesting_is_bounded_and_other_faults_are_messages(tmp_path, monkeypatch):
    from influence_lib import yaml_files
    from influence_lib.errors import SettingsError

    assert _yaml(tmp_path, "a: " + "[" * 63 + "]" * 63) == {"a": _nested(63)}  # 64 levels with the top one
    with pytest.raises(SettingsError, match="nested more than 64 levels deep"):
        _yaml(tmp_path, "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 100)))
    with pytest.raises(SettingsError, match="a value cannot be read \\(day is out of range for month\\)"):
        _yaml(tmp_path, "start: 2021-02-30\n")
    monkeypatch.setattr(yaml_files, "MAX_YAML_BYTES", 10)
    with pytest.raises(SettingsError, match="larger than 10 bytes"):
        _yaml(tmp_path, "title: a long title\n")


def _nested(depth: int):
    value = []
    for _ in range(depth - 1):
        value = [value]
    return value



@pytest.mark.parametrize("make, message", [
    (lambda path: os.mkfifo(path), "opt-out.csv: a named pipe (FIFO), not a plain file"),
    (lambda path: path.symlink_to("/dev/zero"), "opt-out.csv: a symbolic link to /dev/zero, outside the dataset folder"),
])
def test_the_opt_out_list_is_read_like_the_tables(tmp_path, capsys, make, message):
    folder = _case_dir("30-semicolon-bom-valid", tmp_path)
    make(folder / "opt-out.csv")
    for command in (["validate"], ["rank", "--sector", "sante"]):
        status, _, err = _run(capsys, command + ["--data", str(folder)])
        assert status == 1 and message in err, err


def test_the_editorial_file_is_read_like_the_tables(tmp_path):
    from influence_lib.errors import SettingsError
    from influence_lib.presentation.editorial import MAX_EDITORIAL_BYTES, editorial_html
    from influence_lib.settings import Editorial

    editorial = Editorial(file="edito.md", title="Édito", author="La rédaction")
    os.mkfifo(tmp_path / "edito.md")
    with pytest.raises(SettingsError, match="edito.md: a named pipe \\(FIFO\\), not a plain file"):
        editorial_html(editorial, tmp_path)
    (tmp_path / "edito.md").unlink()
    (tmp_path / "edito.md").symlink_to("/dev/zero")
    with pytest.raises(SettingsError, match="a symbolic link to /dev/zero, outside the dataset folder"):
        editorial_html(editorial, tmp_path)
    (tmp_path / "edito.md").unlink()
    (tmp_path / "edito.md").write_text("x" * (MAX_EDITORIAL_BYTES + 1), encoding="utf-8")
    with pytest.raises(SettingsError, match=f"larger than {MAX_EDITORIAL_BYTES:,} bytes, more than an editorial"):
        editorial_html(editorial, tmp_path)
    (tmp_path / "edito.md").unlink()
    with pytest.raises(SettingsError, match="the editorial named in dataset.yml is missing"):
        editorial_html(editorial, tmp_path)
