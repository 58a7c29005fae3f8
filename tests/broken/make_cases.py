"""Writes the files of the broken-dataset corpus that are not committed: generated, not stored.

Parquet files (binary), files whose bytes an editor or git could change unseen (lone CR line ends,
UTF-16), files too large to commit (a 3 MB cell) and what git cannot hold (a named pipe, a link to
a device, a link out of the folder). The test copies each case folder into a temporary folder and
calls :func:`write_case` on the copy. To look at the cases by hand::

    python tests/broken/make_cases.py /tmp/broken   # copies every case, generated files added
"""

from __future__ import annotations

import codecs
import os
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


def cr_only(folder: Path) -> None:
    """Every table and dataset.yml with a lone CR at the end of each line, as Excel for Mac writes them."""
    for path in [*folder.glob("*.csv"), folder / "dataset.yml"]:
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))


def _reencode(path: Path, codec: str, mark: bytes = b"") -> None:
    path.write_bytes(mark + path.read_text(encoding="utf-8").encode(codec))


def utf16_with_bom(folder: Path) -> None:
    """organizations.csv and dataset.yml in UTF-16 little-endian, members.csv big-endian, each with its mark."""
    _reencode(folder / "organizations.csv", "utf-16-le", codecs.BOM_UTF16_LE)
    _reencode(folder / "dataset.yml", "utf-16-le", codecs.BOM_UTF16_LE)
    _reencode(folder / "members.csv", "utf-16-be", codecs.BOM_UTF16_BE)


def utf16_without_bom(folder: Path) -> None:
    """members.csv in UTF-16 without its byte-order mark: nothing tells the encoding."""
    _reencode(folder / "members.csv", "utf-16-le")


LARGE_CELL_CHARS = 3 << 20  # the text of post p6 in case 40: 3 Mi characters, more bytes in UTF-8


def large_text() -> str:
    """The 3 MB text of post p6: accents, separators, quotes and line breaks throughout."""
    line = 'Bonne année à toutes et à tous ; « santé », "innovation" et recherche.\n'
    return (line * (LARGE_CELL_CHARS // len(line) + 1))[:LARGE_CELL_CHARS]


def large_cells(folder: Path) -> None:
    """posts.csv where the text of p6 holds 3 MB (written inside double quotes, inner quotes doubled)."""
    path = folder / "posts.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("@3MB@", large_text().replace('"', '""')),
                    encoding="utf-8", newline="")


LONG_NAME_CHARS = 200_000  # a header field over Python's csv limit of 128 KB


def long_header_field(folder: Path) -> None:
    """organizations.csv with an extra column whose name is 200,000 characters long."""
    path = folder / "organizations.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("@200KB@", "x" * LONG_NAME_CHARS), encoding="utf-8")


def fifo(folder: Path) -> None:
    """posts.csv is a named pipe: reading it would wait for a writer forever."""
    (folder / "posts.csv").unlink()
    os.mkfifo(folder / "posts.csv")


def link_to_dev_zero(folder: Path) -> None:
    """posts.csv is a symbolic link to /dev/zero: reading it would never end."""
    (folder / "posts.csv").unlink()
    (folder / "posts.csv").symlink_to("/dev/zero")


def link_out_of_folder(folder: Path) -> None:
    """members.csv is a symbolic link to a file beside the dataset folder, not in it."""
    outside = folder.parent / f"{folder.name}-members.csv"
    shutil.move(folder / "members.csv", outside)
    (folder / "members.csv").symlink_to(Path("..") / outside.name)


def link_inside_folder(folder: Path) -> None:
    """accounts.csv is a symbolic link to exports/accounts-2021.csv, inside the dataset folder."""
    (folder / "exports").mkdir()
    shutil.move(folder / "accounts.csv", folder / "exports" / "accounts-2021.csv")
    (folder / "accounts.csv").symlink_to(Path("exports") / "accounts-2021.csv")


GENERATED = {
    "03-csv-and-parquet": csv_and_parquet,
    "31-parquet-wrong-type": wrong_type,
    "32-parquet-corrupt": corrupt,
    "33-parquet-bad-rows": bad_rows,
    "37-cr-only-line-ends": cr_only,
    "38-utf16-with-bom": utf16_with_bom,
    "39-utf16-without-bom": utf16_without_bom,
    "40-large-cells": large_cells,
    "41-long-header-field": long_header_field,
    "42-fifo-table": fifo,
    "43-symlink-to-dev-zero": link_to_dev_zero,
    "44-symlink-leaves-folder": link_out_of_folder,
    "45-symlink-inside-folder": link_inside_folder,
}


def write_case(name: str, folder: str | Path) -> None:
    """Add the generated files of case ``name`` (if it has any) to ``folder``, a copy of the case."""
    if name in GENERATED:
        GENERATED[name](Path(folder))


def main(out: str) -> None:
    """Copy every case folder into ``out`` and add their generated files."""
    for case in sorted(p for p in HERE.iterdir() if p.is_dir() and p.name[:2].isdigit()):
        target = Path(out) / case.name
        shutil.copytree(case, target, dirs_exist_ok=True)
        write_case(case.name, target)
        print(target)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "broken-cases")
