"""Validated snapshots of a dataset: its typed tables kept as Arrow files in a cache folder, reused while its inputs are unchanged.

Loading a dataset reads every file, checks every rule of the contract and types every value; a
user iterating on a methodology does it again at every run, on the same files. The first load
writes what it found (the typed tables, the validation report, the opt-out counts) to a snapshot
folder outside the dataset; the next load, when no input changed, maps those Arrow files instead
(no parsing, no checks: they were done on exactly these bytes).

"Unchanged" is decided on every input the loader reads (``dataset.yml``, ``opt-out.csv``, each
table's file or every file of a ``posts/`` folder): its path, size, modification time and a CRC-32
of all its bytes (about 4 GB/s), and on the code that reads and checks them (a checksum of those
modules' sources, and the pandas and pyarrow versions). Any difference, one byte included, and
the snapshot is rebuilt; deleting it only costs one full load. Nothing is ever written inside the
dataset folder.

Where: ``$INFLUENCE_CACHE_DIR`` when set (``off`` disables snapshots), else
``$XDG_CACHE_HOME/influence/snapshots`` (default ``~/.cache/influence/snapshots``), one folder per
dataset folder and ``on_error`` mode. A snapshot is written to a new folder, then published by
replacing one small pointer file, so readers never see half a snapshot; concurrent writers (the
kernels of a batch) each publish a whole one.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import shutil
import threading
import uuid
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from influence_lib.checksums import file_checksum
from influence_lib.optout import OPT_OUT_FILE, OptOut
from influence_lib.post_arrays import AccountArrays, PostArrays
from influence_lib.readers import HIVE_TABLE, TableFile
from influence_lib.schema import TABLE_NAMES, TABLES
from influence_lib.settings import METRICS
from influence_lib.validation import ValidationReport

CACHE_ENV = "INFLUENCE_CACHE_DIR"
FORMAT = 4  # bump when the layout of a snapshot changes
_DISABLED = {"", "0", "off", "no", "none", "false"}
_REPORT_FRAMES = ("problems", "counts", "rejected")
# the modules whose code decides what a validated table holds: a change in any of them is a new snapshot
_CODE = ("readers.py", "validation.py", "schema.py", "optout.py", "settings.py", "arrow.py", "inputs.py",
         "dataset.py", "snapshot.py", "hive_folder.py", "post_arrays.py", "checksums.py")
# the numpy arrays kept beside the tables: parent positions, and the columns scoring reads (post_arrays)
_ARRAYS = {"parents": None, "posts": PostArrays, "accounts": AccountArrays}
# columns of the posts kept only as arrays (rebuilt on loading): the account from the parent positions,
# the others from PostArrays; the posts table keeps its ids, format and texts
_POSTS_FROM_ARRAYS = ("account_id", "published_at", "kind", *METRICS)


_WRITERS: set[threading.Thread] = set()
_WRITERS_LOCK = threading.Lock()


def wait_for_writers() -> None:
    """Wait until every snapshot this process is writing is published (or given up)."""
    with _WRITERS_LOCK:
        running = list(_WRITERS)
    for thread in running:
        thread.join()


def cache_root() -> Path | None:
    """The folder that holds the snapshots, or None when they are turned off (``INFLUENCE_CACHE_DIR=off``)."""
    value = os.environ.get(CACHE_ENV)
    if value is not None:
        return None if value.strip().lower() in _DISABLED else Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "influence" / "snapshots"


def _input_files(folder: Path) -> list[Path]:
    """Every file the loader may read, whether it exists or not (a file that appears is a change too)."""
    names = ["dataset.yml", OPT_OUT_FILE] + [f"{t}.{ext}" for t in TABLE_NAMES for ext in ("csv", "parquet")]
    files = [folder / name for name in names]
    hive = folder / HIVE_TABLE
    if hive.is_dir():
        files += sorted(p for p in hive.rglob("*") if not p.is_dir())
    return files


def input_fingerprint(folder: str | Path) -> list[list]:
    """Path (inside ``folder``), mode, size, modification time (ns) and CRC-32 of every input of a dataset.

    A missing input is listed as ``[path, None, None, None, None]``.
    """
    folder = Path(folder)
    found = []
    for path in _input_files(folder):
        name = path.relative_to(folder).as_posix()
        try:
            mode, stat = path.lstat().st_mode, path.stat()  # a file replaced by a link is a change too
        except OSError:
            found.append([name, None, None, None, None])
            continue
        found.append([name, mode, stat.st_size, stat.st_mtime_ns, list(file_checksum(path)) if path.is_file() else None])
    return found


def code_fingerprint() -> str:
    """A checksum of the modules that read and check a dataset, and of the pandas and pyarrow versions."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"{FORMAT} {pd.__version__} {pa.__version__}".encode())
    for name in _CODE:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


class SnapshotStore:
    """The snapshots of one dataset folder, loaded with one ``on_error`` mode.

    Parameters
    ----------
    folder : str or Path
        The dataset folder.
    on_error : {"raise", "reject"}
    root : Path
        The cache folder (see :func:`cache_root`).
    """

    def __init__(self, folder: str | Path, on_error: str, root: Path):
        self.folder = Path(folder)
        resolved = str(self.folder.resolve())
        self.where = root / hashlib.sha256(resolved.encode()).hexdigest()[:24] / on_error
        # the folder as given too: problems and rejected rows name files the way the user wrote the folder
        self.key = {"format": FORMAT, "folder": resolved, "given": str(self.folder), "on_error": on_error,
                    "code": code_fingerprint()}

    @classmethod
    def for_dataset(cls, folder: str | Path, on_error: str) -> SnapshotStore | None:
        """The store of a dataset, or None when snapshots are off or the cache folder lies inside the dataset."""
        root = cache_root()
        if root is None:
            return None
        if root.resolve().is_relative_to(Path(folder).resolve()):  # never write into an input folder
            return None
        return cls(folder, on_error, root)

    def fingerprint(self) -> dict:
        """The key of the snapshot the inputs call for now."""
        return {**self.key, "inputs": input_fingerprint(self.folder)}

    def load(self, key: dict, free_text: bool):
        """The snapshot made for exactly ``key``, or None (none yet, another key, or unreadable).

        A snapshot made without the free-text columns serves only a load that does not want them.

        Returns
        -------
        tuple or None
            ``(tables, files, report, opt_out, arrays)``: the typed tables as Arrow tables, the rest
            as :func:`influence_lib.dataset.load_dataset` builds them; ``arrays``: ``parents`` (the arrays of
            :meth:`influence_lib.dataset.Dataset.parents`), ``posts`` (a :class:`PostArrays`) and
            ``accounts`` (an :class:`AccountArrays`), memory-mapped.
        """
        try:
            pointer = self._pointer(key)
            if pointer is None or (free_text and not pointer.get("free_text")):
                return None
            return self._read(self.where / pointer["snapshot"], pointer, free_text)
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
            return None  # no snapshot, or one being replaced: the caller loads the files

    def load_view(self, key: dict, members: bool = False) -> SnapshotView | None:
        """What a ranking reads of the snapshot made for ``key`` (see :class:`SnapshotView`), or None.

        ``members``: read the members table too (a member ranking needs their names).
        """
        try:
            pointer = self._pointer(key)
            if pointer is None:
                return None
            where = self.where / pointer["snapshot"]
            report = _read_report(where, files={})
            return SnapshotView(_read_table(where / "organizations.arrow"),
                                _read_table(where / "members.arrow") if members else None,
                                _read_arrays(where, pointer["arrays"]), report, _opt_out(pointer))
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
            return None

    def _pointer(self, key: dict) -> dict | None:
        pointer = json.loads((self.where / "current.json").read_text(encoding="utf-8"))
        return pointer if pointer.get("key") == key else None

    def _read(self, where: Path, pointer: dict, free_text: bool):
        skip = () if free_text else tuple(TABLES["posts"].free_text_columns)
        tables = {name: _read_table(where / f"{name}.arrow", skip if name == "posts" else ())
                  for name in TABLE_NAMES}
        arrays = _read_arrays(where, pointer["arrays"])
        tables["posts"] = _posts_table(tables["posts"], arrays, tables["accounts"])
        files = {}
        for name, info in pointer["files"].items():
            extra = {key: np.load(where / f"{name}.{key}.npy") for key in ("lines", "row_parts") if info[key]}
            # a full snapshot serving a load without texts: its posts say which columns were left out
            skipped = tuple(info["skipped"]) or (skip if name == "posts" else ())
            files[name] = TableFile(name, self.folder / info["path"], info["format"], info["rows"],
                                    extra.get("lines"), skipped, tuple(self.folder / p for p in info["parts"]),
                                    extra.get("row_parts"))
        report = _read_report(where, files)
        return tables, files, report, _opt_out(pointer), arrays

    def save_in_background(self, key: dict, checked, free_text: bool) -> dict:
        """Write the snapshot of checked tables in a (non-daemon) thread; return their arrays, computed meanwhile.

        ``checked``: a :class:`influence_lib.dataset.CheckedTables`. The thread writes the tables
        while this thread computes ``checked.arrays()`` (which scoring reads at once), then the
        arrays. The interpreter waits for it at exit, and :func:`wait_for_writers` waits for every
        such thread of the process. The tables are Arrow tables (never changed in place); the thread
        writes shallow copies of the report's frames (copy-on-write: no data copied), so a caller
        that changes them meanwhile changes nothing written.
        """
        report = checked.report
        report = ValidationReport(**{name: getattr(report, name).copy(deep=False) for name in _REPORT_FRAMES},
                                  files=dict(report.files))
        arrays = Future()
        tables = dict(checked.tables, posts=_written_posts(checked.tables["posts"]))  # the thread keeps what it writes
        args = (key, tables, dict(checked.files), report, checked.opt_out, free_text, arrays)
        thread = threading.Thread(target=self.save, args=args, name="influence-snapshot")
        with _WRITERS_LOCK:
            _WRITERS.add(thread)
        thread.start()
        try:
            found = checked.arrays()
        except BaseException as exc:
            arrays.set_exception(exc)
            raise
        arrays.set_result(found)
        return found

    def save(self, key: dict, tables: dict, files: dict, report: ValidationReport, opt_out: OptOut,
             free_text: bool, arrays: dict | Future) -> None:
        """Write a snapshot for ``key`` and publish it; any failure leaves the previous state (never half a snapshot).

        ``tables``: the typed Arrow tables as written (see :func:`influence_lib.validation.validate_tables`;
        the posts without the columns the arrays hold, :func:`_written_posts`), by name; the dict
        is emptied as they are written (each freed as soon as it is on disk).
        ``arrays``: as :meth:`influence_lib.dataset.CheckedTables.arrays` gives them (``parents``
        a dict of numpy arrays, ``posts`` a :class:`PostArrays`, ``accounts`` an :class:`AccountArrays`),
        or a :class:`~concurrent.futures.Future` of them: the tables are written while the caller
        computes them. A future that fails leaves no snapshot.
        """
        target = self.where / f"snap-{uuid.uuid4().hex}"
        try:
            target.mkdir(parents=True)
            for name in sorted(TABLE_NAMES, key=lambda n: n != "posts"):  # the largest first, let go once written
                _write_table(tables.pop(name), target / f"{name}.arrow")
            if isinstance(arrays, Future):  # computed by the caller meanwhile
                arrays = arrays.result()
            arrays = {group: found if isinstance(found, dict) else found.arrays() for group, found in arrays.items()}
            for group, named in arrays.items():
                for name, values in named.items():
                    np.save(target / f"array.{group}.{name}.npy", values)
            arrays_index = {group: sorted(named) for group, named in arrays.items()}
            for name in _REPORT_FRAMES:
                _write_frame(getattr(report, name), target / f"report-{name}.arrow")
            info = {}
            for name, source in files.items():
                info[name] = {"path": source.path.relative_to(self.folder).as_posix(), "format": source.format,
                              "rows": source.rows, "skipped": list(source.skipped),
                              "parts": [p.relative_to(self.folder).as_posix() for p in source.parts],
                              "lines": source.lines is not None, "row_parts": source.row_parts is not None}
                for extra in ("lines", "row_parts"):
                    if getattr(source, extra) is not None:
                        np.save(target / f"{name}.{extra}.npy", getattr(source, extra))
            pointer = {"key": key, "snapshot": target.name, "free_text": free_text, "files": info,
                       "opt_out": asdict(opt_out), "arrays": arrays_index}
            staged = self.where / f".current.{target.name}.json"
            staged.write_text(json.dumps(pointer), encoding="utf-8")
            os.replace(staged, self.where / "current.json")
        except Exception:  # noqa: BLE001 (whatever failed, the previous snapshot stays; the caller never waits on it)
            _remove(target)
            return
        finally:
            with _WRITERS_LOCK:
                _WRITERS.discard(threading.current_thread())
        for old in self.where.glob("snap-*"):  # readers that mapped them keep their pages (POSIX)
            if old.name != target.name:
                _remove(old)


@dataclass(frozen=True)
class SnapshotView:
    """What a ranking reads of a snapshot: the organisations, the arrays scoring reads, the problems, the opt-out.

    Everything is read (or mapped) at once: a newer snapshot may replace this one meanwhile.

    Attributes
    ----------
    organizations : pyarrow.Table
        The typed organisations table.
    members : pyarrow.Table or None
        The typed members table, when asked for.
    arrays : dict
        ``parents``, ``posts``, ``accounts``: as :meth:`SnapshotStore.load` returns them.
    report : ValidationReport
        The validation report, without its ``files`` (which name the files the tables were read from).
    opt_out : OptOut
    """

    organizations: pa.Table
    members: pa.Table | None
    arrays: dict
    report: ValidationReport
    opt_out: OptOut


def _read_arrays(where: Path, index: dict) -> dict:
    """The arrays a pointer lists (``{group: [names]}``), memory-mapped read-only: parents as a dict, posts and accounts as objects."""
    arrays = {}
    for group, kind in _ARRAYS.items():
        named = {name: _map_npy(where / f"array.{group}.{name}.npy") for name in index[group]}
        arrays[group] = named if kind is None else kind.from_arrays(named)
    return arrays


def _map_npy(path: Path) -> np.ndarray:
    """A ``.npy`` file as a read-only array over its memory-mapped bytes, its pages mapped at once.

    Like ``numpy.load(mmap_mode="r")``, with ``MAP_POPULATE`` where the system has it: a ranking
    reads every page, and mapping them in one call spares a page fault per page (a third of the
    loop's time on 10^7 posts went to the kernel). A plain ``ndarray``: slicing a ``numpy.memmap``
    costs more.
    """
    with path.open("rb") as fh:
        read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}.get(np.lib.format.read_magic(fh))
        if read_header is None:  # a layout np.save does not write for plain arrays
            return np.load(path, mmap_mode="r")
        shape, fortran, dtype = read_header(fh)
        offset = fh.tell()
        count = int(np.prod(shape, dtype=np.int64))
        if count == 0 or dtype.hasobject or fortran:
            return np.load(path, mmap_mode="r") if count else np.load(path)
        flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)
        mapped = mmap.mmap(fh.fileno(), 0, flags=flags, prot=mmap.PROT_READ)
    return np.frombuffer(mapped, dtype=dtype, count=count, offset=offset).reshape(shape)


def _read_report(where: Path, files: dict) -> ValidationReport:
    return ValidationReport(**{name: _read_frame(where / f"report-{name}.arrow") for name in _REPORT_FRAMES},
                            files=files)


def _opt_out(pointer: dict) -> OptOut:
    return OptOut(**{**pointer["opt_out"], "unmatched_lines": tuple(pointer["opt_out"]["unmatched_lines"])})


def _write_frame(frame: pd.DataFrame, path: Path) -> None:
    _write_table(pa.Table.from_pandas(frame, preserve_index=False, nthreads=1), path)  # no pool: it may run at exit


def _write_table(table: pa.Table, path: Path) -> None:
    """A typed table as an Arrow file; a dictionary column stays one, its chunks' dictionaries made one (an Arrow file holds one per column)."""
    table = table.unify_dictionaries()
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=1 << 20)


def _written_posts(posts: pa.Table) -> pa.Table:
    """The columns of the posts table a snapshot writes: those the arrays do not hold (see :func:`_posts_table`)."""
    return posts.drop_columns([c for c in _POSTS_FROM_ARRAYS if c in posts.column_names])


def _posts_table(stored: pa.Table, arrays: dict, accounts: pa.Table) -> pa.Table:
    """The typed posts table: the columns written, and those rebuilt from the arrays, in the contract's order."""
    columns = {name: stored[name] for name in stored.column_names}
    columns.update(arrays["posts"].columns())
    columns["account_id"] = accounts["account_id"].take(pa.array(arrays["parents"]["posts"]))
    names = [name for name in TABLES["posts"].column_names if name in columns]
    return pa.table([columns[name] for name in names], names=names)


def _read_table(path: Path, skip: tuple[str, ...] = ()) -> pa.Table:
    with pa.memory_map(str(path)) as source:
        table = pa.ipc.open_file(source).read_all()
    return table.drop_columns([c for c in skip if c in table.column_names])


def _read_frame(path: Path) -> pd.DataFrame:
    return _read_table(path).to_pandas(split_blocks=True)  # the pandas metadata _write_frame kept


def _remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
