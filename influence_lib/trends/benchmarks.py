"""Benchmarks of the Top 10 analysis: each Direction's activity and themes against its segment and sector."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence_lib.arrow import positions
from influence_lib.settings import Period
from influence_lib.trends._common import _divide, _require, _values
from influence_lib.trends.formats import _format_keys
from influence_lib.trends.hashtags import extract_hashtags
from influence_lib.trends.months import period_months
from influence_lib.trends.people import LEADER_ROLES

BENCHMARK_COLUMNS = ["org_id", "segment", "members", "active_members", "active_share", "posts", "posts_per_month",
                     "engagement", "engagement_per_post", "median_engagement", "main_format", "main_format_share",
                     "leader_share"]


def direction_benchmarks(posts: pd.DataFrame, members: pd.DataFrame, organizations: pd.DataFrame,
                         period: Period) -> pd.DataFrame:
    """What each Direction of a scope does: activity, rhythm, typical engagement, format, leaders' part.

    Parameters
    ----------
    posts : pandas.DataFrame
        The scope's counted posts for ``period`` (``org_id, member_id, engagement, format``).
    members, organizations : pandas.DataFrame
        The scope's tables (``role_category`` optional).
    period : Period
        Its months divide the posts into a monthly rhythm.

    Returns
    -------
    pandas.DataFrame
        :data:`BENCHMARK_COLUMNS`, one row per organisation in ``organizations`` order:
        ``active_share`` (active members / members), ``posts_per_month``, ``engagement_per_post``
        (mean), ``median_engagement`` (median per post; empty without posts), ``main_format``
        (most used format; ties: the contract's order) and its share of the posts, ``leader_share``
        (share of the engagement carried by CEOs and chairs; empty without engagement).
    """
    _require(posts, ["org_id", "member_id", "engagement"], "posts")
    n = len(organizations)
    org = positions(posts["org_id"].astype("str"), organizations["org_id"])
    member_org = positions(members["org_id"], organizations["org_id"])
    engagement = _values(posts["engagement"])
    n_posts = np.bincount(org, minlength=n)
    total = np.bincount(org, weights=engagement, minlength=n)
    member_count = np.bincount(member_org[member_org >= 0], minlength=n)
    active_members = pd.Series(posts["member_id"].astype("str").to_numpy()).groupby(org).nunique()
    active = np.zeros(n, dtype=np.int64)
    active[active_members.index.to_numpy()] = active_members.to_numpy()
    medians = pd.Series(engagement).groupby(org).median()
    median = np.full(n, np.nan)
    median[medians.index.to_numpy()] = medians.to_numpy()
    formats = pd.DataFrame({"org": org, "format": _format_keys(posts).to_numpy()})
    counts = formats.groupby(["org", "format"], sort=False).size().rename("n").reset_index()
    order = {f: i for i, f in enumerate(("text", "image", "video", "article", "document", "poll", "link", "other",
                                         "unknown"))}
    counts["_order"] = counts["format"].map(order).fillna(len(order))
    best = counts.sort_values(["org", "n", "_order"], ascending=[True, False, True]).drop_duplicates("org")
    main_format = np.full(n, None, dtype=object)
    main_share = np.full(n, np.nan)
    main_format[best["org"].to_numpy()] = best["format"].to_numpy()
    main_share[best["org"].to_numpy()] = best["n"].to_numpy() / n_posts[best["org"].to_numpy()]
    leader = np.zeros(n)
    if "role_category" in members.columns:
        is_leader = members["role_category"].isin(LEADER_ROLES).to_numpy()
        post_member = positions(posts["member_id"].astype("str"), members["member_id"])
        leader = np.bincount(org, weights=engagement * is_leader[post_member], minlength=n)
    return pd.DataFrame({
        "org_id": organizations["org_id"].to_numpy(),
        "segment": organizations["segment"].to_numpy(),
        "members": member_count.astype(np.int64),
        "active_members": active,
        "active_share": _divide(active, member_count),
        "posts": n_posts.astype(np.int64),
        "posts_per_month": n_posts / len(period_months(period)),
        "engagement": total,
        "engagement_per_post": _divide(total, n_posts),
        "median_engagement": median,
        "main_format": main_format,
        "main_format_share": main_share,
        "leader_share": _divide(leader, total),
    })


def segment_benchmarks(posts: pd.DataFrame, benchmarks: pd.DataFrame) -> pd.DataFrame:
    """The benchmarks of each segment and of the whole sector.

    Parameters
    ----------
    posts : pandas.DataFrame
        The scope's counted posts (``org_id, engagement``).
    benchmarks : pandas.DataFrame
        :func:`direction_benchmarks` of the same scope.

    Returns
    -------
    pandas.DataFrame
        ``segment`` (a segment key, or ``all`` for the sector), ``directions``,
        ``median_engagement`` (median engagement per post over the segment's posts),
        ``median_posts_per_month`` (median over its Directions with at least one post),
        ``active_share`` (active members / members, all Directions pooled), ``median_leader_share``.
    """
    post_segment = pd.Series(benchmarks["segment"].to_numpy(), index=pd.Index(benchmarks["org_id"]))
    segment_of_post = post_segment.reindex(posts["org_id"].astype("str").to_numpy()).to_numpy()
    engagement = _values(posts["engagement"])
    rows = []
    for key in ["all"] + list(dict.fromkeys(benchmarks["segment"])):
        mine = benchmarks if key == "all" else benchmarks.loc[benchmarks["segment"] == key]
        values = engagement if key == "all" else engagement[segment_of_post == key]
        posting = mine.loc[mine["posts"] > 0]
        rows.append((key, len(mine), float(np.median(values)) if len(values) else np.nan,
                     float(posting["posts_per_month"].median()) if len(posting) else np.nan,
                     float(_divide(mine["active_members"].sum(), mine["members"].sum())),
                     float(posting["leader_share"].median()) if len(posting) else np.nan))
    return pd.DataFrame(rows, columns=["segment", "directions", "median_engagement", "median_posts_per_month",
                                       "active_share", "median_leader_share"])


def direction_hashtags(posts: pd.DataFrame, org_ids, n: int = 3, min_posts: int = 3) -> pd.DataFrame:
    """Each listed Direction's most used hashtags, with their share of its posts against the sector's.

    Parameters
    ----------
    posts : pandas.DataFrame
        The sector's counted posts (``org_id``, ``text``).
    org_ids : sequence of str
        The Directions, in display order.
    n : int
        Hashtags kept per Direction.
    min_posts : int
        Fewest of the Direction's posts using a hashtag for it to be named.

    Returns
    -------
    pandas.DataFrame
        ``org_id, hashtag, spelling, posts, share, sector_share, lift`` (``share`` of the
        Direction's posts using it, ``sector_share`` of the sector's, ``lift`` their ratio);
        Directions in ``org_ids`` order, hashtags by posts then lift then name.
    """
    columns = ["org_id", "hashtag", "spelling", "posts", "share", "sector_share", "lift"]
    if "text" not in posts.columns or not len(posts):
        return pd.DataFrame(columns=columns)
    tags = extract_hashtags(posts).drop_duplicates(["row", "hashtag"])
    org = posts["org_id"].astype("str").to_numpy()
    tags["org_id"] = org[tags["row"].to_numpy()]
    sector_share = tags.groupby("hashtag")["row"].nunique() / len(posts)
    spelling = tags.groupby("hashtag")["spelling"].agg(lambda s: s.value_counts().sort_index().idxmax())
    posts_per_org = pd.Series(org).value_counts()
    wanted = list(dict.fromkeys(str(o) for o in org_ids))
    mine = tags.loc[tags["org_id"].isin(wanted)]
    counts = mine.groupby(["org_id", "hashtag"]).size().rename("posts").reset_index()
    counts = counts.loc[counts["posts"] >= min_posts]
    counts["share"] = counts["posts"] / posts_per_org.reindex(counts["org_id"]).to_numpy()
    counts["sector_share"] = sector_share.reindex(counts["hashtag"]).to_numpy()
    counts["lift"] = counts["share"] / counts["sector_share"]
    counts["spelling"] = spelling.reindex(counts["hashtag"]).to_numpy()
    counts["_order"] = counts["org_id"].map({o: i for i, o in enumerate(wanted)})
    counts = counts.sort_values(["_order", "posts", "lift", "hashtag"], ascending=[True, False, False, True])
    return counts.groupby("_order", sort=False).head(n)[columns].reset_index(drop=True)
