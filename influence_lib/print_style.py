"""The print stylesheet of the report: A4 pages, cover, contents with page numbers, running header, whole cards."""

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
