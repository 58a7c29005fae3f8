"""The ``influence`` command line: argument parsing and printing; the work is done by the library."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

from influence_lib.cli_parser import (  # noqa: F401  (re-exported: scripts and tests use them from here)
    EXIT_DATA,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    UsageError,
    build_parser,
)
from influence_lib.process import exit_now, stop_on_sigterm, use_jemalloc


def resolve_period(settings, edition: str | None, start: str | None, end: str | None):
    """The Period asked for on the command line; ``UsageError`` when the arguments don't fit."""
    from influence_lib.settings import PeriodChoiceError
    from influence_lib.settings import resolve_period as resolve

    try:
        return resolve(settings, edition, start, end)
    except PeriodChoiceError as exc:
        raise UsageError(str(exc)) from None


def check_sector(settings, sector: str | None, segment: str | None = None) -> str:
    """The sector key to use (default the first one); ``UsageError`` for unknown keys."""
    if sector is None:
        return next(iter(settings.sectors))
    try:
        sector_settings = settings.sector(sector)
        if segment is not None:
            sector_settings.segment(segment)
    except KeyError as exc:
        raise UsageError(exc.args[0]) from None
    return sector


def _data_dir(args) -> Path:
    from influence_lib.dataset import SAMPLE_DIR
    if args.data is None:
        return SAMPLE_DIR
    if not args.data.is_dir():
        what = "is a file, not a folder" if args.data.exists() else "no such folder"
        raise UsageError(f"--data {args.data}: {what}; give the dataset folder that holds dataset.yml and the "
                         f"four tables")
    return args.data


def _settings(args):
    from influence_lib.errors import DatasetError
    from influence_lib.settings import load_dataset_settings
    folder = _data_dir(args)
    if not folder.is_dir():
        raise DatasetError(f"{folder}: no such dataset folder; pass --data with a folder holding the four tables and dataset.yml.")
    return load_dataset_settings(folder / "dataset.yml")


def _array_scope(args, settings, sector: str):
    """The sector as the arrays scoring reads hold it (the snapshot, or the files checked now); the load's notes on stderr.

    For commands that only count and rank (without ``--on-error reject``, which needs the
    rejected rows): see :class:`influence_lib.snapshot_rank.ArrayScope`.
    """
    from influence_lib.snapshot_rank import ArrayScope

    scope = ArrayScope.open(_data_dir(args), settings, sector)
    print_load_notes(scope.opt_out, scope.report)
    return scope


def load_for_computing(args, load=None, free_text=True):
    """Load the dataset for a computing command, honouring ``--on-error``; report counts on stderr.

    ``load(folder, on_error=...)`` replaces :func:`influence_lib.dataset.load_dataset` (``rank --engine dask``).
    ``free_text=False``: the posts' texts and URLs are not read (a command that only scores).
    """
    from influence_lib.dataset import load_dataset
    from influence_lib.export import write_rejected_rows
    from influence_lib.outputs import check_output_path, run_inputs

    if args.on_error == "reject":  # refused before anything is read: the rejected rows never replace an input
        check_output_path(args.rejected, run_inputs(_data_dir(args), getattr(args, "methodology", None)), "--rejected")
    on_error = "reject" if args.on_error == "reject" else "raise"
    dataset = (load(_data_dir(args), on_error=on_error) if load is not None
               else load_dataset(_data_dir(args), on_error=on_error, free_text=free_text))
    report = dataset.report
    print_load_notes(dataset.opt_out, report)
    if args.on_error == "reject":
        # written even when empty, so that a file left by an earlier run is never mistaken for this one's
        path = write_rejected_rows(report, args.rejected, keep_texts=getattr(args, "keep_texts", False))
        totals = report.counts
        n = int(totals["rejected"].sum())
        print(
            f"--on-error reject: {n} row{'s' if n != 1 else ''} with errors left out"
            + (f", written with their reasons to {path}" if n else f" ({path} holds none)")
            + "; rows read = used + rejected: "
            + "; ".join(f"{r.table} {r.read} read = {r.used} used + {r.rejected} rejected" for r in totals.itertuples()),
            file=sys.stderr,
        )
    return dataset


def print_load_notes(opt_out, report) -> None:
    """What loading a dataset tells on stderr: who the opt-out list left out, how many warnings."""
    if opt_out.file is not None:
        print(f"{'warning' if opt_out.unmatched else 'note'}: {opt_out.describe()}", file=sys.stderr)
    if len(report.warnings):
        n = len(report.warnings)
        print(f"note: {n} warning{'s' if n != 1 else ''} about the data (run `influence validate` to list them)",
              file=sys.stderr)


# --- commands ---------------------------------------------------------------------------------

def cmd_validate(args) -> int:
    """``influence validate``: every problem of a dataset; exit 1 when there is an error."""
    import pandas as pd

    from influence_lib.errors import DatasetError, SettingsError
    from influence_lib.optout import remove_opted_out
    from influence_lib.readers import read_stored_table
    from influence_lib.schema import TABLE_NAMES
    from influence_lib.validation import validate_tables

    folder = _data_dir(args)
    frames, files, faults = {}, {}, []
    try:
        settings = _settings(args)
    except SettingsError as exc:
        settings = None
        faults.append(str(exc))
    for name in TABLE_NAMES:  # every unreadable file is listed, not only the first one
        try:
            frames[name], files[name] = read_stored_table(folder, name)
        except DatasetError as exc:
            faults.append(str(exc))
    if faults:
        for fault in faults:
            print(f"error: {fault}", file=sys.stderr)
        print(f"{len(faults)} file{'s' if len(faults) != 1 else ''} cannot be read; fix "
              f"{'them' if len(faults) != 1 else 'it'}, then run `influence validate` again to check the rows",
              file=sys.stderr)
        return EXIT_DATA
    frames, files, opt_out = remove_opted_out(folder, frames, files)  # checked like every command does
    if opt_out.file is not None:
        print(f"{'warning' if opt_out.unmatched else 'note'}: {opt_out.describe()}", file=sys.stderr)
    _, report = validate_tables(frames, files, settings)
    if settings is not None:  # labels that rankings.xlsx must change to name their sheet: warnings, counted
        from influence_lib.workbook import sheet_title_warnings
        labels = [{"table": "dataset.yml", "file": str(folder / "dataset.yml"), "line": pd.NA, "column": "label",
                   "value": "", "reason": message, "severity": "warning"} for message in sheet_title_warnings(settings)]
        if labels:
            report.problems = pd.concat([report.problems, pd.DataFrame(labels)], ignore_index=True)
    print(report.describe())
    if report.has_errors:
        print("fix the rows listed above (or let `summary`/`rank` leave them out with --on-error reject)",
              file=sys.stderr)
        return EXIT_DATA
    return EXIT_OK


def cmd_summary(args) -> int:
    """``influence summary``: the methodology box of a sector and edition."""
    from influence_lib.frenchify import format_number, format_period, pluralize
    from influence_lib.presentation.tables import BOX_LABELS
    from influence_lib.safe_text import one_line_text
    from influence_lib.scope import box_platforms, build_scope, summarize

    settings = _settings(args)
    sector = check_sector(settings, args.sector)
    period = resolve_period(settings, args.edition, args.start, args.end)
    if args.on_error == "reject":
        dataset = load_for_computing(args, free_text=False)
        opt_out, box = dataset.opt_out, summarize(build_scope(dataset, sector, period, post_columns=[]))
    else:
        from influence_lib.settings import DEFAULT_METHODOLOGY
        scope = _array_scope(args, settings, sector)
        opt_out, box = scope.opt_out, scope.box(period, DEFAULT_METHODOLOGY)
    n_empty = box["posts_with_empty_counts"]
    if n_empty:
        print(f"note: {n_empty} counted post{'s have' if n_empty != 1 else ' has'} an empty likes, comments or "
              f"shares count (an empty count adds nothing to engagement)", file=sys.stderr)
    if args.format == "json":
        keys = ["sector", "edition", "organizations", "members", "linkedin", "twitter"]
        print(json.dumps({k: box[k] for k in keys}, ensure_ascii=False))
        return EXIT_OK
    rows = [(BOX_LABELS[k], box[k]) for k in ("organizations", "members")]
    for platform in box_platforms(box):
        rows += [(BOX_LABELS[f"{platform}_{what}"], box[platform][what]) for what in ("accounts", "posts", "engagement")]
    rows.append((BOX_LABELS["posts_with_empty_counts"], box["posts_with_empty_counts"]))
    width = max(len(label) for label, _ in rows)
    print(f"Méthodologie : {one_line_text(settings.sector(sector).title)} ({sector}), édition {period.label}, "
          f"{format_period(period.start, period.end)}")
    for label, value in rows:
        print(f"  {label:<{width}}  {format_number(value, sep=' '):>10}")
    if opt_out.file is not None:
        counts = [(opt_out.people, "personne retirée", "personnes retirées")] + [
            (opt_out.removed[t], word, None) for t, word in (("members", "membre"), ("accounts", "compte"),
                                                             ("posts", "post"))]
        said = [f"{format_number(n, sep=' ')} {pluralize(n, one, many)}" for n, one, many in counts]
        unmatched = opt_out.unmatched
        print(f"Note : {said[0]} à {'sa' if opt_out.people < 2 else 'leur'} demande ({opt_out.file}) "
              f"avant le calcul, soit {said[1]}, {said[2]} et {said[3]} en moins dans les données"
              + (f" ; {unmatched} {pluralize(unmatched, 'ligne ne désigne', 'lignes ne désignent')} personne."
                 if unmatched else "."))
    return EXIT_OK


def cmd_rank(args) -> int:
    """``influence rank``: a Direction or member ranking."""
    from influence_lib.ranking import MOVEMENT_COLUMNS
    from influence_lib.scope import build_scope

    if not args.intervals and (args.replicates is not None or args.seed is not None):
        raise UsageError("--replicates and --seed go with --intervals")
    settings = _settings(args)
    sector = check_sector(settings, args.sector, args.segment)
    period = resolve_period(settings, args.edition, args.start, args.end)
    previous = _previous_period(settings, period, args.previous_start, args.previous_end)
    methodology = _methodology(args.methodology)
    movements = args.movements if args.movements is not None else args.format != "csv"
    if args.scheduler is not None and args.engine != "dask":
        raise UsageError("--scheduler goes with --engine dask")
    found = None
    if args.engine != "dask" and not args.intervals and args.on_error != "reject":
        # one ranking (and the previous period's, for movements) from the arrays scoring reads: mapped from
        # the snapshot (the methodology loop), or built from the checked files without a pandas table of posts
        from influence_lib.snapshot_rank import array_ranking
        found = array_ranking(_data_dir(args), settings, sector, period, methodology, args.level, args.segment,
                              args.top, movements, previous)
    if found is not None:
        print_load_notes(found.opt_out, found.report)
        ranking = found.ranking
    else:
        if args.engine == "dask":  # the posts are read, checked and summed on a Dask cluster
            if args.intervals:
                raise UsageError("--intervals goes with the pandas engine (the bootstrap needs every post on one machine)")
            scope = _dask_scope(args, sector, period, methodology, previous if movements else None)
        else:
            dataset = load_for_computing(args, free_text=False)
            # only the scores are needed (and the posts' ids, which key the bootstrap): no text is copied
            scope = build_scope(dataset, sector, period, methodology, previous if movements else None,
                                post_columns=["post_id"] if args.intervals else [])
        ranking, _ = scope.ranking_with_movements(args.level, args.segment, args.top)
        if not movements:  # the previous period was not even scored
            ranking = ranking.drop(columns=MOVEMENT_COLUMNS)
    uncertainty = None
    if args.intervals:  # on the full ranking; the four columns go after every other one
        from influence_lib.parameters import SEED
        from influence_lib.uncertainty import DEFAULT_REPLICATES, rank_uncertainty, with_intervals
        uncertainty = rank_uncertainty(scope, args.level, args.segment, args.top, n_boot=args.replicates or DEFAULT_REPLICATES,
                                       seed=SEED if args.seed is None else args.seed)
        ranking = with_intervals(ranking, uncertainty)
        for note in uncertainty.notes():
            print(f"note: {note}", file=sys.stderr)
    if args.format == "csv":
        from influence_lib.export import table_to_csv
        sys.stdout.write(table_to_csv(ranking))
    elif args.format == "json":
        payload = {
            "sector": sector, "segment": args.segment, "level": args.level, "edition": period.edition,
            "start": period.start.isoformat(), "end": period.end.isoformat(), "top": args.top,
            "previous": None if previous is None else {"edition": previous.edition, "start": previous.start.isoformat(),
                                                       "end": previous.end.isoformat()},
            "methodology": {"name": methodology.name, "version": methodology.version},
            **({"intervals": uncertainty.settings()} if uncertainty is not None else {}),  # seed, B, engine, Top N
            "rows": json.loads(ranking.to_json(orient="records", force_ascii=False)),
        }
        print(json.dumps(payload, ensure_ascii=False, indent=1))
    else:
        if uncertainty is not None:
            ranking = ranking.rename(columns={"median_rank": "Rang médian", "rank_low": "Rang bas (IC 90 %)",
                                              "rank_high": "Rang haut (IC 90 %)", "p_top": f"P(Top {uncertainty.top})"})
        print(render_table(ranking, f"{settings.sector(sector).title} — "
                           f"{settings.sector(sector).segment(args.segment).label if args.segment else 'tous segments'} — "
                           f"édition {period.label} — {methodology.label}"
                           + (f" — évolution par rapport à {previous.label}" if previous is not None else "")))
    return EXIT_OK


def cmd_compare(args) -> int:
    """``influence compare``: the first methodology's ranking against each other one's."""
    from influence_lib.compare import (
        compare_methodologies,
        compare_methodology_rankings,
        comparison_records,
        comparison_table,
    )
    from influence_lib.outputs import check_output_path, run_inputs
    from influence_lib.presentation.robustness import comparison_text
    from influence_lib.settings import methodology_path

    if len(args.methodologies) < 2:
        raise UsageError("give at least two --methodology (A, then each methodology to compare with it)")
    settings = _settings(args)
    sector = check_sector(settings, args.sector, args.segment)
    period = resolve_period(settings, args.edition, None, None)
    methodologies = [_methodology(value) for value in args.methodologies]
    if args.on_error == "reject":  # the rejected rows never replace a methodology file either
        check_output_path(args.rejected, run_inputs(_data_dir(args)) + [methodology_path(v) for v in args.methodologies],
                          "--rejected")
        dataset = load_for_computing(args, free_text=False)
        rows = compare_methodologies(dataset, sector, period, methodologies, args.segment, args.top)
    else:
        scope = _array_scope(args, settings, sector)
        rankings = [scope.ranking(period, methodology, "direction", args.segment) for methodology in methodologies]
        rows = compare_methodology_rankings(rankings, methodologies, settings, sector, args.segment, args.top)
    if args.format == "json":
        print(json.dumps(comparison_records(rows), ensure_ascii=False, indent=1))
    elif args.format == "csv":
        from influence_lib.export import table_to_csv
        sys.stdout.write(table_to_csv(comparison_table(rows)))
    else:
        segment = settings.sector(sector).segment(args.segment).label if args.segment else "tous segments"
        print(comparison_text(rows, f"{settings.sector(sector).title} — {segment} — édition {period.label}"))
    return EXIT_OK


def _dask_scope(args, sector, period, methodology, previous):
    """The scope of ``rank --engine dask`` (:mod:`influence_lib.engines.dask_scope`)."""
    from influence_lib.engines.dask_scope import ScopeLoader
    from influence_lib.scheduling import SchedulerError, parse_scheduler

    scheduler = args.scheduler or "local"
    try:
        parse_scheduler(scheduler)
    except SchedulerError as exc:
        raise UsageError(str(exc)) from None
    loader = ScopeLoader(scheduler, sector, period, methodology, previous)
    load_for_computing(args, load=loader)
    return loader.scope


def _methodology(value):
    """The methodology ``--methodology`` names (a shipped name or a file; default engagement v1).

    An unknown name or a missing file is a bad argument (``UsageError``, exit 2); a file that
    breaks the format raises ``SettingsError`` (exit 1).
    """
    from influence_lib.settings import MethodologyChoiceError, load_methodology

    try:
        return load_methodology(value)
    except MethodologyChoiceError as exc:
        raise UsageError(f"--methodology {exc}") from None


def _previous_period(settings, period, previous_start, previous_end):
    """The period rank movements compare with: the previous edition, or --previous-start/--previous-end."""
    from influence_lib.settings import PeriodChoiceError, resolve_previous_period

    try:
        return resolve_previous_period(settings, period, previous_start, previous_end)
    except PeriodChoiceError as exc:
        raise UsageError(str(exc)) from None


def render_table(frame, title: str) -> str:
    """A ranking as an aligned terminal table: French headers, numbers right-aligned and French-formatted."""
    from influence_lib.frenchify import STATUS_WORDS, format_number, french_labels
    from influence_lib.safe_text import one_line_text

    if "status" in frame.columns:
        frame = frame.assign(status=frame["status"].map(STATUS_WORDS))
    labels = french_labels(frame).columns
    columns = []
    for name, label in zip(frame.columns, labels):
        values = frame[name]
        numeric = values.dtype.kind in "iuf"
        cells = [format_number(v, decimals=0 if float(v).is_integer() else 2, sep=" ") if v == v else ""
                 for v in values] if numeric else ["" if v != v else one_line_text(v) for v in values]
        width = max([len(label)] + [len(c) for c in cells])
        align = str.rjust if numeric else str.ljust
        columns.append([align(label, width)] + [align(c, width) for c in cells])
    title = one_line_text(title)  # sector titles and segment labels come from the data too
    if not len(frame):
        return f"{title}\n(aucune ligne)"
    lines = ["  ".join(row).rstrip() for row in zip(*columns)]
    return "\n".join([title] + lines)


def _report_options(args) -> dict:
    """The keyword arguments ``report`` and ``batch`` share."""
    if args.rejected is not None and args.on_error != "reject":
        raise UsageError("--rejected goes with --on-error reject")

    def waiting(pid):
        print(f"waiting for the run (pid {pid}) that is writing the same report folder...", file=sys.stderr)

    return {"data_dir": _data_dir(args), "edition": args.edition, "out_dir": args.out, "jobs": args.jobs,
            "progress": not args.no_progress, "on_error": "reject" if args.on_error == "reject" else "raise",
            "wait": args.wait, "no_texts": args.no_texts, "rejected_file": args.rejected, "on_wait": waiting,
            "csv_dialect": args.csv_dialect}


def cmd_report(args) -> int:
    """``influence report``: the full report of one sector."""
    from influence_lib import kernels

    with kernels.fork_server():  # started first: its imports overlap this process's own, the checks and the data's loading
        from influence_lib.report import run_report

        settings = _settings(args)
        check_sector(settings, args.sector)
        if args.edition is not None and args.edition not in settings.editions:
            raise UsageError(f"unknown edition '{args.edition}'; known: {', '.join(settings.editions_by_start())}")
        _methodology(args.methodology)  # refused before anything runs
        result = run_report(args.sector, methodology_file=args.methodology, **_report_options(args))
    print(f"report written to {result.folder} in {result.seconds:.1f} s")
    for name, seconds in result.durations.items():
        print(f"  {name:<45} {seconds:6.1f} s")
    return EXIT_OK


def cmd_batch(args) -> int:
    """``influence batch``: the report of every sector, in parallel."""
    from contextlib import nullcontext

    from influence_lib import kernels

    # local runs only (a Dask cluster's workers start their own kernels): started first, as for report
    with kernels.fork_server() if args.scheduler is None else nullcontext():
        from influence_lib.batch import run_batch

        settings = _settings(args)
        for sector in args.sectors or []:
            check_sector(settings, sector)
        if args.edition is not None and args.edition not in settings.editions:
            raise UsageError(f"unknown edition '{args.edition}'; known: {', '.join(settings.editions_by_start())}")
        if args.scheduler is not None:
            from influence_lib.scheduling import SchedulerError, parse_scheduler
            try:
                parse_scheduler(args.scheduler)
            except SchedulerError as exc:
                raise UsageError(str(exc)) from None
        summary = run_batch(sectors=args.sectors, scheduler=args.scheduler, **_report_options(args))
    print(summary.to_string(index=False))
    failed = int((summary["status"] != "ok").sum())
    if failed:
        print(f"{failed} sector{'s' if failed > 1 else ''} failed", file=sys.stderr)
    return EXIT_DATA if failed else EXIT_OK


def cmd_verify(args) -> int:
    """``influence verify``: a report folder against the checksums of its manifest."""
    from influence_lib.outputs import verify_report

    if not args.folder.is_dir():
        what = "is a file, not a folder" if args.folder.exists() else "no such folder"
        raise UsageError(f"{args.folder}: {what}; give a report folder (OUT/<sector>/<edition>)")
    result = verify_report(args.folder)
    for word, names in (("missing", result.missing), ("changed", result.changed), ("unlisted", result.unlisted)):
        for name in names:
            print(f"{word:<9} {name}")
    if result.ok:
        print(f"{args.folder}: {result.matched} files match manifest.json")
        return EXIT_OK
    n = len(result.missing) + len(result.changed) + len(result.unlisted)
    print(f"{args.folder}: {n} file{'s differ' if n != 1 else ' differs'} from manifest.json "
          f"({len(result.missing)} missing, {len(result.changed)} changed, {len(result.unlisted)} unlisted); "
          f"{result.matched} match", file=sys.stderr)
    return EXIT_DATA


def cmd_methodologies(args) -> int:
    """``influence methodologies``: the methodology files shipped with the package."""
    from influence_lib.settings import load_methodology, shipped_methodologies

    rows = []
    for name, path in shipped_methodologies().items():
        methodology = load_methodology(path)
        rows.append({"name": name, "version": methodology.version,
                     "description": " ".join(methodology.description.split()), "file": str(path)})
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return EXIT_OK
    headers = {"name": "name", "version": "version", "description": "description", "file": "file"}
    widths = {k: max(len(str(r[k])) for r in [headers] + rows) for k in ("name", "version", "description")}
    for row in [headers] + rows:
        print("  ".join(f"{str(row[k]):<{widths[k]}}" for k in widths) + "  " + row["file"])
    return EXIT_OK


def cmd_synth(args) -> int:
    """``influence synth``: write a synthetic dataset."""
    from influence_lib import synth
    from influence_lib.outputs import check_synth_folder

    check_synth_folder(args.out, synth.dataset_settings_dict())
    kwargs = {} if args.seed is None else {"seed": args.seed}
    paths = synth.write_dataset(args.out, scale=args.scale, **kwargs)
    for path in paths:
        print(path)
    return EXIT_OK


def cmd_pseudonymize(args) -> int:
    """``influence pseudonymize``: a copy of the dataset with keyed-hash ids and invented names."""
    from influence_lib.pseudonymize import check_destination, read_key, write_pseudonymized

    check_destination(_data_dir(args), args.out)  # refused before anything is read or written
    if args.on_error == "reject" and args.rejected.resolve().is_relative_to(args.out.resolve()):
        raise UsageError(f"--rejected {args.rejected}: inside --out {args.out}; rejected rows are not pseudonymised, "
                         f"so they go elsewhere")
    key = read_key(args.key_file)
    dataset = load_for_computing(args)
    for path in write_pseudonymized(dataset, args.out, key, keep_texts=args.keep_texts):
        print(path)
    print(f"pseudonymised: {len(dataset.organizations)} organisations, {len(dataset.members)} members, "
          f"{len(dataset.accounts)} accounts, {len(dataset.posts)} posts; post texts "
          f"{'kept as they are (they may name people)' if args.keep_texts else 'dropped'}, URLs dropped; the key "
          f"was not written: keep it secret, and reuse it to give the next edition the same pseudonyms",
          file=sys.stderr)
    return EXIT_OK


COMMANDS = {"validate": cmd_validate, "summary": cmd_summary, "rank": cmd_rank, "report": cmd_report,
            "batch": cmd_batch, "synth": cmd_synth, "pseudonymize": cmd_pseudonymize, "verify": cmd_verify,
            "methodologies": cmd_methodologies, "compare": cmd_compare}


# computations on one dataset: they check its snapshot first (checksums read ahead), and leave
# nothing to clean up at the end (the console script ends them at once)
COMPUTING = {"rank", "summary", "compare"}


def run() -> None:
    """The ``influence`` console script: :func:`main`, then the process ends with its status.

    After ``rank``, ``summary`` and ``compare`` (computations that leave nothing to clean up) it
    ends at once, once its output is flushed and its snapshot written, instead of freeing every
    table first: on 10^7 posts that teardown took a noticeable share of a ranking.
    """
    sys.exit(main(quick_exit=True))


def main(argv: list[str] | None = None, quick_exit: bool = False) -> int:
    """Entry point of the ``influence`` command; returns the exit status.

    ``quick_exit`` (the console script's): end the process right after ``rank``, ``summary`` or
    ``compare`` (see :func:`run`).
    """
    args = build_parser().parse_args(argv)
    status = _run_command(args)
    if quick_exit and args.command in COMPUTING:
        exit_now(status)
    return status


def _run_command(args) -> int:
    from influence_lib.errors import DataValidationError, InfluenceError

    if args.command in COMPUTING and getattr(args, "data", None) is not None and args.data.is_dir():
        from influence_lib.checksums import prefetch
        prefetch(args.data)  # the snapshot's key: read while the imports run
    if args.command not in ("report", "batch"):  # their kernels compute; pyarrow would delay the fork server
        use_jemalloc()
    handler = COMMANDS.get(args.command) or getattr(args, "handler", None)
    terminated = []
    previous = stop_on_sigterm(terminated)
    try:
        status = handler(args)
    except UsageError as exc:
        print(f"influence {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DataValidationError as exc:
        print(exc.report.describe(limit=200), file=sys.stderr)
        print("the data has errors: fix them, or pass --on-error reject to continue without the bad rows "
              "(they are then written to --rejected with their reasons)", file=sys.stderr)
        return EXIT_DATA
    except InfluenceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: one line, no traceback (report and batch say what they stopped)
        print(exc.describe() if hasattr(exc, "describe") else "interrupted", file=sys.stderr)
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:  # a file that cannot be read or written (permissions, disk full...)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}; check the path and its permissions", file=sys.stderr)
        return EXIT_DATA
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return status


if __name__ == "__main__":
    run()
