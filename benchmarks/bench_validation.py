"""Validation of the posts table: influence's Arrow checks against pandera's lazy validation, same rules, same data.

Run with ``.venv/bin/python benchmarks/bench_validation.py [--size 1e6]`` after ``make bench`` has
written ``benchmarks/data/<n>/`` (or it writes it). Both sides start from the same typed tables in
memory (reading the files is not timed) and check the posts rules of the contract: required
values present, post_id unique, account_id known, kind among the allowed values, counts whole
numbers >= 0 or empty. Timed in the same process, median of ``--repeat`` runs, with the peak of
traced Python allocations as a hint of memory (Arrow buffers are not traced).

The point it settles: the issue asked for a well-kept validation library unless something better
is shown. pandera gives every failure with its row, but its row-level checks go through pandas
objects; influence's rules (influence_lib.validation) run as Arrow kernels and build messages
only for failing rows, with the spreadsheet line numbers the reports need.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("DISABLE_PANDERA_IMPORT_WARNING", "True")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def pandera_schema(account_ids):
    """The posts rules as a pandera schema (lazy validation reports every failing row)."""
    import pandera.pandas as pa

    count = {"nullable": True, "checks": [pa.Check.ge(0)]}
    return pa.DataFrameSchema({
        "post_id": pa.Column(str, unique=True, nullable=False, checks=pa.Check.str_length(min_value=1)),
        "account_id": pa.Column(str, nullable=False, checks=pa.Check.isin(account_ids)),
        "published_at": pa.Column("datetime64[us, UTC]", nullable=False),
        "kind": pa.Column(str, nullable=True, checks=pa.Check.isin(["original", "repost", "reply", "quote"])),
        "likes": pa.Column("Int64", **count), "comments": pa.Column("Int64", **count),
        "shares": pa.Column("Int64", **count), "quotes": pa.Column("Int64", **count),
    }, strict=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=1e6, help="posts (a size bench_data.py writes)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import pandera.errors
    from bench_data import ensure_dataset  # the benchmarks' generator

    from influence_lib.readers import read_tables
    from influence_lib.settings import load_dataset_settings
    from influence_lib.validation import validate_tables

    folder = ensure_dataset(int(args.size))
    settings = load_dataset_settings(folder / "dataset.yml")
    ours, theirs = [], []
    for _ in range(args.repeat):
        frames, files = read_tables(folder)
        started = time.perf_counter()
        tables, report = validate_tables(frames, files, settings)
        ours.append(time.perf_counter() - started)
        posts, accounts = tables["posts"], tables["accounts"]
        schema = pandera_schema(accounts["account_id"].tolist())
        started = time.perf_counter()
        try:
            schema.validate(posts, lazy=True)
        except pandera.errors.SchemaErrors:
            pass
        theirs.append(time.perf_counter() - started)
    n = len(posts)
    ours_s, theirs_s = statistics.median(ours), statistics.median(theirs)
    print("| posts | influence: every table, every rule (s) | pandera: posts rules only (s) | ratio |")
    print("|---:|---:|---:|---:|")
    print(f"| {n:,} | {ours_s:.2f} | {theirs_s:.2f} | {theirs_s / ours_s:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
