"""Small builders of datasets for tests: tables written as CSV into a folder, then loaded."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

SETTINGS = {
    "title": "Test",
    "sectors": {
        "sante": {
            "title": "Santé",
            "focus": "labo",
            "segments": [
                {"key": "labo", "label": "Laboratoires", "top": 2},
                {"key": "medtech", "label": "Équipement", "top": 1},
            ],
        },
        "tech": {"title": "Tech", "segments": [{"key": "soft", "label": "Logiciel", "top": 3}]},
    },
    "editions": {
        "2021": {"start": "2020-06-01", "end": "2021-06-01"},
        "2020": {"start": "2019-06-01", "end": "2020-06-01"},
    },
}

ORG_COLUMNS = ["org_id", "name", "sector", "segment", "country"]
MEMBER_COLUMNS = ["member_id", "org_id", "full_name", "role", "role_category", "gender"]
ACCOUNT_COLUMNS = ["account_id", "member_id", "platform", "handle", "followers"]
POST_COLUMNS = ["post_id", "account_id", "published_at", "kind", "format", "likes", "comments", "shares", "quotes"]


def frame(rows, columns) -> pd.DataFrame:
    """A table from tuples, every cell as text ('' for missing)."""
    return pd.DataFrame([["" if v is None else str(v) for v in row] for row in rows], columns=columns, dtype="str")


def write_dataset(folder: Path, orgs, members, accounts, posts, settings=None, sep=",", bom=False) -> Path:
    """Write a dataset folder from row tuples (see the *_COLUMNS lists) and return it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dataset.yml").write_text(yaml.safe_dump(settings or SETTINGS, allow_unicode=True), encoding="utf-8")
    tables = {
        "organizations": frame(orgs, ORG_COLUMNS), "members": frame(members, MEMBER_COLUMNS),
        "accounts": frame(accounts, ACCOUNT_COLUMNS), "posts": frame(posts, POST_COLUMNS),
    }
    for name, table in tables.items():
        text = table.to_csv(index=False, sep=sep, lineterminator="\n")
        (folder / f"{name}.csv").write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    return folder
