"""Importers: turn what collection tools export into a canonical dataset.

``import_files`` reads the files of one format, matches their authors to the roster's accounts,
merges them into the output dataset (latest snapshot of each post wins) and returns the report.
The ``influence import`` command (:mod:`influence_lib.importers.command`) is a thin layer over it.

Formats
-------
twarc2, twarc-csv, twitter-v1, x-archive
    Twitter / X (:mod:`influence_lib.importers.twitter`).
phantombuster-linkedin, apify-linkedin
    LinkedIn (:mod:`influence_lib.importers.linkedin`).
bluesky
    Bluesky (:mod:`influence_lib.importers.bluesky`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from influence_lib.importers import bluesky, linkedin, twitter
from influence_lib.importers.errors import FileRefused, ImportFailure, ImportUsageError
from influence_lib.importers.merge import assemble, write_dataset
from influence_lib.importers.parsing import ParseContext
from influence_lib.importers.report import REPORT_NAME, ImportReport
from influence_lib.importers.roster import read_roster, refuse_roster_with_posts
from influence_lib.importers.values import format_time

Parser = Callable[[list[Path], ParseContext], None]

FORMATS: dict[str, Parser] = {
    "twarc2": twitter.parse_twarc2,
    "twarc-csv": twitter.parse_twarc_csv,
    "twitter-v1": twitter.parse_twitter_v1,
    "x-archive": twitter.parse_x_archive,
    "phantombuster-linkedin": linkedin.parse_phantombuster,
    "apify-linkedin": linkedin.parse_apify,
    "bluesky": bluesky.parse_bluesky,
}

__all__ = ["FORMATS", "ImportResult", "ImportFailure", "ImportUsageError", "ImportReport", "import_files",
           "REPORT_NAME"]


@dataclass
class ImportResult:
    """What an import produced: the output tables (not yet written) and the report."""

    tables: dict[str, pd.DataFrame]
    report: ImportReport
    written: bool = False


def import_files(fmt: str, files: list[str | Path], roster: str | Path, out: str | Path,
                 scraped_at: int | None = None, handle: str | None = None, strict: bool = False,
                 write: bool = True) -> ImportResult:
    """Import ``files`` of format ``fmt`` into the dataset folder ``out``.

    Parameters
    ----------
    fmt : str
        A key of :data:`FORMATS`.
    files : list of paths
        The exported files.
    roster : path
        Dataset folder with organizations, members, accounts tables and ``dataset.yml``.
    out : path
        Output dataset folder (created if needed); posts already there are merged with.
    scraped_at : int, optional
        Retrieval time in epoch seconds, for files that do not say when they were collected
        (relative dates are resolved against it).
    handle : str, optional
        The account of files that do not name it (an X archive without ``account.js``).
    strict : bool
        When True, any refused row, invalid JSON line or unmatched handle means nothing is written.
    write : bool
        Write the dataset (False: only compute, e.g. for a dry run or tests).

    Raises
    ------
    ImportUsageError
        Bad arguments (unknown format, missing file or roster) -- exit status 2.
    ImportFailure
        A file that is not of the format at all, or an unreadable roster or dataset -- exit status 1.
    """
    if fmt not in FORMATS:
        raise ImportUsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    paths = [Path(f) for f in files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ImportUsageError(f"{missing[0]}: no such file" + (f" (and {len(missing) - 1} more)" if len(missing) > 1
                                                                 else ""))
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ImportUsageError(f"{out}: exists and is not a folder; --out takes a dataset folder")
    roster_data = read_roster(roster)
    refuse_roster_with_posts(roster, out)
    report = ImportReport(format=fmt, roster=str(roster), out=str(out), scraped_at=format_time(scraped_at))
    ctx = ParseContext(report=report, scraped_s=scraped_at, handle=handle)
    try:
        FORMATS[fmt](paths, ctx)
    except FileRefused as exc:
        raise ImportFailure(f"{exc}; nothing was imported") from None
    tables = assemble(ctx, roster_data, out)
    result = ImportResult(tables, report)
    if write and not (strict and report.problem_count):
        write_dataset(tables, roster_data, out, report)
        result.written = True
    return result

