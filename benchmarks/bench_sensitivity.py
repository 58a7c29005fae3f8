"""Benchmark: the whole sensitivity analysis of a scope against one scoring of that scope.

Issue 12's target: the sensitivity analysis on the sample costs at most 300 single scorings of
the same scope. This script measures, in the same run, on the embedded sample's sector ``sante``
(edition 2021, the focus segment's Top 10):

- the reference, **one scoring**: :func:`influence_lib.scope.build_scope` of the sector under the
  methodology (``post_columns=[]``, as ``influence rank`` scores), then the segment's ranking;
  median of ``--repeat`` runs;
- the analysis, step by step: **precompute** (:class:`influence_lib.sensitivity.ChoiceScorer`:
  the sector's posts read once over the period widened by a month on each side), the
  **uncertainty analysis** (N = ``--runs`` Monte Carlo runs, default 1,000) and the **Sobol
  indices** (``--sobol`` base sample, default 1,024, so 1,024 x 9 = 9,216 runs of 7 factors);
- the same analysis done the naive way would rescore the dataset once per run: its cost is the
  number of runs times one scoring (ratio = runs), shown for comparison, not run.

Before timing, the scorer's nominal scores are checked against the scope's (exit 1 if they
differ). Times are CPU seconds of this process (``time.process_time``; wall seconds too): the
machine is shared. On the sample every computation is single-threaded (the choice scorer
spreads its runs over threads from ``sensitivity.THREADED_POSTS`` posts per run).

Run: ``.venv/bin/python benchmarks/bench_sensitivity.py [--methodology NAME ...]``.
Writes ``benchmarks/results/bench_sensitivity.md`` and ``.json`` (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from influence_lib.dataset import SAMPLE_DIR, load_dataset  # noqa: E402
from influence_lib.scope import build_scope  # noqa: E402
from influence_lib.sensitivity import (  # noqa: E402
    FACTOR_NAMES,
    ChoiceScorer,
    sensitivity_analysis,
    uncertainty_analysis,
)
from influence_lib.settings import load_methodology  # noqa: E402

RESULTS = HERE / "results"
TARGET_RATIO = 300.0
SECTOR = "sante"
TOP = 10
SEED = 20210601


def _timed(function, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return (time.perf_counter() - wall, time.process_time() - cpu), result


def _one_scoring(dataset, period, methodology, segment):
    scope = build_scope(dataset, SECTOR, period, methodology, post_columns=[])
    scope.ranking("direction", segment)
    return scope


def measure(dataset, methodology_name: str, runs: int, sobol: int, repeat: int) -> dict:
    """Time one scoring and the analysis's steps; return the figures."""
    methodology = load_methodology(methodology_name)
    period = dataset.settings.period("2021")
    segment = dataset.settings.sector(SECTOR).focus
    scope = _one_scoring(dataset, period, methodology, segment)
    reference = [_timed(_one_scoring, dataset, period, methodology, segment)[0] for _ in range(repeat)]
    one = (statistics.median(t[0] for t in reference), statistics.median(t[1] for t in reference))

    prepare, scorer = _timed(ChoiceScorer, scope)
    nominal = scorer.scores({})[0]
    expected = scope.current.directions["score"].to_numpy(dtype=float)
    if not np.allclose(nominal, expected, rtol=1e-12, atol=1e-9):
        raise SystemExit(f"FAIL: {methodology_name}: the scorer's nominal scores differ from the scope's")
    ua, _ = _timed(uncertainty_analysis, scope, segment, TOP, runs, SEED, scorer=scorer)
    sa, _ = _timed(sensitivity_analysis, scope, segment, TOP, sobol, SEED, scorer=scorer)
    total = tuple(prepare[i] + ua[i] + sa[i] for i in range(2))
    n_runs = runs + sobol * (len(FACTOR_NAMES) + 2)
    return {
        "methodology": methodology_name, "posts": int(len(scope.current.posts)),
        "directions": int(len(scope.organizations)), "runs": n_runs,
        "one_scoring_s": {"wall": one[0], "cpu": one[1]},
        "precompute_s": {"wall": prepare[0], "cpu": prepare[1]},
        "uncertainty_s": {"wall": ua[0], "cpu": ua[1], "runs": runs},
        "sobol_s": {"wall": sa[0], "cpu": sa[1], "runs": sobol * (len(FACTOR_NAMES) + 2)},
        "total_s": {"wall": total[0], "cpu": total[1]},
        "ratio_cpu": total[1] / one[1], "ratio_wall": total[0] / one[0],
        "per_run_in_scorings": (total[1] - prepare[1]) / n_runs / one[1],
        "naive_ratio": n_runs,
    }


def main(argv=None) -> int:
    """Run the benchmark; print and write the figures; exit 1 when a ratio misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methodology", action="append", default=None, metavar="NAME",
                        help="shipped methodology (repeatable; default: engagement)")
    parser.add_argument("--runs", type=int, default=1000, help="uncertainty-analysis runs (default 1000)")
    parser.add_argument("--sobol", type=int, default=1024, help="Sobol base sample, a power of 2 (default 1024)")
    parser.add_argument("--repeat", type=int, default=15, help="timings of the one scoring (default 15)")
    args = parser.parse_args(argv)
    dataset = load_dataset(SAMPLE_DIR)
    rows = [measure(dataset, name, args.runs, args.sobol, args.repeat) for name in args.methodology or ["engagement"]]
    lines = ["| methodology | posts | runs | one scoring | precompute | UA | Sobol | total | ratio | target |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['methodology']} | {r['posts']:,} | {r['runs']:,} | {1000 * r['one_scoring_s']['cpu']:.1f} ms "
            f"| {r['precompute_s']['cpu']:.3f} s | {r['uncertainty_s']['cpu']:.2f} s | {r['sobol_s']['cpu']:.2f} s "
            f"| {r['total_s']['cpu']:.2f} s | {r['ratio_cpu']:.0f} (wall {r['ratio_wall']:.0f}) "
            f"| {'ok' if r['ratio_cpu'] <= TARGET_RATIO else 'MISSED'} <= {TARGET_RATIO:.0f} |")
    notes = [f"CPU seconds; one run of the analysis costs {r['per_run_in_scorings']:.4f} scorings "
             f"({r['methodology']}); rescoring per run would cost {r['naive_ratio']:,} scorings." for r in rows]
    text = "\n".join(["# bench_sensitivity", "", f"{platform.platform()}, Python {platform.python_version()}, "
                      f"numpy {np.__version__}", ""] + lines + [""] + notes) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_sensitivity.md").write_text(text, encoding="utf-8")
    (RESULTS / "bench_sensitivity.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0 if all(r["ratio_cpu"] <= TARGET_RATIO for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
