"""Rankings straight from a dataset's validated snapshot: the methodology loop without building the tables again.

A user who changes a methodology reruns ``influence rank`` on data already validated. When the
dataset's snapshot is current (:mod:`influence_lib.snapshot`: same inputs, same code), a ranking
needs only the organisations (or the members), the parent positions and the columns scoring
reads, all memory-mapped: no table of posts, accounts or members is built. The numbers come from
the same functions as every other ranking (:func:`influence_lib.scoring.score_scope`,
:func:`influence_lib.scope.rank_scores`), so they are the same to the last byte; the tests compare
both ways on every shipped methodology.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from influence_lib.arrow import take_rows
from influence_lib.dataset import Parents
from influence_lib.optout import OptOut
from influence_lib.ranking import top_n
from influence_lib.scope import LEVELS, rank_scores
from influence_lib.scoring import direction_scores_frame, member_scores_frame, scope_rows, score_scope
from influence_lib.settings import DatasetSettings, Methodology, Period
from influence_lib.snapshot import SnapshotStore
from influence_lib.validation import ValidationReport


@dataclass(frozen=True)
class SnapshotRanking:
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


def snapshot_ranking(folder: str | Path, settings: DatasetSettings, sector: str, period: Period,
                     methodology: Methodology, level: str = "direction", segment: str | None = None,
                     top: int | None = None) -> SnapshotRanking | None:
    """A sector's ranking (or one segment's) from the dataset's current snapshot, or None when there is none.

    None also when snapshots are off, or when the inputs or the code changed since the snapshot
    was written: the caller then loads the dataset (which validates it and writes a new one).
    Only snapshots of loads that refuse data with errors are used (``on_error="raise"``).

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

    Returns
    -------
    SnapshotRanking or None
    """
    if level not in LEVELS:
        raise ValueError(f"level must be 'direction' or 'member', not {level!r}")
    store = SnapshotStore.for_dataset(folder, "raise")
    view = store.load_view(store.fingerprint(), members=level == "member") if store is not None else None
    if view is None:
        return None
    parents = Parents(**view.arrays["parents"])
    rows = scope_rows(view.organizations, parents, settings, sector)
    scores = score_scope(view.arrays["posts"], view.arrays["accounts"], parents, rows, period, methodology)
    organizations = take_rows(view.organizations, rows.org_kept)
    if level == "direction":
        frame = direction_scores_frame(organizations, scores.directions)
    else:
        frame = member_scores_frame(take_rows(view.members, rows.member_kept), scores.member_score,
                                    scores.member_engagement, scores.member_posts)
    ranking = rank_scores(frame, level, settings.sector(sector), organizations, segment)
    return SnapshotRanking(top_n(ranking, top), view.report, view.opt_out)
