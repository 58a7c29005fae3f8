"""Formats: share of the posts and engagement per post of each format, with bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence_lib.arrow import positions
from influence_lib.settings import FORMATS
from influence_lib.trends._common import (
    UNKNOWN_FORMAT,
    _bootstrap,
    _check_bootstrap,
    _divide,
    _quantile_bounds,
    _require,
    _values,
)


def _format_keys(posts: pd.DataFrame) -> pd.Series:
    formats = posts["format"].astype(object)
    return formats.where(formats.notna() & (formats != ""), UNKNOWN_FORMAT)


def format_performance(posts: pd.DataFrame, seed: int, n_boot: int = 1000, level: float = 0.90) -> pd.DataFrame:
    """Posts and typical engagement per format, with a bootstrap interval on the median.

    Parameters
    ----------
    posts : pandas.DataFrame
        Scored posts (``format``, ``engagement``); an empty format is shown as ``unknown``.
    seed : int
        Seed of ``numpy.random.default_rng``; formats are resampled in the rows' order.
    n_boot : int
        Bootstrap resamples per format.
    level : float
        Coverage of the percentile interval (0.90: 5th to 95th percentile of the resampled medians).

    Returns
    -------
    pandas.DataFrame
        ``format, posts, posts_share, median_engagement, mean_engagement, median_low,
        median_high``, one row per format with posts, in the contract's order (text, image,
        video, article, document, poll, link, other, then unknown).
    """
    _require(posts, ["format", "engagement"], "posts")
    _check_bootstrap(n_boot, level)
    rng = np.random.default_rng(seed)
    keys = _format_keys(posts)
    present = set(keys.unique())
    order = [f for f in (*FORMATS, UNKNOWN_FORMAT) if f in present] + sorted(present - {*FORMATS, UNKNOWN_FORMAT})
    codes = positions(keys, pd.Series(order, dtype=object))
    values = _values(posts["engagement"])
    rows = []
    for i, fmt in enumerate(order):
        mine = values[codes == i]
        draws = _bootstrap(lambda idx, v=mine: np.median(v[idx], axis=1), len(mine), rng, int(n_boot))
        low, high = _quantile_bounds(draws, level)
        rows.append((fmt, len(mine), float(np.median(mine)), float(np.mean(mine)), low, high))
    frame = pd.DataFrame(rows, columns=["format", "posts", "median_engagement", "mean_engagement",
                                        "median_low", "median_high"])
    frame["posts"] = frame["posts"].astype(np.int64)
    frame.insert(2, "posts_share", _divide(frame["posts"], len(posts)))
    return frame
