"""Accounts of the sample's members: platforms, handles, followers, and each account's activity level."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence_lib.ranking import name_sort_key
from influence_lib.synth.constants import (
    EDITIONS,
    PLATFORMS,
    ROLE_ACTIVITY,
    ROLE_ENGAGEMENT,
    ROLE_FOLLOWERS,
    ROLE_TWITTER,
    SECTORS,
)
from influence_lib.synth.organizations import scaled


def _ascii_slug(values: pd.Series, sep: str) -> pd.Series:
    """Lowercase ASCII slugs of names: accents and case folded by the name sort key, other characters ``sep``."""
    return name_sort_key(values).str.replace(r"[^a-z0-9]+", sep, regex=True).str.strip(sep)


def make_accounts(rng: np.random.Generator, members: pd.DataFrame, scale: float) -> pd.DataFrame:
    """LinkedIn accounts for most members, Twitter accounts for a few, none for some.

    Parameters
    ----------
    rng : numpy.random.Generator
        The generator's random numbers.
    members : pandas.DataFrame
        Members from :func:`~influence_lib.synth.members.make_members`.
    scale : float
        Size factor of the accounts per sector and platform.

    Returns
    -------
    pandas.DataFrame
        One row per account, by member then platform: ``account_id``, the member's columns,
        ``platform``, ``handle``, ``followers`` (nullable, a few unknown) and the generator's
        levels ``followers_true``, ``base`` (engagement per post) and, per edition,
        ``weight_<edition>`` (posting activity, 0 when inactive) and ``base_<edition>``.
    """
    n = len(members)
    category = members["role_category"].to_numpy()
    has = {p: np.zeros(n, dtype=bool) for p in PLATFORMS}
    for sector, conf in SECTORS.items():
        idx = np.flatnonzero((members["sector"] == sector).to_numpy())
        n_li = min(len(idx), scaled(conf["accounts"]["linkedin"], scale, minimum=1))
        w = np.where(category[idx] == "ceo", 1.6, 1.0) * np.where(category[idx] == "chair", 0.8, 1.0)
        has["linkedin"][rng.choice(idx, n_li, replace=False, p=w / w.sum())] = True
        n_tw = min(len(idx), scaled(conf["accounts"]["twitter"], scale, minimum=1))
        w = np.array([ROLE_TWITTER.get(c, 1.0) for c in category[idx]])
        w = w * np.where(has["linkedin"][idx], 1.0, 0.2) * np.exp(0.5 * members["latent"].to_numpy()[idx])
        has["twitter"][rng.choice(idx, n_tw, replace=False, p=w / w.sum())] = True

    frames = []
    for order, platform in enumerate(PLATFORMS):
        sub = members.loc[has[platform]].copy()
        sub["platform"] = platform
        sub["order"] = order
        frames.append(sub)
    acc = pd.concat(frames).sort_values(["member_id", "order"], kind="stable").reset_index(drop=True)
    k = len(acc)
    width = max(5, len(str(k)))
    acc.insert(0, "account_id", [f"acc-{i:0{width}d}" for i in range(1, k + 1)])
    is_li = (acc["platform"] == "linkedin").to_numpy()
    cat = acc["role_category"].to_numpy()
    latent = acc["latent"].to_numpy()

    acc["handle"] = _handles(rng, acc, is_li)

    # Followers: Pareto-like, larger for CEOs and chairs and for active people; a few unknown.
    role_f = np.array([ROLE_FOLLOWERS.get(c, 1.0) for c in cat])
    li_f = 150 * (1 + rng.pareto(1.2, k)) * role_f * np.exp(0.4 * latent)
    tw_f = 60 * (1 + rng.pareto(1.0, k)) * role_f * np.exp(0.4 * latent)
    followers = np.rint(np.minimum(np.where(is_li, li_f, tw_f), 400_000))
    acc["followers_true"] = followers
    acc["followers"] = pd.array(followers.astype(np.int64), dtype="Int64")
    acc.loc[rng.random(k) < 0.03, "followers"] = pd.NA

    # Engagement level per post: grows with audience, higher for CEOs and chairs.
    role_e = np.array([ROLE_ENGAGEMENT.get(c, 1.0) for c in cat])
    base = np.empty(k)
    for platform in PLATFORMS:
        m = (acc["platform"] == platform).to_numpy()
        if m.any():
            base[m] = (followers[m] / np.median(followers[m])) ** 0.45
    acc["base"] = base * role_e * np.exp(0.45 * rng.standard_normal(k))

    # Activity per edition: correlated between editions so that most ranks hold and some move.
    acc_latent = 0.8 * latent + 0.6 * rng.standard_normal(k)
    role_a = np.array([ROLE_ACTIVITY.get(c, 1.0) for c in cat])
    for edition in EDITIONS:
        ed_latent = 0.85 * acc_latent + 0.53 * rng.standard_normal(k)
        active = (ed_latent > 0.0) & ~acc["silent"].to_numpy()
        acc[f"weight_{edition}"] = np.where(active, np.exp(1.3 * ed_latent) * role_a, 0.0)
        acc[f"base_{edition}"] = acc["base"].to_numpy() * np.exp(0.3 * rng.standard_normal(k))
    return acc


def _handles(rng: np.random.Generator, acc: pd.DataFrame, is_li: np.ndarray) -> np.ndarray:
    """LinkedIn profile URLs with a random suffix; Twitter handles of at most 15 characters, unique."""
    k = len(acc)
    full = _ascii_slug(acc["full_name"], "-")
    suffix = pd.Series(rng.integers(0, 16**8, k)).map("{:08x}".format)
    li_handle = "https://www.linkedin.com/in/" + full + "-" + suffix + "/"
    first = _ascii_slug(acc["first_name"], "")
    last = _ascii_slug(acc["last_name"], "")
    style = rng.integers(0, 4, k)
    tw = np.select(
        [style == 0, style == 1, style == 2],
        [first.str[:1] + last, first + "_" + last, first + last],
        default=first.str.capitalize() + last.str.capitalize(),
    )
    tw = pd.Series(tw).str[:15]
    dup = tw.duplicated(keep="first") | tw.str.len().lt(3)
    tw = tw.where(~dup, tw.str[:11] + pd.Series(rng.integers(10, 100, k)).astype(str))
    while tw[~is_li].duplicated().any():  # rare: give a longer number to the remaining clashes
        dup = tw.duplicated(keep="first") & pd.Series(~is_li)
        tw = tw.where(~dup, tw.str[:9] + pd.Series(rng.integers(1000, 10000, k)).astype(str))
    return np.where(is_li, li_handle, "@" + tw)
