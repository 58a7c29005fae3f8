"""Writing outputs: CSV tables (formulas neutralised, two dialects), the workbook, figures, JSON. The only code that writes results."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from influence_lib.arrow import TEXT, joined_text
from influence_lib.validation import ValidationReport

FLOAT_DECIMALS = 6


def table_to_csv(frame: pd.DataFrame) -> str:
    """A table as CSV text: header, ``,`` separator, LF line endings, empty for missing.

    Floats are rounded to 6 decimals and written in their shortest exact form, whole values
    without decimals (``0.209327``, ``1889.5``, ``150``, ``1234567.5``: never in exponent form),
    so reruns give the same bytes. A table with a carriage return inside a text cell has its text
    cells quoted: Python's CSV writer would otherwise leave that cell unquoted and break the row.
    """
    floats = {c: _float_text(frame[c]) for c in frame.columns if frame[c].dtype.kind == "f"}
    quoting = csv.QUOTE_NONNUMERIC if _has_carriage_return(frame) else csv.QUOTE_MINIMAL
    buffer = io.StringIO()
    frame = frame.assign(**floats)
    rows = _arrow_rows(frame) if quoting == csv.QUOTE_MINIMAL else None
    if rows is not None:
        csv.writer(buffer, lineterminator="\n").writerow(frame.columns)
        return buffer.getvalue() + rows
    if len(frame.columns) and all(_plain_cells(frame[c].dtype) for c in frame.columns):
        # the cells pandas' writer would hand to Python's CSV writer (missing -> ""), without its
        # per-chunk conversions: the same bytes, several times faster on large rankings
        writer = csv.writer(buffer, lineterminator="\n", quoting=quoting)
        writer.writerow(frame.columns)
        writer.writerows(zip(*(_cells(frame[c]) for c in frame.columns)))
    else:  # dates and other types pandas formats itself
        frame.to_csv(buffer, index=False, lineterminator="\n", na_rep="", quoting=quoting)
    return buffer.getvalue()


_QUOTED = '[,"\n]'  # what makes Python's CSV writer quote a cell (minimal quoting, LF line endings)
_COMMA, _NEWLINE, _QUOTE, _EMPTY = (pa.scalar(text, TEXT) for text in (",", "\n", '"', ""))


def _arrow_rows(frame: pd.DataFrame) -> str | None:
    """The rows as Python's CSV writer writes them (minimal quoting), made by Arrow's kernels; None when it cannot.

    For tables of two or more columns (a single column writes an empty cell as ``""``) of text and
    integers only, under minimal quoting (the caller's choice when no text holds a carriage
    return): each column written out, the cells that hold a separator, a quote or a line break
    quoted (quotes doubled), then the cells of each row joined. On the 167,000 Directions of 10^7
    posts, 0.07 s against 0.25 s through the CSV writer.
    """
    if len(frame.columns) < 2 or not len(frame):
        return None
    cells = []
    for name in frame.columns:
        try:
            column = pa.array(frame[name], from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # an object column holding more than text
            return None
        if pa.types.is_dictionary(column.type):
            column = column.dictionary_decode()
        if pa.types.is_integer(column.type):
            cells.append(pc.cast(column, TEXT).fill_null(""))
            continue
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type) or pa.types.is_null(column.type)):
            return None  # booleans, floats, dates: the CSV writer's own forms
        column = column.cast(TEXT).fill_null("")
        quoted = pc.match_substring_regex(column, _QUOTED)
        if pc.any(quoted).as_py():
            doubled = pc.binary_join_element_wise(_QUOTE, pc.replace_substring(column, '"', '""'), _QUOTE, _EMPTY)
            column = pc.if_else(quoted, doubled, column)
        cells.append(column)
    lines = pc.binary_join_element_wise(*cells, _COMMA)
    return joined_text(pc.binary_join_element_wise(lines, _NEWLINE, _EMPTY))


def _plain_cells(dtype) -> bool:
    """True for the column types whose CSV cells are their Python values: text, integers, booleans, text categories."""
    if isinstance(dtype, pd.CategoricalDtype):
        return _plain_cells(dtype.categories.dtype)
    return isinstance(dtype, pd.StringDtype) or dtype == object or dtype.kind in "iub"


def _cells(values: pd.Series) -> list:
    cells = values.to_numpy(dtype=object, copy=True)
    cells[values.isna().to_numpy(dtype=bool)] = ""
    return cells.tolist()


def _has_carriage_return(frame: pd.DataFrame) -> bool:
    return any(frame[c].astype("str").str.contains("\r", regex=False).any()
               for c in frame.columns if _is_text_column(frame[c]))


def _float_text(values: pd.Series) -> pd.Series:
    rounded = values.astype("float64").round(FLOAT_DECIMALS)
    whole = rounded.notna() & (rounded == rounded.round(0)) & (rounded.abs() < 1e15)
    text = rounded.map(repr).where(rounded.notna(), "")
    return text.mask(whole, rounded.where(whole, 0).astype("int64").astype("str"))


# --- Formula neutralisation (OWASP "CSV injection") ---------------------------------------------

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _needs_quote(text: str) -> bool:
    # A text whose first character after any leading quotes would start a formula; a plain number
    # (-12, +3.5) runs nothing and stays as it is. Counting the leading quotes makes the rule
    # reversible: restore_formula_text() strips exactly the quote this added.
    core = text.lstrip("'")
    return core.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(core)


def neutralize_formula_text(value):
    """One cell, neutralised for spreadsheets: ``'`` before a text starting with ``= + - @``, tab or CR.

    Anything that is not text (numbers, missing values) is returned unchanged, and so is a text
    that is a plain number (``-12``, ``+3.5``): Excel reads it as that number and runs nothing.
    """
    if isinstance(value, str) and _needs_quote(value):
        return "'" + value
    return value


def restore_formula_text(value):
    """The inverse of :func:`neutralize_formula_text`: the cell as the data had it."""
    if isinstance(value, str) and value.startswith("'") and _needs_quote(value[1:]):
        return value[1:]
    return value


def _is_text_column(values: pd.Series) -> bool:
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    return isinstance(dtype, pd.StringDtype) or dtype == object


def neutralize_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a table whose text cells cannot run as spreadsheet formulas (OWASP's CSV-injection rule).

    In every text column, a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return gets a leading ``'`` (:func:`neutralize_formula_text`); numeric columns, and text that
    is a plain number, are left as they are. :func:`restore_formula_text` gives the text back.
    """
    out = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if not _is_text_column(values):
            continue
        cells = values.to_numpy(dtype=object)
        hits = [i for i, v in enumerate(cells) if isinstance(v, str) and _needs_quote(v)]
        if hits:
            cells = cells.copy()
            for i in hits:
                cells[i] = "'" + cells[i]
            out[column] = pd.Series(cells, index=frame.index, dtype=values.dtype if not isinstance(
                values.dtype, pd.CategoricalDtype) else object)
    return out


def read_report_table(path: str | Path) -> pd.DataFrame:
    """A table written by :func:`save_table`, read back as text, with the neutralising quotes removed.

    Every cell is a ``str`` (a missing value is ``""``): nothing is guessed, so a name such as
    ``NA`` or ``1e5`` stays that text.
    """
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
    for column in frame.columns:
        quoted = frame[column].str.startswith("'").to_numpy(dtype=bool)
        if quoted.any():
            frame.loc[quoted, column] = frame.loc[quoted, column].map(restore_formula_text)
    return frame


# --- CSV dialects -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file is written: separator, decimal mark, encoding, line ends, and the report folder it goes to."""

    name: str
    separator: str
    decimal: str
    encoding: str
    line_end: str
    folder: str


CSV_DIALECTS = {
    "standard": CsvDialect("standard", ",", ".", "utf-8", "\n", "tables"),
    "excel-fr": CsvDialect("excel-fr", ";", ",", "utf-8-sig", "\r\n", "tables-excel-fr"),
}
"""``standard``: what scripts read (``tables/``). ``excel-fr``: what Excel opens directly under a French
locale (``;``, decimal comma, UTF-8 with a byte-order mark, CRLF), written to ``tables-excel-fr/``."""

_DECIMAL_NUMBER = re.compile(r"-?[0-9]+\.[0-9]+")


def csv_dialect(name: str) -> CsvDialect:
    """The dialect called ``name``; a ``ValueError`` naming the known ones otherwise."""
    if name not in CSV_DIALECTS:
        raise ValueError(f"unknown CSV dialect {name!r}; known: {', '.join(CSV_DIALECTS)}")
    return CSV_DIALECTS[name]


def translate_csv(text: str, dialect: CsvDialect) -> str:
    """A standard CSV text (:func:`table_to_csv`) rewritten in another dialect, cell for cell.

    Only the form changes: separator, line ends, and the decimal mark of cells that are decimal
    numbers (``0.25`` becomes ``0,25``); text cells are kept as they are, quoted when needed.
    """
    rows = csv.reader(io.StringIO(text, newline=""))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=dialect.separator, lineterminator=dialect.line_end)
    for row in rows:
        writer.writerow([cell.replace(".", dialect.decimal) if dialect.decimal != "." and _DECIMAL_NUMBER.fullmatch(cell)
                         else cell for cell in row])
    return buffer.getvalue()


def write_tables_in_dialect(report_dir: str | Path, dialect: str) -> list[Path]:
    """Copy every ``tables/*.csv`` of a report folder into the dialect's folder (e.g. ``tables-excel-fr/``).

    The standard tables stay as they are; returns the files written (none for ``standard``).
    """
    chosen = csv_dialect(dialect)
    source = Path(report_dir) / CSV_DIALECTS["standard"].folder
    if chosen.folder == source.name:
        return []
    written = []
    for path in sorted(source.glob("*.csv")):
        text = translate_csv(path.read_text(encoding="utf-8"), chosen)
        written.append(_write_atomically(Path(report_dir) / chosen.folder / path.name,
                                         text.encode(chosen.encoding)))
    return written


def _write_atomically(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    partial.replace(path)
    return path


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV (see :func:`table_to_csv`), creating the folder; return the path.

    The file is written beside its target then renamed, so a reader never sees half a table.
    """
    return _write_atomically(Path(path), table_to_csv(frame).encode("utf-8"))


def write_rejected_rows(report: ValidationReport, path: str | Path, keep_texts: bool = False) -> Path:
    """Write the rows validation set aside, with their reasons, to a CSV file.

    Columns: ``table, file, line, reasons, record`` (``record``: the row as read, in JSON).
    A post's ``text`` is left out of its record unless ``keep_texts`` (texts are other people's
    words, and never the reason a row is rejected).
    """
    rejected = report.rejected
    posts = (rejected["table"] == "posts").to_numpy()
    if not keep_texts and posts.any():
        import json

        records = [json.dumps({k: v for k, v in json.loads(r).items() if k != "text"}, ensure_ascii=False,
                              separators=(",", ":"))
                   for r in rejected.loc[posts, "record"]]
        rejected = rejected.copy()
        rejected.loc[posts, "record"] = records
    return write_table(rejected, path)


def save_table(frame: pd.DataFrame, out_dir: str | Path | None, name: str) -> Path | None:
    """Save a report table as ``OUT/tables/<name>.csv``; do nothing when ``out_dir`` is empty.

    The row order is the caller's (rankings are already in display order); the column order is
    the frame's. Text cells that a spreadsheet would run as formulas are neutralised
    (:func:`neutralize_formulas`); :func:`read_report_table` reads the table back as it was.
    """
    if not out_dir:
        return None
    return write_table(neutralize_formulas(frame), Path(out_dir) / "tables" / f"{name}.csv")


def save_figure(fig, out_dir: str | Path | None, name: str) -> list[Path]:
    """Save a figure as ``OUT/figures/<name>.png`` and ``.svg`` without timestamps in their metadata.

    Does nothing when ``out_dir`` is empty. The figure stays open (the notebook shows it).

    Returns
    -------
    list of Path
        The files written (none without ``out_dir``): :func:`influence_lib.html.figure` shows the
        SVG file instead of drawing the figure once more.
    """
    if not out_dir:
        return []
    folder = Path(out_dir) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / f"{name}.png", folder / f"{name}.svg"
    fig.savefig(png, metadata={"Software": None})
    fig.savefig(svg, metadata={"Date": None, "Creator": None})
    return [png, svg]


# --- The workbook -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SheetContent:
    """One worksheet to write: its (valid) name, its table with French headers, formats and links.

    ``formats`` maps a header to an Excel number format, or to one format per row (``None``: the
    default); ``links`` names the columns whose http(s) addresses become hyperlinks.
    """

    name: str
    frame: pd.DataFrame
    formats: Mapping[str, str | Sequence[str | None]] = field(default_factory=dict)
    links: tuple[str, ...] = ()


HEADER_FILL = "D9E1F2"
MAX_CELL_TEXT = 32_767  # Excel's limit for the text of a cell
MIN_WIDTH, MAX_WIDTH = 8, 60
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_WEB_ADDRESS = re.compile(r"https?://[^\s\"<>\\^`{|}]{1,2000}")


def excel_text(value: str) -> str:
    """A text as a workbook cell holds it: line ends as LF, characters XML cannot carry as U+FFFD.

    Texts over Excel's 32,767 characters are cut, ending with ``…``.
    """
    text = _XML_ILLEGAL.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n"))
    return text if len(text) <= MAX_CELL_TEXT else text[:MAX_CELL_TEXT - 1] + "…"


def _cell_value(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return excel_text(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo is None else value.tz_convert(None).to_pydatetime()
    if isinstance(value, (dt.datetime, dt.date)):
        return value.replace(tzinfo=None) if isinstance(value, dt.datetime) else value
    return excel_text(str(value))


def _put(cell, value) -> None:
    value = _cell_value(value)
    if value is None:
        return
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # a text is never a formula, whatever its first character
        if value.startswith(FORMULA_TRIGGERS + ("\n",)):
            cell.quotePrefix = True  # Excel keeps it text even when the cell is edited


def _shown_width(value, number_format: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return max(len(line) for line in value.split("\n"))
    if isinstance(value, (dt.datetime, dt.date)):
        return 16 if number_format != "mmmm yyyy" else 14
    if isinstance(value, float) and number_format not in ("0.0%",):
        return len(f"{value:,.2f}")
    if isinstance(value, float):
        return 7
    return len(f"{value:,}") + (1 if value >= 0 and number_format and number_format.startswith("+") else 0)


def write_workbook(sheets: Sequence[SheetContent], path: str | Path, title: str = "", subject: str = "",
                   document_date: dt.datetime | pd.Timestamp | None = None) -> Path:
    """Write an Excel workbook: one sheet per table, each an Excel table with styled, frozen headers.

    Every text cell is stored as text (never a formula, whatever its first character); numbers,
    dates and percentages are stored as numbers with the given formats. Each sheet gets bold
    shaded headers, an Excel table with filters (an autofilter when it has no rows), a frozen
    header row and first column, and widths fitted to its content. The file has the same bytes on
    every run: its document dates are ``document_date`` (the edition's end in a report), its zip
    entries are dated 2000-01-01.

    Parameters
    ----------
    sheets : sequence of SheetContent
        In order; names must be valid Excel sheet names, unique (see
        :func:`influence_lib.workbook.sheet_names`), headers unique within a sheet.
    path : str or Path
    title, subject : str
        Document properties.
    document_date : datetime, optional
        The document's creation and modification date (UTC); default 2000-01-01.

    Returns
    -------
    Path
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    stamp = pd.Timestamp(document_date if document_date is not None else dt.datetime(*ZIP_TIME))
    stamp = (stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp).floor("s").to_pydatetime()
    book = Workbook()
    book.remove(book.active)
    bold, fill = Font(bold=True), PatternFill("solid", start_color=HEADER_FILL, end_color=HEADER_FILL)
    for number, sheet in enumerate(sheets, start=1):
        headers = [str(h) for h in sheet.frame.columns]
        if len(set(headers)) != len(headers):
            raise ValueError(f"sheet {sheet.name!r}: column headers must be unique, got {headers}")
        ws = book.create_sheet(sheet.name)
        widths = [len(h) + 4 for h in headers]  # room for the filter button
        for j, header in enumerate(headers, start=1):
            cell = ws.cell(row=1, column=j)
            _put(cell, header)
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(vertical="center")
        for j, header in enumerate(headers, start=1):
            fmt = sheet.formats.get(header)
            per_row = fmt if fmt is not None and not isinstance(fmt, str) else None
            is_link = header in sheet.links
            for i, value in enumerate(sheet.frame.iloc[:, j - 1].to_numpy(dtype=object)):
                cell = ws.cell(row=i + 2, column=j)
                _put(cell, value)
                row_format = per_row[i] if per_row is not None else fmt
                if row_format and not isinstance(cell.value, str):
                    cell.number_format = row_format
                if is_link and isinstance(cell.value, str) and _WEB_ADDRESS.fullmatch(cell.value):
                    cell.hyperlink = cell.value
                    cell.style = "Hyperlink"
                widths[j - 1] = max(widths[j - 1], _shown_width(cell.value, row_format) + 2)
        for j, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = min(MAX_WIDTH, max(MIN_WIDTH, width))
            if width > MAX_WIDTH:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        last = f"{get_column_letter(max(1, len(headers)))}{len(sheet.frame) + 1}"
        if len(sheet.frame) and headers:
            table = Table(displayName=f"Tableau{number}", ref=f"A1:{last}")
            table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
            ws.add_table(table)
        elif headers:
            ws.auto_filter.ref = f"A1:{last}"
        ws.freeze_panes = "B2" if len(headers) > 1 else "A2"
    props = book.properties
    props.creator, props.title, props.subject, props.language = "influence", excel_text(title), excel_text(subject), "fr-FR"
    props.created = props.modified = stamp
    props.lastModifiedBy = None
    buffer = io.BytesIO()
    book.save(buffer)
    return _write_atomically(Path(path), _fixed_zip(buffer.getvalue(), stamp))


def _fixed_zip(data: bytes, stamp: dt.datetime) -> bytes:
    """The workbook's zip with fixed entry dates and the document dates (openpyxl stamps "now" when saving)."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + iso + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, content)
    return out.getvalue()

def write_json(content: dict, path: str | Path) -> Path:
    """Write a JSON document (UTF-8, indented, keys in the given order, LF endings)."""
    import json

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8", newline="")
    return path
