"""The batch: every sector's report from one queue of notebooks, each booklet printed beside the next notebooks."""

from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path

import pandas as pd

from influence_lib import kernels
from influence_lib.booklet import PrinterLane, write_booklet
from influence_lib.errors import InfluenceError
from influence_lib.outputs import check_report_paths, write_rejected
from influence_lib.report import (
    KERNEL_NAME,
    NotebookRun,
    ReportInterrupted,
    ReportJob,
    abandon_report,
    assemble_report,
    first_line,
    longest_first,
    notebook_done,
    prepare_report,
    progress_bar,
    publish_report,
    run_queue,
)
from influence_lib.scheduling import batch_executor
from influence_lib.settings import is_slug, load_dataset_settings

BOOKLET = "report.pdf"  # what a booklet's future stands for among the notebooks' (its "run")


def run_batch(data_dir: str | Path | None = None, sectors: list[str] | None = None, jobs: int = 2,
              out_dir: str | Path = "outputs", edition: str | None = None, progress: bool = True,
              on_error: str = "raise", wait: bool = False, no_texts: bool = False,
              rejected_file: str | Path | None = None, on_wait=None, csv_dialect: str = "standard",
              scheduler: str | None = None) -> pd.DataFrame:
    """The report of every sector (default: all of dataset.yml), sharing ``jobs`` notebook workers.

    The dataset is loaded and checked once. Every notebook of every sector goes into one queue
    served by ``jobs`` kernels (worker processes) at a time, so a big sector does not leave a
    worker idle while the others finish (:func:`batch_order`). Each sector's report is assembled
    as soon as its own notebooks are done; its booklet (report.pdf, the longest step after the
    notebooks) is then printed beside the next notebooks, up to ``jobs`` booklets at once (a
    :class:`~influence_lib.booklet.PrinterLane`; on a Dask cluster, as a task of the cluster),
    and the report is swapped into place when its booklet is written. A failing sector (a
    notebook, its booklet, or another run writing its folder) does not stop the others: its
    remaining notebooks are dropped and its previous outputs stay as they were. Output paths are
    checked for every sector first; Ctrl-C stops everything (:class:`ReportInterrupted`, naming
    the sectors already written). ``on_error``, ``wait``, ``no_texts``, ``rejected_file``,
    ``on_wait`` and ``csv_dialect`` as in :func:`influence_lib.report.run_report`. ``scheduler``
    (``local``, ``local:N`` or a Dask scheduler's address) runs the notebooks and the booklets as
    tasks of that Dask cluster instead (:mod:`influence_lib.scheduling`; its workers must see this
    machine's paths); ``None`` keeps the local pool of ``jobs`` kernels.

    Returns
    -------
    pandas.DataFrame
        One row per sector: ``sector, status, seconds, detail`` (``detail``: output folder, or
        the error).
    """
    from influence_lib.dataset import SAMPLE_DIR

    data = Path(data_dir).resolve() if data_dir else SAMPLE_DIR
    settings = load_dataset_settings(data / "dataset.yml")
    chosen = list(sectors) if sectors else list(settings.sectors)
    unknown = [s for s in chosen if s not in settings.sectors]
    if unknown:
        raise KeyError(f"unknown sector(s) {', '.join(unknown)}; known: {', '.join(settings.sectors)}")
    edition_key = str(edition) if edition else settings.latest_edition
    check_report_paths(data, out_dir, [s for s in chosen if is_slug(s)], edition_key, None, rejected_file)
    # kernels forked from a warm process (local runs only: a Dask cluster's workers start their own)
    with kernels.fork_server(KERNEL_NAME) if scheduler is None else nullcontext():
        outcome = _batch(data, chosen, edition, out_dir, on_error, wait, no_texts, rejected_file, on_wait,
                         csv_dialect, scheduler, jobs, progress)
    return pd.DataFrame([(s, *outcome[s]) for s in chosen], columns=["sector", "status", "seconds", "detail"])


def batch_order(runs: dict[str, list[NotebookRun]], jobs: int) -> list[tuple[str, NotebookRun]]:
    """The order a batch starts its notebooks in: sector after sector, the last ``jobs`` sectors taking turns.

    Within a sector the longest notebooks go first (:func:`influence_lib.report.longest_first`).
    A sector's booklet is printed once its notebooks are done, beside the next sectors' notebooks;
    the last sectors have no notebooks left to go beside, so they take turns and end together: their
    booklets are printed side by side, instead of the very last one alone at the end.
    """
    keys = list(runs)
    ordered = {key: longest_first(runs[key]) for key in keys}
    head, tail = keys[:max(0, len(keys) - max(1, jobs))], keys[max(0, len(keys) - max(1, jobs)):]
    order = [(key, run) for key in head for run in ordered[key]]
    for i in range(max((len(ordered[key]) for key in tail), default=0)):
        order += [(key, ordered[key][i]) for key in tail if i < len(ordered[key])]
    return order


def _batch(data: Path, chosen: list[str], edition, out_dir, on_error, wait, no_texts, rejected_file, on_wait,
           csv_dialect, scheduler, jobs, progress) -> dict[str, tuple[str, float, str]]:
    """:func:`run_batch` once its arguments are checked: each sector's outcome ``(status, seconds, detail)``."""
    from influence_lib.dataset import load_dataset

    outcome: dict[str, tuple[str, float, str]] = {}
    pending: dict[str, ReportJob] = {}
    try:
        dataset = load_dataset(data, on_error=on_error)
        for sector in chosen:
            try:
                pending[sector] = prepare_report(sector, data, edition, out_dir, on_error, dataset=dataset, wait=wait,
                                                 no_texts=no_texts, on_wait=on_wait, checked=True,
                                                 csv_dialect=csv_dialect)
            except (InfluenceError, KeyError, OSError) as exc:
                outcome[sector] = ("failed", 0.0, first_line(exc))
    except BaseException as exc:
        for job in pending.values():
            abandon_report(job)
        if isinstance(exc, KeyboardInterrupt):
            raise ReportInterrupted(when="before any notebook started") from None
        raise
    # a sector's notebooks, then its booklet: what still runs or writes in its staging folder
    outstanding = {sector: len(job.runs) for sector, job in pending.items()}
    manifests: dict[str, dict] = {}
    bar = progress_bar(sum(outstanding.values()), "batch", progress)
    tasks = [(sector, run, pending[sector].staging)
             for sector, run in batch_order({sector: job.runs for sector, job in pending.items()}, jobs)]

    def failed(sector, exc):
        outcome[sector] = ("failed", round(time.perf_counter() - pending[sector].started, 2), first_line(exc))
        for other, (key, _) in futures.items():
            if key == sector:
                other.cancel()  # notebooks not started yet are dropped

    def print_booklet(sector, html):
        future = printers.submit(html) if printers is not None else executor.submit(write_booklet, html)
        outstanding[sector] += 1
        futures[future] = (sector, BOOKLET)

    def done(sector, run, future):
        job = pending[sector]
        outstanding[sector] -= 1
        if run != BOOKLET:
            bar.update()
        if sector not in outcome:
            try:
                if run == BOOKLET:
                    result = publish_report(job, manifests.pop(sector), future.result())
                    outcome[sector] = ("ok", result.seconds, str(result.folder))
                else:
                    notebook_done(job, run, future.result())
                    if printers is not None:
                        printers.warm()  # once kernels run: its imports do not delay the first ones
                    if outstanding[sector] == 0:
                        _, manifests[sector] = assemble_report(job, lambda html: print_booklet(sector, html))
            except Exception as exc:  # any failure of one sector: the others go on
                failed(sector, exc)
        if outcome.get(sector, ("",))[0] == "failed" and outstanding[sector] == 0:
            abandon_report(job)  # only once nothing of it still writes there
        bar.set_postfix_str(f"{sector}: {outcome.get(sector, ('en cours',))[0]}")

    futures: dict = {}
    try:
        with batch_executor(scheduler, jobs) as executor, \
                (PrinterLane(min(jobs, len(pending))) if executor is None else nullcontext()) as printers:
            run_queue(tasks, jobs, done, bar, futures, executor)
    except BaseException as exc:
        for job in pending.values():
            if not job.written:
                abandon_report(job)
        if isinstance(exc, KeyboardInterrupt):
            interrupted = exc if isinstance(exc, ReportInterrupted) else ReportInterrupted(when="between notebooks")
            interrupted.written = [s for s, job in pending.items() if job.written]
            raise interrupted from None
        raise
    finally:
        bar.close()
    for sector, job in pending.items():  # a failed sector whose last notebooks were cancelled: no staging left
        if outcome.get(sector, ("",))[0] == "failed":
            abandon_report(job)
    if rejected_file is not None and on_error == "reject":
        write_rejected(dataset.report, rejected_file, dataset.path, no_texts)
    return outcome
