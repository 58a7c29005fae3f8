"""Ranking: competition ranks, the display order among ties, and Top N cut-offs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence_lib.dataset import Dataset
from influence_lib.scoring import (
    DIRECTION_SCORE_COLUMNS,
    MEMBER_SCORE_COLUMNS,
    score_directions,
    score_members,
    score_posts,
    sector_scope,
)
from influence_lib.settings import DEFAULT_METHODOLOGY, Methodology, Period

DIRECTION_RANK_COLUMNS = ["rank"] + DIRECTION_SCORE_COLUMNS
MEMBER_RANK_COLUMNS = ["rank"] + MEMBER_SCORE_COLUMNS


def name_sort_key(names: pd.Series) -> pd.Series:
    """Key that orders names alphabetically ignoring case and accents ("Écho" between "Delta" and "Gamma")."""
    text = names.astype("str").fillna("")
    stripped = text.str.normalize("NFKD").str.replace(r"[\u0300-\u036f]", "", regex=True)
    return stripped.str.casefold()


def competition_rank(scores: pd.Series) -> np.ndarray:
    """Competition ranks, highest score first: 90, 80, 80, 70 get 1, 2, 2, 4."""
    values = pd.Series(np.asarray(scores, dtype=float)).round(9)
    return values.rank(method="min", ascending=False).to_numpy().astype(np.int64)


def _ordered(frame: pd.DataFrame, keys: list[str], ascending: list[bool]) -> pd.DataFrame:
    # The last key is a unique id, so the order is total and does not depend on row order.
    return frame.sort_values(keys, ascending=ascending, kind="stable").reset_index(drop=True)


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
    frame = directions.assign(_name=name_sort_key(directions["name"]).to_numpy())
    frame = _ordered(frame, ["score", "active_members", "_name", "org_id"], [False, False, True, True])
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
    frame = members.assign(_name=name_sort_key(members["full_name"]).to_numpy())
    frame = _ordered(frame, ["score", "_name", "member_id"], [False, True, True])
    frame.insert(0, "rank", competition_rank(frame["score"]))
    return top_n(frame[MEMBER_RANK_COLUMNS + [c for c in members.columns if c not in MEMBER_RANK_COLUMNS]], top)


def build_ranking(dataset: Dataset, sector: str, period: Period, level: str = "direction",
                  segment: str | None = None, top: int | None = None,
                  methodology: Methodology = DEFAULT_METHODOLOGY) -> pd.DataFrame:
    """Score and rank a scope in one call (what ``influence rank`` prints).

    Parameters
    ----------
    dataset : Dataset
    sector : str
    period : Period
    level : {"direction", "member"}
    segment : str, optional
        Rank within this segment; default the whole sector.
    top : int, optional
        Keep the Top N, ties at the cut-off included.
    methodology : Methodology

    Returns
    -------
    pandas.DataFrame
        The spec's columns for the level, in display order.
    """
    orgs, members, _ = sector_scope(dataset, sector, segment)
    posts = score_posts(dataset, sector, period, methodology, segment)
    member_scores = score_members(members, posts)
    if level == "member":
        return rank_members(member_scores, top)[MEMBER_RANK_COLUMNS]
    if level != "direction":
        raise ValueError(f"level must be 'direction' or 'member', not {level!r}")
    return rank_directions(score_directions(orgs, member_scores, methodology), top)[DIRECTION_RANK_COLUMNS]
