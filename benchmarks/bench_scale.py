"""Scaling benchmark of the dask engine: weak scaling 1 -> 2 workers, strong scaling, single-box engines in the same run.

What it measures, on synthetic datasets of ``bench_data.py`` (one file ``posts.parquet`` and the
same posts as ``posts/month=YYYY-MM/part-N.parquet``):

1. **Warm cluster, in process.** For 1 and 2 workers (a ``LocalCluster`` of single-threaded
   worker processes, started once and warmed up), the time of
   ``influence_lib.engines.dask_scope.build_dask_scope`` (the scope of ``rank --engine dask``:
   small tables read and checked here, every post read, checked and scored on the workers,
   per-member sums added up there), median of ``--repeat``, with its three steps:
   - weak scaling: ``--per-worker`` posts on 1 worker, twice as many on 2 workers;
     efficiency = T(1 worker, N) / T(2 workers, 2N) (1.0 is perfect);
   - strong scaling: ``--strong`` posts on 1 then 2 workers; speed-up = T(1) / T(2),
     efficiency = speed-up / 2.
2. **End to end, each command its own process** (``bench_rank.run_measured``: wall time from
   start to finish, peak memory of the process itself, not of its workers), ``--strong`` posts:
   ``influence rank`` (pandas engine, one file), ``influence rank --engine dask --scheduler
   local:2`` (hive folder; cluster start included), DuckDB's query (``duckdb_rank.sql``) on the
   one file and on the hive files. The dask engine's CSV must equal the pandas engine's byte for
   byte, and DuckDB's rows must agree (``bench_rank.compare``).

Writes ``benchmarks/results/bench_scale.json`` and ``.md``. Exit status 1 when an output differs
or a command fails; the efficiency target (>= 0.9) is reported, never enforced.

Run: ``.venv/bin/python benchmarks/bench_scale.py`` (5 * 10^6 per worker, 10^7 strong, 3 repeats)
or ``--per-worker 1e6 --strong 2e6 --repeat 2`` for a quicker look.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

import bench_data
import bench_rank

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
TARGET_EFFICIENCY = 0.9
HIVE_POSTS = "read_parquet('{data}/posts/*/*.parquet', hive_partitioning = true)"


def _period():
    from influence_lib.settings import load_dataset_settings, resolve_edition

    settings = load_dataset_settings(bench_data.DATA_ROOT / "100000" / "dataset.yml")
    return resolve_edition(settings, bench_data.EDITION)[0]


def warm_cluster(workers: int, folders: list[Path], repeat: int, log) -> dict:
    """Median seconds (and steps) of build_dask_scope on a warm LocalCluster of ``workers`` workers."""
    from influence_lib.engines.dask_scope import build_dask_scope
    from influence_lib.scheduling import dask_client

    period = _period()
    out = {}
    started = time.perf_counter()
    with dask_client(f"local:{workers}") as client:
        up = time.perf_counter() - started
        warm = bench_data.ensure_hive_dataset(100_000, log=lambda *_: None)
        build_dask_scope(client, warm, bench_data.SECTOR, period, gather_posts=False)  # imports, first tasks
        for folder in folders:
            runs = []
            for _ in range(repeat):
                steps: dict = {}
                cpu0, mine0 = client.run(time.process_time), time.process_time()
                t0 = time.perf_counter()
                build_dask_scope(client, folder, bench_data.SECTOR, period, timings=steps,
                                 gather_posts=False)
                seconds = time.perf_counter() - t0
                cpu = [client.run(time.process_time)[w] - cpu0[w] for w in cpu0]
                runs.append({"seconds": seconds, **steps, "caller_cpu": time.process_time() - mine0,
                             "busiest_worker_cpu": max(cpu), "workers_cpu": sum(cpu)})
                log(f"  {workers} worker{'s' if workers > 1 else ''}, {folder.name}: {seconds:.2f} s "
                    f"(tables {steps['tables']:.2f}, posts {steps['posts']:.2f}, sums {steps['sums']:.2f}); CPU s: "
                    f"caller {runs[-1]['caller_cpu']:.2f}, workers {' + '.join(f'{c:.2f}' for c in cpu)}; "
                    f"load {os.getloadavg()[0]:.1f}")
            out[folder.name] = {key: statistics.median(r[key] for r in runs)
                                for key in ("seconds", "tables", "posts", "sums", "caller_cpu",
                                            "busiest_worker_cpu", "workers_cpu")}
            out[folder.name]["runs"] = runs
    out["cluster_start_s"] = up
    return out


def end_to_end(n: int, repeat: int, timeout: float, log) -> dict:
    """The commands of one size, each in its own process; outputs compared."""
    single = bench_data.ensure_dataset(n, log=log)
    hive = bench_data.ensure_hive_dataset(n, log=log)
    work = RESULTS / "runs" / f"scale-{n}"
    work.mkdir(parents=True, exist_ok=True)
    hive_sql = work / "duckdb_rank_hive.sql"
    text = bench_rank.SQL_FILE.read_text(encoding="utf-8")
    hive_sql.write_text(text.replace("read_parquet('{data}/posts.parquet')", HIVE_POSTS), encoding="utf-8")
    base = bench_rank.influence_command(log) + ["rank", "--sector", bench_data.SECTOR, "--format", "csv"]
    duck = [sys.executable, "-c", bench_rank.DUCKDB_SCRIPT]
    commands = {
        "pandas engine (one file)": (base + ["--data", str(single)], "pandas.csv"),
        "dask engine, local:2 (hive)": (base + ["--data", str(hive), "--engine", "dask", "--scheduler", "local:2"],
                                        "dask.csv"),
        "DuckDB (one file)": (duck + [str(single), bench_data.SECTOR, bench_data.START, bench_data.END,
                                      str(work / "duckdb.csv"), str(bench_rank.SQL_FILE)], "duckdb.stdout"),
        "DuckDB (hive)": (duck + [str(hive), bench_data.SECTOR, bench_data.START, bench_data.END,
                                  str(work / "duckdb_hive.csv"), str(hive_sql)], "duckdb_hive.stdout"),
    }
    runs = {name: [] for name in commands}
    for rep in range(repeat):
        for name, (cmd, out) in commands.items():
            r = bench_rank.run_measured(cmd, work / out, work / f"{out}.stderr", timeout)
            runs[name].append(r)
            log(f"  run {rep + 1}: {name}: {r['seconds']:.2f} s, {r['peak_mb']:,.0f} MB, exit {r['returncode']}")
    failed = [name for name, rs in runs.items() if any(r["returncode"] != 0 for r in rs)]
    same = (work / "pandas.csv").read_bytes() == (work / "dask.csv").read_bytes()
    duck_checks = {name: bench_rank.compare(work / "pandas.csv", work / csv)
                   for name, csv in (("DuckDB (one file)", "duckdb.csv"), ("DuckDB (hive)", "duckdb_hive.csv"))}
    return {"n_posts": n, "commands": {k: v[0] for k, v in commands.items()},
            "results": {k: bench_rank.summarise(v) for k, v in runs.items()}, "failed": failed,
            "dask_csv_identical_to_pandas": same,
            "duckdb_agrees": {k: v["ok"] for k, v in duck_checks.items()}}


def markdown(report: dict) -> str:
    weak, strong, e2e = report["weak"], report["strong"], report["end_to_end"]
    lines = [
        f"# Dask engine scaling ({report['when']}, {report['machine']['cpu_count']} cores, "
        f"{report['machine']['memory_gb']} GB)",
        "",
        "Warm LocalCluster (single-threaded worker processes), `build_dask_scope`, median of "
        f"{report['repeat']}: total = tables (here) + posts (workers) + sums.",
        "",
        "| scaling | posts | workers | total s | tables s | posts s | sums s | caller CPU s | busiest worker CPU s "
        "| all workers CPU s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, rows in (("weak", weak["rows"]), ("strong", strong["rows"])):
        for r in rows:
            lines.append(f"| {label} | {r['n_posts']:,} | {r['workers']} | {r['seconds']:.2f} | {r['tables']:.2f} | "
                         f"{r['posts']:.2f} | {r['sums']:.2f} | {r['caller_cpu']:.2f} | {r['busiest_worker_cpu']:.2f} | "
                         f"{r['workers_cpu']:.2f} |")
    lines += [
        "",
        f"- weak scaling efficiency T(1, N) / T(2, 2N), wall clock: **{weak['efficiency']:.2f}** (target "
        f">= {TARGET_EFFICIENCY}: {'MET' if weak['efficiency'] >= TARGET_EFFICIENCY else 'NOT MET'}); "
        f"workers' step alone: {weak['posts_efficiency']:.2f}; from CPU time (caller + busiest worker, i.e. with "
        f"a core per process): {weak['cpu_efficiency']:.2f}; workers' CPU for 2N on 2 / twice that for N on 1: "
        f"{weak['work_ratio']:.2f}",
        f"- strong scaling on {strong['rows'][0]['n_posts']:,} posts: speed-up {strong['speedup']:.2f}, "
        f"efficiency {strong['efficiency']:.2f} (wall clock); workers' step alone: speed-up "
        f"{strong['posts_speedup']:.2f}; from CPU time: speed-up {strong['cpu_speedup']:.2f}; workers' CPU on 2 / "
        f"on 1: {strong['work_ratio']:.2f}",
        "",
        f"End to end on {e2e['n_posts']:,} posts, each command its own process (median of {report['repeat']}, "
        "peak = the command's process, not its workers):",
        "",
        "| command | median s | min s | peak MB |",
        "|---|---:|---:|---:|",
    ]
    for name, r in e2e["results"].items():
        lines.append(f"| {name} | {bench_rank.fmt_s(r.get('median_s'))} | {bench_rank.fmt_s(r.get('min_s'))} | "
                     f"{bench_rank.fmt_mb(r.get('peak_mb'))} |")
    lines += ["", f"dask engine's CSV identical to the pandas engine's: {e2e['dask_csv_identical_to_pandas']}; "
                  f"DuckDB agrees: {e2e['duckdb_agrees']}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-worker", type=bench_data.parse_size, default=5_000_000,
                        help="posts per worker in the weak-scaling runs (default 5e6)")
    parser.add_argument("--strong", type=bench_data.parse_size, default=10_000_000,
                        help="posts of the strong-scaling and end-to-end runs (default 1e7)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args(argv)
    log = print
    n1, n2, ns = args.per_worker, 2 * args.per_worker, args.strong
    folders = {n: bench_data.ensure_hive_dataset(n, log=log) for n in sorted({n1, n2, ns})}
    log("warm cluster, 1 worker")
    one = warm_cluster(1, [folders[n] for n in sorted({n1, ns})], args.repeat, log)
    log("warm cluster, 2 workers")
    two = warm_cluster(2, [folders[n] for n in sorted({n2, ns})], args.repeat, log)

    def row(result, n, workers):
        return {"n_posts": n, "workers": workers, **{k: v for k, v in result[folders[n].name].items() if k != "runs"}}

    weak_rows = [row(one, n1, 1), row(two, n2, 2)]
    strong_rows = [row(one, ns, 1), row(two, ns, 2)]
    def critical(r):  # a lower bound of the wall time with a core per process: the caller, then the busiest worker
        return r["caller_cpu"] + r["busiest_worker_cpu"]

    weak = {"rows": weak_rows, "efficiency": weak_rows[0]["seconds"] / weak_rows[1]["seconds"],
            "posts_efficiency": weak_rows[0]["posts"] / weak_rows[1]["posts"],
            "cpu_efficiency": critical(weak_rows[0]) / critical(weak_rows[1]),
            "work_ratio": weak_rows[1]["workers_cpu"] / (2 * weak_rows[0]["workers_cpu"])}
    strong = {"rows": strong_rows, "speedup": strong_rows[0]["seconds"] / strong_rows[1]["seconds"],
              "posts_speedup": strong_rows[0]["posts"] / strong_rows[1]["posts"],
              "cpu_speedup": critical(strong_rows[0]) / critical(strong_rows[1]),
              "work_ratio": strong_rows[1]["workers_cpu"] / strong_rows[0]["workers_cpu"]}
    strong["efficiency"] = strong["speedup"] / 2
    log(f"end to end, {ns:,} posts")
    e2e = end_to_end(ns, args.repeat, args.timeout, log)
    report = {"when": dt.datetime.now().isoformat(timespec="seconds"), "machine": bench_rank.machine_info(),
              "versions": bench_rank.versions(), "repeat": args.repeat, "weak": weak, "strong": strong,
              "cluster_start_s": {"1": one["cluster_start_s"], "2": two["cluster_start_s"]},
              "warm_runs": {"1": one, "2": two}, "end_to_end": e2e}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_scale.json").write_text(json.dumps(report, indent=1, default=str) + "\n")
    text = markdown(report)
    (RESULTS / "bench_scale.md").write_text(text)
    print(text)
    ok = e2e["dask_csv_identical_to_pandas"] and all(e2e["duckdb_agrees"].values()) and not e2e["failed"]
    return 0 if ok else 1


if __name__ == "__main__":  # workers are spawned processes: nothing may run at import
    sys.exit(main())
