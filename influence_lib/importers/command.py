"""The ``influence import`` sub-command: argument parsing and printing; the work is in ``import_files``.

Exit status: 0 imported; 1 a file is not of the format (the message names the format it looks
like), an input is unreadable, a roster row conflicts with the dataset's, or (with ``--strict``) a
file was empty, a row was refused (a short CSV row included), a line was not valid JSON or a handle
matched no roster account; 2 bad arguments. Errors go to stderr as one line naming the file, the
line and what to do.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2

EPILOG = """examples:
  influence import --format twarc2 --roster roster --out my-dataset tweets.jsonl
  influence import --format phantombuster-linkedin --roster roster --out my-dataset result.csv
  influence import --format apify-linkedin --roster roster --out my-dataset --scraped-at 2025-06-16T22:13:00Z dataset.json
  influence import --format bluesky --roster roster --out my-dataset --scraped-at 2025-11-20T10:00:00Z feed-*.json profiles.json

The report is printed and written to DATASET/import-report.json. Pages per source: docs/importers/."""


def add_import_parser(subparsers) -> None:
    """Register the ``import`` sub-command on an argparse ``subparsers`` object."""
    from influence_lib.importers import FORMATS

    p = subparsers.add_parser(
        "import", help="turn collection tools' exports into a dataset (Twitter, LinkedIn, Bluesky)",
        description="Read exports of a collection tool, match their authors to the roster's accounts\n"
                    "and merge the posts into the dataset folder DATASET (latest snapshot of each post kept).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--format", required=True, choices=list(FORMATS), metavar="FORMAT",
                   help="the tool's format: " + ", ".join(FORMATS))
    p.add_argument("--roster", required=True, type=Path, metavar="ROSTER",
                   help="dataset folder with organizations, members, accounts (with handles) and dataset.yml")
    p.add_argument("--out", required=True, type=Path, metavar="DATASET",
                   help="dataset folder to write (created if needed); what it holds is kept: its organizations, "
                        "members and accounts are merged with the roster's, its posts with the imported ones")
    p.add_argument("--scraped-at", default=None, metavar="ISO-TIME",
                   help="when the files were collected (UTC if no offset), for files that do not say: relative "
                        "dates such as '3w' are counted back from it, and it orders snapshots of the same post")
    p.add_argument("--handle", default=None,
                   help="the account of files that do not name it (an X archive without account.js)")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 and write nothing if any file is empty, any row is refused (a short CSV row "
                        "included), any line is not valid JSON or any handle matches no roster account")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="exported files")


def run_import(args) -> int:
    """Execute ``influence import``; print the report; return the exit status."""
    from influence_lib.importers import REPORT_NAME, ImportFailure, import_files
    from influence_lib.importers.values import parse_scraped_at

    scraped_at = None
    if args.scraped_at is not None:
        try:
            scraped_at = parse_scraped_at(args.scraped_at)
        except ValueError as exc:
            print(f"influence import: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    try:
        result = import_files(args.format, args.files, args.roster, args.out, scraped_at=scraped_at,
                              handle=args.handle, strict=args.strict)
    except ImportFailure as exc:
        print(f"influence import: error: {exc}", file=sys.stderr)
        return exc.exit_status
    except OSError as exc:
        where = exc.filename or args.out
        print(f"influence import: error: {where}: {exc.strerror or exc}; check the path and its permissions",
              file=sys.stderr)
        return EXIT_DATA
    report = result.report
    print(report.describe(written=result.written))
    if not result.written:
        print(f"influence import: error: --strict: {report.first_problem()} ({len(report.file_problems)} empty "
              f"file(s), {len(report.refused)} row(s) refused, {len(report.invalid_json)} line(s) not valid JSON, "
              f"{sum(report.unmatched.values())} post(s) of handles not in the roster, listed above); nothing was "
              f"written to {args.out}. Fix the files or the roster, or run without --strict to import the rest",
              file=sys.stderr)
        return EXIT_DATA
    print(f"report written to {Path(args.out) / REPORT_NAME}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run ``import`` on its own (``python -m influence_lib.importers.command ...``)."""
    parser = argparse.ArgumentParser(prog="influence")
    sub = parser.add_subparsers(dest="command", required=True)
    add_import_parser(sub)
    args = parser.parse_args(["import"] + list(sys.argv[1:] if argv is None else argv))
    return run_import(args)


if __name__ == "__main__":
    sys.exit(main())
