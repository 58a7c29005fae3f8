"""The rules of the data contract: typing, row checks with file/line/column/reason, and quarantine."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from influence_lib.arrow import (
    TEXT,
    arrow_text,
    as_text,
    dictionary_text,
    frame_of,
    is_dictionary,
    is_in,
    positions,
    to_bool,
    value_mask,
)
from influence_lib.errors import DatasetError
from influence_lib.hive_folder import WRONG_MONTH, month_bounds
from influence_lib.readers import TableFile, short_name
from influence_lib.schema import TABLE_NAMES, TABLES, ColumnSpec, TableSpec
from influence_lib.settings import DatasetSettings

_LOOKUP_THREADS = 2  # reference lookups at once, beside the checks (most machines have 2 cores or more)
PROBLEM_COLUMNS = ["table", "file", "line", "column", "value", "reason", "severity"]
REJECTED_COLUMNS = ["table", "file", "line", "reasons", "record"]


@dataclass
class ValidationReport:
    """Everything validation found.

    Attributes
    ----------
    problems : pandas.DataFrame
        One row per problem: ``table, file, line, column, value, reason, severity`` (``line`` is
        the line a spreadsheet shows for CSV, the 1-based row for Parquet, empty for a
        whole-column problem; ``severity`` is ``error`` or ``warning``).
    counts : pandas.DataFrame
        Per table: ``read``, ``used``, ``rejected`` rows (``read == used + rejected``).
    rejected : pandas.DataFrame
        The rows set aside, as read: ``table, file, line, reasons, record`` (``reasons``: each
        ``column: reason``, several separated by `` | ``; ``record``: the original row as JSON).
    """

    problems: pd.DataFrame
    counts: pd.DataFrame
    rejected: pd.DataFrame
    files: dict[str, TableFile] = field(default_factory=dict)

    @property
    def errors(self) -> pd.DataFrame:
        """The problems of severity ``error``."""
        return self.problems[self.problems["severity"] == "error"]

    @property
    def warnings(self) -> pd.DataFrame:
        """The problems of severity ``warning``."""
        return self.problems[self.problems["severity"] == "warning"]

    @property
    def has_errors(self) -> bool:
        """True when at least one row breaks a rule."""
        return bool((self.problems["severity"] == "error").any())

    def describe(self, limit: int | None = None) -> str:
        """Human-readable list of the problems, then the totals.

        Parameters
        ----------
        limit : int, optional
            Show at most this many problems (the totals always count them all).
        """
        lines = []
        shown = self.problems if limit is None else self.problems.head(limit)
        for row in shown.itertuples(index=False):
            where = str(row.file)
            if not pd.isna(row.line):
                word = self.files[row.table].line_word if row.table in self.files else "line"
                where += f", {word} {int(row.line)}"
            if row.column:
                where += f", column {row.column}"
            value = "" if pd.isna(row.value) or row.value == "" else f" (value {row.value!r})"
            lines.append(f"{row.severity}: {where}: {row.reason}{value}")
        hidden = len(self.problems) - len(shown)
        if hidden > 0:
            lines.append(f"... and {hidden} more problem{'s' if hidden != 1 else ''} "
                         f"(run `influence validate` to list them all)")
        n_err, n_warn = len(self.errors), len(self.warnings)
        lines.append(
            f"{n_err} error{'s' if n_err != 1 else ''}, {n_warn} warning{'s' if n_warn != 1 else ''}; "
            + "; ".join(
                f"{r.table}: {r.read} rows read, {r.used} used, {r.rejected} rejected"
                for r in self.counts.itertuples(index=False)
            )
        )
        return "\n".join(lines)


# --- typing of one column -------------------------------------------------------------------
#
# A column arrives as read (Arrow: text, a dictionary of text, numbers, timestamps) and leaves typed:
# text as ``large_string`` (or a dictionary of text, decoded when a pandas frame is built), counts
# as ``int64``, instants as ``timestamp[us, UTC]``. A column already of its type is checked with
# Arrow's kernels (a dictionary once per distinct value); any other goes through pandas, whose
# parsers own the rules for values written by hand (numbers, dates).

def _is_text(values: pa.ChunkedArray) -> bool:
    stored = values.type.value_type if pa.types.is_dictionary(values.type) else values.type
    return pa.types.is_string(stored) or pa.types.is_large_string(stored) or pa.types.is_null(stored)


def _as_text(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """The column as text: a dictionary of text as it is, anything else as ``large_string`` (ids stored as integers written out)."""
    return values if is_dictionary(values) and _is_text(values) else arrow_text(values)


def _series(values: pa.ChunkedArray) -> pd.Series:
    """A column as the pandas Series of the table as read (see :func:`influence_lib.arrow.frame_of`)."""
    return frame_of(pa.table([values], names=["values"]))["values"]


def _column(values) -> pa.ChunkedArray:
    """A pandas Series (or an Arrow array) as a chunked Arrow column."""
    found = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values)
    return found if isinstance(found, pa.ChunkedArray) else pa.chunked_array([found])


def _blank(text):
    return pc.or_(pc.equal(pc.binary_length(text), 0), pc.utf8_is_space(text))  # null where null


def _none_of_its_values(values: pa.ChunkedArray, predicate) -> bool:
    """True for a dictionary column none of whose values meets ``predicate`` (its null rows aside).

    Decided on its dictionaries alone (a value no row uses counts too): no pass over the rows.
    """
    if not is_dictionary(values):
        return False
    found = predicate(dictionary_text(values))
    return found.null_count == 0 and not pc.any(found).as_py()


def _is_missing(values: pa.ChunkedArray) -> np.ndarray:
    """Missing cells: null, or text that is empty or only spaces."""
    if not _is_text(values):
        return to_bool(values.is_null())
    if _none_of_its_values(values, _blank):  # no blank text: the null rows are the missing ones
        return to_bool(values.is_null())
    return value_mask(values, _blank, null=True)


_NULL_TEXT = pa.scalar(None, type=TEXT)


def _blank_to_null(text: pa.ChunkedArray, missing: np.ndarray) -> pa.ChunkedArray:
    """``text`` with its blank cells (empty or only spaces) as null; as it is when every missing cell is null already."""
    if int(missing.sum()) == text.null_count:
        return text
    return _column(pc.if_else(pa.array(missing), _NULL_TEXT, arrow_text(text).combine_chunks()))


def _type_text(values, spec, missing):
    return _blank_to_null(_as_text(values), missing), None, None


def _fill_default(text: pa.ChunkedArray, default: str) -> pa.ChunkedArray:
    """``text`` with its nulls as ``default``; a dictionary column stays one (the default added to each dictionary)."""
    if not is_dictionary(text):
        return _column(pc.fill_null(arrow_text(text), pa.scalar(default, type=TEXT)))
    # the indices keep 8 bits when every dictionary, the default added, still fits in them
    index = pa.int8() if all(len(chunk.dictionary) < 127 for chunk in text.chunks) else pa.int32()
    chunks = []
    for chunk in text.chunks:
        dictionary = pa.concat_arrays([chunk.dictionary.cast(TEXT), pa.array([default], type=TEXT)])
        indices = pc.fill_null(chunk.indices.cast(index), len(dictionary) - 1)
        chunks.append(pa.DictionaryArray.from_arrays(indices, dictionary))
    return pa.chunked_array(chunks, type=pa.dictionary(index, TEXT))


def _type_enum(values, spec, missing):
    text = _as_text(values)
    choices = pa.array(spec.choices, type=TEXT)
    if _none_of_its_values(text, lambda v: pc.and_(pc.invert(_blank(v)), pc.invert(pc.is_in(v, value_set=choices)))):
        odd = np.zeros(len(text), dtype=bool)  # every value is a choice as written, or blank
    else:
        known = is_in(text, spec.choices)
        odd = ~missing & ~known
    if odd.any():  # accept case and surrounding spaces ("LinkedIn ") but nothing else
        plain = arrow_text(text).combine_chunks()
        fixed = pc.utf8_lower(pc.utf8_trim_whitespace(plain.take(pa.array(np.flatnonzero(odd)))))
        fixed = pc.if_else(pc.is_in(fixed, value_set=choices), fixed, _NULL_TEXT)
        normal = pc.replace_with_mask(pc.if_else(pa.array(known), plain, _NULL_TEXT), pa.array(odd), fixed)
        normal, bad = _column(normal), ~missing & to_bool(normal.is_null())
    else:  # every value is one of the choices as written, or missing
        normal, bad = _blank_to_null(text, missing), None
    if spec.default is not None and missing.any():  # every missing cell is null in ``normal``
        normal = _fill_default(normal, spec.default)
    return normal, bad, f"unknown {spec.name}: use one of {', '.join(spec.choices)}"


_WHOLE_NUMBER = "not a whole number; write counts as integers >= 0, or leave the cell empty when unknown"
_NEGATIVE = "negative; write counts as integers >= 0, or leave the cell empty when unknown"
_TOO_LARGE = "too large to be a count; check the value (integers >= 0, or empty when unknown)"
_MAX_COUNT = 2 ** 53  # beyond this a count cannot be stored exactly


def _type_count(values, spec, missing):
    if pa.types.is_null(values.type):
        return values.cast(pa.int64()), None, None
    if pa.types.is_integer(values.type):  # integer counts, all in [0, 2**53): as they are
        bounds = pc.min_max(values)  # nulls skipped
        low, high = bounds["min"].as_py(), bounds["max"].as_py()
        if low is None or (low >= 0 and high < _MAX_COUNT):  # kept in 32 bits when read so
            return values if values.type in (pa.int32(), pa.int64()) else values.cast(pa.int64()), None, None
    series = _series(values)
    if pd.api.types.is_integer_dtype(series.dtype) or pd.api.types.is_float_dtype(series.dtype):
        numbers = series.astype("Float64")
    else:
        text = as_text(series).str.strip()
        numbers = pd.to_numeric(text, errors="coerce").astype("Float64")
    arr = numbers.to_numpy(dtype=float, na_value=np.nan)
    finite = np.isfinite(arr)
    unparsed = ~missing & ~finite  # text that is not a number, but also "inf" or "nan" written out
    negative = finite & (arr < 0)
    fractional = finite & (np.floor(arr) != arr)
    too_large = finite & (arr >= _MAX_COUNT)
    bad = unparsed | negative | fractional | too_large
    typed = pa.array(np.where(bad | ~finite, 0, arr).astype("int64"), mask=bad | ~finite)
    reason = None
    if bad.any():  # filled only where a value is bad
        reason = np.full(len(arr), "", dtype=object)
        reason[unparsed | fractional] = _WHOLE_NUMBER
        reason[negative] = _NEGATIVE
        reason[too_large] = _TOO_LARGE
    return _column(typed), bad, reason


_INSTANT = pa.timestamp("us", tz="UTC")


def _type_timestamp(values, spec, missing):
    if values.type == _INSTANT:
        return values, None, None  # a timestamp column: every value is a valid instant, or null
    series = _series(values)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        stamps = series.dt.tz_convert("UTC")
    elif pd.api.types.is_datetime64_dtype(series.dtype):
        stamps = series.dt.tz_localize("UTC")
    else:
        stamps = pd.to_datetime(as_text(series).str.strip(), format="ISO8601", utc=True, errors="coerce")
    if stamps.dtype != "datetime64[us, UTC]":
        stamps = stamps.astype("datetime64[us, UTC]")
    bad = ~missing & stamps.isna().to_numpy()
    return _column(stamps), bad, ("not an ISO 8601 date and time; write it like 2021-03-04T09:15:00Z or "
                                  "2021-03-04 10:15:00+01:00 (no offset means UTC)")


def _type_country(values, spec, missing):
    text, _, _ = _type_text(values, spec, missing)
    odd = value_mask(text, lambda t: pc.invert(pc.match_substring_regex(t, "^[A-Z]{2}$")))  # missing: not odd
    return text, odd, "not an ISO 3166 alpha-2 country code (e.g. FR); kept as written"


_TYPERS = {
    "id": _type_text, "ref": _type_text, "text": _type_text, "enum": _type_enum,
    "count": _type_count, "timestamp": _type_timestamp, "country": _type_country,
}


def _absent_column(spec: ColumnSpec, rows: int) -> pa.ChunkedArray:
    """An optional column missing from the file: every value empty, or the column's default."""
    if spec.kind == "count":
        return _column(pa.nulls(rows, type=pa.int64()))
    if spec.default is not None:  # one value, as a dictionary: nothing repeated in memory
        return _column(pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, dtype=np.int8)),
                                                      pa.array([spec.default], type=TEXT)))
    return _column(pa.nulls(rows, type=TEXT))


# --- problem collection ----------------------------------------------------------------------

class _Problems:
    """Accumulates problems of one table as vectors, then builds one frame."""

    def __init__(self, spec: TableSpec, source: TableFile, raw: pa.Table):
        self.spec, self.source, self.raw = spec, source, raw
        self.parts: list[pd.DataFrame] = []
        self.error_rows = np.zeros(raw.num_rows, dtype=bool)

    def add(self, column: str | None, mask: np.ndarray | None, reason, severity: str = "error", values=None):
        """Record a problem on every row of ``mask`` (``None``: no row has it)."""
        if mask is None:
            return
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        rows = np.flatnonzero(mask)
        if values is None and column in self.raw.column_names:
            values = self.raw[column]
        if values is None:
            shown = np.full(len(rows), "", dtype=object)
        else:  # the values as read, as pandas writes them
            shown = _series(values.take(pa.array(rows))).astype("string").fillna("").to_numpy(dtype=object)
        reasons = np.asarray(reason)[rows] if np.ndim(reason) else np.full(len(rows), reason, dtype=object)
        self.parts.append(pd.DataFrame({
            "table": self.spec.name, "file": self.source.files_of(rows),
            "line": pd.array(self.source.line_numbers()[rows], dtype="Int64"),
            "column": column or "", "value": shown, "reason": reasons, "severity": severity,
        }))
        if severity == "error":
            self.error_rows |= mask

    def add_file_level(self, column: str, reason: str, severity: str = "warning"):
        self.parts.append(pd.DataFrame({
            "table": [self.spec.name], "file": [str(self.source.path)], "line": pd.array([pd.NA], dtype="Int64"),
            "column": [column], "value": [""], "reason": [reason], "severity": [severity],
        }))

    def frame(self) -> pd.DataFrame:
        """The problems in file order: whole-column ones first, then by line (checks' order within a line)."""
        if not self.parts:
            return _empty_problems()
        found = pd.concat(self.parts, ignore_index=True)
        return found.sort_values("line", kind="stable", na_position="first").reset_index(drop=True)


def _empty_problems() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "line" else "str") for c in PROBLEM_COLUMNS})


def _all_distinct(keys: pa.ChunkedArray) -> bool:
    """True when no value of ``keys`` appears twice (NA ignored).

    Cheap first: ids in strictly increasing order (as many exports write them) are distinct, which
    one comparison of each value with the next one shows; otherwise the values are sorted and each
    compared with the next (Arrow's sort: 10^7 ids in about 2.5 s, where its hash of distinct values
    took about 4 s).
    """
    text = arrow_text(keys)
    if text.null_count:
        text = text.drop_null()
    if len(text) < 2:
        return True
    if not pc.all(pc.less(text[:-1], text[1:])).as_py():
        text = pc.take(text, pc.sort_indices(text))
        return not pc.any(pc.equal(text[:-1], text[1:])).as_py()
    return True


def _duplicate_reasons(keys: pa.ChunkedArray, source: TableFile, name: str) -> tuple[np.ndarray | None, np.ndarray | None]:
    if _all_distinct(keys):
        return None, None
    keys = _series(keys)
    dup = keys.duplicated(keep=False).to_numpy() & keys.notna().to_numpy()
    reasons = np.full(len(keys), "", dtype=object)
    if dup.any():
        rows = np.flatnonzero(dup)
        sub = pd.DataFrame({"key": keys[dup].to_numpy(), "row": rows})
        grouped = sub.groupby("key", sort=False)["row"]
        first_row = grouped.transform("min").to_numpy()  # the first occurrence, in reading order
        first = pd.Series(source.line_numbers()[first_row]).astype("str")
        if source.row_parts is not None:  # a hive folder: rows are numbered within each file
            first = first + " of " + pd.Series(source.files_of(first_row))
        count = grouped.transform("size").astype("str")
        word = source.line_word
        reasons[dup] = (f"duplicate {name}: appears " + count + " times (first on " + word + " " + first
                        + f"); every {name} must be unique: remove the extra rows or give them their own id"
                        ).to_numpy(dtype=object)
    return dup, reasons


def _check_table(spec: TableSpec, raw: pa.Table, source: TableFile) -> tuple[pa.Table, _Problems]:
    problems = _Problems(spec, source, raw)
    typed = {}
    for col in spec.columns:
        if col.name in source.skipped:  # a free-text column left unread on purpose (no rule but its type)
            continue
        if col.name not in raw.column_names:  # optional column: all empty (required ones were checked on reading)
            typed[col.name] = _absent_column(col, raw.num_rows)
            continue
        values = raw[col.name]
        missing = _is_missing(values)
        series, bad, reason = _TYPERS[col.kind](values, col, missing)
        severity = "warning" if col.kind == "country" else "error"
        problems.add(col.name, bad, reason, severity)
        if col.value_required:
            problems.add(col.name, missing, f"required value is missing: every row needs a {col.name}")
        typed[col.name] = series
    for extra in [c for c in raw.column_names if c not in spec.column_names]:
        problems.add_file_level(short_name(str(extra)), f"unknown column, ignored (the columns of {spec.name} are "
                                             f"{', '.join(spec.column_names)}; check its spelling)")
    frame = pa.table(list(typed.values()), names=list(typed))
    dup, reasons = _duplicate_reasons(frame[spec.key], source, spec.key)
    problems.add(spec.key, dup, reasons)
    return frame, problems


def _check_reference(frame: pa.Table, problems: _Problems, col: ColumnSpec, found: np.ndarray,
                     parent_all: pa.ChunkedArray, parent_ok: pa.ChunkedArray, parent_file: TableFile) -> np.ndarray:
    """Check a reference column from ``found``, the position of each row's parent in ``parent_all`` (-1: none).

    ``found`` is :func:`influence_lib.arrow.positions` of the column in ``parent_all``, 32 bits;
    it is returned as the rows' parent positions.
    """
    values = frame[col.name]
    present = ~to_bool(values.is_null())
    known_all = (found >= 0) & present
    if present.any() and not known_all.any():
        first = int(np.flatnonzero(present)[0])
        where = f"{problems.source.line_word} {int(problems.source.line_numbers()[first])}"
        if len(parent_all) == 0:
            raise DatasetError(
                f"{problems.source.path}: its rows refer to {parent_file.path.name} by {col.name}, but "
                f"{parent_file.path.name} has no rows (only a header); add the missing rows to "
                f"{parent_file.path.name}, or remove these rows too (an empty {parent_file.table} table "
                f"makes an empty dataset)."
            )
        raise DatasetError(
            f"{problems.source.path}: none of its {int(present.sum())} {col.name} values is found in the "
            f"{col.name} column of {parent_file.path.name} (the first is {values[first].as_py()!r}, on {where}); "
            f"the two files do not seem to belong to the same dataset: check that --data names the right "
            f"folder and that both files come from the same export, with the ids in the {col.name} column."
        )
    # every parent row without errors has a key, so when none was set aside the two sets are equal
    known_ok = known_all if len(parent_ok) == len(parent_all) else is_in(values, parent_ok)
    problems.add(col.name, present & ~known_all,
                 f"unknown {col.name}: no row of {parent_file.path.name} has this {col.name}; "
                 f"fix the id or add the missing row")
    problems.add(col.name, present & known_all & ~known_ok,
                 f"{col.name} refers to a row of {parent_file.path.name} that has errors, so this row is "
                 f"left out too; fix that row first")
    return found


def _check_months(frame, problems: _Problems) -> None:
    """Posts of a hive folder: each one published in the month its folder is named after (UTC)."""
    source = problems.source
    months, starts, ends = month_bounds(source.parts)
    stamps = frame["published_at"]
    present = ~to_bool(stamps.is_null())
    at = np.asarray(stamps.to_numpy(), dtype="datetime64[us]").view(np.int64)
    outside = present & ((at < starts[source.row_parts]) | (at >= ends[source.row_parts]))
    if outside.any():
        reasons = np.full(len(frame), "", dtype=object)
        reasons[outside] = np.array([WRONG_MONTH.format(month=m) for m in months], dtype=object)[
            source.row_parts[outside]]
        problems.add("published_at", outside, reasons)


def _check_sectors(frame: pa.Table, problems: _Problems, settings: DatasetSettings) -> None:
    sectors, segment = _series(frame["sector"]), _series(frame["segment"])
    known_sector = sectors.isin(list(settings.sectors)).to_numpy()
    problems.add("sector", sectors.notna().to_numpy() & ~known_sector,
                 f"unknown sector: use a sector key of dataset.yml ({', '.join(settings.sectors)}) "
                 f"or add this sector there")
    pairs = {(s, seg.key) for s, sector in settings.sectors.items() for seg in sector.segments}
    key = sectors.astype("str") + "\x1f" + segment.astype("str")
    known_pair = key.isin([f"{s}\x1f{g}" for s, g in sorted(pairs)]).to_numpy()
    segments = pd.Series({s: ", ".join(seg.key for seg in sector.segments) for s, sector in settings.sectors.items()},
                         dtype="str")
    unknown_segment = known_sector & segment.notna().to_numpy() & ~known_pair
    reasons = np.full(len(frame), "", dtype=object)
    if unknown_segment.any():
        keys = sectors[unknown_segment]
        reasons[unknown_segment] = ("unknown segment: not a segment of sector " + keys + " in dataset.yml (use one of "
                                    + segments.reindex(keys.to_numpy()).to_numpy() + ", or add it there)").to_numpy()
    problems.add("segment", unknown_segment, reasons)


def _rejected_rows(name: str, raw: pa.Table, source: TableFile, mask: np.ndarray,
                   problems: pd.DataFrame) -> pd.DataFrame:
    if not mask.any():
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "line" else "str") for c in REJECTED_COLUMNS})
    rows = np.flatnonzero(mask)
    errors = problems[(problems["severity"] == "error") & problems["line"].notna()]
    # keyed by file and line: the rows of a hive folder are numbered within each of its files
    reasons = (errors["column"] + ": " + errors["reason"]).groupby(
        [errors["file"].to_numpy(), errors["line"].to_numpy()]).agg(" | ".join)
    lines, files = source.line_numbers()[rows], source.files_of(rows)
    # the original record as JSON, one line per row (to_json escapes line breaks inside values, and
    # writes "/" as "\/", which JSON allows but nobody wants to read)
    records = frame_of(raw.take(pa.array(rows))).to_json(orient="records", lines=True, force_ascii=False, date_format="iso",
                                     date_unit="us")
    return pd.DataFrame({
        "table": name, "file": files, "line": lines,
        "reasons": reasons.reindex(pd.MultiIndex.from_arrays([files, lines])).to_numpy(),
        "record": pd.Series(records.rstrip("\n").split("\n"), dtype="str").str.replace("\\/", "/", regex=False),
    })


def validate_tables(frames: dict[str, pa.Table], files: dict[str, TableFile], settings: DatasetSettings,
                    parents: dict | None = None) -> tuple[dict[str, pa.Table], ValidationReport]:
    """Type the four tables and check every rule of the contract.

    Parameters
    ----------
    frames : dict of pyarrow.Table
        The tables as read (see :func:`influence_lib.readers.read_stored_tables`).
    files : dict of TableFile
        Where each table was read from (for file names and line numbers).
    settings : DatasetSettings
        The dataset's settings (sector and segment keys).
    parents : dict, optional
        When given and no row is rejected, filled with the position of each row's parent row, as
        checking the references found them (``members``, ``accounts``, ``posts``: ``int32``
        arrays, see :meth:`influence_lib.dataset.Dataset.parents`), so that nobody looks them up again.

    Returns
    -------
    tables : dict of pyarrow.Table
        Typed tables holding only the rows without errors (a row whose parent row was rejected
        is rejected too, so the result is always consistent): text as ``large_string`` or a
        dictionary of text, counts as ``int64`` (or ``int32``, as read), ``published_at`` as ``timestamp[us, UTC]``;
        :func:`influence_lib.arrow.frame_of` makes each the pandas frame of the contract.
    report : ValidationReport

    Raises
    ------
    DatasetError
        When a reference column matches nothing at all in its parent table (wrong file).
    """
    tables, all_keys, problem_frames, rejected, counts, found_parents = {}, {}, [], [], [], {}
    checked, lookups = {}, {}
    # The lookups of the references (hashing every key of the parent table: most of the checks' time
    # on large tables) run in threads (Arrow's hash kernel releases the GIL) while the next tables
    # are checked; each table's own checks come first, its references' verdicts after, in order.
    with ThreadPoolExecutor(max_workers=_LOOKUP_THREADS, thread_name_prefix="influence-lookup") as pool:
        for name in TABLE_NAMES:
            spec, source = TABLES[name], files[name]
            frame, problems = checked[name] = _check_table(spec, frames[name], source)
            if name == "organizations":
                _check_sectors(frame, problems, settings)
            if source.format == "hive":
                _check_months(frame, problems)
            keys = frame[spec.key]
            all_keys[name] = keys.drop_null() if keys.null_count else keys
            for col in spec.columns:
                if col.kind == "ref":
                    lookups[name, col.name] = pool.submit(positions, frame[col.name], all_keys[col.parent], np.int32)
        for name in TABLE_NAMES:
            spec, raw, source = TABLES[name], frames[name], files[name]
            frame, problems = checked.pop(name)
            for col in spec.columns:
                if col.kind == "ref":
                    parent = TABLES[col.parent]
                    found_parents[name] = _check_reference(frame, problems, col, lookups.pop((name, col.name)).result(),
                                                           all_keys[col.parent], tables[col.parent][parent.key],
                                                           files[col.parent])
            found = problems.frame()
            bad = problems.error_rows
            tables[name] = frame.filter(pa.array(~bad)) if bad.any() else frame
            problem_frames.append(found)
            rejected.append(_rejected_rows(name, raw, source, bad, found))
            counts.append({"table": name, "read": raw.num_rows, "used": int((~bad).sum()), "rejected": int(bad.sum())})
    if parents is not None and not any(c["rejected"] for c in counts):  # positions in the final tables
        parents.update(found_parents)
    problems_all = pd.concat(problem_frames, ignore_index=True) if problem_frames else _empty_problems()
    report = ValidationReport(
        problems=problems_all,
        counts=pd.DataFrame(counts),
        rejected=pd.concat(rejected, ignore_index=True),
        files=dict(files),
    )
    return tables, report
