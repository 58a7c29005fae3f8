"""Integration: the sample report through papermill, compared with golden tables; outputs are safe."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from influence_lib import report
from influence_lib.errors import SettingsError

GOLDEN = Path(__file__).resolve().parent / "golden" / "sante" / "2021"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs")
    result = report.run_report("sante", out_dir=out, jobs=2, progress=False)
    return result


def test_layout(sample_report):
    folder = sample_report.folder
    assert folder.name == "2021" and folder.parent.name == "sante"
    for name in ("report.html", "rankings.xlsx", "manifest.json"):
        assert (folder / name).is_file(), name
    executed = sorted(p.stem for p in (folder / "notebooks").glob("*.ipynb"))
    assert executed[:2] == ["00_methodology", "01_focus-top10"]
    assert "02_segment-ranking_laboratoires-biotech" in executed
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")], "staging folder left behind"


def test_tables_match_golden(sample_report):
    golden = sorted(GOLDEN.glob("*.csv"))
    assert golden, "no golden tables: run make golden"
    produced = {p.name for p in (sample_report.folder / "tables").glob("*.csv")}
    assert {p.name for p in golden} == produced
    for path in golden:
        assert (sample_report.folder / "tables" / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), \
            f"{path.name} differs from the golden table (a methodology change? run make golden and say so)"


def test_top_100_ranking(sample_report):
    ranking = pd.read_csv(sample_report.folder / "tables" / "ranking_laboratoires-biotech.csv")
    assert list(ranking.columns[:9]) == ["rank", "org_id", "name", "segment", "score", "engagement", "posts",
                                         "active_members", "members"]
    assert len(ranking) >= 100 and ranking["rank"].max() <= 100
    assert ranking["score"].is_monotonic_decreasing
    assert set(ranking["status"].dropna()) <= {"new", "up", "down", "same"}


def test_html_is_self_contained(sample_report):
    page = (sample_report.folder / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", page), "external resource reference"
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page
    assert page.count("data:image/png;base64,") >= 5
    assert "Sommaire" in page and "Top 100 Laboratoires et Biotech" in page and "Top 10" in page
    # sections in the original study's order
    order = [page.index(t) for t in ("Méthodologie et données", "Top 10", "Top 100 Laboratoires et Biotech",
                                     "Tendances et faits marquants", "Top 50 Équipement Médical", "Top 20 E-Santé",
                                     "Top 20 Santé et Beauté")]
    assert order == sorted(order)
    assert "def " not in page and "import " not in page  # code hidden
    assert "Rang               Direction" not in page  # the plain-text cells checked by nbval are not for readers


def test_workbook(sample_report):
    sheets = pd.read_excel(sample_report.folder / "rankings.xlsx", sheet_name=None)
    assert "Top 100 Laboratoires et Biotech" in sheets
    assert list(sheets["Top 20 E-Santé"].columns[:3]) == ["Rang", "Direction", "Rang possible de (IC 90 %)"]
    with zipfile.ZipFile(sample_report.folder / "rankings.xlsx") as z:
        assert all(i.date_time == (2000, 1, 1, 0, 0, 0) for i in z.infolist())


def test_figures_png_and_svg_without_timestamps(sample_report):
    figures = sample_report.folder / "figures"
    pngs, svgs = sorted(figures.glob("*.png")), sorted(figures.glob("*.svg"))
    assert pngs and [p.stem for p in pngs] == [p.stem for p in svgs]
    for svg in svgs:
        assert "<dc:date>" not in svg.read_text(encoding="utf-8")


def test_manifest(sample_report):
    manifest = json.loads((sample_report.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["methodology"] == {"name": "engagement", "version": 1}
    assert manifest["parameters"]["sector"] == "sante" and manifest["parameters"]["edition"] == "2021"
    assert set(manifest["inputs"]) == {"organizations", "members", "accounts", "posts"}
    assert all(len(v["sha256"]) == 64 for v in manifest["inputs"].values())
    for counts in manifest["rows"].values():
        assert counts["read"] == counts["used"] + counts["rejected"]
    assert all(n["seconds"] > 0 for n in manifest["notebooks"])


def test_bad_keys_refused_before_touching_disk(tmp_path):
    with pytest.raises(SettingsError, match="cannot be used in a path"):
        report.run_report("../sante", out_dir=tmp_path, progress=False)
    with pytest.raises(SettingsError, match="cannot be used in a path"):
        report.run_report("sante", edition="../../etc", out_dir=tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_failed_run_keeps_previous_edition(tmp_path, monkeypatch):
    previous = tmp_path / "sante" / "2021"
    previous.mkdir(parents=True)
    (previous / "report.html").write_text("previous complete edition", encoding="utf-8")
    calls = []

    def failing(run, folder, timeout=0):
        calls.append(run.name)
        (folder / "tables").mkdir(exist_ok=True)
        (folder / "tables" / "half.csv").write_text("x\n", encoding="utf-8")
        raise report.ReportError(f"notebook {run.name} failed")

    monkeypatch.setattr(report, "execute_run", failing)
    with pytest.raises(report.ReportError):
        report.run_report("sante", out_dir=tmp_path, jobs=1, progress=False)
    assert calls
    assert (previous / "report.html").read_text(encoding="utf-8") == "previous complete edition"
    assert sorted(p.name for p in (tmp_path / "sante").iterdir()) == ["2021"]


def test_batch_keeps_going_when_a_sector_fails(tmp_path, monkeypatch):
    real = report.execute_run
    previous = tmp_path / "energie" / "2021"
    previous.mkdir(parents=True)
    (previous / "report.html").write_text("previous energie", encoding="utf-8")

    def sometimes(run, folder, timeout=report.CELL_TIMEOUT):
        if run.parameters["sector"] == "energie" and run.template == "01_focus-top10":
            raise report.ReportError("boom in energie")
        return real(run, folder, timeout)

    monkeypatch.setattr(report, "execute_run", sometimes)
    summary = report.run_batch(sectors=["energie", "banque-assurance"], jobs=2, out_dir=tmp_path, progress=False)
    assert summary[["sector", "status"]].values.tolist() == [["energie", "failed"], ["banque-assurance", "ok"]]
    assert "boom" in summary.loc[0, "detail"]
    assert (tmp_path / "banque-assurance" / "2021" / "report.html").is_file()
    assert (previous / "report.html").read_text(encoding="utf-8") == "previous energie"
    assert sorted(p.name for p in (tmp_path / "energie").iterdir()) == ["2021"]


def test_report_with_rejected_rows_records_them(tmp_path):
    """--on-error reject: the run goes on without the bad rows, writes them and counts them in the manifest."""
    import shutil

    from influence_lib.dataset import SAMPLE_DIR

    data = tmp_path / "data"
    shutil.copytree(SAMPLE_DIR, data)
    posts = data / "posts.csv"
    lines = posts.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(",")
    bad = lines[1].split(",")
    bad[header.index("likes")] = "-5"
    lines[1] = ",".join(bad)
    posts.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(Exception, match="negative"):
        report.run_report("energie", data_dir=data, out_dir=tmp_path / "out", progress=False)
    result = report.run_report("energie", data_dir=data, out_dir=tmp_path / "out", progress=False, on_error="reject")
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rows"]["posts"]["rejected"] == 1
    assert manifest["rows"]["posts"]["read"] == manifest["rows"]["posts"]["used"] + 1
    rejected = pd.read_csv(result.folder / "rejected-rows.csv")
    assert rejected[["table", "line"]].values.tolist() == [["posts", 2]]
    assert "negative" in rejected.loc[0, "reasons"]
