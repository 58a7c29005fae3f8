"""``influence import``: exit statuses, merging into a dataset, the files written, the report."""

from __future__ import annotations

import shutil

import pytest

from influence_lib.importers import REPORT_NAME
from tests.importers.conftest import FIXTURES, ROSTER, SCENARIOS, expected_text


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_row_read_is_accounted_for(run_scenario, name):
    run = run_scenario(name)
    assert run.status == 0, run.err
    c = run.report()["counts"]
    assert c["rows_read"] == c["skipped"] + c["refused"] + c["duplicates_merged"] + c["unmatched"] + c["imported"]
    assert c["posts_found"] == c["duplicates_merged"] + c["unmatched"] + c["imported"] + \
        sum(1 for r in run.report()["refused"] if "several roster accounts" in r["reason"])
    assert c["imported"] == c["posts_in_dataset"] == len(run.posts())


def test_the_files_written_are_canonical_csv(run_scenario):
    run = run_scenario("twarc2")
    names = sorted(p.name for p in run.dataset.iterdir())
    assert names == ["accounts.csv", "dataset.yml", REPORT_NAME, "members.csv", "organizations.csv", "posts.csv"]
    raw = (run.dataset / "posts.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
    header = raw.split(b"\n", 1)[0].decode()
    assert header == "post_id,account_id,published_at,kind,format,likes,comments,shares,quotes,impressions,text,url"
    assert b".0," not in raw
    assert run.posts()["published_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z").all()
    assert (run.dataset / "dataset.yml").read_bytes() == (ROSTER / "dataset.yml").read_bytes()
    assert "report written to" in run.out


def test_the_dataset_passes_validation(run_scenario, tmp_path):
    from influence_lib.dataset import load_dataset

    out = tmp_path / "all"
    for name in ("twarc2", "phantombuster", "apify", "bluesky", "x-archive"):
        assert run_scenario(name, out=out).status == 0
    dataset = load_dataset(out)
    assert not dataset.report.has_errors, dataset.report.describe()
    from influence_lib.cli import main
    assert main(["validate", "--data", str(out)]) == 0  # what a user runs on the result
    assert str(dataset.posts["published_at"].dtype) == "datetime64[us, UTC]"
    assert str(dataset.posts["likes"].dtype) == "Int64"


def test_imports_merge_into_the_dataset_and_keep_each_sources_followers(run_scenario, tmp_path):
    out = tmp_path / "merged"
    run_scenario("twarc2", out=out)
    run = run_scenario("bluesky", out=out)
    posts = run.posts()
    assert len(posts) == 18 and set(posts["account_id"].str[:3]) == {"tw-", "bs-"}
    accounts = run.accounts()
    assert accounts.loc["tw-aubert", "followers"] == "5480"        # kept from the Twitter import
    assert accounts.loc["bs-lenoir", "followers"] == "1520"
    assert [p["format"] for p in run.report()["previous_imports"]] == ["twarc2"]


def test_importing_the_same_files_again_changes_nothing(run_scenario, tmp_path):
    out = tmp_path / "again"
    first = run_scenario("twarc2", out=out)
    before = first.posts_text()
    second = run_scenario("twarc2", out=out)
    assert second.posts_text() == before
    c = second.report()["counts"]
    assert (c["added"], c["updated"], c["unchanged"], c["kept_existing"]) == (0, 0, 10, 0)
    assert "updated 0, unchanged 10," in second.out


def test_an_older_snapshot_imported_later_does_not_replace_a_newer_one(run_import, tmp_path):
    later, earlier = SCENARIOS["twarc2"].paths()[1], SCENARIOS["twarc2"].paths()[0]
    out = tmp_path / "order"
    run_import("twarc2", [later], out=out)
    run = run_import("twarc2", [earlier], out=out)
    assert run.posts_text() == expected_text("twarc2")        # as if both files came together
    c = run.report()["counts"]
    assert c["kept_existing"] == 2                             # the photo tweet and the edited one


def test_strict_refuses_to_write_anything(run_scenario, tmp_path):
    run = run_scenario("twarc2", "--strict")
    assert run.status == 1
    assert not run.dataset.exists()
    assert "--strict" in run.err and "Traceback" not in run.err
    assert "@journal_sante" in run.out                         # the report is printed all the same
    assert run_scenario("bluesky", "--strict", out=tmp_path / "clean").status == 0


@pytest.mark.parametrize("args, message", [
    (["--scraped-at", "hier"], "--scraped-at"),
    (["--scraped-at", "2025-01-01", "missing.jsonl"], "missing.jsonl: no such file"),
])
def test_bad_arguments_exit_2_with_one_line(run_import, args, message):
    files = [] if "missing.jsonl" in args else [SCENARIOS["bluesky"].paths()[0]]
    run = run_import("bluesky", files, *args)
    assert run.status == 2
    assert message in run.err and len(run.err.strip().splitlines()) == 1


def test_a_roster_that_is_not_a_dataset_folder_exits_2(run_import, tmp_path):
    run = run_import("bluesky", SCENARIOS["bluesky"].paths(), roster=tmp_path / "nowhere")
    assert run.status == 2 and "roster" in run.err
    roster = tmp_path / "roster"
    shutil.copytree(ROSTER, roster)
    (roster / "posts.csv").write_text("post_id,account_id,published_at,likes,comments,shares\np1,tw-aubert,2021-01-01,1,1,1\n")
    run = run_import("bluesky", SCENARIOS["bluesky"].paths(), roster=roster)
    assert run.status == 2 and "holds posts" in run.err


def test_an_unknown_format_is_an_argument_error(run_import):
    with pytest.raises(SystemExit) as exc:
        run_import("tiktok", SCENARIOS["bluesky"].paths())
    assert exc.value.code == 2


def test_importing_into_the_roster_folder_itself(run_import, tmp_path):
    folder = tmp_path / "dataset"
    shutil.copytree(ROSTER, folder)
    s = SCENARIOS["bluesky"]
    first = run_import(s.format, s.paths(), *s.args, out=folder, roster=folder)
    assert first.status == 0, first.err
    second = run_import("twarc2", SCENARIOS["twarc2"].paths(), out=folder, roster=folder)
    assert second.status == 0 and len(second.posts()) == 18


def test_the_influence_command_runs_import(tmp_path, capsys):
    from influence_lib.cli import main

    s = SCENARIOS["bluesky"]
    status = main(["import", "--format", s.format, "--roster", str(ROSTER), "--out", str(tmp_path / "d"), *s.args, *s.paths()])
    assert status == 0, capsys.readouterr().err
    assert (tmp_path / "d" / "posts.csv").read_text(encoding="utf-8") == expected_text("bluesky")


def test_a_hundred_thousand_lines_import_in_seconds(run_import, tmp_path):
    """Flattened twarc2 lines of the roster's accounts and of others: the work is per line, then vectorised."""
    import json
    import time

    path = tmp_path / "big.jsonl"
    base = json.loads((FIXTURES / "twarc2" / "timeline.jsonl").read_text(encoding="utf-8").splitlines()[4])
    lines = []
    for i in range(20_000):
        tweet = dict(base, id=str(int(base["id"]) + (i << 12)), author=dict(base["author"], username=f"user{i % 40}"))
        lines.append(json.dumps(tweet))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    start = time.perf_counter()
    run = run_import("twarc2", [str(path)])
    elapsed = time.perf_counter() - start
    assert run.status == 0 and run.report()["counts"]["unmatched"] == 20_000
    assert elapsed < 15, f"20k lines took {elapsed:.1f} s"


def test_roster_handles_as_user_ids_and_ambiguous_handles(run_import, tmp_path):
    roster = tmp_path / "roster"
    shutil.copytree(ROSTER, roster)
    accounts = (roster / "accounts.csv").read_text(encoding="utf-8")
    accounts = accounts.replace("x.com/HugoMartinMD", "1450007777")                   # a numeric user id
    accounts += "tw-dup,m-delorme,twitter,@MDELORME,\n"                                 # the same handle twice
    (roster / "accounts.csv").write_text(accounts, encoding="utf-8")
    run = run_import("twarc2", SCENARIOS["twarc2"].paths(), roster=roster)
    assert run.status == 0
    posts = run.posts()
    assert (posts["account_id"] == "tw-martin").sum() == 2                             # matched on author_id
    assert not posts["account_id"].isin(["tw-delorme", "tw-dup"]).any()
    refused = run.report()["refused"]
    assert len(refused) == 2 and all("several roster accounts (tw-delorme, tw-dup)" in r["reason"] for r in refused)


def test_a_linkedin_post_imported_by_ugcpost_id_then_by_activity_id_is_one_post(run_import, tmp_path):
    import json

    out = tmp_path / "li"
    activity, ugc = "7329207003941775873", "7329207002977443840"     # same author, 230 ms apart
    first = tmp_path / "numlikes.jsonl"
    first.write_text(json.dumps({"url": f"https://www.linkedin.com/feed/update/urn:li:ugcPost:{ugc}/", "urn": f"urn:li:ugcPost:{ugc}",
                                 "text": "Les résultats à 3 ans", "numLikes": 120, "numComments": 20, "numShares": 5,
                                 "authorProfileUrl": "https://www.linkedin.com/in/hugo-martin-md"}) + "\n", encoding="utf-8")
    second = tmp_path / "harvest.json"
    second.write_text(json.dumps([{"type": "post", "id": activity, "content": "Les résultats à 3 ans",
                                   "linkedinUrl": f"https://www.linkedin.com/posts/hugo-martin-md_x-activity-{activity}-_gfJ",
                                   "author": {"publicIdentifier": "hugo-martin-md"},
                                   "engagement": {"likes": 154, "comments": 23, "shares": 7}}]), encoding="utf-8")
    run_import("apify-linkedin", [str(first)], "--scraped-at", "2025-05-20T10:00:00Z", out=out)
    run = run_import("apify-linkedin", [str(second)], "--scraped-at", "2025-05-22T10:00:00Z", out=out)
    posts = run.posts()
    assert posts["post_id"].tolist() == [f"urn:li:activity:{activity}"] and posts["likes"].tolist() == ["154"]


def test_tables_in_memory_have_the_canonical_dtypes(tmp_path):
    from influence_lib.importers import import_files
    from influence_lib.importers.values import parse_scraped_at

    s = SCENARIOS["bluesky"]
    result = import_files(s.format, s.paths(), ROSTER, tmp_path / "d", scraped_at=parse_scraped_at(s.args[1]), write=False)
    posts = result.tables["posts"]
    assert not (tmp_path / "d").exists() and not result.written
    assert list(posts.columns) == ["post_id", "account_id", "published_at", "kind", "format", "likes", "comments",
                                   "shares", "quotes", "impressions", "text", "url"]
    assert {c: str(t) for c, t in posts.dtypes.items()} == {
        "post_id": "str", "account_id": "str", "published_at": "datetime64[us, UTC]", "kind": "str", "format": "str",
        "likes": "Int64", "comments": "Int64", "shares": "Int64", "quotes": "Int64", "impressions": "Int64",
        "text": "str", "url": "str"}
    assert posts["impressions"].isna().all()                 # never given by Bluesky: missing, not 0
    assert str(result.tables["accounts"]["followers"].dtype) == "Int64"


def test_an_out_path_that_is_a_file_exits_2(run_import, tmp_path):
    target = tmp_path / "file.csv"
    target.write_text("x\n")
    run = run_import("bluesky", SCENARIOS["bluesky"].paths(), out=target)
    assert run.status == 2 and "not a folder" in run.err


def test_an_input_file_the_import_would_overwrite_is_refused(run_import, tmp_path):
    out = tmp_path / "dataset"
    s = SCENARIOS["bluesky"]
    assert run_import(s.format, s.paths(), *s.args, out=out).status == 0
    shutil.copy(s.paths()[0], out / "posts.csv")          # a feed page saved under the name the import writes
    before = (out / "posts.csv").read_bytes()
    run = run_import(s.format, [str(out / "posts.csv")], *s.args, out=out)
    assert run.status == 2 and "never overwrites its input" in run.err
    assert (out / "posts.csv").read_bytes() == before
