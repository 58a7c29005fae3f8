"""The scored scope: a sector scored once per period and methodology, and every ranking taken from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial

import numpy as np
import pandas as pd

from influence_lib.dataset import Dataset
from influence_lib.post_arrays import choice_codes
from influence_lib.ranking import (
    DIRECTION_RANK_COLUMNS,
    MEMBER_RANK_COLUMNS,
    add_movements,
    left_top,
    rank_directions,
    rank_members,
    top_n,
)
from influence_lib.scoring import (
    FOLLOWER_COLUMNS,
    counted_posts_frame,
    direction_scores_frame,
    member_scores_frame,
    scope_rows,
    score_scope,
    sector_scope,
)
from influence_lib.settings import DEFAULT_METHODOLOGY, PLATFORMS, Methodology, Period, Sector, shown_platforms

LEVELS = ("direction", "member")
LEVEL_KEYS = {"direction": "org_id", "member": "member_id"}


@dataclass(frozen=True)
class PeriodScores:
    """The scores of one period: counted posts, members and Directions of the whole sector.

    Attributes
    ----------
    period : Period
    posts : pandas.DataFrame
        The counted posts (:func:`influence_lib.scoring.score_posts`), in the dataset's order;
        built on first use when given as a function (a ranking alone never needs them).
    members : pandas.DataFrame
        Every member's score (:func:`influence_lib.scoring.score_members`), members' order.
    directions : pandas.DataFrame
        Every Direction's score (:func:`influence_lib.scoring.score_directions`), organisations' order.
    """

    period: Period
    counted: pd.DataFrame | Callable[[], pd.DataFrame]
    members: pd.DataFrame
    directions: pd.DataFrame

    @cached_property
    def posts(self) -> pd.DataFrame:
        """The counted posts (see the class)."""
        return self.counted() if callable(self.counted) else self.counted


@dataclass(frozen=True)
class ScoredScope:
    """A sector of a dataset, scored once for a period (and the previous one) under one methodology.

    Every section, analysis and command takes its numbers from here, so a methodology change
    reaches all of them: rankings of the sector and of each segment, member rankings, movements,
    posts for the trends and the profiles. Rankings are computed on first use and kept.

    Build it with :func:`build_scope`.
    """

    dataset: Dataset
    sector_key: str
    methodology: Methodology
    organizations: pd.DataFrame
    members: pd.DataFrame
    accounts: pd.DataFrame
    current: PeriodScores
    previous: PeriodScores | None
    _rankings: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def sector(self) -> Sector:
        """The sector's settings (title, focus, segments)."""
        return self.dataset.settings.sector(self.sector_key)

    @property
    def period(self) -> Period:
        """The period scored."""
        return self.current.period

    @property
    def previous_period(self) -> Period | None:
        """The period movements compare with, or ``None``."""
        return None if self.previous is None else self.previous.period

    @property
    def focus_segment(self):
        """The segment of the "Top 10 and analysis" section (the sector's focus, else its first)."""
        sector = self.sector
        return sector.segment(sector.focus or sector.segments[0].key)

    def scores(self, previous: bool = False) -> PeriodScores:
        """The scores of the period, or of the previous one (``KeyError`` when it was not scored)."""
        if not previous:
            return self.current
        if self.previous is None:
            raise KeyError("no previous period was scored for this scope")
        return self.previous

    def posts(self, segment: str | None = None, previous: bool = False) -> pd.DataFrame:
        """Counted posts of the sector, or of one segment, in the dataset's order."""
        posts = self.scores(previous).posts
        if segment is None:
            return posts
        orgs = _segment_org_ids(self.sector, self.organizations, segment)
        return posts.loc[posts["org_id"].astype("str").isin(orgs).to_numpy()].reset_index(drop=True)

    def ranking(self, level: str = "direction", segment: str | None = None, top: int | None = None,
                previous: bool = False) -> pd.DataFrame:
        """A ranking of the sector or of one segment, cut to a Top N (ties at the cut-off kept).

        Parameters
        ----------
        level : {"direction", "member"}
        segment : str, optional
            Rank within this segment (default: the whole sector).
        top : int, optional
            Keep the Top N.
        previous : bool
            Rank the previous period instead.

        Returns
        -------
        pandas.DataFrame
            The contract's columns for the level, in display order; with a ``per_1000_followers``
            methodology, Direction rankings add ``followers`` and ``followers_known_share``.
        """
        if level not in LEVELS:
            raise ValueError(f"level must be 'direction' or 'member', not {level!r}")
        key = (level, segment, previous)
        if key not in self._rankings:
            scores = self.scores(previous)
            self._rankings[key] = rank_scores(scores.directions if level == "direction" else scores.members,
                                              level, self.sector, self.organizations, segment)
        return top_n(self._rankings[key], top)

    def ranking_with_movements(self, level: str = "direction", segment: str | None = None,
                               top: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """A ranking with its movements since the previous period, and the entries that left its Top N.

        Returns
        -------
        ranking : pandas.DataFrame
            :meth:`ranking` plus ``previous_rank, rank_change, status``
            (:func:`influence_lib.ranking.add_movements`).
        departures : pandas.DataFrame
            Entries of the previous Top N no longer in it (:func:`influence_lib.ranking.left_top`);
            empty without ``top`` or without a previous period.
        """
        key = LEVEL_KEYS[level]
        full = self.ranking(level, segment)
        previous = self.ranking(level, segment, previous=True) if self.previous is not None else None
        ranking = add_movements(top_n(full, top), previous, key, top)
        departures = (left_top(full, previous, key, top) if top is not None
                      else left_top(full, None, key, 1).iloc[0:0])
        return ranking, departures

    def best_members(self, segment: str | None = None) -> pd.DataFrame:
        """Each Direction's most engaging member (ties: the member ranking's order).

        Returns
        -------
        pandas.DataFrame
            ``org_id, best_member, best_member_engagement`` for the Directions with engagement.
        """
        members = self.ranking("member", segment)
        first = members.loc[(members["engagement"] > 0).to_numpy()].drop_duplicates("org_id", keep="first")
        return pd.DataFrame({"org_id": first["org_id"].to_numpy(), "best_member": first["full_name"].to_numpy(),
                             "best_member_engagement": first["engagement"].to_numpy()})


def _segment_org_ids(sector: Sector, organizations: pd.DataFrame, segment: str) -> np.ndarray:
    sector.segment(segment)  # KeyError naming the known segments
    return organizations.loc[(organizations["segment"] == segment).to_numpy(), "org_id"].to_numpy()


def rank_scores(scores: pd.DataFrame, level: str, sector: Sector, organizations: pd.DataFrame,
                segment: str | None = None) -> pd.DataFrame:
    """The full ranking of a sector, or of one of its segments, from its Direction or member scores.

    Parameters
    ----------
    scores : pandas.DataFrame
        The sector's Direction scores (``level="direction"``, :func:`influence_lib.scoring.score_directions`)
        or member scores (``level="member"``, :func:`influence_lib.scoring.score_members`).
    level : {"direction", "member"}
    sector : Sector
        The sector's settings (``KeyError`` naming the known segments for an unknown one).
    organizations : pandas.DataFrame
        The sector's organisations (their segments place the members).
    segment : str, optional
        Rank within this segment (default: the whole sector).

    Returns
    -------
    pandas.DataFrame
        See :meth:`ScoredScope.ranking`.
    """
    if level == "direction":
        if segment is not None:
            sector.segment(segment)  # KeyError naming the known segments
            scores = scores.loc[(scores["segment"] == segment).to_numpy()].reset_index(drop=True)
        extra = [c for c in FOLLOWER_COLUMNS if c in scores.columns]  # per_1000_followers
        return rank_directions(scores)[DIRECTION_RANK_COLUMNS + extra]
    if segment is not None:
        scores = scores.loc[scores["org_id"].isin(_segment_org_ids(sector, organizations, segment)).to_numpy()]
        scores = scores.reset_index(drop=True)
    return rank_members(scores)[MEMBER_RANK_COLUMNS]


def score_period(dataset: Dataset, sector: str, period: Period, methodology: Methodology,
                 organizations: pd.DataFrame, members: pd.DataFrame,
                 post_columns: list[str] | tuple[str, ...] | None = None) -> PeriodScores:
    """Score one period of a sector (:func:`influence_lib.scoring.score_scope`) and build its tables.

    Posts are scored over the whole sector and period (so a ``post_cap`` is the sector's
    quantile for that period), members sum their posts, Directions sum their members and apply
    the methodology's Direction-level rule.

    Parameters
    ----------
    dataset : Dataset
    sector : str
    period : Period
    methodology : Methodology
    organizations, members : pandas.DataFrame
        The sector's tables (:func:`influence_lib.scoring.sector_scope`).
    post_columns : list of str, optional
        Columns of the posts to keep (default all; ``[]`` for rankings only, which saves copying
        texts on large data).

    Returns
    -------
    PeriodScores
    """
    rows = scope_rows(dataset.organizations, dataset.parents(), dataset.settings, sector)
    scores = score_scope(dataset.post_arrays(), dataset.account_arrays(), dataset.parents(), rows, period, methodology)
    posts = partial(counted_posts_frame, dataset.posts, scores.posts, organizations, members, rows.member_org,
                    post_columns)  # built when a section asks for the posts
    member_scores = member_scores_frame(members, scores.member_score, scores.member_engagement, scores.member_posts)
    return PeriodScores(period, posts, member_scores, direction_scores_frame(organizations, scores.directions))


def build_scope(dataset: Dataset, sector: str, period: Period, methodology: Methodology = DEFAULT_METHODOLOGY,
                previous_period: Period | None = None,
                post_columns: list[str] | tuple[str, ...] | None = None) -> ScoredScope:
    """Score a sector once for ``period`` and, when given, ``previous_period``.

    Parameters
    ----------
    dataset : Dataset
    sector : str
        Sector key of dataset.yml (``KeyError`` naming the known ones otherwise).
    period : Period
    methodology : Methodology
    previous_period : Period, optional
        Scored too, for rank movements and comparisons with the previous edition.
    post_columns : list of str, optional
        See :func:`score_period`.

    Returns
    -------
    ScoredScope
    """
    organizations, members, accounts = sector_scope(dataset, sector)
    current = score_period(dataset, sector, period, methodology, organizations, members, post_columns)
    previous = (score_period(dataset, sector, previous_period, methodology, organizations, members, post_columns)
                if previous_period is not None else None)
    return ScoredScope(dataset, sector, methodology, organizations, members, accounts, current, previous)


def build_ranking(dataset: Dataset, sector: str, period: Period, level: str = "direction",
                  segment: str | None = None, top: int | None = None,
                  methodology: Methodology = DEFAULT_METHODOLOGY) -> pd.DataFrame:
    """Score a sector and rank it (or one segment) in one call: a shortcut for scripts and tests.

    Returns
    -------
    pandas.DataFrame
        The contract's columns for the level, in display order (see :meth:`ScoredScope.ranking`).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be 'direction' or 'member', not {level!r}")
    scope = build_scope(dataset, sector, period, methodology, post_columns=[])
    return scope.ranking(level, segment, top)


def build_ranking_with_movements(dataset: Dataset, sector: str, period: Period, previous_period: Period | None,
                                 level: str = "direction", segment: str | None = None, top: int | None = None,
                                 methodology: Methodology = DEFAULT_METHODOLOGY) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score a sector over two periods and return a ranking with its movements (see :meth:`ScoredScope.ranking_with_movements`)."""
    if level not in LEVELS:
        raise ValueError(f"level must be 'direction' or 'member', not {level!r}")
    scope = build_scope(dataset, sector, period, methodology, previous_period, post_columns=[])
    return scope.ranking_with_movements(level, segment, top)


def summarize(scope: ScoredScope) -> dict:
    """The methodology box of a scored scope (contract section 3, ``summary``): :func:`methodology_box` of its tables.

    Returns
    -------
    dict
        See :func:`methodology_box`.
    """
    posts, accounts = scope.current.posts, scope.accounts
    return methodology_box(scope.sector_key, scope.period.label, len(scope.organizations), len(scope.members),
                           choice_codes(accounts["platform"], PLATFORMS),
                           choice_codes(posts["platform"], PLATFORMS),
                           posts["engagement"].to_numpy(), posts["has_empty_count"].to_numpy())


def methodology_box(sector: str, edition: str, organizations: int, members: int, account_platform: np.ndarray,
                    post_platform: np.ndarray, engagement: np.ndarray, has_empty_count: np.ndarray) -> dict:
    """The methodology box of a scope: what it counts, platform by platform (the rule of ``summary``).

    Parameters
    ----------
    sector, edition : str
    organizations, members : int
        The scope's organisations and members.
    account_platform : numpy.ndarray
        The platform of each account of the scope: its position in ``PLATFORMS`` (-1: another).
    post_platform, engagement, has_empty_count : numpy.ndarray
        Each counted post's platform (as ``account_platform``), engagement and whether a required
        count is empty.

    Returns
    -------
    dict
        ``sector, edition, organizations, members``, one entry per platform of the box
        (LinkedIn and Twitter always, then the known platforms with accounts) with ``accounts,
        posts, engagement``, and ``posts_with_empty_counts``: counted posts whose likes, comments
        or shares are empty (they add nothing, and are reported rather than hidden).
    """
    box = {"sector": sector, "edition": edition, "organizations": int(organizations), "members": int(members)}
    account_platform, post_platform = np.asarray(account_platform), np.asarray(post_platform)
    present = [PLATFORMS[code] for code in np.unique(account_platform) if code >= 0]
    for key in shown_platforms(present):
        if key not in PLATFORMS:
            continue
        code = PLATFORMS.index(key)
        mine = post_platform == code
        box[key] = {
            "accounts": int(np.count_nonzero(account_platform == code)),
            "posts": int(np.count_nonzero(mine)),
            "engagement": _plain(engagement[mine].sum()),
        }
    box["posts_with_empty_counts"] = int(np.count_nonzero(has_empty_count))
    return box


def box_platforms(box: dict) -> list[str]:
    """The platforms of a methodology box (:func:`methodology_box`), in its order."""
    return [key for key in box if key in PLATFORMS]


def _plain(value):
    value = float(value)
    return int(value) if value.is_integer() else round(value, 6)
