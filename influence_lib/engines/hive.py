"""The posts table as a folder of hive-partitioned Parquet: ``posts/month=YYYY-MM/part-N.parquet``, written and listed.

A dataset whose posts outgrow one file keeps them in a folder ``posts/`` with one sub-folder per
calendar month (UTC) of ``published_at``, named ``month=YYYY-MM``, holding one or more Parquet
files with the contract's posts columns and types. The month is the folder's name only (never a
column inside the files), and every post of a folder is published in that month: a reader that
needs a period reads only the months it overlaps.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from influence_lib.hive_folder import (  # noqa: F401 (re-exported)
    MONTH_FOLDER,
    POSTS_FOLDER,
    MonthFile,
    list_month_files,
    month_end,
    month_start,
)

ROWS_PER_FILE = 4_000_000  # rows per Parquet file of a month; a larger month gets part-0, part-1...
ROW_GROUP_ROWS = 1_000_000


def months_overlapping(start: pd.Timestamp, end: pd.Timestamp) -> list[str]:
    """The months (``YYYY-MM``) that hold at least one instant of the half-open period ``[start, end)``."""
    first = pd.Timestamp(start).tz_convert("UTC").strftime("%Y-%m")
    last = (pd.Timestamp(end).tz_convert("UTC") - pd.Timedelta(microseconds=1)).strftime("%Y-%m")
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def _posts_table(posts: pd.DataFrame | pa.Table) -> pa.Table:
    table = posts if isinstance(posts, pa.Table) else pa.Table.from_pandas(posts, preserve_index=False)
    if "published_at" not in table.column_names:
        raise ValueError("the posts need a published_at column to be partitioned by month")
    stamps = table["published_at"]
    if not pa.types.is_timestamp(stamps.type):
        raise ValueError(f"published_at must be a timestamp column to be partitioned by month, not {stamps.type}")
    if stamps.null_count:
        raise ValueError(f"{stamps.null_count} posts have no published_at: they cannot be placed in a month")
    if stamps.type.tz is None:  # no offset means UTC (contract)
        table = table.set_column(table.column_names.index("published_at"), "published_at",
                                 stamps.cast(pa.timestamp(stamps.type.unit, tz="UTC")))
    if "month" in table.column_names:
        raise ValueError("the posts hold a column named month: the month is the folder's name, not a column")
    return table


def write_hive_posts(posts: pd.DataFrame | pa.Table, folder: str | Path, rows_per_file: int = ROWS_PER_FILE,
                     row_group_rows: int = ROW_GROUP_ROWS) -> list[Path]:
    """Write posts as ``folder/month=YYYY-MM/part-N.parquet``, one folder per UTC month of ``published_at``.

    The rows of a month keep their order; the files hold the posts' columns as given (the month
    is not repeated inside them).

    Parameters
    ----------
    posts : pandas.DataFrame or pyarrow.Table
        Typed posts (``published_at`` a timestamp, every value present).
    folder : str or Path
        The posts folder to create; it must not exist yet (nothing is overwritten).
    rows_per_file : int
        At most this many rows per file (``part-0``, ``part-1``... of a month).
    row_group_rows : int
        Rows per Parquet row group.

    Returns
    -------
    list of Path
        The files written, by month then part.
    """
    folder = Path(folder)
    if folder.exists():
        raise FileExistsError(f"{folder} already exists: write the posts into a new folder")
    table = _posts_table(posts)
    utc = table["published_at"]
    code = (pc.year(utc).to_numpy(zero_copy_only=False).astype(np.int64) * 12
            + pc.month(utc).to_numpy(zero_copy_only=False).astype(np.int64) - 1)
    order = np.argsort(code, kind="stable")
    ordered = code[order]
    bounds = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1], True])
    written = []
    tmp = folder.with_name(f".{folder.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        month = f"{ordered[lo] // 12:04d}-{ordered[lo] % 12 + 1:02d}"
        target = tmp / f"month={month}"
        target.mkdir()
        rows = order[lo:hi]
        for part, first in enumerate(range(0, len(rows), rows_per_file)):
            chunk = table.take(pa.array(rows[first: first + rows_per_file]))
            path = target / f"part-{part}.parquet"
            pq.write_table(chunk, path, row_group_size=row_group_rows)
            written.append(folder / f"month={month}" / path.name)
    tmp.rename(folder)
    return written


def convert_dataset(source: str | Path, target: str | Path, rows_per_file: int = ROWS_PER_FILE) -> list[Path]:
    """Copy a dataset with its posts as a hive folder: the same data, another layout.

    The other tables, ``dataset.yml`` and ``opt-out.csv`` are copied byte for byte; the posts are
    read, typed and validated as the contract says (every rule; opt-outs are not applied, so the
    copy keeps every row), then written by :func:`write_hive_posts`.

    Parameters
    ----------
    source : str or Path
        A dataset folder whose posts are ``posts.csv`` or ``posts.parquet``.
    target : str or Path
        A new folder (it must not exist, or be empty).
    rows_per_file : int
        See :func:`write_hive_posts`.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    DataValidationError
        When a row of the source breaks a rule (convert valid data only).
    """
    from influence_lib.arrow import frame_of
    from influence_lib.errors import DataValidationError
    from influence_lib.readers import read_stored_tables
    from influence_lib.settings import load_dataset_settings
    from influence_lib.validation import validate_tables

    source, target = Path(source), Path(target)
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty: convert into a new folder")
    settings = load_dataset_settings(source / "dataset.yml")
    frames, files = read_stored_tables(source)
    tables, report = validate_tables(frames, files, settings)
    if report.has_errors:
        raise DataValidationError(report.describe(limit=20), report)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ("dataset.yml", "opt-out.csv"):
        if (source / name).is_file():
            written.append(Path(shutil.copyfile(source / name, target / name)))
    for name in ("organizations", "members", "accounts"):
        written.append(Path(shutil.copyfile(files[name].path, target / files[name].path.name)))
    written += write_hive_posts(frame_of(tables["posts"]), target / POSTS_FOLDER, rows_per_file=rows_per_file)
    return written
