"""Trends: when, in which format and about what the Directions post, and who carries their engagement.

Every function takes frames of the scoring step (:func:`influence_lib.scoring.score_posts`,
:func:`influence_lib.scoring.score_members`, :func:`influence_lib.scoring.sector_scope`) and explicit
parameters, and returns a new frame in a stable row order; nothing is plotted or written here.

Conventions
-----------
- Times are read in Europe/Paris local time (a post at 23:30 UTC on a Sunday is a Monday post).
- Columns ending in ``_share`` are fractions between 0 and 1; ``_low``/``_high`` bound a bootstrap
  percentile interval.
- Bootstraps take a ``seed`` and draw from ``numpy.random.default_rng(seed)``: the same inputs and
  seed give the same intervals.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from influence_lib.arrow import positions
from influence_lib.frenchify import WEEKDAYS
from influence_lib.settings import FORMATS, PLATFORMS, Period

PARIS = "Europe/Paris"
MAD_SCALE = 1.4826          # makes the median absolute deviation comparable to a standard deviation
MEAN_AD_SCALE = 1.253314    # same for the mean absolute deviation, used when the MAD is 0
VOICE_THRESHOLD = 0.6       # top member's share of engagement from which a Direction is "une voix"
LEADER_ROLES = ("ceo", "chair")
UNKNOWN_FORMAT = "unknown"
# A hashtag: "#" not preceded by a letter, digit, "#", "&" or "/" (so not "C#", "page#anchor",
# "&#39;"), then word characters holding at least one letter (so not "#1").
HASHTAG_PATTERN = r"(?<![\w#&/])#(\w*[^\W\d_]\w*)"
_BOOT_CELLS = 4_000_000     # values drawn at once by a bootstrap (bounds its memory)


# --- helpers ------------------------------------------------------------------------------------

def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns)) or "none"
        raise ValueError(
            f"{what} lacks column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(columns found: {found})"
        )


def _values(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype=float, na_value=np.nan)


def _like(values: np.ndarray, reference: pd.Series) -> np.ndarray:
    """Sums of an integer column stay integers."""
    if pd.api.types.is_integer_dtype(reference):
        return np.round(values).astype(np.int64)
    return values


def _divide(numerator, denominator) -> np.ndarray:
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    out = np.full(np.broadcast(numerator, denominator).shape, np.nan)
    return np.divide(numerator, denominator, out=out, where=denominator != 0)


def _codes(column: pd.Series, keys: pd.Index | pd.Series, what: str) -> np.ndarray:
    codes = positions(pd.Series(column), pd.Series(keys))
    if (codes < 0).any():
        unknown = pd.Series(column)[codes < 0].astype("str").unique()[:5]
        raise ValueError(f"{what}: {', '.join(unknown)} not found")
    return codes


def _observed(column: pd.Series) -> list:
    """Values present in a column, in category order for categoricals, sorted otherwise."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        used = np.unique(column.cat.codes.to_numpy())
        return list(column.cat.categories[used[used >= 0]])
    return sorted(column.dropna().unique().tolist())


def _quantile_bounds(draws: np.ndarray, level: float) -> tuple[float, float]:
    alpha = (1.0 - level) / 2.0
    if np.isnan(draws).all():
        return np.nan, np.nan
    low, high = np.nanquantile(draws, [alpha, 1.0 - alpha])
    return float(low), float(high)


def _check_bootstrap(n_boot: int, level: float) -> None:
    if int(n_boot) < 1:
        raise ValueError(f"n_boot must be a positive integer, not {n_boot}")
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.90), not {level}")


def _bootstrap(statistic, n: int, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """``statistic(index_matrix)`` over ``n_boot`` resamples of ``n`` rows, drawn in blocks of rows."""
    out = np.full(n_boot, np.nan)
    if n == 0:
        return out
    rows = max(1, _BOOT_CELLS // n)
    for start in range(0, n_boot, rows):
        stop = min(n_boot, start + rows)
        out[start:stop] = statistic(rng.integers(0, n, size=(stop - start, n)))
    return out


def to_paris_time(stamps: pd.Series) -> pd.Series:
    """The same instants in Europe/Paris local time (naive UTC values are read as UTC)."""
    stamps = pd.Series(stamps)
    if stamps.dt.tz is None:
        stamps = stamps.dt.tz_localize("UTC")
    return stamps.dt.tz_convert(PARIS)


def make_excerpt(texts: pd.Series, width: int = 140) -> pd.Series:
    """The start of each text, at most ``width`` characters, cut at a word, with "…" when cut.

    Runs of white space become one space; a missing text gives ``""``.
    """
    def cut(text) -> str:
        if not isinstance(text, str):
            return ""
        text = " ".join(text.split())
        if len(text) <= width:
            return text
        end = text[: width + 1].rfind(" ")
        end = end if end > 0 else width
        return text[:end].rstrip(" ,;:.!?-\u2013\u2014") + "\u2026"

    texts = pd.Series(texts)
    return pd.Series([cut(t) for t in texts], index=texts.index, dtype="str")


# --- months ---------------------------------------------------------------------------------------

def period_months(period: Period) -> pd.PeriodIndex:
    """The calendar months an edition covers, from its UTC start to its UTC end (excluded).

    Edition 2021, ``[2020-06-01, 2021-06-01)``, covers June 2020 to May 2021.
    """
    first = period.start.tz_convert("UTC").tz_localize(None).to_period("M")
    last = (period.end - pd.Timedelta(microseconds=1)).tz_convert("UTC").tz_localize(None).to_period("M")
    return pd.period_range(first, last, freq="M")


def _month_positions(posts: pd.DataFrame, period: Period, months: pd.PeriodIndex) -> np.ndarray:
    stamps = posts["published_at"]
    outside = ((stamps < period.start) | (stamps >= period.end)).to_numpy(dtype=bool)
    if outside.any():
        first = posts.loc[outside, "published_at"].iloc[0]
        raise ValueError(
            f"{int(outside.sum())} posts lie outside the period {period.label} (e.g. {first.isoformat()}); "
            f"pass the posts scored for that period"
        )
    local = to_paris_time(stamps)
    month_number = local.dt.year.to_numpy() * 12 + local.dt.month.to_numpy() - 1
    first_number = months[0].year * 12 + months[0].month - 1
    # Paris is ahead of UTC: the last one or two hours of a period fall on the next day in Paris.
    # They stay in the period's last month, so that the months add up to the period.
    return np.clip(month_number - first_number, 0, len(months) - 1)


def monthly_activity(posts: pd.DataFrame, period: Period, by: str | None = "platform",
                     keys: Sequence | None = None) -> pd.DataFrame:
    """Posts and engagement per month (Europe/Paris) and per platform, every month present.

    Parameters
    ----------
    posts : pandas.DataFrame
        Scored posts of ``period`` (``published_at``, ``engagement`` and the ``by`` column).
    period : Period
        The period the posts were scored for; its calendar months (see :func:`period_months`)
        are the rows, months without posts included with zeros. A post of the period's last
        hours that is already in the next month in Paris counts in the period's last month.
    by : str or None
        Column to split by (``platform``, ``org_id``, ``member_id``, ``format``...); None for
        totals only.
    keys : sequence, optional
        The values of ``by`` to show, in this order, each with every month (a key without posts
        gets zeros; posts whose key is not listed are left out). Default: the values present
        (category order for categoricals), and always ``linkedin`` and ``twitter`` for
        ``by="platform"``.

    Returns
    -------
    pandas.DataFrame
        ``[by,] month, month_index, posts, engagement``; ``month`` is a ``pandas.Period``,
        ``month_index`` runs 1..12 for an edition. Rows by key (in ``keys`` order), then month.

    Raises
    ------
    ValueError
        A column is missing, or a post lies outside ``period``.
    """
    _require(posts, ["published_at", "engagement"] + ([by] if by else []), "posts")
    months = period_months(period)
    month_pos = _month_positions(posts, period, months)
    if by is None:
        key_index, key_pos = pd.Index(["all"]), np.zeros(len(posts), dtype=np.int64)
    else:
        if keys is None:
            keys = _observed(posts[by])
            if by == "platform":
                keys = [p for p in PLATFORMS if p in ("linkedin", "twitter") or p in keys] + \
                       [k for k in keys if k not in PLATFORMS]
        key_index = pd.Index(list(keys))
        key_pos = positions(posts[by], pd.Series(key_index))
    kept = key_pos >= 0
    n_months = len(months)
    cells = key_pos[kept] * n_months + month_pos[kept]
    size = len(key_index) * n_months
    counts = np.bincount(cells, minlength=size).astype(np.int64)
    engagement = np.bincount(cells, weights=_values(posts["engagement"])[kept], minlength=size)
    frame = pd.DataFrame({
        "month": pd.PeriodIndex(np.tile(months, len(key_index)), freq="M"),
        "month_index": np.tile(np.arange(1, n_months + 1), len(key_index)),
        "posts": counts,
        "engagement": _like(engagement, posts["engagement"]),
    })
    if by is not None:
        frame.insert(0, by, np.repeat(key_index.to_numpy(dtype=object), n_months))
    return frame


def compare_monthly(current: pd.DataFrame, previous: pd.DataFrame, by: str | None = "platform") -> pd.DataFrame:
    """Line up a period's months with the previous edition's (1st month with 1st month...).

    Parameters
    ----------
    current, previous : pandas.DataFrame
        Outputs of :func:`monthly_activity` with the same ``by``.
    by : str or None
        The split column of both frames.

    Returns
    -------
    pandas.DataFrame
        The rows of ``current`` with ``previous_month``, ``previous_posts`` and
        ``previous_engagement`` (empty where the previous edition has no such month or key).
    """
    on = ([by] if by else []) + ["month_index"]
    _require(current, on + ["month", "posts", "engagement"], "current")
    _require(previous, on + ["month", "posts", "engagement"], "previous")
    prior = previous[on + ["month", "posts", "engagement"]].rename(
        columns={"month": "previous_month", "posts": "previous_posts", "engagement": "previous_engagement"})
    merged = current.merge(prior, on=on, how="left", sort=False, validate="one_to_one")
    for column in ("previous_posts", "previous_engagement"):
        if pd.api.types.is_integer_dtype(prior[column]):
            merged[column] = merged[column].astype("Int64")  # integers, empty where nothing lines up
    return merged


# --- formats --------------------------------------------------------------------------------------

def _format_keys(posts: pd.DataFrame) -> pd.Series:
    formats = posts["format"].astype(object)
    return formats.where(formats.notna() & (formats != ""), UNKNOWN_FORMAT)


def format_performance(posts: pd.DataFrame, seed: int, n_boot: int = 1000, level: float = 0.90) -> pd.DataFrame:
    """Posts and typical engagement per format, with a bootstrap interval on the median.

    Parameters
    ----------
    posts : pandas.DataFrame
        Scored posts (``format``, ``engagement``); an empty format is shown as ``unknown``.
    seed : int
        Seed of ``numpy.random.default_rng``; formats are resampled in the rows' order.
    n_boot : int
        Bootstrap resamples per format.
    level : float
        Coverage of the percentile interval (0.90: 5th to 95th percentile of the resampled medians).

    Returns
    -------
    pandas.DataFrame
        ``format, posts, posts_share, median_engagement, mean_engagement, median_low,
        median_high``, one row per format with posts, in the contract's order (text, image,
        video, article, document, poll, link, other, then unknown).
    """
    _require(posts, ["format", "engagement"], "posts")
    _check_bootstrap(n_boot, level)
    rng = np.random.default_rng(seed)
    keys = _format_keys(posts)
    present = set(keys.unique())
    order = [f for f in (*FORMATS, UNKNOWN_FORMAT) if f in present] + sorted(present - {*FORMATS, UNKNOWN_FORMAT})
    codes = positions(keys, pd.Series(order, dtype=object))
    values = _values(posts["engagement"])
    rows = []
    for i, fmt in enumerate(order):
        mine = values[codes == i]
        draws = _bootstrap(lambda idx, v=mine: np.median(v[idx], axis=1), len(mine), rng, int(n_boot))
        low, high = _quantile_bounds(draws, level)
        rows.append((fmt, len(mine), float(np.median(mine)), float(np.mean(mine)), low, high))
    frame = pd.DataFrame(rows, columns=["format", "posts", "median_engagement", "mean_engagement",
                                        "median_low", "median_high"])
    frame["posts"] = frame["posts"].astype(np.int64)
    frame.insert(2, "posts_share", _divide(frame["posts"], len(posts)))
    return frame


# --- when -----------------------------------------------------------------------------------------

def posting_heatmap(posts: pd.DataFrame) -> pd.DataFrame:
    """Posts and median engagement per weekday and hour of publication, Europe/Paris time.

    Parameters
    ----------
    posts : pandas.DataFrame
        Scored posts (``published_at``, ``engagement``).

    Returns
    -------
    pandas.DataFrame
        168 rows ``weekday`` (0 = lundi ... 6 = dimanche, French names in
        ``frenchify.WEEKDAYS``), ``hour`` (0-23), ``posts``, ``posts_share``,
        ``median_engagement`` (empty for a slot without posts); rows by weekday then hour.
        :func:`heatmap_grid` turns a column into a 7 x 24 table.
    """
    _require(posts, ["published_at", "engagement"], "posts")
    local = to_paris_time(posts["published_at"])
    cells = local.dt.day_of_week.to_numpy() * 24 + local.dt.hour.to_numpy()
    counts = np.bincount(cells, minlength=168).astype(np.int64)
    medians = pd.Series(_values(posts["engagement"])).groupby(cells).median().reindex(range(168))
    return pd.DataFrame({
        "weekday": np.repeat(np.arange(7), 24),
        "hour": np.tile(np.arange(24), 7),
        "posts": counts,
        "posts_share": _divide(counts, len(posts)),
        "median_engagement": medians.to_numpy(dtype=float),
    })


def heatmap_grid(heatmap: pd.DataFrame, value: str = "posts") -> pd.DataFrame:
    """One column of :func:`posting_heatmap` as a table: French weekdays as rows, hours 0-23 as columns."""
    _require(heatmap, ["weekday", "hour", value], "heatmap")
    grid = heatmap.pivot(index="weekday", columns="hour", values=value).reindex(index=range(7), columns=range(24))
    grid.index = pd.Index([WEEKDAYS[d] for d in grid.index], name="jour")
    grid.columns.name = "heure"
    return grid


def posting_profile(posts: pd.DataFrame, by: str = "hour") -> pd.DataFrame:
    """Posts and median engagement per hour of the day (or per weekday), Europe/Paris time.

    Returns
    -------
    pandas.DataFrame
        ``hour`` (24 rows) or ``weekday`` (7 rows, 0 = lundi), ``posts``, ``posts_share``,
        ``median_engagement``.
    """
    if by not in ("hour", "weekday"):
        raise ValueError(f"by must be 'hour' or 'weekday', not {by!r}")
    _require(posts, ["published_at", "engagement"], "posts")
    local = to_paris_time(posts["published_at"])
    slots = (local.dt.hour if by == "hour" else local.dt.day_of_week).to_numpy()
    n = 24 if by == "hour" else 7
    counts = np.bincount(slots, minlength=n).astype(np.int64)
    medians = pd.Series(_values(posts["engagement"])).groupby(slots).median().reindex(range(n))
    return pd.DataFrame({by: np.arange(n), "posts": counts, "posts_share": _divide(counts, len(posts)),
                         "median_engagement": medians.to_numpy(dtype=float)})


def best_moments(table: pd.DataFrame, min_posts: int = 50, n: int = 5) -> pd.DataFrame:
    """The slots with the highest median engagement among those with at least ``min_posts`` posts.

    ``table`` is a :func:`posting_heatmap` or :func:`posting_profile` output; ties are broken by
    more posts, then by time order.
    """
    _require(table, ["posts", "median_engagement"], "table")
    slot = [c for c in ("weekday", "hour") if c in table.columns]
    kept = table.loc[table["posts"] >= min_posts]
    return kept.sort_values(["median_engagement", "posts", *slot], ascending=[False, False] + [True] * len(slot),
                            kind="stable").head(n).reset_index(drop=True)


# --- hashtags -------------------------------------------------------------------------------------

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
    found = text.str.normalize("NFC").str.extractall(HASHTAG_PATTERN)
    if found.empty:
        return pd.DataFrame({"row": np.zeros(0, dtype=np.int64), "hashtag": pd.Series([], dtype="str"),
                             "spelling": pd.Series([], dtype="str")})
    spelling = found[0].astype("str")
    return pd.DataFrame({
        "row": found.index.get_level_values(0).to_numpy(dtype=np.int64),
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


# --- posts ----------------------------------------------------------------------------------------

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


# --- who ------------------------------------------------------------------------------------------

def _member_totals(posts: pd.DataFrame, members: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    codes = _codes(posts["member_id"], members["member_id"], "posts by members absent from members")
    n = len(members)
    return (np.bincount(codes, minlength=n).astype(np.int64),
            np.bincount(codes, weights=_values(posts["engagement"]), minlength=n))


def role_breakdown(posts: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """CEOs and chairs (``role_category`` ceo or chair) against the other members.

    Members without a role category count among the others.

    Returns
    -------
    pandas.DataFrame
        Two rows, ``group`` ``ceo_chair`` then ``other``: ``members, members_share,
        active_members, posts, posts_share, engagement, engagement_share, engagement_per_post,
        engagement_per_member``.
    """
    _require(posts, ["member_id", "engagement"], "posts")
    _require(members, ["member_id", "role_category"], "members")
    n_posts, engagement = _member_totals(posts, members)
    group = np.where(members["role_category"].isin(LEADER_ROLES).to_numpy(dtype=bool), 0, 1)
    counts = np.bincount(group, minlength=2).astype(np.int64)
    active = np.bincount(group, weights=n_posts > 0, minlength=2).astype(np.int64)
    posts_by = np.bincount(group, weights=n_posts, minlength=2).astype(np.int64)
    eng_by = np.bincount(group, weights=engagement, minlength=2)
    return pd.DataFrame({
        "group": ["ceo_chair", "other"],
        "members": counts,
        "members_share": _divide(counts, counts.sum()),
        "active_members": active,
        "posts": posts_by,
        "posts_share": _divide(posts_by, posts_by.sum()),
        "engagement": _like(eng_by, posts["engagement"]),
        "engagement_share": _divide(eng_by, eng_by.sum()),
        "engagement_per_post": _divide(eng_by, posts_by),
        "engagement_per_member": _divide(eng_by, counts),
    })


def gender_breakdown(posts: pd.DataFrame, members: pd.DataFrame, member_ranking: pd.DataFrame, seed: int,
                     n_boot: int = 1000, level: float = 0.90, top: int = 100) -> pd.DataFrame:
    """Share of women among members, active members, the member Top N, and in engagement.

    Shares are taken among members whose gender is known (``f``, ``m`` or ``x``); the others
    are counted in ``gender_unknown``. Intervals resample members with replacement (the members
    of that row's population), drawn from ``numpy.random.default_rng(seed)`` in the rows' order.

    Parameters
    ----------
    posts : pandas.DataFrame
        Scored posts (``member_id``, ``engagement``).
    members : pandas.DataFrame
        The scope's members (``member_id``, ``gender``).
    member_ranking : pandas.DataFrame
        :func:`influence_lib.ranking.rank_members` of the same scope (``rank``, ``member_id``).
    seed : int
    n_boot : int
    level : float
        Coverage of the percentile intervals.
    top : int
        The Top N of the ranking (``rank <= top``, ties at the cut-off included).

    Returns
    -------
    pandas.DataFrame
        Rows ``members``, ``active_members``, ``top_members``, ``engagement`` (``population``);
        ``measure`` (``members``: share of women among them; ``engagement``: women's share of
        the engagement of members of known gender), ``base`` (members of known gender), ``women``,
        ``women_share``, ``women_share_low``, ``women_share_high``, ``gender_unknown``.
    """
    _require(members, ["member_id", "gender"], "members")
    _require(member_ranking, ["rank", "member_id"], "member_ranking")
    _check_bootstrap(n_boot, level)
    n_posts, engagement = _member_totals(posts, members)
    gender = members["gender"].astype(object).to_numpy()
    known = np.isin(gender, ["f", "m", "x"])
    woman = (gender == "f")
    in_top = np.zeros(len(members), dtype=bool)
    ranked = member_ranking.loc[member_ranking["rank"] <= top, "member_id"]
    in_top[_codes(ranked, members["member_id"], "ranked members absent from members")] = True
    rng = np.random.default_rng(seed)
    rows = []
    populations = [("members", "members", np.ones(len(members), dtype=bool)),
                   ("active_members", "members", n_posts > 0),
                   ("top_members", "members", in_top),
                   ("engagement", "engagement", np.ones(len(members), dtype=bool))]
    for population, measure, mask in populations:
        base = mask & known
        w = woman[base].astype(float)
        if measure == "members":
            estimate = w.mean() if len(w) else np.nan
            draws = _bootstrap(lambda idx, w=w: w[idx].mean(axis=1), len(w), rng, int(n_boot))
        else:
            e = engagement[base]
            estimate = float(_divide((w * e).sum(), e.sum()))
            draws = _bootstrap(lambda idx, w=w, e=e: _divide((w * e)[idx].sum(axis=1), e[idx].sum(axis=1)),
                               len(w), rng, int(n_boot))
        low, high = _quantile_bounds(draws, level)
        rows.append((population, measure, int(base.sum()), int(w.sum()), float(estimate), low, high,
                     int((mask & ~known).sum())))
    return pd.DataFrame(rows, columns=["population", "measure", "base", "women", "women_share",
                                       "women_share_low", "women_share_high", "gender_unknown"])


def platform_breakdown(posts: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """LinkedIn against Twitter (and any other platform with accounts): accounts, activity, engagement.

    Parameters
    ----------
    posts : pandas.DataFrame
        Scored posts (``account_id``, ``platform``, ``engagement``).
    accounts : pandas.DataFrame
        The scope's accounts (``account_id``, ``member_id``, ``platform``), active or not.

    Returns
    -------
    pandas.DataFrame
        One row per platform (linkedin, twitter, then others with accounts, contract order):
        ``platform, accounts, members, active_accounts, posts, posts_share, engagement,
        engagement_share, engagement_per_post, engagement_per_active_account``.
    """
    _require(posts, ["account_id", "platform", "engagement"], "posts")
    _require(accounts, ["account_id", "member_id", "platform"], "accounts")
    present = set(accounts["platform"].astype("str")) | set(_observed(posts["platform"]))
    platforms = [p for p in PLATFORMS if p in ("linkedin", "twitter") or p in present] + \
                sorted(present - set(PLATFORMS))
    keys = pd.Series(platforms, dtype=object)
    n = len(platforms)
    account_platform = positions(accounts["platform"], keys)
    post_platform = _codes(posts["platform"], keys, "posts on unknown platforms")
    n_accounts = np.bincount(account_platform, minlength=n).astype(np.int64)
    n_members = (pd.DataFrame({"p": account_platform, "m": accounts["member_id"].astype("str").to_numpy()})
                 .drop_duplicates()["p"].pipe(lambda s: np.bincount(s, minlength=n)).astype(np.int64))
    active = (pd.DataFrame({"p": post_platform, "a": posts["account_id"].astype("str").to_numpy()})
              .drop_duplicates()["p"].pipe(lambda s: np.bincount(s, minlength=n)).astype(np.int64))
    n_posts = np.bincount(post_platform, minlength=n).astype(np.int64)
    engagement = np.bincount(post_platform, weights=_values(posts["engagement"]), minlength=n)
    return pd.DataFrame({
        "platform": platforms,
        "accounts": n_accounts,
        "members": n_members,
        "active_accounts": active,
        "posts": n_posts,
        "posts_share": _divide(n_posts, n_posts.sum()),
        "engagement": _like(engagement, posts["engagement"]),
        "engagement_share": _divide(engagement, engagement.sum()),
        "engagement_per_post": _divide(engagement, n_posts),
        "engagement_per_active_account": _divide(engagement, active),
    })


# --- Direction profiles ("Top 10 et analyse") ----------------------------------------------------

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
    ``"une voix"`` when its top member carries at least ``threshold`` (default 60 %) of its
    engagement, ``"un collectif"`` otherwise, empty when it has no engagement.

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
    frame["voice"] = np.where(silent, None, np.where(frame["top_member_share"] >= threshold, "une voix",
                                                     "un collectif"))
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
    platforms = pd.Series([p for p in PLATFORMS if p in ("linkedin", "twitter") or p in observed]
                          + sorted(observed - set(PLATFORMS)), dtype=object)
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
                       organizations: pd.DataFrame, period: Period, n_posts: int = 3,
                       threshold: float = VOICE_THRESHOLD) -> dict[str, pd.DataFrame]:
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
    from influence_lib.scoring import score_members

    org_ids = pd.Series(list(org_ids), dtype=object)
    chosen_orgs = organizations.iloc[_codes(org_ids, organizations["org_id"], "unknown org_ids")].reset_index(drop=True)
    chosen_members = members.loc[positions(members["org_id"], org_ids) >= 0]
    order = positions(chosen_members["org_id"], org_ids)
    chosen_members = chosen_members.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
    chosen_posts = posts.loc[positions(posts["org_id"], org_ids) >= 0].reset_index(drop=True)
    scores = score_members(chosen_members, chosen_posts)
    return {
        "members": member_contributions(scores, chosen_members),
        "concentration": direction_concentration(scores, threshold),
        "platforms": platform_split(chosen_posts, chosen_orgs),
        "best_posts": best_posts_by_direction(chosen_posts, chosen_members, chosen_orgs, n_posts),
        "monthly": monthly_activity(chosen_posts, period, by="org_id", keys=list(org_ids)),
    }
