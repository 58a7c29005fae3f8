"""Organisations of the sample: invented names, segments, countries, team sizes and silent teams."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence_lib.synth.constants import BLOCKED_CORES, COUNTRIES, ORG_TEMPLATES, SECTORS, SYLLABLES


def scaled(n: float, scale: float, minimum: int = 0) -> int:
    """``n * scale`` rounded half up, with a floor.

    Parameters
    ----------
    n : float
        Count at scale 1.
    scale : float
        Size factor.
    minimum : int, default 0
        Smallest result.

    Returns
    -------
    int
        The scaled count.
    """
    return max(minimum, int(np.floor(n * scale + 0.5)))


def make_cores(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct invented name cores made of syllables, never the name of a real company.

    Parameters
    ----------
    rng : numpy.random.Generator
        The generator's random numbers.
    n : int
        Number of cores.

    Returns
    -------
    numpy.ndarray
        ``n`` strings (object array), in order of invention.

    Raises
    ------
    RuntimeError
        If the syllables cannot give ``n`` distinct cores.
    """
    cores: list[str] = []
    seen: set[str] = set()
    syllables = tuple(np.array(s) for s in SYLLABLES)
    middle = syllables[1]
    for attempt in range(50):
        pool = max(64, 3 * n)
        parts = [s[rng.integers(0, len(s), pool)] for s in syllables]
        candidates = np.char.add(np.char.add(parts[0], parts[1]), parts[2])
        if attempt >= 5:  # syllable combinations running out at very large scales
            extra = middle[rng.integers(0, len(middle), pool)]
            candidates = np.char.add(np.char.add(candidates, extra), parts[2])
        for name in candidates.tolist():
            if name not in seen and name.lower() not in BLOCKED_CORES:
                seen.add(name)
                cores.append(name)
        if len(cores) >= n:
            return np.array(cores[:n], dtype=object)
    raise RuntimeError(f"could not invent {n} distinct organisation names")


def make_organizations(rng: np.random.Generator, scale: float) -> pd.DataFrame:
    """Organisations of every sector, with their segment, name, country and team size.

    Parameters
    ----------
    rng : numpy.random.Generator
        The generator's random numbers.
    scale : float
        Size factor; each segment keeps at least one organisation.

    Returns
    -------
    pandas.DataFrame
        One row per organisation: ``org_id``, ``sector``, ``segment``, ``size_factor``, ``name``,
        ``country``, ``n_members`` (team size, at least 2, exact total per sector) and ``silent``
        (members who never post).
    """
    rows = []
    for sector, conf in SECTORS.items():
        for segment in conf["segments"]:
            n = scaled(segment["organizations"], scale, minimum=1)
            rows.append(pd.DataFrame({"sector": sector, "segment": [segment["key"]] * n,
                                      "size_factor": segment["team_size"]}))
    orgs = pd.concat(rows, ignore_index=True)
    n = len(orgs)

    cores = make_cores(rng, n)
    names = np.empty(n, dtype=object)
    for segment, templates in ORG_TEMPLATES.items():
        mask = (orgs["segment"] == segment).to_numpy()
        if not mask.any():
            continue
        choice = rng.integers(0, len(templates), mask.sum())
        names[mask] = [templates[c].format(core) for c, core in zip(choice, cores[mask])]
    codes, weights = list(COUNTRIES), list(COUNTRIES.values())
    orgs["name"] = names
    orgs["country"] = np.array(codes)[rng.choice(len(codes), n, p=np.array(weights) / sum(weights))]
    width = max(4, len(str(n)))
    orgs.insert(0, "org_id", [f"org-{i:0{width}d}" for i in range(1, n + 1)])

    # Team sizes: at least 2 (CEO + one), heavier for larger segments, exact total per sector.
    sizes = np.zeros(n, dtype=np.int64)
    for sector, conf in SECTORS.items():
        mask = (orgs["sector"] == sector).to_numpy()
        k = int(mask.sum())
        target = max(2 * k, scaled(conf["members"], scale))
        factor = orgs.loc[mask, "size_factor"].to_numpy()
        lam = np.maximum(target / k - 2, 0.1) * factor / factor.mean()
        draw = 2 + rng.negative_binomial(4, 4 / (4 + lam))
        sizes[mask] = _adjust_total(rng, draw, target, minimum=2)
    orgs["n_members"] = sizes

    # A few organisations whose members never post.
    silent = np.zeros(n, dtype=bool)
    for sector in SECTORS:
        idx = np.flatnonzero((orgs["sector"] == sector).to_numpy())
        k = int(round(0.04 * len(idx)))
        if k:
            silent[rng.choice(idx, k, replace=False)] = True
    orgs["silent"] = silent
    return orgs


def _adjust_total(rng: np.random.Generator, sizes: np.ndarray, target: int, minimum: int) -> np.ndarray:
    """Add or remove units at random so that ``sizes`` sums to ``target``, keeping ``minimum``."""
    sizes = np.maximum(sizes.astype(np.int64), minimum)
    diff = int(target - sizes.sum())
    while diff != 0:
        if diff > 0:
            np.add.at(sizes, rng.choice(len(sizes), diff, replace=True), 1)
        else:
            eligible = np.flatnonzero(sizes > minimum)
            take = rng.choice(eligible, min(-diff, len(eligible)), replace=False)
            sizes[take] -= 1
        diff = int(target - sizes.sum())
    return sizes
