"""Benchmark: 1,000 bootstrap replicates against one scoring, and the split engine's error against the exact one.

Issue 12's target: 1,000 replicates of a scope cost at most 30 single scorings of it. For every
scope below this script measures, in the same run:

- the reference, **one scoring**: ``np.bincount`` of the scope's post values by group (the
  arithmetic core of scoring a scope), median of several runs; on the sample, also the package's
  own scoring of the scope (``score_posts`` + ``score_members`` + ``score_directions``);
- the **exact engine** (:func:`influence_lib.stats.replicate_totals`), B = 1,000 (at 10^7 posts,
  by default only ``--exact-probe`` replicates, the time scaled to 1,000 and marked
  ``extrapolated``; ``--exact-full`` runs all of them);
- the **split engine** (:func:`influence_lib.stats.split_replicate_totals`), B = 1,000;
- the **rank summary** of the replicates (competition ranks, median, 90 % interval, P(Top 10),
  ahead shares);

Times are **CPU seconds** of this process (``time.process_time``; wall seconds are recorded too):
the machine is shared, and under load wall time penalises long calls more than a millisecond
bincount, which usually runs within one time slice. Every computation here is single-threaded.

And, wherever the exact engine ran in full, the split engine's error: the mean absolute
difference of ``median_rank``, ``rank_low`` and ``rank_high``, the largest difference of
``p_top``, and the mean relative difference of the 5th and 95th percentiles of the replicate
scores, against the exact engine with the same seed, next to the same figures between two
seeds of the exact engine (the Monte Carlo noise any engine has).

Scopes: the embedded sample's sector ``sante`` (edition 2021, every Direction of the sector,
the posts' own ``post_id`` as keys) and synthetic scopes of ``--sizes`` posts over 258 groups
(heavy-tailed group sizes and levels, lognormal engagement, integer keys).

Run: ``.venv/bin/python benchmarks/bench_bootstrap.py`` (defaults: sample, 10^5, 10^6, 10^7).
Writes ``benchmarks/results/bench_bootstrap.md`` and ``.json`` (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from influence_lib.stats import (  # noqa: E402
    ahead_share,
    group_moments,
    rank_summary,
    replicate_totals,
    split_replicate_totals,
    split_selection,
    stable_keys,
)

RESULTS = HERE / "results"
B = 1_000
TOP = 10
TARGET_RATIO = 30.0
GROUPS = 258


class Clock:
    """Wall time and this process's CPU time of one call (the ratios use CPU time: see the docstring)."""

    def __init__(self, wall: float = 0.0, cpu: float = 0.0):
        self.wall, self.cpu = wall, cpu

    def __add__(self, other: Clock) -> Clock:
        return Clock(self.wall + other.wall, self.cpu + other.cpu)

    def scaled(self, factor: float) -> Clock:
        return Clock(self.wall * factor, self.cpu * factor)


def _timed(function, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return Clock(time.perf_counter() - wall, time.process_time() - cpu), result


def _median_time(function, repeat: int) -> Clock:
    clocks = [_timed(function)[0] for _ in range(repeat)]
    return Clock(statistics.median(c.wall for c in clocks), statistics.median(c.cpu for c in clocks))


def _bincount_times(codes, values, groups: int) -> list[Clock]:
    repeat = max(1, min(200, int(2e7 // max(len(values), 1))))  # at least ~10^7 values per timing
    def run():
        for _ in range(repeat):
            np.bincount(codes, weights=values, minlength=groups)
    return [_timed(run)[0].scaled(1 / repeat) for _ in range(9)]


def _summaries(totals: np.ndarray) -> tuple[float, object]:
    def run():
        summary = rank_summary(totals, top=TOP)
        order = np.lexsort((np.arange(totals.shape[1]), summary["median_rank"].to_numpy()))
        ahead_share(totals, order)
        return summary
    return _timed(run)


def _accuracy(reference_totals, reference, other_totals, other) -> dict:
    rel = []
    for q in (0.05, 0.95):
        a, b = np.quantile(reference_totals, q, axis=0), np.quantile(other_totals, q, axis=0)
        scale = np.where(a != 0, np.abs(a), 1.0)
        rel.append(float(np.mean(np.abs(a - b) / scale)))
    diff = (reference[["median_rank", "rank_low", "rank_high"]] - other[["median_rank", "rank_low", "rank_high"]]).abs()
    return {"median_rank": float(diff["median_rank"].mean()), "rank_low": float(diff["rank_low"].mean()),
            "rank_high": float(diff["rank_high"].mean()),
            "p_top_max": float((reference["p_top"] - other["p_top"]).abs().max()),
            "score_q05_rel": rel[0], "score_q95_rel": rel[1]}


def run_scope(name, codes, values, keys, groups, seed, exact_probe, exact_full, extra_reference=None):
    """Time both engines on one scope; return the timing rows and the accuracy rows."""
    n = len(values)
    before = _bincount_times(codes, values, groups)
    rows, accuracy = [], []

    full_exact = exact_full or n <= 2_000_000
    if full_exact:
        t_exact, exact = _timed(replicate_totals, codes, values, keys, groups, seed, B)
        note = ""
    else:
        probe, _ = _timed(replicate_totals, codes, values, keys, groups, seed, exact_probe)
        t_exact, exact, note = probe.scaled(B / exact_probe), None, f"extrapolated from {exact_probe} replicates"
    t_split, split = _timed(split_replicate_totals, codes, values, keys, groups, seed, B)
    chosen = int(split_selection(codes, values, group_moments(codes, values, groups)).sum())
    t_rank_split, split_summary = _summaries(split)
    around = before + _bincount_times(codes, values, groups)  # measured before and after the engines
    reference = Clock(statistics.median(c.wall for c in around), statistics.median(c.cpu for c in around))
    print(f"[{name}] {n:,} posts, {groups} groups; one bincount: {reference.cpu * 1e3:.3f} ms CPU "
          f"({reference.wall * 1e3:.3f} ms wall); load average {os.getloadavg()[0]:.1f}", flush=True)
    if exact is not None:
        t_rank_exact, exact_summary = _summaries(exact)
    else:  # the same shape of replicate matrix: the same ranking cost
        t_rank_exact, exact_summary = t_rank_split, None
    for engine, seconds, rank_seconds, extra in (
            ("exact", t_exact, t_rank_exact, note),
            ("split", t_split, t_rank_split, f"{chosen:,} posts exact ({chosen / n:.2%})")):
        total = seconds + rank_seconds
        row = {"scope": name, "posts": n, "groups": groups, "engine": engine, "replicates": B,
               "engine_cpu_s": seconds.cpu, "ranks_cpu_s": rank_seconds.cpu, "total_cpu_s": total.cpu,
               "total_wall_s": total.wall, "bincount_cpu_s": reference.cpu, "bincount_wall_s": reference.wall,
               "ratio": total.cpu / reference.cpu, "note": extra, "load_average": os.getloadavg()[0]}
        if extra_reference is not None:
            row["scoring_cpu_s"] = extra_reference.cpu
            row["ratio_to_scoring"] = total.cpu / extra_reference.cpu
        rows.append(row)
        print(f"  {engine:5s} engine {seconds.cpu:8.3f} s + ranks {rank_seconds.cpu:.3f} s = {total.cpu:8.3f} s CPU "
              f"({total.wall:.3f} s wall) = {total.cpu / reference.cpu:9.1f} bincounts {extra}", flush=True)
    if exact is not None:
        other = replicate_totals(codes, values, keys, groups, seed + 1, B)
        other_summary = _summaries(other)[1]
        for comparison, totals, summary in (("split vs exact (same seed)", split, split_summary),
                                            ("exact vs exact (next seed)", other, other_summary)):
            found = _accuracy(exact, exact_summary, totals, summary)
            accuracy.append({"scope": name, "posts": n, "comparison": comparison, **found})
            print(f"  {comparison}: " + ", ".join(f"{k} {v:.3f}" for k, v in found.items()), flush=True)
    return rows, accuracy


def sample_scope():
    """The embedded sample's sector ``sante`` (latest edition): org codes, engagement, post ids."""
    from influence_lib.dataset import load_dataset
    from influence_lib.scoring import score_directions, score_members, score_posts, sector_scope

    dataset = load_dataset(ROOT / "data" / "sample")
    period = dataset.settings.period()

    def score_once():
        orgs, members, _ = sector_scope(dataset, "sante")
        posts = score_posts(dataset, "sante", period, columns=["post_id"])
        return orgs, score_directions(orgs, score_members(members, posts)), posts

    scoring = _median_time(score_once, repeat=5)
    orgs, _, posts = score_once()
    codes = posts["org_id"].cat.codes.to_numpy().astype(np.int64)
    values = posts["engagement"].to_numpy(dtype=np.float64)
    return codes, values, posts["post_id"], len(orgs), scoring


def synthetic_scope(n: int, seed: int, groups: int = GROUPS):
    """``n`` posts over ``groups`` groups of heavy-tailed sizes and levels, lognormal whole-number engagement."""
    rng = np.random.default_rng(seed)
    size = rng.lognormal(0.0, 1.0, groups)
    level = rng.normal(2.5, 0.4, groups)
    codes = rng.choice(groups, size=n, p=size / size.sum())
    values = np.floor(rng.lognormal(level[codes], 1.6))
    return codes.astype(np.int64), values, stable_keys(np.arange(n, dtype=np.int64))


def _markdown(rows, accuracy, key_timing) -> str:
    lines = ["## Bootstrap: 1,000 replicates against one scoring", "",
             "| scope | posts | groups | engine | engine s | ranks s | total s | total s (wall) | one bincount ms | "
             "ratio | ratio to package scoring | load | note |",
             "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        to_scoring = f"{r['ratio_to_scoring']:.1f}" if "ratio_to_scoring" in r else ""
        lines.append(f"| {r['scope']} | {r['posts']:,} | {r['groups']} | {r['engine']} | {r['engine_cpu_s']:.3f} | "
                     f"{r['ranks_cpu_s']:.3f} | {r['total_cpu_s']:.3f} | {r['total_wall_s']:.3f} | "
                     f"{r['bincount_cpu_s'] * 1e3:.3f} | {r['ratio']:.1f} | {to_scoring} | {r['load_average']:.1f} | "
                     f"{r['note']} |")
    lines += ["", f"Target: ratio <= {TARGET_RATIO:.0f} (issue 12). Times are CPU seconds of this process "
              "(wall seconds for the total alongside); ratio: total / one bincount of the scope's values; ratio "
              "to package scoring: total / one score_posts + score_members + score_directions of the scope; "
              "load: the machine's 1-minute load average (2 cores, shared).", "",
              "## Split engine against the exact engine (B = 1,000, Top 10)", "",
              "| scope | posts | comparison | median_rank | rank_low | rank_high | max p_top | score q05 | score q95 |",
              "|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for a in accuracy:
        lines.append(f"| {a['scope']} | {a['posts']:,} | {a['comparison']} | {a['median_rank']:.3f} | "
                     f"{a['rank_low']:.3f} | {a['rank_high']:.3f} | {a['p_top_max']:.3f} | "
                     f"{a['score_q05_rel']:.4f} | {a['score_q95_rel']:.4f} |")
    lines += ["", "Rank columns: mean absolute difference; max p_top: largest absolute difference; score "
              "q05/q95: mean relative difference of the replicate scores' 5th/95th percentiles.", "",
              f"stable_keys of {key_timing[0]:,} string ids: {key_timing[1]:.3f} s CPU."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", type=float, default=[1e5, 1e6, 1e7], help="synthetic scopes (posts)")
    parser.add_argument("--no-sample", action="store_true", help="skip the embedded sample")
    parser.add_argument("--groups", type=int, default=GROUPS, help="groups of the synthetic scopes")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--exact-probe", type=int, default=20, help="replicates timed above 2*10^6 posts")
    parser.add_argument("--exact-full", action="store_true", help="run the exact engine in full at every size")
    args = parser.parse_args(argv)

    rows, accuracy = [], []
    if not args.no_sample:
        codes, values, ids, groups, scoring = sample_scope()
        print(f"[sample sante] one package scoring: {scoring.cpu * 1e3:.1f} ms CPU ({scoring.wall * 1e3:.1f} ms wall)",
              flush=True)
        found = run_scope("sample sante 2021", codes, values, ids, groups, args.seed, args.exact_probe,
                          args.exact_full, extra_reference=scoring)
        rows += found[0]
        accuracy += found[1]
    for size in args.sizes:
        codes, values, keys = synthetic_scope(int(size), args.seed, args.groups)
        found = run_scope(f"synthetic {int(size):.0e}", codes, values, keys, args.groups, args.seed,
                          args.exact_probe, args.exact_full)
        rows += found[0]
        accuracy += found[1]
    strings = np.array([f"post-{i:09d}" for i in range(1_000_000)], dtype=object)
    key_timing = (len(strings), _median_time(lambda: stable_keys(strings), repeat=3).cpu)

    RESULTS.mkdir(exist_ok=True)
    text = _markdown(rows, accuracy, key_timing)
    (RESULTS / "bench_bootstrap.md").write_text(text, encoding="utf-8")
    versions = {"python": platform.python_version(), "numpy": np.__version__}
    import scipy
    versions["scipy"] = scipy.__version__
    (RESULTS / "bench_bootstrap.json").write_text(json.dumps(
        {"rows": rows, "accuracy": accuracy, "stable_keys": key_timing, "versions": versions,
         "nproc": os.cpu_count(), "seed": args.seed}, indent=2), encoding="utf-8")
    print()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
