"""Monthly activity: counted posts and engagement per month, and against the previous edition."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from influence_lib.arrow import positions
from influence_lib.settings import Period, shown_platforms
from influence_lib.trends._common import (
    _like,
    _observed,
    _require,
    _values,
    to_paris_time,
)


def period_months(period: Period) -> pd.PeriodIndex:
    """The calendar months an edition covers, from its UTC start to its UTC end (excluded).

    Edition 2021, ``[2020-06-01, 2021-06-01)``, covers June 2020 to May 2021.
    """
    first = period.start.tz_convert("UTC").tz_localize(None).to_period("M")
    last = (period.end - pd.Timedelta(microseconds=1)).tz_convert("UTC").tz_localize(None).to_period("M")
    return pd.period_range(first, last, freq="M")


def _month_positions(posts: pd.DataFrame, period: Period, months: pd.PeriodIndex) -> np.ndarray:
    stamps = posts["published_at"]
    outside = ((stamps < period.start) | (stamps >= period.end)).to_numpy(dtype=bool)
    if outside.any():
        first = posts.loc[outside, "published_at"].iloc[0]
        raise ValueError(
            f"{int(outside.sum())} posts lie outside the period {period.label} (e.g. {first.isoformat()}); "
            f"pass the posts scored for that period"
        )
    local = to_paris_time(stamps)
    month_number = local.dt.year.to_numpy() * 12 + local.dt.month.to_numpy() - 1
    first_number = months[0].year * 12 + months[0].month - 1
    # Paris is ahead of UTC: the last one or two hours of a period fall on the next day in Paris.
    # They stay in the period's last month, so that the months add up to the period.
    return np.clip(month_number - first_number, 0, len(months) - 1)


def monthly_activity(posts: pd.DataFrame, period: Period, by: str | None = "platform",
                     keys: Sequence | None = None) -> pd.DataFrame:
    """Posts and engagement per month (Europe/Paris) and per platform, every month present.

    Parameters
    ----------
    posts : pandas.DataFrame
        Scored posts of ``period`` (``published_at``, ``engagement`` and the ``by`` column).
    period : Period
        The period the posts were scored for; its calendar months (see :func:`period_months`)
        are the rows, months without posts included with zeros. A post of the period's last
        hours that is already in the next month in Paris counts in the period's last month.
    by : str or None
        Column to split by (``platform``, ``org_id``, ``member_id``, ``format``...); None for
        totals only.
    keys : sequence, optional
        The values of ``by`` to show, in this order, each with every month (a key without posts
        gets zeros; posts whose key is not listed are left out). Default: the values present
        (category order for categoricals), and always ``linkedin`` and ``twitter`` for
        ``by="platform"``.

    Returns
    -------
    pandas.DataFrame
        ``[by,] month, month_index, posts, engagement``; ``month`` is a ``pandas.Period``,
        ``month_index`` runs 1..12 for an edition. Rows by key (in ``keys`` order), then month.

    Raises
    ------
    ValueError
        A column is missing, or a post lies outside ``period``.
    """
    _require(posts, ["published_at", "engagement"] + ([by] if by else []), "posts")
    months = period_months(period)
    month_pos = _month_positions(posts, period, months)
    if by is None:
        key_index, key_pos = pd.Index(["all"]), np.zeros(len(posts), dtype=np.int64)
    else:
        if keys is None:
            keys = _observed(posts[by])
            if by == "platform":
                keys = shown_platforms(keys)
        key_index = pd.Index(list(keys))
        key_pos = positions(posts[by], pd.Series(key_index))
    kept = key_pos >= 0
    n_months = len(months)
    cells = key_pos[kept] * n_months + month_pos[kept]
    size = len(key_index) * n_months
    counts = np.bincount(cells, minlength=size).astype(np.int64)
    engagement = np.bincount(cells, weights=_values(posts["engagement"])[kept], minlength=size)
    frame = pd.DataFrame({
        "month": pd.PeriodIndex(np.tile(months, len(key_index)), freq="M"),
        "month_index": np.tile(np.arange(1, n_months + 1), len(key_index)),
        "posts": counts,
        "engagement": _like(engagement, posts["engagement"]),
    })
    if by is not None:
        frame.insert(0, by, np.repeat(key_index.to_numpy(dtype=object), n_months))
    return frame


def compare_monthly(current: pd.DataFrame, previous: pd.DataFrame, by: str | None = "platform") -> pd.DataFrame:
    """Line up a period's months with the previous edition's (1st month with 1st month...).

    Parameters
    ----------
    current, previous : pandas.DataFrame
        Outputs of :func:`monthly_activity` with the same ``by``.
    by : str or None
        The split column of both frames.

    Returns
    -------
    pandas.DataFrame
        The rows of ``current`` with ``previous_month``, ``previous_posts`` and
        ``previous_engagement`` (empty where the previous edition has no such month or key).
    """
    on = ([by] if by else []) + ["month_index"]
    _require(current, on + ["month", "posts", "engagement"], "current")
    _require(previous, on + ["month", "posts", "engagement"], "previous")
    prior = previous[on + ["month", "posts", "engagement"]].rename(
        columns={"month": "previous_month", "posts": "previous_posts", "engagement": "previous_engagement"})
    merged = current.merge(prior, on=on, how="left", sort=False, validate="one_to_one")
    for column in ("previous_posts", "previous_engagement"):
        if pd.api.types.is_integer_dtype(prior[column]):
            merged[column] = merged[column].astype("Int64")  # integers, empty where nothing lines up
    return merged
