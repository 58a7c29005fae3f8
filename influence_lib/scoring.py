"""Scoring: which posts count, their engagement, and its sum per member and per Direction."""

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
    dataset.settings.sector(sector)  # raises KeyError naming the known sectors
    orgs = dataset.organizations
    mask = (orgs["sector"] == sector).to_numpy(dtype=bool)
    if segment is not None:
        dataset.settings.sector(sector).segment(segment)
        mask = mask & (orgs["segment"] == segment).to_numpy(dtype=bool)
    orgs = _rows(orgs, mask)
    member_org = positions(dataset.members["org_id"], orgs["org_id"])
    members = _rows(dataset.members, member_org >= 0)
    member_org = member_org[member_org >= 0]
    account_member = positions(dataset.accounts["member_id"], members["member_id"])
    accounts = _rows(dataset.accounts, account_member >= 0)
    account_member = account_member[account_member >= 0]
    return orgs, members, accounts, member_org, account_member


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
    sum of its metrics (an empty count adds nothing) times its platform's weight.

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
        scope's members and organisations, so grouping is cheap), ``platform``, ``engagement``
        and ``has_empty_count`` (likes, comments or shares empty), in the dataset's row order.
    """
    orgs, members, accounts, member_org, account_member = _scope(dataset, sector, segment)
    posts = dataset.posts
    stamps = posts["published_at"]
    keep = (
        _in(posts["kind"], methodology.counted_kinds)
        & (stamps >= period.start).to_numpy(dtype=bool)
        & (stamps < period.end).to_numpy(dtype=bool)
    )
    # each post's account in the scope (-1: outside it), as 32-bit positions: 10^7 of them
    account_pos = pc.index_in(_arrow_text(posts["account_id"]), value_set=_arrow_text(accounts["account_id"]))
    account_pos = account_pos.fill_null(-1).to_numpy(zero_copy_only=False)[keep]
    in_scope = account_pos >= 0
    if not in_scope.all():  # posts of accounts outside the sector (or segment)
        keep[keep] = in_scope
        account_pos = account_pos[in_scope]
    kept = list(posts.columns) if columns is None else [c for c in posts.columns if c in columns]
    counted = _rows(posts[kept], keep)
    member_pos = account_member.astype(np.int32)[account_pos]
    platform = _platform_codes(accounts["platform"])[account_pos]
    del account_pos

    engagement, empty = _engagement(posts, pa.array(keep), methodology)
    platform_weights = np.array([methodology.platform_weight(p) for p in PLATFORMS])
    if (platform_weights != 1).any():
        engagement *= platform_weights[platform]

    counted["member_id"] = pd.Categorical.from_codes(member_pos, categories=pd.Index(members["member_id"]))
    counted["org_id"] = pd.Categorical.from_codes(member_org.astype(np.int32)[member_pos],
                                                  categories=pd.Index(orgs["org_id"]))
    counted["platform"] = pd.Categorical.from_codes(platform, categories=PLATFORMS)
    counted["engagement"] = _as_number(engagement, methodology)
    counted["has_empty_count"] = empty
    return counted


def _platform_codes(platforms: pd.Series) -> np.ndarray:
    """Code of each account's platform in ``PLATFORMS``."""
    codes = pc.index_in(_arrow_text(platforms), value_set=pa.array(list(PLATFORMS), type=_TEXT))
    return codes.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int8)


def _values(column: pd.Series):
    """A column's values for a new frame: Arrow text kept as is (a numpy copy would be Python objects)."""
    return column.array if _is_arrow_text(column.dtype) else column.to_numpy()


def _engagement(posts: pd.DataFrame, rows: pa.BooleanArray, methodology: Methodology) -> tuple[np.ndarray, np.ndarray]:
    """Weighted sum of the metrics of the kept posts (``rows``), and whether a required one is empty.

    Each count column is filtered in Arrow, over its own buffers, so only the kept posts are
    copied, and added in place. An empty count adds nothing; an absent column (no such count
    collected) reads as empty everywhere.

    Returns
    -------
    engagement : numpy.ndarray
        float64, before platform weights.
    has_empty_count : numpy.ndarray
        bool: likes, comments or shares empty.
    """
    n = rows.true_count
    engagement, empty = np.zeros(n), np.zeros(n, dtype=bool)
    for metric in METRICS:
        if metric not in posts.columns:
            empty |= metric in REQUIRED_METRICS
            continue
        values = pc.filter(pa.array(posts[metric]), rows)
        weight = methodology.metric_weight(metric)
        if weight:
            counts = pc.fill_null(values, 0).to_numpy(zero_copy_only=False)
            engagement += counts if weight == 1 else counts * float(weight)
        if metric in REQUIRED_METRICS:
            empty |= pc.is_null(values).to_numpy(zero_copy_only=False)
    return engagement, empty


def _codes(column: pd.Series, keys: pd.Series) -> np.ndarray:
    if isinstance(column.dtype, pd.CategoricalDtype) and column.cat.categories.equals(pd.Index(keys)):
        return column.cat.codes.to_numpy().astype(np.int64)
    return positions(column, keys)


def score_members(members: pd.DataFrame, posts: pd.DataFrame) -> pd.DataFrame:
    """Engagement and counted posts of every member of a scope, posting or not.

    Parameters
    ----------
    members : pandas.DataFrame
        The scope's members (see :func:`sector_scope`).
    posts : pandas.DataFrame
        Scored posts of the same scope (see :func:`score_posts`).

    Returns
    -------
    pandas.DataFrame
        ``member_id, full_name, org_id, score, engagement, posts`` in the members' order; the
        score of a member is their engagement.
    """
    codes = _codes(posts["member_id"], members["member_id"])
    n = len(members)
    engagement = np.bincount(codes, weights=posts["engagement"].to_numpy(dtype=float), minlength=n)
    counts = np.bincount(codes, minlength=n).astype(np.int64)
    engagement = engagement.round().astype(np.int64) if pd.api.types.is_integer_dtype(posts["engagement"]) else engagement
    return pd.DataFrame({
        "member_id": _values(members["member_id"]),
        "full_name": _values(members["full_name"]),
        "org_id": _values(members["org_id"]),
        "score": engagement,
        "engagement": engagement,
        "posts": counts,
    })


def score_directions(organizations: pd.DataFrame, member_scores: pd.DataFrame,
                     methodology: Methodology = DEFAULT_METHODOLOGY) -> pd.DataFrame:
    """Engagement, posts and members of every Direction of a scope, and its score.

    Parameters
    ----------
    organizations : pandas.DataFrame
        The scope's organisations.
    member_scores : pandas.DataFrame
        Output of :func:`score_members` for the same scope.
    methodology : Methodology
        ``normalization`` turns engagement into the score: ``none`` (score = engagement),
        ``per_member`` or ``per_active_member`` (0 when the divisor is 0).

    Returns
    -------
    pandas.DataFrame
        ``org_id, name, segment, score, engagement, posts, active_members, members`` in the
        organisations' order; organisations without members score 0.
    """
    codes = positions(member_scores["org_id"], organizations["org_id"])
    n = len(organizations)
    engagement = np.bincount(codes, weights=member_scores["engagement"].to_numpy(dtype=float), minlength=n)
    if pd.api.types.is_integer_dtype(member_scores["engagement"]):
        engagement = engagement.round().astype(np.int64)
    posts = np.bincount(codes, weights=member_scores["posts"].to_numpy(dtype=float), minlength=n).astype(np.int64)
    active = np.bincount(codes, weights=(member_scores["posts"].to_numpy() > 0), minlength=n).astype(np.int64)
    members = np.bincount(codes, minlength=n).astype(np.int64)
    score = normalized_score(engagement, members, active, methodology)
    return pd.DataFrame({
        "org_id": _values(organizations["org_id"]),
        "name": _values(organizations["name"]),
        "segment": _values(organizations["segment"]),
        "score": score,
        "engagement": engagement,
        "posts": posts,
        "active_members": active,
        "members": members,
    })


def normalized_score(engagement: np.ndarray, members: np.ndarray, active_members: np.ndarray,
                     methodology: Methodology) -> np.ndarray:
    """A Direction's score from its engagement, under the methodology's ``normalization``.

    The one place the rule lives: scoring and every bootstrap replicate use it. Arrays broadcast,
    so a (replicates × Directions) matrix of engagement is scored at once.

    Parameters
    ----------
    engagement, members, active_members : numpy.ndarray
        Per Direction (or per replicate and Direction).
    methodology : Methodology
        ``none``: the engagement itself; ``per_member`` / ``per_active_member``: divided by the
        count, rounded to 6 decimals, 0 when the count is 0.
    """
    if methodology.normalization == "none":
        return engagement
    divisor = np.asarray(members if methodology.normalization == "per_member" else active_members)
    engagement = np.asarray(engagement, dtype=float)
    shape = np.broadcast_shapes(engagement.shape, divisor.shape)
    out = np.zeros(shape, dtype=float)
    return np.divide(engagement, divisor, out=out, where=np.broadcast_to(divisor > 0, shape)).round(6)
