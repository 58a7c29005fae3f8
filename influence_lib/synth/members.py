"""Members of the sample's leadership teams: a CEO, often a chair, then the executive committee."""

from __future__ import annotations

import numpy as np
import pandas as pd
from faker import Faker

from influence_lib.synth.constants import (
    CHAIR_AND_CEO_VARIANT,
    CHAIR_SHARE,
    EMPTY_GENDER_SHARE,
    FEMALE_SHARE,
    OTHER_ROLE_WEIGHTS,
    ROLE_TITLES,
)


def make_members(rng: np.random.Generator, fake: Faker, orgs: pd.DataFrame) -> pd.DataFrame:
    """Leadership teams: one CEO per organisation, often a chair, then the executive committee.

    Parameters
    ----------
    rng : numpy.random.Generator
        The generator's random numbers.
    fake : faker.Faker
        French Faker, seeded, for first and last names.
    orgs : pandas.DataFrame
        Organisations from :func:`~influence_lib.synth.organizations.make_organizations`.

    Returns
    -------
    pandas.DataFrame
        One row per member, in organisation order: the ``members`` columns of the contract plus
        ``sector``, ``silent`` (organisation never posts) and ``latent`` (propensity to post,
        shared by all of the member's accounts).
    """
    org_idx = np.repeat(np.arange(len(orgs)), orgs["n_members"].to_numpy())
    n = len(org_idx)
    team = orgs["n_members"].to_numpy()
    position = np.arange(n) - np.repeat(np.cumsum(team) - team, team)
    sector = orgs["sector"].to_numpy()[org_idx]
    has_chair = (rng.random(len(orgs)) < CHAIR_SHARE) & (orgs["n_members"].to_numpy() >= 3)

    category = np.empty(n, dtype=object)
    for sec, weights in OTHER_ROLE_WEIGHTS.items():
        mask = sector == sec
        cats = np.array(list(weights), dtype=object)
        p = np.array(list(weights.values()), dtype=float)
        category[mask] = cats[rng.choice(len(cats), mask.sum(), p=p / p.sum())]
    category[position == 0] = "ceo"
    category[(position == 1) & has_chair[org_idx]] = "chair"

    p_female = np.array([FEMALE_SHARE[c] for c in category])
    gender = np.where(rng.random(n) < p_female, "f", "m").astype(object)
    gender[rng.random(n) < EMPTY_GENDER_SHARE] = None

    role = np.empty(n, dtype=object)
    for cat, titles in ROLE_TITLES.items():
        mask = category == cat
        if not mask.any():
            continue
        weights = np.array([t[2] for t in titles], dtype=float)
        variant = rng.choice(len(titles), mask.sum(), p=weights / weights.sum())
        if cat == "ceo":  # a Président-Directeur Général leaves no room for a separate chair
            chaired = has_chair[org_idx[mask]]
            variant = np.where(chaired & (variant == CHAIR_AND_CEO_VARIANT), 0, variant)
        masc = np.array([t[0] for t in titles], dtype=object)[variant]
        fem = np.array([t[1] for t in titles], dtype=object)[variant]
        role[mask] = np.where(gender[mask] == "f", fem, masc)

    first = [
        fake.first_name_female() if g == "f" else fake.first_name_male() if g == "m" else fake.first_name()
        for g in gender
    ]
    last = [fake.last_name() for _ in range(n)]
    width = max(5, len(str(n)))
    members = pd.DataFrame({
        "member_id": [f"mbr-{i:0{width}d}" for i in range(1, n + 1)],
        "org_id": orgs["org_id"].to_numpy()[org_idx],
        "full_name": [f"{a} {b}" for a, b in zip(first, last)],
        "first_name": first,
        "last_name": last,
        "role": role,
        "role_category": category,
        "gender": gender,
    })
    members["sector"] = sector
    members["silent"] = orgs["silent"].to_numpy()[org_idx]
    members["latent"] = rng.standard_normal(n)  # propensity to post, shared by all accounts
    return members
