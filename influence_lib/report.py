"""Running the report: section notebooks through papermill, the workbook, report.html, the manifest, batches."""

from __future__ import annotations

import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from influence_lib import __version__
from influence_lib.errors import InfluenceError, SettingsError
from influence_lib.settings import DatasetSettings, is_slug, load_dataset_settings, load_methodology

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
KERNEL_NAME = "python3"
CELL_TIMEOUT = 600
SEGMENT_TEMPLATE = "02_segment-ranking"
CHECK_TAG = "nbval-check-output"


class ReportError(InfluenceError):
    """A section notebook failed, or the outputs could not be put in place."""


@dataclass(frozen=True)
class NotebookRun:
    """One execution of a section notebook: template, output name and parameters."""

    template: str
    name: str
    parameters: dict


@dataclass
class ReportResult:
    """What a report run produced."""

    sector: str
    edition: str
    folder: Path
    durations: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


def plan_report(settings: DatasetSettings, sector: str, common: dict) -> list[NotebookRun]:
    """The notebook runs of a sector's report, in the original study's order.

    Methodology, Top 10 of the focus segment, the focus segment's ranking, trends, then the
    other segments' rankings in dataset.yml order.
    """
    sector_settings = settings.sector(sector)
    focus = sector_settings.focus or sector_settings.segments[0].key
    others = [s.key for s in sector_settings.segments if s.key != focus]
    runs = [
        NotebookRun("00_methodology", "00_methodology", dict(common)),
        NotebookRun("01_focus-top10", "01_focus-top10", dict(common)),
        NotebookRun(SEGMENT_TEMPLATE, f"02_segment-ranking_{focus}", {**common, "segment": focus}),
    ]
    if (NOTEBOOK_DIR / "03_trends.ipynb").exists():
        runs.append(NotebookRun("03_trends", "03_trends", dict(common)))
    runs += [NotebookRun(SEGMENT_TEMPLATE, f"04_segment-ranking_{key}", {**common, "segment": key}) for key in others]
    return runs


def execute_run(run: NotebookRun, folder: Path, timeout: int = CELL_TIMEOUT) -> float:
    """Execute one notebook with papermill into ``folder/notebooks``; return its duration in seconds.

    The source notebook is never modified. No working directory is set: papermill would change the
    process-wide one, which parallel runs share; notebooks use absolute paths only.
    """
    import papermill as pm

    started = time.perf_counter()
    target = folder / "notebooks" / f"{run.name}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        pm.execute_notebook(
            str(NOTEBOOK_DIR / f"{run.template}.ipynb"), str(target), parameters=run.parameters,
            kernel_name=KERNEL_NAME, progress_bar=False, execution_timeout=timeout,
            log_output=False, report_mode=False,
        )
    except pm.PapermillExecutionError as exc:
        raise ReportError(f"notebook {run.name} failed at cell {exc.exec_count}: {exc.ename}: {exc.evalue} "
                          f"(executed copy kept in the failed run's folder)") from None
    return round(time.perf_counter() - started, 2)


def _check_keys(sector: str, edition: str) -> None:
    for what, key in (("sector", sector), ("edition", edition)):
        if not is_slug(key):
            raise SettingsError(f"{what} key {key!r} cannot be used in a path: use lowercase letters, digits, '-' or '_'")


def _swap_into_place(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` with renames only: the old edition stays whole until the new one is complete."""
    backup = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(backup)
    try:
        staging.rename(target)
    except OSError:
        if backup.exists():
            backup.rename(target)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def build_workbook(folder: Path, settings: DatasetSettings, sector: str, edition: str,
                   methodology=None) -> Path:
    """``rankings.xlsx`` from the run's tables, sheet by sheet as :data:`influence_lib.workbook.SHEETS` declares.

    Parameters
    ----------
    folder : Path
        The report folder (its ``tables/`` are read back as text).
    settings : DatasetSettings
    sector, edition : str
    methodology : Methodology, optional
        The run's methodology (default engagement v1).

    Returns
    -------
    Path
    """
    from influence_lib.export import write_workbook
    from influence_lib.settings import DEFAULT_METHODOLOGY
    from influence_lib.workbook import SHEETS, about_table, build_sheets, read_report_tables

    methodology = methodology or DEFAULT_METHODOLOGY
    period = settings.period(edition)
    tables = read_report_tables(folder / "tables", SHEETS)  # the sections' tables: nothing is scored again
    tables["about"] = about_table(settings, sector, edition, methodology.label)
    return write_workbook(build_sheets(tables, settings, sector), folder / "rankings.xlsx",
                          title=f"{settings.title} — {settings.sector(sector).title}", subject=f"Édition {edition}",
                          document_date=period.end)


def build_html(folder: Path, runs: list[NotebookRun], settings: DatasetSettings, sector: str, edition: str,
               methodology_label: str) -> Path:
    """``report.html`` from the executed notebooks: code and stderr hidden, images inline, one file."""
    import nbformat
    from nbconvert import HTMLExporter

    from influence_lib.frenchify import format_period
    from influence_lib.html import assemble_page

    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    fragments = []
    for run in runs:
        nb = nbformat.read(folder / "notebooks" / f"{run.name}.ipynb", as_version=4)
        # the plain-text cells nbval checks are for machines: readers get the formatted tables
        nb.cells = [c for c in nb.cells if CHECK_TAG not in c.get("metadata", {}).get("tags", [])]
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        body, _ = exporter.from_notebook_node(nb)
        fragments.append(body)
    period = settings.period(edition)
    page = assemble_page(
        title=settings.title, subtitle=settings.sector(sector).title,
        period_text=f"Édition {edition} — posts publiés {format_period(period.start, period.end)}",
        sections=fragments,
        footer=f"Produit par influence {__version__} — méthodologie {methodology_label} — données : {folder.name}",
    )
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8", newline="\n")
    return path


def build_manifest(folder: Path, dataset, parameters: dict, runs: list[NotebookRun],
                   durations: dict[str, float], methodology) -> Path:
    """``manifest.json``: parameters, versions, methodology, input checksums, row counts, opt-outs, durations.

    ``dataset`` is the :class:`~influence_lib.dataset.Dataset` the run checked before starting.
    """
    from influence_lib.export import write_json

    manifest = {
        "package": "influence",
        "version": __version__,
        "parameters": parameters,
        "methodology": {"name": methodology.name, "version": methodology.version},
        "inputs": {name: {"file": str(f.path), "format": f.format, "sha256": f.sha256(), "rows": f.rows}
                   for name, f in dataset.files.items()},
        # read = used + rejected + opted_out: people of opt-out.csv are removed before validation
        "rows": {r.table: {"read": int(r.read) + dataset.opt_out.removed[r.table], "used": int(r.used),
                           "rejected": int(r.rejected), "opted_out": dataset.opt_out.removed[r.table]}
                 for r in dataset.report.counts.itertuples(index=False)},
        "opt_out": dataset.opt_out.manifest_entry(),
        "notebooks": [{"name": r.name, "template": r.template, "parameters": r.parameters,
                       "seconds": durations.get(r.name)} for r in runs],
    }
    return write_json(manifest, folder / "manifest.json")


@dataclass
class ReportJob:
    """A report being produced: where it goes, its staging folder, its notebook runs."""

    sector: str
    edition: str
    settings: DatasetSettings
    dataset: object
    methodology: object
    target: Path
    staging: Path
    runs: list[NotebookRun]
    common: dict
    on_error: str
    csv_dialect: str = "standard"
    durations: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)


def prepare_report(sector: str, data_dir: str | Path | None = None, edition: str | None = None,
                   out_dir: str | Path = "outputs", on_error: str = "raise",
                   methodology_file: str | None = None, dataset=None, csv_dialect: str = "standard") -> ReportJob:
    """Check everything a report needs, then create its staging folder and plan its notebooks.

    Keys that cannot be folder names, an unknown sector, edition or CSV dialect, a bad methodology
    file and bad data (unless ``on_error="reject"``) are refused here, before anything is written.
    ``dataset`` may be passed when it is already loaded (a batch loads it once).
    """
    from influence_lib.dataset import SAMPLE_DIR, load_dataset
    from influence_lib.export import csv_dialect as check_dialect

    data = Path(data_dir).resolve() if data_dir else SAMPLE_DIR
    settings = dataset.settings if dataset is not None else load_dataset_settings(data / "dataset.yml")
    edition = str(edition) if edition else settings.latest_edition
    _check_keys(sector, edition)  # both become folder names: refused before anything is written
    settings.sector(sector)
    settings.period(edition)
    try:
        check_dialect(csv_dialect)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
    methodology = load_methodology(methodology_file)
    if dataset is None:
        dataset = load_dataset(data, on_error=on_error)  # refuse bad data before starting any kernel
    target = Path(out_dir).resolve() / sector / edition
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{edition}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    common = {"data_dir": str(data), "sector": sector, "edition": edition, "out_dir": str(staging),
              "on_error": "reject" if on_error == "reject" else "fail", "methodology_file": str(Path(methodology_file).resolve()) if methodology_file else ""}
    return ReportJob(sector, edition, settings, dataset, methodology, target, staging,
                     plan_report(settings, sector, common), common, on_error, csv_dialect)


def finish_report(job: ReportJob) -> ReportResult:
    """After every notebook ran: workbook, rejected rows, report.html, manifest, then the swap into place."""
    build_workbook(job.staging, job.settings, job.sector, job.edition, job.methodology)
    if job.csv_dialect != "standard":
        from influence_lib.export import write_tables_in_dialect
        write_tables_in_dialect(job.staging, job.csv_dialect)
    if job.on_error == "reject":
        from influence_lib.export import write_rejected_rows
        write_rejected_rows(job.dataset.report, job.staging / "rejected-rows.csv")
    build_html(job.staging, job.runs, job.settings, job.sector, job.edition, job.methodology.label)
    public = {k: v for k, v in job.common.items() if k != "out_dir"}
    build_manifest(job.staging, job.dataset, {**public, "out_dir": str(job.target)}, job.runs, job.durations,
                   job.methodology)
    _swap_into_place(job.staging, job.target)
    return ReportResult(job.sector, job.edition, job.target, job.durations, round(time.perf_counter() - job.started, 2))


def abandon_report(job: ReportJob) -> None:
    """Remove a failed or interrupted report's staging folder; the previous edition stays as it was."""
    shutil.rmtree(job.staging, ignore_errors=True)


def run_report(sector: str, data_dir: str | Path | None = None, edition: str | None = None,
               out_dir: str | Path = "outputs", jobs: int = 2, progress: bool = True,
               on_error: str = "raise", methodology_file: str | None = None,
               csv_dialect: str = "standard") -> ReportResult:
    """Produce a sector's report into ``OUT/<sector>/<edition>/``, atomically.

    Everything is written into a hidden staging folder beside the target, which replaces the
    target only when every notebook, the workbook, the HTML and the manifest succeeded; a
    failed or interrupted run removes its staging folder and leaves the previous edition as it was.

    Parameters
    ----------
    sector : str
        Sector key of dataset.yml (a slug).
    data_dir : str or Path, optional
        Dataset folder (default: the embedded sample).
    edition : str, optional
        Edition key (default: the latest).
    out_dir : str or Path
        Root of the outputs.
    jobs : int
        Notebooks executed at once.
    progress : bool
        Show a progress bar on stderr.
    on_error : {"raise", "reject"}
        What to do with bad rows (see :func:`influence_lib.dataset.load_dataset`).
    methodology_file : str, optional
        Methodology YAML (default: engagement v1).
    csv_dialect : {"standard", "excel-fr"}
        ``excel-fr`` also writes every table to ``tables-excel-fr/`` in the dialect French Excel
        opens directly (see :data:`influence_lib.export.CSV_DIALECTS`); ``tables/`` is always written.

    Returns
    -------
    ReportResult
    """
    job = prepare_report(sector, data_dir, edition, out_dir, on_error, methodology_file, csv_dialect=csv_dialect)
    try:
        _execute_all(job.runs, job.staging, jobs, progress, f"{sector} {job.edition}", job.durations)
        return finish_report(job)
    except BaseException:
        abandon_report(job)
        raise


def _execute_all(runs, folder, jobs, progress, label, durations) -> None:
    from tqdm import tqdm

    bar = tqdm(total=len(runs), desc=label, unit="notebook", disable=not progress, file=sys.stderr)
    try:
        if jobs <= 1:
            for run in runs:
                durations[run.name] = execute_run(run, folder)
                bar.update()
            return
        # Kernels are separate processes: threads are enough to keep `jobs` of them busy.
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(execute_run, run, folder): run for run in runs}
            for future in as_completed(futures):
                durations[futures[future].name] = future.result()
                bar.update()
    finally:
        bar.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def run_batch(data_dir: str | Path | None = None, sectors: list[str] | None = None, jobs: int = 2,
              out_dir: str | Path = "outputs", edition: str | None = None, progress: bool = True,
              csv_dialect: str = "standard") -> pd.DataFrame:
    """The report of every sector (default: all of dataset.yml), sharing ``jobs`` notebook workers.

    The dataset is loaded and checked once. Every notebook of every sector goes into one queue
    served by ``jobs`` kernels (worker processes) at a time, so a big sector does not leave a
    worker idle while the others finish; each sector's report is assembled and swapped into
    place as soon as its own notebooks are done. A failing sector does not stop the others: its
    remaining notebooks are dropped and its previous outputs stay as they were. ``csv_dialect`` as
    in :func:`run_report`.

    Returns
    -------
    pandas.DataFrame
        One row per sector: ``sector, status, seconds, detail`` (``detail``: output folder, or
        the error).
    """
    from tqdm import tqdm

    from influence_lib.dataset import SAMPLE_DIR, load_dataset

    data = Path(data_dir).resolve() if data_dir else SAMPLE_DIR
    settings = load_dataset_settings(data / "dataset.yml")
    chosen = list(sectors) if sectors else list(settings.sectors)
    unknown = [s for s in chosen if s not in settings.sectors]
    if unknown:
        raise KeyError(f"unknown sector(s) {', '.join(unknown)}; known: {', '.join(settings.sectors)}")
    dataset = load_dataset(data)
    outcome: dict[str, tuple[str, float, str]] = {}
    pending: dict[str, ReportJob] = {}
    for sector in chosen:
        try:
            pending[sector] = prepare_report(sector, data, edition, out_dir, dataset=dataset, csv_dialect=csv_dialect)
        except Exception as exc:
            outcome[sector] = ("failed", 0.0, _first_line(exc))
    outstanding = {sector: len(job.runs) for sector, job in pending.items()}
    bar = tqdm(total=sum(outstanding.values()), desc="batch", unit="notebook", disable=not progress, file=sys.stderr)
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(execute_run, run, job.staging): (sector, run)
                       for sector, job in pending.items() for run in job.runs}
            for future in as_completed(futures):
                sector, run = futures[future]
                job = pending[sector]
                outstanding[sector] -= 1
                bar.update()
                if sector not in outcome:
                    try:
                        job.durations[run.name] = future.result()
                        if outstanding[sector] == 0:
                            result = finish_report(job)
                            outcome[sector] = ("ok", result.seconds, str(result.folder))
                    except Exception as exc:
                        outcome[sector] = ("failed", round(time.perf_counter() - job.started, 2), _first_line(exc))
                        for other, (other_sector, _) in futures.items():
                            if other_sector == sector:
                                other.cancel()  # notebooks not started yet are dropped
                if outcome.get(sector, ("",))[0] == "failed" and outstanding[sector] == 0:
                    abandon_report(job)  # only once none of its notebooks still writes there
                bar.set_postfix_str(f"{sector}: {outcome.get(sector, ('en cours',))[0]}")
    except BaseException:
        for job in pending.values():
            abandon_report(job)
        raise
    finally:
        bar.close()
    return pd.DataFrame([(s, *outcome[s]) for s in chosen], columns=["sector", "status", "seconds", "detail"])
