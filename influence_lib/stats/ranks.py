"""Rank summaries over replicates: median rank, percentile interval, P(Top N), who stays ahead of whom."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence_lib.ranking import comparable_scores, competition_ranks, entry_ranks

RANK_SUMMARY_COLUMNS = ["median_rank", "rank_low", "rank_high", "p_top"]
BLOCK_CELLS = 2**22  # replicates x entries summarised or compared at once (bounds memory; same results)


def _replicates(replicate_scores) -> np.ndarray:
    scores = np.asarray(replicate_scores, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[0] < 1:
        raise ValueError(f"replicate_scores must be 2-D (replicates x entries), not shape {scores.shape}")
    if np.isnan(scores).any():
        raise ValueError("replicate_scores must not hold NaN (score every entry in every replicate)")
    return scores


def _quantile_rows(n_boot: int, level: float) -> dict[str, int]:
    """Row of the column-sorted ranks each summary takes: numpy's "lower" (floor) or "higher" (ceil) quantile."""
    alpha = (1.0 - level) / 2.0
    return {"median_rank": int(np.floor(0.5 * (n_boot - 1))), "rank_low": int(np.floor(alpha * (n_boot - 1))),
            "rank_high": int(np.ceil((1.0 - alpha) * (n_boot - 1)))}


def _check_summary(top: int, level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.90), not {level}")
    if int(top) < 1:
        raise ValueError(f"top must be a positive integer, not {top}")


def _column_positions(positions, n_entries: int, name: str = "order") -> np.ndarray:
    found = np.asarray(positions, dtype=np.int64)
    if found.ndim != 1 or (found.size and (found.min() < 0 or found.max() >= n_entries)):
        raise ValueError(f"{name} must list column positions of replicate_scores")
    return found


def _ahead_counts(scores: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Per neighbour pair of ``order``, the replicates (rows) in which the first strictly beats the next."""
    counts = np.zeros(max(len(order) - 1, 0), dtype=np.int64)
    step = max(1, BLOCK_CELLS // scores.shape[0])
    for start in range(0, len(counts), step):  # pairs of neighbours, a block at a time
        upper, lower = order[start: start + step], order[start + 1: start + step + 1]
        upper = upper[: len(lower)]
        ahead = comparable_scores(scores[:, upper]) > comparable_scores(scores[:, lower])
        counts[start: start + len(upper)] = np.count_nonzero(ahead, axis=0)
    return counts


class RankTally:
    """Replicates ranked as they come, a block of replicates at a time: their rank summary and who stays ahead.

    Only the ranks are kept (32-bit: 4 bytes per replicate and entry, 0.4 GB for 10^5 entries x
    1,000 replicates), never the replicates' scores, so a caller can compute the replicates in
    blocks (:meth:`influence_lib.uncertainty.ReplicateScorer.replicates` takes
    ``first_replicate``) and let each go once added. The results are those of
    :func:`rank_summary` and :func:`ahead_share` on the whole matrix, whatever the blocks.

    Parameters
    ----------
    n_boot : int
        Replicates that will be added.
    n_entries : int
        Entries (columns of each block).
    order : array-like of int, optional
        Column positions in display order, for :meth:`ahead_share`.
    entries : array-like of int, optional
        Column positions whose ranks are kept and summarised (default all): each is ranked
        against every entry (:func:`influence_lib.ranking.entry_ranks`), so its summary is the
        one the whole matrix gives, but the others are never ranked. The Top voices of 10^6
        members keep a few ranks per replicate instead of 10^6.
    """

    def __init__(self, n_boot: int, n_entries: int, order=None, entries=None):
        self.entries = None if entries is None else _column_positions(entries, int(n_entries), "entries")
        kept = int(n_entries) if self.entries is None else len(self.entries)
        self.ranks = np.empty((int(n_boot), kept), dtype=np.int32 if n_entries < 2**31 else np.int64)
        self.n_entries = int(n_entries)
        self.added = 0
        self.order = None if order is None else _column_positions(order, int(n_entries))
        self._ahead = np.zeros(0 if self.order is None else max(len(self.order) - 1, 0), dtype=np.int64)

    def add(self, replicate_scores) -> None:
        """Rank the next replicates (rows: replicates, columns: entries) and count who stays ahead in them."""
        scores = _replicates(replicate_scores)
        rows = scores.shape[0]
        if scores.shape[1] != self.n_entries or self.added + rows > len(self.ranks):
            raise ValueError(f"expected at most {len(self.ranks) - self.added} more replicates of "
                             f"{self.n_entries} entries, not shape {scores.shape}")
        kept = self.ranks[self.added: self.added + rows]
        if self.entries is None:
            competition_ranks(scores, out=kept)
        else:
            entry_ranks(scores, self.entries, out=kept)
        if self.order is not None:
            self._ahead += _ahead_counts(scores, self.order)
        self.added += rows

    def _complete(self) -> None:
        if self.added != len(self.ranks):
            raise ValueError(f"{self.added} of {len(self.ranks)} replicates added")

    def summary(self, top: int, level: float = 0.90, index=None) -> pd.DataFrame:
        """The rank summary of the replicates added (see :func:`rank_summary`), one row per kept entry."""
        _check_summary(top, level)
        self._complete()
        n_boot, n = self.ranks.shape
        rows = _quantile_rows(n_boot, level)
        kth = sorted(set(rows.values()))
        columns = {name: np.empty(n, dtype=np.int64) for name in rows}
        p_top = np.empty(n)
        step = max(1, BLOCK_CELLS // n_boot)
        for start in range(0, n, step):
            block = self.ranks[:, start: start + step]
            ordered = np.partition(block, kth, axis=0)  # the quantiles' rows as a full sort would place them
            for name, row in rows.items():
                columns[name][start: start + step] = ordered[row]
            p_top[start: start + step] = np.count_nonzero(block <= int(top), axis=0) / n_boot
        frame = pd.DataFrame({**columns, "p_top": p_top})
        if index is not None:
            frame.index = pd.Index(index)
        return frame

    def ahead_share(self) -> np.ndarray:
        """The neighbours' ahead shares over the replicates added (see :func:`ahead_share`)."""
        if self.order is None:
            raise ValueError("the tally was made without a display order")
        self._complete()
        out = np.full(len(self.order), np.nan)
        out[:-1] = self._ahead / len(self.ranks)
        return out


def rank_summary(replicate_scores, top: int, level: float = 0.90, index=None) -> pd.DataFrame:
    """Median rank, percentile rank interval and P(Top N) of each entry over replicates.

    Each replicate (a row) is ranked with the one competition-ranking rule
    (:func:`influence_lib.ranking.competition_ranks`). Over the replicates, per entry:

    - ``median_rank``: the lower median of its ranks;
    - ``rank_low``, ``rank_high``: the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of
      its ranks, by numpy's ``"lower"`` and ``"higher"`` methods, so both bounds are ranks that
      replicates reached and the interval leans to the wide side;
    - ``p_top``: the share of replicates with rank ``<= top`` (ties at the cut-off are in, as in
      a Top N).

    The replicates are ranked into one matrix of 32-bit ranks (:class:`RankTally`), then
    summarised :data:`BLOCK_CELLS` cells at a time: besides the scores, the memory is half of
    theirs (10^5 entries x 1,000 replicates: 0.4 GB).

    Parameters
    ----------
    replicate_scores : array-like
        Shape ``(n_boot, n_entries)``: each entry's score in each replicate (bootstrap or Monte
        Carlo), under the methodology being ranked.
    top : int
        The Top N (for a ranking without one, the caller passes 10).
    level : float
        Coverage of the interval, e.g. 0.90 (5th to 95th percentile).
    index : array-like, optional
        Index of the result (e.g. the entries' ids); default 0 .. n_entries - 1.

    Returns
    -------
    pandas.DataFrame
        One row per entry (column of ``replicate_scores``), columns ``median_rank``,
        ``rank_low``, ``rank_high`` (int64) and ``p_top`` (float64).
    """
    scores = _replicates(replicate_scores)
    _check_summary(top, level)
    tally = RankTally(*scores.shape)
    tally.add(scores)
    return tally.summary(top, level, index)


def ahead_share(replicate_scores, order) -> np.ndarray:
    """For each entry in display order, the share of replicates in which it is strictly ahead of the next.

    "Strictly ahead" is the ranking's own comparison: a higher score after rounding
    (:func:`influence_lib.ranking.comparable_scores`), i.e. a better competition rank. Two
    entries are neck and neck when this share is under 0.90; overlapping rank intervals alone
    do not say so.

    Parameters
    ----------
    replicate_scores : array-like
        Shape ``(n_boot, n_entries)``.
    order : array-like of int
        Column positions of the entries in display order (rank, then the tie rules).

    Returns
    -------
    numpy.ndarray
        float64 of the length of ``order``: element ``i`` is the share of replicates in which
        entry ``order[i]`` beats ``order[i + 1]``; the last element is NaN (nobody below).
    """
    scores = _replicates(replicate_scores)
    order = _column_positions(order, scores.shape[1])
    out = np.full(len(order), np.nan)
    out[:-1] = _ahead_counts(scores, order) / scores.shape[0]
    return out


def ranks_after_removal(scores, removed, chunk: int = 512) -> np.ndarray:
    """Each entry's rank if its own score lost ``removed`` while the others kept theirs.

    E.g. ``removed`` = each Direction's best post: its rank without its best post (viral
    dependence). Removing a post changes only its own entry's score, so entry ``i``'s new rank is
    its rank in the ranking where only score ``i`` changed, computed with the one ranking rule
    (:func:`influence_lib.ranking.competition_ranks`) on ``chunk`` such rankings at a time:
    O(n² log n) for n entries, a fraction of a second for a few thousand.

    Parameters
    ----------
    scores : array-like of float
        The entries' scores.
    removed : array-like of float
        What each entry loses (0 for no change).
    chunk : int
        Rankings built at once (bounds memory to ``chunk * n`` floats).

    Returns
    -------
    numpy.ndarray
        int64 ranks, one per entry.
    """
    values = np.asarray(scores, dtype=np.float64).reshape(-1)
    loss = np.asarray(removed, dtype=np.float64).reshape(-1)
    if loss.shape != values.shape:
        raise ValueError(f"removed must have one value per score ({len(values)}), not {len(loss)}")
    out = np.empty(len(values), dtype=np.int64)
    for start in range(0, len(values), max(1, int(chunk))):
        entries = np.arange(start, min(len(values), start + max(1, int(chunk))))
        rows = np.repeat(values[None, :], len(entries), axis=0)
        rows[np.arange(len(entries)), entries] -= loss[entries]
        out[entries] = competition_ranks(rows)[np.arange(len(entries)), entries]
    return out
