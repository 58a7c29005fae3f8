"""The per-post rules of a methodology, on arrays: which posts count, their engagement and score contribution.

One implementation for every engine: :func:`influence_lib.scoring.score_posts` (pandas), the
Dask engine's pieces and rankings read from a snapshot's arrays all apply these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from influence_lib.dataset import Parents
from influence_lib.post_arrays import PostArrays, period_bounds
from influence_lib.settings import KINDS, METRICS, PLATFORMS, Methodology, Period

REQUIRED_METRICS = ("likes", "comments", "shares")  # an empty one is reported (has_empty_count)
_BLOCK = 1 << 18  # posts summed at a time (2 MB of int64 per column)


def _weights_are_integers(methodology: Methodology) -> bool:
    weights = [methodology.metric_weight(m) for m in METRICS] + [methodology.platform_weight(p) for p in PLATFORMS]
    return all(float(w).is_integer() for w in weights)


@dataclass(frozen=True)
class CountedPosts:
    """The counted posts of a scope, as arrays (see :func:`count_posts`).

    Attributes
    ----------
    rows : numpy.ndarray
        ``bool``, one per post of the dataset: counted.
    member : numpy.ndarray
        ``int32``: each counted post's member, as a position among the scope's members.
    platform : numpy.ndarray
        ``int8``: its platform, as a position in ``PLATFORMS``.
    engagement : numpy.ndarray
        Its engagement: ``int64`` when every weight is a whole number, ``float64`` otherwise.
    has_empty_count : numpy.ndarray
        ``bool``: likes, comments or shares empty.
    score : numpy.ndarray
        Its score contribution (:func:`post_scores`); ``engagement`` itself by default.
    """

    rows: np.ndarray
    member: np.ndarray
    platform: np.ndarray
    engagement: np.ndarray
    has_empty_count: np.ndarray
    score: np.ndarray


def count_posts(posts: PostArrays, parents: Parents, account_kept: np.ndarray, account_member: np.ndarray,
                account_platform: np.ndarray, period: Period, methodology: Methodology) -> CountedPosts:
    """The rules of :func:`influence_lib.scoring.score_posts` on arrays: which posts of a scope count, their engagement and score.

    Parameters
    ----------
    posts : PostArrays
        The dataset's posts.
    parents : Parents
        The dataset's parent positions.
    account_kept : numpy.ndarray
        ``bool`` over the dataset's accounts: in the scope (:func:`influence_lib.scoring.scope_rows`).
    account_member : numpy.ndarray
        Position, among the scope's members, of each kept account's member.
    account_platform : numpy.ndarray
        ``int8`` platform code of every account of the dataset.
    period : Period
    methodology : Methodology

    Returns
    -------
    CountedPosts
    """
    keep = counted_posts(posts, period, methodology)
    # each post's account in the scope (-1: outside it), as 32-bit positions: 10^7 of them
    account_pos = parents.within("posts", account_kept, keep)
    in_scope = account_pos >= 0
    if not in_scope.all():  # posts of accounts outside the sector (or segment)
        keep[keep] = in_scope
        account_pos = account_pos[in_scope]
    platform = account_platform[account_kept][account_pos]
    engagement, empty = post_engagement(posts, keep, platform, methodology)
    member = account_member.astype(np.int32)[account_pos]
    return CountedPosts(keep, member, platform, engagement, empty, post_scores(engagement, methodology))


def counted_posts(posts: PostArrays, period: Period, methodology: Methodology) -> np.ndarray:
    """Which posts count: kind among the methodology's ``counted_kinds`` and ``period.start <= published_at < period.end``.

    Returns
    -------
    numpy.ndarray
        ``bool``, one per post.
    """
    counted_kind = np.zeros(len(KINDS) + 1, dtype=bool)  # the last slot: any other kind (code -1)
    counted_kind[[KINDS.index(k) for k in methodology.counted_kinds if k in KINDS]] = True
    start, end = period_bounds(period)
    stamps = posts.published_at
    return counted_kind[posts.kind] & (stamps >= start) & (stamps < end)


def post_engagement(posts: PostArrays, rows: np.ndarray | None, platform: np.ndarray,
                    methodology: Methodology) -> tuple[np.ndarray, np.ndarray]:
    """Engagement of the chosen posts, and whether a required count is empty: the one rule for every engine.

    A post's engagement is the weighted sum of its metrics (an empty count, or a metric not
    collected, adds nothing) times its platform's weight: whole numbers (``int64``) when every
    weight is one, ``float64`` otherwise.

    Parameters
    ----------
    posts : PostArrays
    rows : numpy.ndarray or None
        ``bool`` mask of the posts wanted (None: all of them).
    platform : numpy.ndarray
        The platform code (position in ``PLATFORMS``) of each post wanted.
    methodology : Methodology

    Returns
    -------
    engagement : numpy.ndarray
    has_empty_count : numpy.ndarray
        ``bool``: likes, comments or shares empty (or not collected).
    """
    whole = _weights_are_integers(methodology)  # then summed as integers: exact, and no conversion
    number = int if whole else float
    weights = {m: number(methodology.metric_weight(m)) for m in METRICS if m in posts.counts}
    always_empty = any(m not in posts.counts for m in REQUIRED_METRICS)
    empties = [posts.empty[m] for m in REQUIRED_METRICS if m in posts.empty]
    n = len(posts)
    wanted = n if rows is None else int(np.count_nonzero(rows))
    engagement = np.empty(wanted, dtype=np.int64 if whole else float)
    empty = np.full(wanted, always_empty)
    done = 0
    for start in range(0, n, _BLOCK):  # block by block: the sums stay in cache, no full-size temporaries
        block = slice(start, min(start + _BLOCK, n))
        total = np.zeros(block.stop - block.start, dtype=engagement.dtype)
        for metric, weight in weights.items():
            if weight:
                counts = posts.counts[metric][block]
                np.add(total, counts if weight == 1 else np.multiply(counts, weight, dtype=total.dtype),
                       out=total)  # no 32-bit overflow
        missing = None
        if empties and not always_empty:  # one mask of the block's posts with a required count empty
            missing = empties[0][block].copy()
            for other in empties[1:]:
                missing |= other[block]
        chosen = None if rows is None else rows[block]
        taken = len(total) if chosen is None else int(np.count_nonzero(chosen))
        where = slice(done, done + taken)
        if chosen is None:
            engagement[where] = total
            if missing is not None:
                empty[where] = missing
        else:  # written in place: no copy of the chosen posts
            np.compress(chosen, total, out=engagement[where])
            if missing is not None:
                np.compress(chosen, missing, out=empty[where])
        done += taken
    platform_weights = np.array([number(methodology.platform_weight(p)) for p in PLATFORMS])
    if (platform_weights != 1).any():
        engagement *= platform_weights[platform]
    return engagement, empty


def post_cap(engagement: np.ndarray, methodology: Methodology) -> float | None:
    """The engagement cap of a methodology's ``post_cap`` over these posts, or ``None`` when uncapped.

    The cap is the ``inverted_cdf`` quantile (:func:`ordered_quantile`): the smallest engagement
    such that at least that share of the posts are at or below it, an engagement some post has.
    """
    quantile = methodology.cap_quantile
    if quantile is None or len(engagement) == 0:
        return None
    return ordered_quantile(np.sort(engagement), np.arange(1, len(engagement) + 1), quantile)


def ordered_quantile(ordered: np.ndarray, cumulative_weights: np.ndarray, quantile: float):
    """The weighted ``inverted_cdf`` quantile of sorted values.

    Parameters
    ----------
    ordered : numpy.ndarray
        Values in ascending order.
    cumulative_weights : numpy.ndarray
        Cumulative sum of their weights in that order (``1, 2, ..., n`` for plain posts; a
        bootstrap replicate's weights otherwise).
    quantile : float
        In (0, 1).

    Returns
    -------
    scalar
        The first value whose cumulative weight reaches ``quantile`` of the total weight.
    """
    at = np.searchsorted(cumulative_weights, quantile * cumulative_weights[-1], side="left")
    return ordered[min(int(at), len(ordered) - 1)]


def post_scores(engagement: np.ndarray, methodology: Methodology, cap=None) -> np.ndarray:
    """Each post's score contribution: its engagement, capped at ``post_cap``, then ``post_transform``.

    Parameters
    ----------
    engagement : numpy.ndarray
        The posts' engagement (:func:`score_posts`).
    methodology : Methodology
    cap : scalar, optional
        The cap to apply (default: :func:`post_cap` of these posts). A bootstrap replicate passes
        its own.

    Returns
    -------
    numpy.ndarray
        ``engagement`` itself when the methodology neither caps nor transforms; otherwise
        ``min(engagement, cap)`` (same dtype), and ``log(1 + that)`` (float) with ``log1p``.
    """
    if methodology.scores_posts_as_engagement:
        return engagement
    if cap is None:
        cap = post_cap(engagement, methodology)
    values = engagement if cap is None else np.minimum(engagement, cap)
    if methodology.post_transform == "log1p":
        values = np.log1p(np.asarray(values, dtype=float))
    return values
