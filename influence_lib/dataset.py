"""A dataset: its settings and four typed tables, loaded from a folder (read, then validated)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from influence_lib.errors import DatasetError, DataValidationError
from influence_lib.optout import OptOut, remove_opted_out
from influence_lib.readers import TableFile, read_tables
from influence_lib.settings import DatasetSettings, load_dataset_settings
from influence_lib.validation import ValidationReport, validate_tables

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"


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
    opt_out : OptOut
        What ``opt-out.csv`` removed before validation (counts only).
    """

    path: Path
    settings: DatasetSettings
    organizations: pd.DataFrame
    members: pd.DataFrame
    accounts: pd.DataFrame
    posts: pd.DataFrame
    files: dict[str, TableFile]
    report: ValidationReport = field(repr=False)
    opt_out: OptOut = field(default_factory=OptOut)

    def table(self, name: str) -> pd.DataFrame:
        """The typed table called ``name``."""
        return getattr(self, name)


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
        Either way, the people named in the folder's ``opt-out.csv`` are removed first (see
        :mod:`influence_lib.optout`), and counted in ``dataset.opt_out``.

    Returns
    -------
    Dataset

    Raises
    ------
    SettingsError, DatasetError, DataValidationError
    """
    if on_error not in ("raise", "reject"):
        raise ValueError(f"on_error must be 'raise' or 'reject', not {on_error!r}")
    folder = Path(path) if path is not None else SAMPLE_DIR
    if not folder.is_dir():
        raise DatasetError(f"{folder}: no such dataset folder; pass --data with a folder holding the four tables and dataset.yml.")
    settings = load_dataset_settings(folder / "dataset.yml")
    frames, files = read_tables(folder)
    frames, kept, opt_out = remove_opted_out(folder, frames, files)  # people who asked to be left out
    tables, report = validate_tables(frames, kept, settings)
    del frames  # the tables as read: the typed ones share their buffers, or replace them
    if on_error == "raise" and report.has_errors:
        raise DataValidationError(report.describe(), report)
    return Dataset(folder, settings, files=files, report=report, opt_out=opt_out, **tables)
