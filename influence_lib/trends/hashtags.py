"""Hashtags: extraction, usage and engagement per hashtag, and their trend against the previous edition."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from influence_lib.trends._common import (
    _divide,
    _like,
    _require,
    _values,
)

# A hashtag: "#" not preceded by a letter, digit, "#", "&" or "/" (so not "C#", "page#anchor",
# "&#39;"), then word characters holding at least one letter (so not "#1").
HASHTAG_PATTERN = r"(?<![\w#&/])#(\w*[^\W\d_]\w*)"
_HASHTAG = re.compile(HASHTAG_PATTERN)


def extract_hashtags(posts: pd.DataFrame) -> pd.DataFrame:
    """Every hashtag occurrence of the posts' ``text``.

    Returns
    -------
    pandas.DataFrame
        ``row`` (position of the post in ``posts``), ``hashtag`` (``#`` + the case-folded tag,
        accents kept, text in Unicode NFC so that both encodings of "é" are one letter) and
        ``spelling`` (``#`` + the tag as written), in text order.
    """
    _require(posts, ["text"], "posts")
    text = posts["text"].reset_index(drop=True).astype("str").where(posts["text"].notna().to_numpy(), "")
    rows, tags = [], []
    for row, value in enumerate(text.tolist()):  # one findall per text: pandas' extractall costs 3x more
        found = _HASHTAG.findall(unicodedata.normalize("NFC", value))
        if found:
            rows.extend([row] * len(found))
            tags.extend(found)
    if not tags:
        return pd.DataFrame({"row": np.zeros(0, dtype=np.int64), "hashtag": pd.Series([], dtype="str"),
                             "spelling": pd.Series([], dtype="str")})
    spelling = pd.Series(tags, dtype="str")
    return pd.DataFrame({
        "row": np.asarray(rows, dtype=np.int64),
        "hashtag": ("#" + spelling.str.casefold()).to_numpy(),
        "spelling": ("#" + spelling).to_numpy(),
    })


def hashtag_table(posts: pd.DataFrame, min_uses: int = 1) -> pd.DataFrame:
    """Hashtags by number of posts using them, with those posts' engagement.

    A post that repeats a tag (``#covid19 ... #Covid19``) uses it once.

    Parameters
    ----------
    posts : pandas.DataFrame
        Scored posts (``text``, ``engagement``, ``member_id``).
    min_uses : int
        Keep hashtags used by at least this many posts.

    Returns
    -------
    pandas.DataFrame
        ``hashtag`` (case-folded key), ``label`` (its most frequent spelling, ties in
        alphabetical order), ``posts``, ``posts_share`` (of all the posts given, with or without
        hashtags), ``authors``, ``engagement`` (total of those posts), ``median_engagement``;
        most used first, then by hashtag.
    """
    _require(posts, ["text", "engagement", "member_id"], "posts")
    occurrences = extract_hashtags(posts)
    spellings = (occurrences.groupby(["hashtag", "spelling"], sort=False).size().rename("n").reset_index()
                 .sort_values(["hashtag", "n", "spelling"], ascending=[True, False, True], kind="stable")
                 .drop_duplicates("hashtag").set_index("hashtag")["spelling"])
    uses = occurrences.drop_duplicates(["row", "hashtag"])
    rows = uses["row"].to_numpy()
    uses = uses.assign(engagement=_values(posts["engagement"])[rows],
                       member_id=posts["member_id"].astype("str").to_numpy()[rows])
    grouped = uses.groupby("hashtag", sort=True)
    table = pd.DataFrame({
        "posts": grouped.size().astype(np.int64),
        "authors": grouped["member_id"].nunique().astype(np.int64),
        "engagement": grouped["engagement"].sum(),
        "median_engagement": grouped["engagement"].median(),
    })
    table.index.name = "hashtag"
    table = table.reset_index()
    table.insert(1, "label", spellings.reindex(table["hashtag"]).to_numpy())
    table.insert(3, "posts_share", _divide(table["posts"], len(posts)))
    table["engagement"] = _like(table["engagement"].to_numpy(dtype=float), posts["engagement"])
    table = table.loc[table["posts"] >= min_uses]
    return table.sort_values(["posts", "hashtag"], ascending=[False, True], kind="stable").reset_index(drop=True)


def most_engaging_hashtags(table: pd.DataFrame, min_uses: int = 10, n: int = 10) -> pd.DataFrame:
    """Hashtags of :func:`hashtag_table` used by at least ``min_uses`` posts, highest median engagement first."""
    _require(table, ["hashtag", "posts", "median_engagement"], "table")
    kept = table.loc[table["posts"] >= min_uses]
    return kept.sort_values(["median_engagement", "posts", "hashtag"], ascending=[False, False, True],
                            kind="stable").head(n).reset_index(drop=True)


def hashtag_trends(current: pd.DataFrame, previous: pd.DataFrame, min_uses: int = 5) -> pd.DataFrame:
    """Rising and falling hashtags: change in the share of posts using them since the previous edition.

    Parameters
    ----------
    current, previous : pandas.DataFrame
        :func:`hashtag_table` of each edition, computed on all its posts (``min_uses=1``, so that
        a tag absent from one edition counts 0 there rather than missing).
    min_uses : int
        Keep hashtags used by at least this many posts in one of the two editions.

    Returns
    -------
    pandas.DataFrame
        ``hashtag, label, posts, posts_share, previous_posts, previous_posts_share,
        share_change`` (current minus previous share, in share points) and ``trend``
        (``rising``, ``falling``, ``stable``); largest rise first, largest fall last, then by
        hashtag.
    """
    columns = ["hashtag", "label", "posts", "posts_share"]
    _require(current, columns, "current")
    _require(previous, columns, "previous")
    prior = previous[columns].rename(columns={"label": "previous_label", "posts": "previous_posts",
                                              "posts_share": "previous_posts_share"})
    merged = current[columns].merge(prior, on="hashtag", how="outer", sort=True)
    merged["label"] = merged["label"].fillna(merged["previous_label"])
    for column in ("posts", "previous_posts"):
        merged[column] = merged[column].fillna(0).astype(np.int64)
    for column in ("posts_share", "previous_posts_share"):
        merged[column] = merged[column].fillna(0.0).astype(float)
    merged = merged.loc[np.maximum(merged["posts"], merged["previous_posts"]) >= min_uses].drop(columns="previous_label")
    change = (merged["posts_share"] - merged["previous_posts_share"]).to_numpy()
    merged["share_change"] = change
    merged["trend"] = np.select([change > 0, change < 0], ["rising", "falling"], "stable")
    return merged.sort_values(["share_change", "hashtag"], ascending=[False, True], kind="stable").reset_index(drop=True)


def hashtags_only(posts: pd.DataFrame) -> pd.DataFrame:
    """The posts with each text replaced by its hashtags (``--no-texts``): no author's sentence is kept.

    Returns
    -------
    pandas.DataFrame
        A copy of ``posts``; ``text`` holds the post's hashtags as written, space-separated, or
        is empty. Without a ``text`` column the posts are returned as they are.
    """
    if "text" not in posts.columns:
        return posts
    found = extract_hashtags(posts)
    kept = found.groupby("row", sort=True)["spelling"].agg(" ".join)
    text = pd.Series(pd.NA, index=range(len(posts)), dtype="str")
    text.iloc[kept.index.to_numpy()] = kept.to_numpy()
    return posts.assign(text=text.to_numpy())
