"""Time the report: `influence report` for one sector, `influence batch` with 1 and 2 jobs, and where the time goes.

Run with ``make bench-report`` (or ``.venv/bin/python benchmarks/bench_report.py``). Everything is
measured in the same run on the embedded sample, as processes from start to finish:

- ``report``: ``influence report --sector sante`` (what ``make report`` runs once set up);
- ``batch``: ``influence batch`` over every sector of the sample, ``--jobs 1`` then ``--jobs 2``,
  and their ratio (target: 2 jobs at most 0.6 times the serial time);
- the parts: one kernel start and stop running an empty notebook through papermill; the library
  imports a section notebook pays in its kernel; building report.html from executed notebooks;
  and each notebook's own duration (from the run's manifest).

Results are printed as Markdown and written to ``benchmarks/results/bench_report.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results"


def timed(command: list[str], cwd: Path) -> float:
    """Seconds a command takes, start to finish; fails loudly if the command fails."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"command failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-2000:]}")
    return elapsed


def kernel_round_trip(tmp: Path) -> float:
    """Papermill running a one-cell notebook: the price of a kernel start and stop."""
    import nbformat
    import papermill as pm

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    source = tmp / "empty.ipynb"
    nbformat.write(nb, source)
    started = time.perf_counter()
    pm.execute_notebook(str(source), str(tmp / "empty-out.ipynb"), kernel_name="python3", progress_bar=False)
    return time.perf_counter() - started


def section_imports() -> float:
    """What a section notebook's import cell costs in a fresh interpreter."""
    code = ("import time; t = time.perf_counter(); "
            "from IPython.display import HTML, Markdown, display; "
            "from influence_lib import export, highlights, html, plots, sections, trends; "
            "print(time.perf_counter() - t)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def html_build(folder: Path) -> float:
    """Rebuild report.html from a finished run's executed notebooks (nbconvert import included)."""
    code = (
        "import time; t = time.perf_counter()\n"
        "from pathlib import Path\n"
        "from influence_lib import assembly, report\n"
        "from influence_lib.dataset import SAMPLE_DIR\n"
        "from influence_lib.settings import load_dataset_settings\n"
        "s = load_dataset_settings(SAMPLE_DIR / 'dataset.yml')\n"
        f"folder = Path({str(folder)!r})\n"
        "runs = report.plan_report(s, 'sante', {})\n"
        "assembly.build_html(folder, runs, s, 'sante', '2021', 'engagement v1')\n"
        "print(time.perf_counter() - t)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="runs of each timed command (median reported)")
    args = parser.parse_args()
    influence = str(VENV_BIN / "influence")
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "repeat": args.repeat}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        report_times = [timed([influence, "report", "--sector", "sante", "--out", str(tmp / "report"), "--no-progress"], ROOT)
                        for _ in range(args.repeat)]
        manifest = json.loads((tmp / "report" / "sante" / "2021" / "manifest.json").read_text(encoding="utf-8"))
        batch = {}
        for jobs in (1, 2):
            batch[jobs] = [timed([influence, "batch", "--jobs", str(jobs), "--out", str(tmp / f"batch{jobs}"),
                                  "--no-progress"], ROOT) for _ in range(args.repeat)]
        results["report_s"] = round(statistics.median(report_times), 2)
        results["batch_jobs1_s"] = round(statistics.median(batch[1]), 2)
        results["batch_jobs2_s"] = round(statistics.median(batch[2]), 2)
        results["batch_ratio"] = round(results["batch_jobs2_s"] / results["batch_jobs1_s"], 2)
        results["kernel_round_trip_s"] = round(statistics.median(kernel_round_trip(tmp) for _ in range(3)), 2)
        results["section_imports_s"] = round(statistics.median(section_imports() for _ in range(3)), 2)
        results["html_build_s"] = round(html_build(tmp / "report" / "sante" / "2021"), 2)
        results["notebooks_s"] = {n["name"]: n["seconds"] for n in manifest["notebooks"]}
    lines = [
        "# `influence report` and `influence batch` on the embedded sample",
        "",
        f"{results['machine']['cpus']} CPU · Python {results['machine']['python']} · median of {args.repeat} runs",
        "",
        "| measure | seconds |",
        "|---|---:|",
        f"| report, sector sante (process start to finish) | {results['report_s']} |",
        f"| batch, every sector, --jobs 1 | {results['batch_jobs1_s']} |",
        f"| batch, every sector, --jobs 2 | {results['batch_jobs2_s']} |",
        f"| batch ratio jobs 2 / jobs 1 | {results['batch_ratio']} |",
        f"| one kernel start and stop (papermill, empty notebook) | {results['kernel_round_trip_s']} |",
        f"| imports of a section notebook (fresh interpreter) | {results['section_imports_s']} |",
        f"| report.html from the executed notebooks | {results['html_build_s']} |",
        "",
        "Notebooks of the sante report (each in its own kernel, two at a time):",
        "",
        "| notebook | seconds |",
        "|---|---:|",
        *[f"| {name} | {seconds} |" for name, seconds in results["notebooks_s"].items()],
        "",
        f"- target: sante report under 30 s → {'met' if results['report_s'] < 30 else 'NOT MET'}",
        f"- target: batch ratio <= 0.6 → {'met' if results['batch_ratio'] <= 0.6 else 'NOT MET'}",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_report.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "bench_report.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
