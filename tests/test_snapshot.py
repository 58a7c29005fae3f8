"""Validated snapshots: reused only while every input is byte-for-byte the same, never stale, never in the dataset."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from influence_lib import dataset as dataset_module
from influence_lib import snapshot
from influence_lib.dataset import SAMPLE_DIR, load_dataset
from influence_lib.engines.hive import convert_dataset

TABLES = ("organizations", "members", "accounts", "posts")


class ReadCounter:
    """Counts the loads that read the files (a snapshot hit reads none)."""

    def __init__(self, monkeypatch):
        self.calls = 0
        original = dataset_module.read_stored_tables

        def counting(*args, **kwargs):
            self.calls += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(dataset_module, "read_stored_tables", counting)


def load(folder, **kwargs):
    found = load_dataset(folder, **kwargs)
    snapshot.wait_for_writers()
    return found


def assert_same_dataset(a, b):
    for name in TABLES:
        pd.testing.assert_frame_equal(a.table(name), b.table(name))
    for name in ("problems", "counts", "rejected"):
        pd.testing.assert_frame_equal(getattr(a.report, name), getattr(b.report, name))
    assert a.files == b.files
    for name in TABLES:
        np.testing.assert_array_equal(a.files[name].line_numbers(), b.files[name].line_numbers())
    assert a.opt_out == b.opt_out
    for name in ("members", "accounts", "posts"):
        np.testing.assert_array_equal(getattr(a.parents(), name), getattr(b.parents(), name))
    for found, expected in ((a.post_arrays().arrays(), b.post_arrays().arrays()),
                            (a.account_arrays().arrays(), b.account_arrays().arrays())):
        assert found.keys() == expected.keys()
        for name in found:
            np.testing.assert_array_equal(found[name], expected[name])
            assert found[name].dtype == expected[name].dtype or name.startswith("count.")


def refer_to_an_unknown_account(folder):
    """Line 8 of posts.csv names an account that does not exist: one rejected row."""
    posts = folder / "posts.csv"
    lines = posts.read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[7].split(",")
    fields[1] = "no-such-account"
    lines[7] = ",".join(fields)
    posts.write_text("".join(lines), encoding="utf-8")
    return posts


def month_files(hive):
    """The first Parquet file of each month of a hive copy, in month order."""
    return sorted((hive / "posts").glob("month=*/part-0.parquet"))


@pytest.fixture()
def hive(tmp_path):
    folder = tmp_path / "hive"
    convert_dataset(SAMPLE_DIR, folder)
    return folder


def test_a_second_load_maps_the_snapshot_and_gives_the_same_dataset(sample_copy, snapshot_cache, monkeypatch):
    reads = ReadCounter(monkeypatch)
    first = load(sample_copy)
    second = load(sample_copy)
    assert reads.calls == 1
    assert_same_dataset(first, second)
    fresh = load(sample_copy, snapshot=False)
    assert_same_dataset(fresh, second)
    assert reads.calls == 2
    looked_up = dataclasses.replace(fresh, posts=fresh.posts)  # a new Dataset: its parents looked up again
    assert "parents" not in looked_up._derived
    for name in ("members", "accounts", "posts"):  # the positions validation found are the same
        np.testing.assert_array_equal(getattr(looked_up.parents(), name), getattr(fresh.parents(), name))
    assert not any(p.is_relative_to(sample_copy) for p in snapshot_cache.rglob("*"))
    assert sorted(p.name for p in sample_copy.iterdir()) == sorted(p.name for p in SAMPLE_DIR.iterdir())


@pytest.mark.parametrize("table, old, new", [
    ("posts.csv", b",22,4,3,,,,https://www.linkedin.com/feed/update/urn:li:activity:6821165251082354336/",
     b",23,4,3,,,,https://www.linkedin.com/feed/update/urn:li:activity:6821165251082354336/"),  # a count
    ("members.csv", b"Yves Vincent", b"Yves Vincenz"),  # a name
    ("dataset.yml", b"title: Classement", b"title: Klassement"),  # the settings
])
def test_one_byte_changed_rebuilds_the_snapshot(sample_copy, snapshot_cache, monkeypatch, table, old, new):
    reads = ReadCounter(monkeypatch)
    load(sample_copy)
    path = sample_copy / table
    stat = path.stat()
    raw = path.read_bytes()
    assert raw.count(old) == 1 and len(old) == len(new)
    # one byte changed: same size, same modification time
    path.write_bytes(raw.replace(old, new))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    changed = load(sample_copy)
    assert reads.calls == 2, "the snapshot of the old bytes was reused"
    assert_same_dataset(changed, load(sample_copy, snapshot=False))


def test_deleting_the_snapshot_gives_the_same_results(sample_copy, snapshot_cache, tmp_path):
    command = [sys.executable, "-m", "influence_lib.cli", "rank", "--data", str(sample_copy), "--sector", "sante",
               "--segment", "laboratoires-biotech", "--methodology", "per-member", "--format", "csv"]
    env = {**os.environ, snapshot.CACHE_ENV: str(snapshot_cache)}
    first = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    assert any(snapshot_cache.rglob("current.json"))
    again = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    shutil.rmtree(snapshot_cache)
    rebuilt = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    off = subprocess.run(command, capture_output=True, text=True, env={**env, snapshot.CACHE_ENV: "off"},
                         check=True).stdout
    assert first == again == rebuilt == off
    assert len(first.splitlines()) > 100


def test_a_snapshot_without_texts_does_not_serve_a_load_with_texts(sample_copy, snapshot_cache, monkeypatch):
    reads = ReadCounter(monkeypatch)
    lean = load(sample_copy, free_text=False)
    assert "text" not in lean.posts.columns and lean.files["posts"].skipped == ("text", "url")
    full = load(sample_copy)
    assert reads.calls == 2 and "text" in full.posts.columns
    lean_again = load(sample_copy, free_text=False)  # the full snapshot serves it, without the texts
    assert reads.calls == 2
    pd.testing.assert_frame_equal(lean_again.posts, lean.posts)


def test_rejected_rows_come_back_from_the_snapshot(sample_copy, snapshot_cache, monkeypatch):
    refer_to_an_unknown_account(sample_copy)
    reads = ReadCounter(monkeypatch)
    first = load(sample_copy, on_error="reject")
    second = load(sample_copy, on_error="reject")
    assert reads.calls == 1
    assert int(first.report.counts["rejected"].sum()) == 1
    assert_same_dataset(first, second)
    with pytest.raises(Exception, match="no-such-account"):  # "raise" keeps its own snapshots: none with errors
        load(sample_copy)


def test_new_code_or_snapshots_off_never_reuse(sample_copy, snapshot_cache, monkeypatch):
    reads = ReadCounter(monkeypatch)
    load(sample_copy)
    monkeypatch.setattr(snapshot, "code_fingerprint", lambda: "another version of the loader")
    load(sample_copy)
    assert reads.calls == 2
    monkeypatch.setenv(snapshot.CACHE_ENV, "off")
    shutil.rmtree(snapshot_cache)
    load(sample_copy)
    load(sample_copy)
    assert reads.calls == 4 and not snapshot_cache.exists()


def test_a_cache_inside_the_dataset_is_never_written(sample_copy, monkeypatch):
    monkeypatch.setenv(snapshot.CACHE_ENV, str(sample_copy / "snapshot_cache"))
    load(sample_copy)
    assert not (sample_copy / "snapshot_cache").exists()


def test_a_hive_posts_folder_loads_like_the_single_file(hive, snapshot_cache):
    flat, parts = load(SAMPLE_DIR, snapshot=False), load(hive)
    assert parts.files["posts"].format == "hive" and len(parts.files["posts"].parts) > 12
    order = ["post_id"]
    pd.testing.assert_frame_equal(flat.posts.sort_values(order, ignore_index=True),
                                  parts.posts.sort_values(order, ignore_index=True))
    assert_same_dataset(parts, load(hive))  # and through its snapshot


def test_a_hive_row_in_the_wrong_month_is_an_error_naming_its_file_and_row(hive, snapshot_cache):
    files = month_files(hive)
    moved, into = files[3], files[5]
    table = pq.read_table(moved)
    pq.write_table(pa.concat_tables([pq.read_table(into), table.slice(0, 1)]), into)
    pq.write_table(table.slice(1), moved)
    rows = pq.read_metadata(into).num_rows
    found = load(hive, on_error="reject")
    errors = found.report.errors
    assert len(errors) == 1
    error = errors.iloc[0]
    assert error["file"] == str(into) and int(error["line"]) == rows and error["column"] == "published_at"
    assert error["reason"].startswith(f"published_at is not in month {into.parent.name[6:]} of its folder")
    rejected = found.report.rejected
    assert rejected["file"].tolist() == [str(into)] and rejected["line"].tolist() == [rows]


def test_rank_reads_a_hive_folder_with_the_pandas_engine(hive, snapshot_cache):
    env = {**os.environ, snapshot.CACHE_ENV: str(snapshot_cache)}
    for extra in (["--level", "member", "--top", "20"], ["--segment", "e-sante", "--movements"]):
        outputs = [subprocess.run([sys.executable, "-m", "influence_lib.cli", "rank", "--data", str(folder),
                                   "--sector", "sante", "--format", "csv", *extra],
                                  capture_output=True, text=True, env=env, check=True).stdout
                   for folder in (SAMPLE_DIR, hive)]
        assert outputs[0] == outputs[1] and len(outputs[0].splitlines()) > 10


def test_the_folder_as_written_is_part_of_the_key(sample_copy, snapshot_cache, monkeypatch):
    posts = refer_to_an_unknown_account(sample_copy)
    monkeypatch.chdir(sample_copy.parent)
    relative = load(sample_copy.name, on_error="reject")
    absolute = load(sample_copy, on_error="reject")  # the same folder written another way: its own snapshot
    again = load(sample_copy.name, on_error="reject")
    assert relative.report.rejected["file"].tolist() == again.report.rejected["file"].tolist() == [f"{sample_copy.name}/posts.csv"]
    assert absolute.report.rejected["file"].tolist() == [str(posts)]


def test_a_duplicate_across_hive_files_names_the_file_of_its_first_row(hive, snapshot_cache):
    files = month_files(hive)
    first, later = files[2], files[4]
    original = pq.read_table(first)
    copied = pq.read_table(later)
    clash = copied.slice(0, 1).set_column(0, "post_id", original.slice(3, 1).column("post_id"))
    pq.write_table(pa.concat_tables([copied, clash]), later)
    errors = load(hive, on_error="reject").report.errors
    reasons = set(errors["reason"])
    assert reasons == {f"duplicate post_id: appears 2 times (first on row 4 of {first}); every post_id must be "
                       f"unique: remove the extra rows or give them their own id"}
    assert set(zip(errors["file"], errors["line"])) == {(str(first), 4), (str(later), copied.num_rows + 1)}


def test_a_load_that_fails_while_the_snapshot_is_written_leaves_none(sample_copy, snapshot_cache, monkeypatch):
    def failing(self):
        raise RuntimeError("arrays failed")

    monkeypatch.setattr(dataset_module.CheckedTables, "arrays", failing)
    with pytest.raises(RuntimeError, match="arrays failed"):
        load_dataset(sample_copy)
    snapshot.wait_for_writers()
    assert not list(snapshot_cache.rglob("current.json")) and not list(snapshot_cache.rglob("snap-*"))
    monkeypatch.undo()
    monkeypatch.setenv(snapshot.CACHE_ENV, str(snapshot_cache))
    assert_same_dataset(load(sample_copy), load(sample_copy, snapshot=False))
