"""HTML for the report: reader-friendly tables, figures described in French, the one self-contained report.html page."""

from __future__ import annotations

import html as _html
import re

import pandas as pd

from influence_lib.safe_text import shown_text

STYLE = """
:root { --ink: #1d2733; --muted: #5b6b7c; --accent: #1f4e79; --rule: #d9dee4; --band: #f4f6f9; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
       font: 15px/1.55 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 0 28px 80px; }
.cover { min-height: 560px; display: flex; flex-direction: column; justify-content: center;
         border-bottom: 4px solid var(--accent); margin-bottom: 40px; }
.cover .kicker { text-transform: uppercase; letter-spacing: .18em; color: var(--accent); font-weight: 700; }
.cover h1 { font-size: 2.4em; line-height: 1.15; margin: .3em 0; border: 0; }
.cover .sector { font-size: 1.4em; color: var(--muted); }
.cover .period { margin-top: 1.5em; font-size: 1.05em; }
nav.toc { background: var(--band); padding: 18px 26px; border-radius: 6px; margin-bottom: 48px; }
nav.toc h2 { margin-top: 0; border: 0; }
nav.toc ol { margin: 0; padding-left: 1.3em; }
nav.toc li { margin: .25em 0; }
nav.toc ol ol { list-style: disc; font-size: .92em; }
a { color: var(--accent); }
h1 { font-size: 1.8em; border-bottom: 2px solid var(--accent); padding-bottom: .2em; margin-top: 2.2em; }
h2 { font-size: 1.3em; margin-top: 1.8em; color: var(--accent); }
h3 { font-size: 1.1em; margin-top: 1.4em; }
a.anchor-link { display: none; }
section.report-section { page-break-before: always; }
table { border-collapse: collapse; margin: 12px 0 20px; font-size: .9em; width: auto; }
th { text-align: left; background: var(--accent); color: #fff; padding: 6px 10px; font-weight: 600; }
td { padding: 5px 10px; border-bottom: 1px solid var(--rule); vertical-align: top; }
tr:nth-child(even) td { background: var(--band); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.up { color: #2d7a46; } td.down { color: #b83a4b; } td.new { color: var(--accent); font-style: italic; }
img { max-width: 100%; height: auto; display: block; margin: 10px 0 24px; }
pre { background: var(--band); padding: 10px 14px; border-radius: 4px; overflow: auto; font-size: .85em; }
.keyfigures { display: flex; flex-wrap: wrap; gap: 14px; margin: 16px 0 24px; }
.keyfigures div { flex: 1 1 150px; background: var(--band); border-top: 3px solid var(--accent); padding: 10px 14px; }
.keyfigures strong { display: block; font-size: 1.6em; color: var(--accent); }
.note { color: var(--muted); font-size: .88em; }
footer { margin-top: 60px; color: var(--muted); font-size: .85em; border-top: 1px solid var(--rule); padding-top: 12px; }
"""

def escape(value) -> str:
    """The one HTML escaping of the package: any value from the data, as text that cannot become markup.

    :func:`influence_lib.safe_text.shown_text` (control characters as U+FFFD, direction overrides
    removed), then ``& < > " '`` as character references, so the result is safe both between tags
    and inside a quoted attribute. Every fragment of the report escapes its data here.
    """
    return _html.escape(shown_text(value), quote=True)


def unescape(text: str) -> str:
    """Character references back to characters (to read a value out of HTML this package wrote)."""
    return _html.unescape(text)


_NUMERIC = re.compile(r"^[\s\u202f\u00a0]*[-+▲▼]?[\s\u202f\u00a0]*[\d\u202f\u00a0 ,./%]+[\s\u202f\u00a0%]*$")


def _cell_class(value: str) -> str:
    text = str(value)
    if text.startswith("▲"):
        return "num up"
    if text.startswith("▼"):
        return "num down"
    if text == "nouveau" or text.startswith("entrée"):
        return "new"
    return "num" if _NUMERIC.match(text) and any(ch.isdigit() for ch in text) else ""


def table(frame: pd.DataFrame, caption: str | None = None) -> str:
    """A table as HTML: header row, numbers right-aligned, movement symbols coloured, no index.

    Parameters
    ----------
    frame : pandas.DataFrame
        Cells already formatted for readers (text).
    caption : str, optional
    """
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
            cls = _cell_class(text)
            cells.append(f'<td class="{cls}">{escape(text)}</td>' if cls else f"<td>{escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f'<table class="report-table">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def key_figures(items: list[tuple[str, str]]) -> str:
    """A row of key figures: (formatted value, French label) pairs."""
    cells = "".join(f"<div><strong>{escape(v)}</strong>{escape(label)}</div>" for v, label in items)
    return f'<div class="keyfigures">{cells}</div>'


# --- the page: anchors, table of contents, cover, footer ----------------------------------------

#: Ids the page itself uses; headings never take them.
PAGE_IDS = ("couverture", "sommaire")

_HEADING = re.compile(r"<h([1-6])((?:\s[^>]*)?)>(.*?)</h\1>", re.S)
_ANCHOR_LINK = re.compile(r'<a class="anchor-link"[^>]*>.*?</a>', re.S)
_CLASS_ATTRIBUTE = re.compile(r"""\sclass\s*=\s*["']([A-Za-z0-9_ -]*)["']""")
# nbconvert numbers cells per notebook ("cell-id=cell-00"): every section would repeat them
_CELL_ID = re.compile(r"""\sid\s*=\s*["']cell-id=[^"']*["']""")


def _slug(text: str, used: set[str]) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "section"
    slug, i = base, 2
    while slug in used:
        slug, i = f"{base}-{i}", i + 1
    used.add(slug)
    return slug


def anchor_headings(fragments: list[str]) -> tuple[list[str], list[tuple[int, str, str]]]:
    """Give every heading of the fragments an id unique in the whole page.

    Ids come from the heading's text (accents folded, ``-`` between words); a repeated text gets
    ``-2``, ``-3``... in page order. Ids the fragments brought (nbconvert's heading ids and
    "¶" links, its per-notebook cell ids) are removed, since each notebook repeats them.

    Parameters
    ----------
    fragments : list of str
        HTML fragments, in page order.

    Returns
    -------
    tuple
        The fragments with their headings anchored, and ``(level, id, text)`` of each heading in
        page order (text as HTML, escaped).
    """
    used = set(PAGE_IDS)
    headings: list[tuple[int, str, str]] = []

    def _anchor(match: re.Match) -> str:
        level = int(match.group(1))
        # a heading keeps only a plain class: no event handler, style or id brought by a fragment
        found = _CLASS_ATTRIBUTE.search(match.group(2) or "")
        attributes = f' class="{found.group(1)}"' if found else ""
        inner = _ANCHOR_LINK.sub("", match.group(3)).strip()
        text = re.sub(r"<[^>]+>", "", inner).strip()
        slug = _slug(_html.unescape(text), used)
        headings.append((level, slug, text))
        return f'<h{level} id="{slug}"{attributes}>{inner}</h{level}>'

    anchored = [_HEADING.sub(_anchor, _CELL_ID.sub("", fragment)) for fragment in fragments]
    return anchored, headings


def _toc_items(headings: list[tuple[int, str, str]]) -> str:
    items, open_sub = [], False
    for level, slug, text in headings:
        if level == 1:
            if open_sub:
                items.append("</ol></li>")
                open_sub = False
            elif items:
                items.append("</li>")
            items.append(f'<li><a href="#{slug}">{text}</a>')
        elif level == 2 and items:
            if not open_sub:
                items.append("<ol>")
                open_sub = True
            items.append(f'<li><a href="#{slug}">{text}</a></li>')
    if items:
        items.append("</ol></li>" if open_sub else "</li>")
    return "".join(items)


def assemble_page(title: str, subtitle: str, period_text: str, sections: list[str], footer: str) -> str:
    """The whole report as one HTML page: cover, table of contents, sections; no external resource.

    Every heading gets an id unique in the page (:func:`anchor_headings`); the table of contents
    lists the sections' first two heading levels. The print stylesheet of the booklet
    (:data:`influence_lib.print_style.PRINT_STYLE`) is embedded for ``media="print"``, so the page
    prints as A4 pages from a browser too (without the running header and the contents' page numbers).

    Parameters
    ----------
    title, subtitle, period_text : str
        Cover page texts (study title, sector, period).
    sections : list of str
        HTML fragments (one per executed notebook), in report order.
    footer : str
        Text at the end (methodology, dataset and version).
    """
    from influence_lib.print_style import PRINT_STYLE

    anchored, headings = anchor_headings(sections)
    numbered = [f'<section class="report-section">{fragment}</section>' for fragment in anchored]
    heading = f"{escape(title)} — {escape(subtitle)}"
    return (
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{heading}</title>\n"
        f"<style>{STYLE}</style>\n<style media=\"print\">{PRINT_STYLE}</style>\n</head>\n<body>\n<main>\n"
        f'<header class="cover" id="couverture"><div class="kicker">Réseaux sociaux</div>'
        f'<h1 class="cover-title">{escape(title)}</h1>'
        f'<div class="sector">{escape(subtitle)}</div>'
        f'<div class="period">{escape(period_text)}</div></header>\n'
        f'<nav class="toc" id="sommaire"><h2 class="toc-title">Sommaire</h2><ol>{_toc_items(headings)}</ol></nav>\n'
        + "\n".join(numbered)
        + f"\n<footer>{escape(footer)}</footer>\n</main>\n</body>\n</html>\n"
    )


# --- figures: inline images with a French description ------------------------------------------

#: French descriptions (alt text) of the figures the notebooks save with ``export.save_figure``, by
#: file name; a name ending in ``_`` covers every name it starts (``leaders_<segment>``), whose
#: rest may be named by ``{label}``. A new figure gets its entry here.
FIGURE_DESCRIPTIONS = {
    "engagement_per_post": "Histogramme de l'engagement par post, en échelle logarithmique",
    "engagement_per_direction": "Histogramme de l'engagement par Direction, en échelle logarithmique",
    "top10": "Diagramme en barres : score des Directions du Top 10",
    "leaders_": "Diagramme en barres : score des Directions en tête du segment {label}",
    "monthly_engagement": "Courbes de l'engagement mois par mois, par plateforme, face à l'édition précédente",
    "monthly_posts": ("Courbes du nombre de posts comptés mois par mois, par plateforme, "
                      "face à l'édition précédente"),
    "formats": "Diagramme en barres : engagement médian par post selon le format, avec son intervalle à 90 %",
    "heatmap_posts": "Carte de chaleur : nombre de posts selon le jour de la semaine et l'heure",
    "heatmap_engagement": ("Carte de chaleur : engagement médian par post selon le jour de la semaine et l'heure ; "
                           "les créneaux de trop peu de posts sont grisés"),
    "profile_": "Activité mensuelle de la Direction : engagement (barres) et posts comptés (courbe)",
    "robustness_bands": ("Rangs des Directions du Top selon les choix de calcul : rang publié, rang médian et rangs de 5 % à 95 % "
                         "des tirages de chaque Direction"),
    "robustness_sobol": "Diagramme en barres : indices de Sobol de chaque choix de calcul, de premier ordre et total",
}


def describe_saved_figure(name: str, labels: dict[str, str] | None = None, context: str = "") -> str:
    """The French description (alt text) of a saved figure, from :data:`FIGURE_DESCRIPTIONS`.

    Parameters
    ----------
    name : str
        The figure's file name without extension (``top10``, ``leaders_e-sante``).
    labels : dict, optional
        Readers' names of the keys that end figure names (segment key to its label).
    context : str
        The heading the figure stands under: an unknown figure is described by it.
    """
    labels = labels or {}
    if name in FIGURE_DESCRIPTIONS:
        return FIGURE_DESCRIPTIONS[name]
    for prefix, text in FIGURE_DESCRIPTIONS.items():
        if prefix.endswith("_") and name.startswith(prefix):
            key = name.removeprefix(prefix)
            return text.format(label=labels.get(key, key))
    return f"Graphique de la partie « {context} »" if context else "Graphique du rapport"


def describe_figure(fig) -> str:
    """A French description of a matplotlib figure from its own texts (titles, else axis labels).

    For a figure drawn without title, the axes' labels and the range of its horizontal tick
    labels: ``Graphique : Engagement et Posts, de juin 2020 à mai 2021``.
    """
    def _clean(text: str) -> str:
        return " ".join(text.split())

    axes_titles = [ax.get_title(loc) for ax in fig.axes for loc in ("left", "center", "right")]  # theme: left
    titles = [_clean(t) for t in [fig.get_suptitle()] + axes_titles if t and t.strip()]
    if titles:
        return "Graphique : " + " ; ".join(dict.fromkeys(titles))
    labels = [_clean(ax.get_ylabel()) for ax in fig.axes if ax.get_ylabel().strip()]
    text = "Graphique : " + " et ".join(dict.fromkeys(labels)) if labels else "Graphique"
    ticks = [_clean(t.get_text()) for t in fig.axes[0].get_xticklabels()] if fig.axes else []
    ticks = [t for t in ticks if t]
    if len(ticks) >= 2:
        text += f", de {ticks[0]} à {ticks[-1]}"
    return text


def figure(fig, alt: str = "", saved=()) -> str:
    """A matplotlib figure as an inline SVG ``<img>`` (sharp on screen and in print), then closed.

    For figures inside HTML blocks. The SVG is written with a fixed id salt and no date, so the
    same figure gives the same bytes; its text stays text, in the theme's font.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    alt : str
        French description for readers who cannot see it; empty: :func:`describe_figure`.
    saved : list of Path
        The files :func:`influence_lib.export.save_figure` has just written for this figure,
        unchanged since: its SVG file is shown as it is, instead of drawing the figure again (the
        same bytes: both are written with the theme's id salt and no date). Empty (a notebook
        run without ``out_dir``): the figure is drawn.
    """
    import base64
    import io
    from pathlib import Path

    import matplotlib.pyplot as plt

    description = alt or describe_figure(fig)
    svg = next((Path(f) for f in saved if Path(f).suffix == ".svg"), None)
    if svg is not None and plt.rcParams["svg.hashsalt"] == "influence":
        content = svg.read_bytes()
    else:
        buffer = io.BytesIO()
        with plt.rc_context({"svg.hashsalt": "influence"}):
            fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        content = buffer.getvalue()
    plt.close(fig)
    data = base64.b64encode(content).decode("ascii")
    return f'<img class="figure" src="data:image/svg+xml;base64,{data}" alt="{escape(description)}">'


def saved_figure(src: str, alt: str, name: str | None = None) -> str:
    """A figure a notebook showed, as HTML: its image, its French description, its file's name.

    ``name`` (the figure file ``export.save_figure`` wrote, without extension) goes in
    ``data-figure``: the booklet prints that file's SVG instead of the screen image.
    """
    data = f' data-figure="{escape(name)}"' if name else ""
    return f'<img class="figure" src="{escape(src)}" alt="{escape(alt)}"{data}>'


_SAVE_FIGURE = re.compile(r"""save_figure\(\s*[^,()]+,\s*[^,()]+,\s*(f?)(["'])(.+?)\2\s*\)""")


def saved_figure_names(source: str, available: set[str], parameters: dict) -> list[str | None]:
    """The figure files a notebook cell saved, in call order, read from its ``save_figure`` calls.

    A plain string names its file. An f-string (``f"leaders_{seg.key}"``) is matched against the
    files ``available`` (names without extension); among several matches, the one whose varying
    parts are all values of the notebook's ``parameters``. ``None`` where no single file matches.
    """
    values = {str(v) for v in parameters.values()}
    names: list[str | None] = []
    for is_f, _, text in _SAVE_FIGURE.findall(source):
        if not is_f:
            names.append(text if text in available else None)
            continue
        parts = re.split(r"\{[^{}]*\}", text)
        pattern = re.compile("(.+?)".join(re.escape(p) for p in parts))
        matches = {n: pattern.fullmatch(n) for n in sorted(available)}
        found = [n for n, m in matches.items() if m]
        if len(found) > 1:
            found = [n for n in found if all(g in values for g in matches[n].groups())]
        names.append(found[0] if len(found) == 1 else None)
    return names


def card(content: str) -> str:
    """A card: a block read as one (a Direction's profile), never split across printed pages.

    Its heading goes inside: WeasyPrint moves a card that does not fit to the next page but
    leaves a heading standing before it behind.
    """
    return f'<div class="card">{content}</div>'


def prepare_outputs(nb, available: set[str], parameters: dict, labels: dict[str, str]) -> None:
    """Make an executed notebook's image outputs ready for readers, in place, before nbconvert renders them.

    Each image output becomes :func:`saved_figure` HTML: a French description (nbconvert would
    write an English placeholder) and, when its cell saved it with ``save_figure``, its file's
    name (see :func:`saved_figure_names`), so that the booklet prints the SVG file.

    Parameters
    ----------
    nb : nbformat.NotebookNode
    available : set of str
        Names (without extension) of the figure files of the run.
    parameters : dict
        The notebook's parameters.
    labels : dict
        Segment key to label, for descriptions.
    """
    import nbformat

    context = ""
    for cell in nb.cells:
        texts = [cell.source] if cell.cell_type == "markdown" else [
            o.get("data", {}).get(kind, "") for o in cell.get("outputs", []) for kind in ("text/markdown", "text/html")]
        for text in texts:
            text = "".join(text) if isinstance(text, list) else text
            found = (re.findall(r"^#{1,6}\s+(.+)$", text, flags=re.M)
                     + re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", text, flags=re.S))
            if found:
                context = _html.unescape(re.sub(r"<[^>]+>", "", found[-1])).strip()
        if cell.cell_type != "code":
            continue
        images = [i for i, o in enumerate(cell.get("outputs", [])) if "image/png" in o.get("data", {})]
        names = saved_figure_names(cell.source, available, parameters)
        if len(names) != len(images):
            names = [None] * len(images)
        for index, name in zip(images, names):
            png = "".join(cell.outputs[index]["data"]["image/png"]).strip()
            alt = describe_saved_figure(name, labels) if name else describe_saved_figure("", labels, context)
            cell.outputs[index] = nbformat.v4.new_output(
                "display_data", data={"text/html": saved_figure(f"data:image/png;base64,{png}", alt, name)})


def bullet_list(items: list[str]) -> str:
    """Sentences as an HTML bullet list."""
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"
