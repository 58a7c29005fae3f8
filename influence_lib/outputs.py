"""Where outputs go: inputs never overwritten, one writer per report folder, stale staging removed, checksums."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from influence_lib.errors import InfluenceError

MANIFEST = "manifest.json"
OPT_OUT = "opt-out.csv"


class OutputPathError(InfluenceError):
    """An output path is, replaces, contains or lies inside an input of the run (exit status 2)."""

    exit_status = 2


class OutputBusyError(InfluenceError):
    """Another run is writing the same report folder."""


# --- inputs are never written ------------------------------------------------------------------

def run_inputs(data_dir: str | Path, methodology_file: str | Path | None = None) -> list[Path]:
    """Every path a run reads: the dataset folder, its tables (CSV, Parquet, ``posts/``), ``dataset.yml``, the rest.

    Names are listed whether they exist or not: writing ``posts.parquet`` beside ``posts.csv``
    would make the dataset ambiguous, which destroys it as surely as overwriting it.

    Parameters
    ----------
    data_dir : str or Path
        The dataset folder.
    methodology_file : str or Path, optional
        The methodology YAML file of the run, if any.

    Returns
    -------
    list of Path
        The dataset folder first, then the files and folders inside it, then the methodology file.
    """
    from influence_lib.schema import TABLE_NAMES

    folder = Path(data_dir)
    paths = [folder, folder / "dataset.yml", folder / OPT_OUT, folder / "posts"]
    paths += [folder / f"{name}.{ext}" for name in TABLE_NAMES for ext in ("csv", "parquet")]
    if methodology_file:
        paths.append(Path(methodology_file))
    return paths


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path)).resolve()


def _same(a: Path, b: Path) -> bool:
    if _absolute(a) == _absolute(b):
        return True
    try:  # hard links, case-insensitive file systems
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_output_path(path: str | Path, inputs: list[Path], option: str) -> None:
    """Refuse an output path that is an input, would replace a folder holding one, or lies inside an input.

    The dataset folder (``inputs[0]``) may hold outputs (a project whose tables sit beside its
    ``outputs/``), but never be one, nor lie inside one; every other input may neither be an
    output nor hold one.

    Parameters
    ----------
    path : str or Path
        The file or folder the run would write (or replace).
    inputs : list of Path
        From :func:`run_inputs`; the first is the dataset folder.
    option : str
        How the user named the path (``"--rejected"``, ``"--out"``), for the message.

    Raises
    ------
    OutputPathError
        Naming the path, the input and what to do.
    """
    path = Path(path)
    out = _absolute(path)
    dataset = inputs[0]
    for source in inputs:
        src = _absolute(source)
        what = _describe(source, dataset)
        if _same(path, source):
            raise OutputPathError(f"{option} {path} is {what}, an input of this run: writing there would destroy "
                                  f"it; choose a path outside the dataset {dataset}")
        if src.is_relative_to(out):
            raise OutputPathError(f"{option} {path} would replace a folder that holds {what} ({source}), an input "
                                  f"of this run; choose another path")
        if source != dataset and out.is_relative_to(src) and src.exists():
            raise OutputPathError(f"{option} {path} lies inside {what} ({source}), an input of this run; "
                                  f"choose a path outside it")


def _describe(source: Path, dataset: Path) -> str:
    from influence_lib.schema import TABLE_NAMES

    if source == dataset:
        return "the dataset folder"
    if source.parent == dataset and source.name == "dataset.yml":
        return "the dataset's settings"
    if source.parent == dataset and source.name == OPT_OUT:
        return "the dataset's opt-out list"
    if source.parent == dataset and (source.stem in TABLE_NAMES or source.name == "posts"):
        return f"the dataset's table {source.name}"
    return "the methodology file"


def check_synth_folder(out_dir: str | Path, settings: dict) -> None:
    """Refuse to write a synthetic dataset over a dataset that ``synth`` did not write.

    A folder already holding tables or a ``dataset.yml`` is accepted only when its ``dataset.yml``
    starts with the mark ``synth`` writes (:data:`influence_lib.synth.SYNTH_MARKER`), or holds the
    settings ``synth`` writes (rewriting the sample, or another synthetic dataset, stays possible;
    a real dataset's tables are never replaced).

    Parameters
    ----------
    out_dir : str or Path
        The ``--out`` folder of ``synth``.
    settings : dict
        The content of the ``dataset.yml`` that ``synth`` writes.

    Raises
    ------
    OutputPathError
        When the folder holds another dataset, or is a file.
    """
    import yaml

    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise OutputPathError(f"--out {folder} is a file: give a folder for the synthetic dataset")
    held = [p for p in run_inputs(folder)[1:] if p.exists()]
    if not held:
        return
    from influence_lib.synth import SYNTH_MARKER

    try:
        text = (folder / "dataset.yml").read_text(encoding="utf-8")
        ours = text.startswith(SYNTH_MARKER) or yaml.safe_load(text) == \
            yaml.safe_load(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        ours = False
    if not ours:
        names = ", ".join(p.name for p in held)
        raise OutputPathError(f"--out {folder} holds a dataset that synth did not write ({names}); synth would "
                              f"replace its tables: give a new or empty folder")


def check_report_paths(data: Path, out_dir: str | Path, sectors: list[str], edition: str,
                       methodology_file: str | None = None, rejected_file: str | Path | None = None) -> None:
    """Refuse, before anything is read or written, outputs that would overwrite or hold an input of the run.

    Checked: each report folder ``OUT/<sector>/<edition>`` (replaced as a whole at the end of a
    run) and its staging, backup and lock paths, and ``rejected_file``, which may not lie in a
    report folder either (the swap would remove it, or ``verify`` would find it unlisted).

    Parameters
    ----------
    data : Path
        The dataset folder.
    out_dir : str or Path
        The output root (``--out``).
    sectors : list of str
        The sectors of the run.
    edition : str
        The edition key.
    methodology_file : str, optional
        The methodology file of the run.
    rejected_file : str or Path, optional
        ``--rejected``.

    Raises
    ------
    OutputPathError
    """
    inputs = run_inputs(data, methodology_file)
    out = Path(out_dir)
    for sector in sectors:
        target = out / sector / edition
        for path in (target, target.with_name(f".{edition}.tmp-{os.getpid()}"),
                     target.with_name(f".{edition}.old-{os.getpid()}"), lock_path(target)):
            check_output_path(path, inputs, "--out" if path == target else f"--out (writing {path})")
        if rejected_file is not None:
            check_output_path(rejected_file, inputs, "--rejected")
            if Path(os.path.abspath(rejected_file)).resolve().is_relative_to(Path(os.path.abspath(target)).resolve()):
                raise OutputPathError(f"--rejected {rejected_file} lies inside the report folder {target}, which the "
                                      f"run replaces; the rejected rows are written there as rejected-rows.csv anyway")



# --- one writer per report folder --------------------------------------------------------------

def lock_path(target: Path) -> Path:
    """The lock file of a report folder: ``.<name>.lock`` beside it (outside it, so ``verify`` never sees it)."""
    return target.with_name(f".{target.name}.lock")


@dataclass
class ReportLock:
    """An exclusive ``flock`` on a report folder's lock file, held from staging to swap.

    The lock file exists while a run holds it and holds its pid (for the message a second run
    prints). The holder deletes it before releasing the lock; a run that locked a file meanwhile
    deleted sees that its file is no longer the one at the path, and tries again, so two runs
    never hold two different files. The operating system releases the lock when its holder
    dies, even by ``kill -9``; the file then stays, unlocked, and the next run takes it. Local
    file systems only (``flock`` on NFS depends on the server).
    """

    target: Path
    fd: int | None = field(default=None, repr=False)

    @property
    def path(self) -> Path:
        """The lock file."""
        return lock_path(self.target)

    def holder(self) -> str:
        """The pid written in the lock file by its holder, or ``"?"``."""
        try:
            return self.path.read_text(encoding="ascii").strip() or "?"
        except (OSError, UnicodeDecodeError):
            return "?"

    def acquire(self, wait: bool = False, on_wait=None) -> None:
        """Take the lock; when another run holds it, wait (``wait=True``) or raise :class:`OutputBusyError`.

        Parameters
        ----------
        wait : bool
            Block until the other run ends instead of refusing.
        on_wait : callable, optional
            Called with the holder's pid before blocking (to tell the user why nothing happens).
        """
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        told = False
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                        raise
                    if not wait:
                        raise OutputBusyError(
                            f"{self.target} is being written by another run (pid {self.holder()}): wait for it to "
                            f"end, or pass --wait to start when it is done") from None
                    if on_wait is not None and not told:
                        on_wait(self.holder())
                        told = True
                    fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    current = os.stat(self.path)
                except FileNotFoundError:
                    current = None
                if current is None or not os.path.samestat(current, os.fstat(fd)):
                    os.close(fd)  # its holder deleted this file on release: lock the one at the path now
                    continue
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
            except BaseException:
                os.close(fd)
                raise
            self.fd = fd
            return

    def release(self) -> None:
        """Delete the lock file and release the lock; safe to call twice."""
        if self.fd is not None:
            fd, self.fd = self.fd, None
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            finally:
                os.close(fd)


# --- staging folders left by killed runs -------------------------------------------------------

def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists and is not a zombie (a killed run not yet reaped counts as gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def remove_stale_staging(target: Path) -> list[Path]:
    """Remove the staging and backup folders of ``target`` left by runs whose process is gone.

    ``.<name>.tmp-<pid>`` is the staging folder of a run, ``.<name>.old-<pid>`` the previous
    edition during the swap. A backup is put back in place first when a run died between the two
    renames of the swap (``target`` missing). Folders of live processes are left alone. Call it
    while holding the :class:`ReportLock`.

    Parameters
    ----------
    target : Path
        The report folder (``OUT/<sector>/<edition>``).

    Returns
    -------
    list of Path
        The folders removed (or restored, for a backup).
    """
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(tmp|old)-(\d+)$")
    found = []
    if target.parent.is_dir():
        for entry in sorted(target.parent.iterdir()):
            match = pattern.match(entry.name)
            if match and entry.is_dir() and not entry.is_symlink() and int(match[2]) != os.getpid() \
                    and not pid_alive(int(match[2])):
                found.append((match[1], entry))
    done = []
    for kind, entry in found:
        if kind == "old" and not target.exists():
            entry.rename(target)  # the previous edition, complete: the swap had not put the new one in place
        else:
            shutil.rmtree(entry)
        done.append(entry)
    return done


# --- checksums and verify ----------------------------------------------------------------------

def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _files(folder: Path) -> list[str]:
    names = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            rel = (Path(root) / name).relative_to(folder).as_posix()
            if rel != MANIFEST:
                names.append(rel)
    return names


def checksum_files(folder: str | Path) -> dict[str, dict]:
    """Every file of a report folder but the manifest: ``{relative path: {"sha256": ..., "bytes": ...}}``, sorted.

    Parameters
    ----------
    folder : str or Path
        The report folder (paths are relative to it, with ``/``).

    Returns
    -------
    dict
    """
    folder = Path(folder)
    return {rel: {"sha256": sha256_file(folder / rel), "bytes": (folder / rel).stat().st_size}
            for rel in _files(folder)}


@dataclass
class Verification:
    """The result of :func:`verify_report`: files missing, changed or not listed, and how many matched."""

    folder: Path
    matched: int
    missing: list[str]
    changed: list[str]
    unlisted: list[str]

    @property
    def ok(self) -> bool:
        """True when every listed file is there, unchanged, and no other file is."""
        return not (self.missing or self.changed or self.unlisted)


def verify_report(folder: str | Path) -> Verification:
    """Check a report folder against the SHA-256 sums its ``manifest.json`` lists.

    Parameters
    ----------
    folder : str or Path
        A report folder (``OUT/<sector>/<edition>``).

    Returns
    -------
    Verification

    Raises
    ------
    InfluenceError
        When the folder has no readable manifest, or a manifest without checksums.
    """
    folder = Path(folder)
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InfluenceError(f"{path}: no such file; give a report folder written by `influence report` "
                             f"(OUT/<sector>/<edition>)") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InfluenceError(f"{path}: not a readable manifest ({exc}); the folder cannot be verified") from None
    listed = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(listed, dict) or not all(isinstance(v, dict) and isinstance(v.get("sha256"), str)
                                               for v in listed.values()):
        raise InfluenceError(f"{path} lists no file checksums (written by an older version of influence?): "
                             f"run the report again to get a manifest that can be verified")
    present = set(_files(folder))
    missing = sorted(set(listed) - present)
    unlisted = sorted(present - set(listed))
    changed = sorted(rel for rel in set(listed) & present if sha256_file(folder / rel) != listed[rel]["sha256"])
    matched = len(set(listed) & present) - len(changed)
    return Verification(folder, matched, missing, changed, unlisted)


# --- outputs without local paths, or without texts ---------------------------------------------

PATH_PARAMETERS = ("data_dir", "out_dir", "methodology_file")


def record_without_paths(path: Path, run) -> None:
    """Rewrite an executed notebook so that it records no local path.

    papermill stores the parameters twice, both with the values the kernel got: as the source
    of the cell it injects (tagged ``injected-parameters``) and in ``metadata.papermill.parameters``;
    it also stores ``input_path`` and ``output_path``. They become ``run.recorded`` and paths
    relative to the package (the template) and to the report folder (the copy). Any output text
    holding one of the replaced paths gets the same replacement.

    Parameters
    ----------
    path : Path
        The executed notebook.
    run : influence_lib.report.NotebookRun
        Its run: ``parameters`` as executed, ``shown`` as recorded.
    """
    import nbformat
    from papermill.translators import translate_parameters

    nb = nbformat.read(path, as_version=4)
    recorded = run.recorded
    swaps = sorted(((str(run.parameters[k]), str(v)) for k, v in run.shown.items()
                    if k in PATH_PARAMETERS and run.parameters.get(k)), key=lambda kv: -len(kv[0]))

    def clean(text):
        if isinstance(text, list):
            return [clean(t) for t in text]
        if isinstance(text, str):
            for old, new in swaps:
                text = text.replace(old, new)
        return text

    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = translate_parameters("python3", "python", recorded, "Parameters")
        for output in cell.get("outputs", []):
            for key in ("text", "evalue", "traceback"):
                if key in output:
                    output[key] = clean(output[key])
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/"):
                    output["data"][mime] = clean(value)
    meta = nb.metadata.setdefault("papermill", {})
    meta["parameters"] = recorded
    meta["input_path"] = f"notebooks/{run.template}.ipynb"
    meta["output_path"] = f"notebooks/{run.name}.ipynb"
    nbformat.write(nb, path)


def _rejected_rows(report, dataset_dir: Path, no_texts: bool):
    """The rejected rows to write: ``file`` as ``<dataset name>/<file>``; without post texts when ``no_texts``."""
    rejected = report.rejected
    if rejected.empty:
        return rejected
    root = Path(dataset_dir)

    def name(file: str) -> str:
        path = Path(file)
        inside = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        return f"{root.name}/{inside}"

    def drop_text(record: str) -> str:
        row = json.loads(record)
        row.pop("text", None)
        return json.dumps(row, ensure_ascii=False)

    rejected = rejected.assign(file=rejected["file"].map(name))
    return rejected.assign(record=rejected["record"].map(drop_text)) if no_texts else rejected


def write_rejected(report, path: str | Path, dataset_dir: str | Path, no_texts: bool = False) -> Path:
    """Write the rows validation set aside, with no local path and, when ``no_texts``, no post text.

    Parameters
    ----------
    report : influence_lib.validation.ValidationReport
        The dataset's validation report.
    path : str or Path
        Where to write the CSV file.
    dataset_dir : str or Path
        The dataset folder: ``file`` becomes ``<its name>/<file in it>``.
    no_texts : bool
        Take the ``text`` field out of each record.

    Returns
    -------
    Path
    """
    from influence_lib.export import write_table

    return write_table(_rejected_rows(report, Path(dataset_dir), no_texts), path)
