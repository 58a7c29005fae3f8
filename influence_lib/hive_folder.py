"""The layout of a posts table kept as a folder of hive-partitioned Parquet: ``posts/month=YYYY-MM/*.parquet``, and its listing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from influence_lib.errors import DatasetError

POSTS_FOLDER = "posts"
MONTH_FOLDER = re.compile(r"month=(\d{4})-(0[1-9]|1[0-2])")
WRONG_MONTH = ("published_at is not in month {month} of its folder month={month}: move the row to the folder of "
               "the month (UTC) it was published in")


@dataclass(frozen=True)
class MonthFile:
    """One Parquet file of a hive posts folder: its month (``YYYY-MM``) and path."""

    month: str
    path: Path


def list_month_files(folder: str | Path) -> list[MonthFile]:
    """The Parquet files of a hive posts folder, by month then file name.

    Hidden entries and the ones a writer leaves beside its data (names starting with ``.`` or
    ``_``, such as ``_SUCCESS``) are ignored.

    Raises
    ------
    DatasetError
        A sub-folder not named ``month=YYYY-MM``, a file outside the month folders, a file of a
        month folder that is not ``.parquet``, or a folder without any Parquet file.
    """
    folder = Path(folder)
    found, odd = [], []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "_")):
            continue
        match = MONTH_FOLDER.fullmatch(entry.name)
        if not entry.is_dir() or match is None:
            odd.append(entry.name)
            continue
        for file in sorted(entry.iterdir()):
            if file.name.startswith((".", "_")):
                continue
            if file.suffix != ".parquet" or not file.is_file():
                odd.append(f"{entry.name}/{file.name}")
                continue
            found.append(MonthFile(f"{match.group(1)}-{match.group(2)}", file))
    if odd:
        raise DatasetError(
            f"{folder}: not a posts folder of the contract: {', '.join(odd[:5])}"
            f"{f' and {len(odd) - 5} more' if len(odd) > 5 else ''} "
            f"{'is' if len(odd) == 1 else 'are'} not month=YYYY-MM/*.parquet; keep one folder per month "
            f"(month=2021-03) holding the Parquet files of the posts published that month (UTC)."
        )
    if not found:
        raise DatasetError(f"{folder}: the posts folder holds no Parquet file; write the posts as "
                           f"month=YYYY-MM/part-0.parquet (one folder per month of published_at, UTC).")
    return found


def month_start(month: str) -> pd.Timestamp:
    """The first instant (UTC) of a month written ``YYYY-MM``."""
    return pd.Timestamp(f"{month}-01", tz="UTC")


def month_end(month: str) -> pd.Timestamp:
    """The first instant (UTC) after a month written ``YYYY-MM``."""
    return month_start(month) + pd.offsets.MonthBegin(1)


def month_bounds(files: tuple[Path, ...]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The month (``YYYY-MM``) of each file's folder, and its first and first-after instants (UTC, µs since 1970; ``value`` is in ns)."""
    months = ["-".join(MONTH_FOLDER.fullmatch(path.parent.name).groups()) for path in files]
    starts = np.array([month_start(m).value // 1000 for m in months], dtype=np.int64)
    ends = np.array([month_end(m).value // 1000 for m in months], dtype=np.int64)
    return months, starts, ends
