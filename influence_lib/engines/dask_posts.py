"""The dask engine's posts: Parquet files cut into pieces, each read, validated and scored by a worker.

Everything here runs on the workers (except :func:`plan_pieces`), one piece at a time, with the
pandas engine's own rules: :func:`influence_lib.validation` types and checks each piece's rows
(the same messages, with the file and row of the piece), and
:func:`influence_lib.scoring.score_posts` picks and scores its counted posts. What the pandas
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
from influence_lib.dataset import Dataset, TableFile
from influence_lib.engines.hive import POSTS_FOLDER, list_month_files, month_end, month_start, months_overlapping
from influence_lib.errors import DatasetError
from influence_lib.schema import TABLES
from influence_lib.scoring import score_posts
from influence_lib.settings import DatasetSettings, Methodology, Period
from influence_lib.stats.keyed import stable_keys

PIECE_ROWS = 2_000_000  # rows of one piece at most (a file's row groups are grouped up to this)
SPEC = TABLES["posts"]
UNKNOWN_ACCOUNT = "unknown account_id: no row of {file} has this account_id; fix the id or add the missing row"
BAD_ACCOUNT = ("account_id refers to a row of {file} that has errors, so this row is left out too; "
               "fix that row first")
WRONG_MONTH = ("published_at is not in month {month} of its folder month={month}: move the row to the folder of "
               "the month (UTC) it was published in")
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
    account_ids, account_ids_ok : pyarrow.Array
        Every account id of the accounts table, and those of its rows without errors.
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
    account_ids: pa.Array
    account_ids_ok: pa.Array
    accounts_file: str
    opted_out: pa.Array
    duplicates: dict = field(default_factory=dict)
    keep: list | None = None


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


def _to_pandas_type(t: pa.DataType):
    return pd.Int64Dtype() if pa.types.is_integer(t) else None


def read_piece(piece: Piece) -> tuple[pd.DataFrame, np.ndarray]:
    """A piece's rows as stored (dictionaries decoded, integers as ``Int64``, text as ``str``), and their file rows."""
    table = pq.ParquetFile(piece.path).read_row_groups(list(piece.row_groups), use_threads=False)
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if pa.types.is_string(column.type):
            column = column.cast(pa.large_string())
        columns.append(column)
    table = pa.table(columns, names=table.column_names)
    frame = table.to_pandas(types_mapper=_to_pandas_type, ignore_metadata=True)
    lines = np.concatenate([np.arange(f, f + n, dtype=np.int64) for f, n in zip(piece.first_rows, piece.sizes)]) + 1
    return frame, lines


def _ids_text(values: pd.Series) -> pa.Array:
    text = validation._arrow_text(values)
    return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text


def _opt_out(raw: pd.DataFrame, lines: np.ndarray, ctx: PieceContext) -> tuple[pd.DataFrame, np.ndarray, int]:
    if len(ctx.opted_out) == 0 or "account_id" not in raw.columns or not len(raw):
        return raw, lines, 0
    gone = pc.is_in(_ids_text(raw["account_id"]), value_set=ctx.opted_out).fill_null(False)
    gone = gone.to_numpy(zero_copy_only=False)
    if not gone.any():
        return raw, lines, 0
    return raw.loc[~gone].reset_index(drop=True), lines[~gone], int(gone.sum())


def piece_keys(piece: Piece, ctx: PieceContext) -> pd.DataFrame:
    """Stable 64-bit keys of the piece's ``post_id`` (present ones, opt-outs removed): one column ``key``."""
    table = pq.ParquetFile(piece.path).read_row_groups(list(piece.row_groups), columns=["post_id", "account_id"],
                                                        use_threads=False)
    raw = table.to_pandas(types_mapper=_to_pandas_type, ignore_metadata=True)
    raw, _, _ = _opt_out(raw, np.zeros(len(raw), dtype=np.int64), ctx)
    ids = _ids_text(raw["post_id"])
    present = ~validation._is_missing(raw["post_id"])
    return pd.DataFrame({"key": stable_keys(ids.filter(pa.array(present)))})


def piece_rows_with_keys(piece: Piece, ctx: PieceContext, keys: np.ndarray, root: str) -> pd.DataFrame:
    """Rows of the piece whose ``post_id`` key is one of ``keys``: ``post_id, piece, line, file``."""
    raw, lines = read_piece(piece)
    raw, lines, _ = _opt_out(raw, lines, ctx)
    present = ~validation._is_missing(raw["post_id"])
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
    check : PieceCheck
    """
    source = TableFile("posts", Path(piece.path), "parquet", len(raw), lines)
    typed, problems = validation._check_table(SPEC, raw, source)
    problems.parts = [p for p in problems.parts
                      if not (len(p) and p["column"].iloc[0] == "post_id"
                              and str(p["reason"].iloc[0]).startswith("duplicate post_id"))]
    accounts = typed["account_id"]
    present = accounts.notna().to_numpy()
    known = validation._is_in(accounts, pd.Series(ctx.account_ids.to_pandas())) & present if len(typed) else present
    known_ok = known & validation._is_in(accounts, pd.Series(ctx.account_ids_ok.to_pandas())) if len(typed) else known
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
    rejected = validation._rejected_rows("posts", raw, source, bad, found)
    valid = typed.loc[~bad].reset_index(drop=True) if bad.any() else typed
    return valid, PieceCheck(found, rejected, len(raw), int(bad.sum()), opted_out, int(present.sum()),
                             int(known.sum()))


def score_piece_posts(valid: pd.DataFrame, ctx: PieceContext) -> list[pd.DataFrame]:
    """The counted posts of valid rows for each period: ``member`` (code in ``ctx.members``), ``engagement``, kept columns.

    :func:`influence_lib.scoring.score_posts` over a dataset made of the sector's tables and these
    posts: the same kinds, period bounds, weights and scope as the pandas engine.
    """
    dataset = Dataset(Path("."), ctx.settings, ctx.organizations, ctx.members, ctx.accounts, valid, {}, None)
    counted = []
    for period in ctx.periods:
        posts = score_posts(dataset, ctx.sector, period, ctx.methodology, columns=ctx.keep or [])
        codes = posts["member_id"].cat.codes.to_numpy().astype(np.int32)
        if ctx.keep is None:
            frame = pd.DataFrame({"member": codes, "engagement": posts["engagement"].to_numpy()})
        else:
            frame = posts.drop(columns=["score"])
            frame.insert(0, "member", codes)
        counted.append(frame)
    return counted


def process_piece(piece: Piece, ctx: PieceContext) -> ScoredPiece:
    """Read, check and score one piece (a worker's task)."""
    raw, lines = read_piece(piece)
    raw, lines, opted_out = _opt_out(raw, lines, ctx)
    valid, check = check_piece(piece, ctx, raw, lines, opted_out)
    del raw
    return ScoredPiece(check, score_piece_posts(valid, ctx))


def score_frame(valid: pd.DataFrame, ctx: PieceContext) -> ScoredPiece:
    """Score rows already read and validated by the pandas reader (CSV posts): an empty check."""
    empty = PieceCheck(validation._empty_problems(), pd.DataFrame(), len(valid), 0, 0, 0, 0)
    return ScoredPiece(empty, score_piece_posts(valid, ctx))


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
