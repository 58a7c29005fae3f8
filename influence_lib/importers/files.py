"""Reading the files tools write: text decoding, CSV tables and JSON values, each with its line number."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from influence_lib.importers.errors import FileRefused


@dataclass
class FileStats:
    """What was read from one input file.

    ``path`` is the file as given (for messages on the terminal); ``name`` is how the report names
    it: the file name, with as many parent folders as it takes to tell the inputs apart, never an
    absolute path (see :func:`display_names`).
    """

    path: str
    sha256: str = ""
    lines: int = 0
    records: int = 0
    posts: int = 0
    invalid_json_lines: int = 0
    encoding: str | None = None
    separator: str | None = None
    name: str = ""

    def __post_init__(self) -> None:
        """Name the file by its file name unless told otherwise."""
        self.name = self.name or Path(self.path).name

    def as_dict(self) -> dict:
        """The file's entry in the import report (``encoding`` and ``separator`` for CSV files only)."""
        data = {"path": self.name, "sha256": self.sha256, "lines": self.lines, "records": self.records,
                "posts": self.posts, "invalid_json_lines": self.invalid_json_lines}
        if self.encoding:
            data.update(encoding=self.encoding, separator=self.separator)
        return data


def display_names(paths: list[Path]) -> dict[Path, str]:
    """How the report names each input: its last path parts, as few as make the names unique.

    ``/home/ana/exports/feed.json`` is ``feed.json``; two ``feed.json`` in different folders are
    ``sophie/feed.json`` and ``hugo/feed.json``. The names never start at the root of the disk, so the
    report carries no local folder layout (user names, home folders).
    """
    parts = {p: list(Path(p).resolve().parts[1:]) or [Path(p).name] for p in dict.fromkeys(paths)}
    depth = {p: 1 for p in parts}
    while True:
        names = {p: "/".join(parts[p][-depth[p]:]) for p in parts}
        seen: dict[str, list[Path]] = {}
        for p, name in names.items():
            seen.setdefault(name, []).append(p)
        clashes = [p for group in seen.values() if len(group) > 1 for p in group if depth[p] < len(parts[p])]
        if not clashes:
            return names
        for p in clashes:
            depth[p] += 1


def is_blank_file(path: Path) -> bool:
    """Tell whether a file holds nothing but white space (and perhaps a byte-order mark)."""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 16):
            if chunk.replace(b"\xef\xbb\xbf", b"").strip():
                return False
    return True


def _line_count(raw: bytes) -> int:
    if not raw:
        return 0
    return raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)


def decode_text(path: Path, raw: bytes) -> tuple[str, str]:
    """Decode a CSV file: UTF-8 (with or without BOM) first, then Windows-1252 (Excel in France)."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FileRefused(path, None, "the file is neither UTF-8 nor Windows-1252 text; save it as \"CSV UTF-8\"")


def sniff_separator(header: str) -> str:
    """The separator of a CSV header line: ``,``, ``;`` or tab, whichever splits it most."""
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda s: (counts[s], s == ","))
    return best


@dataclass
class CsvTable:
    """A CSV file read as text: its header, each record with the line it starts on, and the short rows.

    ``short_rows`` holds ``(line, cells)`` of the records with fewer cells than the header: a file
    cut short, or a line broken by a line break outside quotes. They are not in ``rows``.
    """

    path: Path
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]
    short_rows: list[tuple[int, int]] = field(default_factory=list)

    def column(self, *names: str) -> str | None:
        """The first of ``names`` present in the header (case-insensitive), as spelt in the file."""
        lowered = {c.lower(): c for c in self.columns}
        for name in names:
            if name.lower() in lowered:
                return lowered[name.lower()]
        return None

    def cells(self) -> Iterator[tuple[int, Callable[[str], str]]]:
        """Each row with its line, as a function from a column name (any case) to its cell.

        The cell comes back stripped of surrounding spaces, ``""`` when the column is absent.
        """
        lowered = {c.lower(): c for c in self.columns}
        for line, row in self.rows:
            def get(name: str, row: dict[str, str] = row) -> str:
                column = lowered.get(name.lower())
                return row[column].strip() if column else ""
            yield line, get


def read_csv_table(path: Path, stats: FileStats) -> CsvTable:
    """Read a CSV file as text: encoding and separator sniffed, every cell a string, nothing dropped.

    Blank lines are skipped; a row with more cells than the header keeps them only if they are
    empty (a trailing separator), otherwise :class:`FileRefused` names the line. A row with fewer
    cells than the header is set aside in ``short_rows`` (its missing cells cannot be told from cells
    cut off), for the caller to refuse.
    """
    raw = path.read_bytes()
    stats.lines = _line_count(raw)
    text, encoding = decode_text(path, raw)
    stats.encoding = encoding
    if not text.strip():
        raise FileRefused(path, None, "the file is empty; expected a header row and data rows")
    header_line = text.lstrip("\r\n").split("\n", 1)[0]
    separator = sniff_separator(header_line)
    stats.separator = separator
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    short: list[tuple[int, int]] = []
    previous_end = 0
    try:
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not cells or all(not c.strip() for c in cells):
                continue
            if header is None:
                header = [c.replace("\ufeff", "").strip() for c in cells]
                continue
            if len(cells) > len(header):
                if any(c.strip() for c in cells[len(header):]):
                    raise FileRefused(path, start, f"{len(cells)} cells where the header has {len(header)}; "
                                                   f"check the separator and the quoting")
                cells = cells[: len(header)]
            elif len(cells) < len(header):
                short.append((start, len(cells)))
                continue
            rows.append((start, dict(zip(header, cells))))
    except csv.Error as exc:
        raise FileRefused(path, reader.line_num, f"not a well-formed CSV file ({exc})") from None
    return CsvTable(path, header or [], rows, short)


@dataclass(frozen=True)
class JsonProblem:
    """A line (or the rest of a file) that is not valid JSON."""

    line: int
    error: str


_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"\s*")


def _skip_space(text: str, pos: int, line: int) -> tuple[int, int]:
    """The position after the white space at ``pos``, and the line it is on."""
    end = _WHITESPACE.match(text, pos).end()
    return end, line + text.count("\n", pos, end)


def _iter_concatenated(text: str, start: int, first_line: int) -> Iterator[tuple[int, Any]]:
    """JSON values one after another (pretty-printed or not); a broken one costs its line."""
    pos, line, end = start, first_line, len(text)
    while True:
        pos, line = _skip_space(text, pos, line)
        if pos >= end:
            return
        try:
            value, after = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield line, JsonProblem(line, exc.msg)
            nl = text.find("\n", pos)
            if nl < 0:
                return
            line += 1
            pos = nl + 1
            continue
        yield line, value
        line += text.count("\n", pos, after)
        pos = after


def _iter_array(text: str, start: int, first_line: int) -> Iterator[tuple[int, Any]]:
    """Items of a JSON array, each with the line it starts on; stops at the first broken item."""
    pos, line, end = start + 1, first_line, len(text)
    while True:
        pos, line = _skip_space(text, pos, line)
        if pos < end and text[pos] == ",":
            pos += 1
            continue
        if pos >= end:
            yield line, JsonProblem(line, "the file ends inside the JSON array (cut short?)")
            return
        if text[pos] == "]":
            rest = text[pos + 1:].strip().rstrip(";").strip()
            if rest:
                yield line, JsonProblem(line, "text after the end of the JSON array")
            return
        try:
            value, after = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield line, JsonProblem(line, f"{exc.msg}; the rest of the file from this line was not read")
            return
        yield line, value
        line += text.count("\n", pos, after)
        pos = after


def iter_json_values(path: Path, stats: FileStats, js_assignment: bool = False) -> Iterator[tuple[int, Any]]:
    """The JSON values of a file, each with its line: ``(line, value)`` or ``(line, JsonProblem)``.

    Reads JSON lines (one value a line, streamed from disk), a JSON array (Apify's download), one or
    more pretty-printed documents, and with ``js_assignment`` the ``window.YTD.tweets.part0 = [...]``
    files of an X archive.
    """
    with path.open("rb") as fh:
        head = fh.read(65536)
    head = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    if not head.strip():
        stats.lines = _line_count(head)
        return
    first_line = head.lstrip().split(b"\n", 1)[0].strip()
    line_mode = False
    if not js_assignment and first_line[:1] == b"{" and b"\n" in head.lstrip():
        try:
            json.loads(first_line)
            line_mode = True
        except ValueError:
            pass
    if not line_mode:
        raw = path.read_bytes()
        stats.lines = _line_count(raw)
        text = _decode_json(path, raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw)
        start = len(text) - len(text.lstrip())
        if js_assignment or text[start:start + 1] == "[":
            start = text.find("[")
            if start < 0:
                raise FileRefused(path, 1, "no JSON array found in this file")
            yield from _iter_array(text, start, text.count("\n", 0, start) + 1)
        else:
            yield from _iter_concatenated(text, 0, 1)
        return
    number = 0
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            line = line.rstrip(b"\r\n")
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except UnicodeDecodeError:
                yield number, JsonProblem(number, "not UTF-8 text")
            except json.JSONDecodeError as exc:
                yield number, JsonProblem(number, exc.msg)
    stats.lines = number


def _decode_json(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileRefused(path, line, "not UTF-8 text; JSON files are UTF-8") from None


def file_sha256(path: Path) -> str:
    """Checksum of a file's bytes, for the report."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()

