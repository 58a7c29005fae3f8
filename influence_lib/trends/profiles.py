"""Direction profiles of the Top 10: members' contributions, concentration, platforms, best posts, months."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from influence_lib.arrow import positions
from influence_lib.settings import Period, shown_platforms
from influence_lib.trends._common import (
    _codes,
    _divide,
    _like,
    _observed,
    _require,
    _values,
)
from influence_lib.trends.months import monthly_activity
from influence_lib.trends.posts import describe_posts

VOICE_THRESHOLD = 0.6       # top member's share of engagement from which a Direction is carried by one voice


def member_contributions(member_scores: pd.DataFrame, members: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each member's part of their Direction's engagement, for every Direction at once.

    Parameters
    ----------
    member_scores : pandas.DataFrame
        :func:`influence_lib.scoring.score_members` output (``member_id, full_name, org_id,
        engagement, posts``).
    members : pandas.DataFrame, optional
        The scope's members; adds ``role`` and ``role_category``.

    Returns
    -------
    pandas.DataFrame
        ``org_id, member_id, full_name[, role, role_category], engagement, posts,
        direction_share`` (of the Direction's engagement; empty when the Direction has none),
        ``rank_in_direction`` (1 = most engagement; ties by name then member_id); Directions in
        order of first appearance, members by ``rank_in_direction``.
    """
    _require(member_scores, ["member_id", "full_name", "org_id", "engagement", "posts"], "member_scores")
    from influence_lib.ranking import name_sort_key

    frame = member_scores[["org_id", "member_id", "full_name"]].copy()
    if members is not None:
        _require(members, ["member_id", "role"], "members")
        pos = _codes(member_scores["member_id"], members["member_id"], "scored members absent from members")
        frame["role"] = members["role"].to_numpy()[pos]
        if "role_category" in members.columns:
            frame["role_category"] = members["role_category"].to_numpy()[pos]
    codes = pd.factorize(member_scores["org_id"].astype("str").to_numpy())[0].astype(np.int64)
    engagement = _values(member_scores["engagement"])
    totals = np.bincount(codes, weights=engagement, minlength=codes.max() + 1 if len(codes) else 0)
    frame["engagement"] = member_scores["engagement"].to_numpy()
    frame["posts"] = member_scores["posts"].to_numpy()
    frame["direction_share"] = _divide(engagement, totals[codes]) if len(codes) else np.zeros(0)
    order = frame.assign(_org=codes, _eng=engagement, _name=name_sort_key(member_scores["full_name"]).to_numpy())
    order = order.sort_values(["_org", "_eng", "_name", "member_id"], ascending=[True, False, True, True],
                              kind="stable")
    order["rank_in_direction"] = order.groupby("_org", sort=False).cumcount().to_numpy() + 1
    return order.drop(columns=["_org", "_eng", "_name"]).reset_index(drop=True)


def direction_concentration(member_scores: pd.DataFrame, threshold: float = VOICE_THRESHOLD) -> pd.DataFrame:
    """How concentrated each Direction's engagement is on one member.

    ``herfindahl`` is the sum of the squared member shares (1 = one member does everything,
    1/n = n members contribute equally); ``effective_voices`` is its inverse. A Direction is
    carried by ``"one_voice"`` when its top member carries at least ``threshold`` (default 60 %)
    of its engagement, by ``"collective"`` otherwise, empty when it has no engagement.

    Returns
    -------
    pandas.DataFrame
        ``org_id, members, active_members, engagement, herfindahl, effective_voices,
        top_member_id, top_member_name, top_member_share, voice``; Directions in order of first
        appearance in ``member_scores``.
    """
    shares = member_contributions(member_scores)
    first = shares.loc[shares["rank_in_direction"] == 1].set_index("org_id")
    grouped = shares.assign(_sq=shares["direction_share"] ** 2, _active=shares["posts"] > 0).groupby(
        "org_id", sort=False)
    frame = pd.DataFrame({
        "members": grouped.size().astype(np.int64),
        "active_members": grouped["_active"].sum().astype(np.int64),
        "engagement": grouped["engagement"].sum(),
        "herfindahl": grouped["_sq"].sum(min_count=1),
    })
    frame.index.name = "org_id"
    frame = frame.reset_index()
    silent = _values(frame["engagement"]) <= 0
    frame.loc[silent, "herfindahl"] = np.nan
    frame["herfindahl"] = frame["herfindahl"].astype(float)
    frame["effective_voices"] = _divide(1.0, frame["herfindahl"].to_numpy())
    top = first.reindex(frame["org_id"])
    frame["top_member_id"] = np.where(silent, None, top["member_id"].to_numpy(dtype=object))
    frame["top_member_name"] = np.where(silent, None, top["full_name"].to_numpy(dtype=object))
    frame["top_member_share"] = np.where(silent, np.nan, top["direction_share"].to_numpy(dtype=float))
    frame["voice"] = np.where(silent, None, np.where(frame["top_member_share"] >= threshold, "one_voice",
                                                     "collective"))
    return frame


def platform_split(posts: pd.DataFrame, organizations: pd.DataFrame) -> pd.DataFrame:
    """Posts and engagement of every Direction on each platform (every Direction x platform present).

    Returns
    -------
    pandas.DataFrame
        ``org_id, platform, posts, engagement, engagement_share`` (of the Direction's engagement;
        empty when it has none); Directions in ``organizations`` order, platforms linkedin,
        twitter, then others with posts.
    """
    _require(posts, ["org_id", "platform", "engagement"], "posts")
    _require(organizations, ["org_id"], "organizations")
    observed = set(_observed(posts["platform"]))
    platforms = pd.Series(shown_platforms(observed), dtype=object)
    org = _codes(posts["org_id"], organizations["org_id"], "posts of organizations absent from organizations")
    plat = _codes(posts["platform"], platforms, "posts on unknown platforms")
    n_org, n_plat = len(organizations), len(platforms)
    cells = org * n_plat + plat
    counts = np.bincount(cells, minlength=n_org * n_plat).astype(np.int64)
    engagement = np.bincount(cells, weights=_values(posts["engagement"]), minlength=n_org * n_plat)
    totals = np.repeat(engagement.reshape(n_org, n_plat).sum(axis=1), n_plat)
    return pd.DataFrame({
        "org_id": np.repeat(organizations["org_id"].to_numpy(), n_plat),
        "platform": np.tile(platforms.to_numpy(), n_org),
        "posts": counts,
        "engagement": _like(engagement, posts["engagement"]),
        "engagement_share": _divide(engagement, totals),
    })


def best_posts_by_direction(posts: pd.DataFrame, members: pd.DataFrame, organizations: pd.DataFrame,
                            n: int = 3, width: int = 140) -> pd.DataFrame:
    """The ``n`` posts with the most engagement of every Direction (ties by post_id).

    Returns
    -------
    pandas.DataFrame
        ``rank_in_direction`` then :data:`POST_COLUMNS`; Directions in ``organizations`` order.
    """
    _require(posts, ["post_id", "org_id", "engagement"], "posts")
    org = _codes(posts["org_id"], organizations["org_id"], "posts of organizations absent from organizations")
    ordered = posts.assign(_org=org).sort_values(["_org", "engagement", "post_id"],
                                                 ascending=[True, False, True], kind="stable")
    best = ordered.groupby("_org", sort=False).head(n)
    frame = describe_posts(best.drop(columns="_org"), members, organizations, width)
    frame.insert(0, "rank_in_direction", best.groupby("_org", sort=False).cumcount().to_numpy() + 1)
    return frame


def direction_profiles(org_ids: Sequence[str], posts: pd.DataFrame, members: pd.DataFrame,
                       organizations: pd.DataFrame, period: Period, member_scores: pd.DataFrame,
                       n_posts: int = 3, threshold: float = VOICE_THRESHOLD) -> dict[str, pd.DataFrame]:
    """Everything the "Top 10 profiles" show, for the listed Directions at once.

    Parameters
    ----------
    org_ids : sequence of str
        The Directions to profile (e.g. the Top 10's ``org_id``), in display order.
    posts : pandas.DataFrame
        Scored posts of the scope and ``period``.
    members, organizations : pandas.DataFrame
        The scope's members and organisations (:func:`influence_lib.scoring.sector_scope`).
    period : Period
    member_scores : pandas.DataFrame
        Every member's score over ``period`` (:attr:`influence_lib.scope.PeriodScores.members`),
        in ``members`` order: the profiles reuse them, they never score again.
    n_posts : int
        Best posts per Direction.
    threshold : float
        See :func:`direction_concentration`.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``members`` (:func:`member_contributions`), ``concentration``
        (:func:`direction_concentration`), ``platforms`` (:func:`platform_split`),
        ``best_posts`` (:func:`best_posts_by_direction`), ``monthly``
        (:func:`monthly_activity` by ``org_id``); each has an ``org_id`` column and lists the
        Directions in ``org_ids`` order.
    """
    if len(member_scores) != len(members):
        raise ValueError("member_scores must hold one row per member, in the members' order")
    org_ids = pd.Series(list(org_ids), dtype=object)
    chosen_orgs = organizations.iloc[_codes(org_ids, organizations["org_id"], "unknown org_ids")].reset_index(drop=True)
    where = positions(members["org_id"], org_ids)
    rows = np.flatnonzero(where >= 0)
    rows = rows[np.argsort(where[rows], kind="stable")]
    chosen_members = members.iloc[rows].reset_index(drop=True)
    scores = member_scores.iloc[rows].reset_index(drop=True)
    chosen_posts = posts.loc[positions(posts["org_id"], org_ids) >= 0].reset_index(drop=True)
    return {
        "members": member_contributions(scores, chosen_members),
        "concentration": direction_concentration(scores, threshold),
        "platforms": platform_split(chosen_posts, chosen_orgs),
        "best_posts": best_posts_by_direction(chosen_posts, chosen_members, chosen_orgs, n_posts),
        "monthly": monthly_activity(chosen_posts, period, by="org_id", keys=list(org_ids)),
    }
