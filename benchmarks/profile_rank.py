"""Where `influence rank` spends its time and memory, in-process, on a benchmark dataset.

Runs the same ranking as the benchmark (whole sector ``bench``, default edition, CSV to nowhere)
inside this process and prints:

- a breakdown per phase: every module-level function of ``influence_lib`` is wrapped with a timer
  (its first call's nesting depth gives the indentation), with calls, inclusive seconds, share of
  the total and the peak RSS of the process when the function returned;
- with ``--cprofile`` (or when the package lacks ``influence_lib.dataset.load_dataset``), cProfile's
  top 30 functions by cumulative time, and the top 15 by own time.

The run goes through ``influence_lib.cli.main`` when it exists (exactly what the command does),
otherwise through ``load_dataset`` + ``ranking.build_ranking`` + ``export.table_to_csv``.

Run: ``.venv/bin/python benchmarks/profile_rank.py --size 1e6 [--cprofile]`` (the dataset is
generated if needed, as by ``bench_rank.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import importlib
import inspect
import io
import os
import pstats
import resource
import sys
import time
from pathlib import Path

import bench_data

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    """Resident memory now, in MB (10^6 bytes)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 1e6


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


class Timings:
    """Inclusive time of every wrapped function, in order of first call, with nesting depth."""

    def __init__(self):
        self.stats: dict[str, dict] = {}
        self.depth = 0

    def wrap(self, fn):
        name = f"{fn.__module__.removeprefix('influence_lib.')}.{fn.__qualname__}"

        @functools.wraps(fn)
        def timed(*args, **kwargs):
            entry = self.stats.get(name)
            if entry is None:
                entry = self.stats[name] = {"calls": 0, "seconds": 0.0, "depth": self.depth, "peak_mb": 0.0}
            self.depth += 1
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                entry["seconds"] += time.perf_counter() - t0
                entry["calls"] += 1
                entry["peak_mb"] = peak_mb()
                self.depth -= 1

        timed.__wrapped_by_profile__ = True
        return timed

    def install(self) -> int:
        """Wrap every module-level function of the loaded ``influence_lib`` modules, everywhere it is bound."""
        modules = [m for n, m in list(sys.modules.items()) if n == "influence_lib" or n.startswith("influence_lib.")]
        wrappers = {}
        for module in modules:
            for obj in vars(module).values():
                if (inspect.isfunction(obj) and obj.__module__.startswith("influence_lib")
                        and not getattr(obj, "__wrapped_by_profile__", False) and obj not in wrappers):
                    wrappers[obj] = self.wrap(obj)
        for module in modules:
            for attr, obj in list(vars(module).items()):
                if inspect.isfunction(obj) and obj in wrappers:
                    setattr(module, attr, wrappers[obj])
        return len(wrappers)

    def report(self, total: float, min_share: float) -> str:
        lines = [f"{'phase (inclusive time; indented = called from the line above)':<66} {'calls':>7} "
                 f"{'seconds':>8} {'share':>6} {'peak MB':>8}"]
        for name, e in self.stats.items():
            share = e["seconds"] / total if total else 0.0
            if share < min_share:
                continue
            lines.append(f"{'  ' * e['depth'] + name:<66} {e['calls']:>7} {e['seconds']:>8.2f} "
                         f"{share:>6.1%} {e['peak_mb']:>8,.0f}")
        return "\n".join(lines)


def build_runner(folder: Path, sector: str):
    """A function that does what ``influence rank --data folder --sector sector --format csv`` does."""
    try:
        cli = importlib.import_module("influence_lib.cli")
    except ImportError:
        cli = None
    if cli is not None and hasattr(cli, "main"):
        argv = ["rank", "--data", str(folder), "--sector", sector, "--format", "csv"]

        def run():
            with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
                status = cli.main(argv)
            if status not in (0, None):
                raise SystemExit(f"influence rank exited with status {status}")
        return run, "influence_lib.cli.main(" + repr(argv) + ")"

    from influence_lib.dataset import load_dataset
    from influence_lib.export import table_to_csv
    from influence_lib.scope import build_ranking

    def run():
        dataset = load_dataset(folder)
        ranking = build_ranking(dataset, sector, dataset.settings.period())
        table_to_csv(ranking)
    return run, "load_dataset + build_ranking + table_to_csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="example: .venv/bin/python benchmarks/profile_rank.py --size 1e6 --cprofile")
    parser.add_argument("--size", type=bench_data.parse_size, default=10**6, help="posts (default 1e6)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0, as bench_rank.py)")
    parser.add_argument("--cprofile", action="store_true", help="also print cProfile's top 30 by cumulative time")
    parser.add_argument("--min-share", type=float, default=0.005,
                        help="hide phases under this share of the total (default 0.005)")
    args = parser.parse_args(argv)

    folder = bench_data.ensure_dataset(args.size, args.seed)
    t0 = time.perf_counter()
    try:
        importlib.import_module("influence_lib.dataset")
    except ImportError as exc:
        print(f"cannot import influence_lib: {exc}")
        return 1
    run, how = build_runner(folder, bench_data.SECTOR)
    for name in ["dataset", "validation", "scoring", "ranking", "export", "settings", "schema"]:
        with contextlib.suppress(ImportError):
            importlib.import_module(f"influence_lib.{name}")
    import_s = time.perf_counter() - t0
    print(f"{args.size:,} posts in {folder}; running {how}")
    print(f"imports: {import_s:.2f} s, RSS {rss_mb():,.0f} MB")

    phases = hasattr(sys.modules.get("influence_lib.dataset"), "load_dataset")
    timings = Timings()
    if phases:
        print(f"timing {timings.install()} functions of influence_lib")
    profiler = cProfile.Profile() if (args.cprofile or not phases) else None

    start_peak = peak_mb()
    t0 = time.perf_counter()
    if profiler:
        profiler.enable()
    run()
    if profiler:
        profiler.disable()
    total = time.perf_counter() - t0
    print(f"ranking: {total:.2f} s (plus {import_s:.2f} s of imports); peak RSS {peak_mb():,.0f} MB "
          f"(before the run {start_peak:,.0f} MB)" + ("; times include cProfile's overhead" if profiler else ""))
    if phases:
        print()
        print(timings.report(total, args.min_share))
    if profiler:
        for key, count in (("cumulative", 30), ("tottime", 15)):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(count)
            print(f"\n--- cProfile, top {count} by {key} ---")
            print(out.getvalue().split("\n", 4)[-1].strip("\n") if "ncalls" in out.getvalue() else out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
