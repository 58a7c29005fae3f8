"""French formatting of numbers, shares, dates and labels, for what the report shows its readers."""

from __future__ import annotations

import math

import pandas as pd

from influence_lib.names import fold_accents

THIN_SPACE = "\u202f"  # French thousands separator (narrow no-break space)

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")
MONTHS_SHORT = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

# rank movements (see influence_lib.ranking.add_movements): symbols for tables, words for terminals
STATUS_SYMBOLS = {"up": "▲", "down": "▼", "same": "=", "new": "nouveau", "entered": "entrée"}
STATUS_WORDS = {"up": "▲ hausse", "down": "▼ baisse", "same": "= stable", "new": "nouveau", "entered": "entrée"}


def movement_label(status, change, previous_rank=None, rank=None) -> str:
    """A rank movement for a table: ``▲ 3``, ``▼ 2``, ``=``, ``nouveau``, ``entrée (52e → 3e)``.

    Empty without a previous edition. ``entered`` names both ranks when they are given.
    """
    if status is None or (not isinstance(status, str) and pd.isna(status)):
        return ""
    symbol = STATUS_SYMBOLS[status]
    if status in ("up", "down"):
        return f"{symbol} {abs(int(change))}"
    if status == "entered" and previous_rank is not None and not pd.isna(previous_rank) and rank is not None:
        return f"{symbol} ({int(previous_rank)}e → {int(rank)}e)"
    return symbol


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


def format_share(share) -> str:
    """A share in running text: whole percents, one decimal where rounding would say 0 % or 100 % untruly.

    ``0.998`` is ``99,8 %`` (never ``100 %`` for a share that is not whole), ``0.476`` is ``48 %``.
    """
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return ""
    value = float(share)
    whole = round(100 * value)
    exact = value in (0.0, 1.0)
    return format_percent(value, 0 if exact or 0 < whole < 100 else 1)


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
    """Rename a table’s columns to their French labels (unknown columns keep their name)."""
    mapping = {**COLUMN_LABELS, **(labels or {})}
    return frame.rename(columns={c: mapping.get(c, c) for c in frame.columns})


# --- Labels and phrasing for the trends section and its "faits marquants" -------------------

FORMAT_LABELS = {
    "text": "texte",
    "image": "image",
    "video": "vidéo",
    "article": "article",
    "document": "document",
    "poll": "sondage",
    "link": "lien",
    "other": "autre",
    "unknown": "non renseigné",
}
PLATFORM_LABELS = {"linkedin": "LinkedIn", "twitter": "Twitter", "bluesky": "Bluesky"}
ROLE_GROUP_LABELS = {"ceo_chair": "Directeurs généraux et présidents", "other": "Autres membres"}
VOICE_LABELS = {"one_voice": "une voix", "collective": "un collectif"}  # trends.direction_concentration
APOSTROPHE = "\u2019"  # typographic apostrophe, as in the original report ("l’analyse")


def format_label(key: str) -> str:
    """French name of a post format: ``video`` -> ``vidéo`` (unknown keys are returned as given)."""
    return FORMAT_LABELS.get(str(key), str(key))


def platform_label(key: str) -> str:
    """Display name of a platform: ``linkedin`` -> ``LinkedIn``."""
    return PLATFORM_LABELS.get(str(key), str(key))


def weekday_label(weekday: int) -> str:
    """French weekday name, Monday = 0: ``weekday_label(6)`` -> ``dimanche``."""
    return WEEKDAYS[int(weekday)]


def format_month(month, short: bool = False) -> str:
    r"""A month in French: ``juin 2020``, or ``juin\n2020`` / ``janv.\n2021`` with ``short`` (axis labels).

    Accepts a ``pandas.Period``, a timestamp or a date text.
    """
    ts = month.to_timestamp() if isinstance(month, pd.Period) else pd.Timestamp(str(month))
    if short:
        return f"{MONTHS_SHORT[ts.month - 1]}\n{ts.year}"
    return f"{MONTHS[ts.month - 1]} {ts.year}"


def format_hour(hour: int) -> str:
    """An hour of the day: ``9 h``, ``minuit`` for 0 and 24."""
    hour = int(hour)
    return "minuit" if hour in (0, 24) else f"{hour}\u00a0h"


def format_hour_range(hour: int) -> str:
    """The one-hour slot starting at ``hour``: ``entre 9 h et 10 h``, ``entre 23 h et minuit``."""
    return f"entre {format_hour(hour)} et {format_hour(int(hour) + 1)}"


def format_ordinal(rank: int, feminine: bool = True) -> str:
    """French ordinal abbreviation: ``1re`` (or ``1er``), ``2e``, ``45e``."""
    rank = int(rank)
    if rank == 1:
        return "1re" if feminine else "1er"
    return f"{rank}e"


def pluralize(value, singular: str, plural: str | None = None) -> str:
    """The word for a quantity, French rule: singular below 2 (``0 interaction``, ``1,5 interaction``)."""
    return singular if abs(float(value)) < 2 else (plural or singular + "s")


PLURAL_NAME_STARTS = ("laboratoires", "etablissements", "hopitaux", "cliniques", "pharmacies", "editions", "groupes")


def with_de(name: str) -> str:
    """``de`` before a name: ``de Sanofi``, elided before a vowel, ``d’Ipsen``.

    Before a plural, ``des``: ``des Laboratoires Servier``, and ``Les Laboratoires X`` gives
    ``des Laboratoires X``.
    """
    text = str(name).strip()
    first_word = fold_accents(text.split(" ", 1)[0]) if text else ""
    if first_word == "les" and " " in text:
        return f"des {text.split(' ', 1)[1]}"
    if first_word in PLURAL_NAME_STARTS:
        return f"des {text}"
    first = fold_accents(text[:1])
    return f"d{APOSTROPHE}{text}" if first and first in "aeiouyœæ" else f"de {text}"


def _readable_cell(value, kind: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    if kind == "int":
        return format_number(value)
    if kind == "float1":
        return format_number(value, 1)
    if kind == "share":
        return format_percent(value, 1)
    if kind == "date":
        return format_date(value)
    if kind == "datetime":
        ts = pd.Timestamp(value)
        return f"{format_date(ts)}, {ts.hour:02d} h {ts.minute:02d}"
    if kind == "format":
        return format_label(str(value))
    if kind == "platform":
        return platform_label(str(value))
    return str(value)


def readable_table(frame: pd.DataFrame, columns: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """A table for readers: chosen columns, French labels, French formats.

    Parameters
    ----------
    frame : pandas.DataFrame
    columns : dict
        Column name to ``(French label, kind)``; kind is one of ``int``, ``float1``, ``share``
        (a fraction shown as a percentage), ``date``, ``datetime``, ``format``, ``platform``,
        ``text``. Missing values show as a dash.
    """
    return pd.DataFrame({label: [_readable_cell(v, kind) for v in frame[col]] for col, (label, kind) in columns.items()})
