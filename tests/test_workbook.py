"""rankings.xlsx: sheet names, the declared sheets, hostile texts stored as text, determinism."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from influence_lib.dataset import SAMPLE_DIR
from influence_lib.export import excel_text, save_table, write_workbook
from influence_lib.ranking import DIRECTION_RANK_COLUMNS
from influence_lib.settings import DatasetSettings, load_dataset_settings, parse_settings
from influence_lib.workbook import (
    SHEET_NAME_FORBIDDEN,
    SHEETS,
    WorkbookError,
    about_table,
    build_sheets,
    read_report_tables,
    sheet_names,
    sheet_title_warnings,
)

GOLDEN = Path(__file__).resolve().parent / "golden" / "sante" / "2021"
HOSTILE = [
    '=HYPERLINK("http://evil","x")',
    "+33 1 23 45 67",
    "-2+3",
    "@SUM(A1:A9)",
    "\tTabulée",
    "\rRetour chariot",
    "=1+1;=2",
    "'=déjà protégée",
    '=cmd|" /C calc"!A0',
    "<script>alert(1)</script>",
    "Contrôle\x01caché",
]
HOSTILE_LABELS = {
    "laboratoires-biotech": "Laboratoires / Biotech \\ [R&D]: *?",
    "equipement-medical": "Équipement: médical?",
    "e-sante": "Santé connectée et beauté du quotidien A",
    "sante-beaute": "Santé connectée et beauté du quotidien B",
}


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def assert_valid_names(names, titles):
    assert len(names) == len(titles)
    assert len({n.casefold() for n in names}) == len(names), names
    for name in names:
        assert 1 <= utf16_length(name) <= 31, name
        assert not set(name) & set(SHEET_NAME_FORBIDDEN), name
        assert not name.startswith("'") and not name.endswith("'"), name
        assert name.casefold() != "history"


# --- sheet names ------------------------------------------------------------------------------------

def test_sheet_names_replace_cut_and_keep_every_sheet():
    titles = ["Top 20 A/B\\C [x]: *?", "Top 20 Santé connectée et beauté du quotidien A",
              "Top 20 Santé connectée et beauté du quotidien B", "top 20 santé connectée et beauté du quotidien c",
              "Top 100 Laboratoires et Biotech", "History", "'Cité'", "", "Top voices"]
    names = sheet_names(titles)
    assert names == ["Top 20 A-B-C (x)- -", "Top 20 Santé connectée et beaut", "Top 20 Santé connectée et b (2)",
                     "top 20 santé connectée et b (3)", "Top 100 Laboratoires et Biotech", "History (2)", "Cité",
                     "Feuille", "Top voices"]
    assert_valid_names(names, titles)


def test_sheet_names_count_utf16_units_and_never_split_a_character():
    names = sheet_names(["Top 10 " + "🚀" * 20, "Top 10 " + "🚀" * 20])
    assert names[0] == "Top 10 " + "🚀" * 12
    assert names[1] == "Top 10 " + "🚀" * 10 + " (2)"
    assert_valid_names(names, [1, 2])


@given(st.lists(st.text(max_size=60), max_size=12))
def test_sheet_names_are_always_valid_and_accepted_by_openpyxl(titles):
    names = sheet_names(titles)
    assert_valid_names(names, titles)
    book = openpyxl.Workbook()
    for name in names:
        book.create_sheet(name)  # openpyxl refuses invalid titles
    assert book.sheetnames[1:] == names


def test_sample_labels_fit_and_too_long_labels_are_named():
    settings = load_dataset_settings(SAMPLE_DIR / "dataset.yml")
    assert sheet_title_warnings(settings) == []  # the sample's own labels all fit
    content = yaml.safe_load((SAMPLE_DIR / "dataset.yml").read_text(encoding="utf-8"))
    segment = "environnement"
    for entry in content["sectors"]["energie"]["segments"]:
        if entry["key"] == segment:
            entry["label"] = "Eau, Déchets et Environnement"
    messages = sheet_title_warnings(DatasetSettings.model_validate(content))
    assert len(messages) == 1  # "Top 10 Eau, Déchets et Environnement" has 36 characters
    assert messages[0].startswith(f'dataset.yml, sector energie, segment {segment}: the sheet "Top 10 Eau, Déchets '
                                  'et Environnement" of rankings.xlsx is named "Top 10 Eau, Déchets et Environn" (')


def hostile_settings() -> DatasetSettings:
    content = yaml.safe_load((SAMPLE_DIR / "dataset.yml").read_text(encoding="utf-8"))
    for segment in content["sectors"]["sante"]["segments"]:
        segment["label"] = HOSTILE_LABELS[segment["key"]]
    return parse_settings(DatasetSettings, content, "dataset.yml")


def test_validate_warnings_name_each_changed_label():
    messages = [m for m in sheet_title_warnings(hostile_settings()) if "sector sante" in m]
    assert len(messages) == 4
    assert all(m.startswith("dataset.yml, sector sante, segment ") for m in messages)
    assert '"Top 50 Équipement: médical?" of rankings.xlsx is named "Top 50 Équipement- médical"' in messages[1]
    assert "segment sante-beaute" in messages[3] and "(2)" in messages[3]


# --- the declared sheets ---------------------------------------------------------------------------

IN_MEMORY = {"about": list(about_table(load_dataset_settings(SAMPLE_DIR / "dataset.yml"), "sante", "2021", "x").columns)}


def test_declared_sheets_match_the_tables_a_report_writes():
    """Every table and required column the sheets declare exists in the golden tables (or in memory)."""
    settings = load_dataset_settings(SAMPLE_DIR / "dataset.yml")
    keys = [s.key for s in settings.sector("sante").segments]
    for sheet in SHEETS:
        for template in sheet.tables:
            for name in sorted({template.format(segment=k) for k in keys}):
                if name.startswith("ranking_full_"):
                    columns = DIRECTION_RANK_COLUMNS
                elif name in IN_MEMORY:
                    columns = IN_MEMORY[name]
                else:
                    assert (GOLDEN / f"{name}.csv").is_file(), f"{sheet.title}: no table {name}"
                    columns = list(pd.read_csv(GOLDEN / f"{name}.csv", nrows=0).columns)
                missing = [c.source for c in sheet.columns if not c.optional and c.source not in columns
                           and not (c.source == "segment" and "{segment}" in template)]
                assert not missing, f"{sheet.title}: {name} lacks {missing}"


def hostile_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The golden tables with hostile names, roles, member names and excerpts, saved and read back as a run does."""
    tables = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(GOLDEN.glob("*.csv"))}
    orgs = sorted({o for t in tables.values() if "org_id" in t for o in t["org_id"]})
    members = sorted({m for t in tables.values() if "member_id" in t for m in t["member_id"]})
    org_name = {o: f"{HOSTILE[i % len(HOSTILE)]} {i}" for i, o in enumerate(orgs)}
    member_name = {m: f"{HOSTILE[(i + 4) % len(HOSTILE)]} {i}" for i, m in enumerate(members)}
    for name, table in tables.items():
        if "org_id" in table:
            for column in ("name", "direction"):
                if column in table:
                    table[column] = table["org_id"].map(org_name)
        if "member_id" in table and "full_name" in table:
            table["full_name"] = table["member_id"].map(member_name)
        if "top_member_id" in table:
            table["top_member_name"] = table["top_member_id"].map(member_name)
        for column in ("role", "best_member", "excerpt"):
            if column in table:
                table[column] = [HOSTILE[(i + 7) % len(HOSTILE)] for i in range(len(table))]
        save_table(table, folder, name)
    read = read_report_tables(folder / "tables")
    for key in HOSTILE_LABELS:
        read[f"ranking_full_{key}"] = read[f"ranking_{key}"][DIRECTION_RANK_COLUMNS]
    settings = hostile_settings()
    read["about"] = about_table(settings, "sante", "2021", "engagement v1")
    return read


@pytest.fixture(scope="module")
def hostile_workbook(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    tables = hostile_tables(folder)
    settings = hostile_settings()
    sheets = build_sheets(tables, settings, "sante")
    path = write_workbook(sheets, folder / "rankings.xlsx", title="t", subject="s",
                          document_date=settings.period("2021").end)
    return path, tables, sheets


def every_cell(book):
    for ws in book.worksheets:
        for row in ws.iter_rows():
            yield from row


def test_hostile_texts_are_text_cells(hostile_workbook):
    path, tables, _ = hostile_workbook
    book = openpyxl.load_workbook(path)
    kinds = {}
    for cell in every_cell(book):
        kinds[cell.data_type] = kinds.get(cell.data_type, 0) + 1
        assert cell.data_type != "f", f"{cell.parent.title}!{cell.coordinate}: {cell.value!r}"
    assert set(kinds) <= {"s", "n", "d"} and kinds["s"] and kinds["n"]
    strings = {c.value for c in every_cell(book) if c.data_type == "s"}
    for word in HOSTILE:
        assert any(s.startswith(excel_text(word)) for s in strings), word
    for word in HOSTILE:  # the quote that neutralises the CSV cell is not in the workbook
        assert word.startswith("'") or not any(s.startswith("'" + excel_text(word)) for s in strings), word


def test_each_segment_keeps_its_sheet_with_its_rows(hostile_workbook):
    path, tables, sheets = hostile_workbook
    book = openpyxl.load_workbook(path)
    names = book.sheetnames
    assert names == [s.name for s in sheets]
    assert_valid_names(names, names)
    settings = hostile_settings()
    segment_sheets = names[1:5]
    assert len(segment_sheets) == 4 and all(n.startswith(("Top 100 ", "Top 50 ", "Top 20 ")) for n in segment_sheets)
    for name, segment in zip(segment_sheets, settings.sector("sante").segments):
        ws = book[name]
        header = [c.value for c in ws[1]]
        directions = [r[header.index("Direction")] for r in ws.iter_rows(min_row=2, values_only=True)]
        assert directions == [excel_text(v) for v in tables[f"ranking_{segment.key}"]["name"]]
    assert names[:1] + names[5:] == ["Top 10 et analyse", "Top voices", "Classement complet", "Méthodologie",
                                     "Chiffres clés", "Profils - membres", "Profils - concentration",
                                     "Profils - plateformes", "Profils - meilleurs posts", "Profils - mois"]


def test_numbers_labels_and_formats(hostile_workbook):
    path, tables, _ = hostile_workbook
    book = openpyxl.load_workbook(path)
    ws = book["Top 10 et analyse"]
    header = [c.value for c in ws[1]]
    assert header[:2] == ["Rang", "Direction"] and "Organisation" not in header and "Segment" not in header
    rows = list(ws.iter_rows(min_row=2))
    change = [r[header.index("Évolution (places)")] for r in rows]
    assert all(c.data_type == "n" and isinstance(c.value, int) for c in change)
    assert [c.value for c in change] == [int(v) for v in tables["top10"]["rank_change"]]
    assert any(c.value < 0 for c in change) and change[0].number_format == "+#,##0;-#,##0;0"
    assert rows[0][header.index("Score")].number_format == "#,##0"
    statuses = {r[header.index("Statut")].value for r in rows}
    assert statuses <= {"▲ hausse", "▼ baisse", "= stable", "nouveau", "entrée"} and "entrée" in statuses
    full = book["Classement complet"]
    assert {r[0] for r in full.iter_rows(min_row=2, values_only=True)} == set(HOSTILE_LABELS.values())
    members = book["Profils - membres"]
    assert members["G2"].number_format == "0.0%" and 0 < members["G2"].value <= 1
    platforms = {r[1] for r in book["Profils - plateformes"].iter_rows(min_row=2, values_only=True)}
    assert platforms == {"LinkedIn", "Twitter"}
    posts = book["Profils - meilleurs posts"]
    header = [c.value for c in posts[1]]
    published = posts.cell(row=2, column=header.index("Publié le (heure de Paris)") + 1)
    assert published.is_date and published.value.isoformat() == "2021-03-17T12:34:30"
    link = posts.cell(row=2, column=header.index("Lien") + 1)
    assert link.hyperlink is not None and link.hyperlink.target == link.value
    figures = {r[1]: r[2] for r in book["Chiffres clés"].iter_rows(min_row=2, values_only=True)
               if r[0] == HOSTILE_LABELS["laboratoires-biotech"]}
    assert figures["Directions classées"] == 140 and figures["Engagement total"] == 287115
    assert isinstance(figures["Part du leader dans l’engagement"], float)
    about = {r[0]: r[1] for r in book["Méthodologie"].iter_rows(min_row=2, values_only=True)}
    assert about["Édition"] == "2021" and about["Organisations"] == 258
    assert about["Date du document (fin de l’édition)"] == "1er juin 2021"


def test_every_sheet_is_a_styled_table_with_frozen_panes(hostile_workbook):
    path, _, _ = hostile_workbook
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        assert ws.freeze_panes == "B2", ws.title
        assert len(ws.tables) == 1, ws.title
        table = next(iter(ws.tables.values()))
        assert table.ref == f"A1:{ws.cell(row=1, column=ws.max_column).column_letter}{ws.max_row}"
        assert all(c.font.b and c.fill.fgColor.rgb.endswith("D9E1F2") for c in ws[1])
        assert all(8 <= ws.column_dimensions[c.column_letter].width <= 60 for c in ws[1])


def test_workbook_is_byte_deterministic_and_dated_by_the_edition(hostile_workbook, tmp_path):
    path, _, sheets = hostile_workbook
    again = write_workbook(sheets, tmp_path / "again.xlsx", title="t", subject="s",
                           document_date=hostile_settings().period("2021").end)
    assert again.read_bytes() == path.read_bytes()
    with zipfile.ZipFile(path) as z:
        core = z.read("docProps/core.xml").decode()
        assert all(i.date_time == (2000, 1, 1, 0, 0, 0) for i in z.infolist())
    assert re.findall(r"<dcterms:(\w+)[^>]*>([^<]*)<", core) == [("created", "2021-06-01T00:00:00Z"),
                                                                  ("modified", "2021-06-01T00:00:00Z")]


def test_missing_tables_and_a_first_edition_do_not_break_it(tmp_path):
    settings = load_dataset_settings(SAMPLE_DIR / "dataset.yml")
    ranking = pd.read_csv(GOLDEN / "ranking_e-sante.csv", dtype=str, keep_default_na=False)
    ranking[["previous_rank", "rank_change", "status"]] = ""  # no previous edition
    sheets = build_sheets({"ranking_e-sante": ranking}, settings, "sante")
    assert [s.name for s in sheets] == ["Top 20 E-Santé"]
    assert "Statut" not in sheets[0].frame and "Rang précédent" not in sheets[0].frame
    path = write_workbook(sheets, tmp_path / "r.xlsx")
    assert openpyxl.load_workbook(path).sheetnames == ["Top 20 E-Santé"]
    empty = build_sheets({"ranking_e-sante": ranking.iloc[0:0]}, settings, "sante")
    book = openpyxl.load_workbook(write_workbook(empty, tmp_path / "e.xlsx"))
    assert book.active.auto_filter.ref == "A1:G1" and book.active.max_row == 1  # empty optional columns left out


def test_a_renamed_column_is_a_clear_error():
    settings = load_dataset_settings(SAMPLE_DIR / "dataset.yml")
    ranking = pd.read_csv(GOLDEN / "ranking_e-sante.csv", dtype=str).rename(columns={"engagement": "engagement_sum"})
    with pytest.raises(WorkbookError, match="needs the column 'engagement'.*update influence_lib.workbook.SHEETS"):
        build_sheets({"ranking_e-sante": ranking}, settings, "sante")


# --- end to end: a hostile dataset through `influence validate` and `influence report` ----------------

def hostile_dataset(folder: Path) -> Path:
    """The sample with hostile Direction names, member names, roles and segment labels in sector energie.

    Carriage returns are left out here: reading them inside a CSV field is the loader's business.
    """
    shutil.copytree(SAMPLE_DIR, folder)
    words = [w for w in HOSTILE if "\r" not in w and "\x01" not in w]
    orgs = pd.read_csv(folder / "organizations.csv", dtype=str, keep_default_na=False)
    chosen = orgs["sector"] == "energie"
    orgs.loc[chosen, "name"] = [f"{words[i % len(words)]} n°{i}" for i in range(chosen.sum())]
    orgs.to_csv(folder / "organizations.csv", index=False, lineterminator="\n")
    members = pd.read_csv(folder / "members.csv", dtype=str, keep_default_na=False)
    ours = members["org_id"].isin(orgs.loc[chosen, "org_id"])
    members.loc[ours, "full_name"] = [f"{words[(i + 3) % len(words)]} {i}" for i in range(ours.sum())]
    members.loc[ours, "role"] = [f"{words[(i + 5) % len(words)]} rôle" for i in range(ours.sum())]
    members.to_csv(folder / "members.csv", index=False, lineterminator="\n")
    content = yaml.safe_load((folder / "dataset.yml").read_text(encoding="utf-8"))
    segments = content["sectors"]["energie"]["segments"]
    for segment, label in zip(segments, ["Énergie: fournisseurs / réseaux \\ [gaz]*?",
                                         "Énergies renouvelables et stockage A", "Énergies renouvelables et stockage B"]):
        segment["label"] = label
    (folder / "dataset.yml").write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder
