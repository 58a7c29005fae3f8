"""Posts of the sample: who posts when, kinds, formats, themes, and counts calibrated to exact totals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence_lib.synth.constants import (
    COMPONENT_SHARES,
    EDITIONS,
    FORMAT_ENGAGEMENT,
    FORMAT_SHARES,
    FORMATS,
    HIDDEN_SHARE,
    IMPRESSIONS_SHARE,
    KIND_ENGAGEMENT,
    NONCOUNTED_RATIO,
    OUTLIER_SHARE,
    OUTSIDE_SHARE,
    OUTSIDE_WINDOWS,
    PHASES,
    PLATFORMS,
    QUOTE_SHARE,
    REPOST_SHARE,
    SECTOR_THEMES,
    SECTORS,
    THEMES,
)
from influence_lib.synth.organizations import scaled
from influence_lib.synth.texts import post_texts
from influence_lib.synth.times import sample_times, time_engagement, utc

COUNT_COLUMNS = ("likes", "comments", "shares", "quotes")


def make_posts(rng: np.random.Generator, acc: pd.DataFrame, scale: float,
               outlier_share: float = OUTLIER_SHARE) -> pd.DataFrame:
    """Posts of every account: counted posts calibrated per sector, edition and platform.

    Per sector, edition and platform, the counted posts (originals and quotes inside the edition)
    are exactly the target number and carry exactly the target engagement; reposts, replies and
    about 1 % of posts just outside the editions come on top.

    A share ``outlier_share`` of posts is planted far above its author's level (20 to 50 times
    the expected engagement). The outlier draws consume the same random numbers whatever the
    share, so ``outlier_share=0`` gives the same posts, times and texts as the default, without
    the planted outliers (the calibration of the engagement totals then spreads their engagement
    over the other posts of their group).

    Parameters
    ----------
    rng : numpy.random.Generator
        The generator's random numbers.
    acc : pandas.DataFrame
        Accounts from :func:`~influence_lib.synth.accounts.make_accounts`.
    scale : float
        Size factor of the targets.
    outlier_share : float, default ``OUTLIER_SHARE`` (``posts.yml``)
        Probability that a post is a planted outlier; 0 plants none.

    Returns
    -------
    pandas.DataFrame
        The ``posts`` columns of the contract, ordered by time, then account; ``post_id`` follows
        that order.
    """
    who, times, kind, group, counted, groups = _draw_posts(rng, acc, scale)
    n = len(who)
    platform = acc["platform"].to_numpy()[who]
    sector = acc["sector"].to_numpy()[who]
    edition = np.array([groups[g][2] for g in range(len(groups))], dtype=object)[group]
    is_li = platform == "linkedin"

    # Formats, per platform and edition.
    fmt = np.empty(n, dtype=np.int64)
    for plat, per_edition in FORMAT_SHARES.items():
        for ed, shares in per_edition.items():
            m = (platform == plat) & (edition == ed)
            p = np.array(shares)
            fmt[m] = rng.choice(len(FORMATS), m.sum(), p=p / p.sum())

    # Themes, per sector and phase.
    theme_names = list(THEMES)
    phase = np.searchsorted(np.array([utc(d) for d in PHASES]), times, side="right")
    theme = np.empty(n, dtype=np.int64)
    for sec, weights in SECTOR_THEMES.items():
        ids = np.array([theme_names.index(t) for t in weights])
        for ph in range(len(PHASES) + 1):
            m = (sector == sec) & (phase == ph)
            p = np.array([w[ph] for w in weights.values()], dtype=float)
            theme[m] = ids[rng.choice(len(ids), m.sum(), p=p / p.sum())]

    # Expected engagement per post: author level x format x theme x kind x posting time x noise
    # x rare outliers.
    base = np.zeros(n)
    for ed in EDITIONS:
        m = edition == ed
        base[m] = acc[f"base_{ed}"].to_numpy()[who[m]]
    theme_mult = np.array([THEMES[t]["mult"] for t in theme_names])[theme]
    kind_mult = np.select([kind == k for k in KIND_ENGAGEMENT], list(KIND_ENGAGEMENT.values()))
    outlier = np.where(rng.random(n) < outlier_share, rng.uniform(20, 50, n), 1.0)
    level = (base * np.array(FORMAT_ENGAGEMENT)[fmt] * theme_mult * kind_mult * time_engagement(times)
             * outlier * np.exp(0.8 * rng.standard_normal(n)))

    counts, visible = _counts(rng, level, is_li, group, counted, groups)
    count_cols = {}
    for j, col in enumerate(COUNT_COLUMNS):
        arr = pd.array(counts[:, j], dtype="Int64")
        arr[~visible[:, j]] = pd.NA
        count_cols[col] = arr

    # Impressions: given by the source for a few posts only.
    engagement = (counts * visible).sum(axis=1)
    share_imp = np.where(is_li, IMPRESSIONS_SHARE["linkedin"], IMPRESSIONS_SHARE["twitter"])
    impressions = np.rint(engagement * rng.uniform(25, 90, n) + rng.integers(40, 400, n)).astype(np.int64)
    impressions = pd.array(impressions, dtype="Int64")
    impressions[~((rng.random(n) < share_imp) & np.isin(kind, ["original", "quote"]))] = pd.NA

    text = post_texts(rng, kind, theme, sector)

    # Stable order: time, then account, then generation order; ids follow it.
    order = np.lexsort((np.arange(n), who, times.astype(np.int64)))
    who, times, kind, fmt, is_li = who[order], times[order], kind[order], fmt[order], is_li[order]
    text = text[order]
    width = max(7, len(str(n)))
    seconds = times.astype(np.int64)
    ms = seconds * 1000 + rng.integers(0, 1000, n)
    seq = np.arange(n, dtype=np.int64) & 0x3FFFFF
    li_id = (ms << 22) | seq
    tw_id = ((ms - 1288834974657) << 22) | seq
    handle = acc["handle"].to_numpy()[who]
    li_url = "https://www.linkedin.com/feed/update/urn:li:activity:" + pd.Series(li_id).astype(str) + "/"
    tw_url = ("https://twitter.com/" + pd.Series(handle).str.lstrip("@") + "/status/"
              + pd.Series(tw_id).astype(str))
    posts = pd.DataFrame({
        "post_id": [f"post-{i:0{width}d}" for i in range(1, n + 1)],
        "account_id": acc["account_id"].to_numpy()[who],
        "published_at": pd.DatetimeIndex(times).tz_localize("UTC"),
        "kind": kind,
        "format": np.array(FORMATS, dtype=object)[fmt],
    })
    for col in COUNT_COLUMNS:
        posts[col] = count_cols[col][order]
    posts["impressions"] = impressions[order]
    posts["text"] = text
    posts["url"] = np.where(is_li, li_url, tw_url)
    return posts


def _draw_posts(rng: np.random.Generator, acc: pd.DataFrame, scale: float) -> tuple:
    """Author, time, kind, calibration group and counted flag of every post, and the groups.

    Groups are (sector, platform, edition, target engagement) by group id; posts just outside the
    editions belong to the group of their edition but are never counted.
    """
    acc_sector = acc["sector"].to_numpy()
    acc_platform = acc["platform"].to_numpy()
    acc_silent = acc["silent"].to_numpy()

    blocks = []  # (account index, time, kind, group, is_counted)
    groups: dict[int, tuple[str, str, str, int]] = {}
    for sector, conf in SECTORS.items():
        for platform in PLATFORMS:
            idx = np.flatnonzero((acc_sector == sector) & (acc_platform == platform))
            for edition, (start, end) in EDITIONS.items():
                target = conf["targets"][edition][platform]
                n_posts, engagement = scaled(target["posts"], scale), scaled(target["engagement"], scale)
                gid = len(groups)
                groups[gid] = (sector, platform, edition, engagement)
                if len(idx) == 0:
                    continue
                w = acc[f"weight_{edition}"].to_numpy()[idx]
                if w.sum() <= 0:  # tiny scales: nobody happens to be active
                    w = np.where(acc_silent[idx], 0.0, 1.0) if (~acc_silent[idx]).any() else np.ones(len(idx))
                p = w / w.sum()
                n_other = scaled(n_posts, NONCOUNTED_RATIO[platform])
                n_out = scaled(n_posts, OUTSIDE_SHARE)
                specs = (
                    (n_posts, start, end, True),
                    (n_other, start, end, False),
                    (n_out, *OUTSIDE_WINDOWS[edition], None),
                )
                for total, lo, hi, counted in specs:
                    if total == 0:
                        continue
                    who = np.repeat(idx, rng.multinomial(total, p))
                    times = sample_times(rng, total, lo, hi)
                    u = rng.random(total)
                    if counted is True:
                        kind = np.where(u < QUOTE_SHARE[platform], "quote", "original")
                    elif counted is False:
                        kind = np.where(u < REPOST_SHARE[platform], "repost", "reply")
                    else:
                        kind = np.select([u < 0.88, u < 0.9, u < 0.98], ["original", "quote", "repost"], "reply")
                    flags = np.full(total, counted is True)
                    blocks.append((who, times, kind.astype(object), np.full(total, gid), flags))

    return (*(np.concatenate([b[i] for b in blocks]) for i in range(5)), groups)


def _counts(rng: np.random.Generator, level: np.ndarray, is_li: np.ndarray, group: np.ndarray,
            counted: np.ndarray, groups: dict) -> tuple[np.ndarray, np.ndarray]:
    """Likes, comments, shares and quotes of each post, and which of them the source shows.

    ``level`` is split into the four counts; each group's counted posts are rescaled so that their
    visible counts sum exactly to the group's target; a few posts hide one count; LinkedIn shows
    no quotes.
    """
    n = len(level)
    shares = np.where(is_li[:, None], COMPONENT_SHARES["linkedin"], COMPONENT_SHARES["twitter"])
    shares = shares * np.exp(0.35 * rng.standard_normal((n, 4)))
    shares = shares / shares.sum(axis=1, keepdims=True)
    values = level[:, None] * shares
    hidden = np.zeros((n, 4), dtype=bool)
    hide = rng.random(n) < HIDDEN_SHARE
    which = np.where(is_li, rng.integers(0, 3, n), rng.integers(0, 4, n))
    hidden[np.flatnonzero(hide), which[hide]] = True
    visible = ~hidden
    visible[is_li, 3] = False  # LinkedIn has no quote counts

    counts = np.floor(values + rng.random((n, 4))).astype(np.int64)  # unbiased rounding
    for gid, (_sec, _plat, _ed, target) in groups.items():
        in_group = group == gid
        cal = in_group & counted
        if not cal.any():
            continue
        total = (values[cal] * visible[cal]).sum()
        factor = target / total if total > 0 else 0.0
        scaled_values = values[in_group] * factor
        counts[in_group] = np.floor(scaled_values + rng.random(scaled_values.shape)).astype(np.int64)
        counts[cal] = _round_to_total(values[cal] * factor, visible[cal], target)
    return counts, visible


def _round_to_total(values: np.ndarray, visible: np.ndarray, target: int) -> np.ndarray:
    """Round non-negative ``values`` to integers whose visible cells sum exactly to ``target``.

    Largest-remainder method over the visible cells; hidden cells are floored.
    """
    floor = np.floor(values)
    out = floor.astype(np.int64)
    flat_vis = np.flatnonzero(visible.ravel())
    rest = int(target - out.ravel()[flat_vis].sum())
    if rest > 0:
        frac = (values - floor).ravel()[flat_vis]
        pick = flat_vis[np.argsort(-frac, kind="stable")[:rest]]
        flat = out.ravel()
        flat[pick] += 1
        out = flat.reshape(values.shape)
    elif rest < 0:  # floating error only: take units back from the largest visible cells
        flat = out.ravel()
        pick = flat_vis[np.argsort(-flat[flat_vis], kind="stable")[:-rest]]
        flat[pick] -= 1
        out = flat.reshape(values.shape)
    return out
