"""Benchmark: the rank uncertainty of a ranking (B = 1,000, every step of the methodology) against one scoring.

For each shipped methodology, on the embedded sample's sector ``sante`` (edition 2021), this
script measures in the same run:

- the reference, **one scoring**: the sector scored and the focus segment ranked, as
  ``influence rank`` does (``build_scope`` + ``ScoredScope.ranking``);
- the **rank uncertainty** of the focus segment's Direction ranking
  (:func:`influence_lib.uncertainty.rank_uncertainty`, B = 1,000, the Top 100's ``p_top``);
- the same for the **member ranking** of the whole sector (the Top voices, 1,651 members);
- the **viral dependence** of the focus segment (:func:`influence_lib.uncertainty.viral_dependence`).

Times are CPU seconds of this process (``time.process_time``, median of ``--repeat`` runs): the
machine is shared, and on the sample every computation is single-threaded (its rankings fit one
block of replicates; larger ones are drawn on threads). Ratios are against the one
scoring measured in the same run.

Run: ``.venv/bin/python benchmarks/bench_intervals.py``. Writes
``benchmarks/results/bench_intervals.md`` (git-ignored).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from influence_lib.dataset import load_dataset
from influence_lib.scope import build_scope
from influence_lib.settings import load_methodology, shipped_methodologies
from influence_lib.uncertainty import rank_uncertainty, viral_dependence

RESULTS = Path(__file__).resolve().parent / "results"


def cpu_seconds(call, repeat: int) -> float:
    """Median CPU seconds of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        call()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure (median)")
    parser.add_argument("--replicates", type=int, default=1000, help="B")
    args = parser.parse_args()
    dataset = load_dataset()
    period = dataset.settings.period()
    sector = dataset.settings.sector("sante")
    focus = sector.segment(sector.focus)
    rows = []
    for name in shipped_methodologies():
        methodology = load_methodology(name)
        single = cpu_seconds(lambda: build_scope(dataset, "sante", period, methodology,
                                                 post_columns=["post_id"]).ranking("direction", focus.key),
                             args.repeat)
        scope = build_scope(dataset, "sante", period, methodology, post_columns=["post_id"])
        directions = cpu_seconds(lambda: rank_uncertainty(scope, "direction", focus.key, focus.top, seed=1,
                                                          n_boot=args.replicates), args.repeat)
        members = cpu_seconds(lambda: rank_uncertainty(scope, "member", None, 20, seed=1, n_boot=args.replicates),
                              args.repeat)
        viral = cpu_seconds(lambda: viral_dependence(scope, focus.key), args.repeat)
        engine = rank_uncertainty(scope, "direction", focus.key, focus.top, seed=1, n_boot=10).engine
        rows.append((name, engine, single, directions, members, viral))
    lines = [f"# Rank uncertainty against one scoring (sample `sante` 2021, B = {args.replicates:,})", "",
             f"CPU seconds, median of {args.repeat}; {platform.processor() or platform.machine()}, numpy "
             f"{np.__version__}. Ratios: against one scoring of the sector (build_scope + ranking) in the same run.",
             "", f"| methodology | engine | one scoring | {focus.key} Directions | ratio | sector members | ratio "
             f"| viral dependence | ratio |", "|---|---|---|---|---|---|---|---|---|"]
    for name, engine, single, directions, members, viral in rows:
        lines.append(f"| {name} | {engine} | {single:.3f} | {directions:.3f} | {directions / single:.1f} | "
                     f"{members:.3f} | {members / single:.1f} | {viral:.3f} | {viral / single:.2f} |")
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_intervals.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
