"""Personal data in ``import-report.json``: no handle of anyone outside the roster, no absolute local path."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.importers.conftest import FIXTURES, ROSTER, SCENARIOS

# Handles, names and ids of people and organisations that are in the fixtures but not in the roster.
OUTSIDERS = ["journal_sante", "880001234", "paul-girard-55a1b", "Paul Girard", "laboratoires-aubrac", "jean-dupuis",
             "Jean Dupuis", "chu-de-bordeaux", "acme-medical", "990001111"]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_report_names_no_one_outside_the_roster(run_scenario, name):
    run = run_scenario(name)
    assert run.status == 0, run.err
    text = (run.dataset / "import-report.json").read_text(encoding="utf-8")
    for outsider in OUTSIDERS:
        assert outsider.lower() not in text.lower(), f"{outsider} in the report of {name}"
    report = json.loads(text)
    assert report["counts"]["unmatched"] == report["unmatched"]["posts"]
    assert sorted(report["unmatched"]) == ["by_platform", "handles", "posts"]


def test_unmatched_handles_are_counted_in_the_report_and_listed_on_the_terminal(run_scenario):
    run = run_scenario("twarc2")
    assert run.report()["unmatched"] == {"handles": 1, "posts": 1,
                                         "by_platform": {"twitter": {"handles": 1, "posts": 1}}}
    assert "@journal_sante" in run.out


def test_api_errors_keep_no_detail_naming_the_deleted_or_suspended(run_scenario):
    errors = run_scenario("twarc2").report()["api_errors"]
    assert [sorted(e) for e in errors] == [["file", "line", "resource_type", "title"]] * 2


def _paths_in(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths_in(key)
            yield from _paths_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _paths_in(item)
    elif isinstance(value, str):
        yield value


def test_the_report_holds_no_absolute_path(run_import, tmp_path):
    # inputs in two folders with the same file name, the roster and the dataset given as absolute paths
    for i, source in enumerate(SCENARIOS["bluesky"].paths()[:2]):
        (tmp_path / f"export{i}").mkdir()
        shutil.copy(source, tmp_path / f"export{i}" / "feed.json")
    files = [str(tmp_path / "export0" / "feed.json"), str(tmp_path / "export1" / "feed.json")]
    out = tmp_path / "my-dataset"
    run_import("bluesky", files, "--scraped-at", "2025-11-21T08:00:00Z", out=out, roster=ROSTER.resolve())
    run = run_import("twarc2", SCENARIOS["twarc2"].paths(), out=out, roster=ROSTER.resolve())   # with a history
    text = (out / "import-report.json").read_text(encoding="utf-8")
    report = json.loads(text)
    for local in (str(tmp_path), str(FIXTURES.resolve()), str(FIXTURES.resolve().parent.parent.parent)):
        assert local not in text
    assert not [s for s in _paths_in(report) if s.startswith("/") or s[1:3] in (":\\", ":/")]
    assert (report["roster"], report["out"]) == ("roster", "my-dataset")
    assert report["previous_imports"][0]["files"] == ["export0/feed.json", "export1/feed.json"]
    assert [f["path"] for f in report["files"]] == ["timeline.jsonl", "timeline_later.jsonl"]
    assert run.status == 0


def test_absolute_paths_left_by_an_earlier_version_are_cut_to_file_names(run_import, tmp_path):
    out = tmp_path / "dataset"
    s = SCENARIOS["bluesky"]
    run_import(s.format, s.paths()[:1], *s.args, out=out)
    old = json.loads((out / "import-report.json").read_text(encoding="utf-8"))
    old["files"][0]["path"] = "/home/ana/Téléchargements/feed_sophie_page1.json"
    (out / "import-report.json").write_text(json.dumps(old), encoding="utf-8")
    run = run_import(s.format, s.paths()[1:2], *s.args, out=out)
    assert run.report()["previous_imports"][0]["files"] == ["feed_sophie_page1.json"]


def test_two_inputs_with_the_same_name_are_told_apart(run_import, tmp_path):
    for i, source in enumerate(SCENARIOS["bluesky"].paths()[:2]):
        (tmp_path / f"export{i}").mkdir()
        shutil.copy(source, tmp_path / f"export{i}" / "feed.json")
    files = [str(tmp_path / "export0" / "feed.json"), str(tmp_path / "export1" / "feed.json")]
    run = run_import("bluesky", files, "--scraped-at", "2025-11-21T08:00:00Z")
    assert [f["path"] for f in run.report()["files"]] == ["export0/feed.json", "export1/feed.json"]
