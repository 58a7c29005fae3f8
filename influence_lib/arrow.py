"""Arrow helpers for pandas columns: text without copies, lookups and row filters with Arrow's kernels.

pandas ``str`` columns hold their text in Arrow buffers; these helpers hand those buffers to Arrow's
compute kernels as they are (no copy, no Python objects), which on 10^7 rows is several times
faster than pandas' own hashing and masking of text. Validation and scoring both build on them.
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


def arrow_text(values: pd.Series) -> pa.ChunkedArray:
    """A column's text as an Arrow ``large_string`` array (no copy for a pandas ``str`` column)."""
    found = pa.array(as_text(values), type=TEXT)
    return found if isinstance(found, pa.ChunkedArray) else pa.chunked_array([found], type=TEXT)


def text_series(values: pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """A pandas ``str`` Series over an Arrow text array (no copy of the text)."""
    series = values.to_pandas()
    series.index = index
    return series


def to_bool(values: pa.ChunkedArray | pa.Array, null: bool = False) -> np.ndarray:
    """An Arrow boolean array as a numpy ``bool`` array, nulls read as ``null``."""
    if values.null_count:
        values = pc.fill_null(values, null)
    return values.to_numpy(zero_copy_only=False).astype(bool, copy=False)


def is_in(values: pd.Series, value_set: pd.Series | Iterable[str]) -> np.ndarray:
    """``values.isin(value_set)`` as a numpy ``bool`` array, with Arrow's hash kernel.

    Parameters
    ----------
    values : pandas.Series
        Text (or values read as text).
    value_set : pandas.Series or iterable of str
        The values to look for: another column, or a few choices.

    Returns
    -------
    numpy.ndarray
        ``bool``; a missing value is never in the set.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    if isinstance(value_set, pd.Series):
        wanted = arrow_text(value_set)
    else:
        wanted = pa.array(list(value_set), type=TEXT)
    return to_bool(pc.is_in(arrow_text(values), value_set=wanted, skip_nulls=True))


def positions(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Position of each of ``values`` in ``keys`` (-1 when absent), vectorised.

    Uses Arrow's hash kernel, which is several times faster than pandas' object hashing on
    millions of strings, over the columns' own Arrow buffers. A categorical column is looked up
    through its categories (one lookup per category, not per row).

    Parameters
    ----------
    values : pandas.Series
        The values to look up (text, or a categorical of text).
    keys : pandas.Series
        The keys to find them in; the first position counts when a key repeats.

    Returns
    -------
    numpy.ndarray
        ``int64``, one position per value.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    if isinstance(values.dtype, pd.CategoricalDtype):
        within = positions(pd.Series(values.cat.categories), keys)
        codes = values.cat.codes.to_numpy()
        return np.append(within, -1)[codes]  # code -1 (missing) picks the appended -1
    found = pc.index_in(arrow_text(values), value_set=arrow_text(keys))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


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
