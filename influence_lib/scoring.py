"""Scoring: which posts count, their engagement and score contribution, and their sums per member and per Direction."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from influence_lib.arrow import is_arrow_text as _is_arrow_text
from influence_lib.arrow import positions
from influence_lib.arrow import take_rows as _rows
from influence_lib.dataset import Dataset, Parents
from influence_lib.post_arrays import AccountArrays, PostArrays
from influence_lib.post_rules import CountedPosts, count_posts
from influence_lib.settings import DEFAULT_METHODOLOGY, PLATFORMS, Methodology, Period

DIRECTION_SCORE_COLUMNS = ["org_id", "name", "segment", "score", "engagement", "posts", "active_members", "members"]
MEMBER_SCORE_COLUMNS = ["member_id", "full_name", "org_id", "score", "engagement", "posts"]
FOLLOWER_COLUMNS = ["followers", "followers_known_share"]  # after the Direction columns, per_1000_followers only
QUOTIENT_DECIMALS = 6  # a normalised score (a quotient) is rounded to 6 decimals


@dataclass(frozen=True)
class ScopeRows:
    """Which rows of a dataset's tables are in a scope (a sector, or one of its segments), and where their parents are.

    Attributes
    ----------
    org_kept, member_kept, account_kept : numpy.ndarray
        ``bool`` masks over the dataset's organisations, members and accounts.
    member_org : numpy.ndarray
        ``int32``: position, among the kept organisations, of each kept member's organisation.
    account_member : numpy.ndarray
        ``int32``: position, among the kept members, of each kept account's member.
    """

    org_kept: np.ndarray
    member_kept: np.ndarray
    account_kept: np.ndarray
    member_org: np.ndarray
    account_member: np.ndarray

    @property
    def members(self) -> int:
        """Number of members in the scope."""
        return len(self.member_org)

    @property
    def organizations(self) -> int:
        """Number of organisations in the scope."""
        return int(np.count_nonzero(self.org_kept))


def scope_rows(organizations: pd.DataFrame, parents: Parents, settings, sector: str,
               segment: str | None = None) -> ScopeRows:
    """The rows of a dataset's tables that are in a sector (or one segment).

    Parameters
    ----------
    organizations : pandas.DataFrame
        The dataset's organisations (``sector``, ``segment``).
    parents : Parents
        The dataset's parent positions (:meth:`influence_lib.dataset.Dataset.parents`).
    settings : DatasetSettings
        Its settings (``KeyError`` naming the known sectors or segments for an unknown key).
    sector : str
    segment : str, optional

    Returns
    -------
    ScopeRows
    """
    settings.sector(sector)  # raises KeyError naming the known sectors
    org_kept = (organizations["sector"] == sector).to_numpy(dtype=bool)
    if segment is not None:
        settings.sector(sector).segment(segment)
        org_kept = org_kept & (organizations["segment"] == segment).to_numpy(dtype=bool)
    member_org = parents.within("members", org_kept)  # positions in the whole tables, renumbered within the scope
    member_kept = member_org >= 0
    account_member = parents.within("accounts", member_kept)
    account_kept = account_member >= 0
    return ScopeRows(org_kept, member_kept, account_kept, member_org[member_kept], account_member[account_kept])


def _scope_rows(dataset: Dataset, sector: str, segment: str | None) -> ScopeRows:
    return scope_rows(dataset.organizations, dataset.parents(), dataset.settings, sector, segment)


def sector_scope(dataset: Dataset, sector: str, segment: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The organisations, members and accounts of a sector (and optionally one segment).

    Returns
    -------
    organizations, members, accounts : pandas.DataFrame
        Rows of the dataset's tables, in file order, restricted to the scope (new frames: when the
        scope is the whole table they share its data, which copy-on-write keeps safe).
    """
    rows = _scope_rows(dataset, sector, segment)
    return (_rows(dataset.organizations, rows.org_kept), _rows(dataset.members, rows.member_kept),
            _rows(dataset.accounts, rows.account_kept))


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
    rows = _scope_rows(dataset, sector, segment)
    found = count_posts(dataset.post_arrays(), dataset.parents(), rows.account_kept, rows.account_member,
                        dataset.account_arrays().platform, period, methodology)
    return counted_posts_frame(dataset.posts, found, _rows(dataset.organizations, rows.org_kept),
                               _rows(dataset.members, rows.member_kept), rows.member_org, columns)


def counted_posts_frame(posts: pd.DataFrame, found: CountedPosts, organizations: pd.DataFrame, members: pd.DataFrame,
                        member_org: np.ndarray, columns: list[str] | tuple[str, ...] | None = None) -> pd.DataFrame:
    """The table of :func:`score_posts` from the counted posts found on arrays (:func:`count_posts`).

    ``organizations`` and ``members`` are the scope's, ``member_org`` the position of each
    member's organisation among them (:class:`ScopeRows`).
    """
    kept = list(posts.columns) if columns is None else [c for c in posts.columns if c in columns]
    counted = _rows(posts[kept], found.rows)
    # codes in range by construction (positions in these very tables): not checked again
    counted["member_id"] = pd.Categorical.from_codes(found.member, dtype=pd.CategoricalDtype(members["member_id"]),
                                                     validate=False)
    counted["org_id"] = pd.Categorical.from_codes(member_org.astype(np.int32)[found.member],
                                                  dtype=pd.CategoricalDtype(organizations["org_id"]), validate=False)
    counted["platform"] = pd.Categorical.from_codes(found.platform, categories=PLATFORMS)
    counted["engagement"] = found.engagement
    counted["has_empty_count"] = found.has_empty_count
    # the score is the engagement itself unless posts are capped or transformed: then the columns share it
    counted["score"] = counted["engagement"] if found.score is found.engagement else found.score
    return counted


@dataclass(frozen=True)
class ScopeScores:
    """A scope scored on arrays (:func:`score_scope`).

    Attributes
    ----------
    posts : CountedPosts
    member_score, member_engagement, member_posts : numpy.ndarray
        Per member of the scope (:func:`member_totals`).
    directions : dict
        Per Direction of the scope (:func:`direction_totals`).
    """

    posts: CountedPosts
    member_score: np.ndarray
    member_engagement: np.ndarray
    member_posts: np.ndarray
    directions: dict


def score_scope(posts: PostArrays, accounts: AccountArrays, parents: Parents, rows: ScopeRows, period: Period,
                methodology: Methodology) -> ScopeScores:
    """Score a scope on arrays: its counted posts, then sums per member, then each Direction's score.

    The composition every ranking goes through (:func:`influence_lib.scope.score_period` builds
    its tables from it): posts are scored over the whole scope (a ``post_cap`` is its quantile),
    members sum their posts, Directions their members.

    Parameters
    ----------
    posts : PostArrays
    accounts : AccountArrays
    parents : Parents
    rows : ScopeRows
        The scope (:func:`scope_rows`).
    period : Period
    methodology : Methodology

    Returns
    -------
    ScopeScores
    """
    found = count_posts(posts, parents, rows.account_kept, rows.account_member, accounts.platform, period, methodology)
    score, engagement, counts = member_totals(found.member, found.engagement, found.score, rows.members)
    followers = None
    if methodology.normalization == "per_1000_followers":
        followers = followers_per_member(rows.account_member, accounts.followers[rows.account_kept], rows.members)
    directions = direction_totals(rows.member_org, score, engagement, counts, rows.organizations, methodology,
                                  followers, found.member, found.score)
    return ScopeScores(found, score, engagement, counts, directions)


def _values(column: pd.Series):
    """A column's values for a new frame: Arrow text kept as is (a numpy copy would be Python objects)."""
    return column.array if _is_arrow_text(column.dtype) else column.to_numpy()


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
    same = "score" not in posts.columns or _same_values(posts["score"], posts["engagement"])
    engagement = posts["engagement"].to_numpy()
    score, engagement, counts = member_totals(codes, engagement, engagement if same else posts["score"].to_numpy(),
                                              len(members))
    return member_scores_frame(members, score, engagement, counts)


def member_scores_frame(members: pd.DataFrame, score: np.ndarray, engagement: np.ndarray,
                        posts: np.ndarray) -> pd.DataFrame:
    """The table of :func:`score_members` from the members' sums (:func:`member_totals`)."""
    return pd.DataFrame({
        "member_id": _values(members["member_id"]),
        "full_name": _values(members["full_name"]),
        "org_id": _values(members["org_id"]),
        "score": score,
        "engagement": engagement,
        "posts": posts,
    })


def member_totals(codes: np.ndarray, engagement: np.ndarray, score: np.ndarray, n: int):
    """Sums per member of counted posts: score, engagement and number of posts.

    Parameters
    ----------
    codes : numpy.ndarray
        Each counted post's member, as a position in ``0..n-1``.
    engagement, score : numpy.ndarray
        Each counted post's engagement and score (``score`` may be ``engagement`` itself).
    n : int
        Number of members.

    Returns
    -------
    score, engagement, posts : numpy.ndarray
        Per member: ``int64`` sums of whole numbers, ``float64`` otherwise; ``posts`` ``int64``.
    """
    total = _group_sum(codes, engagement, n)
    score_total = total if score is engagement else _group_sum(codes, score, n)
    return score_total, total, np.bincount(codes, minlength=n).astype(np.int64)


def _same_values(a: pd.Series, b: pd.Series) -> bool:
    """True when two columns are views of the same buffer (the default methodology's score is its engagement)."""
    x, y = a.to_numpy(), b.to_numpy()
    return (x.dtype == y.dtype and x.shape == y.shape and x.strides == y.strides
            and x.__array_interface__["data"][0] == y.__array_interface__["data"][0])


def _group_sum(codes: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Sum of ``values`` per group code: int64 for whole-number values, float64 otherwise."""
    total = np.bincount(codes, weights=np.asarray(values, dtype=float), minlength=n)
    return total.round().astype(np.int64) if np.asarray(values).dtype.kind in "iub" else total


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
    post_member = None
    if methodology.drop_best_posts:
        if posts is None:
            raise ValueError("drop_best_posts needs the scored posts (score_posts)")
        post_member = _codes(posts["member_id"], member_scores["member_id"])
    totals = direction_totals(codes, member_scores["score"].to_numpy(), member_scores["engagement"].to_numpy(),
                              member_scores["posts"].to_numpy(), len(organizations), methodology, followers,
                              post_member, None if posts is None else posts["score"].to_numpy())
    return direction_scores_frame(organizations, totals)


def direction_scores_frame(organizations: pd.DataFrame, totals: dict) -> pd.DataFrame:
    """The table of :func:`score_directions` from the Directions' totals (:func:`direction_totals`)."""
    return pd.DataFrame({
        "org_id": _values(organizations["org_id"]),
        "name": _values(organizations["name"]),
        "segment": _values(organizations["segment"]),
        **totals,
    })


def direction_totals(codes: np.ndarray, member_score: np.ndarray, member_engagement: np.ndarray,
                     member_posts: np.ndarray, n: int, methodology: Methodology, followers: np.ndarray | None = None,
                     post_member: np.ndarray | None = None, post_score: np.ndarray | None = None) -> dict:
    """The rules of :func:`score_directions` on arrays: each Direction's sums over its members, and its score.

    Parameters
    ----------
    codes : numpy.ndarray
        Each member's Direction, as a position in ``0..n-1``.
    member_score, member_engagement, member_posts : numpy.ndarray
        Per member (:func:`member_totals`).
    n : int
        Number of Directions.
    methodology : Methodology
    followers : numpy.ndarray, optional
        Per member (:func:`followers_per_member`); required for ``per_1000_followers``.
    post_member, post_score : numpy.ndarray, optional
        Each counted post's member (a position among the members) and score; required when
        ``drop_best_posts`` is 1.

    Returns
    -------
    dict
        ``score, engagement, posts, active_members, members`` (and with ``per_1000_followers``,
        ``followers`` and ``followers_known_share``), arrays in the Directions' order.
    """
    engagement = _group_sum(codes, member_engagement, n)
    posts_count = np.bincount(codes, weights=np.asarray(member_posts, dtype=float), minlength=n).astype(np.int64)
    active = np.bincount(codes, weights=(np.asarray(member_posts) > 0), minlength=n).astype(np.int64)
    members = np.bincount(codes, minlength=n).astype(np.int64)
    by_followers = methodology.normalization == "per_1000_followers"
    if by_followers:
        if followers is None or len(followers) != len(codes):
            raise ValueError("per_1000_followers needs the followers of every member (member_followers)")
        known = ~np.isnan(followers)
        counted = known  # the members whose posts count: those whose followers are known
    else:
        counted = np.ones(len(codes), dtype=bool)
    score_sum = _group_sum(codes[counted], np.asarray(member_score)[counted], n)
    best = None
    if methodology.drop_best_posts:
        if post_member is None or post_score is None:
            raise ValueError("drop_best_posts needs the scored posts (score_posts)")
        post_org = np.where(post_member >= 0, codes[post_member], -1)
        keep = (post_org >= 0) & counted[post_member]
        best = best_post_scores(post_org[keep], np.asarray(post_score)[keep], n)
    known_followers = None
    if by_followers:
        known_followers = np.bincount(codes[known], weights=followers[known], minlength=n)
    totals = {
        "score": normalized_score(score_sum, members, active, methodology, best_post=best, followers=known_followers),
        "engagement": engagement,
        "posts": posts_count,
        "active_members": active,
        "members": members,
    }
    if by_followers:
        totals["followers"] = known_followers.round().astype(np.int64)
        share = np.full(n, np.nan)
        np.divide(np.bincount(codes[known], minlength=n), members, out=share, where=members > 0)
        totals["followers_known_share"] = share.round(QUOTIENT_DECIMALS)
    return totals


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
    counts = accounts["followers"].to_numpy(dtype=float, na_value=np.nan) if "followers" in accounts.columns \
        else np.full(len(accounts), np.nan)
    return followers_per_member(codes, counts, len(members))


def followers_per_member(codes: np.ndarray, followers: np.ndarray, n: int) -> np.ndarray:
    """The rule of :func:`member_followers` on arrays.

    Parameters
    ----------
    codes : numpy.ndarray
        Each account's member, as a position in ``0..n-1`` (-1: not one of them, left out).
    followers : numpy.ndarray
        Each account's followers, ``float64``, NaN when unknown.
    n : int
        Number of members.
    """
    inside = codes >= 0
    counts, codes = followers[inside], codes[inside]
    unknown = np.bincount(codes, weights=np.isnan(counts), minlength=n) > 0
    total = np.bincount(codes, weights=np.nan_to_num(counts), minlength=n)
    total[unknown] = np.nan
    return total


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
