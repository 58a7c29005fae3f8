"""The dask engine and the Dask batch scheduler, on a LocalCluster of 2 worker processes.

Rankings of the dask engine over hive posts (``posts/month=YYYY-MM/*.parquet``) are compared
with the pandas engine's over the same data in one file, byte for byte (``table_to_csv``, what
``rank --format csv`` prints); bad rows are found with file, row and reason; the bootstrap's
replicate totals computed per partition on the workers add up to the single-frame ones; a batch
on the cluster writes the same tables as the local pool.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from influence_lib.dataset import SAMPLE_DIR, load_dataset
from influence_lib.engines import dask_posts
from influence_lib.engines.hive import convert_dataset, list_month_files, months_overlapping, write_hive_posts
from influence_lib.errors import DataValidationError
from influence_lib.export import table_to_csv
from influence_lib.scheduling import DaskExecutor, SchedulerError, dask_client, parse_scheduler
from influence_lib.scope import build_scope
from influence_lib.settings import load_methodology, resolve_edition, shipped_methodologies
from influence_lib.stats.replicates import replicate_totals
from tests.conftest import ACCOUNTS, MEMBERS, ORGS, POSTS
from tests.helpers import write_dataset

pytest.importorskip("distributed")  # the [dask] extra: make setup installs it, so CI runs every test here
from influence_lib.engines.dask_scope import build_dask_scope  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
INFLUENCE = Path(sys.executable).with_name("influence")


@pytest.fixture(scope="module")
def client():
    """A LocalCluster of 2 single-threaded worker processes (pickling of every task is exercised)."""
    logging.getLogger("distributed").setLevel(logging.ERROR)
    with dask_client("local:2", memory_limit="2GiB") as dask:
        yield dask


@pytest.fixture(scope="module")
def sample_hive(tmp_path_factory):
    """The embedded sample with its posts as month=YYYY-MM folders."""
    target = tmp_path_factory.mktemp("sample") / "hive"
    convert_dataset(SAMPLE_DIR, target, rows_per_file=500)  # several files per month: pieces across files
    return target


@pytest.fixture(scope="module")
def sample():
    return load_dataset(SAMPLE_DIR)


def _tables(scope, sector_segments, levels=("direction", "member")) -> dict:
    """Every ranking of a scope (sector and segments, both levels, with movements) as CSV text."""
    out = {}
    for level in levels:
        for segment in [None] + sector_segments:
            ranking, departures = scope.ranking_with_movements(level, segment, 10)
            out[(level, segment)] = table_to_csv(scope.ranking(level, segment))
            out[(level, segment, "top")] = table_to_csv(ranking) + table_to_csv(departures)
    return out


# --- the hive layout -------------------------------------------------------------------------------

def test_hive_writer_puts_each_post_in_the_folder_of_its_month(sample, sample_hive):
    files = list_month_files(sample_hive / "posts")
    assert len(files) > len({f.month for f in files})  # rows_per_file split some months
    read = []
    for f in files:
        table = pq.read_table(f.path, partitioning=None)
        assert "month" not in table.column_names  # the partition column is the folder's name only
        stamps = table.to_pandas()["published_at"]
        assert (stamps.dt.strftime("%Y-%m") == f.month).all()
        read.append(table.to_pandas())
    posts = pd.concat(read, ignore_index=True)
    assert sorted(posts["post_id"]) == sorted(sample.posts["post_id"])
    assert list(posts.columns) == list(sample.posts.columns)
    with pytest.raises(FileExistsError):
        write_hive_posts(sample.posts, sample_hive / "posts")
    with pytest.raises(ValueError, match="no published_at"):
        write_hive_posts(pa.table({"post_id": ["p"], "published_at": pa.array([None], pa.timestamp("us", "UTC"))}),
                         sample_hive.parent / "other")


def test_the_scan_reads_only_the_months_and_row_groups_of_the_period(tmp_path, sample_hive):
    settings = load_dataset(SAMPLE_DIR).settings
    period, previous = resolve_edition(settings, "2021")
    pieces = dask_posts.plan_pieces(sample_hive, [period])
    months = {p.month for p in pieces}
    assert months == set(months_overlapping(period.start, period.end)) & {f.month for f in
                                                                          list_month_files(sample_hive / "posts")}
    both = {p.month for p in dask_posts.plan_pieces(sample_hive, [period, previous])}
    assert months < both
    # one file, two row groups: only the one whose dates meet the period is read
    folder = tmp_path / "one"
    folder.mkdir()
    posts = pd.DataFrame({"post_id": ["a", "b"], "account_id": ["x", "x"], "likes": [1, 2], "comments": [0, 0],
                          "shares": [0, 0], "published_at": pd.to_datetime(["2019-01-05", "2021-01-05"], utc=True)})
    pq.write_table(pa.Table.from_pandas(posts, preserve_index=False), folder / "posts.parquet", row_group_size=1)
    (piece,) = dask_posts.plan_pieces(folder, [period])
    assert piece.row_groups == (1,) and piece.first_rows == (1,)


# --- rank: the same rankings as the pandas engine ----------------------------------------------------

@pytest.mark.slow
def test_every_shipped_methodology_ranks_the_sample_as_the_pandas_engine(client, sample, sample_hive):
    period, previous = resolve_edition(sample.settings, None)
    segments = [s.key for s in sample.settings.sector("sante").segments]
    for name in shipped_methodologies():
        methodology = load_methodology(name)
        expected = _tables(build_scope(sample, "sante", period, methodology, previous, post_columns=[]), segments)
        found = _tables(build_dask_scope(client, sample_hive, "sante", period, methodology, previous,
                                                gather_posts=False), segments)
        assert found == expected, name


def test_benchmark_data_ranks_as_the_pandas_engine_and_csv_posts_too(client, tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_data

    quiet = lambda *_: None  # noqa: E731
    hive = bench_data.ensure_hive_dataset(20_000, seed=3, root=tmp_path, log=quiet, rows_per_file=1_000)
    single = tmp_path / "20000"
    dataset = load_dataset(single)
    period, previous = resolve_edition(dataset.settings, None)
    for name in ("engagement", "capped-p99", "without-best-post"):
        methodology = load_methodology(name)
        expected = _tables(build_scope(dataset, "bench", period, methodology, previous, post_columns=[]), [])
        assert _tables(build_dask_scope(client, hive, "bench", period, methodology, previous), []) == expected
        assert _tables(build_dask_scope(client, single, "bench", period, methodology, previous,
                                        piece_rows=3_000), []) == expected  # one posts.parquet
    # CSV posts: read and checked by the pandas reader, scored on the workers; posts gathered for a report
    csv = write_dataset(tmp_path / "tiny", ORGS, MEMBERS, ACCOUNTS, POSTS)
    tiny = load_dataset(csv)
    period, previous = resolve_edition(tiny.settings, None)
    expected = build_scope(tiny, "sante", period, previous_period=previous)
    found = build_dask_scope(client, csv, "sante", period, previous_period=previous, post_columns=["post_id", "format"])
    assert _tables(found, ["labo", "medtech"]) == _tables(expected, ["labo", "medtech"])
    mine, theirs = found.posts(), expected.posts()[found.posts().columns]
    pd.testing.assert_frame_equal(mine, theirs)


@pytest.mark.slow
def test_rank_command_with_the_dask_engine_prints_the_same_bytes(sample_hive):
    def rank(*args):
        return subprocess.run([str(INFLUENCE), "rank", "--sector", "banque-assurance", "--format", "csv", *args],
                              capture_output=True, text=True, timeout=300)

    pandas, dask = rank(), rank("--data", str(sample_hive), "--engine", "dask", "--scheduler", "local:2")
    assert pandas.returncode == 0 and dask.returncode == 0, dask.stderr
    assert dask.stdout == pandas.stdout and len(pandas.stdout.splitlines()) > 10
    bad = rank("--engine", "dask", "--scheduler", "nowhere")
    assert bad.returncode == 2 and "--scheduler" in bad.stderr and "Traceback" not in bad.stderr


# --- bad rows: found, never dropped silently ---------------------------------------------------------

BAD_ROWS = [  # post_id, account_id, published_at, kind, format, likes, comments, shares, quotes
    ("p20", "a1", "2021-01-10T10:00:00Z", "original", "text", -5, 0, 0, None),     # negative count
    ("p21", "zz", "2021-01-11T10:00:00Z", "original", "text", 5, 0, 0, None),      # unknown account
    ("p2", "a3", "2021-01-12T10:00:00Z", "original", "text", 7, 0, 0, None),       # p2 exists in another month
    ("p22", "a5", "2021-01-13T10:00:00Z", "tweet", "text", 7, 0, 0, None),         # unknown kind
]


def _with_bad_rows(folder: Path, rows) -> Path:
    hive = folder / "hive"
    convert_dataset(write_dataset(folder / "csv", ORGS, MEMBERS, ACCOUNTS, POSTS + rows[:0]), hive)
    frame = pd.DataFrame([[("" if v is None else v) for v in r] for r in rows],
                         columns=["post_id", "account_id", "published_at", "kind", "format", "likes", "comments",
                                  "shares", "quotes"])
    frame["published_at"] = pd.to_datetime(frame["published_at"], utc=True)
    for c in ("likes", "comments", "shares", "quotes"):
        frame[c] = pd.array(pd.to_numeric(frame[c]), dtype="Int64")
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), hive / "posts" / "month=2021-01" / "part-9.parquet")
    return hive


def test_bad_rows_are_reported_with_file_row_and_reason_or_rejected_as_pandas_does(client, tmp_path, tiny):
    hive = _with_bad_rows(tmp_path, BAD_ROWS)
    period, previous = resolve_edition(tiny.settings, None)
    with pytest.raises(DataValidationError) as refused:
        build_dask_scope(client, hive, "sante", period)
    problems = refused.value.report.errors
    assert set(problems["column"]) == {"likes", "account_id", "post_id", "kind"}
    assert (problems["file"].str.endswith("part-9.parquet") | problems["value"].eq("p2")).all()
    assert problems.loc[problems["column"] == "likes", "line"].tolist() == [1]  # row 1 of part-9.parquet
    assert problems.loc[problems["column"] == "post_id", "reason"].str.contains("appears 2 times").all()
    assert len(problems.loc[problems["column"] == "post_id"]) == 2  # both copies, as the pandas engine says
    # --on-error reject: the same rows left out as the pandas engine leaves out of the same data in CSV
    rejected = build_dask_scope(client, hive, "sante", period, previous_period=previous, on_error="reject")
    csv = write_dataset(tmp_path / "csv-bad", ORGS, MEMBERS, ACCOUNTS, POSTS + BAD_ROWS)
    pandas = load_dataset(csv, on_error="reject")
    assert _tables(rejected, ["labo"]) == _tables(build_scope(pandas, "sante", period, previous_period=previous),
                                                  ["labo"])
    counts = rejected.dataset.report.counts.set_index("table")
    assert counts.loc["posts", "rejected"] == 5 and counts.loc["posts", "read"] == counts.loc["posts", "used"] + 5
    assert len(rejected.dataset.report.rejected.query("table == 'posts'")) == 5


def test_a_post_in_the_folder_of_another_month_is_an_error(client, tmp_path, tiny):
    hive = _with_bad_rows(tmp_path, [("p30", "a1", "2021-02-03T10:00:00Z", "original", "text", 1, 0, 0, None)])
    with pytest.raises(DataValidationError, match="not in month 2021-01 of its folder"):
        build_dask_scope(client, hive, "sante", resolve_edition(tiny.settings, None)[0])


def test_opted_out_people_are_removed_before_anything_as_with_pandas(client, tmp_path):
    csv = write_dataset(tmp_path / "csv", ORGS, MEMBERS, ACCOUNTS, POSTS)
    (csv / "opt-out.csv").write_text("member_id\nm5\n", encoding="utf-8")
    hive = tmp_path / "hive"
    convert_dataset(csv, hive)
    pandas = load_dataset(csv)
    period, _ = resolve_edition(pandas.settings, None)
    found = build_dask_scope(client, hive, "sante", period)
    assert _tables(found, []) == _tables(build_scope(pandas, "sante", period), [])
    assert "m5" not in set(found.ranking("member")["member_id"])
    assert found.dataset.opt_out.removed["posts"] == 1  # p5; p6 and p7 are in months the period does not read


# --- the bootstrap: the same replicates per partition on the workers ------------------------------------

def test_replicate_totals_per_partition_on_the_workers_add_up_to_the_single_frame(client, sample):
    period, _ = resolve_edition(sample.settings, None)
    posts = build_scope(sample, "sante", period, post_columns=["post_id", "published_at"]).posts()
    codes = posts["org_id"].cat.codes.to_numpy().astype(np.int64)
    n_groups = len(posts["org_id"].cat.categories)
    values = posts["engagement"].to_numpy()
    whole = replicate_totals(codes, values, posts["post_id"], n_groups, seed=7, n_boot=40)
    shuffled = posts.assign(code=codes).sample(frac=1, random_state=1)
    months = shuffled["published_at"].dt.strftime("%Y-%m")  # partitions as the hive folders cut them
    parts = [part for _, part in shuffled.groupby(months.to_numpy(), sort=False)]
    futures = client.map(lambda p: replicate_totals(p["code"].to_numpy(), p["engagement"].to_numpy(), p["post_id"],
                                                    n_groups, seed=7, n_boot=40), parts)
    per_partition = client.gather(futures)
    assert len(per_partition) > 10
    np.testing.assert_array_equal(np.sum(per_partition, axis=0), whole)  # integer sums: bit for bit


# --- the batch scheduler --------------------------------------------------------------------------------

def test_parse_scheduler(capsys):
    from influence_lib.cli import main

    assert main(["rank", "--sector", "sante", "--scheduler", "local:2"]) == 2  # pandas engine: no scheduler
    assert "--scheduler goes with --engine dask" in capsys.readouterr().err
    assert parse_scheduler("local") == ("local", None) and parse_scheduler("local:3") == ("local", 3)
    assert parse_scheduler("tcp://10.0.0.5:8786") == ("address", "tcp://10.0.0.5:8786")
    for bad in ("local:0", "remote", "local:x", ""):
        with pytest.raises(SchedulerError):
            parse_scheduler(bad)


def _die_once(marker: str) -> str:
    if not os.path.exists(marker):
        Path(marker).touch()
        os._exit(1)  # the worker process dies while running the task
    return "done"


def _always_die() -> str:
    os._exit(1)


@pytest.mark.slow
def test_a_task_whose_worker_dies_is_run_once_more_then_reported(tmp_path):
    with dask_client("local:2") as dask:
        executor = DaskExecutor(dask)
        assert executor.submit(_die_once, str(tmp_path / "died")).result(timeout=120) == "done"
        with pytest.raises(Exception, match="KilledWorker|worker"):
            executor.submit(_always_die).result(timeout=120)
        executor.shutdown()


@pytest.mark.slow
def test_batch_on_a_local_cluster_writes_the_tables_of_the_local_pool(tmp_path):
    sectors = ["banque-assurance", "energie"]

    def batch(out, *more):
        return subprocess.run([str(INFLUENCE), "batch", "--sectors", *sectors, "--out", str(out), "--no-progress",
                               *more], capture_output=True, text=True, timeout=900)

    pool, cluster = batch(tmp_path / "pool"), batch(tmp_path / "dask", "--scheduler", "local:2")
    assert pool.returncode == 0 and cluster.returncode == 0, cluster.stderr
    for sector in sectors:
        first = tmp_path / "pool" / sector / "2021" / "tables"
        second = tmp_path / "dask" / sector / "2021" / "tables"
        names = sorted(p.name for p in first.glob("*.csv"))
        assert names and names == sorted(p.name for p in second.glob("*.csv"))
        for name in names:
            assert (first / name).read_bytes() == (second / name).read_bytes(), f"{sector}/{name}"
