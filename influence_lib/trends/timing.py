"""When the Directions post: weekday x hour heatmap, posting profiles and the best slots (Paris time)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence_lib.trends._common import (
    _divide,
    _require,
    _values,
    to_paris_time,
)


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


def heatmap_grid(heatmap: pd.DataFrame, value: str = "posts") -> pd.DataFrame:
    """One column of :func:`posting_heatmap` as a table: weekdays 0-6 (Monday first) as rows, hours 0-23 as columns."""
    _require(heatmap, ["weekday", "hour", value], "heatmap")
    grid = heatmap.pivot(index="weekday", columns="hour", values=value).reindex(index=range(7), columns=range(24))
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


def best_moments(table: pd.DataFrame, min_posts: int = 50, n: int = 5) -> pd.DataFrame:
    """The slots with the highest median engagement among those with at least ``min_posts`` posts.

    ``table`` is a :func:`posting_heatmap` or :func:`posting_profile` output; ties are broken by
    more posts, then by time order.
    """
    _require(table, ["posts", "median_engagement"], "table")
    slot = [c for c in ("weekday", "hour") if c in table.columns]
    kept = table.loc[table["posts"] >= min_posts]
    return kept.sort_values(["median_engagement", "posts", *slot], ascending=[False, False] + [True] * len(slot),
                            kind="stable").head(n).reset_index(drop=True)
