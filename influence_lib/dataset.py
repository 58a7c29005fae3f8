"""Reading a dataset folder: the four tables (CSV or Parquet) and dataset.yml, into a typed Dataset."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from influence_lib.errors import DatasetError, DataValidationError
from influence_lib.schema import TABLE_NAMES, TABLES
from influence_lib.settings import DatasetSettings, load_dataset_settings

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"


@dataclass(frozen=True)
class TableFile:
    """Where a table was read from, and how its rows map to the lines a user sees."""

    table: str
    path: Path
    format: str  # "csv" or "parquet"
    rows: int

    @property
    def first_line(self) -> int:
        """Line number of the first data row: 2 in a CSV (after the header), row 1 in Parquet."""
        return 2 if self.format == "csv" else 1

    @property
    def line_word(self) -> str:
        """How a location is named: "line" for CSV, "row" for Parquet."""
        return "line" if self.format == "csv" else "row"

    def sha256(self) -> str:
        """Checksum of the file's bytes (computed on demand: only manifests need it)."""
        digest = hashlib.sha256()
        with self.path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()


@dataclass(frozen=True)
class Dataset:
    """A loaded dataset: its settings, its four typed tables and how it was read.

    Attributes
    ----------
    path : Path
        The dataset folder.
    settings : DatasetSettings
        The validated ``dataset.yml``.
    organizations, members, accounts, posts : pandas.DataFrame
        Typed tables, columns in the contract's order: ids and texts as ``str``, counts as
        nullable ``Int64``, ``published_at`` as ``datetime64[us, UTC]``. With
        ``on_error="reject"`` they hold only the rows that passed validation.
    files : dict[str, TableFile]
        The file each table was read from.
    report : ValidationReport
        Every problem found, rows read/used/rejected per table and the rejected rows.
    """

    path: Path
    settings: DatasetSettings
    organizations: pd.DataFrame
    members: pd.DataFrame
    accounts: pd.DataFrame
    posts: pd.DataFrame
    files: dict[str, TableFile]
    report: "ValidationReport" = field(repr=False)

    def table(self, name: str) -> pd.DataFrame:
        """The typed table called ``name``."""
        return getattr(self, name)


def _find_table_file(folder: Path, name: str) -> tuple[Path, str]:
    csv_path, parquet_path = folder / f"{name}.csv", folder / f"{name}.parquet"
    if csv_path.exists() and parquet_path.exists():
        raise DatasetError(
            f"{folder}: both {name}.csv and {name}.parquet exist, so the {name} table is ambiguous; "
            f"keep only one of them."
        )
    if csv_path.exists():
        return csv_path, "csv"
    if parquet_path.exists():
        return parquet_path, "parquet"
    raise DatasetError(
        f"{folder}: the {name} table is missing; expected {name}.csv or {name}.parquet in this folder."
    )


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DatasetError(
            f"{path}: line {line}: byte 0x{raw[exc.start]:02x} at offset {exc.start} is not UTF-8 text; "
            f"save the file as UTF-8 (in a spreadsheet: \"CSV UTF-8\")."
        ) from None


def _sniff_separator(header: str) -> str:
    return ";" if header.count(";") > header.count(",") else ","


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    text = _decode(path, raw)
    if not text.strip():
        raise DatasetError(f"{path}: the file is empty; it needs at least a header row with the column names.")
    header = text.split("\n", 1)[0]
    sep = _sniff_separator(header)
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False,
            quoting=csv.QUOTE_MINIMAL, skip_blank_lines=True,
        )
    except pd.errors.ParserError as exc:
        raise DatasetError(f"{path}: not a well-formed CSV file ({exc}); check the quoting and separators.") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _arrow_types(arrow_type: pa.DataType):
    if pa.types.is_integer(arrow_type):
        return pd.Int64Dtype()
    return None


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise DatasetError(f"{path}: not a readable Parquet file ({exc}); rewrite it or use CSV.") from None
    return table.to_pandas(types_mapper=_arrow_types)


def read_table(folder: str | Path, name: str) -> tuple[pd.DataFrame, TableFile]:
    """Read one table of a dataset as stored, without validating its values.

    Parameters
    ----------
    folder : str or Path
        The dataset folder.
    name : str
        One of ``organizations``, ``members``, ``accounts``, ``posts``.

    Returns
    -------
    frame : pandas.DataFrame
        CSV: every column as text, empty cells as ``""``. Parquet: the stored types.
    source : TableFile

    Raises
    ------
    DatasetError
        Missing or ambiguous file, undecodable bytes, empty file, malformed CSV, missing
        required column.
    """
    folder = Path(folder)
    path, fmt = _find_table_file(folder, name)
    frame = _read_csv(path) if fmt == "csv" else _read_parquet(path)
    spec = TABLES[name]
    missing = [c for c in spec.required_columns if c not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns)) or "none"
        raise DatasetError(
            f"{path}: required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"missing (columns found: {found}); add {'them' if len(missing) > 1 else 'it'} to the header row."
        )
    frame = frame.reset_index(drop=True)
    return frame, TableFile(name, path, fmt, len(frame))


def read_tables(folder: str | Path) -> tuple[dict[str, pd.DataFrame], dict[str, TableFile]]:
    """Read the four tables of a dataset folder as stored (see :func:`read_table`)."""
    frames, files = {}, {}
    for name in TABLE_NAMES:
        frames[name], files[name] = read_table(folder, name)
    return frames, files


def load_dataset(path: str | Path | None = None, on_error: str = "raise") -> Dataset:
    """Load, type and validate a dataset folder.

    Parameters
    ----------
    path : str or Path, optional
        The dataset folder; default the embedded sample (``data/sample``).
    on_error : {"raise", "reject"}
        ``"raise"``: any row error raises :class:`DataValidationError` carrying the full report.
        ``"reject"``: rows with errors (and rows that depend on them) are set aside in
        ``dataset.report.rejected`` and the tables hold the others.

    Returns
    -------
    Dataset

    Raises
    ------
    SettingsError, DatasetError, DataValidationError
    """
    from influence_lib.validation import validate_tables  # validation builds on this module's readers

    if on_error not in ("raise", "reject"):
        raise ValueError(f"on_error must be 'raise' or 'reject', not {on_error!r}")
    folder = Path(path) if path is not None else SAMPLE_DIR
    if not folder.is_dir():
        raise DatasetError(f"{folder}: no such dataset folder; pass --data with a folder holding the four tables and dataset.yml.")
    settings = load_dataset_settings(folder / "dataset.yml")
    frames, files = read_tables(folder)
    tables, report = validate_tables(frames, files, settings)
    if on_error == "raise" and report.has_errors:
        raise DataValidationError(report.describe(), report)
    return Dataset(folder, settings, files=files, report=report, **tables)
