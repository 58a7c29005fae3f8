"""Posts as readers see them: the best posts of the period and posts far above their author's usual level."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence_lib.trends._common import (
    UNKNOWN_FORMAT,
    _codes,
    _divide,
    _require,
    _values,
    make_excerpt,
    to_paris_time,
)
from influence_lib.trends.formats import _format_keys

MAD_SCALE = 1.4826          # makes the median absolute deviation comparable to a standard deviation
MEAN_AD_SCALE = 1.253314    # same for the mean absolute deviation, used when the MAD is 0


POST_COLUMNS = ["post_id", "member_id", "full_name", "role", "org_id", "name", "platform", "format",
                "published_at", "excerpt", "engagement"]


def describe_posts(posts: pd.DataFrame, members: pd.DataFrame, organizations: pd.DataFrame,
                   width: int = 140) -> pd.DataFrame:
    """Posts as a reader sees them: author, role, Direction, platform, format, Paris time, excerpt.

    Returns
    -------
    pandas.DataFrame
        :data:`POST_COLUMNS` (plus ``url`` when the posts have it), in the posts' order;
        ``published_at`` is in Europe/Paris time; ``format`` empty is ``unknown``.
    """
    _require(posts, ["post_id", "member_id", "org_id", "platform", "published_at", "engagement"], "posts")
    _require(members, ["member_id", "full_name", "role"], "members")
    _require(organizations, ["org_id", "name"], "organizations")
    member_pos = _codes(posts["member_id"], members["member_id"], "posts by unknown members")
    org_pos = _codes(posts["org_id"], organizations["org_id"], "posts of unknown organizations")
    frame = pd.DataFrame({
        "post_id": posts["post_id"].to_numpy(),
        "member_id": posts["member_id"].astype("str").to_numpy(),
        "full_name": members["full_name"].to_numpy()[member_pos],
        "role": members["role"].to_numpy()[member_pos],
        "org_id": posts["org_id"].astype("str").to_numpy(),
        "name": organizations["name"].to_numpy()[org_pos],
        "platform": posts["platform"].astype("str").to_numpy(),
        "format": (_format_keys(posts).to_numpy() if "format" in posts.columns
                   else np.full(len(posts), UNKNOWN_FORMAT, dtype=object)),
        "published_at": to_paris_time(posts["published_at"]).reset_index(drop=True),
        "excerpt": (make_excerpt(posts["text"], width).to_numpy() if "text" in posts.columns
                    else np.full(len(posts), "", dtype=object)),
        "engagement": posts["engagement"].to_numpy(),
    })
    if "url" in posts.columns:
        frame["url"] = posts["url"].to_numpy()
    return frame


def _by_engagement(posts: pd.DataFrame) -> pd.DataFrame:
    return posts.sort_values(["engagement", "post_id"], ascending=[False, True], kind="stable")


def top_posts(posts: pd.DataFrame, members: pd.DataFrame, organizations: pd.DataFrame, n: int = 10,
              width: int = 140) -> pd.DataFrame:
    """The ``n`` posts with the most engagement (ties by post_id), described by :func:`describe_posts`.

    Returns
    -------
    pandas.DataFrame
        ``rank`` (competition rank on engagement) then :data:`POST_COLUMNS`.
    """
    _require(posts, ["post_id", "engagement"], "posts")
    best = _by_engagement(posts).head(n)
    frame = describe_posts(best, members, organizations, width)
    frame.insert(0, "rank", pd.Series(_values(frame["engagement"])).rank(method="min", ascending=False)
                 .to_numpy().astype(np.int64))
    return frame


def _sorted_groups(values: np.ndarray, codes: np.ndarray):
    """Sort values within groups; return the sorted values, each element's group start, size and rank."""
    order = np.lexsort((values, codes))
    sorted_values = values[order]
    sizes = np.bincount(codes, minlength=codes.max() + 1 if len(codes) else 0)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    rank = np.empty(len(values), dtype=np.int64)
    rank[order] = np.arange(len(values)) - starts[codes[order]]
    return sorted_values, starts[codes], sizes[codes], rank


def _median_of_others(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """For each value, the median of the OTHER values of its group (NaN in a group of one)."""
    if len(values) == 0:
        return np.zeros(0)
    s, start, size, rank = _sorted_groups(values, codes)
    k = size - 1                      # how many others
    lo, hi = (k - 1) // 2, k // 2     # median positions among the others

    def other(j):                     # j-th smallest of the others = skip the value itself
        return s[np.clip(start + j + (j >= rank), 0, len(s) - 1)]

    out = (other(lo) + other(hi)) / 2.0
    out[k < 1] = np.nan
    return out


def _leave_one_out_center_and_spread(values: np.ndarray, codes: np.ndarray):
    """Median, MAD and mean absolute deviation of each value's group without that value, vectorised.

    Removing one value moves the median to one of three values of its group, depending on whether
    the removed value sits below, at or above the middle. For each of those three centres the
    absolute deviations of the group are computed once and their median is taken without the
    removed value: the same skip-one-index trick as :func:`_median_of_others`.
    """
    s, start, size, rank = _sorted_groups(values, codes)
    k = size - 1
    valid = k >= 1
    lo, hi = (k - 1) // 2, k // 2

    def at(j):
        return s[np.clip(start + j, 0, max(len(s) - 1, 0))]

    candidates = [(at(lo + 1) + at(hi + 1)) / 2.0,   # removed value below the middle
                  (at(lo) + at(hi + 1)) / 2.0,       # removed value between lo and hi
                  (at(lo) + at(hi)) / 2.0]           # removed value above the middle
    which = np.where(rank <= lo, 0, np.where(rank <= hi, 1, 2))
    center = np.choose(which, candidates)
    mad = np.empty(len(values))
    mean_ad = np.empty(len(values))
    n_groups = codes.max() + 1 if len(codes) else 0
    for t, c in enumerate(candidates):
        deviation = np.abs(values - c)
        mine = which == t
        mad[mine] = _median_of_others(deviation, codes)[mine]
        group_sum = np.bincount(codes, weights=deviation, minlength=n_groups)[codes]
        mean_ad[mine] = _divide(group_sum - deviation, k)[mine]
    for array in (center, mad, mean_ad):
        array[~valid] = np.nan
    return center, mad, mean_ad


def score_against_author(posts: pd.DataFrame, within: str = "account", min_author_posts: int = 5) -> pd.DataFrame:
    """How far each post is above its author's usual level: a robust z-score of log engagement.

    For each post, the reference is the author's OTHER counted posts (the post itself is left
    out): ``z = (log1p(engagement) - m) / (1.4826 * MAD)`` where ``m`` and ``MAD`` are the median
    and median absolute deviation of ``log1p`` engagement of those other posts. When more than
    half of them share one value (MAD = 0), ``1.253314 * mean absolute deviation`` replaces
    ``1.4826 * MAD``; when that is 0 too, the score is empty.

    Parameters
    ----------
    posts : pandas.DataFrame
        Scored posts (``post_id``, ``engagement`` and the ``within`` column's source).
    within : {"account", "member"}
        ``account``: an author's posts on one platform (a Twitter post is not compared with the
        same person's LinkedIn audience); ``member``: all their posts.
    min_author_posts : int
        Score a post only when its author has at least this many OTHER posts.

    Returns
    -------
    pandas.DataFrame
        ``post_id, author_posts`` (the others), ``usual_engagement`` (``expm1`` of their median
        log engagement: the author's usual level), ``robust_z``; in the posts' order.
    """
    if within not in ("account", "member"):
        raise ValueError(f"within must be 'account' or 'member', not {within!r}")
    key = "account_id" if within == "account" else "member_id"
    _require(posts, ["post_id", key, "engagement"], "posts")
    codes = pd.factorize(posts[key].astype("str").to_numpy())[0].astype(np.int64)
    logs = np.log1p(np.clip(_values(posts["engagement"]), 0, None))
    center, mad, mean_ad = (_leave_one_out_center_and_spread(logs, codes) if len(posts)
                            else (np.zeros(0), np.zeros(0), np.zeros(0)))
    others = (np.bincount(codes, minlength=codes.max() + 1 if len(codes) else 0)[codes] - 1).astype(np.int64)
    scale = np.where(mad > 0, MAD_SCALE * mad, MEAN_AD_SCALE * mean_ad)
    z = _divide(logs - center, scale)
    z[others < min_author_posts] = np.nan
    usual = np.expm1(center)
    usual[others < min_author_posts] = np.nan
    return pd.DataFrame({"post_id": posts["post_id"].to_numpy(), "author_posts": others,
                         "usual_engagement": usual, "robust_z": z})


def exceptional_posts(posts: pd.DataFrame, members: pd.DataFrame, organizations: pd.DataFrame,
                      threshold: float = 3.5, min_author_posts: int = 5, within: str = "account",
                      min_times_usual: float = 2.0, width: int = 140) -> pd.DataFrame:
    """Posts far above their author's usual level (see :func:`score_against_author`).

    A big account whose posts are all big is not listed: each post is compared with its own
    author's other posts, never with the others' posts. 3.5 is the usual cut-off of a robust
    ("modified") z-score (Iglewicz and Hoaglin). An author whose posts hardly vary gets a high
    score for a merely good post, so a post must also reach ``min_times_usual`` times its
    author's usual level (in ``(engagement + 1) / (usual + 1)``; 1 disables this floor).

    Parameters
    ----------
    posts : pandas.DataFrame
        Scored posts.
    members, organizations : pandas.DataFrame
        The scope's members and organisations, to name the authors.
    threshold : float
        Lowest robust z-score listed.
    min_author_posts : int
        Fewest OTHER posts of the author for a post to be scored.
    within : {"account", "member"}
        See :func:`score_against_author`.
    min_times_usual : float
        Lowest ratio to the author's usual level listed.
    width : int
        Excerpt length.

    Returns
    -------
    pandas.DataFrame
        :data:`POST_COLUMNS` plus ``author_posts``, ``usual_engagement``, ``times_usual``
        (``(engagement + 1) / (usual_engagement + 1)``) and ``robust_z``; posts with
        ``robust_z >= threshold``, highest score first, then by post_id.
    """
    scores = score_against_author(posts, within, min_author_posts)
    times_usual = (_values(posts["engagement"]) + 1.0) / (scores["usual_engagement"].to_numpy() + 1.0)
    keep = (scores["robust_z"] >= threshold).to_numpy(dtype=bool) & (times_usual >= min_times_usual)
    chosen = posts.loc[keep]
    frame = describe_posts(chosen, members, organizations, width)
    mine = scores.loc[keep].reset_index(drop=True)
    frame["author_posts"] = mine["author_posts"].to_numpy()
    frame["usual_engagement"] = mine["usual_engagement"].to_numpy()
    frame["times_usual"] = times_usual[keep]
    frame["robust_z"] = mine["robust_z"].to_numpy()
    return frame.sort_values(["robust_z", "post_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
