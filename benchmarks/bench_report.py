"""Time the report against a baseline commit, side by side: `influence report`, `influence batch` with 1 and 2 jobs.

Run with ``make bench-report`` (or ``.venv/bin/python benchmarks/bench_report.py --baseline REF``).
Everything is measured in the same run on the embedded sample, as processes from start to finish,
for two versions of the package:

- ``new``: this working tree (uncommitted changes included);
- ``baseline``: the commit ``--baseline`` (default ``cca8247``, the commit before issue 10's
  work), checked out with ``git worktree add --detach`` into a temporary folder and removed at the
  end, even on failure. It runs with the same virtualenv: its folder comes first on
  ``PYTHONPATH`` and is the working directory, so the command line and every notebook kernel
  import its own ``influence_lib`` (and run its own notebooks).

The measures, taking turns (new, baseline, new, baseline...) ``--repeat`` times, medians reported:

- ``report``: ``influence report --sector sante`` (target: new at most 0.6 times the baseline);
- ``batch``: ``influence batch`` over every sector of the sample, ``--jobs 1`` and ``--jobs 2``
  (target: with 2 jobs at most 0.55 times the serial time, for the new version).

Then where the time goes: each notebook's duration and the PDF's, as the last report of each
version printed them, the peak memory of each measure (the largest process of its tree, kernels
included) and the machine's load. Results are printed as Markdown and written to
``benchmarks/results/bench_report.{json,md}`` (git-ignored).

At scale: ``--data benchmarks/data/1000000 --sector bench`` times the report of a benchmark
dataset (``bench_data.py``; 10^6 posts, 10^5 members) instead, without the batch, and writes
``bench_report_1000000_bench.{json,md}``: where the notebooks' statistics (bootstraps, rank
intervals, sensitivity analysis) cost what the sample never shows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_BASELINE = "cca8247"
REPORT_TARGET = 0.6  # new report / baseline report
BATCH_TARGET = 0.55  # batch with 2 jobs / batch with 1 job (new version)
SECTOR = "sante"


def git(*args: str, cwd: Path = ROOT) -> str:
    """Run git in ``cwd``; its stdout, stripped; exits with git's message on failure."""
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def version_env(root: Path) -> dict[str, str]:
    """The environment that makes a process (and its notebook kernels) import ``root``'s influence_lib."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(root), *filter(None, [os.environ.get("PYTHONPATH")])])
    env.pop("COVERAGE_PROCESS_START", None)
    return env


def timed(command: list[str], root: Path, attempts: int = 2) -> tuple[float, str, float]:
    """Seconds a command of the version at ``root`` takes, start to finish, its stdout and its peak memory.

    The peak is the largest resident set, in MB, of the command's process or of any process it
    waited for (its notebook kernels, its printer), read with ``os.wait4``. A failed run is said
    on stderr and run once more (on a busy shared machine, a kernel of the baseline, started as a
    new process, has missed papermill's 60 s start-up limit); exits if it fails again.
    """
    for attempt in range(1, attempts + 1):
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            started = time.perf_counter()
            child = subprocess.Popen(command, cwd=root, env=version_env(root), stdout=out, stderr=err, text=True)
            _, status, usage = os.wait4(child.pid, 0)
            elapsed = time.perf_counter() - started
            child.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0), err.seek(0)
            stdout, stderr = out.read(), err.read()
        if child.returncode == 0:
            return elapsed, stdout, usage.ru_maxrss / 1024
        failure = f"command failed ({child.returncode}) in {root}: {' '.join(command)}\n{stderr[-3000:]}"
        if attempt == attempts:
            sys.exit(failure)
        print(f"{failure}\n(run again, not timed: failed after {elapsed:.1f} s)", file=sys.stderr, flush=True)


def parts(stdout: str) -> dict[str, float]:
    """The durations ``influence report`` prints (each notebook, report.pdf): ``name  12.3 s`` lines."""
    found = {}
    for line in stdout.splitlines():
        words = line.split()
        if line.startswith("  ") and len(words) == 3 and words[2] == "s":
            found[words[0]] = float(words[1])
    return found


def imported_from(root: Path) -> str:
    """Where a process of that version finds influence_lib (checked before timing anything)."""
    code = "import influence_lib; print(influence_lib.__file__)"
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env=version_env(root),
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git commit (or ref) to compare with")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timed command and version (median reported)")
    parser.add_argument("--no-batch", action="store_true", help="time the report only")
    parser.add_argument("--data", type=Path, help="dataset folder of the report (default: the embedded sample); "
                        "implies --no-batch, e.g. benchmarks/data/1000000 with --sector bench")
    parser.add_argument("--sector", default=SECTOR, help=f"sector of the report (default {SECTOR})")
    args = parser.parse_args()
    if args.data is not None:
        args.data, args.no_batch = args.data.resolve(), True
    # the module, not the console script: each version runs its own entry point (the script names one)
    influence = [str(VENV_BIN / "python"), "-m", "influence_lib.cli"]
    commit = git("rev-parse", "--verify", f"{args.baseline}^{{commit}}")
    head = git("rev-parse", "--short", "HEAD")
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    results: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "repeat": args.repeat, "baseline": {"ref": args.baseline, "commit": commit[:12]},
        "new": {"head": head, "uncommitted_changes": dirty},
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "data": "the embedded sample" if args.data is None else str(args.data), "sector": args.sector,
    }
    tmp = Path(tempfile.mkdtemp(prefix="bench-report-"))
    worktree = tmp / "baseline"
    try:
        git("worktree", "add", "--detach", str(worktree), commit)
        versions = {"new": ROOT, "baseline": worktree}
        for root in versions.values():  # both compiled alike: where PYTHONDONTWRITEBYTECODE is set, an
            # uncompiled tree would pay for compiling its modules in every process and kernel
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "influence_lib")], check=True)
        for name, root in versions.items():
            where = Path(imported_from(root)).resolve()
            if not where.is_relative_to(root.resolve()):
                sys.exit(f"{name}: influence_lib imported from {where}, not from {root}")
        times: dict[str, dict[str, list[float]]] = {v: {} for v in versions}
        data = [] if args.data is None else ["--data", str(args.data)]
        measures = [("report", ["report", *data, "--sector", args.sector])]
        if not args.no_batch:
            measures += [("batch_jobs1", ["batch", "--jobs", "1"]), ("batch_jobs2", ["batch", "--jobs", "2"])]
        for measure, command in measures:
            for i in range(args.repeat):
                for name, root in versions.items():
                    out = tmp / "out" / name / f"{measure}-{i}"
                    seconds, stdout, peak = timed([*influence, *command, "--out", str(out), "--no-progress"], root)
                    if measure == "report":
                        results.setdefault("parts_s", {})[name] = parts(stdout)
                    times[name].setdefault(measure, []).append(round(seconds, 2))
                    peaks = results.setdefault("peak_mb", {}).setdefault(name, {})
                    peaks[measure] = max(peaks.get(measure, 0), round(peak))
                    print(f"{measure:12} {name:9} run {i + 1}: {seconds:6.2f} s, peak {peak:,.0f} MB", file=sys.stderr,
                          flush=True)
        results["runs_s"] = times
        results["medians_s"] = {name: {m: median(v) for m, v in t.items()} for name, t in times.items()}
        new, base = results["medians_s"]["new"], results["medians_s"]["baseline"]
        results["report_ratio"] = round(new["report"] / base["report"], 3)
        if not args.no_batch:
            results["batch_ratio"] = {name: round(m["batch_jobs2"] / m["batch_jobs1"], 3)
                                      for name, m in results["medians_s"].items()}
        results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, capture_output=True)
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    text = markdown(results, args)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = "bench_report" if args.data is None else f"bench_report_{args.data.name}_{args.sector}"
    (RESULTS / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (RESULTS / f"{stem}.md").write_text(text, encoding="utf-8")
    return 0


def markdown(results: dict, args) -> str:
    """The results as a Markdown page: medians side by side, ratios, targets, the new version's parts."""
    new, base = results["medians_s"]["new"], results["medians_s"]["baseline"]
    sector = results["sector"]
    labels = {"report": f"report, sector {sector}", "batch_jobs1": "batch, every sector, --jobs 1",
              "batch_jobs2": "batch, every sector, --jobs 2"}
    met = lambda ok: "MET" if ok else "NOT MET"  # noqa: E731
    machine = results["machine"]
    lines = [
        "# `influence report` and `influence batch`: this tree against a baseline commit",
        "",
        f"{machine['cpus']} CPU · Python {machine['python']} · median of {results['repeat']} runs each, "
        f"taking turns · baseline {results['baseline']['ref']} ({results['baseline']['commit']}) · new: working tree "
        f"at {results['new']['head']}{' with uncommitted changes' if results['new']['uncommitted_changes'] else ''} · "
        f"load average before {results['load_average_before'][0]} · data: {results['data']}",
        "",
        "| measure (process start to finish) | baseline s | new s | new / baseline | baseline peak MB | new peak MB |",
        "|---|---:|---:|---:|---:|---:|",
        *[f"| {labels[m]} | {base[m]} | {new[m]} | {new[m] / base[m]:.2f} | {results['peak_mb']['baseline'][m]:,} | "
          f"{results['peak_mb']['new'][m]:,} |" for m in new],
    ]
    if "batch_ratio" in results:
        lines.append(f"| batch ratio --jobs 2 / --jobs 1 | {results['batch_ratio']['baseline']} | "
                     f"{results['batch_ratio']['new']} | |")
    lines += ["", "Targets:", ""]
    if results["data"] == "the embedded sample" and sector == SECTOR:  # the target is the sample's sante report
        lines.append(f"- report of {SECTOR}: new / baseline = {results['report_ratio']} <= {REPORT_TARGET} → "
                     f"{met(results['report_ratio'] <= REPORT_TARGET)}")
    else:
        lines.append(f"- none on this dataset (the report's target is the sample's {SECTOR}): new / baseline = "
                     f"{results['report_ratio']}")
    if "batch_ratio" in results:
        ratio = results["batch_ratio"]["new"]
        lines.append(f"- batch: --jobs 2 / --jobs 1 (new) = {ratio} <= {BATCH_TARGET} → {met(ratio <= BATCH_TARGET)}")
    parts_s = results["parts_s"]
    names = list(dict.fromkeys([*parts_s["baseline"], *parts_s["new"]]))
    lines += ["", f"Parts of the last {sector} report of each version, as `influence report` prints them "
              "(notebooks overlap, two at a time):",
              "", "| part | baseline s | new s |", "|---|---:|---:|",
              *[f"| {n} | {parts_s['baseline'].get(n, '')} | {parts_s['new'].get(n, '')} |" for n in names],
              "", f"Every run: `{json.dumps(results['runs_s'])}`", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
