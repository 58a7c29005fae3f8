"""A dataset: its settings and four typed tables, loaded from a folder (read, then validated)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from influence_lib.arrow import frame_of, positions
from influence_lib.errors import DatasetError, DataValidationError
from influence_lib.optout import OptOut, remove_opted_out
from influence_lib.post_arrays import AccountArrays, PostArrays
from influence_lib.readers import TableFile, read_stored_tables
from influence_lib.schema import TABLE_NAMES
from influence_lib.settings import DatasetSettings, load_dataset_settings
from influence_lib.snapshot import SnapshotStore
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
    # computed once per Dataset (never carried over by dataclasses.replace, which may change a table)
    _derived: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def table(self, name: str) -> pd.DataFrame:
        """The typed table called ``name``."""
        return getattr(self, name)

    def parents(self) -> Parents:
        """Where each row's parent row is, in the tables as they are (computed once, then kept).

        Returns
        -------
        Parents
            ``members``: position in ``organizations`` of each member's organisation;
            ``accounts``: position in ``members`` of each account's member; ``posts``: position
            in ``accounts`` of each post's account. ``int32``, -1 where there is none.
        """
        if "parents" not in self._derived:
            self._derived["parents"] = parents_of({name: self.table(name) for name in TABLE_NAMES})
        return self._derived["parents"]

    def post_arrays(self) -> PostArrays:
        """The posts' columns the scoring rules read, as numpy arrays (computed once, then kept)."""
        if "post_arrays" not in self._derived:
            self._derived["post_arrays"] = PostArrays.from_table(self.posts)
        return self._derived["post_arrays"]

    def account_arrays(self) -> AccountArrays:
        """The accounts' columns the scoring rules read, as numpy arrays (computed once, then kept)."""
        if "account_arrays" not in self._derived:
            self._derived["account_arrays"] = AccountArrays.from_table(self.accounts)
        return self._derived["account_arrays"]


def parents_of(tables) -> Parents:
    """Where each row's parent row is (see :meth:`Dataset.parents`), in four tables (pandas or Arrow) by name."""
    return Parents(members=positions(tables["members"]["org_id"], tables["organizations"]["org_id"], np.int32),
                   accounts=positions(tables["accounts"]["member_id"], tables["members"]["member_id"], np.int32),
                   posts=positions(tables["posts"]["account_id"], tables["accounts"]["account_id"], np.int32))


@dataclass(frozen=True)
class CheckedTables:
    """A dataset folder read and validated, its typed tables still Arrow tables (see :func:`check_tables`).

    Attributes
    ----------
    tables : dict of pyarrow.Table
        The typed tables, by name (see :func:`influence_lib.validation.validate_tables`).
    files : dict of TableFile
        The file each table was read from.
    report : ValidationReport
    opt_out : OptOut
    parents : Parents
        Where each row's parent row is, in ``tables``.
    """

    tables: dict
    files: dict
    report: ValidationReport
    opt_out: OptOut
    parents: Parents

    def arrays(self) -> dict:
        """What scoring reads, by group as a snapshot keeps them: ``parents`` (a dict of arrays), ``posts`` and ``accounts``."""
        return {"parents": asdict(self.parents), "posts": PostArrays.from_arrow(self.tables["posts"]),
                "accounts": AccountArrays.from_arrow(self.tables["accounts"])}


def check_tables(folder: Path, settings: DatasetSettings, free_text: bool) -> CheckedTables:
    """Read a dataset folder's tables, remove the people of its opt-out list, type and check every rule.

    The tables stay Arrow tables: a caller that needs only some of them as pandas frames (a
    ranking needs the organisations, and the arrays scoring reads) builds only those.
    """
    frames, files = read_stored_tables(folder, free_text)
    frames, kept, opt_out = remove_opted_out(folder, frames, files)  # people who asked to be left out
    found = {}  # found by checking the references (when no row was set aside)
    tables, report = validate_tables(frames, kept, settings, found)
    del frames  # the tables as read: the typed ones share their buffers, or replace them
    return CheckedTables(tables, files, report, opt_out, Parents(**found) if found else parents_of(tables))


def check_and_snapshot(folder: Path, settings: DatasetSettings, free_text: bool, refuse_errors: bool,
                       store: SnapshotStore | None = None, key: dict | None = None) -> tuple[CheckedTables, dict]:
    """:func:`check_tables`, then the arrays scoring reads (:meth:`CheckedTables.arrays`).

    ``refuse_errors``: data with an error raises :class:`DataValidationError` (with the full
    report) before anything is computed or written. With a ``store``, the snapshot for ``key`` is
    written in the background while the arrays are computed (:meth:`SnapshotStore.save_in_background`).
    """
    checked = check_tables(folder, settings, free_text)
    if refuse_errors and checked.report.has_errors:
        raise DataValidationError(checked.report.describe(), checked.report)
    return checked, checked.arrays() if store is None else store.save_in_background(key, checked, free_text)


@dataclass(frozen=True)
class Parents:
    """Position of each row's parent row (see :meth:`Dataset.parents`)."""

    members: np.ndarray
    accounts: np.ndarray
    posts: np.ndarray

    def within(self, table: str, parent_kept: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Each row's parent as a position among the kept parent rows (``parent_kept``, a mask), or -1.

        Parameters
        ----------
        table : {"members", "accounts", "posts"}
        parent_kept : numpy.ndarray
            bool, one per row of the parent table.
        rows : numpy.ndarray, optional
            bool: only these rows of ``table`` (default all).

        Returns
        -------
        numpy.ndarray
            ``int32``, one per row (of ``rows``).
        """
        found = getattr(self, table)
        if rows is not None:
            found = found[rows]
        # one lookup per row: kept parents numbered 0, 1, ...; the others, and "no parent" (-1, the
        # last slot), give -1
        renumbered = np.full(len(parent_kept) + 1, -1, dtype=np.int32)
        renumbered[:-1][parent_kept] = np.arange(int(np.count_nonzero(parent_kept)), dtype=np.int32)
        return renumbered[found]


def load_dataset(path: str | Path | None = None, on_error: str = "raise", free_text: bool = True,
                 snapshot: bool = True) -> Dataset:
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
    free_text : bool
        ``False`` leaves out the posts' ``text`` and ``url`` (no rule but their type; a ranking never
        reads them): less to read and to hold. Ignored with ``on_error="reject"``, whose rejected
        rows keep every column as read.
    snapshot : bool
        Reuse (or write) the validated snapshot of this folder (see :mod:`influence_lib.snapshot`):
        when no input changed since a previous load, the typed tables and the report are mapped
        from the cache folder instead of read and checked again. ``INFLUENCE_CACHE_DIR=off`` turns
        snapshots off everywhere.

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
    free_text = free_text or on_error == "reject"
    store = SnapshotStore.for_dataset(folder, on_error) if snapshot else None
    key = store.fingerprint() if store is not None else None
    found = store.load(key, free_text) if store is not None else None
    if found is not None:
        tables, files, report, opt_out, arrays = found
        dataset = Dataset(folder, settings, files=files, report=report, opt_out=opt_out,
                          **{name: frame_of(table) for name, table in tables.items()})
        dataset._derived.update(parents=Parents(**arrays["parents"]), post_arrays=arrays["posts"],
                                account_arrays=arrays["accounts"])
        return dataset
    checked, arrays = check_and_snapshot(folder, settings, free_text, on_error == "raise", store, key)
    dataset = Dataset(folder, settings, files=checked.files, report=checked.report, opt_out=checked.opt_out,
                      **{name: frame_of(table) for name, table in checked.tables.items()})
    dataset._derived.update(parents=checked.parents, post_arrays=arrays["posts"], account_arrays=arrays["accounts"])
    return dataset
