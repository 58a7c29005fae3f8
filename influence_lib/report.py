"""Running a report: notebooks through papermill, the workbook, report.html and .pdf, the manifest (the batch: :mod:`influence_lib.batch`)."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from influence_lib import kernels
from influence_lib.assembly import (  # noqa: F401  (build_manifest: re-exported, scripts and tests use it from here)
    NotebookRun,
    build_html,
    build_manifest,
    build_workbook,
    html_fragment,
    manifest_entries,
    write_manifest,
)
from influence_lib.booklet import BookletPrinter
from influence_lib.errors import InfluenceError, SettingsError
from influence_lib.outputs import (
    ReportLock,
    check_report_paths,
    record_without_paths,
    remove_stale_staging,
    write_rejected,
)
from influence_lib.paths import NOTEBOOK_DIR
from influence_lib.settings import (
    DatasetSettings,
    is_slug,
    load_dataset_settings,
    load_methodology,
    methodology_reference,
)

KERNEL_NAME = kernels.KERNEL_NAME
# Seconds a cell may run. At 10^7 posts the robustness section's Sobol cell takes about 10 minutes on 2 cores
# (600 s, the former limit, stopped it); a kernel that dies is noticed at once whatever the limit.
CELL_TIMEOUT = 3600
# Seconds a kernel has to answer once started (papermill's: 60, which a kernel started as a new process on a
# Dask worker once missed while the test suite ran beside it). A kernel that dies is noticed at once.
KERNEL_START_TIMEOUT = 300
SEGMENT_TEMPLATE = "02_segment-ranking"


class ReportError(InfluenceError):
    """A section notebook failed, or the outputs could not be put in place."""


class ReportInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run: kernels stopped, queued notebooks dropped, staging removed.

    Attributes
    ----------
    stopped : int
        Notebooks that were running and were stopped.
    not_started : int
        Notebooks of the queue that never started.
    written : list of str
        Report folders completed before the interruption (a batch swaps each sector as it ends).
    when : str
        When no notebook was stopped: the stage that was interrupted.
    """

    def __init__(self, stopped: int = 0, not_started: int = 0, written: list[str] | None = None, when: str = ""):
        super().__init__()
        self.stopped, self.not_started, self.written, self.when = stopped, not_started, list(written or []), when

    def describe(self) -> str:
        """One line for the terminal: what was stopped and what, if anything, was written."""
        done = "nothing written" if not self.written else "written before: " + ", ".join(self.written)
        n = self.stopped
        if not n and not self.not_started:
            return f"interrupted{' ' + self.when if self.when else ''}: {done}"
        return f"interrupted: {n} notebook{'s' if n != 1 else ''} stopped, {self.not_started} not started, {done}"


@dataclass
class ReportResult:
    """What a report run produced."""

    sector: str
    edition: str
    folder: Path
    durations: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


def plan_report(settings: DatasetSettings, sector: str, common: dict, shown: dict | None = None) -> list[NotebookRun]:
    """The notebook runs of a sector's report, in the original study's order.

    Methodology, Top 10 of the focus segment, the focus segment's ranking, trends, the robustness
    of the focus ranking, then the other segments' rankings in dataset.yml order. ``shown``: see
    :class:`NotebookRun`.
    """
    shown = dict(shown or {})
    sector_settings = settings.sector(sector)
    focus = sector_settings.focus or sector_settings.segments[0].key
    others = [s.key for s in sector_settings.segments if s.key != focus]
    runs = [
        NotebookRun("00_methodology", "00_methodology", dict(common), shown),
        NotebookRun("01_focus-top10", "01_focus-top10", dict(common), shown),
        NotebookRun(SEGMENT_TEMPLATE, f"02_segment-ranking_{focus}", {**common, "segment": focus}, shown),
    ]
    if (NOTEBOOK_DIR / "03_trends.ipynb").exists():
        runs.append(NotebookRun("03_trends", "03_trends", dict(common), shown))
    runs.append(NotebookRun("05_robustness", "05_robustness", dict(common), shown))
    runs += [NotebookRun(SEGMENT_TEMPLATE, f"04_segment-ranking_{key}", {**common, "segment": key}, shown)
             for key in others]
    return runs


# Relative cost of each section notebook, measured on the sample (seconds of a kernel forked from the
# warm process, two at a time): 03_trends 9.7, 01_focus-top10 7.4, the focus segment's ranking 5.1
# (the largest segment), 05_robustness 3.3, 00_methodology 3.1, another segment's ranking 1.5 to 1.8.
NOTEBOOK_COST = {"03_trends": 10, "01_focus-top10": 7, "focus segment": 5, "05_robustness": 3, "00_methodology": 3,
                 SEGMENT_TEMPLATE: 2}


def longest_first(runs: list[NotebookRun]) -> list[NotebookRun]:
    """The runs in the order to start them: the costliest first (:data:`NOTEBOOK_COST`), the plan's order among equals.

    With the longest started first, the last to end are short, and the kernels end together. The
    plan's order stays the report's order (:func:`plan_report`); only execution is reordered.
    """
    def cost(run: NotebookRun) -> int:
        focus = run.template == SEGMENT_TEMPLATE and run.name.startswith("02_")  # the largest segment
        return NOTEBOOK_COST.get("focus segment" if focus else run.template, 3)

    return sorted(runs, key=lambda run: -cost(run))


def execute_run(run: NotebookRun, folder: Path, timeout: int = CELL_TIMEOUT) -> float:
    """Execute one notebook with papermill into ``folder/notebooks``; return its duration in seconds.

    The source notebook is never modified. No working directory is set: papermill would change the
    process-wide one, which parallel runs share; notebooks use absolute paths only. Its kernel is
    tracked (:mod:`influence_lib.kernels`) so that Ctrl-C stops it at once; the executed copy then
    records its parameters without local paths (:func:`record_without_paths`).
    """
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError

    from influence_lib.kernels import TrackedKernelManager

    started = time.perf_counter()
    target = folder / "notebooks" / f"{run.name}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)

    def execute():
        pm.execute_notebook(
            str(NOTEBOOK_DIR / f"{run.template}.ipynb"), str(target), parameters=run.parameters,
            kernel_name=KERNEL_NAME, progress_bar=False, execution_timeout=timeout, start_timeout=KERNEL_START_TIMEOUT,
            log_output=False, report_mode=False, kernel_manager_class=TrackedKernelManager,
            shutdown_kernel="immediate",  # every output has arrived: the kernel is stopped, not asked to stop
        )

    try:
        try:
            execute()
        except (pm.PapermillExecutionError, CellTimeoutError):
            raise
        except Exception:
            # a forked kernel that died (not a cell's error): once more in a kernel started as usual
            if not kernels.last_kernel_forked() or kernels.stopping():
                raise
            with kernels.started_as_usual():
                execute()
    except pm.PapermillExecutionError as exc:
        raise ReportError(f"notebook {run.name} failed at cell {exc.exec_count}: {exc.ename}: {exc.evalue}") from None
    except CellTimeoutError:  # the kernel was alive: running the notebook again would time out again
        raise ReportError(f"notebook {run.name}: a cell ran longer than {timeout} s, the report's limit per cell; "
                          f"the data may be too large for this machine: report one edition of one sector, or "
                          f"run it on more cores") from None
    record_without_paths(target, run)
    return round(time.perf_counter() - started, 2)


def _check_keys(sector: str, edition: str) -> None:
    for what, key in (("sector", sector), ("edition", edition)):
        if not is_slug(key):
            raise SettingsError(f"{what} key {key!r} cannot be used in a path: use lowercase letters, digits, '-' or '_'")


def _swap_into_place(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` with renames only: the old edition stays whole until the new one is complete.

    Ctrl-C waits for the two renames; a run killed between them leaves the old edition as
    ``.<name>.old-<pid>``, which the next run puts back (:func:`remove_stale_staging`).
    """
    backup = target.with_name(f".{target.name}.old-{os.getpid()}")
    with kernels.interrupts("defer"):
        if target.exists():
            target.rename(backup)
        try:
            staging.rename(target)
        except OSError:
            if backup.exists():
                backup.rename(target)
            raise
    shutil.rmtree(backup, ignore_errors=True)


@dataclass
class ReportJob:
    """A report being produced: where it goes, its staging folder, its lock, its notebook runs."""

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
    lock: ReportLock | None = None
    shown: dict = field(default_factory=dict)
    no_texts: bool = False
    written: bool = False
    durations: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    fragments: dict[str, str] = field(default_factory=dict)  # notebooks already converted for report.html


def notebook_done(job: ReportJob, run: NotebookRun, seconds: float) -> None:
    """Record a notebook that ran, and convert it for report.html now, while the other notebooks run.

    A notebook that cannot be converted is left to :func:`finish_report`, which says why.
    """
    job.durations[run.name] = seconds
    try:
        job.fragments[run.name] = html_fragment(job.staging, run, job.settings, job.sector)
    except Exception:  # noqa: BLE001,S110 (converted again, and its error raised, when the page is built)
        pass


def prepare_report(sector: str, data_dir: str | Path | None = None, edition: str | None = None,
                   out_dir: str | Path = "outputs", on_error: str = "raise",
                   methodology_file: str | None = None, dataset=None, wait: bool = False,
                   no_texts: bool = False, on_wait=None, checked: bool = False,
                   csv_dialect: str = "standard") -> ReportJob:
    """Check everything a report needs, take its folder's lock, then create its staging folder and plan its notebooks.

    Keys that cannot be folder names, an unknown sector, edition or CSV dialect, outputs that would overwrite an
    input, a bad methodology file and bad data (unless ``on_error="reject"``) are refused here,
    before anything is written. Another run writing the same folder makes it refuse
    (:class:`~influence_lib.outputs.OutputBusyError`) or, with ``wait``, wait for it (``on_wait``
    is called first with the other run's pid). Staging folders left by runs whose process is gone
    are removed. ``dataset`` may be passed when it is already loaded (a batch loads it once), and
    ``checked`` when the output paths were checked already.
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
    if not checked:
        check_report_paths(data, out_dir, [sector], edition, methodology_file)
    methodology = load_methodology(methodology_file)
    if dataset is None:
        dataset = load_dataset(data, on_error=on_error)  # refuse bad data before starting any kernel
    target = Path(out_dir).resolve() / sector / edition
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = ReportLock(target)
    lock.acquire(wait=wait, on_wait=on_wait)
    staging = target.with_name(f".{edition}.tmp-{os.getpid()}")
    try:
        remove_stale_staging(target)
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
    except BaseException:
        lock.release()
        raise
    common = {"data_dir": str(data), "sector": sector, "edition": edition, "out_dir": str(staging),
              "on_error": "reject" if on_error == "reject" else "fail", "methodology_file": methodology_reference(methodology_file),
              "no_texts": bool(no_texts)}
    shown = {"data_dir": data.name, "out_dir": ".",
             "methodology_file": Path(methodology_file).name if methodology_file else ""}
    return ReportJob(sector, edition, settings, dataset, methodology, target, staging,
                     plan_report(settings, sector, common, shown), common, on_error, csv_dialect, lock, shown,
                     bool(no_texts))


def finish_report(job: ReportJob, printer=None) -> ReportResult:
    """After every notebook ran: report.html, report.pdf, workbook, rejected rows, manifest, then the swap into place.

    ``printer`` (a :class:`~influence_lib.booklet.BookletPrinter`) writes report.pdf in a process of
    its own while this one writes the workbook; without it, the PDF is written here.
    """
    from influence_lib.booklet import write_booklet

    try:
        html, manifest = assemble_report(job, printer.submit if printer is not None else None)
    except BaseException:
        if printer is not None:
            printer.discard()
        raise
    return publish_report(job, manifest, printer.result() if printer is not None else write_booklet(html))


def assemble_report(job: ReportJob, on_page=None) -> tuple[Path, dict]:
    """All of a report's assembly but its booklet: report.html, the workbook, the tables in another dialect, the rejected rows.

    ``on_page(path)`` is called as soon as report.html is written, to start its booklet (which
    :func:`publish_report` then takes) while the rest is written.

    Returns
    -------
    html : Path
        report.html, in the staging folder.
    manifest : dict
        All of the manifest but the files' checksums (:func:`publish_report` completes it).
    """
    html = build_html(job.staging, job.runs, job.settings, job.sector, job.edition, job.methodology.label,
                      Path(job.dataset.path).name, job.fragments)
    if on_page is not None:
        on_page(html)
    build_workbook(job.staging, job.settings, job.sector, job.edition, job.methodology)
    if job.csv_dialect != "standard":
        from influence_lib.export import write_tables_in_dialect
        write_tables_in_dialect(job.staging, job.csv_dialect)
    if job.on_error == "reject":
        write_rejected(job.dataset.report, job.staging / "rejected-rows.csv", job.dataset.path, job.no_texts)
    public = {k: v for k, v in job.common.items() if k != "out_dir"}
    manifest = manifest_entries(job.staging, job.dataset, {**public, **job.shown}, job.runs, job.durations,
                                job.methodology)
    return html, manifest


def publish_report(job: ReportJob, manifest: dict, booklet) -> ReportResult:
    """Once its booklet is written (a :class:`~influence_lib.booklet.Booklet`): the manifest, then the report swapped into place."""
    job.durations["report.pdf"] = booklet.seconds
    write_manifest(job.staging, manifest)
    try:
        _swap_into_place(job.staging, job.target)
        job.written = True
    finally:
        if job.lock is not None:
            job.lock.release()
    return ReportResult(job.sector, job.edition, job.target, job.durations, round(time.perf_counter() - job.started, 2))


def abandon_report(job: ReportJob) -> None:
    """Remove a failed or interrupted report's staging folder and release its lock; the previous edition stays."""
    with kernels.interrupts("ignore"):
        shutil.rmtree(job.staging, ignore_errors=True)
        if job.lock is not None:
            job.lock.release()


def run_report(sector: str, data_dir: str | Path | None = None, edition: str | None = None,
               out_dir: str | Path = "outputs", jobs: int = 2, progress: bool = True,
               on_error: str = "raise", methodology_file: str | None = None, wait: bool = False,
               no_texts: bool = False, rejected_file: str | Path | None = None, on_wait=None,
               csv_dialect: str = "standard") -> ReportResult:
    """Produce a sector's report into ``OUT/<sector>/<edition>/``, atomically.

    Everything is written into a hidden staging folder beside the target, which replaces the
    target only when every notebook, the workbook, the HTML, the PDF and the manifest succeeded; a
    failed or interrupted run removes its staging folder and leaves the previous edition as it was.
    One run at a time writes a report folder (a lock file beside it); Ctrl-C stops the kernels
    at once and raises :class:`ReportInterrupted`.

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
    wait : bool
        When another run writes the same folder, wait for it instead of refusing.
    no_texts : bool
        Leave post texts out of every output (the notebooks' ``no_texts`` parameter).
    rejected_file : str or Path, optional
        Also write the rejected rows there, once the report is in place (with ``on_error="reject"``).
    on_wait : callable, optional
        Called with the other run's pid before waiting for it.
    csv_dialect : {"standard", "excel-fr"}
        ``excel-fr`` also writes every table to ``tables-excel-fr/`` in the dialect French Excel
        opens directly (see :data:`influence_lib.export.CSV_DIALECTS`); ``tables/`` is always written.

    Returns
    -------
    ReportResult
    """
    from influence_lib.dataset import SAMPLE_DIR

    data = Path(data_dir).resolve() if data_dir else SAMPLE_DIR
    if rejected_file is not None:
        edition_key = str(edition) if edition else load_dataset_settings(data / "dataset.yml").latest_edition
        check_report_paths(data, out_dir, [sector], edition_key, methodology_file, rejected_file)
    # the fork server and the PDF's printer import what they need while the data loads
    with kernels.fork_server(KERNEL_NAME), BookletPrinter() as printer:
        try:
            job = prepare_report(sector, data_dir, edition, out_dir, on_error, methodology_file, wait=wait,
                                 no_texts=no_texts, on_wait=on_wait, csv_dialect=csv_dialect)
        except KeyboardInterrupt:  # while loading the data, or waiting for another run
            raise ReportInterrupted(when="before any notebook started") from None
        return _run_prepared(job, jobs, progress, rejected_file, printer)


def _run_prepared(job: ReportJob, jobs: int, progress: bool, rejected_file, printer) -> ReportResult:
    """:func:`run_report` once its job is prepared: the notebooks, then the assembly and the swap."""
    sector, on_error, no_texts = job.sector, job.on_error, job.no_texts
    bar = progress_bar(len(job.runs), f"{sector} {job.edition}", progress)
    try:
        def done(_, run, future):
            notebook_done(job, run, future.result())
            printer.start()  # once kernels run: its imports do not delay the first ones
            bar.update()

        run_queue([(sector, run, job.staging) for run in longest_first(job.runs)], jobs, done, bar)
        result = finish_report(job, printer)
    except ReportInterrupted:
        abandon_report(job)
        raise
    except KeyboardInterrupt:  # all notebooks had run
        abandon_report(job)
        raise ReportInterrupted(written=[str(job.target)] if job.written else [],
                                when="while the report was assembled") from None
    except BaseException:
        abandon_report(job)
        raise
    finally:
        bar.close()
    if rejected_file is not None and on_error == "reject":
        write_rejected(job.dataset.report, rejected_file, job.dataset.path, no_texts)
    return result


def progress_bar(total: int, label: str, progress: bool):
    """A progress bar of notebooks on stderr (``progress=False``: none shown)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="notebook", disable=not progress, file=sys.stderr)


def run_queue(tasks: list[tuple[str, NotebookRun, Path]], jobs: int, on_done, bar, futures: dict | None = None,
              executor=None) -> None:
    """Execute ``(key, run, folder)`` tasks ``jobs`` at a time; ``on_done(key, run, future)`` as each ends.

    Kernels are separate processes: threads are enough to keep ``jobs`` of them busy, and the
    main thread stays free to take Ctrl-C. Then every kernel is killed, the queue is dropped
    (none of it starts), the threads are waited for (about a second: nbclient notices a dead
    kernel within one) and :class:`ReportInterrupted` is raised. An exception from ``on_done``
    stops the queue the same way, then propagates. ``futures`` (filled with each future's
    ``(key, run)``) lets ``on_done`` cancel the rest of a key's notebooks, and add futures of its
    own (``(key, name)``, a booklet being written, say): they are waited for too, and handed to
    ``on_done`` as they end. ``executor``: run the notebooks there instead (a
    :class:`~influence_lib.scheduling.DaskExecutor`, whose ``stop_kernels`` stops the kernels of
    its workers too); it stays open for its owner.
    """
    kernels.start_run()
    pool = executor if executor is not None else ThreadPoolExecutor(max_workers=max(1, jobs))
    futures = {} if futures is None else futures
    try:
        for key, run, folder in tasks:
            futures[pool.submit(execute_run, run, folder)] = (key, run)
        waiting, known = set(futures), len(futures)
        while waiting:
            ended, waiting = wait(waiting, return_when=FIRST_COMPLETED)
            for future in ended:
                key, run = futures[future]
                on_done(key, run, future)
            if len(futures) > known:  # on_done added futures of its own
                waiting.update(islice(futures, known, None))
                known = len(futures)
    except BaseException as exc:
        quiet = logging.getLogger("papermill")  # nbclient logs each killed kernel through it: not news
        with kernels.interrupts("ignore"):
            notebooks = [f for f, (_, run) in futures.items() if isinstance(run, NotebookRun)]
            running = sum(f.running() for f in notebooks)
            not_started = sum(f.cancel() for f in notebooks)
            quiet.disabled = True
            try:
                kernels.stop_kernels()
                if executor is not None:
                    executor.stop_kernels()
                pool.shutdown(wait=True, cancel_futures=True)
            finally:
                quiet.disabled = False
            bar.leave = False  # the progress bar is cleared: the interruption's line is the last word
        if isinstance(exc, KeyboardInterrupt) and not isinstance(exc, ReportInterrupted):
            raise ReportInterrupted(running, not_started) from None
        raise
    if executor is None:
        pool.shutdown(wait=True)


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name when it has none)."""
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__
