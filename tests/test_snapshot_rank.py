"""Rankings read from a snapshot's arrays: the same tables, bytes and notes as a ranking of the loaded dataset."""

from __future__ import annotations

import contextlib
import io
import json
import os

import pandas as pd
import pytest

from influence_lib import cli, snapshot, snapshot_rank
from influence_lib import dataset as dataset_module
from influence_lib.dataset import load_dataset
from influence_lib.errors import DataValidationError
from influence_lib.export import table_to_csv
from influence_lib.scope import build_scope
from influence_lib.settings import Period, load_dataset_settings, load_methodology, shipped_methodologies
from influence_lib.snapshot_rank import array_ranking


@pytest.fixture()
def sample(sample_copy):
    """The sample, plus an opt-out list (a member with an account left out) and a warning (an unknown country)."""
    (sample_copy / "opt-out.csv").write_text("member_id\nmbr-00002\n", encoding="utf-8")
    organizations = sample_copy / "organizations.csv"
    text = organizations.read_text(encoding="utf-8")
    organizations.write_text(text.replace("org-0002,Laboratoires Selecia,sante,laboratoires-biotech,FR",
                                          "org-0002,Laboratoires Selecia,sante,laboratoires-biotech,France"),
                             encoding="utf-8")
    return sample_copy


def _loaded(folder):
    found = load_dataset(folder)
    snapshot.wait_for_writers()
    return found


def _checks(monkeypatch) -> list:
    """Count the calls that read and validate the files (a ranking from the snapshot makes none)."""
    calls = []
    original = snapshot_rank.check_and_snapshot

    def counting(*args, **kwargs):
        calls.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(snapshot_rank, "check_and_snapshot", counting)
    return calls


@pytest.mark.parametrize("name", list(shipped_methodologies()))
def test_every_ranking_from_the_snapshot_is_the_scored_scopes(sample, snapshot_cache, monkeypatch, name):
    dataset = _loaded(sample)
    checks = _checks(monkeypatch)
    assert len(dataset.report.warnings) == 1 and dataset.opt_out.file is not None
    methodology = load_methodology(name)
    editions = [dataset.settings.period(key) for key in dataset.settings.editions]
    # a period whose bounds fall between two microseconds, and one cut in the middle of a day
    odd = Period(start=pd.Timestamp("2021-03-01T00:00:00.0000005Z"), end=pd.Timestamp("2021-09-15T13:30:00Z"))
    for period in editions + [odd]:
        scope = build_scope(dataset, "sante", period, methodology, post_columns=[])
        for level in ("direction", "member"):
            for segment in (None, "laboratoires-biotech", "e-sante"):
                for top in (None, 10):
                    expected = scope.ranking(level, segment, top)
                    found = array_ranking(sample, dataset.settings, "sante", period, methodology, level, segment, top)
                    pd.testing.assert_frame_equal(found.ranking, expected)
                    assert table_to_csv(found.ranking) == table_to_csv(expected)
                    assert found.opt_out == dataset.opt_out
                    pd.testing.assert_frame_equal(found.report.problems, dataset.report.problems)
    assert not checks, "the snapshot was not used"


@pytest.mark.parametrize("name", list(shipped_methodologies()))
def test_every_ranking_from_the_files_is_the_scored_scopes(sample, monkeypatch, name):
    monkeypatch.setenv(snapshot.CACHE_ENV, "off")  # no snapshot: every ranking reads and checks the files
    dataset = load_dataset(sample)
    checks = _checks(monkeypatch)
    methodology = load_methodology(name)
    odd = Period(start=pd.Timestamp("2021-03-01T00:00:00.0000005Z"), end=pd.Timestamp("2021-09-15T13:30:00Z"))
    for period in (dataset.settings.period(), odd):
        scope = build_scope(dataset, "sante", period, methodology, post_columns=[])
        for level in ("direction", "member"):
            for segment in (None, "e-sante"):
                expected = scope.ranking(level, segment)
                found = array_ranking(sample, dataset.settings, "sante", period, methodology, level, segment)
                assert table_to_csv(found.ranking) == table_to_csv(expected)
                pd.testing.assert_frame_equal(found.ranking, expected)
                assert found.opt_out == dataset.opt_out
                pd.testing.assert_frame_equal(found.report.problems, dataset.report.problems)
    assert len(checks) == 8


@pytest.mark.parametrize("name", list(shipped_methodologies()))
def test_movements_from_the_snapshot_are_the_scored_scopes(sample, snapshot_cache, monkeypatch, name):
    dataset = _loaded(sample)
    checks = _checks(monkeypatch)
    methodology = load_methodology(name)
    settings = dataset.settings
    latest, before = settings.period(), settings.period(settings.previous_edition(settings.latest_edition))
    for previous in (before, None):  # against the previous edition, and without one (empty columns)
        scope = build_scope(dataset, "sante", latest, methodology, previous, post_columns=[])
        for level in ("direction", "member"):
            for segment in (None, "e-sante"):
                for top in (None, 10):
                    expected, _ = scope.ranking_with_movements(level, segment, top)
                    found = array_ranking(sample, settings, "sante", latest, methodology, level, segment, top,
                                          movements=True, previous=previous)
                    pd.testing.assert_frame_equal(found.ranking, expected)
                    assert table_to_csv(found.ranking) == table_to_csv(expected)
    assert expected["status"].isna().all()
    assert not checks, "the snapshot was not used"


def test_rank_with_movements_prints_the_scored_scopes(sample, snapshot_cache, monkeypatch):
    """``rank --format json`` (movements on by default) from the arrays: the rows of the scored scope."""
    dataset = _loaded(sample)
    monkeypatch.setattr(cli, "load_for_computing", lambda *a, **k: pytest.fail("the dataset was loaded"))
    status, out, _ = _rank(["rank", "--data", str(sample), "--sector", "sante", "--format", "json", "--top", "10",
                            "--methodology", "capped-p99"])
    settings = dataset.settings
    previous = settings.previous_edition(settings.latest_edition)
    scope = build_scope(dataset, "sante", settings.period(), load_methodology("capped-p99"),
                        settings.period(previous), post_columns=[])
    expected, _ = scope.ranking_with_movements("direction", None, 10)
    payload = json.loads(out)
    assert status == 0 and payload["previous"]["edition"] == previous
    assert payload["rows"] == json.loads(expected.to_json(orient="records", force_ascii=False))
    assert {row["status"] for row in payload["rows"]} <= {"new", "entered", "up", "down", "same"}


@pytest.mark.parametrize("segment", [None, "e-sante"])
def test_compare_from_the_snapshot_is_the_scored_scopes(sample, snapshot_cache, monkeypatch, segment):
    """``compare`` ranks one scope of arrays under every methodology: the rows of the loaded dataset's scopes."""
    from influence_lib.compare import compare_methodologies, comparison_records

    dataset = _loaded(sample)
    checks = _checks(monkeypatch)
    monkeypatch.setattr(cli, "load_for_computing", lambda *a, **k: pytest.fail("the dataset was loaded"))
    names = list(shipped_methodologies())
    status, out, err = _rank(["compare", "--data", str(sample), "--sector", "sante", "--format", "json"]
                             + [part for name in names for part in ("--methodology", name)]
                             + (["--segment", segment] if segment else []))
    expected = compare_methodologies(dataset, "sante", dataset.settings.period(),
                                     [load_methodology(name) for name in names], segment)
    assert status == 0 and len(expected) == len(names) - 1
    assert json.loads(out) == json.loads(json.dumps(comparison_records(expected), ensure_ascii=False))
    assert "1 warning about the data" in err and "opt-out.csv" in err
    assert not checks, "the snapshot was not used"


@pytest.mark.parametrize("edition", ["2021", "2020"])
def test_summary_from_the_snapshot_is_the_scored_scopes(sample, snapshot_cache, monkeypatch, tmp_path, edition):
    """``summary`` counts from the arrays: the box, table and notes of the loaded dataset's scope."""
    from influence_lib.scope import summarize

    dataset = _loaded(sample)
    common = ["summary", "--data", str(sample), "--sector", "sante", "--edition", edition]
    # --on-error reject loads the dataset (the scored scope's path): the reference
    loaded = _rank(common + ["--on-error", "reject", "--rejected", str(tmp_path / f"rejected-{edition}.csv")])
    checks = _checks(monkeypatch)
    monkeypatch.setattr(cli, "load_for_computing", lambda *a, **k: pytest.fail("the dataset was loaded"))
    status, out, err = _rank(common)
    assert status == loaded[0] == 0 and out == loaded[1] and "Note : 1 personne retirée" in out
    assert "1 warning about the data" in err and "opt-out.csv" in err
    box = summarize(build_scope(dataset, "sante", dataset.settings.period(edition), post_columns=[]))
    status, out, _ = _rank(common + ["--format", "json"])
    assert json.loads(out) == {k: box[k] for k in ("sector", "edition", "organizations", "members", "linkedin", "twitter")}
    assert box["linkedin"]["posts"] > 0 and box["twitter"]["engagement"] > 0
    assert not checks, "the snapshot was not used"


def test_the_files_are_checked_when_the_snapshot_is_missing_or_stale(sample, snapshot_cache, monkeypatch):
    settings = load_dataset_settings(sample / "dataset.yml")
    arguments = (settings, "sante", settings.period(), load_methodology(None))
    checks = _checks(monkeypatch)
    first = array_ranking(sample, *arguments)  # no snapshot yet: the files are checked, the snapshot written
    snapshot.wait_for_writers()
    again = array_ranking(sample, *arguments)
    assert len(checks) == 1
    pd.testing.assert_frame_equal(again.ranking, first.ranking)
    posts = sample / "posts.csv"
    stat = posts.stat()
    raw = posts.read_bytes()
    old = b",22,4,3,,,,https://www.linkedin.com/feed/update/urn:li:activity:6821165251082354336/"
    assert raw.count(old) == 1
    posts.write_bytes(raw.replace(old, old.replace(b",22,", b",23,")))  # one byte: same size, same time
    os.utime(posts, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    changed = array_ranking(sample, *arguments)
    assert len(checks) == 2
    expected = build_scope(load_dataset(sample), "sante", settings.period(), load_methodology(None)).ranking("direction")
    pd.testing.assert_frame_equal(changed.ranking, expected)


def test_data_with_an_error_is_refused_as_a_load_refuses_it(sample, snapshot_cache):
    posts = sample / "posts.csv"
    old = b",22,4,3,,,,https://www.linkedin.com/feed/update/urn:li:activity:6821165251082354336/"
    posts.write_bytes(posts.read_bytes().replace(old, old.replace(b",22,", b",-22,")))  # a negative count
    settings = load_dataset_settings(sample / "dataset.yml")
    with pytest.raises(DataValidationError) as loaded:
        load_dataset(sample)
    with pytest.raises(DataValidationError) as ranked:
        array_ranking(sample, settings, "sante", settings.period(), load_methodology(None))
    assert str(ranked.value) == str(loaded.value) and "negative" in str(ranked.value)
    snapshot.wait_for_writers()
    assert not list(snapshot_cache.rglob("current.json"))  # data with errors: no snapshot


def _rank(arguments):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(arguments)
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("extra", [["--format", "csv"], ["--format", "json", "--no-movements", "--level", "member"],
                                   ["--format", "table", "--no-movements", "--segment", "e-sante", "--top", "5"]])
def test_rank_takes_the_snapshot_and_prints_what_a_load_prints(sample, snapshot_cache, monkeypatch, extra):
    arguments = ["rank", "--data", str(sample), "--sector", "sante", "--methodology", "per-active-member"] + extra
    monkeypatch.setenv(snapshot.CACHE_ENV, "off")
    without = _rank(arguments)
    monkeypatch.setenv(snapshot.CACHE_ENV, str(snapshot_cache))
    first = _rank(arguments)  # reads and checks the files, writes the snapshot
    snapshot.wait_for_writers()

    def no_load(*args, **kwargs):
        raise AssertionError("the dataset was loaded although its snapshot is current")

    monkeypatch.setattr(dataset_module, "load_dataset", no_load)
    monkeypatch.setattr(cli, "load_for_computing", no_load)
    monkeypatch.setattr(snapshot_rank, "check_and_snapshot", no_load)
    again = _rank(arguments)
    assert without == first == again
    assert without[0] == 0 and "1 warning about the data" in without[2] and "opt-out.csv" in without[2]
