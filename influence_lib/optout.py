"""The opt-out list: people who asked to be left out, removed from the tables before anything is computed."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from influence_lib.arrow import TEXT, frame_of, value_mask
from influence_lib.errors import DatasetError
from influence_lib.inputs import read_input_bytes

OPT_OUT_FILE = "opt-out.csv"
OPT_OUT_COLUMNS = ("member_id", "handle")
TABLES_REMOVED_FROM = ("organizations", "members", "accounts", "posts")

# the host of a profile address -> the platform whose accounts it may name
_PLATFORM_HOSTS = {"linkedin.com": "linkedin", "twitter.com": "twitter", "x.com": "twitter", "bsky.app": "bluesky"}
# path words before the name in a profile address: /in/<name>/ (LinkedIn), /profile/<name> (Bluesky)
_PROFILE_WORDS = {"in", "pub", "profile"}
_LOOKS_LIKE_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.|[\w-]+(?:\.[\w-]+)*\.(?:com|app)/)", re.IGNORECASE)
_MAX_SHOWN = 20  # problems listed in one message


@dataclass(frozen=True)
class OptOutRow:
    """One row of ``opt-out.csv``: the person it names, by member id, by handle, or both."""

    line: int
    member_id: str = ""
    handle: str = ""


@dataclass(frozen=True)
class OptOut:
    """What the opt-out list did to a dataset: counts only, never who.

    Attributes
    ----------
    file : str or None
        ``"opt-out.csv"`` when the dataset has one, else None (nothing was removed).
    sha256 : str or None
        Checksum of the list, so that a run can be matched with the list it honoured.
    rows : int
        Rows of the list (one person each; a person named twice counts twice).
    people : int
        Distinct people found in the dataset and removed.
    removed : dict[str, int]
        Rows removed per table (``organizations`` always 0: an organisation is not a person).
    unmatched_lines : tuple of int
        Lines of the list that name nobody in this dataset (a warning, not an error).
    """

    file: str | None = None
    sha256: str | None = None
    rows: int = 0
    people: int = 0
    removed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES_REMOVED_FROM, 0))
    unmatched_lines: tuple[int, ...] = ()

    @property
    def unmatched(self) -> int:
        """Rows of the list that name nobody in the dataset."""
        return len(self.unmatched_lines)

    def manifest_entry(self) -> dict:
        """The counts as written in a report's ``manifest.json`` (no id, no handle, no name)."""
        return {"file": self.file, "sha256": self.sha256, "rows": self.rows, "people": self.people,
                "members": self.removed["members"], "accounts": self.removed["accounts"],
                "posts": self.removed["posts"], "unmatched_rows": self.unmatched,
                "unmatched_lines": list(self.unmatched_lines)}

    def describe(self) -> str:
        """One English sentence for the terminal, e.g. ``opt-out.csv: 2 people left out (...)``."""
        if self.file is None:
            return "no opt-out.csv: nobody left out"
        text = (f"{self.file}: {_plural(self.people, 'person', 'people')} left out before scoring "
                f"({_plural(self.removed['members'], 'member')}, {_plural(self.removed['accounts'], 'account')}, "
                f"{_plural(self.removed['posts'], 'post')} removed)")
        if self.unmatched:
            lines = ", ".join(map(str, self.unmatched_lines[:_MAX_SHOWN]))
            text += (f"; {_plural(self.unmatched, 'row')} name{'s' if self.unmatched == 1 else ''} nobody in this "
                     f"dataset (line{'s' if self.unmatched != 1 else ''} {lines}"
                     f"{', ...' if self.unmatched > _MAX_SHOWN else ''}): check the member_id or handle")
        return text


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def handle_key(handle: str) -> tuple[str | None, str]:
    """The form in which an opt-out handle and an account handle are compared.

    Case is ignored (``casefold``), Unicode is NFC-normalised, surrounding spaces and a leading
    ``@`` are dropped, and a profile address is reduced to the name it holds: the path segment
    after ``/in/``, ``/pub/`` or ``/profile/`` when there is one, else the first path segment;
    ``%``-escapes are decoded, query strings and fragments ignored. An address on linkedin.com,
    twitter.com, x.com or bsky.app (any sub-domain) also gives the platform, so that it names only
    accounts of that platform; a bare handle names accounts of every platform.

    Parameters
    ----------
    handle : str
        ``@Jane_Doe``, ``jane_doe``, ``https://www.linkedin.com/in/jane-doe/``,
        ``linkedin.com/in/jane-doe?trk=x``, ``https://bsky.app/profile/jane.bsky.social``...

    Returns
    -------
    platform : str or None
        ``linkedin``, ``twitter``, ``bluesky``, or None when the text does not say.
    name : str
        The normalised name (``""`` when there is none, e.g. a bare site address).

    Examples
    --------
    >>> handle_key("https://www.linkedin.com/in/Jane-Doe/")
    ('linkedin', 'jane-doe')
    >>> handle_key("@Jane_Doe")
    (None, 'jane_doe')
    """
    text = unicodedata.normalize("NFC", str(handle)).strip()
    platform = None
    if _LOOKS_LIKE_URL.match(text):
        parts = urlsplit(text if "://" in text else f"https://{text}")
        host = (parts.hostname or "").lower()
        platform = next((p for h, p in _PLATFORM_HOSTS.items() if host == h or host.endswith("." + h)), None)
        segments = [unquote(s) for s in parts.path.split("/") if s]
        if segments and segments[0].lower() in _PROFILE_WORDS:
            text = segments[1] if len(segments) > 1 else ""
        else:
            text = segments[0] if segments else ""
    return platform, unicodedata.normalize("NFC", text.strip().lstrip("@").strip()).casefold()


# --- reading the list ---------------------------------------------------------------------------

def _decode(path: Path, raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DatasetError(f"{path}: the file is UTF-16 text; save it as UTF-8 (in a spreadsheet: \"CSV UTF-8\").")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DatasetError(
            f"{path}: line {line}: byte 0x{raw[exc.start]:02x} is not UTF-8 text (probably Windows-1252 or "
            f"Latin-1); save it as UTF-8 (in a spreadsheet: \"CSV UTF-8\")."
        ) from None


def _refuse(path: Path, problems: list[str]) -> DatasetError:
    shown = problems[:_MAX_SHOWN]
    more = f"\n  ... and {len(problems) - _MAX_SHOWN} more" if len(problems) > _MAX_SHOWN else ""
    return DatasetError(
        f"{path}: the opt-out list cannot be honoured exactly, so nothing is computed until it is fixed "
        f"(a person who asked to be left out must never be kept because of a typo):\n  "
        + "\n  ".join(shown) + more
    )


def read_opt_out(folder: str | Path) -> list[OptOutRow] | None:
    """Read ``opt-out.csv`` of a dataset folder.

    The file is UTF-8 (a byte-order mark is fine), separated by ``,`` or ``;`` (whichever the
    header holds more of), with a header naming ``member_id``, ``handle`` or both; other columns
    (a date, a note) are allowed and ignored. Empty lines are skipped.

    Parameters
    ----------
    folder : str or Path
        The dataset folder.

    Returns
    -------
    list of OptOutRow or None
        None when the folder has no ``opt-out.csv``.

    Raises
    ------
    DatasetError
        Unreadable bytes, no ``member_id`` nor ``handle`` column, a row with the wrong number of
        fields, a row that fills neither column: every bad row, with its line.
    """
    path = Path(folder) / OPT_OUT_FILE
    if not path.exists():
        return None
    text = _decode(path, read_input_bytes(path, Path(folder), DatasetError))  # a plain file, inside the folder
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=_separator(text))
    header = next(reader, None)
    names = [name.strip() for name in header or []]
    if not any(name in OPT_OUT_COLUMNS for name in names):
        raise DatasetError(
            f"{path}: line 1: the header needs a column member_id or handle (or both), one person per row "
            f"(columns found: {', '.join(n for n in names if n) or 'none'}; names are case-sensitive)."
        )
    repeated = sorted({n for n in names if n in OPT_OUT_COLUMNS and names.count(n) > 1})
    if repeated:
        raise DatasetError(f"{path}: line 1: column {', '.join(repeated)} appears more than once; keep one.")
    where = {name: names.index(name) for name in OPT_OUT_COLUMNS if name in names}
    rows, problems, last = [], [], reader.line_num
    for fields in reader:
        line, last = last + 1, reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(names):
            problems.append(f"line {line}: {len(fields)} field{'s' if len(fields) != 1 else ''}, the header has "
                            f"{len(names)}; check the separators and quotes")
            continue
        values = {name: fields[i].strip() for name, i in where.items()}
        row = OptOutRow(line, values.get("member_id", ""), values.get("handle", ""))
        if not row.member_id and not handle_key(row.handle)[1]:
            problems.append(f"line {line}: names nobody; fill member_id or handle "
                            f"({'a handle needs a name, not only a site address' if row.handle else 'both are empty'})")
            continue
        rows.append(row)
    if problems:
        raise _refuse(path, problems)
    return rows


def _separator(text: str) -> str:
    header = text.splitlines()[0] if text else ""
    return ";" if header.count(";") > header.count(",") else ","


# --- removing the people ----------------------------------------------------------------------

def _text(values: pd.Series) -> pd.Series:
    """A column as stripped text, missing as ``""`` (ids may be integers in Parquet)."""
    return values.astype("str").fillna("").str.strip()


def _isin(values: pa.ChunkedArray, keys: set[str]) -> np.ndarray:
    """``values`` (an Arrow column, as stripped text) found in ``keys``, with Arrow's kernels."""
    if not keys or not len(values):
        return np.zeros(len(values), dtype=bool)
    wanted = pa.array(sorted(keys), type=TEXT)
    return value_mask(values, lambda text: pc.is_in(pc.utf8_trim_whitespace(text), value_set=wanted))


def _account_index(accounts: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    """Normalised handle name -> ``(platform, member_id)`` of every account that has it."""
    index: dict[str, list[tuple[str, str]]] = {}
    if "handle" not in accounts.columns:
        return index
    platforms = _text(accounts["platform"]).str.lower() if "platform" in accounts.columns else pd.Series("", index=accounts.index)
    owners = _text(accounts["member_id"]) if "member_id" in accounts.columns else pd.Series("", index=accounts.index)
    for handle, platform, owner in zip(accounts["handle"].astype("str").fillna(""), platforms, owners):
        name = handle_key(handle)[1]
        if name:
            index.setdefault(name, []).append((platform, owner))
    return index


def _person(row: OptOutRow, member_ids: set[str], handles: dict) -> tuple[str | None, str | None]:
    """The member a row names, or None; and a problem when the row is ambiguous or contradicts itself."""
    by_id = row.member_id if row.member_id in member_ids else None
    owners: set[str] = set()
    if row.handle:
        platform, name = handle_key(row.handle)
        owners = {owner for p, owner in handles.get(name, []) if platform is None or p == platform}
    if by_id is not None:
        if owners and by_id not in owners:
            return None, (f"line {row.line}: member_id {row.member_id!r} and handle {row.handle!r} name two different "
                          f"people (the handle is an account of member {', '.join(sorted(owners))}); a row names one "
                          f"person: correct one of them, or write one row per person")
        return by_id, None
    if len(owners) > 1:
        return None, (f"line {row.line}: handle {row.handle!r} matches accounts of several members "
                      f"({', '.join(sorted(owners))}); add the member_id of the person who asked")
    return (owners.pop() if owners else None), None


def remove_opted_out(folder: str | Path, frames: dict[str, pa.Table], files: dict
                     ) -> tuple[dict[str, pa.Table], dict, OptOut]:
    """Remove the people of ``opt-out.csv`` from a dataset's tables, before validation and scoring.

    A row names one person: by ``member_id``, by ``handle`` (see :func:`handle_key`; the handle of
    any of the person's accounts), or both. That person's row of ``members``, every account of
    theirs and every post of those accounts are removed; their organisation stays. A row that names
    nobody in this dataset is counted (``OptOut.unmatched_lines``), not an error.

    Parameters
    ----------
    folder : str or Path
        The dataset folder (where ``opt-out.csv`` is looked for).
    frames : dict of pyarrow.Table
        The four tables as read (see :func:`influence_lib.readers.read_stored_tables`).
    files : dict of TableFile
        Where each table was read from; the line numbers of the rows kept stay those of the file.

    Returns
    -------
    frames : dict of pyarrow.Table
        The tables without those rows (the same objects when nothing was removed).
    files : dict of TableFile
        With ``rows`` and line numbers of the rows kept.
    opt_out : OptOut
        The counts.

    Raises
    ------
    DatasetError
        A bad row in the list (see :func:`read_opt_out`), a row whose member_id and handle name
        two different people, or a handle shared by several members without a member_id.
    """
    path = Path(folder) / OPT_OUT_FILE
    rows = read_opt_out(folder)
    if rows is None:
        return frames, files, OptOut()
    members, accounts = (frame_of(frames[name]) for name in ("members", "accounts"))  # the people: a few rows
    member_ids = set(_text(members["member_id"])) if "member_id" in members.columns else set()
    handles = _account_index(accounts) if any(r.handle for r in rows) else {}
    people, unmatched, problems = set(), [], []
    for row in rows:
        person, problem = _person(row, member_ids, handles)
        if problem:
            problems.append(problem)
        elif person is None:
            unmatched.append(row.line)
        else:
            people.add(person)
    if problems:
        raise _refuse(path, problems)
    drop = {name: _isin(frames[name]["member_id"], people) if "member_id" in frames[name].column_names else None
            for name in ("members", "accounts")}
    gone_accounts = set(_text(accounts["account_id"])[drop["accounts"]]) if drop["accounts"] is not None else set()
    posts = frames["posts"]
    drop["posts"] = _isin(posts["account_id"], gone_accounts) if "account_id" in posts.column_names else None
    frames, files, removed = dict(frames), dict(files), dict.fromkeys(TABLES_REMOVED_FROM, 0)
    for name, mask in drop.items():
        if mask is None or not mask.any():
            continue
        keep = ~mask
        source = files[name]
        frames[name] = frames[name].filter(pa.array(keep))
        files[name] = source.subset(keep)
        removed[name] = int(mask.sum())
    return frames, files, OptOut(OPT_OUT_FILE, hashlib.sha256(path.read_bytes()).hexdigest(), len(rows),
                                 len(people), removed, tuple(unmatched))
