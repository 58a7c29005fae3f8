"""Writes the Parquet files of the broken-dataset corpus (binary files are generated, not committed).

The test copies each case folder into a temporary folder and calls :func:`write_case` on the copy.
To look at the cases by hand::

    python tests/broken/make_parquet_cases.py /tmp/broken   # copies every case, Parquet files added
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent

# The posts of the corpus' base dataset, typed as a Parquet writer would store them.
POSTS = pd.DataFrame({
    "post_id": ["p1", "p2", "p3", "p4", "p5", "p6", "p7"],
    "account_id": ["a1", "a2", "a3", "a4", "a3", "a5", "a5"],
    "published_at": pd.to_datetime([
        "2020-09-01T10:00:00Z", "2021-01-10T11:00:00Z", "2021-02-01T08:00:00Z", "2021-03-01T09:30:00Z",
        "2021-03-02T09:30:00Z", "2021-04-01T10:00:00Z", "2021-04-02T10:00:00Z",
    ], utc=True),
    "kind": ["original", "original", "original", "quote", "repost", "original", "original"],
    "format": ["text", "text", "video", "image", "text", "text", "article"],
    "likes": pd.array([50, 5, 40, 30, 99, 100, 20], dtype="Int64"),
    "comments": pd.array([20, 3, 0, 5, 0, 10, 0], dtype="Int64"),
    "shares": pd.array([10, 2, 0, 5, 0, 10, 0], dtype="Int64"),
    "quotes": pd.array([None, 0, None, None, None, None, None], dtype="Int64"),
})


def _write(frame: pd.DataFrame, path: Path) -> None:
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)


def csv_and_parquet(folder: Path) -> None:
    """organizations.parquet beside organizations.csv: the table is ambiguous."""
    orgs = pd.read_csv(folder / "organizations.csv", dtype=str, keep_default_na=False)
    _write(orgs, folder / "organizations.parquet")


def wrong_type(folder: Path) -> None:
    """published_at stored as epoch seconds (int64) and likes as text."""
    posts = POSTS.copy()
    posts["published_at"] = posts["published_at"].astype("int64") // 10**6
    posts["likes"] = posts["likes"].astype("str")
    _write(posts, folder / "posts.parquet")


def corrupt(folder: Path) -> None:
    """A Parquet file cut short, as an interrupted copy leaves it."""
    path = folder / "posts.parquet"
    _write(POSTS, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def bad_rows(folder: Path) -> None:
    """Well-typed columns, but a negative count in row 2 and an unknown kind in row 4."""
    posts = POSTS.copy()
    posts.loc[1, "likes"] = -5
    posts.loc[3, "kind"] = "share"
    _write(posts, folder / "posts.parquet")


PARQUET_CASES = {
    "03-csv-and-parquet": csv_and_parquet,
    "31-parquet-wrong-type": wrong_type,
    "32-parquet-corrupt": corrupt,
    "33-parquet-bad-rows": bad_rows,
}


def write_case(name: str, folder: str | Path) -> None:
    """Add the Parquet files of case ``name`` (if it has any) to ``folder``, a copy of the case."""
    if name in PARQUET_CASES:
        PARQUET_CASES[name](Path(folder))


def main(out: str) -> None:
    """Copy every case folder into ``out`` and add their Parquet files."""
    for case in sorted(p for p in HERE.iterdir() if p.is_dir() and p.name[:2].isdigit()):
        target = Path(out) / case.name
        shutil.copytree(case, target, dirs_exist_ok=True)
        write_case(case.name, target)
        print(target)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "broken-cases")
