"""Writing outputs: tables as CSV with a fixed format, rejected rows. The only code that writes results."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from influence_lib.validation import ValidationReport

FLOAT_FORMAT = "%.6g"


def table_to_csv(frame: pd.DataFrame) -> str:
    """A table as CSV text: header, ``,`` separator, LF line endings, fixed float format, empty for missing."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n", float_format=FLOAT_FORMAT, na_rep="")
    return buffer.getvalue()


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV (see :func:`table_to_csv`), creating the folder; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(table_to_csv(frame), encoding="utf-8", newline="")
    return path


def write_rejected_rows(report: ValidationReport, path: str | Path) -> Path:
    """Write the rows validation set aside, with their reasons, to a CSV file.

    Columns: ``table, file, line, reasons, record`` (``record``: the row as read, in JSON).
    """
    return write_table(report.rejected, path)
