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


def _assert_loaded_alike(found, expected, same_file=lambda frame: frame):
    """Two loads of the same data: the same tables, problems and rejected rows (their files through
    ``same_file``), counts, parent positions and scoring arrays, dtypes included."""
    for name in TABLES:
        pd.testing.assert_frame_equal(found.table(name), expected.table(name))
    pd.testing.assert_frame_equal(same_file(found.report.problems), expected.report.problems)
    pd.testing.assert_frame_equal(same_file(found.report.rejected), expected.report.rejected)
    pd.testing.assert_frame_equal(found.report.counts, expected.report.counts)
    for name in ("members", "accounts", "posts"):
        np.testing.assert_array_equal(getattr(found.parents(), name), getattr(expected.parents(), name))
    arrays, reference = found.post_arrays().arrays(), expected.post_arrays().arrays()
    assert arrays.keys() == reference.keys()
    for name in arrays:
        np.testing.assert_array_equal(arrays[name], reference[name])
        assert arrays[name].dtype == reference[name].dtype


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
    _assert_loaded_alike(dictionary, plain,
                         lambda frame: frame.assign(file=frame["file"].str.replace("dictionary", "plain")))
    assert dictionary.post_arrays().arrays()["count.likes"].dtype == np.uint16  # the sample's counts fit in 16 bits
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


# --- a hive folder whose files store the posts' columns in different types -------------------------

def _hive(base, posts: pd.DataFrame, rewrite) -> object:
    """The hostile dataset with its posts as a hive folder; ``rewrite(i, table)`` gives file i's table and dictionary choice."""
    from influence_lib.engines.hive import write_hive_posts

    tables = _hostile_tables()
    folder = _write({name: tables[name] for name in TABLES if name != "posts"}, base, True)
    files = write_hive_posts(posts, folder / "posts", rows_per_file=400)
    for i, path in enumerate(files):
        table, dictionary = rewrite(i, pq.read_table(path))
        pq.write_table(table, path, use_dictionary=dictionary)
    return folder


def _with_type(table: pa.Table, column: str, arrow_type) -> pa.Table:
    return table.set_column(table.column_names.index(column), column, table[column].cast(arrow_type))


@pytest.fixture(scope="module")
def mixed_hives(tmp_path_factory):
    """Two hive folders of the hostile posts: files that differ only in widths, and files that need pandas to agree.

    Widths: dictionaries of under 128 accounts (8-bit indices as read) beside larger ones (32-bit),
    plain text files beside dictionary ones for the other columns' encoding, likes as ``int16``
    beside ``int64`` (read as ``int32``). Mixed: the same, and one file with its likes as floats.
    """
    posts = _hostile_tables()["posts"]
    base = tmp_path_factory.mktemp("mixed-hive")

    def widths(i, table):
        if i % 3 == 2:  # few accounts: a dictionary as read, where the other files' ids are plain text
            column = table.column_names.index("account_id")
            table = table.set_column(column, "account_id", table["account_id"].take(np.arange(table.num_rows) % 5))
        return _with_type(table, "likes", pa.int16() if i % 2 else pa.int64()), True

    def mixed(i, table):
        table, dictionary = widths(i, table)
        return (_with_type(table, "likes", pa.float64()) if i == 3 else table), dictionary

    return _hive(base / "widths", posts, widths), _hive(base / "mixed", posts, mixed)


def test_hive_files_of_several_widths_are_joined_as_read(mixed_hives, monkeypatch):
    from influence_lib import arrow, readers

    widths, mixed = mixed_hives
    table, source = readers.read_stored_table(widths, "posts")
    assert source.format == "hive" and len(source.parts) > 20
    files = [readers._read_parquet(path, "posts") for path in source.parts]
    for column in ("likes", "kind", "account_id"):  # the files' own types differ...
        assert len({t.schema.field(column).type for t in files}) > 1, column
    # ...and are joined: integers widened, dictionary indices widened, text decoded where plain elsewhere
    assert table["likes"].type == pa.int32() and table["account_id"].type == pa.large_string()
    assert {pa.dictionary(pa.int8(), pa.string()), pa.large_string()} <= {t.schema.field("kind").type for t in files}
    assert table["kind"].type == pa.large_string()
    assert table.num_rows == sum(t.num_rows for t in files)
    # only a mixture that Arrow cannot join (integers here, floats there) goes through pandas
    monkeypatch.setattr(arrow, "_joined_by_pandas", lambda tables: pytest.fail("joined through pandas"))
    readers.read_stored_table(widths, "posts")
    with pytest.raises(pytest.fail.Exception, match="joined through pandas"):
        readers.read_stored_table(mixed, "posts")


@pytest.mark.parametrize("which", [0, 1])
def test_hive_files_joined_as_read_load_as_pandas_joins_them(mixed_hives, monkeypatch, which):
    """The same tables, problems (file and line), rejected rows, counts and arrays as joining the files through pandas."""
    from influence_lib import arrow, readers

    monkeypatch.setenv(snapshot.CACHE_ENV, "off")
    folder = mixed_hives[which]
    found = load_dataset(folder, on_error="reject")
    monkeypatch.setattr(readers, "join_tables", arrow._joined_by_pandas)
    expected = load_dataset(folder, on_error="reject")
    assert any(r.startswith("unknown account_id") for r in expected.report.problems["reason"])
    _assert_loaded_alike(found, expected)


def test_join_tables_widens_what_it_can_and_keeps_the_pieces():
    from influence_lib.arrow import join_tables

    wide = pa.table({"k": pa.array(["x", "y"]).dictionary_encode(), "n": pa.array([1, 2], pa.int16()),
                     "t": pa.array(["a", None], pa.large_string())})
    narrow = pa.table({"k": pa.DictionaryArray.from_arrays(pa.array([1, 0], pa.int8()), pa.array(["y", "z"])),
                       "n": pa.array([3, None], pa.int64()),
                       "t": pa.DictionaryArray.from_arrays(pa.array([0, None], pa.int8()), pa.array(["b"]))})
    joined = join_tables([wide, narrow])
    assert joined["k"].type == pa.dictionary(pa.int32(), pa.string()) and joined["k"].num_chunks == 2
    assert joined["k"].to_pylist() == ["x", "y", "z", "y"]
    assert joined["n"].type == pa.int64() and joined["n"].to_pylist() == [1, 2, 3, None]
    assert joined["t"].type == pa.large_string() and joined["t"].to_pylist() == ["a", None, "b", None]
    unsigned = pa.table({"k": pa.array(["x"]), "n": pa.array([1], pa.uint32()), "t": pa.array(["c"])})
    through_pandas = join_tables([wide.cast(pa.schema([("k", pa.string()), ("n", pa.int16()), ("t", pa.large_string())])),
                                  unsigned])  # signed and unsigned integers: pandas gives them one type
    assert through_pandas["n"].to_pylist() == [1, 2, 1]


def test_lookups_through_many_small_dictionaries():
    """Chunks of 8-bit dictionaries (a hive folder's files, a file's row groups) whose values add up past 127."""
    words = ["original", "repost", "comment", "weird", "Original "]
    chunks = [pa.DictionaryArray.from_arrays(pa.array([i % 5, None, (i + 1) % 5], pa.int8()), pa.array(words))
              for i in range(60)]  # 300 values of dictionaries before the last chunk
    column = pa.chunked_array(chunks)
    plain = pa.chunked_array([chunk.cast(pa.large_string()) for chunk in chunks])
    keys = pd.Series(["original", "repost", "comment"], dtype="str")
    np.testing.assert_array_equal(positions(column, keys, np.int8), positions(plain, keys, np.int8))
    np.testing.assert_array_equal(is_in(column, keys), is_in(plain, keys))
    assert positions(column, keys, np.int8)[-3:].tolist() == [-1, -1, 0]  # "weird", a null, "original"
