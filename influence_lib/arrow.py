"""Arrow helpers for pandas and Arrow columns: text without copies, lookups and row filters with Arrow's kernels.

pandas ``str`` columns hold their text in Arrow buffers; these helpers hand those buffers to Arrow's
compute kernels as they are (no copy, no Python objects), which on 10^7 rows is several times
faster than pandas' own hashing and masking of text. Arrow columns (tables as read, before any
pandas frame is built) go to the same kernels; a dictionary column is looked up through its
dictionaries (one lookup per distinct value, not per row). Validation and scoring both build on them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TEXT = pa.large_string()  # the Arrow type of every text handled here


def is_arrow_text(dtype) -> bool:
    """True for pandas' ``str`` dtype: text in Arrow buffers, missing values as NaN."""
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" and dtype.na_value is np.nan


def as_text(values: pd.Series) -> pd.Series:
    """The column as pandas ``str`` (Arrow-backed, missing = NaN); unchanged when it already is."""
    return values if is_arrow_text(values.dtype) else values.astype("str")


Column = pd.Series | pa.ChunkedArray  # a pandas column, or an Arrow one (a table as read)


def arrow_text(values: Column) -> pa.ChunkedArray:
    """A column's text as an Arrow ``large_string`` array.

    No copy for a pandas ``str`` column; an Arrow column is cast (dictionaries decoded, integers
    written out, as pandas writes them).
    """
    found = values.cast(TEXT) if isinstance(values, pa.ChunkedArray) else pa.array(as_text(values), type=TEXT)
    return found if isinstance(found, pa.ChunkedArray) else pa.chunked_array([found], type=TEXT)


def joined_text(values: pa.Array | pa.ChunkedArray) -> str:
    """Every value of a text column without missing values, end to end, as one Python string.

    Read from the column's buffers at once (one decode), not value by value: on 10^5 values
    tens of times faster than joining the Python strings.
    """
    values = values.cast(TEXT)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if values.null_count:
        raise ValueError("joined_text needs a column without missing values")
    if not len(values):
        return ""
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int64, count=len(values) + 1, offset=values.offset * 8)
    return memoryview(values.buffers()[2])[offsets[0]:offsets[-1]].tobytes().decode("utf-8")


def is_dictionary(values: Column) -> bool:
    """True for an Arrow dictionary column (Parquet's repeated texts, read as such)."""
    return isinstance(values, pa.ChunkedArray) and pa.types.is_dictionary(values.type)


def dictionary_text(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """The values of a dictionary column's dictionaries, as ``large_string`` (each chunk's, in order)."""
    return pa.chunked_array([chunk.dictionary for chunk in values.chunks], type=values.type.value_type).cast(TEXT)


def value_mask(values: Column, compute, null: bool = False) -> np.ndarray:
    """``compute`` (a function of a ``large_string`` array giving booleans) over a column's text, as a numpy mask.

    A null result (a missing value) reads as ``null``. For a dictionary column it is computed once
    over the chunks' dictionaries, then spread to the rows by their indices: on repeated values
    (kinds, formats, the account of each post) that is a fraction of the rows.
    """
    if is_dictionary(values):
        return _spread(values, to_bool(compute(dictionary_text(values)), null), null)
    return to_bool(compute(arrow_text(values)), null)


def _spread(values: pa.ChunkedArray, computed: np.ndarray, missing) -> np.ndarray:
    """One value per row of a dictionary column, from ``computed`` (one per value of its dictionaries, in order); ``missing`` for a null row."""
    found = np.empty(len(values), dtype=computed.dtype)
    row = offset = 0
    for chunk in values.chunks:  # a loop over chunks, not rows
        indices = chunk.indices
        # the offset counts every dictionary before this one: added in 64 bits, not in the indices' 8
        if chunk.null_count:
            at = np.add(indices.fill_null(0).to_numpy(), offset, dtype=np.int64)
            found[row:row + len(chunk)] = np.where(to_bool(indices.is_null()), missing, computed[at])
        else:
            found[row:row + len(chunk)] = computed[np.add(indices.to_numpy(), offset, dtype=np.int64)]
        row += len(chunk)
        offset += len(chunk.dictionary)
    return found


def _integer_type(arrow_type: pa.DataType):
    return pd.Int64Dtype() if pa.types.is_integer(arrow_type) else None


def frame_of(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as a pandas frame: text as ``str``, integers as nullable ``Int64``.

    Dictionary columns are decoded; timestamps and floating-point numbers keep their types. The
    frame's index is a ``RangeIndex``; a pandas index saved in the table's metadata is a column like
    the others (never lost).
    """
    columns = []
    for column in table.columns:  # a loop over columns, not rows
        stored = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
        if pa.types.is_string(stored) or pa.types.is_large_string(stored):
            column = column.cast(TEXT)
        elif stored != column.type:
            column = column.cast(stored)
        columns.append(column)
    table = pa.table(columns, names=table.column_names)
    return table.to_pandas(types_mapper=_integer_type, ignore_metadata=True, split_blocks=True)


def to_bool(values: pa.ChunkedArray | pa.Array, null: bool = False) -> np.ndarray:
    """An Arrow boolean array as a numpy ``bool`` array, nulls read as ``null``."""
    if values.null_count:
        values = pc.fill_null(values, null)
    return values.to_numpy(zero_copy_only=False).astype(bool, copy=False)


def is_in(values: Column, value_set: Column | Iterable[str]) -> np.ndarray:
    """``values.isin(value_set)`` as a numpy ``bool`` array, with Arrow's hash kernel.

    Parameters
    ----------
    values : pandas.Series or pyarrow.ChunkedArray
        Text (or values read as text).
    value_set : pandas.Series, pyarrow.ChunkedArray or iterable of str
        The values to look for: another column, or a few choices.

    Returns
    -------
    numpy.ndarray
        ``bool``; a missing value is never in the set.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    if isinstance(value_set, (pd.Series, pa.ChunkedArray)):
        wanted = arrow_text(value_set)
    else:
        wanted = pa.array(list(value_set), type=TEXT)
    return value_mask(values, lambda text: pc.is_in(text, value_set=wanted, skip_nulls=True))


def positions(values: Column, keys: Column, dtype=np.int64) -> np.ndarray:
    """Position of each of ``values`` in ``keys`` (-1 when absent), vectorised.

    Uses Arrow's hash kernel, which is several times faster than pandas' object hashing on
    millions of strings, over the columns' own Arrow buffers. A categorical column is looked up
    through its categories (one lookup per category, not per row).

    Parameters
    ----------
    values : pandas.Series or pyarrow.ChunkedArray
        The values to look up (text, a categorical or a dictionary of text).
    keys : pandas.Series or pyarrow.ChunkedArray
        The keys to find them in; the first position counts when a key repeats.
    dtype : numpy dtype
        Of the result (a narrower one spares a full-size copy when the positions fit in it).

    Returns
    -------
    numpy.ndarray
        ``dtype`` (``int64`` by default), one position per value.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=dtype)
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        within = positions(pd.Series(values.cat.categories), keys)
        codes = values.cat.codes.to_numpy()
        return np.append(within, -1).astype(dtype)[codes]  # code -1 (missing) picks the appended -1
    wanted = arrow_text(keys)
    if is_dictionary(values):  # once per value of its dictionaries
        found = pc.index_in(dictionary_text(values), value_set=wanted)
        return _spread(values, found.fill_null(-1).to_numpy(zero_copy_only=False).astype(dtype), -1)
    found = pc.index_in(arrow_text(values), value_set=wanted)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(dtype, copy=False)


def take_rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """The rows of ``frame`` where ``keep`` is true, index reset.

    The whole frame, as a new frame sharing its data, when every row is kept; otherwise one pass
    per column (Arrow's filter for text, which stays in Arrow; a take by position for the others,
    several times faster than a boolean mask on nullable integers).

    Parameters
    ----------
    frame : pandas.DataFrame
    keep : numpy.ndarray
        ``bool``, one per row.

    Returns
    -------
    pandas.DataFrame
    """
    if keep.all():
        return frame.reset_index(drop=True)
    mask, kept = pa.array(keep), np.flatnonzero(keep)
    columns = {}
    for name in frame.columns:  # a loop over columns, not rows
        values = frame[name]
        if is_arrow_text(values.dtype):
            columns[name] = pc.filter(pa.array(values), mask).to_pandas()
        else:
            columns[name] = values.array.take(kept)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(kept)), copy=False)


def join_tables(tables: list[pa.Table]) -> pa.Table:
    """Tables of the same columns (a hive folder's files) as one table, each column in one type.

    A column the files store in the same type is joined as it is (its pieces kept, nothing copied);
    integers of several widths are widened to the widest, dictionaries of text to the widest
    indices, text that is a dictionary here and plain there is decoded. Any other mixture (text
    here, numbers there; floats and integers; instants in several units) goes through pandas,
    which gives each column one type (text where the files disagree).
    """
    names = tables[0].column_names
    if any(t.column_names != names for t in tables):
        return _joined_by_pandas(tables)
    columns = []
    for name in names:
        types = {t.schema.field(name).type for t in tables}
        target = next(iter(types)) if len(types) == 1 else _common_type(types)
        if target is None:
            return _joined_by_pandas(tables)
        pieces = [chunk for t in tables for chunk in t.column(name).chunks]
        if len(types) > 1:
            pieces = [_widened(chunk, target) for chunk in pieces]
        columns.append(pa.chunked_array(pieces, type=target))
    return pa.table(columns, names=names)


def _common_type(types: set) -> pa.DataType | None:
    """The type several files' columns join in, or None.

    The widest integer; text dictionaries with the widest indices; ``large_string`` for text
    stored plainly in some files and as dictionaries in others (each file's reader chose).
    """
    if all(pa.types.is_integer(t) for t in types) and len({pa.types.is_signed_integer(t) for t in types}) == 1:
        return max(types, key=lambda t: t.bit_width)
    if all(pa.types.is_dictionary(t) for t in types) and len({t.value_type for t in types}) == 1:
        index = max((t.index_type for t in types), key=lambda t: t.bit_width)
        return pa.dictionary(index, next(iter(types)).value_type)
    if all(_is_text(t.value_type if pa.types.is_dictionary(t) else t) for t in types):
        return pa.large_string()
    return None


def _is_text(arrow_type: pa.DataType) -> bool:
    return pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)


def _widened(chunk: pa.Array, widest: pa.DataType) -> pa.Array:
    if pa.types.is_dictionary(widest):
        return pa.DictionaryArray.from_arrays(chunk.indices.cast(widest.index_type), chunk.dictionary)
    return chunk.cast(widest)  # a dictionary of text is decoded by the cast


def _joined_by_pandas(tables: list[pa.Table]) -> pa.Table:
    frame = pd.concat([frame_of(t) for t in tables], ignore_index=True)
    mixed = [c for c in frame.columns if frame[c].dtype == object]  # a column of texts here, numbers there
    frame[mixed] = frame[mixed].astype("str")
    return pa.Table.from_pandas(frame, preserve_index=False)
