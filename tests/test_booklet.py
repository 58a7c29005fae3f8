"""The A4 booklet (report.pdf) and the page-level HTML it prints: anchors, figure descriptions, footer."""

from __future__ import annotations

import contextlib
import gc
import re
from collections import Counter
from concurrent.futures import CancelledError
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest
from pypdf import PdfReader

from influence_lib import booklet, export, html, report
from influence_lib.booklet import BookletError, print_ready, write_booklet

A4_POINTS = tuple(mm / 25.4 * 72 for mm in booklet.PAGE_SIZE_MM)
TOC_LINE = re.compile(r"^(?P<title>.+?)\s*\.{3,}\s*(?P<page>\d+)$")
PNG_1PX = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


def _ids(page: str) -> list[str]:
    return re.findall(r"\sid=\"([^\"]+)\"", page)


def _toc_entries(text: str) -> dict[str, int]:
    return {m["title"]: int(m["page"]) for m in map(TOC_LINE.match, text.splitlines()) if m}


def _pages_of_blocks(report_html: Path) -> tuple[list[set[int]], list[set[int]]]:
    """Lay the report out as the booklet does; the pages each card and each body table row lie on.

    Walks WeasyPrint's box tree (``Page._page_box``): a box split across pages appears on each.
    Header rows are left out, since they are repeated on purpose.
    """
    document = booklet.render(print_ready(report_html.read_text(encoding="utf-8"), report_html.parent / "figures"),
                              report_html.parent)
    cards: dict[int, set[int]] = {}
    rows: dict[int, set[int]] = {}

    def walk(box, number):
        if getattr(box, "is_header", False):
            return
        element = getattr(box, "element", None)
        if element is not None and getattr(box, "element_tag", "") == "div" and "card" in element.get("class", "").split():
            cards.setdefault(id(element), set()).add(number)
        if element is not None and getattr(box, "element_tag", "") == "tr":
            rows.setdefault(id(element), set()).add(number)
        for child in getattr(box, "children", []):
            walk(child, number)

    for number, page in enumerate(document.pages, start=1):
        walk(page._page_box, number)
    return list(cards.values()), list(rows.values())


# --- anchors and the page ------------------------------------------------------------------------

def test_headings_get_ids_unique_across_sections():
    # what nbconvert writes for a Markdown heading: its own id, a "¶" link, a cell id repeated by every notebook
    segment = ('<div class="cell" id="cell-id=cell-00"><h3 id="Le-classement">Le classement'
               '<a class="anchor-link" href="#Le-classement">¶</a></h3></div>')
    fragments = ["<h1>Top 50 Équipement</h1>" + segment, "<h1>Top 20 E-Santé</h1>" + segment,
                 "<h1>Sommaire</h1><h2>Top 20 E-Santé</h2>"]
    anchored, headings = html.anchor_headings(fragments)
    ids = [slug for _, slug, _ in headings]
    assert ids == ["top-50-equipement", "le-classement", "top-20-e-sante", "le-classement-2",
                   "sommaire-2", "top-20-e-sante-2"]  # "sommaire" belongs to the page's contents
    joined = "".join(anchored)
    assert "anchor-link" not in joined and "cell-id=" not in joined and "Le-classement" not in joined
    assert sorted(_ids(joined)) == sorted(ids)


def test_page_ids_unique_and_contents_link_to_them():
    fragments = ["<h1>Méthodologie</h1><h2>Couverture</h2><h3>Le classement</h3>",
                 "<h1>Top 20</h1><h3>Le classement</h3><h2>Couverture</h2>"]
    page = html.assemble_page("Étude", "Santé", "Édition 2021", fragments, "pied")
    ids = _ids(page)
    assert not [i for i, n in Counter(ids).items() if n > 1]
    links = re.findall(r'href="#([^"]+)"', page)
    assert links == ["methodologie", "couverture-2", "top-20", "couverture-3"]  # h1 and h2 only, in order
    assert set(links) <= set(ids)
    assert '<style media="print">' in page and "target-counter" in page


# --- figures -------------------------------------------------------------------------------------

def test_saved_figure_names_from_cell_source():
    available = {"top10", "leaders_e-sante", "leaders_sante-beaute", "formats"}
    source = ('fig = plots.plot_leaders(ranking, f"Les Directions en tête : {seg.label}")\n'
              'export.save_figure(fig, ctx.out_dir, f"leaders_{seg.key}");\n'
              'export.save_figure(fig2, ctx.out_dir, "top10")\n'
              'export.save_figure(fig3, ctx.out_dir, "unknown")')
    assert html.saved_figure_names(source, available, {"segment": "e-sante", "top": 10}) == \
        ["leaders_e-sante", "top10", None]
    # two files match the pattern and no parameter says which: none is guessed
    assert html.saved_figure_names(source, available, {"segment": "other"})[0] is None


def _notebook_with_images():
    nb = nbformat.v4.new_notebook()
    image = nbformat.v4.new_output("display_data", data={"image/png": PNG_1PX, "text/plain": "<Figure>"})
    saved = nbformat.v4.new_code_cell('fig = plots.plot_bars(...)\nexport.save_figure(fig, ctx.out_dir, "formats");')
    saved.outputs = [image]
    unsaved = nbformat.v4.new_code_cell("fig = plots.plot_bars(...)")
    unsaved.outputs = [nbformat.v4.new_output("display_data", data={"image/png": PNG_1PX})]
    profile = nbformat.v4.new_code_cell('export.save_figure(fig, ctx.out_dir, f"leaders_{seg.key}")')
    profile.outputs = [nbformat.v4.new_output("display_data", data={"image/png": PNG_1PX})]
    nb.cells = [nbformat.v4.new_markdown_cell("## Quand publier ?"), saved, unsaved, profile]
    return nb


def test_every_notebook_image_gets_a_french_description():
    nb = _notebook_with_images()
    html.prepare_outputs(nb, {"formats", "leaders_e-sante"}, {"segment": "e-sante"}, {"e-sante": "E-Santé"})
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="basic", exclude_input=True).from_notebook_node(nb)
    imgs = re.findall(r"<img\b[^>]*>", body)
    assert len(imgs) == 3
    assert "No description" not in body
    alts = [re.search(r'alt="([^"]*)"', i).group(1) for i in imgs]
    assert alts[0] == html.FIGURE_DESCRIPTIONS["formats"]
    assert alts[1] == "Graphique de la partie « Quand publier ? »"  # not saved: described by its heading
    assert alts[2].endswith("segment E-Santé")
    assert [re.search(r'data-figure="([^"]*)"', i) is not None for i in imgs] == [True, False, True]


def test_figure_is_svg_described_and_the_same_bytes_twice():
    def draw():
        fig, ax = plt.subplots()
        ax.bar([0, 1, 2], [3, 1, 2])
        ax.set_xticks([0, 1, 2], ["juin\n2020", "juil.\n2020", "août\n2020"])
        ax.set_ylabel("Engagement")
        return fig

    first, second = html.figure(draw()), html.figure(draw())
    assert first == second
    assert first.startswith('<img class="figure" src="data:image/svg+xml;base64,')
    assert 'alt="Graphique : Engagement, de juin 2020 à août 2020"' in first
    fig, ax = plt.subplots()
    ax.set_title("Posts par jour et par heure")
    assert html.describe_figure(fig) == "Graphique : Posts par jour et par heure"
    plt.close(fig)
    assert 'alt="Carte"' in html.figure(draw(), alt="Carte")


def test_figure_shows_the_saved_svg_file_as_drawing_it_would(tmp_path):
    from influence_lib import plots

    def draw():
        monthly = pd.DataFrame({"org_id": ["o1"] * 3, "month": pd.to_datetime(["2020-06-01", "2020-07-01", "2020-08-01"]),
                                "platform": ["linkedin"] * 3, "posts": [3, 1, 2], "engagement": [30, 5, 12]})
        return plots.plot_direction_activity(monthly, "o1")

    drawn = html.figure(draw())
    fig = draw()
    files = export.save_figure(fig, tmp_path, "profile_o1")
    assert html.figure(fig, saved=files) == drawn  # the file's bytes, not a new drawing
    assert not plt.get_fignums()  # closed all the same
    fig = draw()
    assert html.figure(fig, saved=export.save_figure(fig, "", "x")) == drawn  # nothing saved: drawn


def test_print_ready_takes_the_svg_file_and_nothing_outside_the_folder(tmp_path):
    (tmp_path / "formats.svg").write_text("<svg/>", encoding="utf-8")
    page = (html.saved_figure("data:image/png;base64,AAAA", "a", "formats")
            + html.saved_figure("data:image/png;base64,BBBB", "b", "missing")
            + html.saved_figure("data:image/png;base64,CCCC", "c", "../formats"))
    ready = print_ready(page, tmp_path)
    assert f'src="{(tmp_path / "formats.svg").resolve().as_uri()}"' in ready
    assert "BBBB" in ready and "CCCC" in ready and "AAAA" not in ready


# --- the PDF of a small page ---------------------------------------------------------------------

def _small_report(folder: Path) -> Path:
    rows = "".join(f"<tr><td>{i}</td><td>Direction {i}<br>deuxième ligne<br>troisième ligne</td></tr>"
                   for i in range(1, 121))
    big_table = f"<table><thead><tr><th>Rang</th><th>Direction</th></tr></thead><tbody>{rows}</tbody></table>"
    profile = html.card("<h3>1. Alpha Bio</h3>" + "<p>Une ligne du profil.</p>" * 40)
    sections = [
        "<h1>Méthodologie et données</h1><h2>Le calcul du score</h2><p>Texte 🚀.</p>" + "<p>Suite.</p>" * 30,
        "<h1>Top 10 et analyse</h1><h2>Profils des Directions</h2>" + "<p>Avant.</p>" * 45 + profile,
        "<h1>Top 100 Laboratoires</h1>" + big_table,
    ]
    page = html.assemble_page("Classement des Directions", "Santé, Pharma et Biotech",
                              "Édition 2021 — posts publiés du 1er juin 2020 au 31 mai 2021", sections, "pied de page")
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def test_small_booklet_layout(tmp_path):
    result = write_booklet(_small_report(tmp_path))
    assert result.path == tmp_path / "report.pdf" and result.warnings == ()
    reader = PdfReader(result.path)
    assert len(reader.pages) == result.pages >= 6
    for page in reader.pages:
        assert tuple(float(v) for v in page.mediabox[2:]) == pytest.approx(A4_POINTS, abs=0.5)
    texts = [p.extract_text() for p in reader.pages]
    # the cover alone on page 1: no header, no page number
    assert "Classement des Directions" in texts[0] and "Santé, Pharma et Biotech" in texts[0]
    assert "Sommaire" not in texts[0] and not re.search(r"\d+ / \d+", texts[0])
    # the contents on page 2, each entry with the page its heading landed on
    toc = _toc_entries(texts[1])
    assert toc["Méthodologie et données"] == result.anchors["methodologie-et-donnees"] == 3
    assert toc["Top 100 Laboratoires"] == result.anchors["top-100-laboratoires"]
    assert toc["Profils des Directions"] == result.anchors["profils-des-directions"]
    # running header (chapter, sector) and footer (title, page / pages) on the other pages
    for number, text in enumerate(texts[2:], start=3):
        assert f"{number} / {len(texts)}" in text and "Santé, Pharma et Biotech" in text
    top100 = [t for t in texts if "Direction 1" in t or "Direction 120" in t]
    assert len(top100) >= 2 and all("Top 100 Laboratoires" in t for t in top100)
    # the long table spans pages: its header row is repeated on each, no row is split
    assert all("Rang Direction" in t for t in top100)
    # the card did not fit after the 45 lines: it moved whole to the next page
    card_pages = [i for i, t in enumerate(texts) if "Une ligne du profil." in t]
    assert len(card_pages) == 1 and "1. Alpha Bio" in texts[card_pages[0]]
    cards, rows = _pages_of_blocks(tmp_path / "report.html")
    assert [len(p) for p in cards] == [1] and len(rows) == 120 and all(len(p) == 1 for p in rows)
    assert [o.title for o in reader.outline if not isinstance(o, list)][:2] == ["Sommaire", "Méthodologie et données"]


def test_same_page_same_pdf_bytes(tmp_path):
    page = _small_report(tmp_path)
    first = write_booklet(page, tmp_path / "a.pdf").path.read_bytes()
    assert write_booklet(page, tmp_path / "b.pdf").path.read_bytes() == first


@pytest.mark.parametrize("failing", [False, True])
def test_booklet_laid_out_and_written_without_the_garbage_collector_which_comes_back(tmp_path, monkeypatch, failing):
    page = _small_report(tmp_path)
    render, seen = booklet.render, []

    def watched(*args):
        seen.append(gc.isenabled())
        if failing:
            raise RuntimeError("engine failed")
        return render(*args)

    def write(name):
        with pytest.raises(RuntimeError) if failing else contextlib.nullcontext():
            write_booklet(page, tmp_path / name)

    monkeypatch.setattr(booklet, "render", watched)
    write("a.pdf")
    assert seen == [False]
    assert gc.isenabled()
    gc.disable()  # a caller that had it off keeps it off
    try:
        write("b.pdf")
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("src", ["https://example.invalid/pixel.png", "file:///etc/hostname"])
def test_booklet_reads_nothing_outside_the_report(tmp_path, src):
    page = html.assemble_page("Titre", "Secteur", "Période", [f'<h1>Partie</h1><img src="{src}" alt="x">'], "pied")
    (tmp_path / "report.html").write_text(page, encoding="utf-8")
    with pytest.raises(BookletError, match="would miss part of report.html"):
        write_booklet(tmp_path / "report.html")
    assert not list(tmp_path.glob("*.pdf")) and not list(tmp_path.glob(".*partial"))


# --- the sample report ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    """The sante report of the embedded sample, written as ``make report`` writes it."""
    return report.run_report("sante", out_dir=tmp_path_factory.mktemp("outputs"), jobs=2, progress=False)


@pytest.mark.slow
def test_sample_report_html(sample_report):
    page = (sample_report.folder / "report.html").read_text(encoding="utf-8")
    imgs = re.findall(r"<img\b[^>]*>", page)
    assert len(imgs) >= 22
    alts = [re.search(r'\balt="([^"]*)"', i) for i in imgs]
    assert all(a and len(a.group(1)) > 10 for a in alts), "an image without its French description"
    assert "No description" not in page
    assert not [i for i, n in Counter(_ids(page)).items() if n > 1], "an anchor used twice"
    figures = re.findall(r'data-figure="([^"]+)"', page)
    assert len(figures) >= 12 and all((sample_report.folder / "figures" / f"{f}.svg").is_file() for f in figures)
    footer = re.search(r"<footer>(.*?)</footer>", page).group(1)
    assert "« Classement des Directions les plus influentes », dossier sample" in footer and ".tmp" not in footer


@pytest.mark.slow
def test_sample_report_pdf(sample_report):
    path = sample_report.folder / "report.pdf"
    reader = PdfReader(path)
    assert 30 <= len(reader.pages) <= 45, "the original booklet has 40 pages"
    assert tuple(float(v) for v in reader.pages[0].mediabox[2:]) == pytest.approx(A4_POINTS, abs=0.5)
    texts = [p.extract_text() for p in reader.pages]
    assert texts[0].split("\n") == ["RÉSEAUX SOCIAUX", "Classement des Directions", "les plus influentes",
                                    "Santé, Pharma et Biotech",
                                    "Édition 2021 — posts publiés du 1er juin 2020 au 31 mai 2021"]
    toc = _toc_entries(texts[1])
    outline = {o.title: reader.get_destination_page_number(o) + 1 for o in reader.outline if not isinstance(o, list)}
    for title in ("Méthodologie et données", "Top 100 Laboratoires et Biotech", "Tendances et faits marquants",
                  "Top 50 Équipement Médical", "Top 20 E-Santé", "Top 20 Santé et Beauté"):
        assert toc[title] == outline[title], title
        assert title in texts[toc[title] - 1]
    assert sample_report.durations["report.pdf"] > 0


@pytest.mark.slow
def test_sample_report_cards_and_rows_never_split(sample_report):
    cards, rows = _pages_of_blocks(sample_report.folder / "report.html")
    assert len(cards) == 10, "one card per Direction of the Top 10"
    assert all(len(pages) == 1 for pages in cards), "a profile split across pages"
    assert len(rows) > 300 and all(len(pages) == 1 for pages in rows), "a table row split across pages"


# --- the printers of a batch ---------------------------------------------------------------------

def test_printer_lane_prints_side_by_side_the_bytes_this_process_prints(tmp_path):
    pages = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        pages.append(_small_report(tmp_path / name))
    with booklet.PrinterLane(2) as lane:
        futures = [lane.submit(page) for page in pages]  # both asked before either is written
        printed = [future.result(timeout=120) for future in futures]
        assert len(lane._all) == 2  # two printer processes, one per booklet
    expected = write_booklet(pages[0], tmp_path / "here.pdf").path.read_bytes()
    for page, result in zip(pages, printed):
        assert result.path == page.with_suffix(".pdf") and result.pages >= 6 and result.warnings == ()
        assert result.path.read_bytes() == expected
    assert all(printer.process.poll() is not None for printer in lane._all)  # closed with the lane


def test_printer_lane_closed_while_printing_writes_nothing_here(tmp_path):
    page = _small_report(tmp_path)
    lane = booklet.PrinterLane(1)
    future = lane.submit(page)
    lane.close()  # the run was stopped: the booklet is not written, in the printer or in this process
    with pytest.raises((BookletError, CancelledError)):
        future.result(timeout=60)
    assert not (tmp_path / "report.pdf").exists()
    assert all(printer.process is None or printer.process.poll() is not None for printer in lane._all)
