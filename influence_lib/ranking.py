"""Ranking: competition ranks, the display order among ties, and Top N cut-offs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from influence_lib.names import name_sort_key
from influence_lib.scoring import DIRECTION_SCORE_COLUMNS, MEMBER_SCORE_COLUMNS

__all__ = ["name_sort_key"]  # re-exported: the tie rule's name order

DIRECTION_RANK_COLUMNS = ["rank"] + DIRECTION_SCORE_COLUMNS
MEMBER_RANK_COLUMNS = ["rank"] + MEMBER_SCORE_COLUMNS


RANK_BLOCK_CELLS = 2**22  # scores ranked at once by competition_ranks (bounds its working memory)
SCORE_DECIMALS = 9  # scores equal to 9 decimals are tied (floating-point sums differ in the last bits)


def comparable_scores(scores) -> np.ndarray:
    """Scores as the ranking compares them: float64 rounded to :data:`SCORE_DECIMALS` decimals.

    Ranking and display order both use these values, so two Directions the ranking ties are also
    ordered by the tie rules (active members, name), never by the last bits of a float.
    """
    return np.round(np.asarray(scores, dtype=float), SCORE_DECIMALS)


def competition_ranks(scores, out: np.ndarray | None = None) -> np.ndarray:
    """Competition ranks, highest score first, along the last axis: 90, 80, 80, 70 get 1, 2, 2, 4.

    The one implementation of the rule: a 1-D array of scores gives one ranking; a 2-D array
    (replicates × entries, e.g. bootstrap replicates) gives one ranking per row, vectorised,
    :data:`RANK_BLOCK_CELLS` scores at a time (rounded and ranked block by block: the working
    memory stays bounded whatever the matrix).

    Parameters
    ----------
    scores : array-like
        1-D or 2-D; compared after rounding (:func:`comparable_scores`).
    out : numpy.ndarray, optional
        For 2-D scores: an integer array of their shape that receives the ranks (e.g. rows of a
        32-bit matrix of ranks); returned.

    Returns
    -------
    numpy.ndarray
        int64 ranks of the same shape (or ``out``): 1 + the number of strictly higher scores in the
        same row.
    """
    values = np.asarray(scores, dtype=float)
    if values.ndim not in (1, 2):
        raise ValueError(f"scores must be 1-D or 2-D, not {values.ndim}-D")
    rows = np.atleast_2d(values)
    if out is not None and (values.ndim != 2 or out.shape != rows.shape):
        raise ValueError(f"out must have the shape of 2-D scores {values.shape}, not {out.shape}")
    ranks = np.empty(rows.shape, dtype=np.int64) if out is None else out
    step = max(1, RANK_BLOCK_CELLS // max(rows.shape[1], 1))
    for start in range(0, rows.shape[0], step):
        ranks[start: start + step] = _block_ranks(comparable_scores(rows[start: start + step]))
    return ranks if values.ndim == 2 else ranks[0]


def _block_ranks(rows: np.ndarray) -> np.ndarray:
    """Competition ranks of each row from one argsort: n minus the position of the last equal value in ascending order.

    A missing value (NaN, which numpy sorts last) counts as equal to the others and above every number.
    """
    n = rows.shape[1]
    order = np.argsort(rows, axis=1)
    ascending = np.take_along_axis(rows, order, axis=1)
    ends = np.ones(rows.shape, dtype=bool)  # the last position of each run of equal values
    np.not_equal(ascending[:, 1:], ascending[:, :-1], out=ends[:, :-1])
    if n and np.isnan(ascending[:, -1]).any():
        ends[:, :-1] &= ~(np.isnan(ascending[:, 1:]) & np.isnan(ascending[:, :-1]))
    last = np.where(ends, np.arange(n), n)
    last = np.minimum.accumulate(last[:, ::-1], axis=1)[:, ::-1]  # each position's run end
    ranks = np.empty(rows.shape, dtype=np.int64)
    np.put_along_axis(ranks, order, n - last, axis=1)
    return ranks


def entry_ranks(scores, entries, out: np.ndarray | None = None) -> np.ndarray:
    """The competition ranks of some columns only: what :func:`competition_ranks` gives them, without ranking the others.

    Each kept entry's rank is 1 + the number of strictly higher scores in its row (after
    rounding, :func:`comparable_scores`; a missing score is above every number and tied with
    the other missing ones), counted among the scores above the lowest kept one. For a few
    entries of a long ranking (the Top voices among 10^6 members) this is one comparison pass
    per row instead of a sort. Rows are taken :data:`RANK_BLOCK_CELLS` scores at a time.

    Parameters
    ----------
    scores : array-like
        2-D: replicates × entries.
    entries : array-like of int
        Column positions whose ranks are wanted, in the order wanted.
    out : numpy.ndarray, optional
        An integer array of shape ``(rows, len(entries))`` that receives the ranks; returned.

    Returns
    -------
    numpy.ndarray
        int64 (or ``out``) of shape ``(rows, len(entries))``.
    """
    values = np.asarray(scores, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"scores must be 2-D (replicates x entries), not {values.ndim}-D")
    columns = np.asarray(entries, dtype=np.int64).reshape(-1)
    if columns.size and (columns.min() < 0 or columns.max() >= values.shape[1]):
        raise ValueError(f"entries must be column positions of scores (0 to {values.shape[1] - 1})")
    shape = (values.shape[0], len(columns))
    if out is not None and out.shape != shape:
        raise ValueError(f"out must have shape {shape}, not {out.shape}")
    ranks = np.empty(shape, dtype=np.int64) if out is None else out
    if not columns.size:
        return ranks
    step = max(1, RANK_BLOCK_CELLS // max(values.shape[1], 1))
    for start in range(0, values.shape[0], step):
        ranks[start: start + step] = _block_entry_ranks(comparable_scores(values[start: start + step]), columns)
    return ranks


def _block_entry_ranks(rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Ranks of ``columns`` in each row: 1 + the scores strictly above, found among those above the row's lowest kept score."""
    kept = rows[:, columns]
    ranks = np.ones(kept.shape, dtype=np.int64)
    missing = np.isnan(rows)
    if missing.any():  # a missing score is above every number
        ranks += np.count_nonzero(missing, axis=1)[:, None]
    floor = np.fmin.reduce(kept, axis=1, keepdims=True)  # NaN only when every kept score is missing
    row_of, column_of = np.nonzero(rows > floor)
    above = rows[row_of, column_of]
    for k in range(kept.shape[1]):
        ranks[:, k] += np.bincount(row_of[above > kept[row_of, k]], minlength=len(rows))
    ranks[np.isnan(kept)] = 1  # tied with the other missing scores, below none
    return ranks


def competition_rank(scores) -> np.ndarray:
    """Competition ranks of one ranking (see :func:`competition_ranks`)."""
    return competition_ranks(np.asarray(scores, dtype=float).reshape(-1))


def _ordered(frame: pd.DataFrame, keys: list[str], ascending: list[bool]) -> pd.DataFrame:
    """The rows sorted on ``keys`` as a stable ``sort_values`` sorts them, missing values last.

    The last key is a unique id, so the order is total and does not depend on row order. Sorted
    by Arrow (text in code-point order, as pandas sorts it), several times faster than pandas on
    text keys; a key with missing values is preceded by a key "is missing" (missing last).
    """
    columns, sort_keys = {}, []
    for i, (key, up) in enumerate(zip(keys, ascending)):
        values = frame[key]
        missing = values.isna().to_numpy(dtype=bool)
        if missing.any():
            columns[f"m{i}"] = pa.array(missing)
            sort_keys.append((f"m{i}", "ascending"))
            values = values.fillna("" if values.dtype.kind in "OUT" or isinstance(values.dtype, pd.StringDtype) else 0)
        columns[f"k{i}"] = pa.array(values.to_numpy() if values.dtype.kind in "iufb" else values)
        sort_keys.append((f"k{i}", "ascending" if up else "descending"))
    order = pc.sort_indices(pa.table(columns), sort_keys=sort_keys)
    return frame.take(order.to_numpy()).reset_index(drop=True)


def top_n(ranking: pd.DataFrame, n: int | None) -> pd.DataFrame:
    """Rows whose rank is <= ``n`` (every row tied at the cut-off stays); all rows when ``n`` is None."""
    if n is None:
        return ranking
    if n < 1:
        raise ValueError(f"top must be a positive integer, not {n}")
    return ranking.loc[ranking["rank"] <= n].reset_index(drop=True)


def rank_directions(directions: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    """Rank Directions: competition rank on score, ties shown by active members, name, org_id.

    Parameters
    ----------
    directions : pandas.DataFrame
        Output of :func:`influence_lib.scoring.score_directions`.
    top : int, optional
        Keep the Top N (with every row tied at the cut-off).

    Returns
    -------
    pandas.DataFrame
        ``rank`` then the score columns, in display order.
    """
    frame = directions.assign(_score=comparable_scores(directions["score"]),
                              _name=name_sort_key(directions["name"]).to_numpy())
    frame = _ordered(frame, ["_score", "active_members", "_name", "org_id"], [False, False, True, True])
    frame.insert(0, "rank", competition_rank(frame["score"]))
    return top_n(frame[DIRECTION_RANK_COLUMNS + [c for c in directions.columns if c not in DIRECTION_RANK_COLUMNS]], top)


def rank_members(members: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    """Rank members: competition rank on score, ties shown by full name then member_id.

    Parameters
    ----------
    members : pandas.DataFrame
        Output of :func:`influence_lib.scoring.score_members`.
    top : int, optional
        Keep the Top N (with every row tied at the cut-off).

    Returns
    -------
    pandas.DataFrame
        ``rank`` then the score columns, in display order.
    """
    frame = members.assign(_score=comparable_scores(members["score"]),
                           _name=name_sort_key(members["full_name"]).to_numpy())
    frame = _ordered(frame, ["_score", "_name", "member_id"], [False, True, True])
    frame.insert(0, "rank", competition_rank(frame["score"]))
    return top_n(frame[MEMBER_RANK_COLUMNS + [c for c in members.columns if c not in MEMBER_RANK_COLUMNS]], top)


MOVEMENT_COLUMNS = ["previous_rank", "rank_change", "status"]


MOVEMENT_STATUSES = ("new", "entered", "up", "down", "same")


def add_movements(current: pd.DataFrame, previous: pd.DataFrame | None, key: str,
                  top: int | None = None) -> pd.DataFrame:
    """Add ``previous_rank``, ``rank_change`` and ``status`` after a ranking's columns.

    The one rule for rank movements: tables, profiles and highlights all read these columns.

    Parameters
    ----------
    current : pandas.DataFrame
        A ranking (possibly cut to a Top N), in display order.
    previous : pandas.DataFrame or None
        The full ranking of the same scope and methodology over the previous period; ``None``
        when there is no previous edition (the three columns are then empty).
    key : str
        Identifier column (``org_id`` or ``member_id``).
    top : int, optional
        The Top N the current ranking shows: an entry ranked before but outside the previous
        Top N has ``entered`` it.

    Returns
    -------
    pandas.DataFrame
        ``current`` with ``previous_rank`` (nullable integer), ``rank_change`` (``previous_rank -
        rank`` whenever both exist, positive = moved up) and ``status``: ``new`` (no previous
        rank), ``entered`` (ranked before, outside the previous Top N), ``up``, ``down``, ``same``.
    """
    out = current.copy()
    if previous is None:
        out["previous_rank"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["rank_change"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["status"] = pd.Series([pd.NA] * len(out), dtype="str")
        return out
    ranks = pd.Series(previous["rank"].to_numpy(), index=pd.Index(previous[key]))
    prev = pd.array(ranks.reindex(out[key].to_numpy()).to_numpy(dtype=float, na_value=np.nan), dtype="Float64")
    prev = pd.array(prev, dtype="Int64")
    change = prev - pd.array(out["rank"].to_numpy(), dtype="Int64")
    is_new = np.asarray(pd.isna(prev), dtype=bool)
    entered = ~is_new & (np.asarray(prev.fillna(0), dtype=np.int64) > top) if top is not None else np.zeros(len(out), bool)
    moved = change.fillna(0).to_numpy()
    status = np.select([is_new, entered, moved > 0, moved < 0], ["new", "entered", "up", "down"], default="same")
    out["previous_rank"] = prev
    out["rank_change"] = change
    out["status"] = status
    return out


def left_top(current: pd.DataFrame, previous: pd.DataFrame | None, key: str, top: int) -> pd.DataFrame:
    """Entries of the previous Top N that are not in the current Top N, in their previous order.

    Returns the previous ranking's rows (empty when there is no previous edition) plus
    ``current_rank``: their rank now (empty when they are no longer ranked).
    """
    if previous is None:
        return pd.DataFrame(columns=list(current.columns) + ["current_rank"])
    before = top_n(previous, top)
    gone = before.loc[~before[key].isin(top_n(current, top)[key])].reset_index(drop=True)
    now = pd.Series(current["rank"].to_numpy(), index=pd.Index(current[key]))
    gone["current_rank"] = pd.array(now.reindex(gone[key].to_numpy()).to_numpy(dtype=float, na_value=np.nan),
                                    dtype="Float64").astype("Int64")
    return gone
