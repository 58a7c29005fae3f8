"""When the Directions post: weekday x hour heatmap, posting profiles, the best slots and whether one leads (Paris time)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence_lib.trends._common import (
    _divide,
    _require,
    _values,
    to_paris_time,
)
from influence_lib.trends.comparison import CLAIM_LEVEL, COMPARISON_COLUMNS, MIN_POSTS, compare_best

WEEK_GROUPS = ("weekdays", "weekend")       # Monday to Friday; Saturday and Sunday
DAY_PARTS = {"morning": (6, 12), "afternoon": (12, 18)}  # [from, to) hours, Paris time


def posting_heatmap(posts: pd.DataFrame) -> pd.DataFrame:
    """Posts and median engagement per weekday and hour of publication, Europe/Paris time.

    Parameters
    ----------
    posts : pandas.DataFrame
        Scored posts (``published_at``, ``engagement``).

    Returns
    -------
    pandas.DataFrame
        168 rows ``weekday`` (0 = Monday ... 6 = Sunday), ``hour`` (0-23), ``posts``, ``posts_share``,
        ``median_engagement`` (empty for a slot without posts); rows by weekday then hour.
        :func:`heatmap_grid` turns a column into a 7 x 24 table.
    """
    _require(posts, ["published_at", "engagement"], "posts")
    local = to_paris_time(posts["published_at"])
    cells = local.dt.day_of_week.to_numpy() * 24 + local.dt.hour.to_numpy()
    counts = np.bincount(cells, minlength=168).astype(np.int64)
    medians = pd.Series(_values(posts["engagement"])).groupby(cells).median().reindex(range(168))
    return pd.DataFrame({
        "weekday": np.repeat(np.arange(7), 24),
        "hour": np.tile(np.arange(24), 7),
        "posts": counts,
        "posts_share": _divide(counts, len(posts)),
        "median_engagement": medians.to_numpy(dtype=float),
    })


def heatmap_grid(heatmap: pd.DataFrame, value: str = "posts", min_posts: int = 0) -> pd.DataFrame:
    """One column of :func:`posting_heatmap` as a table: weekdays 0-6 (Monday first) as rows, hours 0-23 as columns.

    Parameters
    ----------
    heatmap : pandas.DataFrame
        :func:`posting_heatmap`.
    value : str
        The column to lay out (``posts``, ``median_engagement``...).
    min_posts : int
        Cells with fewer posts are left empty (NaN): a median of a handful of posts is not shown
        (the report uses :data:`influence_lib.trends.MIN_POSTS` for the engagement heatmap).

    Returns
    -------
    pandas.DataFrame
        7 x 24, index ``weekday``, columns ``hour``.
    """
    _require(heatmap, ["weekday", "hour", "posts", value], "heatmap")
    values = heatmap[value].astype(float).where(heatmap["posts"] >= int(min_posts))
    grid = (heatmap.assign(_value=values).pivot(index="weekday", columns="hour", values="_value")
            .reindex(index=range(7), columns=range(24)))
    grid.index.name, grid.columns.name = "weekday", "hour"
    return grid


def posting_profile(posts: pd.DataFrame, by: str = "hour") -> pd.DataFrame:
    """Posts and median engagement per hour of the day (or per weekday), Europe/Paris time.

    Returns
    -------
    pandas.DataFrame
        ``hour`` (24 rows) or ``weekday`` (7 rows, 0 = lundi), ``posts``, ``posts_share``,
        ``median_engagement``.
    """
    if by not in ("hour", "weekday"):
        raise ValueError(f"by must be 'hour' or 'weekday', not {by!r}")
    _require(posts, ["published_at", "engagement"], "posts")
    local = to_paris_time(posts["published_at"])
    slots = (local.dt.hour if by == "hour" else local.dt.day_of_week).to_numpy()
    n = 24 if by == "hour" else 7
    counts = np.bincount(slots, minlength=n).astype(np.int64)
    medians = pd.Series(_values(posts["engagement"])).groupby(slots).median().reindex(range(n))
    return pd.DataFrame({by: np.arange(n), "posts": counts, "posts_share": _divide(counts, len(posts)),
                         "median_engagement": medians.to_numpy(dtype=float)})


def best_moments(table: pd.DataFrame, min_posts: int = MIN_POSTS, n: int = 5) -> pd.DataFrame:
    """The slots with the highest median engagement among those with at least ``min_posts`` posts.

    ``table`` is a :func:`posting_heatmap` or :func:`posting_profile` output; ties are broken by
    more posts, then by time order (the order :func:`moment_comparison` uses).
    """
    _require(table, ["posts", "median_engagement"], "table")
    slot = [c for c in ("weekday", "hour") if c in table.columns]
    kept = table.loc[table["posts"] >= min_posts]
    return kept.sort_values(["median_engagement", "posts", *slot], ascending=[False, False] + [True] * len(slot),
                            kind="stable").head(n).reset_index(drop=True)


def slot_code(weekday: int, hour: int) -> str:
    """The code of a weekday x hour slot in :func:`moment_comparison`: ``"2-08"`` (Wednesday, 8-9 h)."""
    return f"{int(weekday)}-{int(hour):02d}"


def moment_comparison(posts: pd.DataFrame, seed: int, n_boot: int = 1000, level: float = CLAIM_LEVEL,
                      min_posts: int = MIN_POSTS) -> pd.DataFrame:
    """Does one moment lead? The best slot against the runner-up, then weekdays against weekend, morning against afternoon.

    Each row is a :func:`influence_lib.trends.comparison.compare_best` of median engagement per
    post, resampling the members who wrote the posts, in Europe/Paris time:

    - ``slot``: the 168 weekday x hour slots with at least ``min_posts`` posts; ``best`` and
      ``runner_up`` are :func:`slot_code` codes, in the order of :func:`best_moments`;
    - ``week``: Monday to Friday (``weekdays``) against Saturday and Sunday (``weekend``);
    - ``day_part``: 6-12 h (``morning``) against 12-18 h (``afternoon``); other hours left out.

    Parameters
    ----------
    posts : pandas.DataFrame
        Scored posts (``published_at``, ``engagement``, ``member_id``).
    seed : int
        One ``numpy.random.default_rng(seed)`` stream serves the rows in this order.
    n_boot : int
    level : float
        Coverage of the intervals of the differences.
    min_posts : int
        Fewest posts for a slot (or a part of the week or day) to take part.

    Returns
    -------
    pandas.DataFrame
        Up to three rows (``comparison`` = ``slot``, ``week``, ``day_part``) with
        :data:`influence_lib.trends.comparison.COMPARISON_COLUMNS`; a comparison with fewer than
        two groups of ``min_posts`` posts has no row.
    """
    _require(posts, ["published_at", "engagement", "member_id"], "posts")
    local = to_paris_time(posts["published_at"])
    weekday = local.dt.day_of_week.to_numpy().astype(np.int64)
    hour = local.dt.hour.to_numpy().astype(np.int64)
    values = _values(posts["engagement"])
    authors = posts["member_id"].astype("str").to_numpy()
    rng = np.random.default_rng(seed)
    slots = [slot_code(d, h) for d in range(7) for h in range(24)]
    (morning_from, morning_to), (afternoon_from, afternoon_to) = DAY_PARTS.values()
    day_part = np.where((hour >= morning_from) & (hour < morning_to), 0,
                        np.where((hour >= afternoon_from) & (hour < afternoon_to), 1, -1))
    comparisons = [("slot", weekday * 24 + hour, slots),
                   ("week", (weekday >= 5).astype(np.int64), list(WEEK_GROUPS)),
                   ("day_part", day_part, list(DAY_PARTS))]
    rows = [compare_best(values, codes, labels, authors, comparison=name, seed=rng, n_boot=n_boot, level=level,
                         min_posts=min_posts) for name, codes, labels in comparisons]
    rows = [r for r in rows if len(r)]
    if not rows:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    return pd.concat(rows, ignore_index=True)
