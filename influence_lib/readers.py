"""Reading the tables of a dataset folder as stored: finding each file, decoding it, CSV and Parquet readers."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from influence_lib.arrow import frame_of, join_tables
from influence_lib.errors import DatasetError
from influence_lib.hive_folder import POSTS_FOLDER, list_month_files
from influence_lib.inputs import check_input_file, decode_text, line_of, looks_like_utf16, read_input_bytes
from influence_lib.schema import TABLE_NAMES, TABLES

if TYPE_CHECKING:
    import pyarrow.parquet as pq


@dataclass(frozen=True)
class TableFile:
    """Where a table was read from, and how its rows map to the lines a user sees."""

    table: str
    path: Path
    format: str  # "csv", "parquet" or "hive" (a folder posts/ of month=YYYY-MM/*.parquet)
    rows: int
    lines: np.ndarray | None = field(default=None, compare=False, repr=False)
    skipped: tuple[str, ...] = ()  # free-text columns deliberately not read (see read_table)
    parts: tuple[Path, ...] = ()  # hive: the Parquet files, in reading order
    row_parts: np.ndarray | None = field(default=None, compare=False, repr=False)  # hive: each row's file

    def subset(self, keep: np.ndarray) -> TableFile:
        """The same file, for the rows of the boolean mask ``keep`` only (their lines and files kept)."""
        return dataclasses.replace(self, rows=int(keep.sum()), lines=self.line_numbers()[keep],
                                   row_parts=None if self.row_parts is None else self.row_parts[keep])

    def files_of(self, rows: np.ndarray) -> np.ndarray:
        """The file (as a string) each of ``rows`` was read from: the table's file, or a hive folder's part."""
        if self.row_parts is None:
            return np.full(len(rows), str(self.path), dtype=object)
        names = np.array([str(p) for p in self.parts], dtype=object)
        return names[self.row_parts[rows]]

    @property
    def first_line(self) -> int:
        """Line number of the first data row: 2 in a CSV (after the header), row 1 in Parquet."""
        return 2 if self.format == "csv" else 1

    def line_numbers(self) -> np.ndarray:
        """The line (CSV, as a spreadsheet numbers its rows) or 1-based row (Parquet) of every row read.

        Blank lines of a CSV file are not rows of the table but keep their place in the numbering,
        so the numbers always point at the right row of the file.
        """
        if self.lines is not None:
            return self.lines
        return np.arange(self.rows, dtype=np.int64) + self.first_line

    @property
    def line_word(self) -> str:
        """How a location is named: "line" for CSV, "row" for Parquet."""
        return "line" if self.format == "csv" else "row"

    def sha256(self) -> str:
        """Checksum of the file's bytes (computed on demand: only manifests need it).

        A hive folder's checksum covers each part's path inside the folder, then its bytes, in order.
        """
        digest = hashlib.sha256()
        for path in self.parts or (self.path,):
            if self.parts:
                digest.update(path.relative_to(self.path).as_posix().encode() + b"\0")
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
        return digest.hexdigest()


def _find_table_file(folder: Path, name: str) -> tuple[Path, str]:
    """Where a table is stored: ``name.csv``, ``name.parquet`` or (posts only) a hive folder ``posts/``."""
    candidates = [(folder / f"{name}.csv", "csv"), (folder / f"{name}.parquet", "parquet")]
    if name == HIVE_TABLE:
        candidates.append((folder / HIVE_TABLE, "hive"))
    found = [(path, fmt) for path, fmt in candidates if path.exists()]
    if len(found) > 1:
        raise DatasetError(
            f"{folder}: both {' and '.join(path.name for path, _ in found)} exist, so the {name} table is "
            f"ambiguous; keep only one of them."
        )
    if found:
        return found[0]
    hive = f", or a folder {HIVE_TABLE}/ of month=YYYY-MM/*.parquet" if name == HIVE_TABLE else ""
    raise DatasetError(
        f"{folder}: the {name} table is missing; expected {name}.csv or {name}.parquet in this folder{hive} "
        f"(check that --data names the dataset folder; a header row alone makes an empty table)."
    )


def _decode(path: Path, raw: bytes) -> tuple[str, bytes]:
    """The text of a CSV file, and its bytes as UTF-8 for Arrow (the file's own bytes when it is UTF-8)."""
    try:
        text, encoding = decode_text(raw)
    except UnicodeDecodeError as exc:
        if not exc.encoding.startswith("utf-8"):  # a UTF-16 or UTF-32 byte-order mark, then broken text
            name = "UTF-32" if "32" in exc.encoding else "UTF-16"
            raise DatasetError(
                f"{path}: the file starts with a {name} byte-order mark, but the bytes at offset {exc.start} "
                f"are not {name} text; save it again as UTF-8 (in a spreadsheet: \"CSV UTF-8\")."
            ) from None
        if looks_like_utf16(raw):
            raise DatasetError(_UTF16_WITHOUT_MARK.format(path=path)) from None
        raise DatasetError(
            f"{path}: line {line_of(raw, exc.start)}: byte 0x{raw[exc.start]:02x} at offset {exc.start} is not "
            f"UTF-8 text (the file was probably saved as Windows-1252 or Latin-1); save it as UTF-8 "
            f"(in a spreadsheet: \"CSV UTF-8\")."
        ) from None
    if encoding != "UTF-8":
        return text, text.encode("utf-8")
    if looks_like_utf16(raw):  # NUL bytes are valid UTF-8, so UTF-16 without a mark decodes: refuse it
        raise DatasetError(_UTF16_WITHOUT_MARK.format(path=path))
    return text, raw


_UTF16_WITHOUT_MARK = (
    "{path}: the file looks like UTF-16 text without a byte-order mark (every other byte is 0); save it as "
    "UTF-8 (in a spreadsheet: \"CSV UTF-8\"), or as UTF-16 with its byte-order mark (\"Unicode text\")."
)

_NOT_SPACE = re.compile(r"\S")
HIVE_TABLE = POSTS_FOLDER  # the one table that may be a folder of hive-partitioned Parquet (the contract)


def _sniff_separator(header: str) -> str:
    return ";" if header.count(";") > header.count(",") else ","


def split_fields(line: str, sep: str) -> list[str]:
    """The fields of one CSV line, as the CSV reader splits a row.

    Fields are separated by ``sep``; a field that starts with a double quote runs to the next
    double quote that is not doubled (``""`` stands for one ``"``), and what follows it up to the
    separator is kept as written; a quote never closed runs to the end of the line. No limit on
    a field's length (Python's ``csv`` module stops at 128 KB).

    Parameters
    ----------
    line : str
        One line, without its line end.
    sep : str
        The separator, one character.

    Returns
    -------
    list of str
    """
    fields, i, n = [], 0, len(line)
    while True:
        parts = []
        if line.startswith('"', i):
            i += 1
            while True:
                close = line.find('"', i)
                if close < 0:  # never closed: the rest of the line
                    parts.append(line[i:])
                    i = n
                    break
                parts.append(line[i:close])
                if line.startswith('"', close + 1):  # a doubled quote
                    parts.append('"')
                    i = close + 2
                    continue
                i = close + 1
                break
        stop = line.find(sep, i)
        stop = n if stop < 0 else stop
        parts.append(line[i:stop])
        fields.append("".join(parts))
        if stop >= n:
            return fields
        i = stop + 1


def short_name(name: str, limit: int = 80) -> str:
    """A column name as a message shows it.

    Parameters
    ----------
    name : str
    limit : int
        A longer name is cut after this many characters, and its length given.

    Returns
    -------
    str
    """
    return name if len(name) <= limit else f"{name[:limit]}... ({len(name):,} characters)"


def _header_names(path: Path, header: str, sep: str) -> list[str]:
    names = [name.strip() for name in split_fields(header, sep)]
    names = [name or f"(unnamed column {i + 1})" for i, name in enumerate(names)]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DatasetError(
            f"{path}: line 1: column{'s' if len(repeated) > 1 else ''} {', '.join(map(short_name, repeated))} "
            f"appear{'' if len(repeated) > 1 else 's'} more than once in the header; keep one column of each name."
        )
    return names


_MAX_MALFORMED = 1000  # stop reading a CSV file after this many malformed rows
MAX_ROW_BYTES = 256 << 20  # the longest row (one record, all its cells) a CSV file may hold: 256 MB
_BLOCK_BYTES = 1 << 20  # Arrow's first try reads 1 MB blocks; a longer row makes it read again in larger ones
_TOO_LONG = "straddles"  # Arrow's message when a row does not fit in its block


def _malformed_rows_message(path: Path, bad: list, width: int, sep: str) -> str:
    shown = [  # at most 10 malformed rows, not a loop over the table
        f"line {number} opens a double quote that is never closed" if odd_quotes
        else f"line {number} has {found} field{'s' if found != 1 else ''}"
        for number, found, odd_quotes in bad[:10]
    ]
    more = ""
    if len(bad) > 10:
        more = f" (and {'at least ' if len(bad) >= _MAX_MALFORMED else ''}{len(bad) - 10} more lines)"
    return (
        f"{path}: not a well-formed CSV file: the header has {width} fields, but "
        f"{', '.join(shown)}{more}. Check the quoting and separators: a value that holds a "
        f"'{sep}', a double quote or a line break must be inside double quotes (\"...\"), with inner "
        f"double quotes doubled."
    )


def _parse_csv(data: bytes, names: list[str], sep: str, block_size: int) -> tuple[pa.Table | None, list]:
    """Arrow's CSV parser over ``data`` (UTF-8), header skipped: the table, and the malformed rows met."""
    bad = []

    def invalid_row(row):  # called by Arrow for malformed rows only, never for good ones
        bad.append((row.number, row.actual_columns, bool(row.text.count('"') % 2)))
        return "skip" if len(bad) < _MAX_MALFORMED else "error"

    import pyarrow.csv as pacsv  # here: a run that maps its snapshot reads no file (15 ms of imports spared)

    try:
        table = pacsv.read_csv(
            io.BytesIO(data),  # Arrow skips a UTF-8 byte-order mark with the header
            read_options=pacsv.ReadOptions(use_threads=False, skip_rows=1, column_names=names,
                                           block_size=block_size),
            parse_options=pacsv.ParseOptions(delimiter=sep, quote_char='"', double_quote=True,
                                             newlines_in_values=True, ignore_empty_lines=False,
                                             invalid_row_handler=invalid_row),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except pa.ArrowInvalid:
        if not bad:
            raise
        table = None  # stopped after _MAX_MALFORMED malformed rows
    return table, bad


def _read_csv(path: Path, folder: Path) -> tuple[pa.Table, np.ndarray]:
    """Read a CSV table: every column as text, and the spreadsheet line number of each row.

    Lines may end with LF, CR LF or a lone CR (Excel for Mac); the file may be UTF-8 (with or
    without a byte-order mark) or UTF-16 with its byte-order mark. A row may hold up to
    :data:`MAX_ROW_BYTES`.
    """
    text, data = _decode(path, read_input_bytes(path, folder, DatasetError))
    if not _NOT_SPACE.search(text):
        raise DatasetError(f"{path}: the file is empty; it needs at least a header row with the column names.")
    end = text.find("\n")
    cr = text.find("\r", 0, len(text) if end < 0 else end)  # searched in the first line only
    end = cr if cr >= 0 else end  # the header ends at CR LF, LF or a lone CR
    header = text if end < 0 else text[:end]
    if not header.strip():
        raise DatasetError(f"{path}: line 1 is empty; the first line must be the header row with the column names.")
    if len(header) > MAX_ROW_BYTES:
        raise DatasetError(f"{path}: line 1 (the header) is longer than {MAX_ROW_BYTES >> 20} MB; the first line "
                           f"must be the header row with the column names: check that this is a CSV table.")
    sep = _sniff_separator(header)
    names = _header_names(path, header, sep)
    del header
    if end < 0 or not _NOT_SPACE.search(text, end + 1):  # a header and nothing else: a table without rows
        return pa.table([pa.array([], pa.string())] * len(names), names=names), np.zeros(0, dtype=np.int64)
    del text
    try:
        try:
            table, bad = _parse_csv(data, names, sep, _BLOCK_BYTES)
        except pa.ArrowInvalid as exc:
            if _TOO_LONG not in str(exc) or len(data) < _BLOCK_BYTES:
                raise
            # a row longer than a block (a text of megabytes): read again, in blocks as long as the longest row allowed
            table, bad = _parse_csv(data, names, sep, min(len(data) + 1, MAX_ROW_BYTES))
    except pa.ArrowInvalid as exc:
        if _TOO_LONG in str(exc):
            raise DatasetError(
                f"{path}: a row of this file is longer than {MAX_ROW_BYTES >> 20} MB, the longest row a table may "
                f"hold (or a double quote opened and never closed runs over many lines); check the quoting, "
                f"and keep each row under {MAX_ROW_BYTES >> 20} MB."
            ) from None
        raise DatasetError(f"{path}: not a well-formed CSV file ({exc}); check the quoting and separators.") from None
    if bad:
        message = _malformed_rows_message(path, bad, len(names), sep)
        counts = {found for _, found, _ in bad}
        if (table is None or table.num_rows == 0) and len(counts) == 1 and not any(odd for _, _, odd in bad):
            message += (f" Every such line has {counts.pop()} fields: if no line matches the header, check the "
                        f"header row (a column name missing, or one too many).")
        raise DatasetError(message)
    lines = np.arange(table.num_rows, dtype=np.int64) + 2
    blank = np.full(table.num_rows, table.num_columns > 0)
    for values in table.columns:  # a loop over columns: a row is blank when every cell is ""
        blank &= pc.equal(pc.binary_length(values), 0).to_numpy(zero_copy_only=False)
    if blank.any():  # empty lines are not rows, but they keep their place in the line numbers
        table, lines = table.filter(pa.array(~blank)), lines[~blank]
    return table, lines


def _is_text_type(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t)


_PARQUET_TYPES = {
    # column kind -> (accepts this Arrow type?, what to write instead)
    "id": (lambda t: _is_text_type(t) or pa.types.is_integer(t), "text (or integers)"),
    "ref": (lambda t: _is_text_type(t) or pa.types.is_integer(t), "text (or integers)"),
    "text": (_is_text_type, "text"),
    "enum": (_is_text_type, "text"),
    "country": (_is_text_type, "text"),
    "count": (lambda t: pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_null(t),
              "integers (nullable)"),
    "timestamp": (lambda t: pa.types.is_timestamp(t) or pa.types.is_date(t) or _is_text_type(t),
                  "timestamps (or ISO 8601 text)"),
}


def _stored_type(arrow_type: pa.DataType) -> pa.DataType:
    """The type of a column's values: a dictionary column's value type, else the type itself."""
    return arrow_type.value_type if pa.types.is_dictionary(arrow_type) else arrow_type


_PLAIN_TEXT_BYTES = 4  # a text value stored plainly in a Parquet page takes its length (4 bytes) + its bytes
_BATCH_ROWS = 1 << 22  # rows decoded at a time: bounds the memory a column needs while it is read


def _dictionary_columns(parquet: pq.ParquetFile) -> list[str]:
    """Text columns whose pages hold dictionary indices rather than the texts themselves.

    Their values repeat (kinds, formats, ids of accounts that post often, recurring texts). Read as
    dictionaries and decoded once, they cost a fraction of a plain read; a column that Parquet
    stored plainly (unique ids, free texts) is read plainly, since building a dictionary of unique
    values would cost more. Told apart by the pages' size: a plain text takes at least 4 bytes.
    """
    meta = parquet.metadata
    size, count = {}, {}
    for group in range(meta.num_row_groups):  # loops over the file's metadata, not its rows
        for i in range(meta.num_columns):
            chunk = meta.row_group(group).column(i)
            if chunk.physical_type == "BYTE_ARRAY" and chunk.has_dictionary_page:
                size[chunk.path_in_schema] = size.get(chunk.path_in_schema, 0) + chunk.total_uncompressed_size
                count[chunk.path_in_schema] = count.get(chunk.path_in_schema, 0) + chunk.num_values
    names = set(parquet.schema_arrow.names)  # top-level columns only
    return [name for name in size if name in names and size[name] < _PLAIN_TEXT_BYTES * count[name]]


def _read_column(path: Path, meta: pq.FileMetaData, name: str, dictionary: list[str]) -> pa.ChunkedArray:
    """Read one column of a Parquet file (see :func:`_read_parquet`).

    Text is cast to ``large_string`` (the type every text has here) a batch of rows at a time, so
    never copied whole. Numbers and instants are read in one piece (one array per column, which
    numpy then shares instead of joining pieces); integers that all fit in 32 bits are kept in 32
    bits (half the memory: counts rarely need more).
    """
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path, metadata=meta, read_dictionary=dictionary, pre_buffer=True)
    stored = parquet.schema_arrow.field(name).type
    text = pa.types.is_string(stored) or name in dictionary or not pa.types.is_primitive(stored)
    rows = _BATCH_ROWS if text else max(1, meta.num_rows)
    chunks = [batch.column(0) for batch in parquet.iter_batches(batch_size=rows, columns=[name], use_threads=False)]
    if not chunks:
        return pa.chunked_array([], type=stored)
    small = all(pa.types.is_dictionary(c.type) and len(c.dictionary) < 128 for c in chunks)
    column = pa.chunked_array([_narrow_text(c, small) for c in chunks])
    if pa.types.is_integer(column.type) and column.type.bit_width > 32:
        bounds, limits = pc.min_max(column), np.iinfo(np.int32)
        low, high = bounds["min"].as_py(), bounds["max"].as_py()
        if low is not None and limits.min <= low and high <= limits.max:
            column = column.cast(pa.int32())
    return column


def _narrow_text(chunk: pa.Array, small: bool) -> pa.Array:
    """Plain text as ``large_string``; with ``small`` (every dictionary of the column under 128 values), 8-bit indices (kinds, formats: a byte per row)."""
    if pa.types.is_string(chunk.type):
        return chunk.cast(pa.large_string())
    if small and chunk.type.index_type.bit_width > 8:
        return pa.DictionaryArray.from_arrays(chunk.indices.cast(pa.int8()), chunk.dictionary)
    return chunk


def _read_parquet(path: Path, name: str, skip: tuple[str, ...] = ()) -> pa.Table:
    """Read a Parquet table: check its columns' stored types, then read every column but ``skip``.

    The types are checked on the file's schema, before any value is read. The columns are then
    read in parallel, one per thread (Arrow decodes without holding the interpreter), each a batch
    of rows at a time. Text columns that Parquet stored as dictionaries are read as such: their
    checks and lookups run once per distinct value, and they are decoded only when a pandas frame
    is built (:func:`influence_lib.arrow.frame_of`).
    """
    import pyarrow.parquet as pq  # here, as pyarrow.csv in _parse_csv

    try:
        parquet = pq.ParquetFile(path)
        schema, meta = parquet.schema_arrow, parquet.metadata
        dictionary = _dictionary_columns(parquet)
    except (pa.ArrowException, OSError) as exc:
        raise DatasetError(
            f"{path}: not a readable Parquet file ({exc}); write it again (e.g. with pandas "
            f"DataFrame.to_parquet) or provide {name}.csv instead."
        ) from None
    repeated = sorted({n for n in schema.names if schema.names.count(n) > 1})
    if repeated:
        raise DatasetError(f"{path}: column{'s' if len(repeated) > 1 else ''} {', '.join(repeated)} "
                           f"appear{'' if len(repeated) > 1 else 's'} more than once; keep one column of each name.")
    wrong = []
    for column in TABLES[name].columns:
        if column.name in schema.names:
            accepts, expected = _PARQUET_TYPES[column.kind]
            arrow_type = _stored_type(schema.field(column.name).type)
            if not accepts(arrow_type):
                wrong.append(f"column {column.name} is stored as {arrow_type}, expected {expected}")
    if wrong:
        raise DatasetError(
            f"{path}: wrong column type{'s' if len(wrong) > 1 else ''}: {'; '.join(wrong)}. "
            f"Convert the column{'s' if len(wrong) > 1 else ''} and write the file again "
            f"(see the data format in docs/)."
        )
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(pa.cpu_count(), len(schema)))) as pool:
            futures = {f.name: pool.submit(_read_column, path, meta, f.name, dictionary)
                       for f in schema if f.name not in skip}
            columns = {column: future.result() for column, future in futures.items()}
    except (pa.ArrowException, OSError) as exc:
        raise DatasetError(
            f"{path}: not a readable Parquet file ({exc}); write it again (e.g. with pandas "
            f"DataFrame.to_parquet) or provide {name}.csv instead."
        ) from None
    return pa.table(list(columns.values()), names=list(columns))


def read_table(folder: str | Path, name: str, free_text: bool = True) -> tuple[pd.DataFrame, TableFile]:
    """Read one table of a dataset as stored, without validating its values, as a pandas frame.

    :func:`read_stored_table` as a frame (:func:`influence_lib.arrow.frame_of`): text as ``str``,
    integers as ``Int64``, dictionary columns decoded. Same parameters, same errors.
    """
    table, source = read_stored_table(folder, name, free_text)
    return frame_of(table), source


def read_stored_table(folder: str | Path, name: str, free_text: bool = True) -> tuple[pa.Table, TableFile]:
    """Read one table of a dataset as stored, without validating its values, as an Arrow table.

    Parameters
    ----------
    folder : str or Path
        The dataset folder.
    name : str
        One of ``organizations``, ``members``, ``accounts``, ``posts``. The posts may also be a
        folder ``posts/`` of hive-partitioned Parquet (``month=YYYY-MM/*.parquet``); its rows are
        numbered within each file, and ``source.files_of(rows)`` names the file of each row.
    free_text : bool
        ``False`` leaves out the optional free-text columns (``text`` and ``url`` of the posts),
        whose only rule is their type: the largest columns, which a ranking never reads. They are
        listed in ``source.skipped`` (validation then neither checks nor fills them).

    Returns
    -------
    table : pyarrow.Table
        CSV: every column as text, empty cells as ``""``; lines that are empty (or hold only
        separators) are not rows, but keep their place in ``source.line_numbers()``. Parquet: the
        stored types (text as ``large_string`` or, where the file stored it so, as a dictionary; a
        saved pandas index kept as a column).
    source : TableFile

    Raises
    ------
    DatasetError
        Missing or ambiguous file; not a plain file (a folder, a named pipe, a device) or a
        symbolic link that leaves ``folder``; undecodable bytes (neither UTF-8 nor UTF-16/32 with
        a byte-order mark); empty file; malformed CSV (a row whose number of fields differs from
        the header's, a quote never closed, a repeated column name, a row longer than
        :data:`MAX_ROW_BYTES`); unreadable Parquet or a Parquet column of the wrong type; missing
        required column.
    """
    folder = Path(folder)
    spec = TABLES[name]
    skip = () if free_text else tuple(spec.free_text_columns)
    path, fmt = _find_table_file(folder, name)
    parts, row_parts = (), None
    if fmt == "csv":
        table, lines = _read_csv(path, folder)
        table = table.drop_columns([c for c in skip if c in table.column_names])
    elif fmt == "hive":
        table, parts, row_parts = _read_hive(path, folder, name, skip)
        lines = _rows_within_parts(row_parts)
    else:
        check_input_file(path, folder, DatasetError)
        table, lines = _read_parquet(path, name, skip), None
    missing = [c for c in spec.required_columns if c not in table.column_names]
    if missing:
        found = ", ".join(short_name(str(c)) for c in table.column_names) or "none"
        hint = ""
        if fmt == "csv" and table.num_columns == 1:
            hint = " Only one column was found: separate the columns with ',' or ';'."
        plural = len(missing) > 1
        raise DatasetError(
            f"{path}: required column{'s' if plural else ''} {', '.join(missing)} "
            f"{'are' if plural else 'is'} missing (columns found: {found}); add {'them' if plural else 'it'} "
            f"{'to the header row' if fmt == 'csv' else 'to the file'} (names are case-sensitive).{hint}"
        )
    return table, TableFile(name, path, fmt, table.num_rows, lines, skip, parts, row_parts)


def read_stored_tables(folder: str | Path, free_text: bool = True) -> tuple[dict[str, pa.Table], dict[str, TableFile]]:
    """Read the four tables of a dataset folder as stored, as Arrow tables (see :func:`read_stored_table`)."""
    tables, files = {}, {}
    for name in TABLE_NAMES:
        tables[name], files[name] = read_stored_table(folder, name, free_text)
    return tables, files


def _read_hive(path: Path, folder: Path, name: str, skip: tuple[str, ...]) -> tuple[pa.Table, tuple, np.ndarray]:
    """Read a hive posts folder: each ``month=YYYY-MM/*.parquet`` file in turn (types checked per file).

    Returns the rows of every file, by month then file name; the files; and each row's file (index).
    Their tables are put together as they were read (:func:`influence_lib.arrow.join_tables`).
    """
    files = list_month_files(path)
    tables = []
    for month_file in files:
        check_input_file(month_file.path, folder, DatasetError)
        tables.append(_read_parquet(month_file.path, name, skip))
    sizes = np.array([t.num_rows for t in tables], dtype=np.int64)
    table = tables[0] if len(tables) == 1 else join_tables(tables)
    return table, tuple(f.path for f in files), np.repeat(np.arange(len(files), dtype=np.int32), sizes)


def _rows_within_parts(row_parts: np.ndarray) -> np.ndarray:
    """The 1-based row of each row inside its own file (rows of a file are contiguous)."""
    starts = np.flatnonzero(np.r_[True, row_parts[1:] != row_parts[:-1]]) if len(row_parts) else np.zeros(0, np.int64)
    first = np.repeat(starts, np.diff(np.r_[starts, len(row_parts)]))
    return np.arange(len(row_parts), dtype=np.int64) - first + 1
