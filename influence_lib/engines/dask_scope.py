"""The dask engine's scored scope: posts read, validated and summed per member on a Dask cluster, then ranked as usual.

The posts (a hive folder ``posts/month=YYYY-MM/*.parquet``, one ``posts.parquet`` or a
``posts.csv``) never reach the caller's process whole. The workers read only the months and row
groups the periods need (:func:`~influence_lib.engines.dask_posts.plan_pieces`), check every row
they read with the pandas engine's rules and score it with the pandas engine's
``score_posts``; each returns per-member sums (a ``bincount`` on member codes) that are added up
in a tree on the workers. The caller then builds the member and Direction frames and ranks them
with the same functions as the pandas engine (:mod:`influence_lib.scoring`,
:mod:`influence_lib.ranking`), so rankings are the same, byte for byte in ``rank --format csv``.

What the dask engine checks: the three small tables entirely (the pandas reader, on the caller's
side), and every post row it reads: all the months the periods overlap, whole (not only the
period's days). Duplicate ``post_id`` are looked for across all the rows read. Rows of other
months are not read, hence not checked: ``influence validate`` checks them all.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from influence_lib.arrow import TEXT, arrow_text, frame_of
from influence_lib.dataset import Dataset
from influence_lib.engines import dask_posts as dp
from influence_lib.errors import DatasetError, DataValidationError
from influence_lib.optout import remove_opted_out
from influence_lib.post_rules import ordered_quantile, post_scores
from influence_lib.readers import TableFile, read_stored_table
from influence_lib.schema import TABLES
from influence_lib.scope import PeriodScores, ScoredScope
from influence_lib.scoring import member_followers, score_directions, sector_scope
from influence_lib.settings import DEFAULT_METHODOLOGY, Methodology, Period, load_dataset_settings
from influence_lib.validation import ValidationReport, validate_tables

SCORED_POST_COLUMNS = ["member_id", "org_id", "platform", "engagement", "has_empty_count", "score"]


@dataclass
class MemberSums:
    """Per member of the scope: engagement, score, counted posts and best post score (partial sums add up)."""

    engagement: np.ndarray
    score: np.ndarray
    posts: np.ndarray
    best: np.ndarray

    def __add__(self, other: MemberSums) -> MemberSums:
        """The sums of two disjoint sets of posts."""
        return MemberSums(self.engagement + other.engagement, self.score + other.score, self.posts + other.posts,
                          np.maximum(self.best, other.best))


def _sum(codes: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    total = np.bincount(codes, weights=np.asarray(values, dtype=float), minlength=n)
    return total.round().astype(np.int64) if values.dtype.kind in "iu" else total


def member_sums(scored: dp.ScoredPiece, period: int, n_members: int, methodology: Methodology, cap) -> MemberSums:
    """One piece's :class:`MemberSums` for a period (a worker's task): groups on integer member codes.

    Each post's score is :func:`influence_lib.post_rules.post_scores` of its engagement with the
    sector's ``cap`` (computed over every piece), as the pandas engine scores it.
    """
    frame = scored.counted[period]
    codes = frame["member"].to_numpy()
    engagement = frame["engagement"].to_numpy()
    summed = _sum(codes, engagement, n_members)
    if methodology.scores_posts_as_engagement:
        score, summed_score = engagement, summed
    else:
        score = post_scores(engagement, methodology, cap=cap)
        summed_score = _sum(codes, score, n_members)
    best = np.zeros(n_members, dtype=score.dtype if score.dtype.kind in "iu" else float)
    if methodology.drop_best_posts and len(codes):
        np.maximum.at(best, codes, score)
    return MemberSums(summed, summed_score, np.bincount(codes, minlength=n_members).astype(np.int64), best)


def _add(*parts):
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def tree_reduce(client, futures: list, combine, fan_in: int = 4):
    """Combine futures on the workers, ``fan_in`` at a time, until one is left; its result (``None`` when empty)."""
    futures = list(futures)
    if not futures:
        return None
    while len(futures) > 1:
        futures = [client.submit(combine, *futures[i: i + fan_in], pure=False) if len(futures[i: i + fan_in]) > 1
                   else futures[i] for i in range(0, len(futures), fan_in)]
    return futures[0].result()


def sum_where_they_are(client, futures: list, combine):
    """Combine futures on the worker that holds each (one task per worker), then the workers' totals here.

    Partial results (one array per member per piece) never travel between workers: only one
    total per worker comes back. ``None`` when there is nothing to combine.
    """
    from distributed import wait

    futures = list(futures)
    if not futures:
        return None
    wait(futures)
    holders = client.who_has(futures)
    groups: dict = {}
    for future in futures:
        where = holders.get(future.key) or (None,)
        groups.setdefault(where[0], []).append(future)
    partials = [client.submit(combine, *group, workers=None if where is None else [where], allow_other_workers=True,
                              pure=False) if len(group) > 1 else group[0] for where, group in groups.items()]
    return combine(*client.gather(partials))


def _duplicates(client, pieces: list, scored: list, ctx_future, folder: Path) -> dict:
    """``post_id -> reason`` for every id present more than once among the rows read.

    The pieces' ``post_id`` keys are shuffled into hash buckets on the workers, each bucket keeps
    the keys it holds more than once; the rows of those keys are then read again and compared as
    text (a key shared by two different ids is no duplicate).
    """
    if not pieces:
        return {}
    buckets = max(1, len(client.scheduler_info()["workers"]))
    found = [client.submit(dp.repeated_keys, *client.map(dp.key_bucket, scored, bucket=j, buckets=buckets,
                                                          pure=False), pure=False) for j in range(buckets)]
    candidates = np.concatenate(client.gather(found))
    if not len(candidates):
        return {}
    rows = client.gather(client.map(dp.piece_rows_with_keys, pieces, ctx=ctx_future, keys=candidates,
                                    root=str(folder), pure=False))
    rows = pd.concat(rows, ignore_index=True).sort_values(["piece", "line"], kind="stable")
    counted = rows.groupby("post_id", sort=False).agg(count=("line", "size"), line=("line", "first"),
                                                      file=("file", "first"))
    counted = counted.loc[counted["count"] > 1]
    return {pid: dp.DUPLICATE.format(count=r.count, line=r.line, file=r.file)
            for pid, r in zip(counted.index, counted.itertuples(index=False))}


def _small_tables(folder: Path, settings, kind: str, where: Path):
    """The three small tables read and validated by the pandas reader; opt-outs applied."""
    frames, files = {}, {}
    for name in ("organizations", "members", "accounts"):
        frames[name], files[name] = read_stored_table(folder, name)
    required = TABLES["posts"].required_columns
    frames["posts"] = pa.table([pa.array([], TEXT)] * len(required), names=required)
    files["posts"] = TableFile("posts", where, "parquet", 0)
    accounts_before = frames["accounts"]
    frames, files, opt_out = remove_opted_out(folder, frames, files)
    tables, report = validate_tables(frames, files, settings)
    tables = {name: frame_of(table) for name, table in tables.items()}
    ids = arrow_text(accounts_before["account_id"]).combine_chunks()
    kept = arrow_text(frames["accounts"]["account_id"]).combine_chunks()
    opted_out = pc.filter(ids, pc.invert(pc.is_in(ids, value_set=kept)))
    return tables, files, report, opt_out, kept, opted_out


def _merged_report(report: ValidationReport, checks: list, files: dict) -> ValidationReport:
    counts = report.counts.copy()
    read = sum(c.read for c in checks)
    rejected = sum(c.rejected_rows for c in checks)
    counts.loc[counts["table"] == "posts", ["read", "used", "rejected"]] = [read, read - rejected, rejected]
    problems = [report.problems] + [c.problems for c in checks if len(c.problems)]
    rejected_rows = [report.rejected] + [c.rejected for c in checks if len(c.rejected)]
    return ValidationReport(pd.concat(problems, ignore_index=True), counts,
                            pd.concat(rejected_rows, ignore_index=True), files)


def _cap(client, scored: list, period: int, methodology: Methodology):
    if methodology.cap_quantile is None:
        return None
    counts = tree_reduce(client, client.map(dp.engagement_counts, scored, period=period, pure=False), dp.add_counts)
    if counts is None or counts.sum() == 0:
        return None
    counts = counts.sort_index()
    values = counts.index.to_numpy()
    return ordered_quantile(values, np.cumsum(counts.to_numpy()), methodology.cap_quantile)


def _period_scores(client, scored: list, index: int, period: Period, methodology: Methodology, organizations,
                   members, accounts, keep: list | None) -> PeriodScores:
    cap = _cap(client, scored, index, methodology)
    n = len(members)
    sums = sum_where_they_are(client, client.map(member_sums, scored, period=index, n_members=n,
                                                 methodology=methodology, cap=cap, pure=False), _add)
    if sums is None:
        sums = member_sums(dp.ScoredPiece(None, [pd.DataFrame({"member": np.zeros(0, np.int32),
                                                                "engagement": np.zeros(0, np.int64)})]),
                           0, n, methodology, cap)
    member_scores = pd.DataFrame({
        "member_id": members["member_id"].array, "full_name": members["full_name"].array,
        "org_id": members["org_id"].array,
        "score": sums.engagement if methodology.scores_posts_as_engagement else sums.score,
        "engagement": sums.engagement, "posts": sums.posts,
    })
    active = sums.posts > 0
    best = pd.DataFrame({"member_id": members["member_id"].to_numpy()[active], "score": sums.best[active]})
    followers = member_followers(members, accounts) if methodology.normalization == "per_1000_followers" else None
    directions = score_directions(organizations, member_scores, methodology, posts=best, followers=followers)
    if keep is None:
        posts = pd.DataFrame({c: pd.Series(dtype="float64") for c in SCORED_POST_COLUMNS})
    else:
        frames = [f.counted[index] for f in client.gather(scored)]
        posts = pd.concat(frames, ignore_index=True).drop(columns=["member"])
        posts["score"] = post_scores(posts["engagement"].to_numpy(), methodology, cap=cap)
    return PeriodScores(period, posts, member_scores, directions)


def _context(dataset: Dataset, sector, periods, methodology, all_ids, ok_ids, accounts_file, opted_out,
             keep) -> dp.PieceContext:
    """What every piece needs: the sector's tables (:func:`~influence_lib.scoring.sector_scope`), where each account's member is."""
    organizations, members, accounts = sector_scope(dataset, sector)
    account_member = dp.codes_in(accounts["member_id"], members["member_id"])
    member_org = dp.codes_in(members["org_id"], organizations["org_id"])
    lookup = dp.account_lookup(all_ids, ok_ids, accounts, account_member)
    return dp.PieceContext(dataset.settings, sector, periods, methodology, organizations, members, accounts, lookup,
                           accounts_file, opted_out, keep=keep, member_org=member_org.astype(np.int32))


def build_dask_scope(client, data_dir: str | Path, sector: str, period: Period,
                     methodology: Methodology = DEFAULT_METHODOLOGY, previous_period: Period | None = None,
                     post_columns: list[str] | None = None, on_error: str = "raise",
                     piece_rows: int = dp.PIECE_ROWS, timings: dict | None = None,
                     gather_posts: bool = True) -> ScoredScope:
    """A :class:`~influence_lib.scope.ScoredScope` computed on a Dask cluster (see the module's description).

    Parameters
    ----------
    client : distributed.Client
        The cluster (:func:`influence_lib.scheduling.dask_client`); its workers must see ``data_dir``.
    data_dir : str or Path
        The dataset folder.
    sector : str
    period : Period
    methodology : Methodology
        Every shipped methodology; a ``post_cap`` is the exact quantile of the sector's counted
        posts, from the value counts of their engagement added up over the pieces.
    previous_period : Period, optional
        Scored too (rank movements).
    post_columns : list of str, optional
        The posts' columns the counted posts keep, as :func:`influence_lib.scope.build_scope`
        (default all; ``[]`` for the scores only).
    gather_posts : bool
        Gather the counted posts into this process (``scope.posts()``, what the report's sections
        read; they must fit in memory). ``False``: only their per-member sums come back (what
        rankings need, whatever the number of posts); ``scope.posts()`` is then empty.
    on_error : {"raise", "reject"}
        As :func:`influence_lib.dataset.load_dataset`: rows with errors raise
        :class:`~influence_lib.errors.DataValidationError`, or are left out and listed in
        ``scope.dataset.report``.
    piece_rows : int
        Rows per piece of work at most.
    timings : dict, optional
        Filled with the seconds of each step: ``tables`` (the small tables, read and checked here),
        ``posts`` (the pieces read, checked and scored on the workers, duplicates looked for),
        ``sums`` (per-member sums added up on the workers, frames built and scored here).

    Returns
    -------
    ScoredScope
        ``scope.dataset.posts`` holds no row (the posts stay on the workers);
        ``scope.dataset.report`` counts the post rows read (the months read) and their problems.
    """
    clock = _Clock(timings)
    folder = Path(data_dir)
    if not folder.is_dir():
        raise DatasetError(f"{folder}: no such dataset folder; pass --data with a folder holding the four tables "
                           f"and dataset.yml.")
    settings = load_dataset_settings(folder / "dataset.yml")
    settings.sector(sector)
    kind, where = dp.posts_source(folder)
    periods = [period] + ([previous_period] if previous_period is not None else [])
    keep = None if not gather_posts else (TABLES["posts"].column_names if post_columns is None else list(post_columns))
    uncapped = methodology.model_copy(update={"post_cap": "none", "post_transform": "none"})
    if kind == "csv":  # a CSV file cannot be cut safely (quoted line breaks): the pandas reader reads and checks it
        from influence_lib.dataset import load_dataset

        dataset = load_dataset(folder, on_error=on_error)
        ids = dp._ids_text(dataset.accounts["account_id"])
        ctx = _context(dataset, sector, periods, uncapped, ids, ids, "", pa.array([], pa.large_string()), keep)
        ctx_future = client.scatter(ctx, broadcast=True)
        n = max(len(client.scheduler_info()["workers"]), -(-len(dataset.posts) // piece_rows), 1)
        clock("tables")
        chunks = client.scatter([dataset.posts.iloc[b[0]: b[-1] + 1] if len(b) else dataset.posts.iloc[0:0]
                                 for b in np.array_split(np.arange(len(dataset.posts)), n)])
        scored = client.map(dp.score_frame, chunks, ctx=ctx_future, pure=False)
        dataset = dataclasses.replace(dataset, posts=dataset.posts.iloc[0:0])
        client.gather(client.map(dp.piece_check, scored, pure=False))
        clock("posts")
    else:
        tables, files, report, opt_out, kept, opted_out = _small_tables(folder, settings, kind, where)
        typed_empty = tables["posts"]
        if on_error == "raise" and report.has_errors:
            raise DataValidationError(report.describe(), report)
        partial = Dataset(path=folder, settings=settings, organizations=tables["organizations"],
                          members=tables["members"], accounts=tables["accounts"], posts=typed_empty, files=files,
                          report=report, opt_out=opt_out)
        ctx = _context(partial, sector, periods, uncapped, kept, dp._ids_text(tables["accounts"]["account_id"]),
                       files["accounts"].path.name, opted_out, keep)
        pieces = dp.plan_pieces(folder, periods, piece_rows)
        clock("tables")
        ctx_future = client.scatter(ctx, broadcast=True)
        scored = client.map(dp.process_piece, pieces, ctx=ctx_future, pure=False)
        duplicates = _duplicates(client, pieces, scored, ctx_future, folder)
        if duplicates:  # rare: the pieces are checked and scored again, their duplicate rows as errors
            client.cancel(scored)
            ctx_future = client.scatter(dataclasses.replace(ctx, duplicates=duplicates), broadcast=True)
            scored = client.map(dp.process_piece, pieces, ctx=ctx_future, pure=False)
        checks = client.gather(client.map(dp.piece_check, scored, pure=False))
        if sum(c.with_account for c in checks) and not sum(c.known_account for c in checks):
            raise DatasetError(f"{where}: none of its account_id values is found in the account_id column of "
                               f"{files['accounts'].path.name}; the posts and the accounts do not seem to belong to "
                               f"the same dataset: check that --data names the right folder.")
        files = {**files, "posts": TableFile("posts", where, "parquet", sum(c.read for c in checks))}
        report = _merged_report(report, checks, files)
        opt_out = dataclasses.replace(opt_out, removed={**opt_out.removed, "posts": sum(c.opted_out for c in checks)})
        if on_error == "raise" and report.has_errors:
            raise DataValidationError(report.describe(), report)
        dataset = dataclasses.replace(partial, files=files, report=report, opt_out=opt_out)
        clock("posts")
    organizations, members, accounts = ctx.organizations, ctx.members, ctx.accounts
    scores = [_period_scores(client, scored, i, p, methodology, organizations, members, accounts, keep)
              for i, p in enumerate(periods)]
    client.cancel(scored)
    clock("sums")
    return ScoredScope(dataset, sector, methodology, organizations, members, accounts, scores[0],
                       scores[1] if previous_period is not None else None)


class _Clock:
    """Records the seconds since the previous call under each name (nothing when ``timings`` is None)."""

    def __init__(self, timings: dict | None):
        import time

        self.timings, self.now, self.last = timings, time.perf_counter, time.perf_counter()

    def __call__(self, name: str) -> None:
        now = self.now()
        if self.timings is not None:
            self.timings[name] = round(now - self.last, 3)
        self.last = now


class ScopeLoader:
    """``load(folder, on_error)`` for :func:`influence_lib.cli.load_for_computing`: builds the scope on a cluster.

    The scope is kept in :attr:`scope`; the dataset it was computed from is returned.
    """

    def __init__(self, scheduler: str, sector: str, period: Period, methodology: Methodology,
                 previous_period: Period | None = None):
        self.scheduler, self.sector, self.period = scheduler, sector, period
        self.methodology, self.previous_period = methodology, previous_period
        self.scope: ScoredScope | None = None

    def __call__(self, folder, on_error: str = "raise") -> Dataset:
        """Open the cluster, build the scope, close the cluster; the scope's dataset."""
        from influence_lib.scheduling import dask_client

        with dask_client(self.scheduler) as client:
            self.scope = build_dask_scope(client, folder, self.sector, self.period, self.methodology,
                                          self.previous_period, on_error=on_error, gather_posts=False)
        return self.scope.dataset
