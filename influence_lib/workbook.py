"""The workbook ``rankings.xlsx``: its declared sheets, their French columns and formats, and safe sheet names."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from influence_lib.errors import InfluenceError
from influence_lib.export import SheetContent, read_report_table
from influence_lib.frenchify import STATUS_WORDS, format_label, format_period, platform_label
from influence_lib.settings import DatasetSettings, Segment

# --- Sheet names ----------------------------------------------------------------------------------

SHEET_NAME_MAX = 31  # Excel’s limit, in UTF-16 code units
SHEET_NAME_FORBIDDEN = "/\\[]:*?"
_REPLACEMENTS = str.maketrans({"/": "-", "\\": "-", ":": "-", "*": "-", "?": "", "[": "(", "]": ")"})
_RESERVED = {"history"}  # Excel keeps this name for itself
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _utf16_cut(text: str, limit: int) -> str:
    used, out = 0, []
    for char in text:
        size = 2 if ord(char) > 0xFFFF else 1
        if used + size > limit:
            break
        out.append(char)
        used += size
    return "".join(out)


def _tidy(text: str) -> str:
    return " ".join(text.split()).strip("'").strip()


def sheet_names(titles: Sequence[str]) -> list[str]:
    r"""The Excel sheet names of a workbook’s sheets, in order: valid, at most 31 characters, unique.

    The one rule for every sheet name: the characters Excel refuses are replaced (``/ \ : *``
    by ``-``, ``[ ]`` by ``( )``, ``?`` removed), control characters become spaces, spaces are
    collapsed, leading and trailing quotes removed (Excel refuses them), the name is cut to 31
    characters, and a name already taken (Excel compares them ignoring case) or reserved
    (``History``) gets `` (2)``, `` (3)``... within the 31 characters. An empty name becomes
    ``Feuille``.

    Parameters
    ----------
    titles : sequence of str
        The wanted titles, in workbook order (earlier sheets keep their names).

    Returns
    -------
    list of str
        One name per title.
    """
    names: list[str] = []
    taken = set(_RESERVED)
    for title in titles:
        base = _tidy(_CONTROL.sub(" ", str(title).translate(_REPLACEMENTS))) or "Feuille"
        name = _tidy(_utf16_cut(base, SHEET_NAME_MAX)) or "Feuille"
        n = 2
        while name.casefold() in taken:
            suffix = f" ({n})"
            name = _tidy(_utf16_cut(base, SHEET_NAME_MAX - len(suffix))) + suffix
            n += 1
        taken.add(name.casefold())
        names.append(name)
    return names


# --- The declared sheets --------------------------------------------------------------------------

INT = "#,##0"
DECIMAL1 = "#,##0.0"
DECIMAL2 = "#,##0.00"
DECIMAL3 = "0.000"
SHARE = "0.0%"
CHANGE = "+#,##0;-#,##0;0"
DATETIME = "dd/mm/yyyy hh:mm"
MONTH = "mmmm yyyy"
NUMBER_FORMATS = {"int": INT, "decimal1": DECIMAL1, "decimal3": DECIMAL3, "share": SHARE, "change": CHANGE,
                  "datetime": DATETIME, "month": MONTH}
NUMERIC_KINDS = {"int", "number", "decimal1", "decimal3", "share", "change"}
TEXT_KINDS = {"text", "url", "segment", "platform", "format", "status", "org", "flag"}
FLAG_WORD = "oui"  # a true flag (``flag`` columns); false stays blank
REPORT_ZONE = "Europe/Paris"


@dataclass(frozen=True)
class Column:
    """One column of a sheet: the table column it shows, its French header and its kind.

    Kinds: ``text``; ``url`` (text, a link when it is an http(s) address); ``int``, ``number``
    (whole values as integers, otherwise two decimals), ``decimal1``, ``decimal3``, ``share`` (a
    fraction shown as a percentage), ``change`` (signed: +3, -2); ``datetime`` (ISO time shown in
    Paris time), ``month`` (``2020-06``); labels instead of codes: ``segment``, ``platform``,
    ``format``, ``status``, ``org`` (an ``org_id`` shown as its Direction’s name); ``flag`` (a
    boolean shown as ``oui``, blank when false); ``figure``
    (the value of a key-figure row: a percentage when the row’s ``figure`` ends with ``share``).
    An ``optional`` column is left out when its table lacks it or when it is empty.
    """

    source: str
    header: str
    kind: str = "text"
    optional: bool = False


@dataclass(frozen=True)
class Sheet:
    """One declared sheet (or one per segment): its title, the tables it shows, its columns.

    ``tables`` are table names (``tables/<name>.csv``, or tables the run adds in memory);
    ``{segment}`` in a name stands for each segment key, focus segment first then dataset.yml
    order. With ``each_segment`` the sheet is repeated per segment and its title may use
    ``{top}`` and ``{label}``; otherwise the segments' tables are stacked, with a ``segment``
    column added when the table has none. Tables that are missing are skipped, and a sheet
    without any table is left out (for example the movements of a first edition).
    """

    title: str
    tables: tuple[str, ...]
    columns: tuple[Column, ...]
    each_segment: bool = False


_MOVEMENTS = (
    Column("previous_rank", "Rang précédent", "int", optional=True),
    Column("rank_change", "Évolution (places)", "change", optional=True),
    Column("status", "Statut", "status", optional=True),
)
# rank uncertainty (influence_lib.uncertainty.rank_uncertainty): docs/report.md, "Rank uncertainty"
_UNCERTAINTY = (
    Column("rank_low", "Rang possible de (IC 90 %)", "int", optional=True),
    Column("rank_high", "Rang possible à (IC 90 %)", "int", optional=True),
    Column("interval_untrustworthy", "Intervalle peu fiable", "flag", optional=True),
    Column("median_rank", "Rang médian (bootstrap)", "int", optional=True),
    Column("p_top", "Chances d’être dans ce Top", "share", optional=True),
)
_NECK_AND_NECK = (
    Column("ahead_share", "Part des tirages devant la suivante", "share", optional=True),
    Column("neck_and_neck", "Au coude-à-coude avec la suivante", "flag", optional=True),
)
RANKING_COLUMNS = (
    Column("rank", "Rang", "int"),
    Column("name", "Direction"),
    *_UNCERTAINTY,
    Column("score", "Score", "number"),
    *_NECK_AND_NECK,
    Column("engagement", "Engagement", "int"),
    Column("posts", "Posts", "int"),
    Column("posts_with_empty_counts", "Posts à compteur vide", "int", optional=True),
    Column("active_members", "Membres actifs", "int"),
    Column("members", "Membres", "int"),
    Column("best_member", "Membre le plus engageant", optional=True),
    Column("best_member_engagement", "Engagement du membre", "int", optional=True),
    *_MOVEMENTS,
)
FULL_RANKING_COLUMNS = (
    Column("segment", "Segment", "segment"),
    Column("rank", "Rang dans le segment", "int"),
    Column("name", "Direction"),
    Column("score", "Score", "number"),
    Column("engagement", "Engagement", "int"),
    Column("posts", "Posts", "int"),
    Column("active_members", "Membres actifs", "int"),
    Column("members", "Membres", "int"),
)
VOICE_COLUMNS = (
    Column("rank", "Rang", "int"),
    Column("full_name", "Nom"),
    Column("role", "Fonction"),
    Column("direction", "Direction"),
    *_UNCERTAINTY,
    Column("score", "Score", "number"),
    Column("ahead_share", "Part des tirages devant la suivante", "share", optional=True),
    Column("neck_and_neck", "Au coude-à-coude avec la suivante", "flag", optional=True),
    Column("engagement", "Engagement", "int"),
    Column("posts", "Posts", "int"),
    Column("engagement_per_post", "Engagement moyen par post", "decimal1"),
    *_MOVEMENTS,
)

SHEETS: tuple[Sheet, ...] = (
    Sheet("Top 10 et analyse", ("top10",),
          RANKING_COLUMNS + (Column("best_share", "Part du meilleur post", "share", optional=True),
                             Column("n_eff", "Posts effectifs", "decimal1", optional=True),
                             Column("rank_without_best_post", "Rang sans son meilleur post", "int", optional=True),
                             Column("analysis", "Analyse", optional=True))),
    Sheet("Top {top} {label}", ("ranking_{segment}",), RANKING_COLUMNS, each_segment=True),
    Sheet("Top voices", ("top_voices",), VOICE_COLUMNS),
    Sheet("Classement complet", ("ranking_full_{segment}",), FULL_RANKING_COLUMNS),
    Sheet("Méthodologie", ("about", "methodology_box"),
          (Column("label", "Indicateur"), Column("value", "Valeur", "figure"))),
    Sheet("Chiffres clés", ("key_numbers_{segment}",),
          (Column("segment", "Segment", "segment"), Column("label", "Indicateur"), Column("value", "Valeur", "figure"))),
    Sheet("Profils - membres", ("profiles_members",), (
        Column("org_id", "Direction", "org"), Column("rank_in_direction", "Rang dans la Direction", "int"),
        Column("full_name", "Nom"), Column("role", "Fonction"), Column("engagement", "Engagement", "int"),
        Column("posts", "Posts", "int"), Column("direction_share", "Part de la Direction", "share"))),
    Sheet("Profils - concentration", ("profiles_concentration",), (
        Column("org_id", "Direction", "org"), Column("members", "Membres", "int"),
        Column("active_members", "Membres actifs", "int"), Column("engagement", "Engagement", "int"),
        Column("top_member_name", "Membre principal"), Column("top_member_share", "Part du membre principal", "share"),
        Column("effective_voices", "Voix effectives", "decimal1"), Column("herfindahl", "Indice de Herfindahl", "decimal3"),
        Column("voice", "Portée par"))),
    Sheet("Profils - plateformes", ("profiles_platforms",), (
        Column("org_id", "Direction", "org"), Column("platform", "Plateforme", "platform"),
        Column("posts", "Posts", "int"), Column("engagement", "Engagement", "int"),
        Column("engagement_share", "Part de l’engagement", "share"))),
    Sheet("Profils - meilleurs posts", ("profiles_best_posts",), (
        Column("org_id", "Direction", "org"), Column("rank_in_direction", "Rang dans la Direction", "int"),
        Column("full_name", "Auteur"), Column("role", "Fonction"), Column("platform", "Plateforme", "platform"),
        Column("format", "Format", "format"), Column("published_at", "Publié le (heure de Paris)", "datetime"),
        Column("engagement", "Engagement", "int"), Column("excerpt", "Extrait"), Column("url", "Lien", "url"))),
    Sheet("Profils - mois", ("profiles_monthly",), (
        Column("org_id", "Direction", "org"), Column("month", "Mois", "month"),
        Column("posts", "Posts", "int"), Column("engagement", "Engagement", "int"))),
)
"""The sheets of ``rankings.xlsx``, in order: the report’s order (Top 10, each segment’s Top N, Top
voices), then the full ranking, the methodology and key figures, and the Top 10's profiles."""


class WorkbookError(InfluenceError):
    """A table does not have a column the workbook’s declared sheets need."""


# --- Building the sheets --------------------------------------------------------------------------

def segments_in_report_order(settings: DatasetSettings, sector: str) -> list[Segment]:
    """The sector’s segments as the report shows them: the focus segment first, then dataset.yml order."""
    sector_settings = settings.sector(sector)
    focus = sector_settings.focus or sector_settings.segments[0].key
    return sorted(sector_settings.segments, key=lambda s: s.key != focus)


def planned_titles(settings: DatasetSettings, sector: str,
                   sheets: Sequence[Sheet] = SHEETS) -> list[tuple[str, Segment | None]]:
    """The wanted title of every sheet of a sector’s workbook, with the segment a title comes from."""
    titles: list[tuple[str, Segment | None]] = []
    for sheet in sheets:
        if sheet.each_segment:
            titles += [(sheet.title.format(top=s.top, label=s.label, key=s.key), s)
                       for s in segments_in_report_order(settings, sector)]
        else:
            titles.append((sheet.title, None))
    return titles


def sheet_title_warnings(settings: DatasetSettings, sheets: Sequence[Sheet] = SHEETS) -> list[str]:
    """Messages about segment labels that ``rankings.xlsx`` must change to name their sheet.

    For ``influence validate``: a label with a character Excel refuses in sheet names, a title
    over 31 characters, or two titles equal once cut, is reported with the name the sheet gets.
    """
    messages = []
    for key in settings.sectors:
        planned = planned_titles(settings, key, sheets)
        for (title, segment), name in zip(planned, sheet_names([t for t, _ in planned])):
            if segment is not None and name != title:
                messages.append(
                    f"dataset.yml, sector {key}, segment {segment.key}: the sheet \"{title}\" of rankings.xlsx is "
                    f"named \"{name}\" (Excel sheet names have at most {SHEET_NAME_MAX} characters, none of "
                    f"{' '.join(SHEET_NAME_FORBIDDEN)}, and differ from each other); shorten or change the label "
                    f"to choose the name yourself")
    return messages


TEXT_FIGURES = {"study", "sector", "edition", "period", "methodology", "document_date"}  # about_table’s rows


def about_table(settings: DatasetSettings, sector: str, edition: str, methodology_label: str) -> pd.DataFrame:
    """The rows that open the methodology sheet: study, sector, edition, period, methodology, document date."""
    from influence_lib.frenchify import format_date

    period = settings.period(edition)
    rows = [("study", "Étude", settings.title), ("sector", "Secteur", settings.sector(sector).title),
            ("edition", "Édition", str(edition)), ("period", "Période", format_period(period.start, period.end)),
            ("methodology", "Méthodologie", methodology_label),
            ("document_date", "Date du document (fin de l’édition)", format_date(period.end))]
    return pd.DataFrame(rows, columns=["figure", "label", "value"])


def read_report_tables(folder: str | Path, sheets: Sequence[Sheet] | None = None) -> dict[str, pd.DataFrame]:
    """The ``tables/*.csv`` of a report folder, as text, by name (see :func:`export.read_report_table`).

    With ``sheets``, only the tables those sheets show (any segment) are read.
    """
    wanted = None
    if sheets is not None:
        wanted = [re.compile(re.escape(t).replace(re.escape("{segment}"), ".+")) for s in sheets for t in s.tables]
    return {path.stem: read_report_table(path) for path in sorted(Path(folder).glob("*.csv"))
            if wanted is None or any(p.fullmatch(path.stem) for p in wanted)}


def build_sheets(tables: Mapping[str, pd.DataFrame], settings: DatasetSettings, sector: str,
                 sheets: Sequence[Sheet] = SHEETS) -> list[SheetContent]:
    """The workbook’s sheets from the run’s tables: French headers, labels, names, number formats.

    Parameters
    ----------
    tables : mapping
        Table name to table (as read from ``tables/*.csv``, all text, or as computed).
    settings : DatasetSettings
    sector : str
    sheets : sequence of Sheet
        The declared sheets (default :data:`SHEETS`).

    Returns
    -------
    list of SheetContent
        In workbook order, with their final sheet names (:func:`sheet_names`).
    """
    segments = segments_in_report_order(settings, sector)
    labels = {s.key: s.label for s in settings.sector(sector).segments}
    names = _direction_names(tables)
    planned: list[tuple[str, Sheet, pd.DataFrame]] = []
    for sheet in sheets:
        if sheet.each_segment:
            for seg in segments:
                found = [tables[n] for n in (t.format(segment=seg.key) for t in sheet.tables) if n in tables]
                if found:
                    planned.append((sheet.title.format(top=seg.top, label=seg.label, key=seg.key), sheet,
                                    pd.concat(found, ignore_index=True)))
            continue
        found = []
        for template in sheet.tables:
            keys = [s.key for s in segments] if "{segment}" in template else [None]
            for key in keys:
                name = template.format(segment=key) if key else template
                if name in tables:
                    frame = tables[name]
                    found.append(frame.assign(segment=key) if key and "segment" not in frame else frame)
        if found:
            planned.append((sheet.title, sheet, pd.concat(found, ignore_index=True)))
    final = sheet_names([title for title, _, _ in planned])
    return [_sheet_content(name, sheet, frame, labels, names) for name, (_, sheet, frame) in zip(final, planned)]


def _direction_names(tables: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    names: dict[str, str] = {}
    for frame in tables.values():
        for column in ("name", "direction"):
            if "org_id" in frame and column in frame:
                for org, name in zip(frame["org_id"], frame[column]):
                    if _present(org) and _present(name):
                        names.setdefault(str(org), str(name))
    return names


def _present(value) -> bool:
    return not (value is None or (isinstance(value, str) and value == "") or (not isinstance(value, str) and pd.isna(value)))


def _sheet_content(name: str, sheet: Sheet, frame: pd.DataFrame, labels: dict[str, str],
                   names: dict[str, str]) -> SheetContent:
    columns, formats, links = {}, {}, []
    for col in sheet.columns:
        if col.source not in frame:
            if col.optional:
                continue
            raise WorkbookError(f"rankings.xlsx: the sheet {sheet.title!r} needs the column {col.source!r}, which its "
                                f"table {' / '.join(sheet.tables)} does not have; update influence_lib.workbook.SHEETS")
        values, number_format = _convert(frame, col, labels, names)
        if col.optional and not any(v is not None for v in values):
            continue
        columns[col.header] = pd.Series(values, dtype=object)
        if number_format:
            formats[col.header] = number_format
        if col.kind == "url":
            links.append(col.header)
    shown = pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))
    return SheetContent(name, shown, formats, tuple(links))


def _convert(frame: pd.DataFrame, col: Column, labels: dict[str, str], names: dict[str, str]):
    raw = [v if _present(v) else None for v in frame[col.source].to_numpy(dtype=object)]
    kind = col.kind
    if kind in TEXT_KINDS:
        lookup = {"segment": labels, "org": names, "status": STATUS_WORDS}.get(kind)
        if kind == "platform":
            return [None if v is None else platform_label(v) for v in raw], None
        if kind == "format":
            return [None if v is None else format_label(v) for v in raw], None
        if kind == "flag":
            return [FLAG_WORD if str(v).strip().lower() in ("true", "1") else None for v in raw], None
        return [None if v is None else (lookup.get(str(v), str(v)) if lookup else str(v)) for v in raw], None
    if kind in NUMERIC_KINDS:
        values = [_number(v) for v in raw]
        if kind == "number":
            whole = all(not isinstance(v, float) or v.is_integer() for v in values if v is not None)
            values = [int(v) if whole and isinstance(v, float) else v for v in values]
            return values, INT if whole else DECIMAL2
        if kind in ("int", "change"):
            values = [int(v) if isinstance(v, float) and v.is_integer() else v for v in values]
        return values, NUMBER_FORMATS[kind]
    if kind == "datetime":
        return [_paris_time(v) for v in raw], DATETIME
    if kind == "month":
        return [_month(v) for v in raw], MONTH
    if kind == "figure":
        figures = [str(f) for f in frame["figure"]] if "figure" in frame else [""] * len(frame)
        values = [str(v) if v is not None and f in TEXT_FIGURES else _number(v) for v, f in zip(raw, figures)]
        formats = []
        for value, figure in zip(values, figures):
            if not isinstance(value, (int, float)):
                formats.append(None)
            elif figure.endswith("share"):
                formats.append(SHARE)
            else:
                formats.append(INT if float(value).is_integer() else DECIMAL2)
        return [int(v) if isinstance(v, float) and v.is_integer() else v for v in values], tuple(formats)
    raise ValueError(f"unknown column kind {kind!r} (column {col.source})")


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _number(value):
    """A number from a table cell (text as read, or a number); other text is kept as text, never lost."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    text = str(value).strip()
    if _NUMBER.fullmatch(text):
        number = float(text)
        return int(text) if re.fullmatch(r"[+-]?\d+", text) else number
    return str(value)


def _paris_time(value):
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        return str(value)
    if pd.isna(stamp):
        return None
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    return stamp.tz_convert(REPORT_ZONE).tz_localize(None).floor("s").to_pydatetime()


def _month(value):
    if value is None:
        return None
    match = re.fullmatch(r"(\d{4})-(\d{2})", str(value).strip())
    return dt.datetime(int(match[1]), int(match[2]), 1) if match else str(value)
