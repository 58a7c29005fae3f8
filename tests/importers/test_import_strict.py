"""Empty files and rows cut short: listed in the report, and refusals under ``--strict`` (exit 1, file and line)."""

from __future__ import annotations

import pytest

from tests.importers.conftest import FIXTURES, SCENARIOS


@pytest.mark.parametrize("fmt, name, content", [
    ("apify-linkedin", "dataset.json", b""),
    ("bluesky", "feed.json", b"\n  \n"),
    ("twarc2", "tweets.jsonl", b"\xef\xbb\xbf"),
    ("phantombuster-linkedin", "result.csv", b""),
    ("twarc-csv", "tweets.csv", b"\r\n"),
])
def test_an_empty_file_is_a_refusal_under_strict(run_import, tmp_path, fmt, name, content):
    empty = tmp_path / name
    empty.write_bytes(content)
    run = run_import(fmt, [str(empty)], "--strict")
    assert run.status == 1
    assert f"{name}:1: the file is empty" in run.err and len(run.err.strip().splitlines()) == 1
    assert not run.dataset.exists()
    run = run_import(fmt, [str(empty)])                                     # without --strict: listed, not fatal
    assert run.status == 0, run.err
    assert run.report()["file_problems"] == [{"file": name, "line": 1, "reason": run.report()["file_problems"][0]
                                              ["reason"]}]
    assert "Files with nothing to import:" in run.out


def test_an_empty_file_among_good_ones(run_import, tmp_path):
    empty = tmp_path / "page3.json"
    empty.write_text("", encoding="utf-8")
    s = SCENARIOS["bluesky"]
    run = run_import(s.format, s.paths() + [str(empty)], *s.args)
    assert run.status == 0 and len(run.posts()) == 8
    assert run_import(s.format, s.paths() + [str(empty)], *s.args, "--strict", out=run.dataset.parent / "s").status == 1


def _cut(source, target, keep_bytes):
    data = source.read_bytes()
    target.write_bytes(data[:keep_bytes])
    return target


def test_a_truncated_csv_row_is_refused_naming_its_line(run_import, tmp_path):
    source = FIXTURES / "phantombuster-linkedin" / "result.csv"
    text = source.read_text(encoding="utf-8")
    cut_at = text.index("Dispositifs médicaux")                 # inside the quoted postContent of line 11
    cut = _cut(source, tmp_path / "result_cut.csv", len(text[:cut_at].encode("utf-8")) + 5)
    run = run_import("phantombuster-linkedin", [str(cut)], "--strict")
    assert run.status == 1
    assert "result_cut.csv:11: 4 cell(s) where the header has 17" in run.err
    assert not run.dataset.exists()
    run = run_import("phantombuster-linkedin", [str(cut)])
    assert run.status == 0
    refused = [r for r in run.report()["refused"] if r["line"] == 11]
    assert len(refused) == 1 and "cut short" in refused[0]["reason"]
    assert all(not p.startswith("https://www.linkedin.com/pulse/dispositifs") for p in run.posts()["url"])


def test_a_short_row_in_the_middle_of_a_file(run_import, tmp_path):
    lines = (FIXTURES / "twarc-csv" / "tweets.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    short = ",".join(lines[2].split(",")[:10]) + "\n"                    # the row of line 3, its first ten cells
    path = tmp_path / "tweets.csv"
    path.write_text("".join(lines[:2] + [short] + lines[3:]), encoding="utf-8")
    run = run_import("twarc-csv", [str(path)])
    assert run.status == 0
    assert [(r["line"], r["reason"][:40]) for r in run.report()["refused"]] == [
        (3, "10 cell(s) where the header has 84: the ")]
    assert run_import("twarc-csv", [str(path)], "--strict", out=tmp_path / "s").status == 1


def test_a_json_file_cut_short_is_a_refusal_under_strict(run_import, tmp_path):
    source = FIXTURES / "apify-linkedin" / "harvestapi_posts.json"
    cut = _cut(source, tmp_path / "cut.json", len(source.read_bytes()) // 2)
    run = run_import("apify-linkedin", [str(cut)], "--strict", "--scraped-at", "2025-05-22T10:00:00Z")
    assert run.status == 1 and "cut.json:" in run.err and "--strict" in run.err
