"""Running the report: section notebooks through papermill, the workbook, report.html, the manifest, batches."""

from __future__ import annotations

import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
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


def build_workbook(folder: Path, settings: DatasetSettings, sector: str) -> Path:
    """``rankings.xlsx``: one sheet per ranking table of the run, French headers."""
    from influence_lib.export import write_workbook
    from influence_lib.frenchify import french_labels

    labels = {s.key: s for s in settings.sector(sector).segments}
    sheets = {}
    tables = folder / "tables"
    for path in sorted(tables.glob("ranking_*.csv")):
        key = path.stem.removeprefix("ranking_")
        seg = labels.get(key)
        title = f"Top {seg.top} {seg.label}" if seg else key
        sheets[title] = french_labels(pd.read_csv(path, dtype={"org_id": "str"}),
                                      {"best_member": "Membre le plus engageant",
                                       "best_member_engagement": "Engagement du membre"})
    voices = tables / "top_voices.csv"
    if voices.exists():
        sheets["Top voices"] = french_labels(pd.read_csv(voices, dtype={"member_id": "str", "org_id": "str"}),
                                             {"direction": "Direction", "engagement_per_post": "Engagement par post"})
    return write_workbook(sheets, folder / "rankings.xlsx")


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
    """``manifest.json``: parameters, versions, methodology, input checksums, row counts, durations.

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
        "rows": {r.table: {"read": int(r.read), "used": int(r.used), "rejected": int(r.rejected)}
                 for r in dataset.report.counts.itertuples(index=False)},
        "notebooks": [{"name": r.name, "template": r.template, "parameters": r.parameters,
                       "seconds": durations.get(r.name)} for r in runs],
    }
    return write_json(manifest, folder / "manifest.json")


def run_report(sector: str, data_dir: str | Path | None = None, edition: str | None = None,
               out_dir: str | Path = "outputs", jobs: int = 2, progress: bool = True,
               on_error: str = "raise", methodology_file: str | None = None) -> ReportResult:
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

    Returns
    -------
    ReportResult
    """
    from influence_lib.dataset import SAMPLE_DIR, load_dataset

    started = time.perf_counter()
    data = Path(data_dir).resolve() if data_dir else SAMPLE_DIR
    settings = load_dataset_settings(data / "dataset.yml")
    edition = str(edition) if edition else settings.latest_edition
    _check_keys(sector, edition)  # both become folder names: refused before anything is written
    settings.sector(sector)
    settings.period(edition)
    methodology = load_methodology(methodology_file)
    dataset = load_dataset(data, on_error=on_error)  # refuse bad data before starting any kernel

    target = Path(out_dir).resolve() / sector / edition
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{edition}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    common = {"data_dir": str(data), "sector": sector, "edition": edition, "out_dir": str(staging),
              "on_error": on_error, "methodology_file": str(Path(methodology_file).resolve()) if methodology_file else ""}
    runs = plan_report(settings, sector, common)
    durations: dict[str, float] = {}
    try:
        _execute_all(runs, staging, jobs, progress, f"{sector} {edition}", durations)
        build_workbook(staging, settings, sector)
        if on_error == "reject":
            from influence_lib.export import write_rejected_rows
            write_rejected_rows(dataset.report, staging / "rejected-rows.csv")
        build_html(staging, runs, settings, sector, edition, methodology.label)
        public = {k: v for k, v in common.items() if k != "out_dir"}
        build_manifest(staging, dataset, {**public, "out_dir": str(target)}, runs, durations, methodology)
        _swap_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ReportResult(sector, edition, target, durations, round(time.perf_counter() - started, 2))


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


def _report_worker(kwargs: dict) -> tuple[str, str, float, str]:
    try:
        result = run_report(**kwargs)
        return kwargs["sector"], "ok", result.seconds, str(result.folder)
    except Exception as exc:  # a failing sector must not stop the others
        return kwargs["sector"], "failed", 0.0, str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def run_batch(data_dir: str | Path | None = None, sectors: list[str] | None = None, jobs: int = 2,
              out_dir: str | Path = "outputs", edition: str | None = None, progress: bool = True) -> pd.DataFrame:
    """The report of every sector (default: all of dataset.yml), ``jobs`` sectors at a time.

    Returns
    -------
    pandas.DataFrame
        One row per sector: ``sector, status, seconds, detail`` (``detail``: output folder, or
        the error); a failing sector does not stop the others.
    """
    from tqdm import tqdm

    from influence_lib.dataset import SAMPLE_DIR

    data = Path(data_dir).resolve() if data_dir else SAMPLE_DIR
    settings = load_dataset_settings(data / "dataset.yml")
    chosen = list(sectors) if sectors else list(settings.sectors)
    unknown = [s for s in chosen if s not in settings.sectors]
    if unknown:
        raise KeyError(f"unknown sector(s) {', '.join(unknown)}; known: {', '.join(settings.sectors)}")
    tasks = [{"sector": s, "data_dir": data, "edition": edition, "out_dir": out_dir, "jobs": 1, "progress": False}
             for s in chosen]
    rows = []
    bar = tqdm(total=len(tasks), desc="batch", unit="secteur", disable=not progress, file=sys.stderr)
    try:
        if jobs <= 1:
            for task in tasks:
                rows.append(_report_worker(task))
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                for future in as_completed([pool.submit(_report_worker, t) for t in tasks]):
                    rows.append(future.result())
                    bar.set_postfix_str(f"{rows[-1][0]}: {rows[-1][1]}")
                    bar.update()
    finally:
        bar.close()
    table = pd.DataFrame(rows, columns=["sector", "status", "seconds", "detail"])
    order = {s: i for i, s in enumerate(chosen)}
    return table.sort_values("sector", key=lambda s: s.map(order)).reset_index(drop=True)
