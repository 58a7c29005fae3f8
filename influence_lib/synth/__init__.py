"""Deterministic generator of the synthetic sample dataset: invented organisations, people and posts.

The public API is here: :func:`generate_dataset`, :func:`write_dataset`, :func:`dataset_settings_dict`
and :data:`DEFAULT_SEED`. The steps live in one module each (``organizations``, ``members``,
``accounts``, ``posts`` with ``times`` and ``texts``); their settings, vocabulary and weights are
package data in ``influence_lib/data/synth/*.yml``, read by ``constants``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from faker import Faker

from influence_lib.schema import TABLE_NAMES, TABLES
from influence_lib.synth.accounts import make_accounts
from influence_lib.synth.constants import DATASET_TITLE, EDITIONS, OUTLIER_SHARE, SECTORS
from influence_lib.synth.members import make_members
from influence_lib.synth.organizations import make_organizations
from influence_lib.synth.posts import make_posts

__all__ = ["COLUMNS", "DEFAULT_SEED", "dataset_settings_dict", "generate_dataset", "write_dataset"]

DEFAULT_SEED = 20210601

COLUMNS: dict[str, list[str]] = {name: TABLES[name].column_names for name in TABLE_NAMES}


SYNTH_MARKER = "# Written by `influence synth`: invented organisations and people; `influence synth` may rewrite it."


def dataset_settings_dict() -> dict:
    """Return the content of the sample's ``dataset.yml`` as a dictionary.

    The settings do not depend on the scale: a scaled dataset keeps the same sectors, segments,
    Top N sizes and editions.

    Returns
    -------
    dict
        ``title``, ``sectors`` (key -> ``title``, ``focus``, ``segments`` as a list of
        ``key``/``label``/``top`` mappings) and ``editions`` (text key -> ``start``/``end`` dates
        of the half-open UTC period).
    """
    sectors = {}
    for key, sector in SECTORS.items():
        sectors[key] = {
            "title": sector["title"],
            "focus": sector["focus"],
            "segments": [{"key": s["key"], "label": s["label"], "top": s["top"]} for s in sector["segments"]],
        }
    editions = {key: {"start": start, "end": end} for key, (start, end) in EDITIONS.items()}
    return {"title": DATASET_TITLE, "sectors": sectors, "editions": editions}


def generate_dataset(scale: float = 1.0, seed: int = DEFAULT_SEED,
                     outlier_share: float = OUTLIER_SHARE) -> dict[str, pd.DataFrame]:
    """Generate the synthetic dataset: invented organisations, leadership teams, accounts and posts.

    The same ``scale`` and ``seed`` always give the same tables. At scale 1, sector ``sante``,
    edition 2021 reproduces the methodology box of the original study (258 organisations,
    1,651 members, ...); organisations, members, accounts, counted posts and engagement grow in
    proportion to ``scale``.

    Parameters
    ----------
    scale : float, default 1.0
        Size factor; each segment keeps at least one organisation.
    seed : int, default 20210601
        Seed of the random generators (numpy and Faker).
    outlier_share : float, default ``outlier_share`` of ``influence_lib/data/synth/posts.yml``
        Share of posts planted at 20 to 50 times their expected engagement. 0 generates data
        without planted outliers, for calibrating the detection of exceptional posts; any share
        draws the same random numbers, so organisations, members, accounts and post times and
        texts do not depend on it.

    Returns
    -------
    dict of str to pandas.DataFrame
        Tables ``organizations``, ``members``, ``accounts`` and ``posts`` with the columns of the
        data contract, in its order. Counts are nullable integers (``Int64``), ``published_at``
        is a UTC timestamp.

    Raises
    ------
    ValueError
        If ``scale`` is not a positive finite number, or ``outlier_share`` not between 0 and 1.
    """
    scale = float(scale)
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    outlier_share = float(outlier_share)
    if not 0.0 <= outlier_share <= 1.0:
        raise ValueError(f"outlier_share must be between 0 and 1 (e.g. 0.002, or 0 for none), got {outlier_share!r}")
    rng = np.random.default_rng(seed)
    fake = Faker("fr_FR")
    fake.seed_instance(seed)

    orgs = make_organizations(rng, scale)
    members = make_members(rng, fake, orgs)
    accounts = make_accounts(rng, members, scale)
    posts = make_posts(rng, accounts, scale, outlier_share)

    accounts = accounts.assign(followers=accounts["followers"].astype("Int64"))
    return {
        "organizations": orgs[COLUMNS["organizations"]].reset_index(drop=True),
        "members": members[COLUMNS["members"]].reset_index(drop=True),
        "accounts": accounts[COLUMNS["accounts"]].reset_index(drop=True),
        "posts": posts[COLUMNS["posts"]].reset_index(drop=True),
    }


def write_dataset(out_dir, scale: float = 1.0, seed: int = DEFAULT_SEED,
                  outlier_share: float = OUTLIER_SHARE) -> list[Path]:
    """Generate the synthetic dataset and write it as four CSV files and a ``dataset.yml``.

    Files are UTF-8 without byte-order mark, ``,``-separated, LF line endings, empty fields for
    missing values, timestamps as ``YYYY-MM-DDTHH:MM:SSZ``: the same ``scale`` and ``seed`` write
    byte-identical files.

    Parameters
    ----------
    out_dir : str or os.PathLike
        Folder to write to; created if needed. Existing files of the same names are replaced.
    scale : float, default 1.0
        Size factor, see `generate_dataset`.
    seed : int, default 20210601
        Seed of the random generators.
    outlier_share : float, default ``outlier_share`` of ``posts.yml``
        Share of planted outliers, see `generate_dataset`.

    Returns
    -------
    list of pathlib.Path
        The files written: ``organizations.csv``, ``members.csv``, ``accounts.csv``,
        ``posts.csv`` and ``dataset.yml``.

    Raises
    ------
    FileExistsError
        If the folder holds a ``<table>.parquet`` file, which would make the dataset ambiguous.
    """
    out = Path(out_dir)
    clashes = [out / f"{name}.parquet" for name in COLUMNS if (out / f"{name}.parquet").exists()]
    if clashes:
        names = ", ".join(p.name for p in clashes)
        raise FileExistsError(
            f"{out} holds {names}: a dataset cannot have both CSV and Parquet tables; "
            "remove them or choose another folder"
        )
    tables = generate_dataset(scale=scale, seed=seed, outlier_share=outlier_share)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
        frame = frame.copy()
        if name == "posts":
            frame["published_at"] = frame["published_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        path = out / f"{name}.csv"
        frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8", na_rep="")
        written.append(path)
    path = out / "dataset.yml"
    text = SYNTH_MARKER + "\n" + yaml.safe_dump(dataset_settings_dict(), sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    written.append(path)
    return written
