"""Benchmark: the report's heaviest steps on a large dataset, this tree against a baseline commit.

`bench_report.py --data` times whole reports, where two notebooks share the two cores and one
notebook's gain hides behind the other. This script times the steps themselves, each in a
process of its own (the section opened first, not timed), the versions taking turns:

- ``top_voices``: :func:`influence_lib.sections.top_voices` (Top 20, B = 1,000), the trends
  section's member ranking with its rank uncertainty;
- ``robustness``: the robustness section's uncertainty analysis (1,000 runs) and Sobol indices
  (1,024 x 9 runs), on one :class:`influence_lib.sensitivity.ChoiceScorer`.

For each: seconds (median of ``--repeat``), the growth of the process's peak memory during the
step, and whether both versions produced the same frames (compared exactly; exit 1 if not).
The baseline is checked out with ``git worktree add --detach`` into a temporary folder.

Run: ``.venv/bin/python benchmarks/bench_sections.py --data benchmarks/data/1000000 --sector bench
--baseline a95a876``. Writes ``benchmarks/results/bench_sections.{md,json}`` (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import pickle
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
from bench_report import RESULTS, ROOT, git, imported_from, median, version_env

STEPS = ("top_voices", "robustness")
SEED = 20210601

# What a child process runs: open the section, time the step, pickle what it returned.
STEP_SCRIPT = r"""
import json, pickle, resource, sys, time
from influence_lib import sections, sensitivity
from influence_lib.parameters import RobustnessParameters, TrendsParameters

step, data, sector, out, seed = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
common = dict(data_dir=data, sector=sector, edition="", out_dir="", on_error="fail", methodology_file="",
              no_texts=False, seed=seed)
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
times = {}
if step == "top_voices":
    ctx = sections.open_section(TrendsParameters.from_namespace({**common, "n_boot": 1000, "top_voices": 20}))
    before, started = peak(), time.perf_counter()
    result = sections.top_voices(ctx, 20, seed, 1000)
    times["top_voices"] = time.perf_counter() - started
else:
    params = RobustnessParameters.from_namespace({**common, "top": 10, "n_runs": 1000, "n_sobol": 1024})
    ctx = sections.open_section(params)
    focus = ctx.scope.focus_segment.key
    before, started = peak(), time.perf_counter()
    scorer = sensitivity.ChoiceScorer(ctx.scope)
    runs = sensitivity.uncertainty_analysis(ctx.scope, focus, params.top, params.n_runs, seed, scorer=scorer)
    times["uncertainty"] = time.perf_counter() - started
    sobol = sensitivity.sensitivity_analysis(ctx.scope, focus, params.top, params.n_sobol, seed, scorer=scorer)
    times["sobol"] = time.perf_counter() - started - times["uncertainty"]
    result = (runs.ranks, runs.runs, sobol)
with open(out, "wb") as f:
    pickle.dump(result, f)
print(json.dumps({"seconds": times, "peak_growth_mb": peak() - before}))
"""


def run_step(step: str, root: Path, args, out: Path) -> dict:
    """One step in a new process of the version at ``root``: its timings and peak growth."""
    done = subprocess.run([sys.executable, "-c", STEP_SCRIPT, step, str(args.data.resolve()), args.sector, str(out),
                           str(SEED)], cwd=root, env=version_env(root), capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{step} failed in {root}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def same_frames(a, b) -> bool:
    """Whether two results (a frame or a tuple of frames) are equal, exactly."""
    for x, y in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
        try:
            pd.testing.assert_frame_equal(x, y, check_exact=True)
        except AssertionError:
            return False
    return True


def markdown(results: dict, args, commit: str) -> str:
    lines = [
        "# The report's heaviest steps: this tree against a baseline commit", "",
        f"{platform.machine()} · Python {platform.python_version()} · data {args.data} (sector {args.sector}) · "
        f"baseline {args.baseline} · new: working tree at {commit} · median of {args.repeat}, the versions taking turns",
        "",
        "| step | part | baseline s | new s | new / baseline | baseline peak growth MB | new peak growth MB "
        "| same results |",
        "|---|---|---:|---:|---:|---:|---:|:---|",
    ]
    for step, found in results.items():
        for part in found["baseline"]["seconds"]:
            base, new = found["baseline"]["seconds"][part], found["new"]["seconds"][part]
            lines.append(f"| {step} | {part} | {base:.1f} | {new:.1f} | {new / base:.2f} | "
                         f"{found['baseline']['peak_growth_mb']:,.0f} | {found['new']['peak_growth_mb']:,.0f} | "
                         f"{'yes' if found['same'] else 'NO'} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="dataset folder (e.g. benchmarks/data/1000000)")
    parser.add_argument("--sector", default="bench", help="sector key (default bench)")
    parser.add_argument("--baseline", required=True, help="git commit (or ref) to compare with")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each step and version (median reported)")
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS))
    args = parser.parse_args()
    commit = git("rev-parse", "--short", "HEAD")
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-sections-") as tmp:
        worktree = Path(tmp) / "baseline"
        git("worktree", "add", "--detach", str(worktree), git("rev-parse", args.baseline))
        try:
            versions = {"baseline": worktree, "new": ROOT}
            for name, root in versions.items():
                print(f"{name}: {imported_from(root)}", flush=True)
            for step in args.steps:
                runs = {name: [] for name in versions}
                for _ in range(args.repeat):
                    for name, root in versions.items():
                        runs[name].append(run_step(step, root, args, Path(tmp) / f"{step}-{name}.pkl"))
                        print(f"{step} {name}: {runs[name][-1]}", flush=True)
                outputs = {name: pickle.loads((Path(tmp) / f"{step}-{name}.pkl").read_bytes()) for name in versions}
                results[step] = {name: {"seconds": {part: median([r["seconds"][part] for r in found])
                                                    for part in found[0]["seconds"]},
                                        "peak_growth_mb": max(r["peak_growth_mb"] for r in found), "runs": found}
                                 for name, found in runs.items()}
                results[step]["same"] = same_frames(outputs["baseline"], outputs["new"])
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, capture_output=True)
            subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_sections.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    text = markdown(results, args, commit)
    (RESULTS / "bench_sections.md").write_text(text, encoding="utf-8")
    print(text)
    return 0 if all(found["same"] for found in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
