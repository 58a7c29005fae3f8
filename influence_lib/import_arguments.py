"""The ``influence import`` arguments, registered on the command line without loading the importers (pandas and all)."""

from __future__ import annotations

import argparse
from pathlib import Path

# the formats `influence import` reads, in the order the help lists them (influence_lib.importers
# maps each to its parser)
FORMAT_NAMES = ("twarc2", "twarc-csv", "twitter-v1", "x-archive", "phantombuster-linkedin", "apify-linkedin", "bluesky")

EPILOG = """examples:
  influence import --format twarc2 --roster roster --out my-dataset tweets.jsonl
  influence import --format phantombuster-linkedin --roster roster --out my-dataset result.csv
  influence import --format apify-linkedin --roster roster --out my-dataset --scraped-at 2025-06-16T22:13:00Z dataset.json
  influence import --format bluesky --roster roster --out my-dataset --scraped-at 2025-11-20T10:00:00Z feed-*.json profiles.json

The report is printed and written to DATASET/import-report.json. Pages per source: docs/importers/."""


def add_import_parser(subparsers) -> None:
    """Register the ``import`` sub-command on an argparse ``subparsers`` object."""
    p = subparsers.add_parser(
        "import", help="turn collection tools' exports into a dataset (Twitter, LinkedIn, Bluesky)",
        description="Read exports of a collection tool, match their authors to the roster's accounts\n"
                    "and merge the posts into the dataset folder DATASET (latest snapshot of each post kept).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--format", required=True, choices=list(FORMAT_NAMES), metavar="FORMAT",
                   help="the tool's format: " + ", ".join(FORMAT_NAMES))
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
