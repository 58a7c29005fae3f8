"""Importers: turn what collection tools export into a canonical dataset.

``import_files`` checks that each file has the shape of the chosen format (:mod:`.detect`), reads
them, matches their authors to the roster's accounts, merges the roster and the posts into the
output dataset (rows are added, never removed; latest snapshot of each post wins) and returns the
report.
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

from influence_lib.import_arguments import FORMAT_NAMES
from influence_lib.importers import bluesky, linkedin, twitter
from influence_lib.importers.detect import DETECTORS, format_mismatch, sample_file
from influence_lib.importers.errors import FileRefused, ImportFailure, ImportUsageError
from influence_lib.importers.files import display_names
from influence_lib.importers.merge import assemble, refuse_parquet_dataset, write_dataset
from influence_lib.importers.parsing import ParseContext
from influence_lib.importers.report import REPORT_NAME, ImportReport
from influence_lib.importers.roster import read_roster, refuse_roster_with_posts
from influence_lib.importers.roster_merge import merge_into_dataset
from influence_lib.importers.values import format_time
from influence_lib.schema import TABLE_NAMES

Parser = Callable[[list[Path], ParseContext], None]

_PARSERS: dict[str, Parser] = {
    "twarc2": twitter.parse_twarc2,
    "twarc-csv": twitter.parse_twarc_csv,
    "twitter-v1": twitter.parse_twitter_v1,
    "x-archive": twitter.parse_x_archive,
    "phantombuster-linkedin": linkedin.parse_phantombuster,
    "apify-linkedin": linkedin.parse_apify,
    "bluesky": bluesky.parse_bluesky,
}
if set(_PARSERS) != set(FORMAT_NAMES):  # the command line lists FORMAT_NAMES without loading this package
    raise ImportError(f"importers: parsers {sorted(_PARSERS)} do not match the formats {sorted(FORMAT_NAMES)}")
FORMATS: dict[str, Parser] = {name: _PARSERS[name] for name in FORMAT_NAMES}

__all__ = ["DETECTORS", "FORMATS", "ImportResult", "ImportFailure", "ImportUsageError", "ImportReport",
           "import_files", "REPORT_NAME"]


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
        Output dataset folder (created if needed). What it holds is kept: its organizations,
        members and accounts are merged with the roster's (a conflicting row is an error), its
        posts with the imported ones.
    scraped_at : int, optional
        Retrieval time in epoch seconds, for files that do not say when they were collected
        (relative dates are resolved against it).
    handle : str, optional
        The account of files that do not name it (an X archive without ``account.js``).
    strict : bool
        When True, any empty file, refused row (a short CSV row included), invalid JSON line or
        unmatched handle means nothing is written.
    write : bool
        Write the dataset (False: only compute, e.g. for a dry run or tests).

    Raises
    ------
    ImportUsageError
        Bad arguments (unknown format, missing file or roster) -- exit status 2.
    ImportFailure
        A file that is not of the format (the message names the format it looks like), an
        unreadable roster or dataset, or a roster row that conflicts with the dataset's -- exit
        status 1.
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
    written = {(out / name).resolve() for name in [f"{t}.csv" for t in TABLE_NAMES] + ["dataset.yml", REPORT_NAME]}
    clash = next((p for p in paths if p.resolve() in written), None)
    if clash is not None:
        raise ImportUsageError(f"{clash}: is a file this import writes in {out}; an import never overwrites its "
                               f"input: move the file out of the dataset folder, or choose another --out")
    refuse_parquet_dataset(out)
    roster_data = read_roster(roster)
    refuse_roster_with_posts(roster, out)
    roster_data, roster_merge = merge_into_dataset(roster_data, out)
    report = ImportReport(format=fmt, roster=Path(roster).resolve().name, out=out.resolve().name,
                          scraped_at=format_time(scraped_at))
    report.roster_merge = roster_merge.as_dict() if roster_merge.kept else {}
    for message in roster_merge.notes:
        report.note(message)
    ctx = ParseContext(report=report, scraped_s=scraped_at, handle=handle, names=display_names(paths))
    readable = []
    for path in paths:
        sample = sample_file(path)
        if sample.shape == "empty":
            stats = ctx.open_file(path)
            report.refuse_file(stats.name, 1, "the file is empty: nothing to import (a failed or unfinished "
                                              "download?)")
            continue
        mismatch = format_mismatch(fmt, sample)
        if mismatch:
            raise ImportFailure(f"{path}: {mismatch}; nothing was imported")
        readable.append(path)
    try:
        FORMATS[fmt](readable, ctx)
    except FileRefused as exc:
        raise ImportFailure(f"{exc}; nothing was imported") from None
    tables = assemble(ctx, roster_data, out)
    result = ImportResult(tables, report)
    if write and not (strict and report.problem_count):
        write_dataset(tables, roster_data, out, report)
        result.written = True
    return result

