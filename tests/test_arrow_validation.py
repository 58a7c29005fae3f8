"""Validation of Arrow tables: a Parquet file's dictionary columns are checked once per distinct value, with the same outcome as plain ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from influence_lib import snapshot
from influence_lib.arrow import frame_of, is_in, positions
from influence_lib.dataset import SAMPLE_DIR, load_dataset
from influence_lib.post_arrays import PostArrays
from influence_lib.post_rules import post_engagement
from influence_lib.scope import build_scope
from influence_lib.settings import load_methodology
from influence_lib.snapshot_rank import array_ranking

TABLES = ("organizations", "members", "accounts", "posts")


def _hostile_tables() -> dict[str, pd.DataFrame]:
    """The sample's typed tables, with values that break or bend the rules in the columns Parquet keeps as dictionaries."""
    sample = load_dataset(SAMPLE_DIR, snapshot=False)
    tables = {name: sample.table(name).copy() for name in TABLES}
    posts = tables["posts"]
    edits = {  # row: {column: value}
        3: {"kind": "Original "}, 4: {"kind": "REPOST"}, 5: {"kind": ""}, 6: {"kind": None}, 7: {"kind": "weird"},
        8: {"format": " "}, 9: {"format": "nonsense"}, 10: {"format": "Video"},
        11: {"account_id": ""}, 12: {"account_id": None}, 13: {"account_id": "no-such-account"},
        14: {"account_id": "   "}, 15: {"post_id": posts["post_id"].iloc[16]},
    }
    for row, values in edits.items():
        for column, value in values.items():
            posts.loc[row, column] = value
    accounts = tables["accounts"]
    accounts.loc[2, "platform"] = " LinkedIn"
    accounts.loc[3, "platform"] = "myspace"
    tables["members"].loc[4, "role_category"] = "  "
    return tables


def _write(tables: dict[str, pd.DataFrame], folder, dictionary: bool):
    folder.mkdir()
    (folder / "dataset.yml").write_bytes((SAMPLE_DIR / "dataset.yml").read_bytes())
    for name, frame in tables.items():
        table = pa.Table.from_pandas(frame, preserve_index=False)
        # small row groups: several chunks, each with its own dictionaries
        pq.write_table(table, folder / f"{name}.parquet", use_dictionary=dictionary, row_group_size=16000)
    return folder


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    tables = _hostile_tables()
    base = tmp_path_factory.mktemp("arrow-validation")
    return _write(tables, base / "plain", False), _write(tables, base / "dictionary", True)


def test_the_dictionary_file_is_read_as_dictionaries(both):
    from influence_lib.readers import read_stored_table

    plain, dictionary = both
    posts, _ = read_stored_table(dictionary, "posts")
    assert {"kind", "format", "account_id"} <= {f.name for f in posts.schema if pa.types.is_dictionary(f.type)}
    assert posts["kind"].num_chunks > 1
    posts, _ = read_stored_table(plain, "posts")
    assert not any(pa.types.is_dictionary(f.type) for f in posts.schema)


def test_dictionary_columns_give_the_same_tables_report_and_arrays_as_plain_ones(both, monkeypatch):
    monkeypatch.setenv(snapshot.CACHE_ENV, "off")
    plain, dictionary = (load_dataset(folder, on_error="reject") for folder in both)
    reasons = set(plain.report.problems["reason"])
    for expected in ("unknown kind", "unknown format", "unknown account_id", "required value is missing",
                     "duplicate post_id", "unknown platform"):
        assert any(r.startswith(expected) for r in reasons), expected
    for name in TABLES:
        pd.testing.assert_frame_equal(dictionary.table(name), plain.table(name))
    problems = [frame.assign(file=frame["file"].str.replace("dictionary", "plain"))
                for frame in (dictionary.report.problems, dictionary.report.rejected)]
    pd.testing.assert_frame_equal(problems[0], plain.report.problems)
    pd.testing.assert_frame_equal(problems[1], plain.report.rejected)
    pd.testing.assert_frame_equal(dictionary.report.counts, plain.report.counts)
    for name in ("members", "accounts", "posts"):
        np.testing.assert_array_equal(getattr(dictionary.parents(), name), getattr(plain.parents(), name))
    found, expected = dictionary.post_arrays().arrays(), plain.post_arrays().arrays()
    assert found.keys() == expected.keys()
    for name in found:
        np.testing.assert_array_equal(found[name], expected[name])
        assert found[name].dtype == expected[name].dtype
    assert found["count.likes"].dtype == np.uint16  # the sample's counts fit in 16 bits
    # the fixed spellings and the default kind were applied (not left as written)
    assert set(plain.posts["kind"]) <= {"original", "repost"} | set(plain.posts["kind"].dropna())
    assert plain.posts["kind"].notna().all()


def test_a_dictionary_dataset_ranks_from_its_arrays_as_it_loads(tmp_path, monkeypatch):
    monkeypatch.setenv(snapshot.CACHE_ENV, str(tmp_path / "cache"))
    sample = load_dataset(SAMPLE_DIR, snapshot=False)
    folder = _write({name: sample.table(name) for name in TABLES}, tmp_path / "sample", True)
    methodology = load_methodology(None)
    dataset = load_dataset(folder, snapshot=False)
    period = dataset.settings.period()
    for level in ("direction", "member"):
        expected = build_scope(dataset, "sante", period, methodology).ranking(level)
        first = array_ranking(folder, dataset.settings, "sante", period, methodology, level)  # from the files
        snapshot.wait_for_writers()
        again = array_ranking(folder, dataset.settings, "sante", period, methodology, level)  # from the snapshot
        pd.testing.assert_frame_equal(first.ranking, expected)
        pd.testing.assert_frame_equal(again.ranking, expected)
    reloaded = load_dataset(folder)  # from the snapshot: posts rebuilt from its arrays
    for name in TABLES:
        pd.testing.assert_frame_equal(reloaded.table(name), dataset.table(name))


def test_lookups_through_dictionaries_with_missing_rows():
    values = pa.chunked_array([pa.array(["b", None, "a", "b"]).dictionary_encode(),
                               pa.array(["c", "a", None]).dictionary_encode()])
    keys = pd.Series(["a", "b"], dtype="str")
    np.testing.assert_array_equal(positions(values, keys), [1, -1, 0, 1, -1, 0, -1])
    np.testing.assert_array_equal(is_in(values, keys), [True, False, True, True, False, True, False])
    plain = values.cast(pa.large_string())
    np.testing.assert_array_equal(positions(plain, keys), positions(values, keys))
    assert frame_of(pa.table({"v": values}))["v"].tolist() == frame_of(pa.table({"v": plain}))["v"].tolist()


@pytest.mark.parametrize("dtype", [np.uint16, np.int32])
def test_engagement_of_narrow_counts_is_summed_in_64_bits(dtype):
    big = np.full(3, np.iinfo(dtype).max, dtype=dtype)
    arrays = PostArrays(np.zeros(3, np.int8), np.zeros(3, np.int64), {"likes": big, "comments": big, "shares": big}, {})
    methodology = load_methodology(None).model_copy(update={"metric_weights": {"likes": 3, "comments": 2, "shares": 1}})
    engagement, _ = post_engagement(arrays, np.ones(3, bool), np.zeros(3, np.int8), methodology)
    assert engagement.dtype == np.int64
    assert engagement.tolist() == [6 * int(np.iinfo(dtype).max)] * 3
