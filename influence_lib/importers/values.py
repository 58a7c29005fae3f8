"""The values collection tools write: counts, dates and times, relative dates, fields of nested records."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

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


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_MS = timedelta(milliseconds=1)


@dataclass(frozen=True)
class ParsedTime:
    """A point in time in whole milliseconds since the epoch (UTC); ``assumed_utc`` when the text had no zone."""

    ms: int
    assumed_utc: bool = False

    @property
    def seconds(self) -> int:
        """The time in whole seconds (retrieval times are compared to the second)."""
        return self.ms // 1000


def _epoch_number(number: int | float) -> int:
    # 13 digits are milliseconds (LinkedIn, Apify), 10 are seconds; a fraction of seconds is read
    # through its decimal text, so that 1747419119.821 gives 821 ms and not 820.99...
    if abs(number) >= 1e11:
        return math.floor(number)
    return math.floor(Decimal(str(number)) * 1000)


def _stamp_ms(stamp: datetime) -> int:
    """Milliseconds since the epoch of an aware datetime, exactly (no float rounding)."""
    return (stamp - _EPOCH) // _ONE_MS


def parse_time(value: Any) -> ParsedTime | None:
    """Read a date and time as collection tools write it; ``None`` when empty.

    ISO 8601 (with ``Z``, an offset, or none: then UTC is assumed), Twitter v1.1
    ``Wed Oct 10 20:19:24 +0000 2018``, epoch seconds or milliseconds (number or digits), and the
    day-first ``18/12/2022 20:52`` written by a spreadsheet in a French locale (UTC assumed; month
    first when the day is obviously second). Milliseconds are kept (``.632Z``); finer fractions
    are dropped.

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
        if isinstance(value, (float, np.floating)):
            if math.isnan(value):
                return None
            return ParsedTime(_epoch_number(float(value)))
        return ParsedTime(_epoch_number(int(value)))
    text = str(value).strip()
    if text.lower() in _MISSING_TEXT:
        return None
    if text.isdigit() and len(text) in (10, 13):
        return ParsedTime(_epoch_number(int(text)))
    if _V1_RE.match(text):
        stamp = datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")
        return ParsedTime(_stamp_ms(stamp))
    match = _DMY_RE.match(text)
    if match:
        a, b, year = int(match[1]), int(match[2]), int(match[3])
        day, month = (b, a) if b > 12 >= a else (a, b)
        try:
            stamp = datetime(year, month, day, int(match[4] or 0), int(match[5] or 0), int(match[6] or 0),
                             tzinfo=timezone.utc)
        except ValueError:
            raise ValueError(f"cannot read {text!r} as a date") from None
        return ParsedTime(_stamp_ms(stamp), assumed_utc=True)
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"cannot read {text!r} as a date") from None
    assumed = stamp.tzinfo is None
    if assumed:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return ParsedTime(_stamp_ms(stamp), assumed_utc=assumed)


def try_parse_time(value: Any) -> ParsedTime | None:
    """:func:`parse_time`, with ``None`` also for a value that cannot be read (an optional field)."""
    try:
        return parse_time(value)
    except ValueError:
        return None


def parse_scraped_at(text: str) -> int:
    """The ``--scraped-at`` argument as epoch seconds; ``ValueError`` with a hint when unreadable."""
    parsed = try_parse_time(text)
    if parsed is None:
        raise ValueError(f"--scraped-at {text!r} is not a date and time; write it in ISO 8601, "
                         f"e.g. 2025-06-16T22:13:00Z")
    return parsed.seconds


def format_time(seconds: int | float | None) -> str | None:
    """Epoch seconds as ``2021-03-04T09:15:00Z`` (``None`` stays ``None``)."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return None
    return datetime.fromtimestamp(int(seconds), tz=timezone.utc).strftime(TIMESTAMP_FORMAT)


def format_time_ms(ms: int | None) -> str | None:
    """Epoch milliseconds as ``2021-03-04T09:15:00Z``, or ``2021-03-04T09:15:00.632Z`` when they are not whole seconds."""
    if ms is None:
        return None
    whole, rest = divmod(int(ms), 1000)
    text = datetime.fromtimestamp(whole, tz=timezone.utc).strftime(TIMESTAMP_FORMAT)
    return text if not rest else f"{text[:-1]}.{rest:03d}Z"


# --- relative dates ----------------------------------------------------------------------------

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


# --- fields of nested records -----------------------------------------------------------------

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

