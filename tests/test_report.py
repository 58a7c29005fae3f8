"""Integration: the sample report through papermill, compared with golden tables; outputs are safe."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from influence_lib import batch, booklet, report
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
    assert set(ranking["status"].dropna()) <= {"new", "entered", "up", "down", "same"}


def test_every_status_agrees_with_the_rank_tables(sample_report):
    """One movement per Direction: the Top 10, the Top 100 and the full ranking say the same thing."""
    tables = sample_report.folder / "tables"
    top10 = pd.read_csv(tables / "top10.csv").set_index("org_id")
    top100 = pd.read_csv(tables / "ranking_laboratoires-biotech.csv").set_index("org_id")
    for org_id, row in top10.iterrows():
        other = top100.loc[org_id]
        assert (row["rank"], row["previous_rank"], row["rank_change"]) == \
            (other["rank"], other["previous_rank"], other["rank_change"]), org_id
        # a status may differ only between "entered" (this Top N) and a move in the larger Top N
        if row["status"] != other["status"]:
            assert row["status"] == "entered" and other["status"] in ("up", "down", "same"), org_id
            assert row["previous_rank"] > 10 and other["previous_rank"] <= 100
    for ranking in (top10, top100):
        both = ranking["previous_rank"].notna()
        assert (ranking.loc[both, "rank_change"] == ranking.loc[both, "previous_rank"] - ranking.loc[both, "rank"]).all()
        assert (ranking["status"] == "new").eq(~both).all()
    # what the page says of each Top 10 Direction is what the tables say
    page = (sample_report.folder / "report.html").read_text(encoding="utf-8")
    from influence_lib.frenchify import movement_label

    for org_id, row in top10.iterrows():
        label = movement_label(row["status"], row["rank_change"], row["previous_rank"], row["rank"])
        assert f"{int(row['rank'])}. {row['name']} <small>({label})</small>" in page, org_id
    highlights = pd.read_csv(tables / "highlights.csv")
    climber = highlights.loc[highlights["fact"] == "biggest_climber"].set_index("key")["value"]
    if len(climber):
        segment = pd.read_csv(tables / "ranking_laboratoires-biotech.csv").set_index("name")
        row = segment.loc[climber["name"]]
        assert (int(climber["rank"]), int(climber["previous_rank"])) == (row["rank"], row["previous_rank"])
        assert bool(row["significant"])


def test_html_is_self_contained(sample_report):
    page = (sample_report.folder / "report.html").read_text(encoding="utf-8")
    # no external resource: every src is inline data, no stylesheet or script is fetched; links to the
    # posts (<a href="https://...">) are for readers to follow, not resources the page loads
    assert not re.search(r"\ssrc\s*=\s*[\"']?\s*(https?:)?//", page), "external resource reference"
    assert not re.search(r"<link\b", page) and "@import" not in page
    assert all(href.startswith(("#", "https://", "http://")) for href in re.findall(r'href="([^"]*)"', page))
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
    # every other file, with its checksum: `influence verify` finds the folder as written
    from influence_lib.outputs import verify_report
    assert {"report.html", "rankings.xlsx", "tables/top10.csv", "notebooks/00_methodology.ipynb"} <= set(manifest["files"])
    result = verify_report(sample_report.folder)
    assert result.ok and result.matched == len(manifest["files"])


def test_bad_keys_refused_before_touching_disk(tmp_path):
    with pytest.raises(SettingsError, match="cannot be used in a path"):
        report.run_report("../sante", out_dir=tmp_path, progress=False)
    with pytest.raises(SettingsError, match="cannot be used in a path"):
        report.run_report("sante", edition="../../etc", out_dir=tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_a_cell_over_the_time_limit_fails_once_with_a_clear_message(tmp_path, monkeypatch):
    """A cell timeout is not a dead kernel: the notebook is not run a second time (it would time out again)."""
    import papermill
    from nbclient.exceptions import CellTimeoutError

    from influence_lib import kernels

    calls = []

    def too_slow(*args, **kwargs):
        calls.append(kwargs["execution_timeout"])
        raise CellTimeoutError("A cell timed out while it was being executed, after 7 seconds.")

    monkeypatch.setattr(papermill, "execute_notebook", too_slow)
    monkeypatch.setattr(kernels, "last_kernel_forked", lambda: True)  # as after a forked kernel
    run = report.NotebookRun(name="05_robustness", template="05_robustness", parameters={})
    with pytest.raises(report.ReportError, match="notebook 05_robustness: a cell ran longer than 7 s"):
        report.execute_run(run, tmp_path, timeout=7)
    assert calls == [7]


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
    summary = batch.run_batch(sectors=["energie", "banque-assurance"], jobs=2, out_dir=tmp_path, progress=False)
    assert summary[["sector", "status"]].values.tolist() == [["energie", "failed"], ["banque-assurance", "ok"]]
    assert "boom" in summary.loc[0, "detail"]
    assert (tmp_path / "banque-assurance" / "2021" / "report.html").is_file()
    assert (previous / "report.html").read_text(encoding="utf-8") == "previous energie"
    assert sorted(p.name for p in (tmp_path / "energie").iterdir()) == ["2021"]


def test_batch_order_ends_the_last_sectors_together():
    from influence_lib.dataset import SAMPLE_DIR
    from influence_lib.settings import load_dataset_settings

    settings = load_dataset_settings(SAMPLE_DIR / "dataset.yml")
    plans = {sector: report.plan_report(settings, sector, {"sector": sector})
             for sector in ("sante", "banque-assurance", "energie")}
    longest = {sector: report.longest_first(plan) for sector, plan in plans.items()}
    # one job: sector after sector, each longest first
    assert batch.batch_order(plans, 1) == [(s, run) for s in plans for run in longest[s]]
    # two jobs: the first sector alone, then the last two take turns, so that both end last
    two = batch.batch_order(plans, 2)
    assert two[:len(longest["sante"])] == [("sante", run) for run in longest["sante"]]
    turns = two[len(longest["sante"]):]
    assert [s for s, _ in turns[:4]] == ["banque-assurance", "energie"] * 2
    for sector in plans:  # every notebook once, each sector's in its own order
        assert [run for s, run in two if s == sector] == longest[sector]
    # as many jobs as sectors or more: all of them take turns
    assert [s for s, _ in batch.batch_order(plans, 8)[:3]] == list(plans)


def test_batch_a_failed_booklet_fails_its_sector_only(tmp_path, monkeypatch):
    """A booklet that cannot be written fails its sector (previous outputs kept); the other sector is written."""
    from concurrent.futures import Future

    previous = tmp_path / "energie" / "2021"
    previous.mkdir(parents=True)
    (previous / "report.html").write_text("previous energie", encoding="utf-8")
    real = batch.PrinterLane

    class FailingForEnergie(real):
        def submit(self, html_path):
            if "energie" not in str(html_path):
                return super().submit(html_path)
            failed = Future()
            failed.set_exception(booklet.BookletError("no font for energie"))
            return failed

    monkeypatch.setattr(batch, "PrinterLane", FailingForEnergie)
    summary = batch.run_batch(sectors=["energie", "banque-assurance"], jobs=2, out_dir=tmp_path, progress=False)
    assert summary[["sector", "status"]].values.tolist() == [["energie", "failed"], ["banque-assurance", "ok"]]
    assert "no font for energie" in summary.loc[0, "detail"]
    written = tmp_path / "banque-assurance" / "2021"
    assert (written / "report.pdf").read_bytes().startswith(b"%PDF")
    assert "report.pdf" in json.loads((written / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert (previous / "report.html").read_text(encoding="utf-8") == "previous energie"
    assert sorted(p.name for p in (tmp_path / "energie").iterdir()) == ["2021"]  # no staging left


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
