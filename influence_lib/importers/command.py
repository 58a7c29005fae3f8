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

from influence_lib.import_arguments import add_import_parser

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


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
