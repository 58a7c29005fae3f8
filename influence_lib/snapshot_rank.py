"""Rankings from the arrays scoring reads: the methodology loop and the first run, without a pandas table of posts.

A ranking needs only the organisations (or the members), the parent positions and the columns
scoring reads. When the dataset's snapshot is current (:mod:`influence_lib.snapshot`: same inputs,
same code), they are memory-mapped from it: the methodology loop. Otherwise the folder is read and
validated as Arrow tables (:func:`influence_lib.dataset.check_tables`), the snapshot written in the
background, and only the organisations (or the members) become a pandas frame: no frame of posts
or accounts is built. The numbers come from the same functions as every other ranking
(:func:`influence_lib.scoring.score_scope`, :func:`influence_lib.scope.rank_scores`), so they are
the same to the last byte; the tests compare the ways on every shipped methodology.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from influence_lib.arrow import frame_of, take_rows
from influence_lib.dataset import Parents, check_and_snapshot
from influence_lib.optout import OptOut
from influence_lib.ranking import add_movements, top_n
from influence_lib.scope import LEVEL_KEYS, LEVELS, rank_scores
from influence_lib.scoring import direction_scores_frame, member_scores_frame, scope_rows, score_scope
from influence_lib.settings import DatasetSettings, Methodology, Period
from influence_lib.snapshot import SnapshotStore, SnapshotView
from influence_lib.validation import ValidationReport


@dataclass(frozen=True)
class ArrayRanking:
    """A ranking computed from a snapshot, with what the load would have reported.

    Attributes
    ----------
    ranking : pandas.DataFrame
        As :meth:`influence_lib.scope.ScoredScope.ranking` gives it (cut to the Top N asked for).
    report : ValidationReport
        What validating the data found (warnings only: such a snapshot exists only for data
        without errors), without its ``files``.
    opt_out : OptOut
        What ``opt-out.csv`` removed.
    """

    ranking: pd.DataFrame
    report: ValidationReport
    opt_out: OptOut


def array_ranking(folder: str | Path, settings: DatasetSettings, sector: str, period: Period,
                  methodology: Methodology, level: str = "direction", segment: str | None = None,
                  top: int | None = None, movements: bool = False, previous: Period | None = None) -> ArrayRanking:
    """A sector's ranking (or one segment's), from the dataset's current snapshot or from its files.

    From the snapshot when it is current (same inputs, same code). Otherwise the files are read
    and validated (every rule, as :func:`influence_lib.dataset.load_dataset` does with
    ``on_error="raise"``), and their snapshot is written in the background (when snapshots are on).

    Parameters
    ----------
    folder : str or Path
        The dataset folder.
    settings : DatasetSettings
        Its ``dataset.yml``, already read.
    sector : str
    period : Period
    methodology : Methodology
    level : {"direction", "member"}
    segment : str, optional
    top : int, optional
    movements : bool
        Add ``previous_rank, rank_change, status`` (:func:`influence_lib.ranking.add_movements`),
        against ``previous`` (scored from the same arrays; without it the three columns are empty),
        as :meth:`influence_lib.scope.ScoredScope.ranking_with_movements` does.
    previous : Period, optional

    Returns
    -------
    ArrayRanking

    Raises
    ------
    DatasetError, DataValidationError
        As :func:`influence_lib.dataset.load_dataset` raises them.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be 'direction' or 'member', not {level!r}")
    store = SnapshotStore.for_dataset(folder, "raise")
    key = store.fingerprint() if store is not None else None
    view = store.load_view(key, members=level == "member") if store is not None else None
    if view is None:
        view = _checked_view(Path(folder), settings, store, key)
    parents = Parents(**view.arrays["parents"])
    organizations = frame_of(view.organizations)
    rows = scope_rows(organizations, parents, settings, sector)
    organizations = take_rows(organizations, rows.org_kept)
    members = frame_of(view.members.filter(pa.array(rows.member_kept))) if level == "member" else None

    def ranked(of: Period) -> pd.DataFrame:
        scores = score_scope(view.arrays["posts"], view.arrays["accounts"], parents, rows, of, methodology)
        if level == "direction":
            frame = direction_scores_frame(organizations, scores.directions)
        else:
            frame = member_scores_frame(members, scores.member_score, scores.member_engagement, scores.member_posts)
        return rank_scores(frame, level, settings.sector(sector), organizations, segment)

    ranking = top_n(ranked(period), top)
    if movements:
        before = ranked(previous) if previous is not None else None
        ranking = add_movements(ranking, before, LEVEL_KEYS[level], top)
    return ArrayRanking(ranking, view.report, view.opt_out)


def _checked_view(folder: Path, settings: DatasetSettings, store: SnapshotStore | None, key: dict | None) -> SnapshotView:
    """What a ranking reads, from the files read and validated now; their snapshot written in the background."""
    # a ranking never reads the posts' texts; it refuses data with errors, as a load does
    checked, arrays = check_and_snapshot(folder, settings, False, True, store, key)
    return SnapshotView(checked.tables["organizations"], checked.tables["members"],
                        arrays, checked.report, checked.opt_out)
