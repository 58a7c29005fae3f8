"""Shared pieces of the importers.

Reading what collection tools write (CSV re-saved by spreadsheets, JSON lines cut short), parsing
their values (counts such as ``1 234`` or ``"283,369 followers"``, relative dates such as ``3w`` or
``il y a 2 j``, ids that encode their time, ids rounded by Excel), matching handles to the roster,
keeping the latest snapshot of each post, and the import report.

A source module (``twitter``, ``linkedin``, ``bluesky``) reads its files and hands *post records*
and *follower records* to a :class:`ParseContext`; :func:`assemble` then turns them into the
canonical tables. Every record that is not imported is counted in the :class:`ImportReport`, with
its file and line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import shutil
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote, urlsplit

import numpy as np
import pandas as pd

from influence_lib.errors import InfluenceError

# --- the canonical tables ---------------------------------------------------------------------

ORGANIZATION_COLUMNS = ["org_id", "name", "sector", "segment", "country"]
MEMBER_COLUMNS = ["member_id", "org_id", "full_name", "role", "role_category", "gender"]
ACCOUNT_COLUMNS = ["account_id", "member_id", "platform", "handle", "followers"]
POST_COLUMNS = ["post_id", "account_id", "published_at", "kind", "format", "likes", "comments",
                "shares", "quotes", "impressions", "text", "url"]
COUNT_COLUMNS = ["likes", "comments", "shares", "quotes", "impressions"]
TABLE_COLUMNS = {"organizations": ORGANIZATION_COLUMNS, "members": MEMBER_COLUMNS,
                 "accounts": ACCOUNT_COLUMNS, "posts": POST_COLUMNS}
REQUIRED_ROSTER_COLUMNS = {"organizations": ["org_id"], "members": ["member_id", "org_id"],
                           "accounts": ["account_id", "member_id", "platform", "handle"]}
KINDS = ("original", "repost", "reply", "quote")
POST_FORMATS = ("text", "image", "video", "article", "document", "poll", "link", "other")
REPORT_NAME = "import-report.json"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# The tweet and LinkedIn ids hold their creation time: ms = (id >> 22) + epoch.
TWITTER_EPOCH_MS = 1288834974657
_MIN_TWEET_MS = TWITTER_EPOCH_MS + 86_400_000          # ids of the first day are not snowflakes
_MIN_LINKEDIN_MS = 1041379200000                       # 2003-01-01, LinkedIn opened in May 2003
_MAX_MS = 4102444800000                                # 2100-01-01


# --- errors ------------------------------------------------------------------------------------

class ImportFailure(InfluenceError):
    """The import cannot go on; the message names the file and what to do (exit status 1)."""

    exit_status = 1


class ImportUsageError(ImportFailure):
    """Bad arguments: missing paths, a roster that is not a dataset folder... (exit status 2)."""

    exit_status = 2


class FileRefused(Exception):
    """A whole input file cannot be read as the chosen format."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        super().__init__(message)
        self.path, self.line, self.message = str(path), line, message

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


# --- counts ------------------------------------------------------------------------------------

_MISSING_TEXT = {"", "na", "n/a", "nan", "none", "null", "nat", "<na>", "-", "—", "–"}
_SUFFIXES = {"k": 1_000, "m": 1_000_000, "mio": 1_000_000, "mn": 1_000_000,
             "md": 1_000_000_000, "b": 1_000_000_000, "bn": 1_000_000_000}
_COUNT_RE = re.compile(
    r"""^(?P<number>\d+(?:[\s\u00a0\u202f\u2009\u2007.,'’]+\d+)*)   # 1 234 / 1,234 / 1.2 / 3,4
        \s*(?P<suffix>mio|md|mn|bn|k|m|b)?(?![^\W\d_])\.?            # K, M, Md (not the m of "membres")
        \s*\+?                                                       # 500+
        (?:\s*[^\W\d_][^\d]*)?$                                      # a trailing word: followers, abonnés
    """, re.IGNORECASE | re.VERBOSE)
_GROUP_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007'’]")


def _decimal_of(number: str, has_suffix: bool) -> Decimal:
    digits = _GROUP_SPACES.sub("", number)
    if "," in digits and "." in digits:
        decimal_sep = "," if digits.rfind(",") > digits.rfind(".") else "."
        group_sep = "." if decimal_sep == "," else ","
        digits = digits.replace(group_sep, "").replace(decimal_sep, ".")
    elif "," in digits or "." in digits:
        sep = "," if "," in digits else "."
        parts = digits.split(sep)
        grouping = (not has_suffix or len(parts) > 2) and all(len(p) == 3 for p in parts[1:])
        if grouping:
            digits = "".join(parts)
        elif len(parts) == 2:
            digits = ".".join(parts)
        else:
            raise ValueError
    return Decimal(digits)


@lru_cache(maxsize=65536)
def _parse_count_text(text: str) -> int | None:
    stripped = text.strip()
    if stripped.lower() in _MISSING_TEXT:
        return None
    match = _COUNT_RE.match(stripped)
    if not match:
        raise ValueError(f"cannot read {text!r} as a count")
    suffix = (match["suffix"] or "").lower()
    try:
        value = _decimal_of(match["number"], bool(suffix)) * _SUFFIXES.get(suffix, 1)
    except (ValueError, InvalidOperation):
        raise ValueError(f"cannot read {text!r} as a count") from None
    if not suffix and value != value.to_integral_value():
        raise ValueError(f"cannot read {text!r} as a count: not a whole number")
    return int(value.to_integral_value())


def parse_count(value: Any) -> int | None:
    """Read a count as the tools write it; ``None`` when it is missing.

    Accepts integers, integral floats, and text such as ``1234``, ``1 234`` (also with U+00A0 or
    U+202F), ``1,234``, ``1.234``, ``1,2K``, ``3,4 k``, ``2M``, ``1 234 abonnés``,
    ``"283,369 followers"`` and ``500+`` (read as 500). A separator followed by exactly three digits
    groups thousands; otherwise it is a decimal separator, allowed only with a K/M suffix or a zero
    fraction (``90.0``).

    Raises
    ------
    ValueError
        For negative numbers, fractions and text that is not a count; the message quotes the value.
    """
    if value is None or value is pd.NA:
        return None
    if isinstance(value, bool):
        raise ValueError(f"cannot read {value!r} as a count")
    if isinstance(value, (int, np.integer)):
        if value < 0:
            raise ValueError(f"negative count {value!r}")
        return int(value)
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return None
        if value < 0 or not float(value).is_integer():
            raise ValueError(f"cannot read {value!r} as a count: not a whole number >= 0")
        return int(value)
    if isinstance(value, str):
        return _parse_count_text(value)
    raise ValueError(f"cannot read {value!r} as a count")


# --- times -------------------------------------------------------------------------------------

_V1_RE = re.compile(r"^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d{2}:\d{2}:\d{2} [+-]\d{4} \d{4}$")
_DMY_RE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


@dataclass(frozen=True)
class ParsedTime:
    """A point in time in whole seconds since the epoch (UTC); ``assumed_utc`` when the text had no zone."""

    seconds: int
    assumed_utc: bool = False


def _epoch_number(number: float) -> int:
    # 13 digits are milliseconds (LinkedIn, Apify), 10 are seconds
    return math.floor(number / 1000) if abs(number) >= 1e11 else math.floor(number)


def parse_time(value: Any) -> ParsedTime | None:
    """Read a date and time as collection tools write it; ``None`` when empty.

    ISO 8601 (with ``Z``, an offset, or none: then UTC is assumed), Twitter v1.1
    ``Wed Oct 10 20:19:24 +0000 2018``, epoch seconds or milliseconds (number or digits), and the
    day-first ``18/12/2022 20:52`` written by a spreadsheet in a French locale (UTC assumed; month
    first when the day is obviously second). Fractions of a second are dropped.

    Raises
    ------
    ValueError
        When a non-empty value cannot be read.
    """
    if value is None or value is pd.NA:
        return None
    if isinstance(value, bool):
        raise ValueError(f"cannot read {value!r} as a date")
    if isinstance(value, (int, float, np.integer, np.floating)):
        if isinstance(value, float) and math.isnan(value):
            return None
        return ParsedTime(_epoch_number(float(value)))
    text = str(value).strip()
    if text.lower() in _MISSING_TEXT:
        return None
    if text.isdigit() and len(text) in (10, 13):
        return ParsedTime(_epoch_number(int(text)))
    if _V1_RE.match(text):
        stamp = datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")
        return ParsedTime(math.floor(stamp.timestamp()))
    match = _DMY_RE.match(text)
    if match:
        a, b, year = int(match[1]), int(match[2]), int(match[3])
        day, month = (b, a) if b > 12 >= a else (a, b)
        try:
            stamp = datetime(year, month, day, int(match[4] or 0), int(match[5] or 0), int(match[6] or 0),
                             tzinfo=timezone.utc)
        except ValueError:
            raise ValueError(f"cannot read {text!r} as a date") from None
        return ParsedTime(math.floor(stamp.timestamp()), assumed_utc=True)
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"cannot read {text!r} as a date") from None
    assumed = stamp.tzinfo is None
    if assumed:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return ParsedTime(math.floor(stamp.timestamp()), assumed_utc=assumed)


def parse_scraped_at(text: str) -> int:
    """The ``--scraped-at`` argument as epoch seconds; ``ValueError`` with a hint when unreadable."""
    try:
        parsed = parse_time(text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValueError(f"--scraped-at {text!r} is not a date and time; write it in ISO 8601, "
                         f"e.g. 2025-06-16T22:13:00Z")
    return parsed.seconds


def format_time(seconds: int | float | None) -> str | None:
    """Epoch seconds as ``2021-03-04T09:15:00Z`` (``None`` stays ``None``)."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return None
    return datetime.fromtimestamp(int(seconds), tz=timezone.utc).strftime(TIMESTAMP_FORMAT)


def _snowflake_seconds(raw: Any, epoch_ms: int, minimum_ms: int) -> int | None:
    text = str(raw).strip() if raw is not None else ""
    if not text.isdigit():
        return None
    ms = (int(text) >> 22) + epoch_ms
    if not minimum_ms <= ms < _MAX_MS:
        return None
    return ms // 1000


def tweet_id_seconds(tweet_id: Any) -> int | None:
    """Creation time encoded in a tweet id (snowflake): ``ms = (id >> 22) + 1288834974657``.

    ``None`` for ids from before November 2010, which are sequential and hold no time.
    """
    return _snowflake_seconds(tweet_id, TWITTER_EPOCH_MS, _MIN_TWEET_MS)


def linkedin_id_seconds(post_id: Any) -> int | None:
    """Creation time encoded in a LinkedIn activity/share/ugcPost id: ``ms = id >> 22``."""
    return _snowflake_seconds(post_id, 0, _MIN_LINKEDIN_MS)


_DAY = 86_400
_UNITS: dict[str, float] = {}
for _names, _seconds in [
    ("s sec secs second seconds seconde secondes", 1),
    ("m min mins minute minutes mn", 60),
    ("h hr hrs hour hours heure heures", 3600),
    ("d day days j jour jours", _DAY),
    ("w wk wks week weeks sem semaine semaines", 7 * _DAY),
    ("mo mos month months mois mnd", 30.4375 * _DAY),
    ("y yr yrs year years an ans année années annee annees", 365.25 * _DAY),
]:
    for _name in _names.split():
        _UNITS[_name] = _seconds
_RELATIVE_RE = re.compile(
    r"^(?:il y a |about |environ |~)?(?P<n>\d+|an?|une?)\s*(?P<unit>[a-zéè]+)\.?(?: ago)?$")
_NOW_WORDS = {"now", "just now", "à l'instant", "a l'instant", "maintenant", "à l’instant"}
_EDIT_MARKERS = re.compile(r"\b(?:edited|modifié|modifiée|bearbeitet|bewerkt)\b", re.IGNORECASE)


def relative_seconds(text: Any) -> float | None:
    """How long ago a relative date says, in seconds; ``None`` when it is not a relative date.

    ``5d``, ``3w``, ``4mo``, ``1yr``, ``2 months ago``, ``6 days ago • Visible to anyone``,
    ``il y a 2 j``, ``2 sem.``, ``3 mois``, ``18 mnd``, ``a day ago``, ``hier``. Months count
    30.4375 days and years 365.25, as 4CAT does; ``m`` alone is minutes.
    """
    if text is None or not isinstance(text, str):
        return None
    for part in text.split("•"):
        head = _EDIT_MARKERS.sub(" ", part).lower()
        head = re.sub(r"\s+", " ", head).strip(" .,·-")
        if not head:
            continue
        if head in _NOW_WORDS:
            return 0.0
        if head in ("yesterday", "hier"):
            return float(_DAY)
        match = _RELATIVE_RE.match(head)
        if match and match["unit"] in _UNITS:
            n = int(match["n"]) if match["n"].isdigit() else 1
            return n * _UNITS[match["unit"]]
        return None
    return None


# --- ids ----------------------------------------------------------------------------------------

_SCIENTIFIC_RE = re.compile(r"^\d(?:[.,]\d+)?[eE]\+?\d+$")
_TWEET_URL_RE = re.compile(r"(?:twitter|x)\.com/(?:[^/\s\"]+|i/web)/status(?:es)?/(\d{5,})", re.IGNORECASE)
_LI_URN_RE = re.compile(r"urn(?::|%3A)li(?::|%3A)(activity|share|ugcPost)(?::|%3A)(\d{6,})", re.IGNORECASE)
_LI_SLUG_RE = re.compile(r"[-_](activity|share|ugcPost)-(\d{15,})", re.IGNORECASE)
_LI_KINDS = {"activity": "activity", "share": "share", "ugcpost": "ugcPost"}


def looks_rounded(raw: str) -> bool:
    """Tell whether an id was turned into a number by a spreadsheet (``7,32921E+18``, ``…120000``)."""
    text = raw.strip()
    if _SCIENTIFIC_RE.match(text):
        return True
    # Excel keeps 15 significant digits: a 19-digit id comes back with 4 trailing zeros.
    return text.isdigit() and len(text) >= 16 and text.endswith("0" * (len(text) - 15))


def spreadsheet_rounded(values: list[str]) -> bool:
    """Tell whether a column of ids went through a spreadsheet: some in scientific notation, or at least
    half of the long ones ending in the zeros of a 15-digit rounding (a real id ends in ``0000`` once
    in ten thousand)."""
    texts = [str(v).strip() for v in values if v not in (None, "")]
    if any(_SCIENTIFIC_RE.match(t) for t in texts):
        return True
    long_ids = [t for t in texts if t.isdigit() and len(t) >= 16]
    rounded = sum(looks_rounded(t) for t in long_ids)
    return rounded > 0 and rounded * 2 >= len(long_ids)


def repair_id(raw: Any, candidates: list[str] | tuple[str, ...] = (),
              trust_digits: bool = False) -> tuple[str | None, str]:
    """An id as read, or rebuilt from ``candidates`` (ids found in the post URL) when a spreadsheet rounded it.

    ``trust_digits``: the source cannot have been rounded (JSON, or a CSV whose id column shows no
    sign of a spreadsheet), so an id of digits is taken as it is even if it ends in zeros.

    Returns
    -------
    (id, status)
        ``status`` is ``"ok"``, ``"rebuilt"`` (taken from the one candidate that rounds to the
        damaged value) or, with ``id=None``, the reason the id cannot be trusted.
    """
    text = "" if raw is None else str(raw).strip()
    candidates = [c for c in dict.fromkeys(candidates) if c and c.isdigit()]
    if not text:
        if len(candidates) == 1:
            return candidates[0], "rebuilt"
        return None, "the id is empty and no post URL gives it"
    if text.isdigit() and (trust_digits or not looks_rounded(text)):
        return text, "ok"
    if not looks_rounded(text):
        return None, f"the id {text!r} is not a number"
    if text.isdigit() and text in candidates:
        return text, "ok"  # an id that really ends in zeros
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None, f"the id {text!r} is not a number"
    mantissa = text.split("e")[0].split("E")[0]
    significant = len(re.sub(r"\D", "", mantissa).lstrip("0")) if not text.isdigit() else 15
    matches = []
    for candidate in candidates:
        unit = Decimal(10) ** max(len(candidate) - significant, 0)
        if abs(Decimal(candidate) - value) <= unit:
            matches.append(candidate)
    if len(matches) == 1:
        return matches[0], "rebuilt"
    if not matches:
        return None, (f"the id {text!r} was rounded by a spreadsheet and no post URL on the row "
                      f"gives it back; re-export the file, or open it as text")
    return None, f"the id {text!r} was rounded by a spreadsheet and matches several ids on the row"


def tweet_ids_in(text: Any) -> list[str]:
    """Tweet ids found in status URLs inside ``text``."""
    if not isinstance(text, str):
        return []
    return _TWEET_URL_RE.findall(text)


def linkedin_ids_in(text: Any) -> list[tuple[str, str]]:
    """``(kind, id)`` pairs in a LinkedIn URL or URN; kind is ``activity``, ``share`` or ``ugcPost``."""
    if not isinstance(text, str) or not text:
        return []
    found = [(_LI_KINDS[k.lower()], i) for k, i in _LI_URN_RE.findall(text)]
    found += [(_LI_KINDS[k.lower()], i) for k, i in _LI_SLUG_RE.findall(text)]
    return list(dict.fromkeys(found))


def linkedin_urn(kind: str, post_id: str) -> str:
    """The canonical post id of a LinkedIn post: ``urn:li:activity:<id>`` (or share/ugcPost)."""
    return f"urn:li:{kind}:{post_id}"


# --- handles -------------------------------------------------------------------------------------

_TWITTER_RESERVED = {"i", "intent", "share", "home", "search", "hashtag", "status"}
_LINKEDIN_KINDS = {"in", "company", "school", "showcase"}


def _url_path(value: str) -> tuple[str, list[str]]:
    text = value if "://" in value else "https://" + value
    parts = urlsplit(text)
    return parts.netloc.lower(), [unquote(p) for p in parts.path.split("/") if p]


def normalize_handle(platform: str, value: Any) -> str | None:
    """The key a handle is matched on: lower case, without ``@``, URLs reduced to the handle.

    twitter: ``@Name``, ``https://x.com/Name?lang=fr`` -> ``name``; numeric user ids are kept.
    linkedin: ``https://fr.linkedin.com/in/jean-fran%C3%A7ois/?x=y`` -> ``jean-françois``;
    ``/company/<slug>`` -> ``<slug>``. bluesky: ``@jane.bsky.social``,
    ``https://bsky.app/profile/jane.bsky.social`` -> ``jane.bsky.social``; DIDs are kept
    (``did:plc:...``).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = unicodedata.normalize("NFC", str(value)).strip()
    if not text:
        return None
    lower = text.lower()
    if platform == "linkedin":
        if "linkedin.com" in lower:
            _, segments = _url_path(text)
            for i, segment in enumerate(segments[:-1]):
                if segment.lower() in _LINKEDIN_KINDS:
                    return segments[i + 1].strip().lower() or None
            return None
        return unquote(text).lstrip("@").strip("/ ").lower() or None
    if platform == "twitter":
        if "twitter.com" in lower or "x.com/" in lower:
            _, segments = _url_path(text)
            if segments and segments[0].lower() not in _TWITTER_RESERVED:
                return segments[0].lstrip("@").lower()
            return None
        return text.lstrip("@").split("?")[0].strip("/ ").lower() or None
    if platform == "bluesky":
        if lower.startswith("at://"):
            return lower[5:].split("/")[0] or None
        if "bsky.app/profile/" in lower:
            _, segments = _url_path(text)
            return segments[1].lower() if len(segments) > 1 else None
        return text.lstrip("@").strip("/ ").lower() or None
    return lower


# --- reading files -------------------------------------------------------------------------------

@dataclass
class FileStats:
    """What was read from one input file."""

    path: str
    sha256: str = ""
    lines: int = 0
    records: int = 0
    posts: int = 0
    invalid_json_lines: int = 0
    encoding: str | None = None
    separator: str | None = None

    def as_dict(self) -> dict:
        data = {"path": self.path, "sha256": self.sha256, "lines": self.lines, "records": self.records,
                "posts": self.posts, "invalid_json_lines": self.invalid_json_lines}
        if self.encoding:
            data.update(encoding=self.encoding, separator=self.separator)
        return data


def _line_count(raw: bytes) -> int:
    if not raw:
        return 0
    return raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)


def decode_text(path: Path, raw: bytes) -> tuple[str, str]:
    """Decode a CSV file: UTF-8 (with or without BOM) first, then Windows-1252 (Excel in France)."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FileRefused(path, None, "the file is neither UTF-8 nor Windows-1252 text; save it as \"CSV UTF-8\"")


def sniff_separator(header: str) -> str:
    """The separator of a CSV header line: ``,``, ``;`` or tab, whichever splits it most."""
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda s: (counts[s], s == ","))
    return best


@dataclass
class CsvTable:
    """A CSV file read as text: its header, and each record with the line it starts on."""

    path: Path
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]

    def column(self, *names: str) -> str | None:
        """The first of ``names`` present in the header (case-insensitive), as spelt in the file."""
        lowered = {c.lower(): c for c in self.columns}
        for name in names:
            if name.lower() in lowered:
                return lowered[name.lower()]
        return None


def read_csv_table(path: Path, stats: FileStats) -> CsvTable:
    """Read a CSV file as text: encoding and separator sniffed, every cell a string, nothing dropped.

    Blank lines are skipped; a row with more cells than the header keeps them only if they are
    empty (a trailing separator), otherwise :class:`FileRefused` names the line.
    """
    raw = path.read_bytes()
    stats.lines = _line_count(raw)
    text, encoding = decode_text(path, raw)
    stats.encoding = encoding
    if not text.strip():
        raise FileRefused(path, None, "the file is empty; expected a header row and data rows")
    header_line = text.lstrip("\r\n").split("\n", 1)[0]
    separator = sniff_separator(header_line)
    stats.separator = separator
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    previous_end = 0
    try:
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not cells or all(not c.strip() for c in cells):
                continue
            if header is None:
                header = [c.replace("\ufeff", "").strip() for c in cells]
                continue
            if len(cells) > len(header):
                if any(c.strip() for c in cells[len(header):]):
                    raise FileRefused(path, start, f"{len(cells)} cells where the header has {len(header)}; "
                                                   f"check the separator and the quoting")
                cells = cells[: len(header)]
            elif len(cells) < len(header):
                cells = cells + [""] * (len(header) - len(cells))
            rows.append((start, dict(zip(header, cells))))
    except csv.Error as exc:
        raise FileRefused(path, reader.line_num, f"not a well-formed CSV file ({exc})") from None
    return CsvTable(path, header or [], rows)


@dataclass(frozen=True)
class JsonProblem:
    """A line (or the rest of a file) that is not valid JSON."""

    line: int
    error: str


_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"\s*")


def _iter_concatenated(text: str, start: int, first_line: int) -> Iterator[tuple[int, Any]]:
    """JSON values one after another (pretty-printed or not); a broken one costs its line."""
    pos, line, end = start, first_line, len(text)
    while True:
        ws = _WHITESPACE.match(text, pos).end()
        line += text.count("\n", pos, ws)
        pos = ws
        if pos >= end:
            return
        try:
            value, after = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield line, JsonProblem(line, exc.msg)
            nl = text.find("\n", pos)
            if nl < 0:
                return
            line += 1
            pos = nl + 1
            continue
        yield line, value
        line += text.count("\n", pos, after)
        pos = after


def _iter_array(text: str, start: int, first_line: int) -> Iterator[tuple[int, Any]]:
    """Items of a JSON array, each with the line it starts on; stops at the first broken item."""
    pos, line, end = start + 1, first_line, len(text)
    while True:
        ws = _WHITESPACE.match(text, pos).end()
        line += text.count("\n", pos, ws)
        pos = ws
        if pos < end and text[pos] == ",":
            pos += 1
            continue
        if pos >= end:
            yield line, JsonProblem(line, "the file ends inside the JSON array (cut short?)")
            return
        if text[pos] == "]":
            rest = text[pos + 1:].strip().rstrip(";").strip()
            if rest:
                yield line, JsonProblem(line, "text after the end of the JSON array")
            return
        try:
            value, after = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield line, JsonProblem(line, f"{exc.msg}; the rest of the file from this line was not read")
            return
        yield line, value
        line += text.count("\n", pos, after)
        pos = after


def iter_json_values(path: Path, stats: FileStats, js_assignment: bool = False) -> Iterator[tuple[int, Any]]:
    """The JSON values of a file, each with its line: ``(line, value)`` or ``(line, JsonProblem)``.

    Reads JSON lines (one value a line, streamed from disk), a JSON array (Apify's download), one or
    more pretty-printed documents, and with ``js_assignment`` the ``window.YTD.tweets.part0 = [...]``
    files of an X archive.
    """
    with path.open("rb") as fh:
        head = fh.read(65536)
    head = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    if not head.strip():
        stats.lines = _line_count(head)
        return
    first_line = head.lstrip().split(b"\n", 1)[0].strip()
    line_mode = False
    if not js_assignment and first_line[:1] == b"{" and b"\n" in head.lstrip():
        try:
            json.loads(first_line)
            line_mode = True
        except ValueError:
            pass
    if not line_mode:
        raw = path.read_bytes()
        stats.lines = _line_count(raw)
        text = _decode_json(path, raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw)
        start = len(text) - len(text.lstrip())
        if js_assignment or text[start:start + 1] == "[":
            start = text.find("[")
            if start < 0:
                raise FileRefused(path, 1, "no JSON array found in this file")
            yield from _iter_array(text, start, text.count("\n", 0, start) + 1)
        else:
            yield from _iter_concatenated(text, 0, 1)
        return
    number = 0
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            line = line.rstrip(b"\r\n")
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except UnicodeDecodeError:
                yield number, JsonProblem(number, "not UTF-8 text")
            except json.JSONDecodeError as exc:
                yield number, JsonProblem(number, exc.msg)
    stats.lines = number


def _decode_json(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileRefused(path, line, "not UTF-8 text; JSON files are UTF-8") from None


def file_sha256(path: Path) -> str:
    """Checksum of a file's bytes, for the report."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dig(obj: Any, path: str, default: Any = None) -> Any:
    """``obj["a"]["b"]`` for ``path="a.b"``; ``default`` when any step is missing or not a dict."""
    for key in path.split("."):
        if not isinstance(obj, dict) or key not in obj:
            return default
        obj = obj[key]
    return obj


def first_of(obj: Any, paths: list[str] | tuple[str, ...]) -> Any:
    """The first value found (not None, not empty text) among dotted ``paths``."""
    for path in paths:
        value = dig(obj, path)
        if value is not None and value != "":
            return value
    return None


def clean_url(url: Any) -> str | None:
    """A URL without its query string and fragment (tracking parameters), or ``None``."""
    if not isinstance(url, str) or not url.strip():
        return None
    return url.strip().split("?")[0].split("#")[0]


# --- the roster ------------------------------------------------------------------------------------

@dataclass
class Roster:
    """The dataset folder given as ``--roster``: who is ranked, and their accounts."""

    folder: Path
    organizations: pd.DataFrame
    members: pd.DataFrame
    accounts: pd.DataFrame
    dataset_yml: Path


def _table_path(folder: Path, name: str) -> Path | None:
    csv_path, parquet_path = folder / f"{name}.csv", folder / f"{name}.parquet"
    if csv_path.exists() and parquet_path.exists():
        raise ImportFailure(f"{folder}: both {name}.csv and {name}.parquet exist; keep only one of them")
    if csv_path.exists():
        return csv_path
    if parquet_path.exists():
        return parquet_path
    return None


def read_roster_table(folder: Path, name: str) -> pd.DataFrame | None:
    """A table of a dataset folder as text (CSV: BOM and ``;`` accepted; Parquet), ``None`` if absent.

    Every cell comes back as a string (``""`` when empty); the ``followers`` of accounts is parsed
    later. The lead's :func:`influence_lib.dataset.load_dataset` can replace this reader.
    """
    path = _table_path(folder, name)
    if path is None:
        return None
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
        return frame.astype(object).where(frame.notna(), "").astype(str)
    try:
        table = read_csv_table(path, FileStats(str(path)))
    except FileRefused as exc:
        raise ImportFailure(str(exc)) from None
    frame = pd.DataFrame([row for _, row in table.rows], columns=table.columns, dtype=str)
    frame.attrs["lines"] = [line for line, _ in table.rows]
    return frame


def read_roster(folder: str | Path) -> Roster:
    """Read ``--roster``: organizations, members and accounts tables plus ``dataset.yml``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportUsageError(f"{folder}: no such roster folder; --roster takes a dataset folder holding "
                               f"organizations, members and accounts tables and dataset.yml")
    tables = {}
    for name, required in REQUIRED_ROSTER_COLUMNS.items():
        frame = read_roster_table(folder, name)
        if frame is None:
            raise ImportUsageError(f"{folder}: the {name} table is missing; the roster needs {name}.csv "
                                   f"(or .parquet)")
        missing = [c for c in required if c not in frame.columns]
        if missing:
            raise ImportFailure(f"{folder / (name + '.csv')}: column {', '.join(missing)} missing; "
                                f"the roster's {name} table needs {', '.join(required)}")
        tables[name] = frame
    dataset_yml = folder / "dataset.yml"
    if not dataset_yml.exists():
        raise ImportUsageError(f"{folder}: dataset.yml is missing; the roster folder needs it (it is copied "
                               f"to the output dataset)")
    accounts = tables["accounts"].copy()
    accounts["platform"] = accounts["platform"].str.strip().str.lower()
    lines = tables["accounts"].attrs.get("lines") or list(range(1, len(accounts) + 1))
    followers = []
    for line, value in zip(lines, accounts.get("followers", pd.Series([""] * len(accounts)))):
        try:
            followers.append(parse_count(value))
        except ValueError as exc:
            raise ImportFailure(f"{folder / 'accounts.csv'}:{line}: followers: {exc}; fix the roster") from None
    accounts["followers"] = pd.array(followers, dtype="Int64")
    return Roster(folder, tables["organizations"], tables["members"], accounts, dataset_yml)


class AccountIndex:
    """Roster accounts by normalised handle, per platform."""

    def __init__(self, accounts: pd.DataFrame):
        keys: dict[str, list[str]] = {}
        for account_id, platform, handle in zip(accounts["account_id"], accounts["platform"], accounts["handle"]):
            key = normalize_handle(platform, handle)
            if key:
                keys.setdefault(f"{platform}\x00{key}", []).append(account_id)
        self.unique = {k: v[0] for k, v in keys.items() if len(set(v)) == 1}
        self.ambiguous = {k: sorted(set(v)) for k, v in keys.items() if len(set(v)) > 1}

    def match(self, platforms: pd.Series, keys: pd.Series) -> tuple[pd.Series, pd.Series]:
        """Account ids for (platform, key) pairs, and the ambiguous keys' candidate lists."""
        full = platforms.astype(str) + "\x00" + keys.fillna("").astype(str)
        return full.map(self.unique), full.map(self.ambiguous)


# --- what the parsers produce ------------------------------------------------------------------------

@dataclass
class ImportReport:
    """Everything an import read, kept, merged and left, with file and line.

    Written as ``DATASET/import-report.json``; :meth:`describe` is the text printed on stdout.
    """

    format: str
    roster: str = ""
    out: str = ""
    scraped_at: str | None = None
    files: list[FileStats] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    invalid_json: list[dict] = field(default_factory=list)
    api_errors: list[dict] = field(default_factory=list)
    unmatched: Counter = field(default_factory=Counter)
    notes: Counter = field(default_factory=Counter)
    counts: dict = field(default_factory=dict)
    followers_updated: list[dict] = field(default_factory=list)
    snapshots: dict = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)

    def refuse(self, file: str, line: int | None, reason: str) -> None:
        """A row that cannot be imported as it is (bad id, no date, unreadable count...)."""
        self.refused.append({"file": file, "line": line, "reason": reason})

    def skip(self, file: str, line: int | None, reason: str) -> None:
        """A row that is not a post of the account (someone else's post, a reaction, a control message)."""
        self.skipped.append({"file": file, "line": line, "reason": reason})

    def note(self, message: str, n: int = 1) -> None:
        """A fact worth knowing, counted (e.g. impressions read as missing)."""
        self.notes[message] += n

    @property
    def problem_count(self) -> int:
        """Refusals in the sense of ``--strict``: refused rows, invalid JSON lines, unmatched posts."""
        return len(self.refused) + len(self.invalid_json) + sum(self.unmatched.values())

    def as_dict(self) -> dict:
        unmatched = [{"platform": p, "handle": h, "posts": n}
                     for (p, h), n in sorted(self.unmatched.items(), key=lambda kv: (-kv[1], kv[0]))]
        return {
            "format": self.format, "roster": self.roster, "out": self.out, "scraped_at": self.scraped_at,
            "files": [f.as_dict() for f in self.files],
            "counts": self.counts,
            "unmatched_handles": unmatched,
            "refused": self.refused,
            "skipped": self.skipped,
            "invalid_json_lines": self.invalid_json,
            "api_errors": self.api_errors,
            "notes": dict(sorted(self.notes.items())),
            "followers_updated": self.followers_updated,
            "previous_imports": self.history,
            "snapshots": self.snapshots,
        }

    def describe(self, limit: int = 20, written: bool = True) -> str:
        """The human summary: counts, then the unmatched handles, refusals and notes (``limit`` of each)."""
        c = self.counts
        lines_read = sum(f.lines for f in self.files)
        out = [f"influence import --format {self.format}: {len(self.files)} file(s), {lines_read} lines read"
               + (f" ({len(self.invalid_json)} not valid JSON)" if self.invalid_json else "")]
        if c:
            rows = [
                ("rows read", c.get("rows_read", 0), "posts and other items in the files"),
                ("not posts (skipped)", c.get("skipped", 0), "activity on others' posts, control messages"),
                ("refused", c.get("refused", 0), "listed below" if self.refused else ""),
                ("duplicates merged", c.get("duplicates_merged", 0), "same post seen again; latest snapshot kept"),
                ("unmatched handles", c.get("unmatched", 0),
                 f"{len(self.unmatched)} handle(s) not in the roster" if self.unmatched else ""),
                ("imported", c.get("imported", 0),
                 f"new {c.get('added', 0)}, updated {c.get('updated', 0)}, "
                 f"older than the dataset's {c.get('kept_existing', 0)}"),
            ]
            width = max(len(r[0]) for r in rows)
            for label, value, comment in rows:
                out.append(f"  {label:<{width}}  {value:>7}" + (f"   {comment}" if comment else ""))
            kinds = c.get("by_kind", {})
            if kinds:
                out.append("  kinds: " + ", ".join(f"{k} {kinds[k]}" for k in KINDS if k in kinds)
                           + ("  (reposts are kept as activity; their engagement is left empty)"
                              if kinds.get("repost") else ""))
            out.append(f"  followers updated: {len(self.followers_updated)} account(s)")
            out.append(f"  dataset {self.out}: {c.get('posts_in_dataset', 0)} posts" if written else
                       f"  dataset {self.out} not written (it would hold {c.get('posts_in_dataset', 0)} posts)")
        sections = [
            ("Unmatched handles (no roster account; add them to accounts or ignore):",
             [f"{p:<8} {h}  {n} post(s)" for (p, h), n in
              sorted(self.unmatched.items(), key=lambda kv: (-kv[1], kv[0]))]),
            ("Refused rows:", [f"{r['file']}:{r['line']}: {r['reason']}" for r in self.refused]),
            ("Lines that are not valid JSON (skipped):",
             [f"{r['file']}:{r['line']}: {r['error']}" for r in self.invalid_json]),
            ("Not posts of the account (skipped):", _grouped(self.skipped)),
            ("API errors in the files (deleted or suspended content):",
             [f"{r['file']}:{r['line']}: {r['title']}: {r['detail']}" for r in self.api_errors]),
            ("Notes:", [f"{n} x {m}" for m, n in sorted(self.notes.items())]),
        ]
        for title, items in sections:
            if not items:
                continue
            out.append(title)
            out.extend(f"  {item}" for item in items[:limit])
            if len(items) > limit:
                out.append(f"  ... and {len(items) - limit} more in {REPORT_NAME}")
        return "\n".join(out)


def _grouped(rows: list[dict]) -> list[str]:
    by_reason = Counter(r["reason"] for r in rows)
    first = {}
    for r in rows:
        first.setdefault(r["reason"], f"{r['file']}:{r['line']}")
    return [f"{n} x {reason} (first at {first[reason]})" for reason, n in by_reason.most_common()]


@dataclass
class ParseContext:
    """What a source parser needs (arguments) and where it puts what it finds.

    Post records are dicts with the keys of :data:`RECORD_DEFAULTS`; follower records have
    ``platform, handle, alt, followers, retrieved_s, file, line``.
    """

    report: ImportReport
    scraped_s: int | None = None
    handle: str | None = None
    posts: list[dict] = field(default_factory=list)
    followers: list[dict] = field(default_factory=list)
    rows_examined: int = 0

    def open_file(self, path: Path) -> FileStats:
        stats = FileStats(str(path), sha256=file_sha256(path))
        self.report.files.append(stats)
        return stats

    def invalid_json(self, stats: FileStats, problem: JsonProblem) -> None:
        stats.invalid_json_lines += 1
        self.report.invalid_json.append({"file": stats.path, "line": problem.line, "error": problem.error})

    def refuse(self, stats: FileStats, line: int | None, reason: str) -> None:
        self.rows_examined += 1
        self.report.refuse(stats.path, line, reason)

    def skip(self, stats: FileStats, line: int | None, reason: str) -> None:
        self.rows_examined += 1
        self.report.skip(stats.path, line, reason)

    def add_post(self, stats: FileStats, line: int, **record: Any) -> None:
        """Record a post; missing keys take their defaults (see :data:`RECORD_DEFAULTS`)."""
        if record.get("kind", "original") not in KINDS or record.get("format") not in POST_FORMATS + (None,):
            raise ValueError(f"parser bug: kind {record.get('kind')!r} or format {record.get('format')!r} "
                             f"is not in the canonical vocabulary")
        self.rows_examined += 1
        stats.posts += 1
        row = dict(RECORD_DEFAULTS)
        row.update(record)
        row["file"], row["line"], row["order"] = stats.path, line, len(self.posts)
        self.posts.append(row)

    def add_followers(self, stats: FileStats, line: int, platform: str, handle: str | None,
                      alt: str | None, followers: Any, retrieved_s: int | None) -> None:
        try:
            count = parse_count(followers)
        except ValueError as exc:
            self.report.note(f"followers not read: {exc}")
            return
        if count is None or not (handle or alt):
            return
        self.followers.append({"platform": platform, "handle": handle, "alt": alt, "followers": count,
                               "retrieved_s": retrieved_s, "file": stats.path, "line": line,
                               "order": len(self.followers)})


RECORD_DEFAULTS: dict[str, Any] = {
    "post_id": None, "aliases": (), "version": 0, "platform": None, "handle": None, "alt": None,
    "display": None, "published_s": None, "kind": "original", "format": None,
    "likes": None, "comments": None, "shares": None, "quotes": None, "impressions": None,
    "text": None, "url": None, "retrieved_s": None,
}


def read_counts(record: dict, values: dict[str, Any]) -> str | None:
    """Parse the count ``values`` into ``record``; the reason of the first unreadable one, else ``None``."""
    for column, value in values.items():
        try:
            record[column] = parse_count(value)
        except ValueError as exc:
            return f"{column}: {exc}"
    return None


# --- from records to tables ------------------------------------------------------------------------------

def _frame_of_records(records: list[dict]) -> pd.DataFrame:
    columns = list(RECORD_DEFAULTS) + ["file", "line", "order"]
    frame = pd.DataFrame.from_records(records, columns=columns) if records else pd.DataFrame(columns=columns)
    for column in COUNT_COLUMNS:
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    frame["published_s"] = pd.array(frame["published_s"].tolist(), dtype="Int64")
    frame["retrieved_key"] = pd.to_numeric(frame["retrieved_s"], errors="coerce").fillna(-np.inf)
    frame["version"] = pd.to_numeric(frame["version"], errors="coerce").fillna(0)
    frame["match_key"] = frame["handle"].where(frame["handle"].notna(), frame["alt"])
    return frame


def _fold_linkedin_by_time(frame: pd.DataFrame, key: str, tolerance_s: int = 2) -> dict[str, str]:
    """Map share/ugcPost ids onto the activity id of the same post: same author, same second.

    One LinkedIn post carries an activity id and a share or ugcPost id, created a few hundred
    milliseconds apart; tools cite one or the other. Ids come from the post's own time, so a
    share/ugcPost record of an author is the activity record of that author within ``tolerance_s``.
    """
    ids = frame["post_id"].astype(str)
    others = frame[ids.str.startswith(("urn:li:ugcPost:", "urn:li:share:")) & frame[key].notna()]
    activities = frame[ids.str.startswith("urn:li:activity:") & frame[key].notna()]
    if others.empty or activities.empty:
        return {}
    pairs = others[["post_id", key, "published_s"]].merge(
        activities[["post_id", key, "published_s"]], on=key, suffixes=("", "_activity"))
    gap = (pairs["published_s"].astype("float") - pairs["published_s_activity"].astype("float")).abs()
    pairs = pairs[gap <= tolerance_s]
    pairs = pairs.drop_duplicates(["post_id", "post_id_activity"])
    single = pairs.groupby("post_id")["post_id_activity"].transform("nunique") == 1
    return dict(zip(pairs.loc[single, "post_id"], pairs.loc[single, "post_id_activity"]))


def _apply_aliases(frame: pd.DataFrame, aliases: dict[str, str]) -> pd.DataFrame:
    if aliases:
        frame = frame.copy()
        frame["post_id"] = frame["post_id"].map(lambda p: aliases.get(p, p))
    return frame


def dedupe_records(frame: pd.DataFrame, report: ImportReport) -> tuple[pd.DataFrame, dict[str, str]]:
    """Keep one row per post: ids folded (aliases, LinkedIn share/ugcPost ids, tweet edits), latest snapshot.

    Order of preference inside a post: the latest version (edits), then the latest retrieval time,
    then the last one read.
    """
    aliases: dict[str, str] = {}
    for post_id, extra in zip(frame["post_id"], frame["aliases"]):
        for alias in extra or ():
            if alias != post_id:
                aliases.setdefault(alias, post_id)
    frame = _apply_aliases(frame, aliases)
    by_time = _fold_linkedin_by_time(frame, "match_key")
    if by_time:
        report.note("LinkedIn share/ugcPost ids folded onto the activity id of the same post", len(by_time))
        aliases.update(by_time)
        frame = _apply_aliases(frame, by_time)
    frame = frame.sort_values(["post_id", "version", "retrieved_key", "order"], kind="stable")
    kept = frame.drop_duplicates("post_id", keep="last")
    return kept, aliases


def posts_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The canonical posts columns and dtypes from an internal frame."""
    out = pd.DataFrame(index=frame.index)
    out["post_id"] = frame["post_id"].astype("str")
    out["account_id"] = frame["account_id"].astype("str")
    out["published_at"] = pd.to_datetime(frame["published_s"].astype("float"), unit="s", utc=True) \
        .astype("datetime64[us, UTC]")
    for column in ("kind", "format"):
        out[column] = frame[column].astype("str")
    for column in COUNT_COLUMNS:
        out[column] = frame[column].astype("Int64")
    out["text"] = frame["text"].astype("str")
    out["url"] = frame["url"].astype("str")
    return out[POST_COLUMNS].reset_index(drop=True)


def read_existing_posts(out: Path) -> pd.DataFrame | None:
    """The posts table already in the output dataset, typed, or ``None``."""
    if (out / "posts.parquet").exists():
        raise ImportUsageError(f"{out}: holds posts.parquet; the importer writes posts.csv and merges into it. "
                               f"Choose another --out, or convert the table to CSV first")
    path = out / "posts.csv"
    if not path.exists():
        return None
    try:
        table = read_csv_table(path, FileStats(str(path)))
    except FileRefused as exc:
        if "empty" in exc.message:
            return None
        raise ImportFailure(str(exc)) from None
    missing = [c for c in ("post_id", "account_id", "published_at") if c not in table.columns]
    if missing:
        raise ImportFailure(f"{path}: column {', '.join(missing)} missing; this is not a posts table. "
                            f"Move it away or choose another --out")
    rows, lines = [], []
    for line, row in table.rows:
        record = {c: (row.get(c) or None) for c in POST_COLUMNS}
        try:
            parsed = parse_time(record["published_at"])
            if parsed is None:
                raise ValueError("empty published_at")
            record["published_s"] = parsed.seconds
            for column in COUNT_COLUMNS:
                record[column] = parse_count(record[column])
        except ValueError as exc:
            raise ImportFailure(f"{path}:{line}: {exc}; fix the row (or move the file away) and import again") \
                from None
        record["kind"] = record["kind"] or "original"
        rows.append(record)
        lines.append(line)
    frame = pd.DataFrame.from_records(rows, columns=POST_COLUMNS + ["published_s"])
    for column in COUNT_COLUMNS + ["published_s"]:
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    return frame


def previous_report(out: Path, report: ImportReport) -> dict:
    """The report of the previous import into ``out`` (for its snapshot times), or ``{}``."""
    path = out / REPORT_NAME
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data
    except (ValueError, UnicodeDecodeError) as exc:
        report.note(f"{path} could not be read ({exc}); the existing posts count as older than this import")
        return {}


def merge_posts(existing: pd.DataFrame | None, new: pd.DataFrame, aliases: dict[str, str],
                snapshots: dict[str, str], report: ImportReport) -> tuple[pd.DataFrame, dict[str, int | None]]:
    """Merge imported posts into the dataset's: same post id keeps the latest retrieval time.

    Existing rows take their retrieval time from the previous report (unknown counts as older than
    any known time); on equal times the import wins. Returns the merged internal frame and the
    retrieval time (epoch seconds or None) of each kept post.
    """
    new = new.assign(origin=1)
    if existing is None or existing.empty:
        merged = new
        report.counts.update(added=len(new), updated=0, kept_existing=0)
    else:
        old = existing.copy()
        old["origin"] = 0
        old["post_id"] = old["post_id"].map(lambda p: aliases.get(p, p))
        old["match_key"] = old["account_id"]
        probe = pd.concat([old[["post_id", "match_key", "published_s"]],
                           new[["post_id", "account_id", "published_s"]].rename(columns={"account_id": "match_key"})])
        by_time = _fold_linkedin_by_time(probe, "match_key")
        if by_time:
            old = _apply_aliases(old, by_time)
            new = _apply_aliases(new, by_time).drop_duplicates("post_id", keep="last")
            report.note("LinkedIn share/ugcPost ids folded onto the activity id of the same post in the dataset",
                        len(by_time))
        seconds = {k: parse_time(v).seconds for k, v in snapshots.items() if v}
        old["retrieved_s"] = old["post_id"].map(seconds)
        old["retrieved_key"] = pd.to_numeric(old["retrieved_s"], errors="coerce").fillna(-np.inf)
        old["order"] = -1
        both = set(old["post_id"]) & set(new["post_id"])
        merged = pd.concat([old, new], ignore_index=True)
        merged = merged.sort_values(["post_id", "retrieved_key", "origin", "order"], kind="stable")
        merged = merged.drop_duplicates("post_id", keep="last")
        winners = merged.set_index("post_id")["origin"]
        updated = sum(1 for p in both if winners.get(p) == 1)
        report.counts.update(added=int(new["post_id"].nunique()) - len(both), updated=updated,
                             kept_existing=len(both) - updated)
    retrieved = {p: (None if pd.isna(s) else int(s))
                 for p, s in zip(merged["post_id"], pd.to_numeric(merged["retrieved_s"], errors="coerce"))}
    return merged, retrieved


def latest_followers(ctx: ParseContext, index: AccountIndex, roster: Roster, previous: dict,
                     report: ImportReport) -> tuple[pd.DataFrame, dict]:
    """Accounts with ``followers`` replaced by the latest snapshot: this import's, or a previous import's."""
    accounts = roster.accounts.copy()
    snapshots: dict[str, dict] = {}
    for account_id, snap in (previous or {}).items():
        if isinstance(snap, dict) and account_id in set(accounts["account_id"]):
            snapshots[account_id] = {"followers": snap.get("followers"), "retrieved_at": snap.get("retrieved_at"),
                                     "rank": (parse_time(snap["retrieved_at"]).seconds
                                              if snap.get("retrieved_at") else -math.inf, 0, 0)}
    if ctx.followers:
        frame = pd.DataFrame(ctx.followers)
        key = frame["handle"].where(frame["handle"].notna(), frame["alt"])
        by_handle, _ = index.match(frame["platform"], key)
        by_alt, _ = index.match(frame["platform"], frame["alt"])
        frame["account_id"] = by_handle.fillna(by_alt)
        for row in frame[frame["account_id"].notna()].itertuples(index=False):
            rank = (row.retrieved_s if row.retrieved_s is not None and not pd.isna(row.retrieved_s) else -math.inf,
                    1, row.order)
            current = snapshots.get(row.account_id)
            if current is None or rank >= current["rank"]:
                snapshots[row.account_id] = {"followers": int(row.followers),
                                             "retrieved_at": format_time(row.retrieved_s)
                                             if rank[0] != -math.inf else None,
                                             "rank": rank, "new": True, "file": row.file, "line": row.line}
    before = dict(zip(accounts["account_id"], accounts["followers"]))
    values = accounts["followers"].astype("object").tolist()
    for i, account_id in enumerate(accounts["account_id"]):
        snap = snapshots.get(account_id)
        if snap is not None and snap.get("followers") is not None:
            values[i] = int(snap["followers"])
            if snap.get("new"):
                old = before.get(account_id)
                report.followers_updated.append({
                    "account_id": account_id, "followers": int(snap["followers"]),
                    "previous": None if pd.isna(old) else int(old),
                    "retrieved_at": snap["retrieved_at"], "source": f"{snap['file']}:{snap['line']}"})
    accounts["followers"] = pd.array(values, dtype="Int64")
    kept = {a: {"followers": s["followers"], "retrieved_at": s["retrieved_at"]} for a, s in sorted(snapshots.items())}
    return accounts, kept


def assemble(ctx: ParseContext, roster: Roster, out: Path) -> dict[str, pd.DataFrame]:
    """Turn the parsed records into the output tables and fill the report's counts.

    Steps: type the records; keep one row per post (latest snapshot); match handles to the roster
    (unmatched and ambiguous ones are counted, not imported); merge with the posts already in
    ``out``; take the latest followers. Rows examined = skipped + refused + duplicates merged +
    unmatched + imported.
    """
    report = ctx.report
    previous = previous_report(out, report)
    old_snapshots = previous.get("snapshots") or {}
    frame = _frame_of_records(ctx.posts)
    deduped, aliases = dedupe_records(frame, report)
    duplicates = len(frame) - len(deduped)

    index = AccountIndex(roster.accounts)
    by_handle, ambiguous_handle = index.match(deduped["platform"], deduped["handle"])
    by_alt, ambiguous_alt = index.match(deduped["platform"], deduped["alt"])
    deduped = deduped.assign(account_id=by_handle.fillna(by_alt))
    ambiguous = deduped["account_id"].isna() & (ambiguous_handle.notna() | ambiguous_alt.notna())
    for row, candidates in zip(deduped[ambiguous].itertuples(index=False),
                               ambiguous_handle[ambiguous].fillna(ambiguous_alt[ambiguous])):
        report.refuse(row.file, row.line, f"handle {row.display or row.match_key!r} matches several roster "
                                          f"accounts ({', '.join(candidates)}); keep one of them in accounts")
    unmatched = deduped["account_id"].isna() & ~ambiguous
    for (platform, display), n in (deduped[unmatched].assign(display=deduped["display"].fillna(deduped["match_key"])
                                                             .fillna("(no handle)"))
                                   .groupby(["platform", "display"]).size().items()):
        report.unmatched[(platform, display)] += int(n)
    matched = deduped[deduped["account_id"].notna()].copy()

    existing = read_existing_posts(out)
    if existing is not None:
        unknown = set(existing["account_id"].dropna()) - set(roster.accounts["account_id"])
        if unknown:
            report.note(f"posts already in {out / 'posts.csv'} whose account_id is not in the roster "
                        f"(kept; influence validate will list them): {', '.join(sorted(unknown)[:5])}")
    merged, retrieved = merge_posts(existing, matched, aliases, old_snapshots.get("posts") or {}, report)
    posts = posts_table(merged)
    posts = posts.sort_values(["published_at", "post_id"], kind="stable").reset_index(drop=True)
    accounts, follower_snapshots = latest_followers(ctx, index, roster, old_snapshots.get("followers"), report)

    kinds = matched["kind"].value_counts()
    merge_counts = dict(report.counts)
    report.counts = {
        "rows_read": ctx.rows_examined,
        "skipped": len(report.skipped),
        "refused": len(report.refused),
        "duplicates_merged": int(duplicates),
        "unmatched": int(unmatched.sum()),
        "imported": len(matched),
        "posts_found": len(frame),
        "added": merge_counts.get("added", 0),
        "updated": merge_counts.get("updated", 0),
        "kept_existing": merge_counts.get("kept_existing", 0),
        "reposts": int(kinds.get("repost", 0)),
        "by_kind": {k: int(kinds[k]) for k in KINDS if k in kinds},
        "posts_in_dataset": len(posts),
    }
    report.snapshots = {
        "note": "retrieval time of each post and follower count kept in the dataset; the next import "
                "compares against them (latest snapshot wins)",
        "posts": {p: format_time(retrieved[p]) for p in sorted(retrieved) if retrieved[p] is not None},
        "followers": follower_snapshots,
    }
    report.history = list(previous.get("previous_imports") or [])
    if previous.get("format"):
        report.history.append({"format": previous.get("format"), "scraped_at": previous.get("scraped_at"),
                               "files": [f.get("path") for f in previous.get("files") or []],
                               "imported": (previous.get("counts") or {}).get("imported")})
    return {"organizations": roster.organizations, "members": roster.members,
            "accounts": accounts, "posts": posts}


# --- writing ------------------------------------------------------------------------------------------------

def _ordered(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        if column not in out.columns:
            out[column] = ""
    extra = [c for c in out.columns if c not in columns]
    return out[columns + extra]


def write_csv(frame: pd.DataFrame, path: Path, columns: list[str]) -> None:
    """Write a canonical table: UTF-8 without BOM, ``,``, LF, empty cells for missing values,
    integers without ``.0``, times as ``2021-03-04T09:15:00Z``; written to a temporary file first."""
    tmp = path.with_name(path.name + ".tmp")
    _ordered(frame, columns).to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n", na_rep="",
                                    date_format=TIMESTAMP_FORMAT)
    os.replace(tmp, path)


def write_dataset(tables: dict[str, pd.DataFrame], roster: Roster, out: Path, report: ImportReport) -> None:
    """Write the output dataset folder: four CSV tables, dataset.yml and the import report."""
    for name in TABLE_COLUMNS:
        if name != "posts" and (out / f"{name}.parquet").exists():
            raise ImportUsageError(f"{out}: holds {name}.parquet; the importer writes CSV tables. Choose another "
                                   f"--out, or convert the dataset to CSV first")
    out.mkdir(parents=True, exist_ok=True)
    for name, columns in TABLE_COLUMNS.items():
        write_csv(tables[name], out / f"{name}.csv", columns)
    target = out / "dataset.yml"
    if roster.dataset_yml.resolve() != target.resolve():
        shutil.copyfile(roster.dataset_yml, target)
    tmp = out / (REPORT_NAME + ".tmp")
    tmp.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, out / REPORT_NAME)
