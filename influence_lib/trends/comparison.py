"""Is the best group really ahead? Its median against the runner-up's, with an interval that resamples authors.

A sentence such as "documents are the most engaging format" or "Wednesday 8-9 h is the best
slot" claims that one group of posts beats every other. The claim is tested against the
runner-up (the hardest comparison): the difference of their medians gets a bootstrap percentile
interval in which authors, not posts, are resampled (an author's posts are alike, so counting
them as independent would make any difference look sure), and the claim is *supported* only when
that interval lies above 0. Groups with fewer than ``min_posts`` posts take no part (their median
rests on too few posts to be shown or compared).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence_lib.stats import check_bootstrap, percentile_interval, point_statistic, resample_statistic, top_share

MIN_POSTS = 30  # fewest posts behind a median that the report compares or shows in a heatmap cell
CLAIM_LEVEL = 0.90  # coverage of the interval of a difference that a sentence relies on

COMPARISON_COLUMNS = ["comparison", "best", "runner_up", "groups", "best_posts", "runner_up_posts", "best_median",
                      "runner_up_median", "difference", "difference_low", "difference_high", "level", "n_valid",
                      "best_share", "min_posts", "supported"]


def compare_best(values, group_codes, labels, clusters, *, comparison: str, seed, n_boot: int = 1000,
                 level: float = CLAIM_LEVEL, min_posts: int = MIN_POSTS) -> pd.DataFrame:
    """The group with the highest median against the runner-up, with an author-resampled interval of the difference.

    Parameters
    ----------
    values : array-like of float
        One value per post (engagement), without NaN.
    group_codes : array-like of int
        Group of each post (an index into ``labels``); -1 leaves a post out.
    labels : sequence of str
        The groups' codes, in their order (ties between medians go to more posts, then to the
        first in this order).
    clusters : array-like
        The author of each post (``member_id``): the unit that is resampled.
    comparison : str
        Name of the comparison, written in the ``comparison`` column (``format``, ``slot``...).
    seed : int or numpy.random.Generator
        A Generator is used as is (several comparisons can share one stream).
    n_boot : int
    level : float
        Coverage of the percentile interval of the difference.
    min_posts : int
        Fewest posts for a group to take part.

    Returns
    -------
    pandas.DataFrame
        One row with :data:`COMPARISON_COLUMNS`: ``best`` and ``runner_up`` (codes from
        ``labels``), ``groups`` (how many groups took part), their posts and medians,
        ``difference`` = best median - runner-up median and its interval, ``n_valid`` (replicates
        where both groups had posts), ``best_share`` (share of replicates in which the best
        group has the highest median of all the groups that took part), ``min_posts`` and ``supported``:
        the interval lies above 0 and the difference is defined in at least a share
        ``1 - (1 - level) / 2`` of the replicates (a group that vanishes whenever its few authors
        are not drawn proves nothing). No row when fewer than two groups have ``min_posts`` posts.
    """
    check_bootstrap(n_boot, level)
    labels = list(labels)
    n = len(labels)
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    codes = np.asarray(group_codes, dtype=np.int64).reshape(-1)
    posts = np.bincount(codes[codes >= 0], minlength=n).astype(np.int64)
    eligible = posts >= int(min_posts)
    if eligible.sum() < 2:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    kept = np.where((codes >= 0) & eligible[np.maximum(codes, 0)], codes, -1)
    medians = point_statistic(x, "median", group_codes=kept, n_groups=n)
    candidates = np.flatnonzero(eligible)
    ranked = candidates[np.lexsort((candidates, -posts[candidates], -medians[candidates]))]
    best, runner_up = int(ranked[0]), int(ranked[1])
    draws = resample_statistic(x, "median", seed=seed, n_boot=n_boot, group_codes=kept, n_groups=n,
                               clusters=np.asarray(clusters))
    difference = draws[:, best] - draws[:, runner_up]
    low, high = percentile_interval(difference, level)
    n_valid = int(np.count_nonzero(~np.isnan(difference)))
    shares = top_share(draws[:, candidates])
    enough = n_valid >= (1.0 - (1.0 - float(level)) / 2.0) * int(n_boot)
    row = {
        "comparison": comparison, "best": labels[best], "runner_up": labels[runner_up],
        "groups": int(len(candidates)), "best_posts": int(posts[best]), "runner_up_posts": int(posts[runner_up]),
        "best_median": float(medians[best]), "runner_up_median": float(medians[runner_up]),
        "difference": float(medians[best] - medians[runner_up]), "difference_low": low, "difference_high": high,
        "level": float(level), "n_valid": n_valid, "best_share": float(shares[int(np.flatnonzero(candidates == best)[0])]),
        "min_posts": int(min_posts), "supported": bool(enough and low > 0),
    }
    return pd.DataFrame([row], columns=COMPARISON_COLUMNS)
