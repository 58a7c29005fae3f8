"""Scoring: which posts count, their engagement and score contribution, and their sums per member and per Direction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from influence_lib.arrow import TEXT as _TEXT
from influence_lib.arrow import arrow_text as _arrow_text
from influence_lib.arrow import is_arrow_text as _is_arrow_text
from influence_lib.arrow import is_in as _in
from influence_lib.arrow import positions
from influence_lib.arrow import take_rows as _rows
from influence_lib.dataset import Dataset
from influence_lib.settings import DEFAULT_METHODOLOGY, METRICS, PLATFORMS, Methodology, Period

DIRECTION_SCORE_COLUMNS = ["org_id", "name", "segment", "score", "engagement", "posts", "active_members", "members"]
MEMBER_SCORE_COLUMNS = ["member_id", "full_name", "org_id", "score", "engagement", "posts"]
FOLLOWER_COLUMNS = ["followers", "followers_known_share"]  # after the Direction columns, per_1000_followers only
QUOTIENT_DECIMALS = 6  # a normalised score (a quotient) is rounded to 6 decimals
REQUIRED_METRICS = ("likes", "comments", "shares")


def _weights_are_integers(methodology: Methodology) -> bool:
    weights = [methodology.metric_weight(m) for m in METRICS] + [methodology.platform_weight(p) for p in PLATFORMS]
    return all(float(w).is_integer() for w in weights)


def _as_number(values: np.ndarray, methodology: Methodology) -> np.ndarray:
    if not _weights_are_integers(methodology):
        return values
    return np.rint(values, out=values).astype(np.int64)


def _scope(dataset: Dataset, sector: str, segment: str | None):
    """:func:`sector_scope`, plus where each member's organisation and each account's member is.

    Returns
    -------
    organizations, members, accounts : pandas.DataFrame
    member_org : numpy.ndarray
        Position in ``organizations`` of each member's organisation.
    account_member : numpy.ndarray
        Position in ``members`` of each account's member.
    """
    return _scope_rows(dataset, sector, segment)[:5]


def _scope_rows(dataset: Dataset, sector: str, segment: str | None):
    """:func:`_scope`, plus the mask of the dataset's accounts that are in the scope."""
    dataset.settings.sector(sector)  # raises KeyError naming the known sectors
    orgs = dataset.organizations
    mask = (orgs["sector"] == sector).to_numpy(dtype=bool)
    if segment is not None:
        dataset.settings.sector(sector).segment(segment)
        mask = mask & (orgs["segment"] == segment).to_numpy(dtype=bool)
    parents = dataset.parents()  # positions in the whole tables, renumbered within the scope
    orgs = _rows(orgs, mask)
    member_org = parents.within("members", mask)
    member_kept = member_org >= 0
    members = _rows(dataset.members, member_kept)
    account_member = parents.within("accounts", member_kept)
    account_kept = account_member >= 0
    accounts = _rows(dataset.accounts, account_kept)
    return orgs, members, accounts, member_org[member_kept], account_member[account_kept], account_kept


def sector_scope(dataset: Dataset, sector: str, segment: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The organisations, members and accounts of a sector (and optionally one segment).

    Returns
    -------
    organizations, members, accounts : pandas.DataFrame
        Rows of the dataset's tables, in file order, restricted to the scope (new frames: when the
        scope is the whole table they share its data, which copy-on-write keeps safe).
    """
    return _scope(dataset, sector, segment)[:3]


def score_posts(dataset: Dataset, sector: str, period: Period,
                methodology: Methodology = DEFAULT_METHODOLOGY, segment: str | None = None,
                columns: list[str] | tuple[str, ...] | None = None) -> pd.DataFrame:
    """The counted posts of a scope, with their author and engagement.

    A post counts when its kind is one of the methodology's ``counted_kinds`` (default original
    and quote) and ``period.start <= published_at < period.end``. Its engagement is the weighted
    sum of its metrics (an empty count adds nothing) times its platform's weight. Its score is
    its contribution to its member's and Direction's scores (:func:`post_scores`): the engagement
    itself unless the methodology caps or transforms it; the cap is computed over the posts
    counted here (the whole sector when ``segment`` is None, as the scored scope does).

    Parameters
    ----------
    dataset : Dataset
    sector : str
        Sector key of dataset.yml.
    period : Period
        The half-open UTC period.
    methodology : Methodology
    segment : str, optional
        Restrict to one segment of the sector.
    columns : list of str, optional
        The posts' columns to keep (default: all of them). A caller that needs only the scores
        (a ranking) passes ``[]``: the counted posts' other columns, texts included, are then not
        copied, which on 10^7 posts saves about a gigabyte and a second.

    Returns
    -------
    pandas.DataFrame
        The posts' columns (or ``columns``) plus ``member_id``, ``org_id`` (categoricals over the
        scope's members and organisations, so grouping is cheap), ``platform``, ``engagement``,
        ``has_empty_count`` (likes, comments or shares empty) and ``score``, in the dataset's row
        order.
    """
    orgs, members, accounts, member_org, account_member, account_kept = _scope_rows(dataset, sector, segment)
    posts = dataset.posts
    stamps = posts["published_at"]
    keep = (
        _in(posts["kind"], methodology.counted_kinds)
        & (stamps >= period.start).to_numpy(dtype=bool)
        & (stamps < period.end).to_numpy(dtype=bool)
    )
    # each post's account in the scope (-1: outside it), as 32-bit positions: 10^7 of them
    account_pos = dataset.parents().within("posts", account_kept, keep)
    in_scope = account_pos >= 0
    if not in_scope.all():  # posts of accounts outside the sector (or segment)
        keep[keep] = in_scope
        account_pos = account_pos[in_scope]
    kept = list(posts.columns) if columns is None else [c for c in posts.columns if c in columns]
    counted = _rows(posts[kept], keep)
    member_pos = account_member.astype(np.int32)[account_pos]
    platform = _platform_codes(accounts["platform"])[account_pos]
    del account_pos

    engagement, empty = _engagement(posts, keep, methodology)
    platform_weights = np.array([methodology.platform_weight(p) for p in PLATFORMS])
    if (platform_weights != 1).any():
        engagement *= platform_weights[platform]

    # codes in range by construction (positions in these very tables): not checked again
    counted["member_id"] = pd.Categorical.from_codes(member_pos, dtype=pd.CategoricalDtype(members["member_id"]),
                                                     validate=False)
    counted["org_id"] = pd.Categorical.from_codes(member_org.astype(np.int32)[member_pos],
                                                  dtype=pd.CategoricalDtype(orgs["org_id"]), validate=False)
    counted["platform"] = pd.Categorical.from_codes(platform, categories=PLATFORMS)
    counted["engagement"] = _as_number(engagement, methodology)
    counted["has_empty_count"] = empty
    if methodology.scores_posts_as_engagement:
        counted["score"] = counted["engagement"]  # the same values: copy-on-write shares them
    else:
        counted["score"] = post_scores(counted["engagement"].to_numpy(), methodology)
    return counted


def _platform_codes(platforms: pd.Series) -> np.ndarray:
    """Code of each account's platform in ``PLATFORMS``."""
    codes = pc.index_in(_arrow_text(platforms), value_set=pa.array(list(PLATFORMS), type=_TEXT))
    return codes.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int8)


def _values(column: pd.Series):
    """A column's values for a new frame: Arrow text kept as is (a numpy copy would be Python objects)."""
    return column.array if _is_arrow_text(column.dtype) else column.to_numpy()


def _engagement(posts: pd.DataFrame, rows: np.ndarray, methodology: Methodology) -> tuple[np.ndarray, np.ndarray]:
    """Weighted sum of the metrics of the kept posts (``rows``, a mask), and whether a required one is empty.

    The weighted counts are summed over every post, column by column (Arrow fills the empty
    ones), and the kept posts taken once at the end: one selection instead of one per column.
    An empty count adds nothing; an absent column (no such count collected) reads as empty
    everywhere.

    Returns
    -------
    engagement : numpy.ndarray
        float64, before platform weights.
    has_empty_count : numpy.ndarray
        bool: likes, comments or shares empty.
    """
    engagement, empty = np.zeros(len(posts)), np.zeros(len(posts), dtype=bool)
    for metric in METRICS:
        if metric not in posts.columns:
            empty |= metric in REQUIRED_METRICS
            continue
        values = pa.array(posts[metric])  # in Arrow: faster than pandas' masked arrays here
        weight = methodology.metric_weight(metric)
        if weight:
            counts = pc.fill_null(values, 0).to_numpy(zero_copy_only=False)
            engagement += counts if weight == 1 else counts * float(weight)
        if metric in REQUIRED_METRICS:
            empty |= pc.is_null(values).to_numpy(zero_copy_only=False)
    return engagement[rows], empty[rows]


def _codes(column: pd.Series, keys: pd.Series) -> np.ndarray:
    if isinstance(column.dtype, pd.CategoricalDtype) and column.cat.categories.equals(pd.Index(keys)):
        return column.cat.codes.to_numpy().astype(np.int64)
    return positions(column, keys)


def score_members(members: pd.DataFrame, posts: pd.DataFrame) -> pd.DataFrame:
    """Score, engagement and counted posts of every member of a scope, posting or not.

    Parameters
    ----------
    members : pandas.DataFrame
        The scope's members (see :func:`sector_scope`).
    posts : pandas.DataFrame
        Scored posts of the same scope (see :func:`score_posts`).

    Returns
    -------
    pandas.DataFrame
        ``member_id, full_name, org_id, score, engagement, posts`` in the members' order; a
        member's score is the sum of their posts' scores (their engagement unless the methodology
        caps or transforms posts).
    """
    codes = _codes(posts["member_id"], members["member_id"])
    n = len(members)
    engagement = _group_sum(codes, posts["engagement"], n)
    same = "score" not in posts.columns or _same_values(posts["score"], posts["engagement"])
    score = engagement if same else _group_sum(codes, posts["score"], n)
    counts = np.bincount(codes, minlength=n).astype(np.int64)
    return pd.DataFrame({
        "member_id": _values(members["member_id"]),
        "full_name": _values(members["full_name"]),
        "org_id": _values(members["org_id"]),
        "score": score,
        "engagement": engagement,
        "posts": counts,
    })


def _same_values(a: pd.Series, b: pd.Series) -> bool:
    """True when two columns are views of the same buffer (the default methodology's score is its engagement)."""
    x, y = a.to_numpy(), b.to_numpy()
    return (x.dtype == y.dtype and x.shape == y.shape and x.strides == y.strides
            and x.__array_interface__["data"][0] == y.__array_interface__["data"][0])


def _group_sum(codes: np.ndarray, values: pd.Series, n: int) -> np.ndarray:
    """Sum of ``values`` per group code: int64 for whole-number columns, float64 otherwise."""
    total = np.bincount(codes, weights=values.to_numpy(dtype=float), minlength=n)
    return total.round().astype(np.int64) if pd.api.types.is_integer_dtype(values) else total


def score_directions(organizations: pd.DataFrame, member_scores: pd.DataFrame,
                     methodology: Methodology = DEFAULT_METHODOLOGY, posts: pd.DataFrame | None = None,
                     followers: np.ndarray | None = None) -> pd.DataFrame:
    """Engagement, posts and members of every Direction of a scope, and its score.

    Parameters
    ----------
    organizations : pandas.DataFrame
        The scope's organisations.
    member_scores : pandas.DataFrame
        Output of :func:`score_members` for the same scope.
    methodology : Methodology
        The Direction-level rule (:func:`normalized_score`): the sum of the members' scores, less
        the best post when ``drop_best_posts`` is 1, then ``normalization``.
    posts : pandas.DataFrame, optional
        The scored posts (:func:`score_posts`); required when ``drop_best_posts`` is 1.
    followers : numpy.ndarray, optional
        Followers of each member of ``member_scores`` (NaN when unknown, see
        :func:`member_followers`); required for ``per_1000_followers``.

    Returns
    -------
    pandas.DataFrame
        ``org_id, name, segment, score, engagement, posts, active_members, members`` in the
        organisations' order (organisations without members score 0); with
        ``per_1000_followers``, also ``followers`` (of the members whose followers are known)
        and ``followers_known_share`` (their share of the members; empty without members).
    """
    codes = positions(member_scores["org_id"], organizations["org_id"])
    n = len(organizations)
    engagement = _group_sum(codes, member_scores["engagement"], n)
    member_score = member_scores["score"]
    posts_count = np.bincount(codes, weights=member_scores["posts"].to_numpy(dtype=float), minlength=n).astype(np.int64)
    active = np.bincount(codes, weights=(member_scores["posts"].to_numpy() > 0), minlength=n).astype(np.int64)
    members = np.bincount(codes, minlength=n).astype(np.int64)
    by_followers = methodology.normalization == "per_1000_followers"
    if by_followers:
        if followers is None or len(followers) != len(member_scores):
            raise ValueError("per_1000_followers needs the followers of every member (member_followers)")
        known = ~np.isnan(followers)
        counted = known  # the members whose posts count: those whose followers are known
    else:
        counted = np.ones(len(member_scores), dtype=bool)
    score_sum = _group_sum(codes[counted], member_score[counted], n)
    best = None
    if methodology.drop_best_posts:
        if posts is None:
            raise ValueError("drop_best_posts needs the scored posts (score_posts)")
        post_member = _codes(posts["member_id"], member_scores["member_id"])
        post_org = np.where(post_member >= 0, codes[post_member], -1)
        keep = (post_org >= 0) & counted[post_member]
        best = best_post_scores(post_org[keep], posts["score"].to_numpy()[keep], n)
    known_followers = None
    if by_followers:
        known_followers = np.bincount(codes[known], weights=followers[known], minlength=n)
    score = normalized_score(score_sum, members, active, methodology, best_post=best, followers=known_followers)
    frame = pd.DataFrame({
        "org_id": _values(organizations["org_id"]),
        "name": _values(organizations["name"]),
        "segment": _values(organizations["segment"]),
        "score": score,
        "engagement": engagement,
        "posts": posts_count,
        "active_members": active,
        "members": members,
    })
    if by_followers:
        frame["followers"] = known_followers.round().astype(np.int64)
        share = np.full(n, np.nan)
        np.divide(np.bincount(codes[known], minlength=n), members, out=share, where=members > 0)
        frame["followers_known_share"] = share.round(QUOTIENT_DECIMALS)
    return frame


def best_post_scores(org_codes: np.ndarray, scores: np.ndarray, n: int) -> np.ndarray:
    """The highest post score of each Direction (0 for a Direction without posts).

    Parameters
    ----------
    org_codes : numpy.ndarray
        Each post's Direction, as a position in ``0..n-1``.
    scores : numpy.ndarray
        Each post's score (:func:`post_scores`), >= 0.
    n : int
        Number of Directions.
    """
    best = np.zeros(n, dtype=scores.dtype if scores.dtype.kind in "iu" else float)
    np.maximum.at(best, org_codes, scores)  # scores are >= 0: 0 is a neutral start
    return best


def member_followers(members: pd.DataFrame, accounts: pd.DataFrame) -> np.ndarray:
    """Followers of each member: the sum over their accounts, NaN when one of them is unknown.

    A member without any account has 0 followers on the platforms studied (known); an account
    whose ``followers`` is empty makes its member's followers unknown.

    Parameters
    ----------
    members : pandas.DataFrame
        The scope's members.
    accounts : pandas.DataFrame
        The scope's accounts (``member_id``, ``followers``).

    Returns
    -------
    numpy.ndarray
        float64, in the members' order.
    """
    codes = positions(accounts["member_id"], members["member_id"])
    inside = codes >= 0
    counts = accounts["followers"].to_numpy(dtype=float, na_value=np.nan)[inside] if "followers" in accounts.columns \
        else np.full(int(inside.sum()), np.nan)
    codes = codes[inside]
    unknown = np.bincount(codes, weights=np.isnan(counts), minlength=len(members)) > 0
    total = np.bincount(codes, weights=np.nan_to_num(counts), minlength=len(members))
    total[unknown] = np.nan
    return total


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


def normalized_score(engagement: np.ndarray, members: np.ndarray, active_members: np.ndarray,
                     methodology: Methodology, best_post: np.ndarray | None = None,
                     followers: np.ndarray | None = None) -> np.ndarray:
    """A Direction's score from the sum of its posts' scores: the methodology's Direction-level rule.

    The one place the rule lives: scoring and every bootstrap replicate use it. Arrays broadcast,
    so a (replicates × Directions) matrix is scored at once. In order:

    1. ``drop_best_posts: 1``: the Direction's best post score is taken off the sum;
    2. ``normalization``: ``none`` keeps the sum; ``per_member`` / ``per_active_member`` divide it
       by the count of members / active members; ``per_1000_followers`` multiplies it by 1,000
       and divides by the followers (of the members whose followers are known: the caller sums
       only those members' posts). 0 when the divisor is 0.

    A quotient is rounded to 6 decimals.

    Parameters
    ----------
    engagement : numpy.ndarray
        Per Direction (or per replicate and Direction): the sum of its posts' scores (its
        engagement under the default methodology).
    members, active_members : numpy.ndarray
        Per Direction (or per replicate and Direction).
    methodology : Methodology
    best_post : numpy.ndarray, optional
        The best post score of each Direction (:func:`best_post_scores`), among the posts summed;
        required when ``drop_best_posts`` is 1.
    followers : numpy.ndarray, optional
        Followers of each Direction's members whose followers are known; required for
        ``per_1000_followers``.
    """
    numerator = engagement
    if methodology.drop_best_posts:
        if best_post is None:
            raise ValueError("drop_best_posts needs each Direction's best post score (best_post)")
        numerator = np.asarray(numerator) - np.asarray(best_post)
    if methodology.normalization == "none":
        return numerator
    if methodology.normalization == "per_1000_followers":
        if followers is None:
            raise ValueError("per_1000_followers needs each Direction's known followers (followers)")
        numerator, divisor = np.asarray(numerator, dtype=float) * 1000, np.asarray(followers, dtype=float)
    else:
        divisor = np.asarray(members if methodology.normalization == "per_member" else active_members)
        numerator = np.asarray(numerator, dtype=float)
    shape = np.broadcast_shapes(numerator.shape, divisor.shape)
    out = np.zeros(shape, dtype=float)
    return np.divide(numerator, divisor, out=out, where=np.broadcast_to(divisor > 0, shape)).round(QUOTIENT_DECIMALS)
