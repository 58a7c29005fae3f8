"""Benchmark: `influence rank` against the same default methodology as one DuckDB query.

For each size (number of posts) this script

1. writes (or reuses) a synthetic Parquet dataset in ``benchmarks/data/<n>/`` (see ``bench_data.py``);
2. runs, ``--repeat`` times and alternately, two subprocesses, each timed from process start to
   finish, with its own peak memory (max RSS from ``os.wait4`` in a small launcher, see ``LAUNCHER``):
   - ``influence rank --data DIR --sector bench --format csv`` on files never seen (an empty
     snapshot folder, ``INFLUENCE_CACHE_DIR``): load, validate, score, rank, write the snapshot;
   - the methodology loop: the same command again with ``--methodology`` a file it has never seen
     (the default methodology copied under another name), which maps the snapshot;
   - ``python -c <import duckdb; run duckdb_rank.sql; write CSV>`` over the same files (the
     headline comparison);
   - the same, after ``duckdb_checks.sql``: DuckDB also checks the contract's row rules first
     and refuses the data when one fails, as ``influence`` does (a fairer second comparison);
3. checks that the outputs agree on (org_id, rank, score, posts, active_members, members);
4. prints a Markdown table and writes ``benchmarks/results/bench_rank.json`` and ``.md``.

Exit status: 0 when every run succeeded and every comparison agreed, 1 otherwise. The targets of
issue 10 (see :data:`RATIO_TARGETS`, and a first-run peak under 1.5 GB at 10^7 posts) are reported,
not enforced.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_rank.py --sizes 1e5 1e6 --repeat 3``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from decimal import Decimal, InvalidOperation
from importlib import metadata
from pathlib import Path

import bench_data

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
SQL_FILE = HERE / "duckdb_rank.sql"
CHECKS_FILE = HERE / "duckdb_checks.sql"
COLUMNS = ["rank", "org_id", "name", "segment", "score", "engagement", "posts", "active_members", "members"]
COMPARED = ["org_id", "rank", "score", "posts", "active_members", "members"]
TARGET_SIZE = 10_000_000
SMALL_SIZE = 100_000
TARGET_PEAK_MB = 1500.0  # 1.5 GB, in 10^6 bytes
ENGAGEMENT_FILE = ROOT / "influence_lib" / "data" / "methodologies" / "engagement.yml"

# What the DuckDB subprocess runs: interpreter start, import duckdb, one query, CSV written.
DUCKDB_SCRIPT = """\
import sys
import duckdb
data, sector, start, end, out, sql_file = sys.argv[1:]
query = open(sql_file, encoding="utf-8").read()
for key, value in {"data": data, "sector": sector, "start": start, "end": end}.items():
    query = query.replace("{" + key + "}", value.replace("'", "''"))
con = duckdb.connect()
con.execute("COPY (" + query + ") TO '" + out.replace("'", "''") + "' (FORMAT csv, HEADER)")
"""

# The same, after counting the rows that break each rule of the contract (duckdb_checks.sql);
# any such row refuses the data (exit status 1), as `influence rank` does by default.
DUCKDB_CHECKED_SCRIPT = """\
import json
import sys
import duckdb
data, sector, start, end, out, sql_file, checks_file, lists = sys.argv[1:]
values = {"data": data, "sector": sector, "start": start, "end": end}
def fill(query, values):
    for key, value in values.items():
        query = query.replace("{" + key + "}", value)
    return query
values = {key: value.replace("'", "''") for key, value in values.items()}
con = duckdb.connect()
checks = con.execute(fill(open(checks_file, encoding="utf-8").read(), {**values, **json.loads(lists)}))
counts = dict(zip([d[0] for d in checks.description], checks.fetchone()))
errors = {rule: n for rule, n in counts.items() if n and not rule.endswith("_warning")}
if errors:
    sys.exit(f"data refused, rows breaking a rule: {errors}")
query = fill(open(sql_file, encoding="utf-8").read(), values)
con.execute("COPY (" + query + ") TO '" + out.replace("'", "''") + "' (FORMAT csv, HEADER)")
"""

# The choices of the contract (DATA_AND_METHOD.md section 1) and the keys of the benchmark's
# dataset.yml, as SQL lists for duckdb_checks.sql.
CHOICES = {
    "kinds": ["original", "repost", "reply", "quote"],
    "formats": ["text", "image", "video", "article", "document", "poll", "link", "other"],
    "platforms": ["linkedin", "twitter", "bluesky"],
    "role_categories": ["ceo", "chair", "finance", "medical", "research", "commercial", "hr", "communication",
                        "digital", "operations", "legal", "other"],
    "genders": ["f", "m", "x"],
}


def sql_lists() -> dict[str, str]:
    """The placeholders of duckdb_checks.sql that hold lists, as SQL: ``('a', 'b')``."""
    def as_sql(items):
        return "(" + ", ".join("'" + item.replace("'", "''") + "'" for item in items) + ")"
    lists = {name: as_sql(items) for name, items in CHOICES.items()}
    lists["sectors"] = as_sql([bench_data.SECTOR])
    lists["pairs"] = as_sql([f"{bench_data.SECTOR}/{key}" for key, *_ in bench_data.SEGMENTS])
    return lists


# --------------------------------------------------------------------------------------------
# running and measuring a subprocess

def influence_command(log=print) -> list[str]:
    """The console script next to this interpreter, or ``python -m influence_lib.cli`` when it is
    missing or broken (e.g. a stale editable install); says which one is used."""
    module = [sys.executable, "-m", "influence_lib.cli"]
    script = Path(sys.executable).parent / "influence"  # do not resolve: keep the venv's bin
    if not (script.is_file() and os.access(script, os.X_OK)):
        log(f"note: no console script at {script}; timing {' '.join(module)}")
        return module
    probe = subprocess.run([str(script), "--help"], capture_output=True, text=True, cwd=ROOT)
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["(no message)"])[-1]
        log(f"WARNING: {script} --help fails ({last}); timing {' '.join(module)} instead "
            "(reinstall the package: .venv/bin/pip install -e .)")
        return module
    return [str(script)]


def stderr_tail(path: Path, lines: int = 15) -> str:
    """The last lines of a failed run's stderr, indented for the log."""
    tail = path.read_text(errors="replace").strip().splitlines()[-lines:]
    return "\n    " + "\n    ".join(tail)


# Each measured command runs under this small launcher, itself started with ``python -I -S``: it
# forks, execs the command, reaps it with os.wait4 and writes the child's own figures to the file
# descriptor it was given. Why not wait4 from here: Linux carries a process's peak RSS across
# fork and exec (at exec it keeps the larger of its own and the replaced memory's high-water
# mark), so a child of this harness reports at least the harness's own peak, which grows to
# gigabytes when it writes a 10^7-post dataset. Every command then showed that same figure. The
# launcher's memory is a bare interpreter's (7 MB here), so that floor is below any measured
# command's own peak. The timeout is the launcher's too, so a killed command is still measured.
LAUNCHER = """\
import os, signal, sys, time
fd, timeout, cmd = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.close(fd)
    try:
        os.execvp(cmd[0], cmd)
    except OSError as exc:
        os.write(2, f"launcher: cannot run {cmd[0]}: {exc}\\n".encode())
    os._exit(127)
timed_out = []
def kill(signum, frame):
    timed_out.append(1)
    os.kill(pid, signal.SIGKILL)
signal.signal(signal.SIGALRM, kill)
signal.alarm(timeout)
_, status, usage = os.wait4(pid, 0)
signal.alarm(0)
seconds = time.perf_counter() - t0
report = (os.waitstatus_to_exitcode(status), seconds, usage.ru_maxrss, usage.ru_utime, usage.ru_stime, len(timed_out))
os.write(fd, " ".join(map(repr, report)).encode())
"""


def run_measured(cmd: list[str], stdout_path: Path, stderr_path: Path, timeout: float, env: dict | None = None) -> dict:
    """Run ``cmd`` under :data:`LAUNCHER`: wall time from spawn to reaping, the child's own peak RSS, exit status."""
    read_fd, write_fd = os.pipe()
    try:
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            launcher = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", LAUNCHER, str(write_fd), str(max(1, round(timeout)))] + cmd,
                stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=ROOT, pass_fds=(write_fd,), env=env)
            os.close(write_fd)
            write_fd = None
            with os.fdopen(read_fd, "rb") as pipe:
                read_fd = None
                report = pipe.read().decode().split()
            launcher_status = launcher.wait()
    finally:
        for fd in (read_fd, write_fd):
            if fd is not None:
                os.close(fd)
    if len(report) != 6:  # the launcher itself failed: its message is in the stderr file
        return {"seconds": None, "peak_mb": None, "returncode": launcher_status or 1, "timed_out": False,
                "user_s": None, "sys_s": None}
    returncode, seconds, maxrss_kib, user_s, sys_s, timed_out = report
    return {
        "seconds": float(seconds),
        "peak_mb": int(maxrss_kib) * 1024 / 1e6,  # ru_maxrss is in KiB on Linux
        "returncode": int(returncode),
        "timed_out": timed_out == "1",
        "user_s": float(user_s),
        "sys_s": float(sys_s),
    }


# --------------------------------------------------------------------------------------------
# comparing outputs

def _number(text: str):
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return text.strip()
    return int(value) if value == value.to_integral_value() else value


def read_ranking(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def compare(influence_csv: Path, duckdb_csv: Path) -> dict:
    """Same header, same (org_id, rank, score, posts, active_members, members) rows; same order?"""
    problems: list[str] = []
    try:
        header_i, rows_i = read_ranking(influence_csv)
        header_d, rows_d = read_ranking(duckdb_csv)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return {"ok": False, "order_identical": False, "problems": [f"cannot read outputs: {exc}"]}
    if header_i != COLUMNS:
        problems.append(f"influence header {header_i} != {COLUMNS}")
    missing = [c for c in COMPARED if c not in header_i]
    if missing:
        problems.append(f"influence output lacks columns {missing}")
        return {"ok": False, "order_identical": False, "problems": problems}

    def key(row):
        return tuple(row["org_id"] if c == "org_id" else _number(row[c]) for c in COMPARED)

    set_i = {key(r) for r in rows_i}
    set_d = {key(r) for r in rows_d}
    if len(rows_i) != len(rows_d):
        problems.append(f"{len(rows_i)} rows from influence, {len(rows_d)} from duckdb")
    if len(set_i) != len(rows_i):
        problems.append(f"influence output has {len(rows_i) - len(set_i)} duplicated rows")
    only_i, only_d = sorted(set_i - set_d), sorted(set_d - set_i)
    if only_i or only_d:
        problems.append(f"{len(only_i)} rows only in influence, {len(only_d)} only in duckdb "
                        f"(columns {', '.join(COMPARED)})")
        by_org_d = {k[0]: k for k in only_d}
        for k in only_i[:5]:
            problems.append(f"  influence {k}  duckdb {by_org_d.get(k[0], '(absent)')}")
    order_i = [r["org_id"] for r in rows_i]
    order_d = [r["org_id"] for r in rows_d]
    first_diff = next((i for i, (a, b) in enumerate(zip(order_i, order_d)) if a != b), None)
    return {
        "ok": not problems,
        "rows": len(rows_i),
        "order_identical": order_i == order_d,
        "first_order_difference": None if first_diff is None else {
            "line": first_diff + 2, "influence": rows_i[first_diff], "duckdb": rows_d[first_diff]},
        "problems": problems,
    }


# --------------------------------------------------------------------------------------------
# context

def machine_info() -> dict:
    try:
        nproc = int(subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout)
    except (OSError, subprocess.CalledProcessError, ValueError):
        nproc = len(os.sched_getaffinity(0))
    cpu = ""
    mem_gb = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) * 1024 / 1e9, 1)
    except OSError:
        pass
    return {"nproc": nproc, "cpu_count": os.cpu_count(), "cpu_model": cpu, "memory_gb": mem_gb,
            "platform": platform.platform(), "python": platform.python_version()}


def versions() -> dict:
    out = {}
    for dist in ["influence", "pandas", "numpy", "pyarrow", "duckdb", "pandera", "pydantic"]:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


# --------------------------------------------------------------------------------------------
# report

def fmt_s(x):
    return "—" if x is None else f"{x:.2f}"


def fmt_mb(x):
    return "—" if x is None else f"{x:,.0f}"


def markdown(report: dict) -> str:
    m, v = report["machine"], report["versions"]
    lines = [
        "# `influence rank` vs one DuckDB query",
        "",
        f"{report['finished_at']} · {m['nproc']} CPU ({m['cpu_model']}) · {m['memory_gb']} GB RAM · "
        f"Python {m['python']} · influence {v['influence']} · pandas {v['pandas']} · "
        f"pyarrow {v['pyarrow']} · duckdb {v['duckdb']} · median of {report['repeat']} runs, "
        "process start to finish",
        "",
        "| posts | organisations | first run (s) | loop (s) | duckdb (s) | duckdb+checks (s) | first / duckdb "
        "| first / duckdb+checks | loop / duckdb | first run peak (MB) | loop peak (MB) | duckdb peak (MB) "
        "| duckdb+checks peak (MB) | same results |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|",
    ]

    def ratio(x):
        return "—" if x is None else f"{x:.2f}"

    for r in report["results"]:
        i, lo, d, c = r["influence"], r["loop"], r["duckdb"], r["duckdb_checked"]
        failed = [f"{name} {r[name]['error']}" for name in ("influence", "loop", "duckdb", "duckdb_checked")
                  if r[name].get("error")]
        checks = [x for x in (r["check"], r["loop_check"]) if x is not None]
        same = "; ".join(failed) if failed else ("not checked" if not checks else
                                                 "yes" if all(x["ok"] for x in checks) else "**FAIL**")
        lines.append(
            f"| {r['n_posts']:,} | {r['rows']['organizations']:,} | {fmt_s(i.get('median_s'))} | "
            f"{fmt_s(lo.get('median_s'))} | {fmt_s(d.get('median_s'))} | {fmt_s(c.get('median_s'))} | "
            f"{ratio(r['ratio'])} | {ratio(r['ratio_checked'])} | {ratio(r['loop_ratio'])} | "
            f"{fmt_mb(i.get('peak_mb'))} | {fmt_mb(lo.get('peak_mb'))} | {fmt_mb(d.get('peak_mb'))} | "
            f"{fmt_mb(c.get('peak_mb'))} | {same} |")
    lines += [
        "",
        "First run: files never seen (an empty snapshot folder): read, validate every rule, score, rank, "
        "and write the validated snapshot. Loop: the next run on the same files with a methodology file it "
        "has never seen (the default methodology under another name, so that its output is checked "
        "against DuckDB's too): the snapshot is mapped instead of the files read and checked. "
        "`duckdb+checks`: DuckDB also counts, first, the rows that break each rule of the data contract "
        "(duckdb_checks.sql) and refuses the data if any does, as `influence` does.",
        "",
    ]
    for t in report["targets"]:
        lines.append(f"- {t['text']}")
    lines.append("")
    return "\n".join(lines)


# (what, size, ratio key, bound): the targets of issue 10, items 1 and 2
RATIO_TARGETS = [
    ("first run / duckdb+checks", TARGET_SIZE, "ratio_checked", 1.0),
    ("first run / duckdb", TARGET_SIZE, "ratio", 2.0),
    ("first run / duckdb", SMALL_SIZE, "ratio", 2.0),
    ("methodology loop / duckdb", SMALL_SIZE, "loop_ratio", 1.0),
    ("methodology loop / duckdb", TARGET_SIZE, "loop_ratio", 1.0),
]


def targets(results: list[dict]) -> list[dict]:
    """Each target of the issue: MET, NOT MET, or not measured (size not run, a run failed)."""
    by_size = {r["n_posts"]: r for r in results}
    out = []
    for what, size, key, bound in RATIO_TARGETS:
        value = by_size.get(size, {}).get(key)
        met = None if value is None else value <= bound
        out.append({"name": f"{key}@{size}", "met": met, "value": value, "target": bound,
                    "text": f"{what} <= {bound} at {size:,} posts: "
                            + ("not measured" if met is None else f"{value:.2f} → {'MET' if met else 'NOT MET'}")})
    at = by_size.get(TARGET_SIZE, {})
    peak = at.get("influence", {}).get("peak_mb")
    met = None if peak is None or at["influence"].get("error") else peak < TARGET_PEAK_MB
    out.append({"name": "peak_memory", "met": met, "value": peak, "target": TARGET_PEAK_MB,
                "text": f"first run peak memory < {TARGET_PEAK_MB:,.0f} MB at {TARGET_SIZE:,} posts: "
                        + ("not measured" if met is None else f"{peak:,.0f} MB → {'MET' if met else 'NOT MET'}")})
    return out


# --------------------------------------------------------------------------------------------

def summarise(runs: list[dict]) -> dict:
    if not runs:
        return {"runs": []}
    ok = [r for r in runs if r["returncode"] == 0]
    out = {"runs": runs}
    if len(ok) == len(runs):
        out["median_s"] = statistics.median(r["seconds"] for r in runs)
        out["min_s"] = min(r["seconds"] for r in runs)
    peaks = [r["peak_mb"] for r in runs if r["peak_mb"] is not None]
    out["peak_mb"] = max(peaks) if peaks else None
    return out


def bench_size(n: int, args, log) -> dict:
    folder = bench_data.ensure_dataset(n, args.seed, force=args.regenerate, log=log)
    stamp = json.loads((bench_data.DATA_ROOT / f"{n}.json").read_text())
    work = RESULTS / "runs" / str(n)
    work.mkdir(parents=True, exist_ok=True)
    influence_cmd = args.influence_cmd + ["rank", "--data", str(folder), "--sector", bench_data.SECTOR,
                                           "--format", "csv"]
    duckdb_cmd = [sys.executable, "-c", DUCKDB_SCRIPT, str(folder), bench_data.SECTOR,
                  bench_data.START, bench_data.END, str(work / "duckdb.csv"), str(SQL_FILE)]
    checked_cmd = [sys.executable, "-c", DUCKDB_CHECKED_SCRIPT, str(folder), bench_data.SECTOR,
                   bench_data.START, bench_data.END, str(work / "duckdb_checked.csv"), str(SQL_FILE),
                   str(CHECKS_FILE), json.dumps(sql_lists())]
    # The methodology loop: the same data, already validated (the first run left its snapshot), and a
    # methodology file the command has never seen: the default methodology copied under another name,
    # so that its output must still equal DuckDB's.
    loop_file = work / "methodology-loop.yml"
    loop_file.write_text(ENGAGEMENT_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    loop_cmd = influence_cmd + ["--methodology", str(loop_file)]
    runs = {"influence": [], "loop": [], "duckdb": [], "duckdb_checked": []}
    errors: dict[str, str] = {}
    checks: dict[str, dict] = {}

    def measure(name, cmd, out, env=None):
        r = run_measured(cmd, work / out, work / f"{name}.stderr", args.timeout, env)
        runs[name].append(r)
        if r["returncode"] != 0:
            errors[name] = "timed out" if r["timed_out"] else f"exit status {r['returncode']}"
            log(f"  {name} FAILED ({errors[name]}); stderr ends with:" + stderr_tail(work / f"{name}.stderr"))
            return False
        log(f"  run {rep + 1}: {name:<15} {r['seconds']:.2f} s, {r['peak_mb']:,.0f} MB")
        return True

    for rep in range(args.repeat):
        if not measure("duckdb", duckdb_cmd, "duckdb.stdout"):
            break
        if "duckdb_checked" not in errors and measure("duckdb_checked", checked_cmd, "duckdb_checked.stdout"):
            same = compare(work / "duckdb_checked.csv", work / "duckdb.csv")
            if not same["ok"]:
                errors["duckdb_checked"] = "output differs from duckdb's"
                log("  FAIL: duckdb+checks output differs:\n    " + "\n    ".join(same["problems"]))
        if args.skip_influence or "influence" in errors or "loop" in errors:
            continue
        cache = Path(tempfile.mkdtemp(prefix="snapshots-", dir=work))  # files never seen: no snapshot yet
        env = {**os.environ, "INFLUENCE_CACHE_DIR": str(cache)}
        try:
            for name, cmd in (("influence", influence_cmd), ("loop", loop_cmd)):
                if not measure(name, cmd, f"{name}.csv", env):
                    break
                checks[name] = compare(work / f"{name}.csv", work / "duckdb.csv")
                if not checks[name]["ok"]:
                    errors[name] = "output differs from duckdb's"
                    log(f"  FAIL: {name} output differs:\n    " + "\n    ".join(checks[name]["problems"]))
                    break
        finally:
            shutil.rmtree(cache, ignore_errors=True)
    summary = {name: summarise(found) for name, found in runs.items()}
    for name, error in errors.items():
        summary[name]["error"] = error

    def ratio(a, b):
        x, y = summary[a].get("median_s"), summary[b].get("median_s")
        return None if not x or not y or a in errors or b in errors else x / y

    return {"n_posts": n, "data": str(folder.relative_to(ROOT)), "rows": stamp["rows"],
            "data_mb": round(stamp["bytes"] / 1e6, 1), "commands": {"influence": influence_cmd, "loop": loop_cmd,
            "duckdb": duckdb_cmd[:2] + ["<DUCKDB_SCRIPT>"] + duckdb_cmd[3:],
            "duckdb_checked": checked_cmd[:2] + ["<DUCKDB_CHECKED_SCRIPT>"] + checked_cmd[3:]},
            **summary, "check": checks.get("influence"), "loop_check": checks.get("loop"),
            "ratio": ratio("influence", "duckdb"), "ratio_checked": ratio("influence", "duckdb_checked"),
            "loop_ratio": ratio("loop", "duckdb")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="example: .venv/bin/python benchmarks/bench_rank.py --sizes 1e5 1e6 --repeat 1")
    parser.add_argument("--sizes", nargs="+", type=bench_data.parse_size, default=[10**5, 10**6, 10**7],
                        metavar="N", help="numbers of posts (default: 1e5 1e6 1e7)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool and size; the median is reported (default 3)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a run is killed (default 1800)")
    parser.add_argument("--regenerate", action="store_true", help="rewrite the datasets even when present")
    parser.add_argument("--skip-influence", action="store_true", help="time DuckDB only (to test the harness)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")

    def log(msg):
        print(msg, flush=True)

    started = dt.datetime.now(dt.timezone.utc)
    args.influence_cmd = [] if args.skip_influence else influence_command(log)
    results = []
    for n in args.sizes:
        log(f"== {n:,} posts")
        results.append(bench_size(n, args, log))
    report = {
        "benchmark": "influence rank vs DuckDB (default methodology, whole sector)",
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "versions": versions(),
        "seed": args.seed,
        "repeat": args.repeat,
        "sector": bench_data.SECTOR,
        "edition": bench_data.EDITION,
        "period": [bench_data.START, bench_data.END],
        "results": results,
        # This process's own peak: before the launcher, every child reported at least this.
        "harness_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6,
    }
    report["targets"] = targets(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_rank.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n",
                                             encoding="utf-8")
    text = markdown(report)
    (RESULTS / "bench_rank.md").write_text(text, encoding="utf-8")
    print()
    print(text)
    print(f"written: {(RESULTS / 'bench_rank.json').relative_to(ROOT)}, {(RESULTS / 'bench_rank.md').relative_to(ROOT)}")

    failed = [r for r in results if any(r[name].get("error") for name in ("influence", "loop", "duckdb_checked"))
              or len(r["duckdb"]["runs"]) < args.repeat or "median_s" not in r["duckdb"]]
    if failed:
        print("FAIL: " + ", ".join(f"{r['n_posts']:,} posts" for r in failed)
              + " (see the messages above and benchmarks/results/runs/<n>/*.stderr)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
