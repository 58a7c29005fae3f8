"""The dask engine's posts: Parquet files cut into pieces, each read, validated and scored by a worker.

Everything here runs on the workers (except :func:`plan_pieces`), one piece at a time, with the
pandas engine's own rules: :func:`influence_lib.validation` types and checks each piece's rows
(the same messages, with the file and row of the piece), and the rules of
:mod:`influence_lib.post_rules` pick and score its counted posts, as for
:func:`influence_lib.scoring.score_posts`. What the pandas
engine checks across the whole table is checked across pieces by the caller
(:mod:`influence_lib.engines.dask_scope`): duplicate ``post_id`` and a reference column that
matches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from influence_lib import validation
from influence_lib.arrow import frame_of
from influence_lib.dataset import TableFile
from influence_lib.engines.hive import POSTS_FOLDER, list_month_files, month_end, month_start, months_overlapping
from influence_lib.errors import DatasetError
from influence_lib.hive_folder import WRONG_MONTH
from influence_lib.post_arrays import PostArrays, choice_codes
from influence_lib.post_rules import counted_posts, post_engagement
from influence_lib.schema import TABLES
from influence_lib.settings import PLATFORMS, DatasetSettings, Methodology, Period
from influence_lib.stats.keyed import stable_keys

PIECE_ROWS = 2_000_000  # rows of one piece at most (a file's row groups are grouped up to this)
SPEC = TABLES["posts"]
UNKNOWN_ACCOUNT = "unknown account_id: no row of {file} has this account_id; fix the id or add the missing row"
BAD_ACCOUNT = ("account_id refers to a row of {file} that has errors, so this row is left out too; "
               "fix that row first")
DUPLICATE = "duplicate post_id: appears {count} times (first on row {line} of {file}); every post_id must be " \
            "unique: remove the extra rows or give them their own id"

_ACCEPTS = {  # column kind -> Arrow types a Parquet column of that kind may be stored as
    "id": lambda t: _text(t) or pa.types.is_integer(t),
    "ref": lambda t: _text(t) or pa.types.is_integer(t),
    "text": lambda t: _text(t), "enum": lambda t: _text(t), "country": lambda t: _text(t),
    "count": lambda t: pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_null(t),
    "timestamp": lambda t: pa.types.is_timestamp(t) or pa.types.is_date(t) or _text(t),
}


def _text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t)


@dataclass(frozen=True)
class Piece:
    """Row groups of one Parquet file of the posts, read and checked together by one worker.

    ``first_rows`` holds the 0-based row, in the file, of each row group's first row: rows are
    reported as the pandas engine reports them, 1-based rows of their file.
    """

    number: int
    path: str
    month: str | None
    row_groups: tuple[int, ...]
    first_rows: tuple[int, ...]
    sizes: tuple[int, ...]

    @property
    def rows(self) -> int:
        """Rows in the piece."""
        return int(sum(self.sizes))


@dataclass(frozen=True)
class AccountLookup:
    """Every account id of the accounts table, found by its 64-bit key in O(1), and what a post needs of it.

    A worker builds the key index's hash table once (on its first piece) and keeps it: looking up
    a piece's accounts costs in proportion to the piece, not to the accounts table.

    Attributes
    ----------
    index : pandas.Index
        uint64 keys (:func:`~influence_lib.stats.keyed.stable_keys`) of the account ids.
    ids : pyarrow.Array
        The ids, in the same order (a key's match is confirmed on the text).
    ok : numpy.ndarray
        bool: the account's row has no error.
    member : numpy.ndarray
        int32: position of its member among the sector's members, -1 outside the sector.
    platform : numpy.ndarray
        int8: its platform's position in ``PLATFORMS``.
    """

    index: pd.Index
    ids: pa.Array
    ok: np.ndarray
    member: np.ndarray
    platform: np.ndarray

    def find(self, account_ids: pa.Array) -> np.ndarray:
        """Position of each id (text, no missing value) in :attr:`ids`, -1 when absent."""
        if len(account_ids) == 0:
            return np.zeros(0, dtype=np.int64)
        at = self.index.get_indexer(stable_keys(account_ids))
        hit = at >= 0
        if hit.any():  # a 64-bit key shared by two different ids is no match
            same = pc.equal(account_ids.filter(pa.array(hit)), self.ids.take(pa.array(at[hit])))
            at[np.flatnonzero(hit)[~same.to_numpy(zero_copy_only=False)]] = -1
        return at


def account_lookup(all_ids: pa.Array, ok_ids: pa.Array, sector_accounts: pd.DataFrame,
                   account_member: np.ndarray) -> AccountLookup:
    """The :class:`AccountLookup` of an accounts table (built once, by the caller).

    Parameters
    ----------
    all_ids : pyarrow.Array
        Every account id read (rows with errors too; missing ones are left out).
    ok_ids : pyarrow.Array
        The ids of the rows without errors.
    sector_accounts : pandas.DataFrame
        The sector's typed accounts (``account_id``, ``platform``).
    account_member : numpy.ndarray
        Position of each of ``sector_accounts``' member among the sector's members.
    """
    all_ids = all_ids.filter(pc.invert(pc.is_null(all_ids)))
    all_ids = pc.unique(all_ids)
    sector_ids = _ids_text(sector_accounts["account_id"])
    where = pc.index_in(all_ids, value_set=sector_ids).fill_null(-1).to_numpy(zero_copy_only=False)
    inside = where >= 0
    member = np.full(len(all_ids), -1, dtype=np.int32)
    member[inside] = account_member.astype(np.int32)[where[inside]]
    platform = np.full(len(all_ids), -1, dtype=np.int8)
    platform[inside] = choice_codes(sector_accounts["platform"], PLATFORMS)[where[inside]]
    ok = pc.is_in(all_ids, value_set=ok_ids).to_numpy(zero_copy_only=False).astype(bool)
    return AccountLookup(pd.Index(stable_keys(all_ids)), all_ids, ok, member, platform)


@dataclass(frozen=True)
class PieceContext:
    """What every piece needs, sent once to each worker.

    Attributes
    ----------
    settings : DatasetSettings
    sector : str
    periods : list of Period
        The periods scored (current, and previous when movements are asked for).
    methodology : Methodology
        Without cap or transform: pieces give engagement; the caller applies the cap.
    organizations, members, accounts : pandas.DataFrame
        The sector's typed tables (:func:`influence_lib.scoring.sector_scope`).
    lookup : AccountLookup
        Every account of the accounts table (:func:`account_lookup`).
    accounts_file : str
        The accounts file's name, for the messages.
    opted_out : pyarrow.Array
        Accounts of people in opt-out.csv: their posts are removed before anything else.
    duplicates : dict
        ``post_id -> reason`` for every id that appears more than once among the rows read.
    keep : list of str or None
        Posts' columns the counted posts keep (``None``: the scores only, nothing gathered).
    """

    settings: DatasetSettings
    sector: str
    periods: list
    methodology: Methodology
    organizations: pd.DataFrame
    members: pd.DataFrame
    accounts: pd.DataFrame
    lookup: AccountLookup
    accounts_file: str
    opted_out: pa.Array
    duplicates: dict = field(default_factory=dict)
    keep: list | None = None
    member_org: np.ndarray | None = None  # position of each member's organisation (for kept posts)


@dataclass
class PieceCheck:
    """What validation found in one piece: problems, rejected rows and counts (small; gathered by the caller)."""

    problems: pd.DataFrame
    rejected: pd.DataFrame
    read: int
    rejected_rows: int
    opted_out: int
    with_account: int
    known_account: int


@dataclass
class ScoredPiece:
    """One piece's counted posts per period (stays on its worker), and its check."""

    check: PieceCheck
    counted: list  # one DataFrame per period: member (int32 code), engagement, kept columns
    keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))  # of every present post_id read


def posts_source(folder: Path) -> tuple[str, Path]:
    """Where a dataset's posts are: ``("hive", posts/)``, ``("parquet", posts.parquet)`` or ``("csv", posts.csv)``.

    Raises
    ------
    DatasetError
        Two of them at once (ambiguous), or none.
    """
    found = [(kind, folder / name) for kind, name in (("hive", POSTS_FOLDER), ("parquet", "posts.parquet"),
                                                      ("csv", "posts.csv")) if (folder / name).exists()]
    if len(found) > 1:
        raise DatasetError(f"{folder}: {' and '.join(p.name for _, p in found)} both exist, so the posts table is "
                           f"ambiguous; keep only one of them.")
    if not found:
        raise DatasetError(f"{folder}: the posts table is missing; expected posts.csv, posts.parquet or a folder "
                           f"posts/ of month=YYYY-MM/*.parquet.")
    return found[0]


def _check_schema(path: Path, schema: pa.Schema) -> None:
    wrong = []
    for column in SPEC.columns:
        if column.name in schema.names:
            stored = schema.field(column.name).type
            stored = stored.value_type if pa.types.is_dictionary(stored) else stored
            if not _ACCEPTS[column.kind](stored):
                wrong.append(f"column {column.name} is stored as {stored}")
    missing = [c for c in SPEC.required_columns if c not in schema.names]
    if missing:
        wrong.append(f"required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing")
    if wrong:
        raise DatasetError(f"{path}: {'; '.join(wrong)}; write the posts with the contract's columns and types "
                           f"(see docs/data-and-methodology.md).")


def _stamp(value) -> pd.Timestamp | None:
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _row_group_outside(meta: pq.RowGroupMetaData, index: int, periods: list[Period]) -> bool:
    """True when a row group's ``published_at`` statistics show that none of its rows is in any period.

    Only a timestamp column without missing values can be skipped: a row without a date is bad
    data that must be read and reported.
    """
    stats = meta.column(index).statistics
    if stats is None or not stats.has_min_max or stats.null_count != 0 or stats.logical_type.type != "TIMESTAMP":
        return False
    low, high = _stamp(stats.min), _stamp(stats.max)
    return all(high < p.start or low >= p.end for p in periods)


def plan_pieces(folder: Path, periods: list[Period], piece_rows: int = PIECE_ROWS) -> list[Piece]:
    """The pieces of a dataset's Parquet posts that may hold posts of ``periods``: the period filter of the scan.

    A hive folder is read only for the months the periods overlap (the ``month=`` partition);
    in the files read, a row group whose ``published_at`` statistics (minimum, maximum, no
    missing value) lie outside every period is skipped. Row groups of a file are grouped into
    pieces of at most ``piece_rows`` rows. Each file's schema is checked here, before any row is
    read.

    Parameters
    ----------
    folder : Path
        The dataset folder (posts as ``posts/`` or ``posts.parquet``).
    periods : list of Period
    piece_rows : int

    Returns
    -------
    list of Piece
    """
    kind, where = posts_source(folder)
    if kind == "hive":
        wanted = {m for p in periods for m in months_overlapping(p.start, p.end)}
        files = [(f.month, f.path) for f in list_month_files(where) if f.month in wanted]
    elif kind == "parquet":
        files = [(None, where)]
    else:
        raise ValueError("CSV posts are read by the pandas reader (see build_dask_scope)")
    pieces: list[Piece] = []
    for month, path in files:
        try:
            parquet = pq.ParquetFile(path)
        except (pa.ArrowException, OSError) as exc:
            raise DatasetError(f"{path}: not a readable Parquet file ({exc}); write it again.") from None
        _check_schema(path, parquet.schema_arrow)
        meta = parquet.metadata
        stamp_index = parquet.schema_arrow.names.index("published_at")
        groups, firsts, sizes, first = [], [], [], 0
        for g in range(meta.num_row_groups):
            rows = meta.row_group(g).num_rows
            if rows and not _row_group_outside(meta.row_group(g), stamp_index, periods):
                if groups and sum(sizes) + rows > piece_rows:
                    pieces.append(Piece(len(pieces), str(path), month, tuple(groups), tuple(firsts), tuple(sizes)))
                    groups, firsts, sizes = [], [], []
                groups.append(g), firsts.append(first), sizes.append(rows)
            first += rows
        if groups:
            pieces.append(Piece(len(pieces), str(path), month, tuple(groups), tuple(firsts), tuple(sizes)))
    return pieces


FREE_TEXT = [c.name for c in SPEC.columns if c.kind == "text"]  # text, url: no rule but their type (the schema's)


def read_piece(piece: Piece, free_text: bool = True) -> tuple[pd.DataFrame, np.ndarray]:
    """A piece's rows as stored (dictionaries decoded, integers as ``Int64``, text as ``str``), and their file rows.

    ``free_text=False`` leaves out the columns whose only rule is their type, checked on the
    file's schema (:data:`FREE_TEXT`): the largest columns, and the slowest to read.
    """
    parquet = pq.ParquetFile(piece.path)
    names = [n for n in parquet.schema_arrow.names if free_text or n not in FREE_TEXT]
    frame = frame_of(parquet.read_row_groups(list(piece.row_groups), columns=names, use_threads=False))
    lines = np.concatenate([np.arange(f, f + n, dtype=np.int64) for f, n in zip(piece.first_rows, piece.sizes)]) + 1
    return frame, lines


def _ids_text(values: pd.Series) -> pa.Array:
    """A column's values as one Arrow ``large_string`` array (no copy for a pandas ``str`` column)."""
    text = pa.array(values.astype("str"), type=pa.large_string())
    return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text


def _present(values: pd.Series) -> np.ndarray:
    """Cells that hold a value: not missing, not empty, not only spaces (the contract's "missing" is the others)."""
    text = _ids_text(values)
    blank = pc.or_kleene(pc.equal(pc.utf8_length(text), 0), pc.utf8_is_space(text))
    return ~blank.fill_null(True).to_numpy(zero_copy_only=False).astype(bool)


def codes_in(values: pd.Series, choices: list[str]) -> np.ndarray:
    """Position of each value in ``choices`` (-1 when absent or missing)."""
    found = pc.index_in(_ids_text(values), value_set=pa.array(choices, type=pa.large_string()))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _opt_out(raw: pd.DataFrame, lines: np.ndarray, ctx: PieceContext) -> tuple[pd.DataFrame, np.ndarray, int]:
    if len(ctx.opted_out) == 0 or "account_id" not in raw.columns or not len(raw):
        return raw, lines, 0
    gone = pc.is_in(_ids_text(raw["account_id"]), value_set=ctx.opted_out).fill_null(False)
    gone = gone.to_numpy(zero_copy_only=False)
    if not gone.any():
        return raw, lines, 0
    return raw.loc[~gone].reset_index(drop=True), lines[~gone], int(gone.sum())


def _keys(raw: pd.DataFrame) -> np.ndarray:
    """Stable 64-bit keys of the present ``post_id`` values of raw rows (:func:`~influence_lib.stats.keyed.stable_keys`)."""
    return stable_keys(_ids_text(raw["post_id"]).filter(pa.array(_present(raw["post_id"]))))


def key_bucket(scored: ScoredPiece, bucket: int, buckets: int) -> np.ndarray:
    """The piece's post_id keys that fall in one of ``buckets`` hash buckets (a shuffle's send step)."""
    keys = scored.keys
    return keys[keys % np.uint64(buckets) == np.uint64(bucket)]


def repeated_keys(*parts: np.ndarray) -> np.ndarray:
    """Keys present more than once in the parts of one bucket (a shuffle's receive step)."""
    keys, counts = np.unique(np.concatenate(parts) if parts else np.zeros(0, np.uint64), return_counts=True)
    return keys[counts > 1]


def piece_rows_with_keys(piece: Piece, ctx: PieceContext, keys: np.ndarray, root: str) -> pd.DataFrame:
    """Rows of the piece whose ``post_id`` key is one of ``keys``: ``post_id, piece, line, file``."""
    raw, lines = read_piece(piece)
    raw, lines, _ = _opt_out(raw, lines, ctx)
    present = _present(raw["post_id"])
    ids = _ids_text(raw["post_id"]).filter(pa.array(present))
    hit = np.isin(stable_keys(ids), keys)
    return pd.DataFrame({"post_id": ids.filter(pa.array(hit)).to_pandas(), "piece": piece.number,
                         "line": lines[present][hit], "file": _relative(piece.path, root)})


def _relative(path: str, root: str) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return Path(path).name


def _error_rows(problems: pd.DataFrame, lines: np.ndarray) -> np.ndarray:
    bad = np.zeros(len(lines), dtype=bool)
    errors = problems.loc[(problems["severity"] == "error") & problems["line"].notna(), "line"]
    if len(errors):
        bad[np.searchsorted(lines, errors.to_numpy(dtype=np.int64))] = True
    return bad


def check_piece(piece: Piece, ctx: PieceContext, raw: pd.DataFrame, lines: np.ndarray,
                opted_out: int = 0) -> tuple[pd.DataFrame, PieceCheck]:
    """Type and check a piece's rows with the pandas engine's rules; its rows without errors, and what was found.

    Every rule of a post row is applied (:func:`influence_lib.validation` types, required values,
    choices, counts), plus ``account_id`` against the accounts table (unknown, or a row with
    errors), ``post_id`` against the duplicates found across pieces (``ctx.duplicates``; the
    piece's own check of duplicates is replaced by that one) and, in a hive folder, the month of
    ``published_at`` against the folder's.

    Returns
    -------
    valid : pandas.DataFrame
        The typed rows without errors.
    where : numpy.ndarray
        Position of each valid row's account in ``ctx.lookup``.
    check : PieceCheck
    """
    source = TableFile("posts", Path(piece.path), "parquet", len(raw), lines)
    raw_table = pa.Table.from_pandas(raw, preserve_index=False)  # validation reads Arrow tables
    typed, problems = validation._check_table(SPEC, raw_table, source)
    typed = frame_of(typed)
    problems.parts = [p for p in problems.parts
                      if not (len(p) and p["column"].iloc[0] == "post_id"
                              and str(p["reason"].iloc[0]).startswith("duplicate post_id"))]
    accounts = typed["account_id"]
    present = accounts.notna().to_numpy()
    where = np.full(len(typed), -1, dtype=np.int64)
    where[present] = ctx.lookup.find(_ids_text(accounts).filter(pa.array(present)))
    known = where >= 0
    known_ok = known & ctx.lookup.ok[np.maximum(where, 0)]
    problems.add("account_id", present & ~known, UNKNOWN_ACCOUNT.format(file=ctx.accounts_file))
    problems.add("account_id", known & ~known_ok, BAD_ACCOUNT.format(file=ctx.accounts_file))
    if ctx.duplicates and len(typed):
        ids = typed["post_id"]
        reasons = ids.map(ctx.duplicates)
        problems.add("post_id", reasons.notna().to_numpy(), reasons.fillna("").to_numpy(dtype=object))
    if piece.month is not None and len(typed):
        stamps = typed["published_at"]
        outside = stamps.notna().to_numpy() & ~((stamps >= month_start(piece.month))
                                                & (stamps < month_end(piece.month))).fillna(False).to_numpy(dtype=bool)
        problems.add("published_at", outside, WRONG_MONTH.format(month=piece.month))
    found = problems.frame()
    bad = _error_rows(found, lines)
    rejected = validation._rejected_rows("posts", raw_table, source, bad, found)
    valid = typed.loc[~bad].reset_index(drop=True) if bad.any() else typed
    valid_where = where[~bad] if bad.any() else where
    return valid, valid_where, PieceCheck(found, rejected, len(raw), int(bad.sum()), opted_out,
                                          int(present.sum()), int(known.sum()))


def score_piece_posts(valid: pd.DataFrame, where: np.ndarray, ctx: PieceContext) -> list[pd.DataFrame]:
    """The counted posts of valid rows for each period: ``member`` (code in ``ctx.members``), ``engagement``, kept columns.

    The rules of :func:`influence_lib.scoring.score_posts`, applied with the piece's account
    positions (``where``, from ``ctx.lookup``) instead of a lookup in the accounts table: a post
    counts when its kind is one of the methodology's, ``start <= published_at < end`` and its
    account is the sector's; its engagement is :func:`engagement`. With ``ctx.keep``, the
    columns of ``score_posts``' result are built as it builds them. The tests compare both
    engines on every shipped methodology.
    """
    methodology = ctx.methodology
    member = np.where(where >= 0, ctx.lookup.member[np.maximum(where, 0)], -1)
    platform_of = ctx.lookup.platform[np.maximum(where, 0)]
    arrays = PostArrays.from_table(valid)
    counted = []
    for period in ctx.periods:
        keep = counted_posts(arrays, period, methodology) & (member >= 0)
        rows = valid.loc[keep] if not keep.all() else valid
        platform = platform_of[keep]
        value, empty = post_engagement(arrays, keep, platform, methodology)
        codes = member[keep].astype(np.int32)
        if ctx.keep is None:
            counted.append(pd.DataFrame({"member": codes, "engagement": value}))
            continue
        frame = rows[[c for c in valid.columns if c in ctx.keep]].reset_index(drop=True)
        frame.insert(0, "member", codes)
        frame["member_id"] = pd.Categorical.from_codes(codes, categories=pd.Index(ctx.members["member_id"]))
        frame["org_id"] = pd.Categorical.from_codes(ctx.member_org[codes],
                                                    categories=pd.Index(ctx.organizations["org_id"]))
        frame["platform"] = pd.Categorical.from_codes(platform, categories=PLATFORMS)
        frame["engagement"] = value
        frame["has_empty_count"] = empty
        counted.append(frame)
    return counted


def process_piece(piece: Piece, ctx: PieceContext) -> ScoredPiece:
    """Read, check and score one piece (a worker's task)."""
    free_text = ctx.keep is not None and any(c in ctx.keep for c in FREE_TEXT)
    raw, lines = read_piece(piece, free_text)
    raw, lines, opted_out = _opt_out(raw, lines, ctx)
    valid, where, check = check_piece(piece, ctx, raw, lines, opted_out)
    keys = _keys(raw)
    del raw
    if check.rejected_rows and not free_text:  # the rejected rows' records hold every column as read
        full, full_lines = read_piece(piece)
        full, full_lines, _ = _opt_out(full, full_lines, ctx)
        bad = np.isin(full_lines, check.rejected["line"].to_numpy(dtype=np.int64))
        source = TableFile("posts", Path(piece.path), "parquet", len(full), full_lines)
        check.rejected = validation._rejected_rows("posts", pa.Table.from_pandas(full, preserve_index=False), source,
                                                   bad, check.problems)
    return ScoredPiece(check, score_piece_posts(valid, where, ctx), keys)


def score_frame(valid: pd.DataFrame, ctx: PieceContext) -> ScoredPiece:
    """Score rows already read and validated by the pandas reader (CSV posts): an empty check."""
    empty = PieceCheck(validation._empty_problems(), pd.DataFrame(), len(valid), 0, 0, 0, 0)
    where = ctx.lookup.find(_ids_text(valid["account_id"]))
    return ScoredPiece(empty, score_piece_posts(valid, where, ctx))


def piece_check(scored: ScoredPiece) -> PieceCheck:
    """The check of a scored piece (what the caller gathers)."""
    return scored.check


def engagement_counts(scored: ScoredPiece, period: int) -> pd.Series:
    """How many counted posts of the piece have each engagement value (for an exact global quantile)."""
    values = scored.counted[period]["engagement"]
    return values.value_counts(sort=False)


def add_counts(*counts: pd.Series) -> pd.Series:
    """The sum of value counts."""
    total = counts[0]
    for more in counts[1:]:
        total = total.add(more, fill_value=0)
    return total.astype(np.int64)
