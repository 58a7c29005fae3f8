"""The columns the scoring rules read, as plain numpy arrays: built once per dataset, kept in its snapshot.

Scoring reads few columns of the posts (kind, publication time, counts) and of the accounts
(platform, followers). Held as numpy arrays (codes, integers, masks), the rules of
:mod:`influence_lib.scoring` apply to them the same way whether they come from a typed table,
a Dask piece or a memory-mapped snapshot: one implementation of each rule for every engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from influence_lib.arrow import TEXT, positions, to_bool
from influence_lib.settings import KINDS, METRICS, PLATFORMS, Period

NO_CODE = -1  # a value outside the known choices (or missing)


def choice_codes(values: pd.Series | pa.ChunkedArray, choices: tuple[str, ...]) -> np.ndarray:
    """Position of each value in ``choices`` (``int8``; -1 when absent or missing)."""
    return positions(values, pd.Series(list(choices), dtype="str"), np.int8)


def period_bounds(period: Period) -> tuple[int, int]:
    """The half-open period as microseconds since the epoch, rounded up.

    ``start <= t < end`` holds for a whole number of microseconds ``t`` exactly when it holds for
    the period's own timestamps (which may fall between two microseconds).
    """
    return -(-period.start.value // 1000), -(-period.end.value // 1000)


_NARROW_COUNTS = ((pa.uint16(), np.uint16), (pa.int32(), np.int32))  # tried in turn, else int64


def _count_array(column: pa.ChunkedArray) -> np.ndarray:
    """A count column as one numpy array, an empty count as 0, in the narrowest of ``uint16``, ``int32``, ``int64`` that holds it.

    Counts are read at every ranking and written to every snapshot: most likes, comments, shares
    and quotes fit in 16 bits (a quarter of the bytes of ``int64``).
    """
    filled = column.fill_null(0)
    bounds = pc.min_max(filled)
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    for arrow_type, numpy_type in _NARROW_COUNTS:
        limits = np.iinfo(numpy_type)
        if low is None or limits.min <= low <= high <= limits.max:
            return np.asarray(filled.cast(arrow_type).to_numpy())
    return np.asarray(filled.cast(pa.int64()).to_numpy())


@dataclass(frozen=True)
class PostArrays:
    """The posts' columns the scoring rules read, one value per post, in the table's order.

    Attributes
    ----------
    kind : numpy.ndarray
        ``int8``: position of the post's kind in :data:`~influence_lib.settings.KINDS` (-1: other).
    published_at : numpy.ndarray
        ``int64``: microseconds since 1970-01-01 UTC (the smallest int64 when missing: never in a period).
    counts : dict[str, numpy.ndarray]
        Per metric present in the table: integer counts (``uint16``, ``int32`` or ``int64``, the
        narrowest that holds them), an empty count read as 0.
    empty : dict[str, numpy.ndarray]
        Per metric present with at least one empty count: ``bool``, true where it is empty.
    """

    kind: np.ndarray
    published_at: np.ndarray
    counts: dict
    empty: dict

    def __len__(self) -> int:
        """Number of posts."""
        return len(self.kind)

    @classmethod
    def from_arrow(cls, posts: pa.Table) -> PostArrays:
        """The arrays of a typed posts table as validation gives it (see :func:`influence_lib.validation.validate_tables`).

        ``published_at`` is a timestamp in microseconds (UTC); counts are integers (an empty one is null).
        """
        counts, empty = {}, {}
        for metric in METRICS:
            if metric not in posts.column_names:
                continue
            column = posts[metric]
            counts[metric] = _count_array(column)
            if column.null_count:
                empty[metric] = to_bool(column.is_null())
        stamps = np.asarray(posts["published_at"].to_numpy(), dtype="datetime64[us]")  # UTC; NaT when missing
        return cls(choice_codes(posts["kind"], KINDS), stamps.view(np.int64), counts, empty)

    @classmethod
    def from_table(cls, posts: pd.DataFrame) -> PostArrays:
        """The arrays of a typed posts table as a pandas frame (see :meth:`from_arrow`)."""
        stamps = posts["published_at"]
        if len(stamps) and getattr(stamps.dtype, "tz", None) is not None:
            stamps = stamps.dt.tz_convert("UTC")
        columns = {"kind": pa.array(posts["kind"]), "published_at": pa.array(stamps.to_numpy(dtype="datetime64[us]"))}
        columns.update({metric: pa.array(posts[metric]) for metric in METRICS if metric in posts.columns})
        return cls.from_arrow(pa.table(columns))

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array by a flat name (see :meth:`from_arrays`)."""
        return {"kind": self.kind, "published_at": self.published_at,
                **{f"count.{m}": v for m, v in self.counts.items()},
                **{f"empty.{m}": v for m, v in self.empty.items()}}

    def columns(self) -> dict[str, pa.Array]:
        """The typed table's columns these arrays hold, rebuilt (the inverse of :meth:`from_arrow` on a validated table).

        ``kind`` (a dictionary of :data:`~influence_lib.settings.KINDS`), ``published_at``
        (``timestamp[us, UTC]``) and each count (``int64``, null where empty). Exact for posts
        that passed validation, whose kind is always one of the kinds and whose time is never missing.
        """
        kind = pa.array(np.asarray(self.kind, dtype=np.int8), mask=self.kind < 0)
        found = {"kind": pa.DictionaryArray.from_arrays(kind, pa.array(KINDS, type=TEXT)),
                 "published_at": pa.array(self.published_at.view("datetime64[us]")).cast(pa.timestamp("us", tz="UTC"))}
        for metric, values in self.counts.items():
            empty = self.empty.get(metric)
            found[metric] = pa.array(np.asarray(values, dtype=np.int64), mask=empty)
        return found

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> PostArrays:
        """The inverse of :meth:`arrays`."""
        part = {prefix: {k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith(prefix + ".")}
                for prefix in ("count", "empty")}
        return cls(arrays["kind"], arrays["published_at"], part["count"], part["empty"])


@dataclass(frozen=True)
class AccountArrays:
    """The accounts' columns the scoring rules read, one value per account, in the table's order.

    Attributes
    ----------
    platform : numpy.ndarray
        ``int8``: position of the platform in :data:`~influence_lib.settings.PLATFORMS` (-1: other).
    followers : numpy.ndarray
        ``float64``: followers, NaN when unknown (or not collected).
    """

    platform: np.ndarray
    followers: np.ndarray

    @classmethod
    def from_arrow(cls, accounts: pa.Table) -> AccountArrays:
        """The arrays of a typed accounts table as validation gives it."""
        followers = (np.asarray(accounts["followers"].cast(pa.float64()).to_numpy(), dtype=float)
                     if "followers" in accounts.column_names else np.full(accounts.num_rows, np.nan))
        return cls(choice_codes(accounts["platform"], PLATFORMS), followers)

    @classmethod
    def from_table(cls, accounts: pd.DataFrame) -> AccountArrays:
        """The arrays of a typed accounts table as a pandas frame."""
        columns = {name: pa.array(accounts[name]) for name in ("platform", "followers") if name in accounts.columns}
        return cls.from_arrow(pa.table(columns))

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array by name (see :meth:`from_arrays`)."""
        return {"platform": self.platform, "followers": self.followers}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> AccountArrays:
        """The inverse of :meth:`arrays`."""
        return cls(arrays["platform"], arrays["followers"])
