"""The hostile corpus (tests/hostile.py) through the real ``influence report``: every output is checked.

report.html is parsed: no script element, no event-handler attribute, no link or source that is
not a web address, an anchor of the page or an inline PNG, and every hostile string shown to the
reader as text. The CSV tables neutralise formulas, the workbook holds text cells only under valid
sheet names, the figures draw ``$`` as text, the executed notebooks hold no unsafe output, the
manifest is valid JSON.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests import hostile

slow = pytest.mark.slow  # the tests that run the report; the others check the library's mechanisms

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORBIDDEN_ELEMENTS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "base",
                      "form", "input", "button", "textarea", "select", "link", "template", "noscript"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster", "srcset", "data",
                  "cite", "longdesc", "manifest", "ping", "lowsrc", "dynsrc"}
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


# --- running the report ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """The hostile dataset, and the report the ``influence`` command writes from it (both dialects)."""
    root = tmp_path_factory.mktemp("hostile")
    data = hostile.write_hostile_dataset(root / "data")
    done = subprocess.run(
        [sys.executable, "-m", "influence_lib.cli", "report", "--sector", hostile.SECTOR, "--data", str(data),
         "--out", str(root / "out"), "--no-progress", "--csv-dialect", "excel-fr"],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return data, root / "out" / hostile.SECTOR / "2021", done


@pytest.fixture(scope="module")
def dataset(hostile_run):
    """The hostile dataset as the package loads it (the names every output must keep)."""
    from influence_lib.dataset import load_dataset

    return load_dataset(hostile_run[0])


@slow
def test_validate_accepts_the_data_and_warns_about_sheet_names(hostile_run, capsys):
    from influence_lib.cli import main

    assert main(["validate", "--data", str(hostile_run[0])]) == 0
    out = capsys.readouterr().out
    assert out.count(f"dataset.yml, sector {hostile.SECTOR}, segment ") == 2
    assert "0 errors" in out


@slow
def test_hostile_names_lead_the_top_10(hostile_run, dataset):
    from influence_lib.export import read_report_table

    top10 = read_report_table(hostile_run[1] / "tables" / "top10.csv")
    names = dict(zip(dataset.organizations["org_id"], dataset.organizations["name"]))
    assert top10["name"].tolist() == [names[o] for o in top10["org_id"]]  # neutralised, then restored whole
    assert top10["name"].tolist() == hostile.TOP_NAMES


# --- report.html ------------------------------------------------------------------------------------

class PageAudit(HTMLParser):
    """Collects what a browser would act on (elements, attributes, addresses) and the text it would show."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self.ids: set[str] = set()
        self.anchors: list[str] = []
        self.stack: list[str] = []
        self.by_element: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        if tag not in ("img", "br", "meta", "hr", "col", "source", "wbr"):
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "style":
            return
        self.text.append(data)
        for tag in set(self.stack):
            self.by_element.setdefault(tag, []).append(data)

    def _check(self, tag, attrs):
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)}>"[:200]
        if tag in FORBIDDEN_ELEMENTS:
            self.problems.append(f"forbidden element {where}")
        if tag == "meta" and any(k == "http-equiv" for k, _ in attrs):
            self.problems.append(f"meta http-equiv {where}")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"event handler {where}")
            if name == "style" and re.search(r"url\(|expression|@import", value, re.I):
                self.problems.append(f"style with a resource {where}")
            if name == "id":
                self.ids.add(value)
                if not re.fullmatch(r"[^\s\"'<>&]+", value):
                    self.problems.append(f"unsafe id {where}")
            if name in URL_ATTRIBUTES:
                self._check_address(tag, name, value, attrs, where)

    def _check_address(self, tag, name, value, attrs, where):
        # browsers ignore whitespace and control characters inside a scheme: compare without them
        compact = re.sub(r"[\x00-\x20\x7f]+", "", value).lower()
        # an image's own data: a PNG, or an SVG, which an <img> shows without running any script in it
        if name == "src" and tag == "img" and compact.startswith(("data:image/png;base64,", "data:image/svg+xml;base64,")):
            return
        if name == "href" and tag == "a" and value.startswith("#"):
            self.anchors.append(value[1:])
            return
        if name == "href" and tag == "a" and re.match(r"https?://[^/\s]", value):
            if "noopener" not in (dict(attrs).get("rel") or ""):
                self.problems.append(f"external link without rel=noopener {where}")
            return
        self.problems.append(f"address that is neither a web address, an anchor nor an inline PNG {where}")


def audit_html(text: str) -> PageAudit:
    """Parse an HTML page or fragment; the audit lists its problems (empty when safe)."""
    audit = PageAudit()
    audit.feed(text)
    audit.close()
    return audit


def test_audit_catches_what_it_looks_for():
    """The checker itself: each attack, unescaped, is found."""
    for attack in (hostile.SCRIPT, hostile.IMG, f'<a href="{hostile.HANDLES[2]}">x</a>', '<a href=" JaVa\tscript:x">',
                   '<img src="data:text/html,x">', '<a href="//evil.example/x">', '<svg><a xlink:href="x"></a></svg>',
                   '<a href="https://example.org/">x</a>', '<meta http-equiv="refresh" content="0;url=x">'):
        assert audit_html(attack).problems, attack
    assert not audit_html("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>").problems


@pytest.fixture(scope="module")
def page(hostile_run):
    text = (hostile_run[1] / "report.html").read_bytes().decode("utf-8")  # line ends as written
    return text, audit_html(text)


# --- the mechanisms, on their own (fast) ---------------------------------------------------------------

LIBRARY = Path(__file__).resolve().parent.parent / "influence_lib"


def test_one_html_escaping_path():
    """Only influence_lib/html.py escapes HTML; every other module calls its ``escape``."""
    import ast

    offenders = []
    for path in sorted(LIBRARY.rglob("*.py")):
        if path == LIBRARY / "html.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in ("html", "markupsafe", "xml.sax.saxutils"):
                offenders += [f"{path.name}: from {node.module} import {a.name}" for a in node.names if "escape" in a.name]
            if isinstance(node, ast.Attribute) and node.attr == "escape" and isinstance(node.value, ast.Name) \
                    and node.value.id in ("html", "_html", "markupsafe", "saxutils"):
                offenders.append(f"{path.name}: {node.value.id}.escape")
            if isinstance(node, ast.Name) and node.id in ("Markdown", "markdown"):
                offenders.append(f"{path.name}: {node.id}")
    assert offenders == []


@pytest.mark.parametrize("value", [hostile.SCRIPT, hostile.IMG, hostile.SVG, hostile.CLOSE_TAGS, hostile.ENTITY,
                                   "x' onmouseover='alert(1)", f"{hostile.RTL_OVERRIDE}abc", hostile.CONTROL])
def test_escape_gives_text_in_content_and_attributes(value):
    from influence_lib.html import escape

    text = escape(value)
    assert not re.search(r"[<>\"']", text)
    audit = audit_html(f'<p title="{text}">{text}</p>')
    assert audit.problems == []
    assert "".join(audit.text) == hostile.as_shown(value)


def test_shown_and_label_texts():
    from influence_lib.safe_text import label_text, shown_text

    assert shown_text(None) == "" and shown_text(12) == "12"
    assert shown_text(f"a{hostile.RTL_OVERRIDE}b\u2066c{hostile.POP_DIRECTIONAL}") == "abc"
    assert shown_text("a\x00b\x1bc\x85d\te\nf") == "a\ufffdb\ufffdc\ufffdd\te\nf"
    assert shown_text("مرحبا Ca$$h") == "مرحبا Ca$$h"  # letters of every script, and dollars, stay
    assert label_text("a\tb\r\nc") == "a b  c"
    assert label_text("x" * 61) == "x" * 59 + "…" and label_text("x" * 60) == "x" * 60
    assert label_text(hostile.MATH) == hostile.MATH


def test_figures_draw_hostile_labels_as_text(tmp_path):
    import pandas as pd

    from influence_lib import plots
    from influence_lib.export import save_figure

    names = [hostile.MATH, hostile.DOLLARS, hostile.CONTROL, hostile.LONG, f"{hostile.TAB} {hostile.SCRIPT}"]
    ranking = {"rank": list(range(1, len(names) + 1)), "score": [50, 40, 30, 20, 10], "name": names}
    fig = plots.plot_leaders(pd.DataFrame(ranking), f"Top : {hostile.MATH} {hostile.DOLLARS}")
    svg = next(p for p in save_figure(fig, tmp_path, "leaders") if p.suffix == ".svg")
    _, text = _svg_texts(svg)
    assert hostile.MATH in text and hostile.DOLLARS in text and hostile.SCRIPT in text and "\u03b1" not in text
    assert not CONTROLS.search(text) and hostile.LONG not in text


def test_assembled_page_keeps_headings_escaped_and_anchors_safe():
    """Headings taken from the notebooks' HTML stay escaped in the table of contents; their ids are plain slugs."""
    from influence_lib.html import assemble_page
    from influence_lib.presentation import heading

    fragments = [heading(f"Top 10 : {hostile.SCRIPT}") + heading(hostile.SVG, 2),
                 '<h1 id="x" onclick="alert(1)">Méthodologie<a class="anchor-link" href="#x">¶</a></h1>'
                 + heading("مرحبا", 2) + heading(f"Top 10 : {hostile.SCRIPT}") + heading(hostile.CLOSE_TAGS, 2)]
    page = assemble_page(hostile.IMG, hostile.SVG, hostile.ENTITY, fragments, hostile.MARKDOWN_LINK)
    audit = audit_html(page)
    assert audit.problems == [] and not set(audit.anchors) - audit.ids
    toc = "".join(audit.by_element["nav"])
    for text in (f"Top 10 : {hostile.SCRIPT}", hostile.SVG, "Méthodologie", "مرحبا", hostile.CLOSE_TAGS):
        assert text in toc, text
    assert len(audit.anchors) == len(set(audit.anchors)) == 6
    assert all(re.fullmatch(r"[a-z0-9-]+", anchor) for anchor in audit.anchors)


@slow
def test_page_has_nothing_a_browser_would_run(page):
    text, audit = page
    assert audit.problems == []
    assert "<script" not in text.lower()
    assert not set(audit.anchors) - audit.ids, "table of contents links to a missing anchor"


@slow
def test_page_shows_the_hostile_strings_as_text(page):
    _, audit = page
    shown = "".join(audit.text)
    for value in hostile.SHOWN_IN_HTML:
        assert value in shown, value
    assert not BIDI_CONTROLS.search(shown), "a direction override would reverse the sentence after a name"
    assert not CONTROLS.search(shown), "control characters are shown as U+FFFD"


@slow
def test_hostile_strings_reach_headings_toc_profiles_and_analysis(page):
    _, audit = page
    # the focus segment's label, in the section heading and again in the table of contents
    toc = "".join(audit.by_element["nav"])
    assert f"Top 10 et analyse des Directions : {hostile.SCRIPT}" in toc
    assert hostile.HYPERLINK in toc and hostile.IMG in toc
    headings = "".join(audit.by_element["h3"])
    for rank, name in enumerate(hostile.TOP_NAMES, start=1):
        assert f"{rank}. {hostile.as_shown(name)}" in headings, name
    analysis = "".join(audit.by_element["p"])
    assert sum(s in analysis for s in (hostile.SCRIPT, hostile.IMG, hostile.HYPERLINK, hostile.DOLLARS,
                                       hostile.MATH, hostile.MARKDOWN_LINK)) >= 3
    highlights = "".join(audit.by_element["ul"])  # the leader and the biggest climber are named
    assert hostile.SCRIPT in highlights and hostile.IMG in highlights
    cover = "".join(audit.by_element["header"])
    assert hostile.IMG in cover and hostile.SVG in cover and hostile.MATH in cover


@slow
def test_post_links_only_for_web_addresses(page):
    text, audit = page
    links = re.findall(r'<a href="(http[^"]*)"', text)
    assert links, "the two web addresses of the corpus are linked"
    assert all(link.startswith(("https://example.org/", "https://www.linkedin.com/")) for link in links)
    assert "javascript:alert(1)" in "".join(audit.text)  # shown as text, never as a link


# --- CSV tables -----------------------------------------------------------------------------------

def _plain_number(cell: str) -> bool:
    return bool(re.fullmatch(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?", cell))


@slow
@pytest.mark.parametrize("folder, separator", [("tables", ","), ("tables-excel-fr", ";")])
def test_csv_cells_cannot_start_a_formula(hostile_run, folder, separator):
    paths = sorted((hostile_run[1] / folder).glob("*.csv"))
    assert len(paths) > 20
    quoted = 0
    for path in paths:
        text = path.read_text(encoding="utf-8-sig")
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=separator):
            for cell in row:
                assert not cell.startswith(FORMULA_START) or _plain_number(cell), (path.name, cell[:80])
                quoted += cell[:1] == "'" and cell[1:2] in FORMULA_START
    assert quoted > 30


@slow
def test_csv_tables_keep_the_hostile_texts(hostile_run, dataset):
    from influence_lib.export import read_report_table

    tables = hostile_run[1] / "tables"
    voices = read_report_table(tables / "top_voices.csv")
    members = dict(zip(dataset.members["member_id"], dataset.members["full_name"]))
    roles = dict(zip(dataset.members["member_id"], dataset.members["role"]))
    assert voices["full_name"].tolist() == [members[m] for m in voices["member_id"]]
    assert voices["role"].tolist() == [roles[m] for m in voices["member_id"]]
    posts = read_report_table(tables / "top_posts.csv")
    assert posts["excerpt"].str.startswith(FORMULA_START).any()


# --- rankings.xlsx ----------------------------------------------------------------------------------

@slow
def test_workbook_holds_text_never_formulas(hostile_run):
    import openpyxl

    path = hostile_run[1] / "rankings.xlsx"
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", z.read(name)), f"{name} holds a formula"
    book = openpyxl.load_workbook(path)
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if cell.hyperlink is not None:
                    assert re.match(r"https?://", cell.hyperlink.target or ""), cell.hyperlink.target
                if isinstance(cell.value, str):
                    assert len(cell.value) <= 32_767
                    texts.append(cell.value)
    for value in hostile.KEPT_IN_TABLES:
        assert value in texts, value
    assert book.properties.title.startswith(hostile.IMG) and "\ufffd" in book.properties.title  # readable XML


@slow
def test_sheet_names_are_valid_and_unique(hostile_run):
    import openpyxl

    names = openpyxl.load_workbook(hostile_run[1] / "rankings.xlsx", read_only=True).sheetnames
    assert len(names) >= 4
    for name in names:
        assert 0 < len(name) <= 31 and not re.search(r"[\[\]:*?/\\\x00-\x1f]", name), name
        assert not name.startswith("'") and not name.endswith("'"), name
    assert len({n.casefold() for n in names}) == len(names)
    assert any(n.startswith("Top 10 =HYPERLINK") for n in names)  # not a formula: a sheet name


# --- figures ----------------------------------------------------------------------------------------

def _svg_texts(path: Path) -> tuple[ElementTree.Element, str]:
    root = ElementTree.parse(path).getroot()
    return root, "".join(root.itertext())


@slow
def test_figures_are_safe_and_draw_dollars_as_text(hostile_run):
    figures = hostile_run[1] / "figures"
    svgs = sorted(figures.glob("*.svg"))
    assert len(svgs) >= 10 and len(svgs) == len(list(figures.glob("*.png")))
    for path in svgs:
        root, _ = _svg_texts(path)
        for element in root.iter():
            assert element.tag.rsplit("}", 1)[-1] not in ("script", "foreignObject"), path.name
            for name, value in element.attrib.items():
                local = name.rsplit("}", 1)[-1]
                assert not local.startswith("on"), (path.name, name)
                if local == "href":
                    assert value.startswith(("#", "data:image/png;base64,")), (path.name, value[:80])
    for path in sorted(figures.glob("*.png")):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    _, top10 = _svg_texts(figures / "top10.svg")
    for value in (hostile.DOLLARS, hostile.MATH, hostile.SCRIPT, hostile.HYPERLINK):
        assert value in top10, value
    assert "\u03b1" not in top10, "$\\alpha$ was read as mathematics"
    assert hostile.LONG not in top10 and "…" in top10, "a very long name is cut on the figure"
    _, other = _svg_texts(figures / f"leaders_{hostile.OTHER}.svg")
    assert hostile.SHEET_BREAKERS in other and hostile.IMG in other


# --- executed notebooks and manifest ----------------------------------------------------------------

@slow
def test_executed_notebooks_hold_no_unsafe_output(hostile_run):
    import nbformat

    paths = sorted((hostile_run[1] / "notebooks").glob("*.ipynb"))
    assert len(paths) == 6
    html_outputs = 0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                assert output["output_type"] != "error", path.name
                if output["output_type"] == "stream":
                    for problem in ("Traceback", "mathtext", "missing from font", "Tight layout not applied"):
                        assert problem not in output["text"], (path.name, output["text"][:300])
                    continue
                data = output.get("data", {})
                assert not {"application/javascript", "text/markdown", "text/latex"} & set(data), path.name
                if "text/html" in data:
                    html_outputs += 1
                    assert audit_html(data["text/html"]).problems == [], path.name
                    assert "<script" not in data["text/html"].lower()
    assert html_outputs > 20


@slow
def test_manifest_is_valid_json(hostile_run):
    manifest = json.loads((hostile_run[1] / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(n["name"] for n in manifest["notebooks"]) == sorted(
        p.stem for p in (hostile_run[1] / "notebooks").glob("*.ipynb"))
    assert manifest["rows"]["posts"]["used"] == manifest["rows"]["posts"]["read"]
