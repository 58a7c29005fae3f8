"""French formatting of numbers, shares, dates and labels, for what the report shows its readers."""

from __future__ import annotations

import math

import pandas as pd

THIN_SPACE = "\u202f"  # French thousands separator (narrow no-break space)

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

COLUMN_LABELS = {
    "rank": "Rang",
    "org_id": "Organisation",
    "name": "Direction",
    "segment": "Segment",
    "score": "Score",
    "engagement": "Engagement",
    "posts": "Posts",
    "active_members": "Membres actifs",
    "members": "Membres",
    "member_id": "Membre",
    "full_name": "Nom",
    "role": "Fonction",
    "previous_rank": "Rang précédent",
    "rank_change": "Évolution",
    "status": "Statut",
}


def format_number(value, decimals: int = 0, sep: str = THIN_SPACE) -> str:
    """Format a number the French way: ``487 000``, ``12,5``; empty text for a missing value.

    Parameters
    ----------
    value : number or None
    decimals : int
        Digits after the decimal comma.
    sep : str
        Thousands separator (default a narrow no-break space).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    text = f"{float(value):,.{decimals}f}" if decimals else f"{round(float(value)):,d}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", sep)


def format_percent(share, decimals: int = 0) -> str:
    """Format a share (0.254) as a French percentage: ``25 %``."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return ""
    return f"{format_number(100 * float(share), decimals)}\u00a0%"


def format_date(stamp, with_year: bool = True) -> str:
    """Format a date in French: ``1 juin 2020`` (``1er`` for the first of the month)."""
    ts = pd.Timestamp(stamp)
    day = "1er" if ts.day == 1 else str(ts.day)
    return f"{day} {MONTHS[ts.month - 1]}" + (f" {ts.year}" if with_year else "")


def format_period(start, end) -> str:
    """A half-open period as readers expect it: ``du 1er juin 2020 au 31 mai 2021`` (end day included)."""
    last_day = pd.Timestamp(end) - pd.Timedelta(microseconds=1)
    return f"du {format_date(start)} au {format_date(last_day)}"


def french_labels(frame: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Rename a table's columns to their French labels (unknown columns keep their name)."""
    mapping = {**COLUMN_LABELS, **(labels or {})}
    return frame.rename(columns={c: mapping.get(c, c) for c in frame.columns})
