"""Importing into an existing dataset: the roster merged (never shrunk), posts unchanged or updated, the hints."""

from __future__ import annotations

import json
import shutil

from tests.importers.conftest import FIXTURES, ROSTER, SCENARIOS


def _roster_copy(tmp_path, name, keep_orgs=None, edit=None):
    """A copy of the fixture roster, with only the rows of ``keep_orgs`` and ``edit(table, text) -> text`` applied."""
    folder = tmp_path / name
    shutil.copytree(ROSTER, folder)
    members = {}
    for table in ("organizations", "members", "accounts"):
        path = folder / f"{table}.csv"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        if keep_orgs is not None:
            header, rows = lines[0], lines[1:]
            if table == "organizations":
                rows = [r for r in rows if r.split(",")[0] in keep_orgs]
            elif table == "members":
                rows = [r for r in rows if r.split(",")[1] in keep_orgs]
                members = {r.split(",")[0] for r in rows}
            else:
                rows = [r for r in rows if r.split(",")[1] in members]
            lines = [header] + rows
        text = "".join(lines)
        path.write_text(edit(table, text) if edit else text, encoding="utf-8")
    return folder


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_smaller_roster_never_shrinks_the_dataset(run_import, run_scenario, tmp_path):
    out = tmp_path / "dataset"
    assert run_scenario("twarc2", out=out).status == 0
    assert run_scenario("bluesky", out=out).status == 0
    before = {t: (out / f"{t}.csv").read_text(encoding="utf-8") for t in ("organizations", "members", "accounts")}
    small = _roster_copy(tmp_path, "small", keep_orgs={"o-aubrac"})
    s = SCENARIOS["phantombuster"]
    run = run_import(s.format, s.paths(), *s.args, out=out, roster=small)
    assert run.status == 0, run.err
    for table, text in before.items():
        assert (out / f"{table}.csv").read_text(encoding="utf-8") == text      # 2 organisations stay 2, not 1
    posts = run.posts()
    assert {"tw-", "bs-", "li-"} <= set(posts["account_id"].str[:3])         # nothing left pointing nowhere
    assert run.report()["roster_merge"] == {"organizations": {"kept": 2, "added": 0},
                                            "members": {"kept": 4, "added": 0},
                                            "accounts": {"kept": 8, "added": 0}}
    from influence_lib.dataset import load_dataset
    assert not load_dataset(out).report.has_errors


def test_new_organisations_members_and_accounts_are_added(run_import, run_scenario, tmp_path):
    out = tmp_path / "dataset"
    run_scenario("twarc2", out=out)
    accounts_before = (out / "accounts.csv").read_text(encoding="utf-8")

    def add(table, text):
        return text + {"organizations": "o-biocel,Biocel,sante,laboratoires-biotech,FR\n",
                       "members": "m-roux,o-biocel,Anne Roux,Présidente,chair,f\n",
                       "accounts": "li-roux,m-roux,linkedin,anne-roux-77,\n"}[table]

    bigger = _roster_copy(tmp_path, "bigger", edit=add)
    run = run_import("apify-linkedin", [str(FIXTURES / "apify-linkedin" / "apimaestro_posts.json")], out=out,
                     roster=bigger)
    assert run.status == 0, run.err
    assert (out / "organizations.csv").read_text(encoding="utf-8").splitlines()[-1].startswith("o-biocel,Biocel")
    accounts = (out / "accounts.csv").read_text(encoding="utf-8")
    assert accounts.startswith(accounts_before.rstrip("\n").split("\n", 1)[0])
    assert accounts.splitlines()[-1] == "li-roux,m-roux,linkedin,anne-roux-77,"
    assert "tw-delorme,m-delorme,twitter,https://twitter.com/mdelorme?lang=fr,1350" in accounts   # followers kept
    assert run.report()["roster_merge"]["organizations"] == {"kept": 2, "added": 1}


def test_a_conflicting_row_is_an_error_naming_both_and_nothing_changes(run_import, run_scenario, tmp_path):
    out = tmp_path / "dataset"
    run_scenario("twarc2", out=out)
    before = _snapshot(out)
    renamed = _roster_copy(tmp_path, "renamed",
                           edit=lambda t, text: text.replace("Médivance,sante", "Medivance SA,sante"))
    s = SCENARIOS["bluesky"]
    run = run_import(s.format, s.paths(), *s.args, out=out, roster=renamed)
    assert run.status == 1
    assert f"{out / 'organizations.csv'}:3" in run.err and f"{renamed / 'organizations.csv'}:3" in run.err
    assert "'Médivance' in the dataset, 'Medivance SA' in the roster" in run.err
    assert len(run.err.strip().splitlines()) == 1
    assert _snapshot(out) == before


def test_a_different_follower_count_is_no_conflict(run_import, run_scenario, tmp_path):
    out = tmp_path / "dataset"
    run_scenario("twarc2", out=out)
    other = _roster_copy(tmp_path, "other",
                         edit=lambda t, text: text.replace("mdelorme?lang=fr,1200", "mdelorme?lang=fr,1100"))
    s = SCENARIOS["bluesky"]
    run = run_import(s.format, s.paths(), *s.args, out=out, roster=other)
    assert run.status == 0, run.err
    assert run.accounts().loc["tw-delorme", "followers"] == "1350"           # the dataset's later count


def test_an_added_organisation_outside_the_datasets_sectors_is_refused(run_import, run_scenario, tmp_path):
    out = tmp_path / "dataset"
    run_scenario("twarc2", out=out)
    (out / "dataset.yml").write_text((out / "dataset.yml").read_text(encoding="utf-8").replace(
        "      - {key: equipement-medical, label: \"Équipement Médical\", top: 50}\n", ""), encoding="utf-8")
    before = _snapshot(out)
    bigger = _roster_copy(tmp_path, "bigger", edit=lambda t, text: text + (
        "o-stent,Stentis,sante,equipement-medical,FR\n" if t == "organizations" else ""))
    run = run_import("bluesky", SCENARIOS["bluesky"].paths(), out=out, roster=bigger)
    assert run.status == 1 and "o-stent" in run.err and "dataset.yml" in run.err
    assert _snapshot(out) == before


def test_unchanged_posts_are_counted_apart_from_updated_ones(run_import, tmp_path):
    out = tmp_path / "dataset"
    first, later = SCENARIOS["twarc2"].paths()
    run_import("twarc2", [first], out=out)
    page = json.loads((FIXTURES / "twarc2" / "timeline.jsonl").read_text(encoding="utf-8").splitlines()[0])
    page["data"][0]["public_metrics"]["like_count"] += 10                     # one tweet liked more since
    page["__twarc"]["retrieved_at"] = "2023-03-20T00:00:00+00:00"
    newer = tmp_path / "newer.jsonl"
    newer.write_text(json.dumps(page) + "\n", encoding="utf-8")
    run = run_import("twarc2", [str(newer)], out=out)
    c = run.report()["counts"]
    changed = 1
    assert (c["added"], c["updated"], c["unchanged"], c["kept_existing"]) == (0, changed, c["imported"] - changed, 0)
    assert c["unchanged"] > 0 and f"updated {changed}, unchanged {c['unchanged']}," in run.out


def test_a_page_without_collection_time_older_than_the_dataset_gets_the_scraped_at_hint(run_import, tmp_path):
    out = tmp_path / "dataset"
    s = SCENARIOS["bluesky"]
    page = s.paths()[0]
    assert run_import("bluesky", [page], "--scraped-at", "2025-11-21T08:00:00Z", out=out).status == 0
    older = tmp_path / "older_page.json"
    older.write_text((FIXTURES / s.files[0]).read_text(encoding="utf-8").replace('"likeCount": 64', '"likeCount": 50'),
                     encoding="utf-8")
    run = run_import("bluesky", [str(older)], out=out)                  # --scraped-at forgotten
    c = run.report()["counts"]
    assert c["kept_existing"] == 1 and c["unchanged"] == c["imported"] - 1
    hints = run.report()["hints"]
    assert len(hints) == 1 and hints[0].startswith("1 post(s) of this import") and "--scraped-at" in hints[0]
    assert "What to do:" in run.out and "--scraped-at TIME" in run.out


def test_relative_dates_without_a_scrape_time_get_the_scraped_at_hint(run_import):
    run = run_import("apify-linkedin", [str(FIXTURES / "apify-linkedin" / "harvestapi_posts_2025-04.json")])
    assert run.status == 0
    hints = run.report()["hints"]
    assert len(hints) == 1 and hints[0].startswith("1 row(s) have a relative date") and "--scraped-at" in hints[0]
    s = SCENARIOS["apify"]
    assert run_import(s.format, s.paths()[1:2], *s.args).report()["hints"] == []     # given: no hint
