"""Pseudonymisation: the same dataset with keyed-hash ids, invented names, no URLs and (by default) no texts."""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import unicodedata
from pathlib import Path

import pandas as pd

from influence_lib.errors import InfluenceError
from influence_lib.schema import TABLE_NAMES, TABLES

MIN_KEY_BYTES = 16
ID_PREFIXES = {"organizations": "org-", "members": "mbr-", "accounts": "acc-", "posts": "post-"}
ID_LENGTHS = (16, 32, 64)  # hex digits of an id; longer only if a shorter form would make two ids equal

FIRST_NAMES = {
    "f": ("Alice", "Camille", "Chloé", "Claire", "Élise", "Emma", "Hélène", "Inès", "Julie", "Léa", "Lucie",
          "Manon", "Marie", "Nadia", "Pauline", "Sarah", "Sophie", "Valérie", "Yasmine", "Zoé"),
    "m": ("Antoine", "Bruno", "David", "Éric", "François", "Hugo", "Julien", "Karim", "Laurent", "Louis", "Marc",
          "Mathieu", "Nicolas", "Olivier", "Paul", "Pierre", "Samuel", "Thomas", "Victor", "Yann"),
    "": ("Alex", "Camille", "Charlie", "Claude", "Dominique", "Eden", "Maxime", "Morgan", "Noa", "Sacha"),
}
SYLLABLES = ("ba", "ber", "ca", "da", "del", "do", "fa", "ga", "gno", "la", "len", "li", "lo", "ma", "mi", "mon",
             "na", "ne", "no", "pa", "ra", "ri", "ro", "sa", "sel", "ta", "ti", "val", "ve", "vi", "zo", "zan")
ORGANIZATION_KINDS = ("Groupe", "Société", "Compagnie", "Entreprise", "Alliance", "Holding")


class PseudonymizeError(InfluenceError):
    """A pseudonymisation that would be unsafe (destination, key): refused before anything is written."""

    exit_status = 2


# --- the key and the destination ---------------------------------------------------------------

def read_key(path: str | Path) -> bytes:
    """The secret key: the bytes of a file, a final line break dropped.

    Parameters
    ----------
    path : str or Path
        A file of at least 16 bytes, e.g. made by ``head -c 32 /dev/urandom > key`` or
        ``openssl rand -hex 32 > key``.

    Returns
    -------
    bytes

    Raises
    ------
    PseudonymizeError
        No such file, or a key shorter than 16 bytes.
    """
    path = Path(path)
    if not path.is_file():
        raise PseudonymizeError(f"--key-file {path}: no such file; write a secret key there first, e.g. "
                                f"`openssl rand -hex 32 > {path}`, and keep it out of the dataset you share")
    key = path.read_bytes().rstrip(b"\r\n")
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymizeError(f"--key-file {path}: the key has {len(key)} bytes; use at least {MIN_KEY_BYTES} "
                                f"random bytes (e.g. `openssl rand -hex 32 > {path}`): a short key can be guessed")
    return key


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_destination(data_dir: str | Path, out_dir: str | Path) -> Path:
    """Refuse a destination that could destroy or mix with data: return it resolved.

    Parameters
    ----------
    data_dir : str or Path
        The dataset read.
    out_dir : str or Path
        The folder to write: it must not exist, or be an empty folder, and must be neither the
        dataset folder nor inside it.

    Returns
    -------
    Path

    Raises
    ------
    PseudonymizeError
    """
    data, out = Path(data_dir).resolve(), Path(out_dir).resolve()
    if _inside(out, data):
        raise PseudonymizeError(f"--out {out_dir}: {'is' if out == data else 'is inside'} the dataset folder "
                                f"{data_dir}; write the pseudonymised dataset to a new folder outside it")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        what = "a folder that is not empty" if out.is_dir() else "an existing file"
        raise PseudonymizeError(f"--out {out_dir}: is {what}; give a new (or empty) folder: nothing is ever "
                                f"written over existing files")
    return out


# --- keyed hashes and invented names ------------------------------------------------------------

def _keyed(key: bytes, purpose: str):
    """An HMAC-SHA256 of ``key`` already fed with ``purpose``: copy it, then add the value."""
    return hmac.new(key, purpose.encode("utf-8") + b"\x00", hashlib.sha256)


def _digests(key: bytes, purpose: str, values) -> dict[str, bytes]:
    base = _keyed(key, purpose)
    digests = {}
    for value in values:
        h = base.copy()
        h.update(str(value).encode("utf-8"))
        digests[value] = h.digest()
    return digests


def keyed_ids(values: pd.Series, key: bytes, table: str) -> pd.Series:
    """Replace the ids of ``table`` (or references to it) by keyed hashes.

    ``prefix + hex(HMAC-SHA256(key, table + NUL + id))[:16]``, e.g. ``mbr-3f9a0c2b71d4e815``: the
    same id and key always give the same pseudonym (so editions stay comparable), and without the
    key the pseudonym cannot be traced back. Sixteen hex digits, or more when two ids of the
    column would otherwise share one.

    Parameters
    ----------
    values : pandas.Series
        Ids of ``table``: its key column, or a column that refers to it.
    key : bytes
    table : str
        ``organizations``, ``members``, ``accounts`` or ``posts``.

    Returns
    -------
    pandas.Series
        Text, missing values kept missing.
    """
    present = values.dropna()
    digests = _digests(key, table, pd.unique(present))
    for length in ID_LENGTHS:
        mapping = {v: ID_PREFIXES[table] + d.hex()[:length] for v, d in digests.items()}
        if len(set(mapping.values())) == len(mapping):
            break
    return values.map(mapping).astype("str")


def _word(digest: bytes, start: int, syllables: int) -> str:
    return "".join(SYLLABLES[digest[start + i] % len(SYLLABLES)] for i in range(syllables)).capitalize()


def invented_member_names(members: pd.DataFrame, key: bytes) -> pd.Series:
    """An invented full name per member, from the key and the member id (first name by gender)."""
    digests = _digests(key, "member-name", members["member_id"])
    genders = members["gender"].fillna("").astype("str")
    names = []
    for member_id, gender in zip(members["member_id"], genders):
        d = digests[member_id]
        firsts = FIRST_NAMES.get(gender, FIRST_NAMES[""])
        names.append(f"{firsts[int.from_bytes(d[:4], 'big') % len(firsts)]} {_word(d, 4, 2 + d[8] % 2)}")
    return pd.Series(names, index=members.index, dtype="str")


def invented_organization_names(organizations: pd.DataFrame, key: bytes) -> pd.Series:
    """An invented, unique name per organisation, from the key and the org id."""
    digests = _digests(key, "organization-name", organizations["org_id"])
    names = pd.Series([f"{ORGANIZATION_KINDS[digests[o][0] % len(ORGANIZATION_KINDS)]} {_word(digests[o], 1, 3)}"
                       for o in organizations["org_id"]], index=organizations.index, dtype="str")
    order = organizations["org_id"].map(lambda o: digests[o]).sort_values().index  # a stable order without the ids
    repeat = names.loc[order].groupby(names.loc[order]).cumcount()
    suffix = repeat.map(lambda n: f" {n + 1}" if n else "")
    return (names + suffix.reindex(names.index)).astype("str")


def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return "-".join(part for part in "".join(c if c.isalnum() else " " for c in folded).split())


def invented_handles(accounts: pd.DataFrame, member_names: pd.Series, key: bytes) -> pd.Series:
    """An invented handle per account: the member's invented name and a keyed suffix, never a URL."""
    digests = _digests(key, "handle", accounts["account_id"])
    names = accounts["member_id"].map(member_names).fillna("membre")
    return pd.Series([f"{_ascii_slug(n)}-{digests[a].hex()[:6]}" for a, n in zip(accounts["account_id"], names)],
                     index=accounts.index, dtype="str")


# --- the whole dataset ------------------------------------------------------------------------

def pseudonymize_tables(dataset, key: bytes, keep_texts: bool = False) -> dict[str, pd.DataFrame]:
    """The four tables of a dataset, pseudonymised.

    Ids (and references) become keyed hashes (:func:`keyed_ids`); organisation names, member
    names and handles are invented from the key; post URLs are dropped; post texts are dropped
    unless ``keep_texts``. Everything a score depends on is kept as it is: sectors, segments,
    roles, role categories, gender, country, platforms, followers, publication times, kinds,
    formats and every count; so every ranking is the original's, score for score (equal scores
    may be shown in another order, since names and ids break ties).

    Parameters
    ----------
    dataset : Dataset
        A loaded dataset (its opt-outs already removed).
    key : bytes
        The secret key (see :func:`read_key`).
    keep_texts : bool
        Keep post texts as they are (they may name people: authors, colleagues, @mentions).

    Returns
    -------
    dict of pandas.DataFrame
        The four tables in the contract's column order, rows sorted by their new id; optional
        columns with no value at all are left out (an absent column reads as empty).
    """
    orgs, members = dataset.organizations.copy(), dataset.members.copy()
    accounts, posts = dataset.accounts.copy(), dataset.posts.copy()
    orgs["name"] = invented_organization_names(orgs, key)
    members["full_name"] = invented_member_names(members, key)
    names = pd.Series(members["full_name"].to_numpy(), index=members["member_id"].to_numpy())
    accounts["handle"] = invented_handles(accounts, names, key)
    posts["url"] = pd.Series(pd.NA, index=posts.index, dtype="str")
    if not keep_texts:
        posts["text"] = pd.Series(pd.NA, index=posts.index, dtype="str")
    for frame, columns in ((orgs, [("org_id", "organizations")]),
                           (members, [("member_id", "members"), ("org_id", "organizations")]),
                           (accounts, [("account_id", "accounts"), ("member_id", "members")]),
                           (posts, [("post_id", "posts"), ("account_id", "accounts")])):
        for column, table in columns:
            frame[column] = keyed_ids(frame[column], key, table)
    tables = {"organizations": orgs, "members": members, "accounts": accounts, "posts": posts}
    for name, frame in tables.items():
        spec = TABLES[name]
        keep = [c.name for c in spec.columns if c.column_required or frame[c.name].notna().any()]
        # rows in the order of their new ids: the source's row order would be one more link back
        tables[name] = frame[keep].sort_values(spec.key, kind="stable").reset_index(drop=True)
    return tables


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    if "published_at" in frame.columns:
        stamps = frame["published_at"].dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str.removesuffix(".000000") + "Z"
        frame = frame.assign(published_at=stamps)
    frame.to_csv(path, index=False, lineterminator="\n", na_rep="", encoding="utf-8")


def write_pseudonymized(dataset, out_dir: str | Path, key: bytes, keep_texts: bool = False) -> list[Path]:
    """Write a pseudonymised copy of a dataset into a new folder (see :func:`pseudonymize_tables`).

    Each table keeps the format it was read in (CSV: UTF-8, ``,``, LF; Parquet); ``dataset.yml``
    is copied as it is. Nothing else is written: not the key, not the opt-out list (its people
    are already gone), not the source's paths. The files are written into a hidden folder beside
    ``out_dir`` that is renamed into place at the end, so a failed run leaves nothing half-written.

    Parameters
    ----------
    dataset : Dataset
    out_dir : str or Path
        A new or empty folder outside the dataset (see :func:`check_destination`).
    key : bytes
    keep_texts : bool

    Returns
    -------
    list of Path
        The files written.
    """
    out = check_destination(dataset.path, out_dir)
    tables = pseudonymize_tables(dataset, key, keep_texts)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        names = []
        for name in TABLE_NAMES:
            if dataset.files[name].format == "parquet":
                names.append(f"{name}.parquet")
                tables[name].to_parquet(staging / names[-1], index=False)
            else:
                names.append(f"{name}.csv")
                _write_csv(tables[name], staging / names[-1])
        shutil.copyfile(Path(dataset.path) / "dataset.yml", staging / "dataset.yml")
        names.append("dataset.yml")
        if out.exists():
            out.rmdir()  # checked empty above
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [out / name for name in names]
