"""The import report: what an import read, kept, merged and left, with file and line; read back on the next import."""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from influence_lib.export import write_json
from influence_lib.importers.files import FileStats
from influence_lib.settings import KINDS

REPORT_NAME = "import-report.json"

# Why a row that is not a post of the account was skipped: key in the report -> words on the terminal.
SKIP_CATEGORIES: dict[str, str] = {
    "reaction": "reactions",
    "comment": "comments",
    "others_post": "others' posts",
    "stream_control": "stream control messages",
    "not_a_post": "other items",
}


@dataclass
class ImportReport:
    """Everything an import read, kept, merged and left, with file and line.

    Written as ``DATASET/import-report.json``; :meth:`describe` is the text printed on stdout.
    The written report holds no handle of anyone outside the roster (unmatched handles are
    counted, and listed on the terminal only) and no absolute path: files are named by
    :func:`~influence_lib.importers.files.display_names`, the roster and the dataset by their
    folder's name.
    """

    format: str
    roster: str = ""
    out: str = ""
    scraped_at: str | None = None
    files: list[FileStats] = field(default_factory=list)
    file_problems: list[dict] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    invalid_json: list[dict] = field(default_factory=list)
    api_errors: list[dict] = field(default_factory=list)
    unmatched: Counter = field(default_factory=Counter)
    notes: Counter = field(default_factory=Counter)
    hints: list[str] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    followers_updated: list[dict] = field(default_factory=list)
    snapshots: dict = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)
    relative_without_time: int = 0
    roster_merge: dict = field(default_factory=dict)

    def refuse(self, file: str, line: int | None, reason: str) -> None:
        """A row that cannot be imported as it is (bad id, no date, unreadable count, cut short...)."""
        self.refused.append({"file": file, "line": line, "reason": reason})

    def refuse_file(self, file: str, line: int | None, reason: str) -> None:
        """A whole file that holds nothing to import (an empty file)."""
        self.file_problems.append({"file": file, "line": line, "reason": reason})

    def skip(self, file: str, line: int | None, reason: str, category: str = "not_a_post") -> None:
        """A row that is not a post of the account (a reaction, a comment, someone else's post...)."""
        if category not in SKIP_CATEGORIES:
            raise ValueError(f"unknown skip category {category!r}")
        self.skipped.append({"file": file, "line": line, "category": category, "reason": reason})

    def note(self, message: str, n: int = 1) -> None:
        """A fact worth knowing, counted (e.g. impressions read as missing)."""
        self.notes[message] += n

    def hint(self, message: str) -> None:
        """Advice on what to do (e.g. pass ``--scraped-at``), printed after the counts."""
        if message not in self.hints:
            self.hints.append(message)

    @property
    def problem_count(self) -> int:
        """Refusals in the sense of ``--strict``: empty files, refused rows, invalid JSON lines, unmatched posts."""
        return (len(self.file_problems) + len(self.refused) + len(self.invalid_json)
                + sum(self.unmatched.values()))

    def first_problem(self) -> str | None:
        """The first problem that ``--strict`` counts, as ``file:line: reason``, for a one-line message."""
        for rows, key in ((self.file_problems, "reason"), (self.refused, "reason"), (self.invalid_json, "error")):
            if rows:
                return f"{rows[0]['file']}:{rows[0]['line']}: {rows[0][key]}"
        if self.unmatched:
            (platform, _), n = min(self.unmatched.items(), key=lambda kv: (-kv[1], kv[0]))
            return f"{n} {platform} post(s) of a handle that is not in the roster"
        return None

    def skipped_by_category(self) -> dict[str, int]:
        """How many rows were skipped, per category (every category, 0 included)."""
        found = Counter(r["category"] for r in self.skipped)
        return {category: found.get(category, 0) for category in SKIP_CATEGORIES}

    def unmatched_summary(self) -> dict:
        """Unmatched handles counted, per platform: never the handles themselves (people outside the roster)."""
        by_platform: dict[str, dict[str, int]] = {}
        for (platform, _), n in sorted(self.unmatched.items()):
            entry = by_platform.setdefault(platform, {"handles": 0, "posts": 0})
            entry["handles"] += 1
            entry["posts"] += n
        return {"handles": len(self.unmatched), "posts": sum(self.unmatched.values()), "by_platform": by_platform}

    def as_dict(self) -> dict:
        """The report as written to ``import-report.json``."""
        return {
            "format": self.format, "roster": self.roster, "out": self.out, "scraped_at": self.scraped_at,
            "files": [f.as_dict() for f in self.files],
            "counts": self.counts,
            "roster_merge": self.roster_merge,
            "unmatched": self.unmatched_summary(),
            "file_problems": self.file_problems,
            "refused": self.refused,
            "skipped": self.skipped,
            "invalid_json_lines": self.invalid_json,
            "api_errors": self.api_errors,
            "notes": dict(sorted(self.notes.items())),
            "hints": self.hints,
            "followers_updated": self.followers_updated,
            "previous_imports": self.history,
            "snapshots": self.snapshots,
        }

    def _count_rows(self) -> list[tuple[str, int, str]]:
        c = self.counts
        skipped = ", ".join(f"{SKIP_CATEGORIES[k]} {n}" for k, n in self.skipped_by_category().items() if n)
        return [
            ("rows read", c.get("rows_read", 0), "posts and other items in the files"),
            ("not posts (skipped)", c.get("skipped", 0), skipped),
            ("refused", c.get("refused", 0), "listed below" if self.refused else ""),
            ("duplicates merged", c.get("duplicates_merged", 0), "same post seen again; latest snapshot kept"),
            ("unmatched handles", c.get("unmatched", 0),
             f"{len(self.unmatched)} handle(s) not in the roster" if self.unmatched else ""),
            ("imported", c.get("imported", 0),
             f"new {c.get('added', 0)}, updated {c.get('updated', 0)}, unchanged {c.get('unchanged', 0)}, "
             f"older than the dataset's {c.get('kept_existing', 0)}"),
        ]

    def describe(self, limit: int = 20, written: bool = True) -> str:
        """The human summary: counts, then the unmatched handles, refusals, notes and hints (``limit`` of each).

        Unmatched handles are listed here, on the terminal, so that the roster can be completed;
        the written report only counts them.
        """
        c = self.counts
        lines_read = sum(f.lines for f in self.files)
        out = [f"influence import --format {self.format}: {len(self.files)} file(s), {lines_read} lines read"
               + (f" ({len(self.invalid_json)} not valid JSON)" if self.invalid_json else "")]
        if c:
            rows = self._count_rows()
            width = max(len(r[0]) for r in rows)
            for label, value, comment in rows:
                out.append(f"  {label:<{width}}  {value:>7}" + (f"   {comment}" if comment else ""))
            kinds = c.get("by_kind", {})
            if kinds:
                out.append("  kinds: " + ", ".join(f"{k} {kinds[k]}" for k in KINDS if k in kinds)
                           + ("  (reposts are kept as activity; their engagement is left empty)"
                              if kinds.get("repost") else ""))
            out.append(f"  followers updated: {len(self.followers_updated)} account(s)")
            out.append(f"  dataset {self.out}: {c.get('posts_in_dataset', 0)} posts" if written else
                       f"  dataset {self.out} not written (it would hold {c.get('posts_in_dataset', 0)} posts)")
        sections = [
            ("Files with nothing to import:", [f"{r['file']}:{r['line']}: {r['reason']}" for r in self.file_problems]),
            ("Unmatched handles (no roster account; add them to accounts or ignore; not written to the report):",
             [f"{p:<8} {h}  {n} post(s)" for (p, h), n in
              sorted(self.unmatched.items(), key=lambda kv: (-kv[1], kv[0]))]),
            ("Refused rows:", [f"{r['file']}:{r['line']}: {r['reason']}" for r in self.refused]),
            ("Lines that are not valid JSON (skipped):",
             [f"{r['file']}:{r['line']}: {r['error']}" for r in self.invalid_json]),
            ("Not posts of the account (skipped):", _grouped(self.skipped)),
            ("API errors in the files (deleted or suspended content):",
             [f"{r['file']}:{r['line']}: {r['title']}" + (f" ({r['resource_type']})" if r.get("resource_type") else "")
              for r in self.api_errors]),
            ("Notes:", [f"{n} x {m}" for m, n in sorted(self.notes.items())]),
            ("What to do:", list(self.hints)),
        ]
        for title, items in sections:
            if not items:
                continue
            out.append(title)
            out.extend(f"  {item}" for item in items[:limit])
            if len(items) > limit:
                out.append(f"  ... and {len(items) - limit} more" + ("" if "not written" in title else
                                                                     f" in {REPORT_NAME}"))
        return "\n".join(out)


def _grouped(rows: list[dict]) -> list[str]:
    by_reason = Counter(r["reason"] for r in rows)
    first = {}
    for r in rows:
        first.setdefault(r["reason"], f"{r['file']}:{r['line']}")
    return [f"{n} x {reason} (first at {first[reason]})" for reason, n in by_reason.most_common()]


def read_previous_report(out: Path, report: ImportReport) -> dict:
    """The report of the previous import into ``out`` (for its snapshot times), or ``{}``.

    An unreadable report is noted in ``report``: the posts already in ``out`` then count as older
    than this import.
    """
    path = out / REPORT_NAME
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data
    except (ValueError, UnicodeDecodeError) as exc:
        report.note(f"the previous {REPORT_NAME} could not be read ({exc}); the existing posts count as older "
                    f"than this import")
        return {}


def write_report(report: ImportReport, out: Path) -> Path:
    """Write ``out/import-report.json`` (through a temporary file, so a reader never sees half of it)."""
    path = out / REPORT_NAME
    tmp = write_json(report.as_dict(), out / (REPORT_NAME + ".tmp"))
    os.replace(tmp, path)
    return path
