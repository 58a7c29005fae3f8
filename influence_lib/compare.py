"""Methodologies side by side: how far each ranking of one scope is from the first methodology's."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from influence_lib.arrow import positions
from influence_lib.dataset import Dataset
from influence_lib.scope import ScoredScope, build_scope
from influence_lib.settings import DatasetSettings, Methodology, Period, load_methodology, shipped_methodologies
from influence_lib.stats.agreement import RBO_P, compare_rankings

COMPARE_COLUMNS = ["a", "b", "spearman", "kendall_tau_b", "rbo", "top", "top_kept", "max_shift_in_top"]
MOVER_COLUMNS = ["org_id", "name", "rank_a", "rank_b", "rank_change", "score_a", "score_b"]
TOP_COLUMNS = ["methodology", "rank", "org_id", "name", "score"]
DEFAULT_TOP = 10  # the Top N followed without a segment (a segment brings its own)
MOVERS = 10
DECIMALS = 6  # correlations and RBO are rounded to 6 decimals


def _rounded(value: float) -> float:
    return value if math.isnan(value) else round(float(value), DECIMALS)


def compare_scopes(scope_a: ScoredScope, scope_b: ScoredScope, segment: str | None = None,
                   top: int = DEFAULT_TOP, n_movers: int = MOVERS) -> dict:
    """How far the Direction ranking of ``scope_b`` is from that of ``scope_a`` (same sector and period).

    :func:`compare_ranked` of their rankings of ``segment`` (default: the whole sector).
    """
    return compare_ranked(scope_a.ranking("direction", segment), scope_b.ranking("direction", segment),
                          scope_a.methodology.name, scope_b.methodology.name, segment, top, n_movers)


def compare_ranked(ranking_a: pd.DataFrame, ranking_b: pd.DataFrame, a: str, b: str, segment: str | None = None,
                   top: int = DEFAULT_TOP, n_movers: int = MOVERS) -> dict:
    """How far Direction ranking B is from Direction ranking A (same Directions, two methodologies).

    Every Direction of the scope (the sector, or one segment) takes part, those scoring 0
    included. The statistics are :func:`influence_lib.stats.agreement.compare_rankings` on the
    two scores of each Direction; RBO (p = 0.9, extrapolated) reads the two rankings in their
    display order (ties shown by the display rules).

    Parameters
    ----------
    ranking_a, ranking_b : pandas.DataFrame
        The full Direction rankings of one scope (a sector, or one of its segments) and period
        under methodologies A and B (:meth:`influence_lib.scope.ScoredScope.ranking`).
    a, b : str
        The methodologies' names.
    segment : str, optional
        The segment ranked (named in the error when it has no Direction).
    top : int
        The Top N of A whose fate is followed.
    n_movers : int
        At most this many movers are listed.

    Returns
    -------
    dict
        ``a``, ``b`` (the methodologies' names), ``spearman``, ``kendall_tau_b``, ``rbo``
        (rounded to 6 decimals; NaN when a ranking is constant), ``top``, ``top_kept``,
        ``max_shift_in_top`` and ``movers``: a DataFrame of :data:`MOVER_COLUMNS`, the
        Directions whose rank changes most (``rank_change = rank_a - rank_b``, positive when B
        ranks the Direction higher), largest ``|rank_change|`` first, ties by ``rank_a`` then
        display order of A; Directions that do not move are not listed.
    """
    n = len(ranking_a)
    # where each Direction of B stands in A (Arrow's hash lookup): the same Directions exactly when
    # the lengths agree and every Direction of A is met once
    in_a = positions(ranking_b["org_id"], ranking_a["org_id"]) if n == len(ranking_b) else None
    if in_a is None or (in_a < 0).any() or (n and np.bincount(in_a, minlength=n).max() != 1):
        raise ValueError("the two scopes must rank the same Directions (same dataset, sector and segment)")
    if not n:
        raise ValueError(f"no Direction to rank in {segment or 'the sector'}")
    scores_b = np.empty(n)
    scores_b[in_a] = ranking_b["score"].to_numpy(dtype=float)  # B's scores in A's order
    found = compare_rankings(ranking_a["score"].to_numpy(dtype=float), scores_b, top, order_a=range(n),
                             order_b=in_a, p=RBO_P, n_movers=n)
    movers = found.pop("movers")
    movers = movers.loc[(movers["rank_change"] != 0).to_numpy()].head(int(n_movers))
    at = movers["id"].to_numpy()  # positions in A (compare_rankings was given no ids)
    in_b = np.empty(n, dtype=np.int64)
    in_b[in_a] = np.arange(n)  # the row of B of each Direction of A
    movers = pd.DataFrame({
        "org_id": ranking_a["org_id"].iloc[at].astype("str").to_numpy(),
        "name": ranking_a["name"].iloc[at].to_numpy(),
        "rank_a": movers["rank_a"].to_numpy(),
        "rank_b": movers["rank_b"].to_numpy(),
        "rank_change": movers["rank_change"].to_numpy(),
        "score_a": ranking_a["score"].to_numpy()[at],
        "score_b": ranking_b["score"].to_numpy()[in_b[at]],
    })
    row = {"a": a, "b": b}
    row.update({k: _rounded(found[k]) if k in ("spearman", "kendall_tau_b", "rbo") else found[k]
                for k in COMPARE_COLUMNS[2:]})
    row["movers"] = movers
    return row


def compare_methodologies(dataset: Dataset, sector: str, period: Period, methodologies: list[Methodology],
                          segment: str | None = None, top: int | None = None) -> list[dict]:
    """The first methodology's Direction ranking against each other one's (``influence compare``).

    Parameters
    ----------
    dataset : Dataset
    sector : str
    period : Period
    methodologies : list of Methodology
        At least two; the first is A, each other one a B.
    segment : str, optional
        Compare within this segment (default the whole sector).
    top : int, optional
        The Top N followed (default: the segment's Top N, or :data:`DEFAULT_TOP` without a segment).

    Returns
    -------
    list of dict
        One :func:`compare_ranked` row per other methodology, in the order given.
    """
    if len(methodologies) < 2:
        raise ValueError("compare needs at least two methodologies")
    rankings = [build_scope(dataset, sector, period, m, post_columns=[]).ranking("direction", segment)
                for m in methodologies]
    return compare_methodology_rankings(rankings, methodologies, dataset.settings, sector, segment, top)


def compare_methodology_rankings(rankings: list[pd.DataFrame], methodologies: list[Methodology],
                                 settings: DatasetSettings, sector: str, segment: str | None = None,
                                 top: int | None = None) -> list[dict]:
    """:func:`compare_methodologies` from the full Direction rankings of the scope, one per methodology, in order.

    ``top`` defaults to the segment's Top N, or :data:`DEFAULT_TOP` without a segment.
    """
    if len(methodologies) < 2 or len(rankings) != len(methodologies):
        raise ValueError("compare needs at least two methodologies, and one ranking for each")
    if top is None:
        top = settings.sector(sector).segment(segment).top if segment else DEFAULT_TOP
    first = methodologies[0].name
    return [compare_ranked(rankings[0], ranking, first, methodology.name, segment, top)
            for ranking, methodology in zip(rankings[1:], methodologies[1:])]


def comparison_table(rows: list[dict]) -> pd.DataFrame:
    """The rows of :func:`compare_methodologies` as a table of exactly :data:`COMPARE_COLUMNS`."""
    return pd.DataFrame([{k: row[k] for k in COMPARE_COLUMNS} for row in rows], columns=COMPARE_COLUMNS)


def comparison_records(rows: list[dict]) -> list[dict]:
    """The rows as JSON-ready objects: :data:`COMPARE_COLUMNS` then ``movers`` (a list of objects).

    NaN (an undefined correlation) becomes ``None``; each mover has the keys of
    :data:`MOVER_COLUMNS`.
    """
    records = []
    for row in rows:
        record = {k: (None if isinstance(row[k], float) and math.isnan(row[k]) else row[k]) for k in COMPARE_COLUMNS}
        movers = row["movers"]
        record["movers"] = [
            {"org_id": str(o), "name": str(n), "rank_a": int(ra), "rank_b": int(rb), "rank_change": int(c),
             "score_a": _plain(sa), "score_b": _plain(sb)}
            for o, n, ra, rb, c, sa, sb in movers[MOVER_COLUMNS].itertuples(index=False, name=None)]
        records.append(record)
    return records


def _plain(value):
    value = float(value)
    return int(value) if value.is_integer() else round(value, DECIMALS)


def other_methodologies(methodology: Methodology) -> list[Methodology]:
    """The shipped methodologies other than ``methodology`` (compared by content), in listing order."""
    shipped = [load_methodology(name) for name in shipped_methodologies()]
    return [m for m in shipped if m != methodology]


def estimands_side_by_side(scope: ScoredScope, segment: str | None, top: int = DEFAULT_TOP,
                           methodologies: list[Methodology] | None = None) -> dict[str, pd.DataFrame]:
    """The scope's methodology against other estimands: the comparison table, each Top N, the movers.

    Parameters
    ----------
    scope : ScoredScope
        Scored under methodology A (the report's).
    segment : str, optional
    top : int
        The Top N compared and listed.
    methodologies : list of Methodology, optional
        The B's (default: every shipped methodology other than A, :func:`other_methodologies`).

    Returns
    -------
    dict of str to pandas.DataFrame
        ``comparison`` (:func:`comparison_table`), ``tops`` (:data:`TOP_COLUMNS`: A's Top N,
        then each B's, ties at the cut-off kept) and ``movers`` (``b`` then :data:`MOVER_COLUMNS`).
    """
    others = other_methodologies(scope.methodology) if methodologies is None else list(methodologies)
    rows, tops, movers = [], [_top(scope, segment, top)], []
    for methodology in others:
        other = build_scope(scope.dataset, scope.sector_key, scope.period, methodology, post_columns=[])
        row = compare_scopes(scope, other, segment, top)
        rows.append(row)
        tops.append(_top(other, segment, top))
        movers.append(row["movers"].assign(b=methodology.name)[["b"] + MOVER_COLUMNS])
    return {
        "comparison": comparison_table(rows),
        "tops": pd.concat(tops, ignore_index=True),
        "movers": (pd.concat(movers, ignore_index=True) if movers
                   else pd.DataFrame(columns=["b"] + MOVER_COLUMNS)),
    }


def _top(scope: ScoredScope, segment: str | None, top: int) -> pd.DataFrame:
    ranking = scope.ranking("direction", segment, top)
    return pd.DataFrame({"methodology": scope.methodology.name, "rank": ranking["rank"].to_numpy(),
                         "org_id": ranking["org_id"].to_numpy(), "name": ranking["name"].to_numpy(),
                         "score": ranking["score"].to_numpy()})[TOP_COLUMNS]
