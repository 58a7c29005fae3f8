"""Scoring: which posts count, their engagement, and its sum per member and per Direction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from influence_lib.dataset import Dataset
from influence_lib.settings import DEFAULT_METHODOLOGY, METRICS, PLATFORMS, Methodology, Period

DIRECTION_SCORE_COLUMNS = ["org_id", "name", "segment", "score", "engagement", "posts", "active_members", "members"]
MEMBER_SCORE_COLUMNS = ["member_id", "full_name", "org_id", "score", "engagement", "posts"]
REQUIRED_METRICS = ("likes", "comments", "shares")


def positions(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Position of each of ``values`` in ``keys`` (-1 when absent), vectorised.

    Uses Arrow's hash kernel, which is several times faster than pandas' object hashing on
    millions of strings.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    found = pc.index_in(pa.array(values.astype("str"), type=pa.large_string()),
                        value_set=pa.array(keys.astype("str"), type=pa.large_string()))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _weights_are_integers(methodology: Methodology) -> bool:
    weights = [methodology.metric_weight(m) for m in METRICS] + [methodology.platform_weight(p) for p in PLATFORMS]
    return all(float(w).is_integer() for w in weights)


def _as_number(values: np.ndarray, methodology: Methodology) -> np.ndarray:
    return values.round().astype(np.int64) if _weights_are_integers(methodology) else values


def sector_scope(dataset: Dataset, sector: str, segment: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The organisations, members and accounts of a sector (and optionally one segment).

    Returns
    -------
    organizations, members, accounts : pandas.DataFrame
        Rows of the dataset's tables, in file order, restricted to the scope.
    """
    dataset.settings.sector(sector)  # raises KeyError naming the known sectors
    orgs = dataset.organizations
    mask = orgs["sector"] == sector
    if segment is not None:
        dataset.settings.sector(sector).segment(segment)
        mask &= orgs["segment"] == segment
    orgs = orgs.loc[mask.to_numpy(dtype=bool)].reset_index(drop=True)
    members = dataset.members
    members = members.loc[positions(members["org_id"], orgs["org_id"]) >= 0].reset_index(drop=True)
    accounts = dataset.accounts
    accounts = accounts.loc[positions(accounts["member_id"], members["member_id"]) >= 0].reset_index(drop=True)
    return orgs, members, accounts


def score_posts(dataset: Dataset, sector: str, period: Period,
                methodology: Methodology = DEFAULT_METHODOLOGY, segment: str | None = None) -> pd.DataFrame:
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

    Returns
    -------
    pandas.DataFrame
        The posts' columns plus ``member_id``, ``org_id`` (categoricals over the scope's members
        and organisations, so grouping is cheap), ``platform``, ``engagement`` and
        ``has_empty_count`` (likes, comments or shares empty), in the dataset's row order.
    """
    orgs, members, accounts = sector_scope(dataset, sector, segment)
    posts = dataset.posts
    account_pos = positions(posts["account_id"], accounts["account_id"])
    stamps = posts["published_at"]
    keep = (
        (account_pos >= 0)
        & posts["kind"].isin(methodology.counted_kinds).to_numpy(dtype=bool)
        & (stamps >= period.start).to_numpy(dtype=bool)
        & (stamps < period.end).to_numpy(dtype=bool)
    )
    counted = posts.loc[keep].reset_index(drop=True)
    account_pos = account_pos[keep]
    member_pos = positions(accounts["member_id"], members["member_id"])[account_pos]
    org_pos = positions(members["org_id"], orgs["org_id"])[member_pos]
    platform = accounts["platform"].to_numpy(dtype=object)[account_pos]

    engagement = np.zeros(len(counted), dtype=float)
    for metric in METRICS:
        weight = methodology.metric_weight(metric)
        if weight:
            engagement += weight * counted[metric].to_numpy(dtype=float, na_value=0.0)
    platform_weights = np.array([methodology.platform_weight(p) for p in PLATFORMS])
    engagement *= platform_weights[pd.Categorical(platform, categories=PLATFORMS).codes]

    counted["member_id"] = pd.Categorical.from_codes(member_pos, categories=pd.Index(members["member_id"]))
    counted["org_id"] = pd.Categorical.from_codes(org_pos, categories=pd.Index(orgs["org_id"]))
    counted["platform"] = pd.Categorical(platform, categories=PLATFORMS)
    counted["engagement"] = _as_number(engagement, methodology)
    counted["has_empty_count"] = np.column_stack(
        [counted[m].isna().to_numpy(dtype=bool) for m in REQUIRED_METRICS]
    ).any(axis=1) if len(counted) else np.zeros(0, dtype=bool)
    return counted


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
        "member_id": members["member_id"].to_numpy(),
        "full_name": members["full_name"].to_numpy(),
        "org_id": members["org_id"].to_numpy(),
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
    if methodology.normalization == "none":
        score = engagement
    else:
        divisor = members if methodology.normalization == "per_member" else active
        score = np.divide(engagement, divisor, out=np.zeros(n, dtype=float), where=divisor > 0).round(6)
    return pd.DataFrame({
        "org_id": organizations["org_id"].to_numpy(),
        "name": organizations["name"].to_numpy(),
        "segment": organizations["segment"].to_numpy(),
        "score": score,
        "engagement": engagement,
        "posts": posts,
        "active_members": active,
        "members": members,
    })


def summarize_sector(dataset: Dataset, sector: str, period: Period,
                     methodology: Methodology = DEFAULT_METHODOLOGY) -> dict:
    """The methodology box of a sector and period (spec section 3, ``summary``).

    Returns
    -------
    dict
        ``sector, edition, organizations, members``, one entry per platform of the box
        (``linkedin``, ``twitter``) with ``accounts, posts, engagement``, and
        ``posts_with_empty_counts``: counted posts whose likes, comments or shares are empty
        (they add nothing, and are reported rather than hidden). ``bluesky`` is added when the
        sector has Bluesky accounts.
    """
    orgs, members, accounts = sector_scope(dataset, sector)
    posts = score_posts(dataset, sector, period, methodology)
    box = {
        "sector": sector,
        "edition": period.label,
        "organizations": int(len(orgs)),
        "members": int(len(members)),
    }
    platforms = ["linkedin", "twitter"] + (["bluesky"] if (accounts["platform"] == "bluesky").any() else [])
    for platform in platforms:
        mine = posts["platform"] == platform
        box[platform] = {
            "accounts": int((accounts["platform"] == platform).sum()),
            "posts": int(mine.sum()),
            "engagement": _plain(posts.loc[mine, "engagement"].sum()),
        }
    box["posts_with_empty_counts"] = int(posts["has_empty_count"].sum())
    return box


def _plain(value):
    value = float(value)
    return int(value) if value.is_integer() else round(value, 6)
