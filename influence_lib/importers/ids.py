"""Post ids and handles: the time an id holds, ids in URLs and URNs, ids rounded by a spreadsheet, handle keys."""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote, urlsplit

# --- the time an id holds ----------------------------------------------------------------------

# The tweet and LinkedIn ids hold their creation time: ms = (id >> 22) + epoch.
TWITTER_EPOCH_MS = 1288834974657
_MIN_TWEET_MS = TWITTER_EPOCH_MS + 86_400_000          # ids of the first day are not snowflakes
_MIN_LINKEDIN_MS = 1041379200000                       # 2003-01-01, LinkedIn opened in May 2003
_MAX_MS = 4102444800000                                # 2100-01-01


def _snowflake_ms(raw: Any, epoch_ms: int, minimum_ms: int) -> int | None:
    text = str(raw).strip() if raw is not None else ""
    if not text.isdigit():
        return None
    ms = (int(text) >> 22) + epoch_ms
    if not minimum_ms <= ms < _MAX_MS:
        return None
    return ms


def tweet_id_ms(tweet_id: Any) -> int | None:
    """Creation time encoded in a tweet id (snowflake), in epoch milliseconds: ``(id >> 22) + 1288834974657``.

    ``None`` for ids from before November 2010, which are sequential and hold no time.
    """
    return _snowflake_ms(tweet_id, TWITTER_EPOCH_MS, _MIN_TWEET_MS)


def linkedin_id_ms(post_id: Any) -> int | None:
    """Creation time encoded in a LinkedIn activity/share/ugcPost id, in epoch milliseconds: ``id >> 22``."""
    return _snowflake_ms(post_id, 0, _MIN_LINKEDIN_MS)


def tweet_id_seconds(tweet_id: Any) -> int | None:
    """:func:`tweet_id_ms` in whole seconds."""
    ms = tweet_id_ms(tweet_id)
    return None if ms is None else ms // 1000


def linkedin_id_seconds(post_id: Any) -> int | None:
    """:func:`linkedin_id_ms` in whole seconds."""
    ms = linkedin_id_ms(post_id)
    return None if ms is None else ms // 1000


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
    """Tell whether a column of ids went through a spreadsheet.

    True when some are in scientific notation, or at least half of the long ones ending in the zeros of a 15-digit rounding (a real id ends in ``0000`` once
    in ten thousand).
    """
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


