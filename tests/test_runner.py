"""The report runner's safety: inputs never overwritten, Ctrl-C, stale staging, one writer, verify, no paths, no texts.

Fast tests use the hand-made dataset of conftest.py (refused before any notebook starts); the
slow ones run real ``influence`` processes on the sector ``energie`` of the sample.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from influence_lib.cli import main
from influence_lib.dataset import SAMPLE_DIR
from influence_lib.export import write_json
from influence_lib.outputs import ReportLock, checksum_files, lock_path, pid_alive, remove_stale_staging
from tests.conftest import ACCOUNTS, MEMBERS, ORGS, POSTS
from tests.helpers import write_dataset

ROOT = Path(__file__).resolve().parent.parent
INFLUENCE = Path(sys.executable).with_name("influence")
SECTOR = "energie"


@pytest.fixture
def run(capsys):
    """Run ``influence ARGS`` in-process; return (exit status, stdout, stderr). Never a traceback."""
    def _run(*args):
        try:
            status = main([str(a) for a in args])
        except SystemExit as exc:
            status = exc.code
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return status, out, err
    return _run


@pytest.fixture
def data(tmp_path):
    """A copy of the hand-made dataset that a test may try to destroy."""
    return write_dataset(tmp_path / "data", ORGS, MEMBERS, ACCOUNTS, POSTS)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not pid_alive(child.pid)
    return child.pid


# --- outputs never overwrite, replace or hold an input -------------------------------------------

@pytest.mark.parametrize("target", ["posts.csv", "dataset.yml", "posts.parquet", "."])
def test_rejected_cannot_be_an_input(run, data, target):
    before = _snapshot(data)
    status, out, err = run("rank", "--data", data, "--sector", "sante", "--on-error", "reject",
                           "--rejected", data / target)
    assert status == 2, err
    assert "--rejected" in err and "an input of this run" in err
    assert _snapshot(data) == before
    assert out == ""


def test_rejected_cannot_be_a_hard_link_to_an_input(run, data, tmp_path):
    link = tmp_path / "elsewhere.csv"
    os.link(data / "posts.csv", link)
    before = _snapshot(data)
    status, _, err = run("summary", "--data", data, "--sector", "sante", "--on-error", "reject", "--rejected", link)
    assert status == 2 and "the dataset's table posts.csv" in err
    assert _snapshot(data) == before


def test_rejected_elsewhere_is_written(run, data, tmp_path):
    status, _, err = run("rank", "--data", data, "--sector", "sante", "--on-error", "reject",
                         "--rejected", tmp_path / "rejected.csv")
    assert status == 0, err
    assert (tmp_path / "rejected.csv").is_file()


@pytest.mark.parametrize("command", ["report", "batch"])
def test_report_out_cannot_hold_the_dataset(run, tmp_path, command):
    out = tmp_path / "out"
    data = write_dataset(out / "sante" / "2021" / "data", ORGS, MEMBERS, ACCOUNTS, POSTS)
    before = _snapshot(data)
    sector = ["--sector", "sante"] if command == "report" else ["--sectors", "sante"]
    status, _, err = run(command, "--data", data, *sector, "--out", out, "--no-progress")
    assert status == 2, err
    assert "would replace a folder that holds the dataset folder" in err
    assert _snapshot(data) == before
    assert sorted(p.name for p in (out / "sante" / "2021").iterdir()) == ["data"]


def test_report_out_cannot_be_the_dataset(run, tmp_path):
    data = write_dataset(tmp_path / "sante" / "2021", ORGS, MEMBERS, ACCOUNTS, POSTS)
    before = _snapshot(data)
    status, _, err = run("report", "--data", data, "--sector", "sante", "--out", tmp_path, "--no-progress")
    assert status == 2 and "is the dataset folder" in err
    assert _snapshot(data) == before


def test_report_out_cannot_hold_the_methodology(run, data, tmp_path):
    methodology = tmp_path / "out" / "sante" / "2021" / "methodology.yml"
    methodology.parent.mkdir(parents=True)
    methodology.write_text("name: mine\nversion: 1\n", encoding="utf-8")
    status, _, err = run("report", "--data", data, "--sector", "sante", "--out", tmp_path / "out",
                         "--methodology", methodology, "--no-progress")
    assert status == 2 and "the methodology file" in err
    assert methodology.read_text(encoding="utf-8") == "name: mine\nversion: 1\n"


@pytest.mark.parametrize("command", ["report", "batch"])
def test_report_rejected_cannot_be_an_input_or_in_the_report(run, data, tmp_path, command):
    sector = ["--sector", "sante"] if command == "report" else ["--sectors", "sante"]
    before = _snapshot(data)
    common = [command, "--data", data, *sector, "--out", tmp_path / "out", "--no-progress", "--on-error", "reject"]
    status, _, err = run(*common, "--rejected", data / "members.csv")
    assert status == 2 and "the dataset's table members.csv" in err
    status, _, err = run(*common, "--rejected", tmp_path / "out" / "sante" / "2021" / "rejected.csv")
    assert status == 2 and "inside the report folder" in err
    assert _snapshot(data) == before
    assert not (tmp_path / "out").exists()


def test_rejected_needs_on_error_reject(run, data, tmp_path):
    status, _, err = run("batch", "--data", data, "--out", tmp_path, "--rejected", tmp_path / "r.csv")
    assert status == 2 and "--rejected goes with --on-error reject" in err


def test_synth_refuses_to_overwrite_another_dataset(run, data):
    before = _snapshot(data)
    status, _, err = run("synth", "--out", data, "--scale", "0.01")
    assert status == 2 and "holds a dataset that synth did not write" in err
    assert _snapshot(data) == before


def test_synth_rewrites_its_own_dataset(run, tmp_path):
    assert run("synth", "--out", tmp_path / "s", "--scale", "0.02")[0] == 0
    first = _snapshot(tmp_path / "s")
    status, _, err = run("synth", "--out", tmp_path / "s", "--scale", "0.02")
    assert status == 0, err
    assert _snapshot(tmp_path / "s") == first
    from influence_lib import synth
    from influence_lib.outputs import check_synth_folder
    check_synth_folder(SAMPLE_DIR, synth.dataset_settings_dict())  # `make sample` rewrites the sample


# --- stale staging, one writer -------------------------------------------------------------------

def test_stale_staging_of_dead_runs_removed_live_ones_kept(tmp_path):
    target = tmp_path / "sante" / "2021"
    target.mkdir(parents=True)
    (target / "report.html").write_text("previous", encoding="utf-8")
    dead, live = _dead_pid(), os.getppid()
    for name in (f".2021.tmp-{dead}", f".2021.old-{dead}", f".2021.tmp-{live}", f".2020.tmp-{dead}"):
        (target.parent / name / "tables").mkdir(parents=True)
    removed = remove_stale_staging(target)
    assert sorted(p.name for p in removed) == [f".2021.old-{dead}", f".2021.tmp-{dead}"]
    assert sorted(p.name for p in target.parent.iterdir()) == [f".2020.tmp-{dead}", f".2021.tmp-{live}", "2021"]
    assert (target / "report.html").read_text(encoding="utf-8") == "previous"


def test_backup_of_a_run_killed_during_the_swap_is_put_back(tmp_path):
    target = tmp_path / "sante" / "2021"
    backup = target.with_name(f".2021.old-{_dead_pid()}")
    backup.mkdir(parents=True)
    (backup / "report.html").write_text("previous", encoding="utf-8")
    remove_stale_staging(target)
    assert (target / "report.html").read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in target.parent.iterdir()) == ["2021"]


def test_lock_refuses_a_second_holder_and_is_removed_on_release(tmp_path):
    target = tmp_path / "sante" / "2021"
    first, second = ReportLock(target), ReportLock(target)
    first.acquire()
    assert lock_path(target).read_text(encoding="ascii") == f"{os.getpid()}\n"
    with pytest.raises(Exception, match=rf"being written by another run \(pid {os.getpid()}\)"):
        second.acquire()
    first.release()
    assert not lock_path(target).exists()
    second.acquire()
    second.release()
    first.release()  # twice is harmless


def test_second_run_refused_or_waits_while_the_folder_is_locked(data, tmp_path):
    """A run holding the lock (here this test) makes `report` refuse, or wait with --wait until Ctrl-C."""
    out = tmp_path / "out"
    lock = ReportLock((out / "sante" / "2021").resolve())
    lock.acquire()
    try:
        args = [INFLUENCE, "report", "--data", data, "--sector", "sante", "--out", out, "--no-progress"]
        refused = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120)
        assert refused.returncode == 1
        assert refused.stderr == (f"error: {out.resolve() / 'sante' / '2021'} is being written by another run "
                                  f"(pid {os.getpid()}): wait for it to end, or pass --wait to start when it is done\n")
        waiting = _start([*args, "--wait"])
        assert "waiting for the run (pid" in waiting.stderr.readline()
        waiting.send_signal(signal.SIGINT)
        _, err = waiting.communicate(timeout=60)
        assert waiting.returncode == 130
        assert err == "interrupted before any notebook started: nothing written\n"
        assert sorted(p.name for p in (out / "sante").iterdir()) == [".2021.lock"]  # ours
    finally:
        lock.release()


# --- verify --------------------------------------------------------------------------------------

def _folder_with_manifest(folder: Path) -> Path:
    (folder / "tables").mkdir(parents=True)
    (folder / "tables" / "a.csv").write_text("x\n1\n", encoding="utf-8")
    (folder / "report.html").write_text("<p>ok</p>\n", encoding="utf-8")
    write_json({"package": "influence", "files": checksum_files(folder)}, folder / "manifest.json")
    return folder


def test_verify_matching_folder(run, tmp_path):
    folder = _folder_with_manifest(tmp_path / "r")
    status, out, err = run("verify", folder)
    assert (status, out, err) == (0, f"{folder}: 2 files match manifest.json\n", "")


def test_verify_names_missing_changed_and_unlisted_files(run, tmp_path):
    folder = _folder_with_manifest(tmp_path / "r")
    (folder / "tables" / "a.csv").write_text("x\n2\n", encoding="utf-8")
    (folder / "report.html").unlink()
    (folder / "tables" / "extra.csv").write_text("y\n", encoding="utf-8")
    status, out, err = run("verify", folder)
    assert status == 1
    assert out == "missing   report.html\nchanged   tables/a.csv\nunlisted  tables/extra.csv\n"
    assert "3 files differ from manifest.json (1 missing, 1 changed, 1 unlisted); 0 match" in err


def test_verify_refuses_what_it_cannot_check(run, tmp_path):
    assert run("verify", tmp_path / "nowhere")[0] == 2
    status, _, err = run("verify", tmp_path)
    assert status == 1 and "manifest.json: no such file" in err
    write_json({"package": "influence", "parameters": {}}, tmp_path / "manifest.json")
    status, _, err = run("verify", tmp_path)
    assert status == 1 and "lists no file checksums" in err
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    assert run("verify", tmp_path)[0] == 1


def test_verify_help_has_an_example(run):
    status, out, _ = run("verify", "--help")
    assert status == 0 and "influence verify outputs/sante/2021" in out


# --- real runs: interruptions --------------------------------------------------------------------

def _start(args) -> subprocess.Popen:
    # Ctrl-C reaches a foreground process with SIGINT handled by default; a child of a test runner
    # may inherit SIGINT ignored, so it is restored as a terminal would have it.
    return subprocess.Popen([str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _wait_for_kernels(process: subprocess.Popen, out: Path, n: int = 1, timeout: float = 240) -> list[int]:
    """Wait until a notebook was written in a staging folder and ``n`` kernels run; return their pids."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        kernels = [p for p in _children(process.pid) if "ipykernel" in _cmdline(p)]
        if list(out.glob("*/.*.tmp-*/notebooks/*.ipynb")) and len(kernels) >= n:
            return kernels
        time.sleep(0.2)
    raise AssertionError("no notebook started")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.slow
def test_ctrl_c_stops_report_at_once_and_a_second_run_is_refused(tmp_path):
    out = tmp_path / "out"
    previous = out / SECTOR / "2021"
    previous.mkdir(parents=True)
    (previous / "report.html").write_text("previous complete edition", encoding="utf-8")
    first = _start([INFLUENCE, "report", "--sector", SECTOR, "--out", out, "--jobs", "2", "--no-progress"])
    kernels = _wait_for_kernels(first, out, n=2)
    # the same report folder, meanwhile: refused at once, naming the run that writes it
    second = subprocess.run([str(INFLUENCE), "report", "--sector", SECTOR, "--out", str(out), "--no-progress"],
                            capture_output=True, text=True, timeout=120)
    assert second.returncode == 1
    assert f"is being written by another run (pid {first.pid})" in second.stderr
    assert first.poll() is None
    first.send_signal(signal.SIGINT)
    stdout, stderr = first.communicate(timeout=60)
    assert first.returncode == 130
    assert stdout == ""
    assert re.fullmatch(r"interrupted: [12] notebooks? stopped, [3-6] not started, nothing written\n", stderr), stderr
    assert sorted(p.name for p in (out / SECTOR).iterdir()) == ["2021"]  # no staging, no lock, no backup
    assert (previous / "report.html").read_text(encoding="utf-8") == "previous complete edition"
    assert [p for p in kernels if pid_alive(p)] == []


@pytest.mark.slow
@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_or_sigterm_stops_a_batch(tmp_path, signum, status):
    out = tmp_path / "out"
    batch = _start([INFLUENCE, "batch", "--sectors", SECTOR, "banque-assurance", "--out", out, "--no-progress"])
    kernels = _wait_for_kernels(batch, out)
    batch.send_signal(signum)
    stdout, stderr = batch.communicate(timeout=60)
    assert batch.returncode == status and stdout == ""
    assert re.fullmatch(r"interrupted: [12] notebooks? stopped, \d+ not started, nothing written\n", stderr), stderr
    assert sorted(p.name for p in out.rglob("*")) == ["banque-assurance", SECTOR]
    assert [p for p in kernels if pid_alive(p)] == []


# --- real runs: batch --on-error reject, --no-texts, stale staging, verify, no local paths ------

@pytest.fixture(scope="module")
def bad_data(tmp_path_factory):
    """The sample with one post whose likes are negative."""
    data = tmp_path_factory.mktemp("bad") / "my-dataset"
    shutil.copytree(SAMPLE_DIR, data)
    posts = data / "posts.csv"
    lines = posts.read_text(encoding="utf-8").split("\n")
    header, bad = lines[0].split(","), lines[1].split(",")
    bad[header.index("likes")] = "-5"
    lines[1] = ",".join(bad)
    posts.write_text("\n".join(lines), encoding="utf-8")
    return data


def _cli(*args, timeout=900):
    return subprocess.run([str(INFLUENCE), *map(str, args)], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def batch_reject(bad_data, tmp_path_factory):
    """``batch --on-error reject --rejected FILE`` of one sector, with the post texts."""
    root = tmp_path_factory.mktemp("batch")
    done = _cli("batch", "--data", bad_data, "--sectors", SECTOR, "--out", root / "out", "--no-progress",
                "--on-error", "reject", "--rejected", root / "rejected.csv")
    return root, done


@pytest.fixture(scope="module")
def no_texts(bad_data, tmp_path_factory):
    """``report --no-texts --on-error reject`` of the same sector, over a stale staging folder of a killed run."""
    root = tmp_path_factory.mktemp("no-texts")
    stale = root / "out" / SECTOR / f".2021.tmp-{_dead_pid()}"
    (stale / "tables").mkdir(parents=True)
    done = _cli("report", "--data", bad_data, "--sector", SECTOR, "--out", root / "out", "--no-progress",
                "--on-error", "reject", "--no-texts")
    return root, done, stale


@pytest.mark.slow
def test_batch_refuses_bad_data_and_takes_on_error_reject(bad_data, batch_reject, tmp_path):
    refused = _cli("batch", "--data", bad_data, "--sectors", SECTOR, "--out", tmp_path, "--no-progress")
    assert refused.returncode == 1 and "pass --on-error reject" in refused.stderr
    assert list(tmp_path.iterdir()) == []
    root, done = batch_reject
    assert done.returncode == 0, done.stderr
    folder = root / "out" / SECTOR / "2021"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rows"]["posts"]["rejected"] == 1
    for path in (folder / "rejected-rows.csv", root / "rejected.csv"):
        rejected = pd.read_csv(path)
        assert rejected[["table", "file", "line"]].values.tolist() == [["posts", "my-dataset/posts.csv", 2]]
        assert "negative" in rejected.loc[0, "reasons"]


@pytest.mark.slow
def test_verify_a_report_then_tampered(batch_reject, tmp_path):
    root, done = batch_reject
    assert done.returncode == 0, done.stderr
    folder = root / "out" / SECTOR / "2021"
    ok = _cli("verify", folder, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    listed = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert {"report.html", "rankings.xlsx", "rejected-rows.csv", "notebooks/03_trends.ipynb"} <= set(listed)
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    ranking = copy / "tables" / "ranking_fournisseurs-energie.csv"
    ranking.write_bytes(ranking.read_bytes().replace(b"\n1,", b"\n2,", 1))
    (copy / "figures" / "top10.png").unlink()
    tampered = _cli("verify", copy, timeout=120)
    assert tampered.returncode == 1
    assert tampered.stdout == "missing   figures/top10.png\nchanged   tables/ranking_fournisseurs-energie.csv\n"


def _all_text(folder: Path) -> dict[str, str]:
    """Every output file as text (workbooks: their XML parts)."""
    texts = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                texts[path.name] = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        elif path.suffix == ".pdf":
            from pypdf import PdfReader

            reader = PdfReader(path)
            texts[path.name] = "".join(page.extract_text() or "" for page in reader.pages) + str(reader.metadata)
        elif path.is_file() and path.suffix != ".png":
            texts[path.relative_to(folder).as_posix()] = path.read_text(encoding="utf-8")
    return texts


@pytest.mark.slow
def test_outputs_hold_no_local_path(batch_reject, no_texts, bad_data):
    for root, done in (batch_reject, no_texts[:2]):
        assert done.returncode == 0, done.stderr
        folder = root / "out" / SECTOR / "2021"
        needles = [str(root), str(bad_data), str(ROOT), ".tmp-", str(Path.home())]
        for name, text in _all_text(folder).items():
            for needle in needles:
                assert needle not in text, f"{name} holds {needle}"
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["dataset"] == "my-dataset"
        assert manifest["parameters"]["data_dir"] == "my-dataset" and manifest["parameters"]["out_dir"] == "."
        assert manifest["inputs"]["posts"]["file"] == "posts.csv"
        executed = json.loads((folder / "notebooks" / "03_trends.ipynb").read_text(encoding="utf-8"))
        assert executed["metadata"]["papermill"]["parameters"]["data_dir"] == "my-dataset"
        assert executed["metadata"]["papermill"]["output_path"] == "notebooks/03_trends.ipynb"
        injected = [c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
        assert 'data_dir = "my-dataset"' in "".join(injected[0]["source"])
        assert "dossier my-dataset</footer>" in (folder / "report.html").read_text(encoding="utf-8")


def _words(text: str) -> str:
    """A post's text without its hashtags (``--no-texts`` keeps those for the hashtag tables)."""
    return re.sub(r"\s*#\w+", "", text).strip()


@pytest.mark.slow
def test_no_texts_leaves_post_texts_out_and_removes_stale_staging(batch_reject, no_texts):
    root, done = batch_reject
    assert done.returncode == 0, done.stderr
    with_texts = _all_text(root / "out" / SECTOR / "2021")
    # texts that the report shows when it may (the excerpts of the top posts): the check can fail
    shown = pd.read_csv(root / "out" / SECTOR / "2021" / "tables" / "top_posts.csv")["excerpt"].map(_words)
    known = sorted({t[:40] for t in shown if len(t) >= 20})
    assert known and all(any(t in text for text in with_texts.values()) for t in known)
    root, done, stale = no_texts
    assert done.returncode == 0, done.stderr
    folder = root / "out" / SECTOR / "2021"
    for name, text in _all_text(folder).items():
        for t in known:
            assert t not in text, f"{name} holds a post text: {t!r}"
    records = pd.read_csv(folder / "rejected-rows.csv")["record"].map(json.loads)
    assert len(records) == 1 and "text" not in records[0] and records[0]["post_id"]
    assert not stale.exists()
    assert sorted(p.name for p in (root / "out" / SECTOR).iterdir()) == ["2021"]


def test_interruption_line():
    from influence_lib.report import ReportInterrupted

    assert ReportInterrupted(2, 4).describe() == "interrupted: 2 notebooks stopped, 4 not started, nothing written"
    assert ReportInterrupted(1, 0, ["energie"]).describe() == \
        "interrupted: 1 notebook stopped, 0 not started, written before: energie"
    assert ReportInterrupted(when="before any notebook started").describe() == \
        "interrupted before any notebook started: nothing written"
    assert isinstance(ReportInterrupted(), KeyboardInterrupt)
