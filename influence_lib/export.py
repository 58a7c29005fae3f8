"""Writing outputs: tables as CSV with a fixed format, rejected rows. The only code that writes results."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from influence_lib.validation import ValidationReport

FLOAT_DECIMALS = 6


def table_to_csv(frame: pd.DataFrame) -> str:
    """A table as CSV text: header, ``,`` separator, LF line endings, empty for missing.

    Floats are rounded to 6 decimals and written in their shortest exact form, whole values
    without decimals (``0.209327``, ``1889.5``, ``150``, ``1234567.5``: never in exponent form),
    so reruns give the same bytes.
    """
    floats = {c: _float_text(frame[c]) for c in frame.columns if frame[c].dtype.kind == "f"}
    buffer = io.StringIO()
    frame.assign(**floats).to_csv(buffer, index=False, lineterminator="\n", na_rep="")
    return buffer.getvalue()


def _float_text(values: pd.Series) -> pd.Series:
    rounded = values.astype("float64").round(FLOAT_DECIMALS)
    whole = rounded.notna() & (rounded == rounded.round(0)) & (rounded.abs() < 1e15)
    text = rounded.map(repr).where(rounded.notna(), "")
    return text.mask(whole, rounded.where(whole, 0).astype("int64").astype("str"))


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV (see :func:`table_to_csv`), creating the folder; return the path.

    The file is written beside its target then renamed, so a reader never sees half a table.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(table_to_csv(frame), encoding="utf-8", newline="")
    partial.replace(path)
    return path


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
    the frame's.
    """
    if not out_dir:
        return None
    return write_table(frame, Path(out_dir) / "tables" / f"{name}.csv")


def save_figure(fig, out_dir: str | Path | None, name: str) -> list[Path]:
    """Save a figure as ``OUT/figures/<name>.png`` and ``.svg`` without timestamps in their metadata.

    Does nothing when ``out_dir`` is empty. The figure stays open (the notebook shows it).
    """
    if not out_dir:
        return []
    folder = Path(out_dir) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / f"{name}.png", folder / f"{name}.svg"
    fig.savefig(png, metadata={"Software": None})
    fig.savefig(svg, metadata={"Date": None, "Creator": None})
    return [png, svg]


def write_workbook(sheets: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write tables into one Excel workbook, a sheet each, with readable column widths.

    Parameters
    ----------
    sheets : dict
        Sheet title (cut to Excel's 31 characters) to table (headers already in French).
    path : str or Path
    """
    from openpyxl.utils import get_column_letter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for title, table in sheets.items():
            sheet_name = title[:31]
            table.to_excel(writer, sheet_name=sheet_name, index=False)
            sheet = writer.sheets[sheet_name]
            sheet.freeze_panes = "A2"
            for i, column in enumerate(table.columns, start=1):
                width = max([len(str(column))] + [len(str(v)) for v in table[column].head(200)])
                sheet.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
        writer.book.properties.creator = "influence"
    _strip_workbook_times(path)
    return path


def _strip_workbook_times(path: Path) -> None:
    """Rewrite the workbook with fixed document times and zip entry dates, so reruns give the same bytes."""
    import re
    import zipfile

    fixed_time = "2000-01-01T00:00:00Z"
    with zipfile.ZipFile(path) as src:
        items = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name, data in items:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                              rb"\g<1>" + fixed_time.encode() + rb"\g<2>", data)
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)
    tmp.replace(path)


def write_json(content: dict, path: str | Path) -> Path:
    """Write a JSON document (UTF-8, indented, keys in the given order, LF endings)."""
    import json

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8", newline="")
    return path
