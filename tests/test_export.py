"""CSV exports: formula neutralisation (OWASP), reading report tables back, the excel-fr dialect."""

from __future__ import annotations

import csv
import io
import random
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from influence_lib.export import (
    CSV_DIALECTS,
    FORMULA_TRIGGERS,
    csv_dialect,
    neutralize_formula_text,
    neutralize_formulas,
    read_report_table,
    restore_formula_text,
    save_table,
    table_to_csv,
    translate_csv,
    write_tables_in_dialect,
)

GOLDEN = Path(__file__).resolve().parent / "golden" / "sante" / "2021"

# Cells a spreadsheet would run, from OWASP's CSV-injection page and the hardening issue.
HOSTILE = [
    '=HYPERLINK("http://evil","x")',
    "=1+1",
    "+33 1 23 45",
    "-2+3",
    "-cmd",
    "@SUM(A1:A2)",
    "\tTabbed",
    "\rCarriage",
    '=cmd|" /C calc"!A0',
    "'=already quoted once",
]
HARMLESS = ["Sanofi", "Écho", "", "'quoted but harmless", "a=b", "x-y", "#santé", "1.5", "-12", "+3.5", "-0.25", "2e5"]


def hostile_frame() -> pd.DataFrame:
    n = len(HOSTILE)
    return pd.DataFrame({
        "rank": np.arange(1, n + 1),
        "name": pd.Series(HOSTILE, dtype="str"),
        "role": pd.Series(HOSTILE[::-1], dtype=object),
        "rank_change": pd.array([-3, 2, None, -1, 0, 5, -7, 1, -2, 4], dtype="Int64"),
        "share": np.linspace(-0.5, 0.5, n),
        "mixed": pd.Series(["=x", 3, -4.5, None, "-1", "@y", 0, "ok", "+z", "'+w"], dtype=object),
    })


def test_every_hostile_text_cell_gets_a_quote():
    frame = hostile_frame()
    out = neutralize_formulas(frame)
    assert out["name"].tolist() == ["'" + v for v in HOSTILE]
    assert out["role"].tolist() == ["'" + v for v in HOSTILE[::-1]]
    assert out["mixed"].tolist()[:3] == ["'=x", 3, -4.5]
    assert out["mixed"].tolist()[4:] == ["-1", "'@y", 0, "ok", "'+z", "''+w"]
    assert frame["name"].tolist() == HOSTILE  # the input is left alone


def test_numbers_stay_numbers():
    frame = hostile_frame()
    out = neutralize_formulas(frame)
    for column in ("rank", "rank_change", "share"):
        assert out[column].dtype == frame[column].dtype
        pd.testing.assert_series_equal(out[column], frame[column])
    text = table_to_csv(out)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["rank_change"] for r in rows] == ["-3", "2", "", "-1", "0", "5", "-7", "1", "-2", "4"]
    assert rows[0]["share"] == "-0.5"


@pytest.mark.parametrize("value", HARMLESS)
def test_harmless_text_is_unchanged(value):
    assert neutralize_formula_text(value) == value
    assert restore_formula_text(value) == value


@given(st.text())
def test_neutralising_is_reversible_and_safe(value):
    neutral = neutralize_formula_text(value)
    assert restore_formula_text(neutral) == value
    if neutral.startswith(FORMULA_TRIGGERS):  # only a plain number may still start so
        assert neutral == value and re.fullmatch(r"[+-][0-9.eE+-]+", neutral)
        float(neutral)


@given(st.lists(st.text(alphabet=st.sampled_from("=+-@\t\r'a1.;\",\n "), max_size=8), min_size=1, max_size=6))
def test_save_and_read_back_give_the_data(tmp_path_factory, values):
    folder = tmp_path_factory.mktemp("out")
    frame = pd.DataFrame({"name": pd.Series(values, dtype="str"), "n": range(len(values))})
    save_table(frame, folder, "t")
    for row in csv.reader(io.StringIO((folder / "tables" / "t.csv").read_text(encoding="utf-8"), newline="")):
        assert not row[0].startswith(FORMULA_TRIGGERS) or row[0].lstrip("+-").replace(".", "", 1).isdigit()
    back = read_report_table(folder / "tables" / "t.csv")
    assert back["name"].tolist() == values
    assert back["n"].tolist() == [str(i) for i in range(len(values))]


def test_read_report_table_guesses_nothing(tmp_path):
    frame = pd.DataFrame({"name": ["NA", "nan", "1e5", "0012", "=x", ""], "v": [1, 2, 3, 4, 5, 6]})
    save_table(frame, tmp_path, "names")
    back = read_report_table(tmp_path / "tables" / "names.csv")
    assert back["name"].tolist() == ["NA", "nan", "1e5", "0012", "=x", ""]


def test_plain_table_to_csv_keeps_data_as_is():
    # rank --format csv and the importers write data, not reports: nothing is prefixed there
    text = table_to_csv(pd.DataFrame({"name": ["=x", "@y"]}))
    assert text == "name\n=x\n@y\n"


def test_golden_tables_need_no_neutralising():
    """The sample's names hold no formula trigger: neutralising leaves every golden table as it is."""
    paths = sorted(GOLDEN.glob("*.csv"))
    assert paths
    for path in paths:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert neutralize_formulas(raw).equals(raw), path.name


# --- excel-fr ----------------------------------------------------------------------------------------

def test_excel_fr_dialect_reads_back_in_pandas_french_style():
    frame = pd.DataFrame({
        "rank": [1, 2, 3], "name": ["Écho; et fils", "=x", 'Guillemet "double"'],
        "share": [0.209327, -0.5, 1889.5], "change": pd.array([-2, None, 3], dtype="Int64"),
        "when": ["2021-01-28 09:47:55+01:00", "", "version 1.5.2"],
    })
    text = translate_csv(table_to_csv(neutralize_formulas(frame)), CSV_DIALECTS["excel-fr"])
    assert text.splitlines()[0] == "rank;name;share;change;when"
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    assert ";0,209327;" in text and ";-0,5;" in text and ";1889,5;" in text and "version 1.5.2" in text
    assert "'=x" in text
    back = pd.read_csv(io.StringIO(text), sep=";", decimal=",", keep_default_na=False,
                       dtype={"name": str, "when": str, "change": str})
    assert back["share"].tolist() == [0.209327, -0.5, 1889.5]
    assert back["rank"].tolist() == [1, 2, 3]
    assert back["change"].tolist() == ["-2", "", "3"]
    assert back["name"].map(restore_formula_text).tolist() == frame["name"].tolist()
    assert back["when"].tolist() == frame["when"].tolist()


def test_write_tables_in_dialect(tmp_path):
    save_table(pd.DataFrame({"a": [0.5, 2.0], "b": ["x", "-y"]}), tmp_path, "one")
    save_table(pd.DataFrame({"c": [1]}), tmp_path, "two")
    standard = (tmp_path / "tables" / "one.csv").read_bytes()
    written = write_tables_in_dialect(tmp_path, "excel-fr")
    assert [p.name for p in written] == ["one.csv", "two.csv"]
    assert all(p.parent.name == "tables-excel-fr" for p in written)
    data = (tmp_path / "tables-excel-fr" / "one.csv").read_bytes()
    assert data == b"\xef\xbb\xbfa;b\r\n0,5;x\r\n2;'-y\r\n"
    assert (tmp_path / "tables" / "one.csv").read_bytes() == standard == b"a,b\n0.5,x\n2,'-y\n"
    assert write_tables_in_dialect(tmp_path, "standard") == []
    assert not list(tmp_path.rglob(".*.partial"))


def test_unknown_dialect_is_named():
    with pytest.raises(ValueError, match="unknown CSV dialect 'excel-us'; known: standard, excel-fr"):
        csv_dialect("excel-us")


def test_a_carriage_return_inside_a_cell_keeps_the_rows_whole():
    frame = pd.DataFrame({"name": ["a\rb", "c"], "n": [1, 2], "f": [0.5, None]})
    rows = list(csv.reader(io.StringIO(table_to_csv(frame), newline="")))
    assert rows == [["name", "n", "f"], ["a\rb", "1", "0.5"], ["c", "2", ""]]
    assert table_to_csv(frame.assign(name=["ab", "c"])) == "name,n,f\nab,1,0.5\nc,2,\n"  # no CR: minimal quoting


def test_unknown_dialect_is_refused_before_anything_is_written(tmp_path, capsys):
    from influence_lib.cli import main
    from influence_lib.errors import SettingsError
    from influence_lib.report import run_report

    with pytest.raises(SettingsError, match="unknown CSV dialect"):
        run_report("sante", out_dir=tmp_path, progress=False, csv_dialect="excel-us")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(SystemExit) as exc:
        main(["report", "--sector", "sante", "--out", str(tmp_path), "--csv-dialect", "excel-us"])
    assert exc.value.code == 2 and "invalid choice: 'excel-us'" in capsys.readouterr().err


@pytest.mark.parametrize("carriage_return", [False, True])
def test_table_to_csv_writes_the_bytes_pandas_writes(carriage_return):
    """The direct writer hands Python's CSV writer the cells pandas' to_csv would: same bytes, every type."""
    from influence_lib.export import _float_text, _has_carriage_return

    texts = ["a", None, "=1+2", "x,y", 'q"uote', "line\nbreak", " lead", "é", "\t", "", "c\rr" if carriage_return else "z"]
    n = len(texts)
    frame = pd.DataFrame({
        "text": pd.Series(texts, dtype="str"), "object": pd.Series(texts, dtype=object), "int": np.arange(n) - 3,
        "Int64": pd.array([1, None] + list(range(n - 2)), dtype="Int64"), "bool": np.arange(n) % 2 == 0,
        "boolean": pd.array([True, None] + [False] * (n - 2), dtype="boolean"), "float": np.linspace(0, 1, n),
        "Float64": pd.array([0.5, None] + [1.0] * (n - 2), dtype="Float64"), "category": pd.Categorical(texts),
        "uint8": np.arange(n, dtype=np.uint8), "mixed": pd.Series([1, 2.5, None, "x", True] + ["y"] * (n - 5), dtype=object),
        "when": pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC"),  # pandas formats dates itself
    })

    def by_pandas(table):
        floats = {c: _float_text(table[c]) for c in table.columns if table[c].dtype.kind == "f"}
        quoting = csv.QUOTE_NONNUMERIC if _has_carriage_return(table) else csv.QUOTE_MINIMAL
        buffer = io.StringIO()
        table.assign(**floats).to_csv(buffer, index=False, lineterminator="\n", na_rep="", quoting=quoting)
        return buffer.getvalue()

    assert ('"' in table_to_csv(frame[["int"]])) is False
    for columns in [list(frame.columns), list(frame.columns[:-1])] + [[c] for c in frame.columns]:
        for table in (frame[columns], frame[columns].iloc[0:0]):
            assert table_to_csv(table) == by_pandas(table), columns


def test_text_and_integer_tables_are_written_by_arrow_as_the_csv_writer_writes_them():
    """Tables of text and integers (every ranking) take Arrow's path: the bytes of Python's CSV writer, cell for cell."""
    from influence_lib.export import _arrow_rows, _float_text

    rng = random.Random(5)
    alphabet = 'ab ,"\n\t=é中\'x;'
    for _ in range(300):
        n = rng.randint(1, 12)

        def texts(dtype):
            cells = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) if rng.random() > 0.2 else None
                     for _ in range(n)]
            return pd.Series(cells, dtype=dtype)

        frame = pd.DataFrame({"text": texts("str"), "object": texts(object), "category": pd.Categorical(texts(object)),
                              "int": np.arange(n) - 5, "Int64": pd.array([None] + list(range(n - 1)), dtype="Int64"),
                              "uint8": np.arange(n, dtype=np.uint8), "float": np.linspace(0, 3, n),
                              "empty": pd.Series([None] * n, dtype=object)})
        frame = frame[rng.sample(list(frame.columns), rng.randint(2, len(frame.columns)))]
        written = frame.assign(**{c: _float_text(frame[c]) for c in frame.columns if frame[c].dtype.kind == "f"})
        assert _arrow_rows(written) is not None
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(frame.columns)
        writer.writerows([["" if pd.isna(v) else v for v in row] for row in written.itertuples(index=False)])
        assert table_to_csv(frame) == buffer.getvalue()
    assert _arrow_rows(pd.DataFrame({"a": ["x"], "b": [True]})) is None  # booleans: the CSV writer's True
    assert _arrow_rows(pd.DataFrame({"a": ["x", "z"], "b": pd.Series([1, "y"], dtype=object)})) is None
