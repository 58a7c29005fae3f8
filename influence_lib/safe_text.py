"""Texts from the data as readers see them: no control characters, no direction overrides; figure labels on one short line."""

from __future__ import annotations

import re

# C0 controls except tab, line feed and carriage return, DEL and C1 controls: XML (SVG, xlsx) cannot
# carry most of them and HTML calls them parse errors; each is shown as U+FFFD, the replacement character.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Explicit embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): one left open in a name
# reverses or hides the order of the report's own words after it, up to the end of the paragraph.
_DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[\t\n\r\u2028\u2029]")
ELLIPSIS = "…"


def shown_text(value) -> str:
    """A value from the data as a reader is shown it: text, control characters as U+FFFD, direction overrides removed.

    The letters of every script are kept (Arabic and Hebrew names keep their natural direction);
    only the invisible characters that force a direction are dropped. Tables (CSV, workbook) keep
    the data as it is; this is for the report's HTML and figures.

    Parameters
    ----------
    value : object
        Anything; ``None`` gives ``""``.

    Returns
    -------
    str
    """
    text = "" if value is None else str(value)
    return _CONTROLS.sub("\ufffd", _DIRECTION_CONTROLS.sub("", text))


def one_line_text(value) -> str:
    """:func:`shown_text` on one line: tabs and line breaks become spaces.

    For a terminal too: an escape sequence (ESC is a control character) can neither recolour nor
    clear it, and a line break in a name cannot forge a row of a printed table.
    """
    return _LINE_BREAKS.sub(" ", shown_text(value))


def label_text(value, limit: int = 60) -> str:
    """A value from the data as a figure label: :func:`one_line_text`, cut to ``limit`` characters with "…".

    Tabs and line breaks become spaces (the figure's font has no glyph for them, and a label
    keeps one line); a longer text is cut so that one name cannot squeeze the plot to nothing.
    """
    text = one_line_text(value)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS
