"""The A4 booklet: report.html printed to report.pdf by WeasyPrint, with the print stylesheet."""

from __future__ import annotations

import html as _html
import logging
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from influence_lib.errors import InfluenceError

# The print stylesheet. report.html embeds it for media="print" (a browser printing the page gets
# the same A4 layout, without the contents' page numbers, which only paged-media engines compute),
# and WeasyPrint, a paged-media engine, applies it to write report.pdf. What WeasyPrint does with
# each rule is documented in its API reference, "Supported features": margin boxes and named
# pages (CSS Paged Media 3), string-set / string(), target-counter() and leader() (CSS Generated
# Content 3), break-inside: avoid on blocks and table rows (CSS Fragmentation 3), a table's
# thead repeated on every page it spans.
PRINT_STYLE = """
@page {
  size: A4;
  margin: 19mm 15mm 16mm 15mm;
  @top-left { content: string(chapter); font: 7pt "DejaVu Sans", sans-serif; color: #5b6b7c; vertical-align: bottom;
              padding-bottom: 3mm; }
  @top-right { content: string(sector); font: 7pt "DejaVu Sans", sans-serif; color: #5b6b7c; vertical-align: bottom;
               padding-bottom: 3mm; }
  @bottom-left { content: string(booktitle); font: 7pt "DejaVu Sans", sans-serif; color: #5b6b7c; vertical-align: top; }
  @bottom-right { content: counter(page) " / " counter(pages); font: 7pt "DejaVu Sans", sans-serif;
                  color: #5b6b7c; vertical-align: top; }
}
@page cover {
  margin: 0;
  @top-left { content: none; } @top-right { content: none; }
  @bottom-left { content: none; } @bottom-right { content: none; }
}
html, body { background: #fff; }
body { font: 8.6pt/1.4 "DejaVu Sans", sans-serif; }
main { max-width: none; margin: 0; padding: 0; }
a { color: inherit; text-decoration: none; }
/* PDF bookmarks: sections, their parts and the profiles; not the cover or the profiles' sub-headings */
.cover-title, h4, h5, h6 { bookmark-level: none; }
nav.toc .toc-title { bookmark-level: 1; }

.cover { page: cover; break-after: page; display: block; min-height: 0; height: 297mm; margin: 0;
         padding: 88mm 24mm 0; border: 0; border-top: 14mm solid #1f4e79; }
.cover .kicker { font-size: 10pt; }
.cover .cover-title { string-set: booktitle content(text); font-size: 28pt; line-height: 1.15; margin: 5mm 0 6mm;
                      padding: 0; border: 0; }
.cover .sector { string-set: sector content(text); font-size: 16pt; }
.cover .period { font-size: 10.5pt; margin-top: 14mm; padding-top: 4mm; border-top: 1pt solid #1f4e79; }

nav.toc { break-after: page; background: none; border-radius: 0; padding: 0; margin: 0; }
nav.toc .toc-title { string-set: chapter content(text); font-size: 17pt; color: #1d2733; margin: 0 0 6mm;
                     border-bottom: 1.5pt solid #1f4e79; padding-bottom: 1.5mm; }
nav.toc ol { padding-left: 0; list-style: none; }
nav.toc > ol > li { font-weight: 700; margin: 4.5mm 0 1mm; font-size: 10pt; }
nav.toc ol ol { font-weight: 400; font-size: 9pt; list-style: none; padding-left: 6mm; margin: 1mm 0 0; }
nav.toc ol ol li { margin: .8mm 0; }
nav.toc a::after { content: leader(dotted) " " target-counter(attr(href), page); font-weight: 400; }

section.report-section { break-before: page; }
h1 { string-set: chapter content(text); font-size: 16pt; margin: 0 0 4mm; padding-bottom: 1.5mm;
     border-bottom-width: 1.5pt; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; }
h3 { font-size: 10pt; margin: 4.5mm 0 1.5mm; }
h4 { font-size: 8.8pt; margin: 3mm 0 1mm; }
h1, h2, h3, h4 { break-after: avoid; }
p, li { orphans: 3; widows: 3; }
p { margin: 1.2mm 0 2mm; }
ul { margin: 1mm 0 2mm; padding-left: 5mm; }
.note { font-size: 7.5pt; }

table { font: 7.2pt/1.3 "DejaVu Sans Condensed", "DejaVu Sans", sans-serif; margin: 1.5mm 0 3.5mm; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
/* a short table (15 rows or fewer) moves whole to the next page, with the sentence introducing it */
table:not(:has(tbody > tr:nth-child(16))) { break-inside: avoid; }
p:has(+ table) { break-after: avoid; }
th { padding: 1.2mm 1.8mm; }
td { padding: .9mm 1.8mm; }

img { display: block; max-width: 100%; max-height: 82mm; width: auto; height: auto; margin: 1.5mm auto 3.5mm;
      break-inside: avoid; }
.card img { max-height: 56mm; }
.keyfigures { gap: 2.5mm; margin: 2mm 0 3mm; break-inside: avoid; }
.keyfigures div { padding: 1.6mm 2.6mm; flex-basis: 36mm; }
.keyfigures strong { font-size: 13pt; }
pre { white-space: pre-wrap; font-size: 7pt; }

/* A text cell of a notebook (nbconvert's class) introduces the output after it: never the last thing on a page. */
.text_cell { break-after: avoid; }

/* A card (a Direction's profile) stays on one page. */
.card { break-inside: avoid; }

footer { margin-top: 8mm; font-size: 7pt; break-before: avoid; }
"""

PAGE_SIZE_MM = (210, 297)
FIXED_EPOCH = "946684800"  # 2000-01-01T00:00:00Z, the fixed date of the workbook's properties too


class BookletError(InfluenceError):
    """The PDF booklet could not be written (engine or its system libraries missing, unreadable page)."""


@dataclass(frozen=True)
class Booklet:
    """A written booklet: its file, page count, the page (from 1) of each anchor, the engine's warnings."""

    path: Path
    pages: int
    anchors: dict[str, int]
    warnings: tuple[str, ...]
    seconds: float


_FIGURE_IMG = re.compile(r"<img\b[^>]*\bdata-figure=\"([^\"]+)\"[^>]*>")
_SRC = re.compile(r"\bsrc=\"[^\"]*\"")


def print_ready(page: str, figures_dir: Path | None) -> str:
    """The page with each saved figure shown from its SVG file (vector, for print) instead of its screen PNG.

    A figure is an ``<img data-figure="NAME">`` (see :func:`influence_lib.html.saved_figure`);
    ``figures_dir/NAME.svg`` replaces its source when the file exists. Other images keep theirs.
    """
    if figures_dir is None:
        return page

    def _swap(match: re.Match) -> str:
        svg = Path(figures_dir) / f"{_html.unescape(match.group(1))}.svg"
        if svg.parent != Path(figures_dir) or not svg.is_file():
            return match.group(0)
        return _SRC.sub(lambda _: f'src="{_html.escape(svg.resolve().as_uri())}"', match.group(0), count=1)

    return _FIGURE_IMG.sub(_swap, page)


def _weasyprint():
    try:
        import weasyprint
    except OSError as exc:  # the wheel is there but Pango, HarfBuzz or fontconfig is not
        raise BookletError(
            f"report.pdf needs the system libraries of WeasyPrint (Pango, HarfBuzz, fontconfig): {exc}. "
            "On Debian or Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fontconfig"
        ) from None
    except ImportError:
        raise BookletError("report.pdf needs WeasyPrint: reinstall the package (make setup)") from None
    return weasyprint


def _local_fetcher(weasyprint, root: Path):
    """A URL fetcher that serves ``data:`` URLs and files under ``root`` only.

    The booklet never reaches the network, and an image smuggled into the page cannot read other files.
    """
    from weasyprint.urls import URLFetcher

    root = root.resolve()

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file:"):
                from urllib.request import url2pathname

                path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
                if path.is_relative_to(root):
                    return super().fetch(url, headers)
            raise ValueError(f"the booklet only uses the report's own files, not {url[:80]}")

    return LocalFetcher(allowed_protocols={"data", "file"})


def render(page: str, folder: Path):
    """Lay a report page out as A4 pages with WeasyPrint; return its ``weasyprint.Document``.

    Parameters
    ----------
    page : str
        The report's HTML (its print stylesheet included), figures already :func:`print_ready`.
    folder : Path
        The report's folder: relative links resolve there, and only files under it are read.
    """
    weasyprint = _weasyprint()
    return weasyprint.HTML(string=page, base_url=str(Path(folder).resolve()) + "/",
                           url_fetcher=_local_fetcher(weasyprint, Path(folder))).render()


def page_of_anchors(document) -> dict[str, int]:
    """Each anchor (element id) of a laid-out document and the page it is on, counted from 1."""
    found: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            found.setdefault(anchor, number)
    return found


def write_booklet(html_path: str | Path, pdf_path: str | Path | None = None,
                  figures_dir: str | Path | None = None) -> Booklet:
    """Print ``report.html`` to an A4 PDF booklet (default: ``report.pdf`` beside it).

    Cover on its own page, table of contents with page numbers, running header (chapter, sector)
    and footer (study title, page / pages), cards and table rows never split, table headers
    repeated, figures from their SVG files when ``figures_dir`` holds them (default: the
    ``figures`` folder beside the page), PDF bookmarks from the headings. The PDF is tagged
    (structure and image descriptions for screen readers) and dated nowhere: the same page gives
    the same bytes. It is written beside its target, then renamed. The engine prints nothing: an error
    (an image, stylesheet or cross-reference it could not use) raises :class:`BookletError`
    and leaves no PDF; its warnings (CSS it ignores, a character no installed font has) are
    returned in :attr:`Booklet.warnings`.

    Parameters
    ----------
    html_path : str or Path
        The report page.
    pdf_path : str or Path, optional
        Where to write the PDF.
    figures_dir : str or Path, optional
        Folder of the figures' SVG files.

    Returns
    -------
    Booklet
    """
    import time

    started = time.perf_counter()
    html_path = Path(html_path)
    pdf_path = Path(pdf_path) if pdf_path else html_path.with_suffix(".pdf")
    figures = Path(figures_dir) if figures_dir else html_path.parent / "figures"
    page = print_ready(html_path.read_text(encoding="utf-8"), figures if figures.is_dir() else None)
    partial = pdf_path.with_name(f".{pdf_path.name}.partial")
    collected = _Collected()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collected)
    propagate, logger.propagate = logger.propagate, False
    try:
        document = render(page, html_path.parent)
        with _fixed_font_dates():
            document.write_pdf(partial, pdf_tags=True)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        logger.removeHandler(collected)
        logger.propagate = propagate
    if collected.errors:
        partial.unlink(missing_ok=True)
        raise BookletError(f"{pdf_path.name} would miss part of {html_path.name}: {len(collected.errors)} problem(s) "
                           f"in the PDF engine, first: {collected.errors[0][:300]}")
    partial.replace(pdf_path)
    return Booklet(pdf_path, len(document.pages), page_of_anchors(document), tuple(collected.warnings),
                   round(time.perf_counter() - started, 2))


@contextmanager
def _fixed_font_dates():
    """Give the fonts fontTools rewrites (the emoji font, without its bitmaps) a fixed date, not now.

    fontTools reads the date from SOURCE_DATE_EPOCH, the reproducible-builds convention, set here
    unless the caller set it.
    """
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = FIXED_EPOCH
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


class _Collected(logging.Handler):
    """Keeps WeasyPrint's messages instead of printing them.

    Errors: an image, a stylesheet or a cross-reference it could not use. Warnings: CSS it
    ignores, characters no installed font has.
    """

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record):
        (self.errors if record.levelno >= logging.ERROR else self.warnings).append(record.getMessage())
