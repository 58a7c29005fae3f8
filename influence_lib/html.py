"""HTML for the report: reader-friendly tables, and the one self-contained report.html page."""

from __future__ import annotations

import html as _html
import re

import pandas as pd

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
pre { background: var(--band); padding: 10px 14px; border-radius: 4px; overflow-x: auto; font-size: .85em; }
.keyfigures { display: flex; flex-wrap: wrap; gap: 14px; margin: 16px 0 24px; }
.keyfigures div { flex: 1 1 150px; background: var(--band); border-top: 3px solid var(--accent); padding: 10px 14px; }
.keyfigures strong { display: block; font-size: 1.6em; color: var(--accent); }
.note { color: var(--muted); font-size: .88em; }
footer { margin-top: 60px; color: var(--muted); font-size: .85em; border-top: 1px solid var(--rule); padding-top: 12px; }
"""

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
    head = "".join(f"<th>{_html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
            cls = _cell_class(text)
            cells.append(f'<td class="{cls}">{_html.escape(text)}</td>' if cls else f"<td>{_html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{_html.escape(caption)}</caption>" if caption else ""
    return f'<table class="report-table">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def key_figures(items: list[tuple[str, str]]) -> str:
    """A row of key figures: (formatted value, French label) pairs."""
    cells = "".join(f"<div><strong>{_html.escape(v)}</strong>{_html.escape(label)}</div>" for v, label in items)
    return f'<div class="keyfigures">{cells}</div>'


def _slug(text: str, used: set[str]) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "section"
    slug, i = base, 2
    while slug in used:
        slug, i = f"{base}-{i}", i + 1
    used.add(slug)
    return slug


def assemble_page(title: str, subtitle: str, period_text: str, sections: list[str], footer: str) -> str:
    """The whole report as one HTML page: cover, table of contents, sections; no external resource.

    Parameters
    ----------
    title, subtitle, period_text : str
        Cover page texts (study title, sector, period).
    sections : list of str
        HTML fragments (one per executed notebook), in report order.
    footer : str
        Text at the end (methodology and version).
    """
    used: set[str] = set()
    toc: list[tuple[int, str, str]] = []
    numbered = []
    for fragment in sections:
        def _anchor(match):
            level = int(match.group(1))
            inner = re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', "", match.group(3), flags=re.S)
            text = re.sub(r"<[^>]+>", "", inner).strip()
            slug = _slug(_html.unescape(text), used)
            toc.append((level, slug, text))
            return f'<h{level} id="{slug}">{inner}</h{level}>'
        fragment = re.sub(r"<h([12])(\s[^>]*)?>(.*?)</h\1>", _anchor, fragment, flags=re.S)
        numbered.append(f'<section class="report-section">{fragment}</section>')
    items, open_sub = [], False
    for level, slug, text in toc:
        if level == 1:
            if open_sub:
                items.append("</ol></li>")
                open_sub = False
            elif items:
                items.append("</li>")
            items.append(f'<li><a href="#{slug}">{text}</a>')
        else:
            if not open_sub:
                items.append("<ol>")
                open_sub = True
            items.append(f'<li><a href="#{slug}">{text}</a></li>')
    items.append("</ol></li>" if open_sub else "</li>")
    return (
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{_html.escape(title)} — "
        f"{_html.escape(subtitle)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        f'<header class="cover"><div class="kicker">Réseaux sociaux</div><h1 class="cover-title">{_html.escape(title)}</h1>'
        f'<div class="sector">{_html.escape(subtitle)}</div><div class="period">{_html.escape(period_text)}</div></header>\n'
        f'<nav class="toc"><h2 class="toc-title">Sommaire</h2><ol>{"".join(items) if toc else ""}</ol></nav>\n'
        + "\n".join(numbered)
        + f"\n<footer>{_html.escape(footer)}</footer>\n</main>\n</body>\n</html>\n"
    )


def figure(fig, alt: str = "") -> str:
    """A matplotlib figure as an inline PNG ``<img>`` (base64), then closed; for figures inside HTML blocks."""
    import base64
    import io

    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{_html.escape(alt)}">'


def bullet_list(items: list[str]) -> str:
    """Sentences as an HTML bullet list."""
    return "<ul>" + "".join(f"<li>{_html.escape(item)}</li>" for item in items) + "</ul>"
