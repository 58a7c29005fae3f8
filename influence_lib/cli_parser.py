"""The ``influence`` command line's arguments: every sub-command, its options, its examples, exit codes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM

EPILOGS = {
    "validate": "example:\n  influence validate --data data/sample",
    "summary": "example:\n  influence summary --sector sante --edition 2021 --format json",
    "rank": (
        "examples:\n"
        "  influence rank --sector sante --segment laboratoires-biotech --top 10 --format table\n"
        "  influence rank --sector sante --level member --start 2021-01-01 --end 2021-04-01\n"
        "  influence rank --data my-dataset --sector sante --on-error reject --rejected outputs/rejected.csv\n"
        "  influence rank --sector sante --segment laboratoires-biotech --top 10 --intervals --format table\n"
        "  influence rank --data big-dataset --sector sante --engine dask --scheduler tcp://scheduler:8786\n\n"
        "--intervals: 90 % percentile interval of the ranks over B bootstrap replicates of the counted posts,\n"
        "each scored with the methodology; p_top is the share of replicates in the Top N (the first 10 without --top)."
    ),
    "synth": "example:\n  influence synth --out data/sample --seed 20210601\n  influence synth --out /tmp/big --scale 10",
    "report": ("examples:\n  influence report --sector sante\n"
               "  influence report --data my-dataset --sector sante --edition 2020 --out outputs --jobs 2\n"
               "  influence report --data my-dataset --sector sante --on-error reject --no-texts --wait\n\n"
               "One run at a time writes a report folder: a second run on the same folder stops with a message\n"
               "naming the first one's pid, or with --wait starts when it is done. Ctrl-C stops the kernels at\n"
               "once, writes nothing and exits with status 130."),
    "batch": ("examples:\n  influence batch --jobs 2\n  influence batch --data my-dataset --sectors sante energie --out outputs\n"
              "  influence batch --data my-dataset --on-error reject --rejected outputs/rejected-rows.csv\n"
              "  influence batch --data /shared/my-dataset --out /shared/outputs --scheduler tcp://scheduler:8786"),
    "verify": ("example:\n  influence verify outputs/sante/2021\n\n"
               "Exit 0 when every file listed in manifest.json is there with the same SHA-256 and no other file\n"
               "is; exit 1 naming each missing, changed or unlisted file."),
    "methodologies": ("examples:\n  influence methodologies\n  influence methodologies --format json\n"
                      "  influence rank --sector sante --segment laboratoires-biotech --top 10 --methodology per-member\n"
                      "  cp FILE-OF-A-ROW my-method.yml   # edit its name, version and keys, then:\n"
                      "  influence rank --sector sante --methodology my-method.yml"),
    "compare": ("examples:\n"
                "  influence compare --sector sante --segment laboratoires-biotech --methodology engagement "
                "--methodology reactions --methodology per-member --format table\n"
                "  influence compare --sector sante --methodology engagement --methodology my-method.yml --top 20 "
                "--format json\n\n"
                "One row per pair (A, B): the first methodology against each other one, over every Direction of the\n"
                "scope: spearman, kendall_tau_b (scipy.stats, ties averaged), rbo (p = 0.9, extrapolated), top,\n"
                "top_kept (Directions of A's Top N also in B's), max_shift_in_top (largest rank change of A's Top N\n"
                "in B). JSON adds movers: the ten largest rank changes (org_id, name, rank_a, rank_b,\n"
                "rank_change = rank_a - rank_b, score_a, score_b)."),
    "pseudonymize": ("examples:\n  openssl rand -hex 32 > ~/influence.key\n"
                     "  influence pseudonymize --data my-dataset --out my-dataset-pseudo --key-file ~/influence.key"),
}


class UsageError(Exception):
    """Bad arguments: exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's default already exits 2; keep its usage line short
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _add_data(p):
    p.add_argument("--data", type=Path, default=None, metavar="DIR",
                   help="dataset folder (default: the embedded sample, data/sample)")


def _add_on_error(p):
    p.add_argument("--on-error", choices=["fail", "reject"], default="fail",
                   help="bad rows: 'fail' (default) refuses the data with the full report; 'reject' "
                        "continues without them and writes them to --rejected")
    p.add_argument("--rejected", type=Path, default=Path("outputs") / "rejected-rows.csv", metavar="FILE",
                   help="where --on-error reject writes the rejected rows (default: outputs/rejected-rows.csv)")


def _add_keep_texts(p, what="rejected rows written to --rejected keep the posts' texts (default: left out)"):
    p.add_argument("--keep-texts", action="store_true", help=what)


def _add_period(p):
    p.add_argument("--edition", default=None, help="edition key of dataset.yml (default: the latest)")
    p.add_argument("--start", default=None, metavar="DATE", help="explicit period start (ISO date or time, UTC), with --end")
    p.add_argument("--end", default=None, metavar="DATE", help="explicit period end, excluded (ISO date or time, UTC), with --start")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``influence`` command and its sub-commands."""
    parser = _Parser(prog="influence", description="Rank how influential leadership teams (Directions) are on social networks.")
    parser.add_argument("--version", action=_ShowVersion)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    fmt = argparse.RawDescriptionHelpFormatter

    p = sub.add_parser("validate", help="check a dataset and list every problem", epilog=EPILOGS["validate"], formatter_class=fmt,
                       description="Check a dataset against the contract; list every problem with file, line, column and reason. Exit 1 on any error.")
    _add_data(p)

    p = sub.add_parser("summary", help="the methodology box of a sector and edition", epilog=EPILOGS["summary"], formatter_class=fmt,
                       description="Organisations, members, accounts, counted posts and engagement per platform.")
    _add_data(p)
    p.add_argument("--sector", default=None, help="sector key (default: the first sector of dataset.yml)")
    _add_period(p)
    p.add_argument("--format", choices=["json", "table"], default="table")
    _add_on_error(p)
    _add_keep_texts(p)

    p = sub.add_parser("rank", help="rank the Directions or members of a sector", epilog=EPILOGS["rank"], formatter_class=fmt,
                       description="Rank Directions (or members) of a sector or segment by score over an edition or period.")
    _add_data(p)
    p.add_argument("--sector", required=True, help="sector key of dataset.yml")
    p.add_argument("--segment", default=None, metavar="KEY", help="rank within this segment (default: the whole sector)")
    _add_period(p)
    p.add_argument("--top", type=_positive_int, default=None, metavar="N", help="keep ranks <= N (ties at the cut-off kept)")
    p.add_argument("--level", choices=["direction", "member"], default="direction")
    _add_methodology(p)
    p.add_argument("--format", choices=["csv", "json", "table"], default="csv")
    p.add_argument("--movements", action=argparse.BooleanOptionalAction, default=None,
                   help="add previous_rank, rank_change, status after the ranking's columns (default: on for json "
                        "and table, off for csv, whose columns are the contract's)")
    p.add_argument("--previous-start", default=None, metavar="DATE",
                   help="with --start/--end: the period to compare with (default: none; with --edition: the previous edition)")
    p.add_argument("--previous-end", default=None, metavar="DATE", help="end of --previous-start's period (excluded)")
    p.add_argument("--intervals", action="store_true",
                   help="add median_rank, rank_low, rank_high, p_top after the other columns: the rank's bootstrap "
                        "uncertainty under the methodology (p_top: chance of the Top N, of the first 10 without --top)")
    p.add_argument("--replicates", type=_positive_int, default=None, metavar="B",
                   help="bootstrap replicates of --intervals (default 1000)")
    p.add_argument("--seed", type=_seed, default=None, metavar="S",
                   help="seed of --intervals, 0 to 2**64-1 (default 20210601): same seed, same intervals")
    _add_on_error(p)
    _add_keep_texts(p)
    _add_engine(p)

    p = sub.add_parser("compare", help="rank agreement between methodologies on one scope", epilog=EPILOGS["compare"],
                       formatter_class=fmt, description="Rank the Directions of a sector or segment under several "
                       "methodologies and compare the first one's ranking with each other one's.")
    _add_data(p)
    p.add_argument("--sector", required=True, help="sector key of dataset.yml")
    p.add_argument("--segment", default=None, metavar="KEY", help="compare within this segment (default: the whole sector)")
    p.add_argument("--edition", default=None, help="edition key of dataset.yml (default: the latest)")
    p.add_argument("--methodology", action="append", dest="methodologies", required=True, metavar="NAME|FILE",
                   help="a shipped methodology's name or a methodology YAML file; give it at least twice (A, then each B)")
    p.add_argument("--top", type=_positive_int, default=None, metavar="N",
                   help="the Top N of A followed (default: the segment's Top N, 10 without a segment)")
    p.add_argument("--format", choices=["csv", "json", "table"], default="csv")
    _add_on_error(p)
    _add_keep_texts(p)

    p = sub.add_parser("report", help="the full report of a sector: notebooks, tables, figures, report.html",
                       epilog=EPILOGS["report"], formatter_class=fmt,
                       description="Run the section notebooks with papermill and write tables/, figures/, rankings.xlsx, "
                                   "report.html and manifest.json to OUT/<sector>/<edition>/, replacing the previous run "
                                   "only when everything succeeded.")
    _add_data(p)
    p.add_argument("--sector", required=True, help="sector key of dataset.yml")
    p.add_argument("--edition", default=None, help="edition key (default: the latest)")
    _add_report_options(p)
    _add_methodology(p)
    _add_report_on_error(p)

    p = sub.add_parser("batch", help="the report of every sector, in parallel", epilog=EPILOGS["batch"], formatter_class=fmt,
                       description="Run `report` for every sector of dataset.yml (or those given) in parallel worker "
                                   "processes; a failing sector does not stop the others; exit 1 when any failed.")
    _add_data(p)
    p.add_argument("--sectors", nargs="+", default=None, metavar="S", help="sector keys (default: all of dataset.yml)")
    p.add_argument("--edition", default=None, help="edition key (default: the latest)")
    _add_report_options(p)
    _add_report_on_error(p)
    p.add_argument("--scheduler", default=None, metavar="local|local:N|ADDRESS",
                   help="run the notebooks on a Dask cluster: 'local' (--jobs workers here), 'local:N', or a "
                        "scheduler's address (tcp://host:8786; its workers must see the same paths). Default: a "
                        "pool of --jobs kernels in this process. See docs/scale.md")

    p = sub.add_parser("verify", help="check a report folder against its manifest's checksums", epilog=EPILOGS["verify"],
                       formatter_class=fmt,
                       description="Compare every file of a report folder with the SHA-256 sums listed in its "
                                   "manifest.json; list each missing, changed or unlisted file.")
    p.add_argument("folder", type=Path, metavar="DIR", help="a report folder, OUT/<sector>/<edition>")

    p = sub.add_parser("synth", help="write a synthetic dataset (the embedded sample)", epilog=EPILOGS["synth"], formatter_class=fmt,
                       description="Write a deterministic synthetic dataset: same seed and scale, same bytes.")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write (created if needed)")
    p.add_argument("--scale", type=_positive_float, default=1.0, help="size relative to the sample (default 1)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the sample's)")

    p = sub.add_parser("pseudonymize", help="the same dataset with keyed-hash ids and invented names",
                       epilog=EPILOGS["pseudonymize"], formatter_class=fmt,
                       description="Write a copy of a dataset whose ids are keyed hashes (HMAC-SHA256) and whose "
                                   "organisation names, member names and handles are invented from the key; URLs "
                                   "and (unless --keep-texts) post texts are dropped. Every ranking keeps its "
                                   "scores. The key is never written. See docs/privacy.md.")
    _add_data(p)
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="new (or empty) folder to write, outside --data")
    p.add_argument("--key-file", type=Path, required=True, metavar="FILE",
                   help="file holding the secret key (at least 16 bytes); the same key gives the same pseudonyms")
    _add_on_error(p)
    _add_keep_texts(p, "keep post texts as they are, in the new dataset and in rejected rows (default: dropped; "
                       "texts name people)")

    p = sub.add_parser("methodologies", help="the methodology files shipped with the package",
                       epilog=EPILOGS["methodologies"], formatter_class=fmt,
                       description="List the methodologies shipped with the package: name, version, description and "
                                   "file. Pass a name to --methodology (rank, report), or copy a file, edit it and pass "
                                   "its path.")
    p.add_argument("--format", choices=["table", "json"], default="table")

    from influence_lib.import_arguments import add_import_parser
    add_import_parser(sub)
    sub.choices["import"].set_defaults(handler=_run_import)
    return parser


def _run_import(args) -> int:
    """Execute ``influence import``: the importers (pandas and all) are loaded only now."""
    from influence_lib.importers.command import run_import

    return run_import(args)


def _add_methodology(p):
    p.add_argument("--methodology", default=None, metavar="NAME|FILE",
                   help="a shipped methodology's name (`influence methodologies` lists them) or a methodology YAML "
                        "file (default: engagement v1)")


def _add_engine(p):
    p.add_argument("--engine", choices=["pandas", "dask"], default="pandas",
                   help="'dask' reads, checks and sums the posts on a Dask cluster (--scheduler), for posts that "
                        "outgrow one machine (a posts/ folder of month=YYYY-MM Parquet files); same results. "
                        "Default: pandas, in this process. See docs/scale.md")
    p.add_argument("--scheduler", default=None, metavar="local|local:N|ADDRESS",
                   help="with --engine dask: 'local' (a worker per core here, the default), 'local:N' or a Dask "
                        "scheduler's address (tcp://host:8786; its workers must see --data at the same path)")


def _add_report_options(p):
    p.add_argument("--out", type=Path, default=Path("outputs"), metavar="DIR", help="output root (default: outputs)")
    p.add_argument("--jobs", type=_positive_int, default=2, metavar="N", help="notebooks (report) or sectors (batch) run at once (default 2)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--csv-dialect", choices=["standard", "excel-fr"], default="standard",
                   help="'excel-fr' also writes the tables to tables-excel-fr/ (';', decimal comma, UTF-8 with BOM) "
                        "for French Excel; tables/ is always written (default: standard)")
    p.add_argument("--no-texts", action="store_true",
                   help="leave post texts out of every output (tables, figures, pages, notebooks, rejected rows); "
                        "each post keeps only its hashtags, which the hashtag tables count")
    p.add_argument("--wait", action="store_true",
                   help="when another run is writing the same report folder, wait for it to end (default: stop "
                        "with a message)")


def _add_report_on_error(p):
    p.add_argument("--on-error", choices=["fail", "reject"], default="fail",
                   help="bad rows: 'fail' (default) refuses the data; 'reject' leaves them out, counts them in the "
                        "manifest and writes them to each report folder's rejected-rows.csv")
    p.add_argument("--rejected", type=Path, default=None, metavar="FILE",
                   help="with --on-error reject, also write the rejected rows to FILE (outside the dataset and the "
                        "report folders), once the reports are in place")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _seed(text: str) -> int:
    value = int(text) if text.strip().isdigit() else -1
    if not 0 <= value < 2**64:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 2**64-1, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


class _ShowVersion(argparse.Action):
    """``--version``: print ``influence X.Y.Z`` and exit, reading the version only then.

    argparse's own action needs the text when the parser is built, and reading the installed
    package's metadata costs every command about 30 ms of imports.
    """

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help="show the version and exit"):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from influence_lib import __version__

        sys.stdout.write(f"influence {__version__}\n")
        parser.exit()


# --- shared steps ------------------------------------------------------------------------------
