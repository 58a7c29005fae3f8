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
from influence_lib.post_rules import count_posts
from influence_lib.ranking import add_movements, top_n
from influence_lib.scope import LEVEL_KEYS, LEVELS, methodology_box, rank_scores
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


class ArrayScope:
    """A sector of a dataset as its rankings read it: the arrays scoring reads, its organisations (and members).

    Opened once (:meth:`open`: the snapshot mapped, or the files checked), then ranked for any
    period, methodology, level and segment (:meth:`ranking`): ``compare`` ranks one scope under
    several methodologies, a ranking with movements ranks two periods.

    Attributes
    ----------
    report : ValidationReport
        What validating the data found (warnings only: data with errors are refused).
    opt_out : OptOut
        What ``opt-out.csv`` removed.
    """

    def __init__(self, view: SnapshotView, settings: DatasetSettings, sector: str):
        self.settings, self.sector = settings, sector
        self.report, self.opt_out = view.report, view.opt_out
        self._view = view
        self._parents = Parents(**view.arrays["parents"])
        organizations = frame_of(view.organizations)
        self._rows = scope_rows(organizations, self._parents, settings, sector)
        self._organizations = take_rows(organizations, self._rows.org_kept)
        self._members = None

    @classmethod
    def open(cls, folder: str | Path, settings: DatasetSettings, sector: str, members: bool = False) -> ArrayScope:
        """The sector of the dataset in ``folder``, from its current snapshot or from its files.

        From the snapshot when it is current (same inputs, same code). Otherwise the files are
        read and validated (every rule, as :func:`influence_lib.dataset.load_dataset` does with
        ``on_error="raise"``), and their snapshot is written in the background (when snapshots
        are on). ``members``: member rankings will be asked for (their table is read too).

        Raises
        ------
        DatasetError, DataValidationError
            As :func:`influence_lib.dataset.load_dataset` raises them.
        """
        store = SnapshotStore.for_dataset(folder, "raise")
        key = store.fingerprint() if store is not None else None
        view = store.load_view(key, members=members) if store is not None else None
        if view is None:
            view = _checked_view(Path(folder), settings, store, key)
        return cls(view, settings, sector)

    def ranking(self, period: Period, methodology: Methodology, level: str = "direction",
                segment: str | None = None) -> pd.DataFrame:
        """The full ranking of the sector (or of one segment) for ``period`` under ``methodology``.

        As :meth:`influence_lib.scope.ScoredScope.ranking` gives it, from the same functions
        (:func:`influence_lib.scoring.score_scope`, :func:`influence_lib.scope.rank_scores`).
        """
        if level not in LEVELS:
            raise ValueError(f"level must be 'direction' or 'member', not {level!r}")
        view = self._view
        scores = score_scope(view.arrays["posts"], view.arrays["accounts"], self._parents, self._rows, period,
                             methodology)
        if level == "direction":
            frame = direction_scores_frame(self._organizations, scores.directions)
        else:
            if self._members is None:
                self._members = frame_of(view.members.filter(pa.array(self._rows.member_kept)))
            frame = member_scores_frame(self._members, scores.member_score, scores.member_engagement,
                                        scores.member_posts)
        return rank_scores(frame, level, self.settings.sector(self.sector), self._organizations, segment)


    def box(self, period: Period, methodology: Methodology) -> dict:
        """The methodology box of the sector for ``period`` (:func:`influence_lib.scope.methodology_box`)."""
        view, rows = self._view, self._rows
        accounts = view.arrays["accounts"]
        found = count_posts(view.arrays["posts"], self._parents, rows.account_kept, rows.account_member,
                            accounts.platform, period, methodology)
        return methodology_box(self.sector, period.label, rows.organizations, rows.members,
                               accounts.platform[rows.account_kept], found.platform, found.engagement,
                               found.has_empty_count)


def array_ranking(folder: str | Path, settings: DatasetSettings, sector: str, period: Period,
                  methodology: Methodology, level: str = "direction", segment: str | None = None,
                  top: int | None = None, movements: bool = False, previous: Period | None = None) -> ArrayRanking:
    """A sector's ranking (or one segment's), from the dataset's current snapshot or from its files (:class:`ArrayScope`).

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
    scope = ArrayScope.open(folder, settings, sector, members=level == "member")
    ranking = top_n(scope.ranking(period, methodology, level, segment), top)
    if movements:
        before = scope.ranking(previous, methodology, level, segment) if previous is not None else None
        ranking = add_movements(ranking, before, LEVEL_KEYS[level], top)
    return ArrayRanking(ranking, scope.report, scope.opt_out)


def _checked_view(folder: Path, settings: DatasetSettings, store: SnapshotStore | None, key: dict | None) -> SnapshotView:
    """What a ranking reads, from the files read and validated now; their snapshot written in the background."""
    # a ranking never reads the posts' texts; it refuses data with errors, as a load does
    checked, arrays = check_and_snapshot(folder, settings, False, True, store, key)
    return SnapshotView(checked.tables["organizations"], checked.tables["members"],
                        arrays, checked.report, checked.opt_out)
