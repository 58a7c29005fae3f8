"""The roster: the dataset folder of who is ranked, read as the dataset reader reads it, and its accounts by handle."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from influence_lib.errors import DatasetError
from influence_lib.importers.errors import ImportFailure, ImportUsageError
from influence_lib.importers.ids import normalize_handle
from influence_lib.importers.values import parse_count
from influence_lib.readers import TableFile, read_table

ROSTER_TABLES = ("organizations", "members", "accounts")


@dataclass
class Roster:
    """The dataset folder given as ``--roster``: who is ranked, and their accounts."""

    folder: Path
    organizations: pd.DataFrame
    members: pd.DataFrame
    accounts: pd.DataFrame
    dataset_yml: Path
    sources: dict[str, TableFile] = field(default_factory=dict)


def read_roster_table(folder: Path, name: str) -> tuple[pd.DataFrame, TableFile]:
    """A table of the roster as text: every cell a string, ``""`` when empty (CSV or Parquet).

    Read with :func:`influence_lib.readers.read_table` (UTF-8 with or without BOM, ``,`` or ``;``,
    the columns the contract requires); the ``followers`` of accounts is parsed by :func:`read_roster`.

    Raises
    ------
    ImportUsageError
        The table is missing: the folder is not a roster (exit status 2).
    ImportFailure
        The table cannot be read (the message of :class:`~influence_lib.errors.DatasetError`).
    """
    if not any((folder / f"{name}{suffix}").exists() for suffix in (".csv", ".parquet")):
        raise ImportUsageError(f"{folder}: the {name} table is missing; the roster needs {name}.csv "
                               f"(or .parquet)")
    try:
        frame, source = read_table(folder, name)
    except DatasetError as exc:
        raise ImportFailure(str(exc)) from None
    if source.format == "parquet":
        frame = frame.astype(object).where(frame.notna(), "").astype(str)
    return frame, source


def read_roster(folder: str | Path) -> Roster:
    """Read ``--roster``: organizations, members and accounts tables plus ``dataset.yml``.

    Raises
    ------
    ImportUsageError
        Not a folder, or a table or ``dataset.yml`` missing (exit status 2).
    ImportFailure
        A table that cannot be read, or a ``followers`` count that is not a count.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportUsageError(f"{folder}: no such roster folder; --roster takes a dataset folder holding "
                               f"organizations, members and accounts tables and dataset.yml")
    tables, sources = {}, {}
    for name in ROSTER_TABLES:
        tables[name], sources[name] = read_roster_table(folder, name)
    dataset_yml = folder / "dataset.yml"
    if not dataset_yml.exists():
        raise ImportUsageError(f"{folder}: dataset.yml is missing; the roster folder needs it (it is copied "
                               f"to the output dataset)")
    accounts = tables["accounts"].copy()
    accounts["platform"] = accounts["platform"].str.strip().str.lower()
    accounts["followers"] = parse_followers(accounts, sources["accounts"])
    return Roster(folder, tables["organizations"], tables["members"], accounts, dataset_yml, sources)


def parse_followers(accounts: pd.DataFrame, source: TableFile) -> pd.arrays.IntegerArray:
    """The ``followers`` column of an accounts table read as text, as counts (empty when absent).

    Raises
    ------
    ImportFailure
        A value that is not a count, with its file and line.
    """
    followers = []
    for line, value in zip(source.line_numbers(), accounts.get("followers", pd.Series([""] * len(accounts)))):
        try:
            followers.append(parse_count(value))
        except ValueError as exc:
            raise ImportFailure(f"{source.path}:{line}: followers: {exc}; fix the table") from None
    return pd.array(followers, dtype="Int64")


def refuse_roster_with_posts(roster: str | Path, out: str | Path) -> None:
    """Refuse a roster that holds posts, unless the import goes into the roster folder itself.

    Raises
    ------
    ImportUsageError
        ``roster`` holds a posts table with rows and ``out`` is another folder.
    """
    roster, out = Path(roster), Path(out)
    if roster.resolve() == out.resolve():
        return
    posts = [p for p in (roster / "posts.csv", roster / "posts.parquet") if p.exists()]
    if posts and posts[0].stat().st_size > 0 and _has_rows(posts[0]):
        raise ImportUsageError(f"{posts[0]}: the roster holds posts; pass a roster without posts, or "
                               f"import into the roster folder itself (--out {roster})")


def _has_rows(path: Path) -> bool:
    if path.suffix == ".parquet":
        return len(pd.read_parquet(path)) > 0
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip()) > 1


class AccountIndex:
    """Roster accounts by normalised handle, per platform.

    Parameters
    ----------
    accounts : pandas.DataFrame
        The roster's accounts (``account_id``, ``platform``, ``handle``).
    """

    def __init__(self, accounts: pd.DataFrame):
        keys: dict[str, list[str]] = {}
        for account_id, platform, handle in zip(accounts["account_id"], accounts["platform"], accounts["handle"]):
            key = normalize_handle(platform, handle)
            if key:
                keys.setdefault(f"{platform}\x00{key}", []).append(account_id)
        self.unique = {k: v[0] for k, v in keys.items() if len(set(v)) == 1}
        self.ambiguous = {k: sorted(set(v)) for k, v in keys.items() if len(set(v)) > 1}

    def match(self, platforms: pd.Series, keys: pd.Series) -> tuple[pd.Series, pd.Series]:
        """Account ids for (platform, key) pairs, and the ambiguous keys' candidate lists."""
        full = platforms.astype(str) + "\x00" + keys.fillna("").astype(str)
        return full.map(self.unique), full.map(self.ambiguous)
