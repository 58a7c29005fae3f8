"""The roster merged with the dataset an import writes into: rows added, none removed, conflicts refused."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from influence_lib.errors import SettingsError
from influence_lib.importers.errors import ImportFailure
from influence_lib.importers.ids import normalize_handle
from influence_lib.importers.roster import ROSTER_TABLES, Roster, parse_followers, read_roster_table
from influence_lib.readers import TableFile
from influence_lib.settings import load_dataset_settings

ROW_KEYS = {"organizations": "org_id", "members": "member_id", "accounts": "account_id"}
# Measurements, not identity: a different value is no conflict, and the dataset's value is kept.
_MEASURED = {"accounts": ("followers",)}


@dataclass
class RosterMerge:
    """What merging the roster into the dataset did: rows kept and added per table, notes."""

    kept: dict[str, int] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """``{table: {"kept": n, "added": n}}`` for the import report."""
        return {name: {"kept": self.kept.get(name, 0), "added": self.added.get(name, 0)} for name in ROSTER_TABLES}


def _cell(table: str, column: str, value, platform: str = "") -> str:
    """A cell as compared: text stripped; platforms in lower case; handles reduced to their key."""
    text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()
    if table == "accounts" and column == "platform":
        return text.lower()
    if table == "accounts" and column == "handle" and text:
        return normalize_handle(platform.lower(), text) or text
    return text


def _where(source: TableFile, line: int) -> str:
    return f"{source.path}:{line}" if source.format == "csv" else f"{source.path} row {line}"


def _merge_table(name: str, old: pd.DataFrame, old_source: TableFile, new: pd.DataFrame,
                 new_source: TableFile) -> tuple[pd.DataFrame, int]:
    """The dataset's rows, then the roster's rows whose id the dataset lacks; a same id with other values is refused.

    Returns the merged table and the number of rows added.
    """
    key = ROW_KEYS[name]
    measured = _MEASURED.get(name, ())
    compared = [c for c in old.columns if c in new.columns and c != key and c not in measured]
    old_lines = dict(zip(old[key].astype(str).str.strip(), old_source.line_numbers()))
    old_rows = {k: row for k, row in zip(old[key].astype(str).str.strip(), old.to_dict("records"))}
    conflicts, added = [], []
    for line, row in zip(new_source.line_numbers(), new.to_dict("records")):
        row_id = str(row[key]).strip()
        if row_id not in old_rows:
            added.append(row)
            continue
        before = old_rows[row_id]
        platform = _cell(name, "platform", row.get("platform", ""))
        differing = [c for c in compared if _cell(name, c, before.get(c), platform) != _cell(name, c, row.get(c), platform)]
        if differing:
            detail = "; ".join(f"{c}: {str(before.get(c) or '')!r} in the dataset, {str(row.get(c) or '')!r} in the "
                               f"roster" for c in differing[:3])
            conflicts.append(f"{name}: {key} {row_id!r} differs between {_where(old_source, old_lines[row_id])} "
                             f"(the dataset) and {_where(new_source, int(line))} (the roster): {detail}")
    if conflicts:
        more = f" (and {len(conflicts) - 1} more conflicting row(s))" if len(conflicts) > 1 else ""
        raise ImportFailure(f"{conflicts[0]}{more}. An import never changes or removes the dataset's rows: make "
                            f"the two rows agree, or import into another --out; nothing was imported")
    columns = list(old.columns) + [c for c in new.columns if c not in old.columns]
    extra = pd.DataFrame(added, columns=list(new.columns)) if added else pd.DataFrame(columns=list(new.columns))
    merged = pd.concat([old.reindex(columns=columns), extra.reindex(columns=columns)], ignore_index=True)
    if name == "accounts":
        roster_followers = dict(zip(new[key].astype(str).str.strip(), new["followers"]))
        kept = [f if not pd.isna(f) else roster_followers.get(str(k).strip(), pd.NA)
                for k, f in zip(merged[key], merged["followers"])]
        merged["followers"] = pd.array(kept, dtype="Int64")
    else:
        merged = merged.astype(object).where(merged.notna(), "")
    return merged, len(added)


def _check_sectors(organizations: pd.DataFrame, source: TableFile, added_ids: set[str], dataset_yml: Path) -> None:
    """Refuse added organisations whose sector or segment the dataset's ``dataset.yml`` does not define."""
    try:
        settings = load_dataset_settings(dataset_yml)
    except SettingsError:
        return  # influence validate names what is wrong with it
    for line, row in zip(source.line_numbers(), organizations.to_dict("records")):
        if str(row["org_id"]).strip() not in added_ids:
            continue
        sector = settings.sectors.get(str(row["sector"]).strip())
        if sector is None or str(row["segment"]).strip() not in {s.key for s in sector.segments}:
            raise ImportFailure(f"{_where(source, int(line))}: organisation {row['org_id']!r} is in sector "
                                f"{row['sector']!r}, segment {row['segment']!r}, which {dataset_yml} (kept: the "
                                f"dataset's) does not define; add them there, or import into another --out; "
                                f"nothing was imported")


def merge_into_dataset(roster: Roster, out: Path) -> tuple[Roster, RosterMerge]:
    """The roster merged with the organizations, members and accounts already in ``out``.

    Every row of the dataset is kept as it is; a roster row whose id the dataset lacks is added; a
    roster row with the same id and other values (followers aside, a measurement kept from the
    dataset) is an error naming both rows. The dataset's ``dataset.yml`` is kept; an added
    organisation must be in one of its sectors and segments.

    Raises
    ------
    ImportFailure
        A conflicting row, an added organisation outside the dataset's sectors, or a table of
        ``out`` that cannot be read.
    """
    outcome = RosterMerge()
    if not out.is_dir() or out.resolve() == roster.folder.resolve():
        return roster, outcome
    tables = {name: getattr(roster, name) for name in ROSTER_TABLES}
    added_ids: dict[str, set[str]] = {}
    for name in ROSTER_TABLES:
        if not any((out / f"{name}{suffix}").exists() for suffix in (".csv", ".parquet")):
            outcome.added[name] = len(tables[name])
            added_ids[name] = set(tables[name][ROW_KEYS[name]].astype(str).str.strip())
            continue
        old, source = read_roster_table(out, name)
        if name == "accounts":
            old = old.copy()
            old["platform"] = old["platform"].str.strip().str.lower()
            old["followers"] = parse_followers(old, source)
        tables[name], n_added = _merge_table(name, old, source, tables[name], roster.sources[name])
        outcome.kept[name], outcome.added[name] = len(old), n_added
        added_ids[name] = set(tables[name][ROW_KEYS[name]].astype(str).str.strip()[len(old):])
    dataset_yml = roster.dataset_yml
    target = out / "dataset.yml"
    if target.exists():
        dataset_yml = target
        if target.read_bytes() != roster.dataset_yml.read_bytes():
            outcome.notes.append("the dataset's dataset.yml was kept; the roster's differs and was not copied")
            _check_sectors(roster.organizations, roster.sources["organizations"], added_ids["organizations"], target)
    if outcome.kept:
        outcome.notes.append("roster merged with the dataset's tables: "
                             + ", ".join(f"{n} {outcome.added.get(n, 0)} added to {outcome.kept.get(n, 0)}"
                                         for n in ROSTER_TABLES))
    return replace(roster, dataset_yml=dataset_yml, **tables), outcome
