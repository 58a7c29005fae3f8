"""What a source parser works in: ParseContext (files opened, posts and followers found) and the JSON-file loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from influence_lib.importers.errors import FileRefused
from influence_lib.importers.files import (
    CsvTable,
    FileStats,
    JsonProblem,
    file_sha256,
    iter_json_values,
    read_csv_table,
)
from influence_lib.importers.report import ImportReport
from influence_lib.importers.values import parse_count, try_parse_time
from influence_lib.settings import FORMATS, KINDS

RECORD_DEFAULTS: dict[str, Any] = {
    "post_id": None, "aliases": (), "version": 0, "platform": None, "handle": None, "alt": None,
    "display": None, "published_ms": None, "kind": "original", "format": None,
    "likes": None, "comments": None, "shares": None, "quotes": None, "impressions": None,
    "text": None, "url": None, "retrieved_s": None,
}


@dataclass
class ParseContext:
    """What a source parser needs (arguments) and where it puts what it finds.

    Post records are dicts with the keys of :data:`RECORD_DEFAULTS`; follower records have
    ``platform, handle, alt, followers, retrieved_s, file, line``.
    """

    report: ImportReport
    scraped_s: int | None = None
    handle: str | None = None
    posts: list[dict] = field(default_factory=list)
    followers: list[dict] = field(default_factory=list)
    rows_examined: int = 0
    names: dict[Path, str] = field(default_factory=dict)

    def open_file(self, path: Path) -> FileStats:
        """Start reading ``path``: its checksum and its entry in the report (under its display name)."""
        stats = FileStats(str(path), sha256=file_sha256(path), name=self.names.get(path, ""))
        self.report.files.append(stats)
        return stats

    def read_csv_file(self, path: Path) -> tuple[FileStats, CsvTable]:
        """Start reading a CSV file (see :meth:`open_file`): its rows, each one a record.

        Rows with fewer cells than the header are refused here, with their line.

        Raises
        ------
        FileRefused
            The file is empty, not text, or not well-formed CSV.
        """
        stats = self.open_file(path)
        table = read_csv_table(path, stats)
        stats.records = len(table.rows) + len(table.short_rows)
        for line, cells in table.short_rows:
            self.refuse(stats, line, f"{cells} cell(s) where the header has {len(table.columns)}: the row is cut "
                                     f"short (a file cut off, or a line break outside quotes); fix or re-export the file")
        return stats, table

    def retrieval_seconds(self, value: Any) -> int | None:
        """The retrieval time a file gives (``value``), else ``--scraped-at``; unreadable counts as not given."""
        parsed = try_parse_time(value)
        return parsed.seconds if parsed else self.scraped_s

    def invalid_json(self, stats: FileStats, problem: JsonProblem) -> None:
        """Count a line that is not valid JSON."""
        stats.invalid_json_lines += 1
        self.report.invalid_json.append({"file": stats.name, "line": problem.line, "error": problem.error})

    def refuse(self, stats: FileStats, line: int | None, reason: str) -> None:
        """Count a row that cannot be imported as it is."""
        self.rows_examined += 1
        self.report.refuse(stats.name, line, reason)

    def skip(self, stats: FileStats, line: int | None, reason: str, category: str = "not_a_post") -> None:
        """Count a row that is not a post of the account, under its ``category`` (see :data:`~influence_lib.importers.report.SKIP_CATEGORIES`)."""
        self.rows_examined += 1
        self.report.skip(stats.name, line, reason, category)

    def add_post(self, stats: FileStats, line: int, **record: Any) -> None:
        """Record a post; missing keys take their defaults (see :data:`RECORD_DEFAULTS`)."""
        if record.get("kind", "original") not in KINDS or record.get("format") not in FORMATS + (None,):
            raise ValueError(f"parser bug: kind {record.get('kind')!r} or format {record.get('format')!r} "
                             f"is not in the canonical vocabulary")
        self.rows_examined += 1
        stats.posts += 1
        row = dict(RECORD_DEFAULTS)
        row.update(record)
        row["file"], row["line"], row["order"] = stats.name, line, len(self.posts)
        self.posts.append(row)

    def add_followers(self, stats: FileStats, line: int, platform: str, handle: str | None,
                      alt: str | None, followers: Any, retrieved_s: int | None) -> None:
        """Record a follower count of the account ``handle`` (or ``alt``); an unreadable count is noted."""
        try:
            count = parse_count(followers)
        except ValueError as exc:
            self.report.note(f"followers not read: {exc}")
            return
        if count is None or not (handle or alt):
            return
        self.followers.append({"platform": platform, "handle": handle, "alt": alt, "followers": count,
                               "retrieved_s": retrieved_s, "file": stats.name, "line": line,
                               "order": len(self.followers)})


def read_counts(record: dict, values: dict[str, Any]) -> str | None:
    """Parse the count ``values`` into ``record``; the reason of the first unreadable one, else ``None``."""
    for column, value in values.items():
        try:
            record[column] = parse_count(value)
        except ValueError as exc:
            return f"{column}: {exc}"
    return None


ValueReader = Callable[[ParseContext, FileStats, int, Any], bool]
"""Reads one JSON value of a file into the context; True when it is something of the format."""


def read_json_file(ctx: ParseContext, path: Path, read_value: ValueReader, expected: str,
                   js_assignment: bool = False) -> None:
    """Hand every JSON value of ``path`` to ``read_value``, with its line.

    Lines that are not valid JSON are counted in the report and passed over; the file's records
    are its JSON values.

    Parameters
    ----------
    ctx : ParseContext
    path : Path
    read_value : callable
        ``read_value(ctx, stats, line, value)``, True when the value is something of the format.
    expected : str
        What the format's files hold, for the refusal (``"a Bluesky feed page or profile"``).
    js_assignment : bool
        The file is a ``window.YTD.<name>.part0 = [...]`` file of an X archive.

    Raises
    ------
    FileRefused
        No line of the file is valid JSON, or no value is something of the format.
    """
    stats = ctx.open_file(path)
    recognised = False
    for line, value in iter_json_values(path, stats, js_assignment=js_assignment):
        if isinstance(value, JsonProblem):
            ctx.invalid_json(stats, value)
            continue
        stats.records += 1
        recognised |= bool(read_value(ctx, stats, line, value))
    refuse_unrecognised(stats, recognised, expected)


def read_json_files(paths: list[Path], ctx: ParseContext, read_value: ValueReader, expected: str) -> None:
    """:func:`read_json_file` on each of ``paths``."""
    for path in paths:
        read_json_file(ctx, path, read_value, expected)


def refuse_unrecognised(stats: FileStats, recognised: bool, expected: str) -> None:
    """Refuse a file of which nothing was of the format (wrong ``--format``, or no valid JSON at all).

    Raises
    ------
    FileRefused
        When no record was read but some lines were invalid JSON, or no record was recognised.
    """
    if stats.records == 0 and stats.invalid_json_lines:
        raise FileRefused(stats.path, 1, f"no line of this file is valid JSON; is --format right? ({expected})")
    if stats.records and not recognised:
        raise FileRefused(stats.path, 1, f"nothing in this file looks like {expected}; is --format right?")
