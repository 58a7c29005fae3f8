"""From parsed records to the output dataset: one row per post, merged with its posts and followers, written."""

from __future__ import annotations

import math
import shutil
from pathlib import Path, PureWindowsPath

import numpy as np
import pandas as pd

from influence_lib.errors import DatasetError
from influence_lib.export import write_table
from influence_lib.importers.errors import ImportFailure, ImportUsageError
from influence_lib.importers.ids import linkedin_id_ms
from influence_lib.importers.parsing import RECORD_DEFAULTS, ParseContext
from influence_lib.importers.report import ImportReport, read_previous_report, write_report
from influence_lib.importers.roster import AccountIndex, Roster
from influence_lib.importers.values import TIMESTAMP_FORMAT, format_time, parse_count, parse_time
from influence_lib.readers import read_table
from influence_lib.schema import TABLE_NAMES, TABLES
from influence_lib.settings import KINDS

POST_COLUMNS = TABLES["posts"].column_names
COUNT_COLUMNS = [c.name for c in TABLES["posts"].columns if c.kind == "count"]


# --- one row per post ------------------------------------------------------------------------------------

def _frame_of_records(records: list[dict]) -> pd.DataFrame:
    columns = list(RECORD_DEFAULTS) + ["file", "line", "order"]
    frame = pd.DataFrame.from_records(records, columns=columns) if records else pd.DataFrame(columns=columns)
    for column in COUNT_COLUMNS:
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    frame["published_ms"] = pd.array(frame["published_ms"].tolist(), dtype="Int64")
    frame["retrieved_key"] = pd.to_numeric(frame["retrieved_s"], errors="coerce").fillna(-np.inf)
    frame["version"] = pd.to_numeric(frame["version"], errors="coerce").fillna(0)
    frame["match_key"] = frame["handle"].where(frame["handle"].notna(), frame["alt"])
    return frame


def _fold_linkedin_by_time(frame: pd.DataFrame, key: str, tolerance_ms: int = 2000) -> dict[str, str]:
    """Map share/ugcPost ids onto the activity id of the same post: same author, same second.

    One LinkedIn post carries an activity id and a share or ugcPost id, created a few hundred
    milliseconds apart; tools cite one or the other. Ids come from the post's own time, so a
    share/ugcPost record of an author is the activity record of that author within ``tolerance_ms``.
    """
    ids = frame["post_id"].astype(str)
    others = frame[ids.str.startswith(("urn:li:ugcPost:", "urn:li:share:")) & frame[key].notna()]
    activities = frame[ids.str.startswith("urn:li:activity:") & frame[key].notna()]
    if others.empty or activities.empty:
        return {}
    pairs = others[["post_id", key, "published_ms"]].merge(
        activities[["post_id", key, "published_ms"]], on=key, suffixes=("", "_activity"))
    gap = (pairs["published_ms"].astype("float") - pairs["published_ms_activity"].astype("float")).abs()
    pairs = pairs[gap <= tolerance_ms]
    pairs = pairs.drop_duplicates(["post_id", "post_id_activity"])
    single = pairs.groupby("post_id")["post_id_activity"].transform("nunique") == 1
    return dict(zip(pairs.loc[single, "post_id"], pairs.loc[single, "post_id_activity"]))


def _apply_aliases(frame: pd.DataFrame, aliases: dict[str, str]) -> pd.DataFrame:
    """Post ids replaced by the id they are an alias of; a LinkedIn post then takes its activity id's time.

    A record found under a share/ugcPost id carries that id's time, a few hundred milliseconds off
    the activity's: once folded onto the activity id, the post's time is the activity id's.
    """
    if aliases:
        frame = frame.copy()
        frame["post_id"] = frame["post_id"].map(lambda p: aliases.get(p, p))
        folded = frame["post_id"].isin(set(aliases.values())) & frame["post_id"].str.startswith("urn:li:activity:")
        if folded.any():
            ids = frame.loc[folded, "post_id"].str.rsplit(":", n=1).str[-1]
            times = pd.Series([linkedin_id_ms(i) for i in ids], index=ids.index, dtype="Int64")
            frame.loc[folded, "published_ms"] = times.fillna(frame.loc[folded, "published_ms"].astype("Int64"))
    return frame


def dedupe_records(frame: pd.DataFrame, report: ImportReport) -> tuple[pd.DataFrame, dict[str, str]]:
    """Keep one row per post: ids folded (aliases, LinkedIn share/ugcPost ids, tweet edits), latest snapshot.

    Order of preference inside a post: the latest version (edits), then the latest retrieval time,
    then the last one read.
    """
    aliases: dict[str, str] = {}
    for post_id, extra in zip(frame["post_id"], frame["aliases"]):
        for alias in extra or ():
            if alias != post_id:
                aliases.setdefault(alias, post_id)
    frame = _apply_aliases(frame, aliases)
    by_time = _fold_linkedin_by_time(frame, "match_key")
    if by_time:
        report.note("LinkedIn share/ugcPost ids folded onto the activity id of the same post", len(by_time))
        aliases.update(by_time)
        frame = _apply_aliases(frame, by_time)
    frame = frame.sort_values(["post_id", "version", "retrieved_key", "order"], kind="stable")
    kept = frame.drop_duplicates("post_id", keep="last")
    return kept, aliases


def build_posts_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The canonical posts columns and dtypes from an internal frame."""
    out = pd.DataFrame(index=frame.index)
    out["post_id"] = frame["post_id"].astype("str")
    out["account_id"] = frame["account_id"].astype("str")
    out["published_at"] = pd.to_datetime(frame["published_ms"].astype("float"), unit="ms", utc=True) \
        .astype("datetime64[us, UTC]")
    for column in ("kind", "format"):
        out[column] = frame[column].astype("str")
    for column in COUNT_COLUMNS:
        out[column] = frame[column].astype("Int64")
    out["text"] = frame["text"].astype("str")
    out["url"] = frame["url"].astype("str")
    return out[POST_COLUMNS].reset_index(drop=True)



# --- merging with the dataset ------------------------------------------------------------------------------

def read_existing_posts(out: Path) -> pd.DataFrame | None:
    """The posts table already in the output dataset, typed, or ``None`` (no file, or an empty one).

    Read with :func:`influence_lib.readers.read_table`, like any posts table.

    Raises
    ------
    ImportUsageError
        ``out`` holds ``posts.parquet`` (the importer writes and merges CSV).
    ImportFailure
        The table cannot be read, or a row holds an unreadable date or count.
    """
    if (out / "posts.parquet").exists():
        raise ImportUsageError(f"{out}: holds posts.parquet; the importer writes posts.csv and merges into it. "
                               f"Choose another --out, or convert the table to CSV first")
    path = out / "posts.csv"
    if not path.exists():
        return None
    try:
        table, source = read_table(out, "posts")
    except DatasetError as exc:
        if not path.read_bytes().lstrip(b"\xef\xbb\xbf").strip():
            return None
        raise ImportFailure(f"{exc} The import merges into this posts table: fix it, move it away, or choose "
                            f"another --out.") from None
    rows = []
    for line, row in zip(source.line_numbers(), table.to_dict("records")):
        record = {c: (row.get(c) or None) for c in POST_COLUMNS}
        try:
            parsed = parse_time(record["published_at"])
            if parsed is None:
                raise ValueError("empty published_at")
            record["published_ms"] = parsed.ms
            for column in COUNT_COLUMNS:
                record[column] = parse_count(record[column])
        except ValueError as exc:
            raise ImportFailure(f"{path}:{line}: {exc}; fix the row (or move the file away) and import again") \
                from None
        record["kind"] = record["kind"] or "original"
        rows.append(record)
    frame = pd.DataFrame.from_records(rows, columns=POST_COLUMNS + ["published_ms"])
    for column in COUNT_COLUMNS + ["published_ms"]:
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    return frame


def merge_posts(existing: pd.DataFrame | None, new: pd.DataFrame, aliases: dict[str, str],
                snapshots: dict[str, str], report: ImportReport) -> tuple[pd.DataFrame, dict[str, int | None]]:
    """Merge imported posts into the dataset's: same post id keeps the latest retrieval time.

    Existing rows take their retrieval time from the previous report (unknown counts as older than
    any known time); on equal times the import wins. A post in both is ``unchanged`` when its row
    would be written the same, else ``updated`` (the import's snapshot kept) or ``kept_existing``
    (the dataset's later snapshot kept). Returns the merged internal frame and the retrieval time
    (epoch seconds or None) of each kept post.
    """
    new = new.assign(origin=1)
    if existing is None or existing.empty:
        merged = new
        report.counts.update(added=len(new), updated=0, unchanged=0, kept_existing=0)
    else:
        old = existing.copy()
        old["origin"] = 0
        old["post_id"] = old["post_id"].map(lambda p: aliases.get(p, p))
        old["match_key"] = old["account_id"]
        probe = pd.concat([old[["post_id", "match_key", "published_ms"]],
                           new[["post_id", "account_id", "published_ms"]].rename(columns={"account_id": "match_key"})])
        by_time = _fold_linkedin_by_time(probe, "match_key")
        if by_time:
            old = _apply_aliases(old, by_time)
            new = _apply_aliases(new, by_time).drop_duplicates("post_id", keep="last")
            report.note("LinkedIn share/ugcPost ids folded onto the activity id of the same post in the dataset",
                        len(by_time))
        seconds = {k: parse_time(v).seconds for k, v in snapshots.items() if v}
        old["retrieved_s"] = old["post_id"].map(seconds)
        old["retrieved_key"] = pd.to_numeric(old["retrieved_s"], errors="coerce").fillna(-np.inf)
        old["order"] = -1
        both = set(old["post_id"]) & set(new["post_id"])
        merged = pd.concat([old, new], ignore_index=True)
        merged = merged.sort_values(["post_id", "retrieved_key", "origin", "order"], kind="stable")
        merged = merged.drop_duplicates("post_id", keep="last")
        winners = merged.set_index("post_id")["origin"]
        before, after = _written_rows(old[old["post_id"].isin(both)]), _written_rows(new[new["post_id"].isin(both)])
        unchanged = {p for p in both if before.get(p) == after.get(p)}
        updated = sum(1 for p in both - unchanged if winners.get(p) == 1)
        kept = [p for p in both - unchanged if winners.get(p) == 0]
        report.counts.update(added=int(new["post_id"].nunique()) - len(both), updated=updated,
                             unchanged=len(unchanged), kept_existing=len(kept))
        _hint_older_snapshots(new[new["post_id"].isin(kept)], old[old["post_id"].isin(kept)], report)
    retrieved = {p: (None if pd.isna(s) else int(s))
                 for p, s in zip(merged["post_id"], pd.to_numeric(merged["retrieved_s"], errors="coerce"))}
    return merged, retrieved


def _relative_name(path) -> str:
    """A file name from an earlier report: kept when relative, cut to the file name when absolute."""
    text = str(path or "")
    return PureWindowsPath(text).name if PureWindowsPath(text).is_absolute() or Path(text).is_absolute() else text


def _iso_times(stamps: pd.Series) -> pd.Series:
    """Times as ``2021-03-04T09:15:00Z``, with ``.632`` before the ``Z`` when they hold milliseconds."""
    whole = stamps.dt.strftime(TIMESTAMP_FORMAT)
    ms = (stamps.dt.microsecond // 1000).astype("Int64")
    fraction = ms.map(lambda m: "" if pd.isna(m) or m == 0 else f".{int(m):03d}")
    return whole.str[:-1] + fraction.astype(str) + "Z"


def _written_rows(frame: pd.DataFrame) -> dict[str, tuple]:
    """Each post's row as it would be written to ``posts.csv``: what "unchanged" compares."""
    if frame.empty:
        return {}
    table = _csv_ready(build_posts_table(frame), POST_COLUMNS)
    table = table.astype(object).where(table.notna(), "").astype(str)
    return {row[0]: tuple(row[1:]) for row in table.itertuples(index=False)}


def _hint_older_snapshots(new: pd.DataFrame, old: pd.DataFrame, report: ImportReport) -> None:
    """Say why posts of this import lost to the dataset's, and what to do if that is wrong."""
    if new.empty:
        return
    undated = int(pd.to_numeric(new["retrieved_s"], errors="coerce").isna().sum())
    if undated:
        report.hint(f"{undated} post(s) of this import differ from the dataset's copy and their files do not say when "
                    f"they were collected, so the dataset's copies (with a known collection time) were kept. If "
                    f"these files are newer, import them again with --scraped-at TIME (when they were collected).")
    dated = len(new) - undated
    if dated:
        newest = format_time(pd.to_numeric(old["retrieved_s"], errors="coerce").max())
        report.hint(f"{dated} post(s) of this import were collected before the dataset's copies (collected up to "
                    f"{newest}), which were kept. If that is wrong, check --scraped-at or the files' own times.")


def update_followers(ctx: ParseContext, index: AccountIndex, roster: Roster, previous: dict,
                     report: ImportReport) -> tuple[pd.DataFrame, dict]:
    """Accounts with ``followers`` replaced by the latest snapshot: this import's, or a previous import's."""
    accounts = roster.accounts.copy()
    snapshots: dict[str, dict] = {}
    for account_id, snap in (previous or {}).items():
        if isinstance(snap, dict) and account_id in set(accounts["account_id"]):
            snapshots[account_id] = {"followers": snap.get("followers"), "retrieved_at": snap.get("retrieved_at"),
                                     "rank": (parse_time(snap["retrieved_at"]).seconds
                                              if snap.get("retrieved_at") else -math.inf, 0, 0)}
    if ctx.followers:
        frame = pd.DataFrame(ctx.followers)
        key = frame["handle"].where(frame["handle"].notna(), frame["alt"])
        by_handle, _ = index.match(frame["platform"], key)
        by_alt, _ = index.match(frame["platform"], frame["alt"])
        frame["account_id"] = by_handle.fillna(by_alt)
        for row in frame[frame["account_id"].notna()].itertuples(index=False):
            rank = (row.retrieved_s if row.retrieved_s is not None and not pd.isna(row.retrieved_s) else -math.inf,
                    1, row.order)
            current = snapshots.get(row.account_id)
            if current is None or rank >= current["rank"]:
                snapshots[row.account_id] = {"followers": int(row.followers),
                                             "retrieved_at": format_time(row.retrieved_s)
                                             if rank[0] != -math.inf else None,
                                             "rank": rank, "new": True, "file": row.file, "line": row.line}
    before = dict(zip(accounts["account_id"], accounts["followers"]))
    values = accounts["followers"].astype("object").tolist()
    for i, account_id in enumerate(accounts["account_id"]):
        snap = snapshots.get(account_id)
        if snap is not None and snap.get("followers") is not None:
            values[i] = int(snap["followers"])
            if snap.get("new"):
                old = before.get(account_id)
                report.followers_updated.append({
                    "account_id": account_id, "followers": int(snap["followers"]),
                    "previous": None if pd.isna(old) else int(old),
                    "retrieved_at": snap["retrieved_at"], "source": f"{snap['file']}:{snap['line']}"})
    accounts["followers"] = pd.array(values, dtype="Int64")
    kept = {a: {"followers": s["followers"], "retrieved_at": s["retrieved_at"]} for a, s in sorted(snapshots.items())}
    return accounts, kept


def assemble(ctx: ParseContext, roster: Roster, out: Path) -> dict[str, pd.DataFrame]:
    """Turn the parsed records into the output tables and fill the report's counts.

    Steps: type the records; keep one row per post (latest snapshot); match handles to the roster
    (unmatched and ambiguous ones are counted, not imported); merge with the posts already in
    ``out``; take the latest followers. Rows examined = skipped + refused + duplicates merged +
    unmatched + imported.
    """
    report = ctx.report
    previous = read_previous_report(out, report)
    old_snapshots = previous.get("snapshots") or {}
    frame = _frame_of_records(ctx.posts)
    deduped, aliases = dedupe_records(frame, report)
    duplicates = len(frame) - len(deduped)

    index = AccountIndex(roster.accounts)
    by_handle, ambiguous_handle = index.match(deduped["platform"], deduped["handle"])
    by_alt, ambiguous_alt = index.match(deduped["platform"], deduped["alt"])
    deduped = deduped.assign(account_id=by_handle.fillna(by_alt))
    ambiguous = deduped["account_id"].isna() & (ambiguous_handle.notna() | ambiguous_alt.notna())
    for row, candidates in zip(deduped[ambiguous].itertuples(index=False),
                               ambiguous_handle[ambiguous].fillna(ambiguous_alt[ambiguous])):
        report.refuse(row.file, row.line, f"handle {row.display or row.match_key!r} matches several roster "
                                          f"accounts ({', '.join(candidates)}); keep one of them in accounts")
    unmatched = deduped["account_id"].isna() & ~ambiguous
    for (platform, display), n in (deduped[unmatched].assign(display=deduped["display"].fillna(deduped["match_key"])
                                                             .fillna("(no handle)"))
                                   .groupby(["platform", "display"]).size().items()):
        report.unmatched[(platform, display)] += int(n)
    matched = deduped[deduped["account_id"].notna()].copy()

    existing = read_existing_posts(out)
    if existing is not None:
        unknown = set(existing["account_id"].dropna()) - set(roster.accounts["account_id"])
        if unknown:
            report.note(f"posts already in the dataset's posts.csv whose account_id is in no accounts table "
                        f"(kept; influence validate will list them): {', '.join(sorted(unknown)[:5])}")
    merged, retrieved = merge_posts(existing, matched, aliases, old_snapshots.get("posts") or {}, report)
    posts = build_posts_table(merged)
    posts = posts.sort_values(["published_at", "post_id"], kind="stable").reset_index(drop=True)
    accounts, follower_snapshots = update_followers(ctx, index, roster, old_snapshots.get("followers"), report)

    if report.relative_without_time:
        report.hint(f"{report.relative_without_time} row(s) have a relative date ('3w', 'il y a 2 j') that no post id "
                    f"can replace, and their files do not say when they were collected: they were refused. Import "
                    f"them again with --scraped-at TIME (when the files were collected).")
    kinds = matched["kind"].value_counts()
    merge_counts = dict(report.counts)
    report.counts = {
        "rows_read": ctx.rows_examined,
        "skipped": len(report.skipped),
        "refused": len(report.refused),
        "duplicates_merged": int(duplicates),
        "unmatched": int(unmatched.sum()),
        "imported": len(matched),
        "posts_found": len(frame),
        "added": merge_counts.get("added", 0),
        "updated": merge_counts.get("updated", 0),
        "unchanged": merge_counts.get("unchanged", 0),
        "kept_existing": merge_counts.get("kept_existing", 0),
        "skipped_by_reason": report.skipped_by_category(),
        "reposts": int(kinds.get("repost", 0)),
        "by_kind": {k: int(kinds[k]) for k in KINDS if k in kinds},
        "posts_in_dataset": len(posts),
    }
    report.snapshots = {
        "note": "retrieval time of each post and follower count kept in the dataset; the next import "
                "compares against them (latest snapshot wins)",
        "posts": {p: format_time(retrieved[p]) for p in sorted(retrieved) if retrieved[p] is not None},
        "followers": follower_snapshots,
    }
    report.history = list(previous.get("previous_imports") or [])
    if previous.get("format"):
        report.history.append({"format": previous.get("format"), "scraped_at": previous.get("scraped_at"),
                               "files": [_relative_name(f.get("path")) for f in previous.get("files") or []],
                               "imported": (previous.get("counts") or {}).get("imported")})
    return {"organizations": roster.organizations, "members": roster.members,
            "accounts": accounts, "posts": posts}


# --- writing ------------------------------------------------------------------------------------------------

def _csv_ready(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The canonical ``columns`` first (empty when absent), then the others; times as ``2021-03-04T09:15:00Z``."""
    out = frame.copy()
    for column in columns:
        if column not in out.columns:
            out[column] = ""
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = _iso_times(out[column])
    extra = [c for c in out.columns if c not in columns]
    return out[columns + extra]


def refuse_parquet_dataset(out: Path) -> None:
    """Refuse an output dataset holding Parquet tables, before anything is read: the importer writes and merges CSV.

    Raises
    ------
    ImportUsageError
        ``out`` holds a ``<table>.parquet`` file or a ``posts/`` folder.
    """
    for name in TABLE_NAMES:
        if (out / f"{name}.parquet").exists() or (name == "posts" and (out / "posts").is_dir()):
            raise ImportUsageError(f"{out}: holds {name} as Parquet; the importer writes CSV tables and merges into "
                                   f"them. Choose another --out, or convert the dataset to CSV first")


def write_dataset(tables: dict[str, pd.DataFrame], roster: Roster, out: Path, report: ImportReport) -> None:
    """Write the output dataset folder: four CSV tables, dataset.yml and the import report.

    Each table is written by :func:`influence_lib.export.write_table` to a temporary file, then
    moved in place.

    Raises
    ------
    ImportUsageError
        ``out`` holds Parquet tables.
    """
    for name in TABLE_NAMES:
        if name != "posts" and (out / f"{name}.parquet").exists():
            raise ImportUsageError(f"{out}: holds {name}.parquet; the importer writes CSV tables. Choose another "
                                   f"--out, or convert the dataset to CSV first")
    out.mkdir(parents=True, exist_ok=True)
    for name in TABLE_NAMES:  # write_table writes beside the target and renames: never half a table
        write_table(_csv_ready(tables[name], TABLES[name].column_names), out / f"{name}.csv")
    target = out / "dataset.yml"
    if roster.dataset_yml.resolve() != target.resolve():
        shutil.copyfile(roster.dataset_yml, target)
    write_report(report, out)
