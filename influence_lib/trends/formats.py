"""Formats: share of the posts and engagement per post of each format, with bootstrap intervals, and which format leads."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence_lib.arrow import positions
from influence_lib.settings import FORMATS
from influence_lib.stats import bootstrap_statistic, check_bootstrap
from influence_lib.trends._common import UNKNOWN_FORMAT, _divide, _require, _values
from influence_lib.trends.comparison import CLAIM_LEVEL, MIN_POSTS, compare_best


def _format_keys(posts: pd.DataFrame) -> pd.Series:
    formats = posts["format"].astype(object)
    return formats.where(formats.notna() & (formats != ""), UNKNOWN_FORMAT)


def _format_order(keys: pd.Series) -> list[str]:
    """Formats present, in the contract's order (text, image, ..., other), then unknown, then any other key."""
    present = set(keys.unique())
    return [f for f in (*FORMATS, UNKNOWN_FORMAT) if f in present] + sorted(present - {*FORMATS, UNKNOWN_FORMAT})


def format_performance(posts: pd.DataFrame, seed: int, n_boot: int = 1000, level: float = 0.90) -> pd.DataFrame:
    """Posts and median and mean engagement per format, with a bootstrap interval on the median.

    Parameters
    ----------
    posts : pandas.DataFrame
        Scored posts (``format``, ``engagement``); an empty format is shown as ``unknown``.
    seed : int
        Seed of ``numpy.random.default_rng``; formats are resampled in the rows' order, each by
        :func:`influence_lib.stats.bootstrap_statistic` (posts resampled with replacement).
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
    check_bootstrap(n_boot, level)
    rng = np.random.default_rng(seed)
    keys = _format_keys(posts)
    order = _format_order(keys)
    codes = positions(keys, pd.Series(order, dtype=object))
    values = _values(posts["engagement"])
    rows = []
    for i, fmt in enumerate(order):
        mine = values[codes == i]
        median = bootstrap_statistic(mine, "median", seed=rng, n_boot=int(n_boot), level=level)
        rows.append((fmt, len(mine), median.estimate, float(np.mean(mine)), median.low, median.high))
    frame = pd.DataFrame(rows, columns=["format", "posts", "median_engagement", "mean_engagement",
                                        "median_low", "median_high"])
    frame["posts"] = frame["posts"].astype(np.int64)
    frame.insert(2, "posts_share", _divide(frame["posts"], len(posts)))
    return frame


def format_comparison(posts: pd.DataFrame, seed: int, n_boot: int = 1000, level: float = CLAIM_LEVEL,
                      min_posts: int = MIN_POSTS) -> pd.DataFrame:
    """The format with the highest median engagement against the runner-up, resampling authors.

    The rule behind "Les posts au format … sont les plus engageants": formats with at least
    ``min_posts`` posts take part (``unknown`` never does); the one with the highest median
    engagement per post is compared with the second (see
    :func:`influence_lib.trends.comparison.compare_best`: the members who wrote the posts are
    resampled, so a format carried by a few prolific authors gets the wide interval it deserves).

    Parameters
    ----------
    posts : pandas.DataFrame
        Scored posts (``format``, ``engagement``, ``member_id``).
    seed : int
    n_boot : int
    level : float
        Coverage of the interval of the difference.
    min_posts : int
        Fewest posts for a format to take part.

    Returns
    -------
    pandas.DataFrame
        One row (``comparison`` = ``format``) with
        :data:`influence_lib.trends.comparison.COMPARISON_COLUMNS`, ``best`` and ``runner_up``
        being format keys; no row when fewer than two formats have ``min_posts`` posts.
    """
    _require(posts, ["format", "engagement", "member_id"], "posts")
    keys = _format_keys(posts)
    order = [f for f in _format_order(keys) if f != UNKNOWN_FORMAT]
    codes = positions(keys, pd.Series(order, dtype=object))  # unknown: -1, left out
    return compare_best(_values(posts["engagement"]), codes, order, posts["member_id"].astype("str").to_numpy(),
                        comparison="format", seed=seed, n_boot=n_boot, level=level, min_posts=min_posts)
