"""LinkedIn: Phantombuster activity CSV (also after a French Excel) and Apify actors' JSON and CSV."""

from __future__ import annotations

from influence_lib.importers import linkedin
from influence_lib.importers.parsing import ParseContext
from influence_lib.importers.report import ImportReport
from tests.importers.conftest import FIXTURES, SCENARIOS, expected_text


def test_phantombuster_activity(run_scenario):
    run = run_scenario("phantombuster")
    assert run.status == 0, run.err
    assert run.posts_text() == expected_text("phantombuster")
    report = run.report()
    counts = report["counts"]
    assert (counts["rows_read"], counts["skipped"], counts["refused"], counts["duplicates_merged"],
            counts["unmatched"], counts["imported"]) == (10, 2, 1, 1, 1, 5)
    skipped = {r["line"]: r["reason"] for r in report["skipped"]}
    assert "Comment" in skipped[9]                    # a comment on a hospital's post: its counts are not Claire's
    assert "someone else" in skipped[10]              # a post by another author in the profile's activity
    assert report["refused"][0]["line"] == 12 and "--scraped-at" in report["refused"][0]["reason"]
    assert report["unmatched_handles"][0]["handle"] == "https://www.linkedin.com/in/paul-girard-55a1b/"


def test_phantombuster_reposts_with_and_without_commentary(run_scenario):
    posts = run_scenario("phantombuster").posts().set_index("post_id")
    plain = posts.loc["urn:li:activity:7336315846656072195"]
    assert plain["kind"] == "repost" and plain["likes"] == ""         # the row said 340: the original's
    commented = posts.loc["urn:li:activity:7338193217126472197"]
    assert commented["kind"] == "quote" and commented["likes"] == "57"


def test_phantombuster_relative_date_against_scraped_at(run_import):
    s = SCENARIOS["phantombuster"]
    run = run_import(s.format, s.paths()[:1], "--scraped-at", "2025-06-16T22:13:00Z")
    assert run.status == 0 and run.report()["refused"] == []
    posts = run.posts().set_index("url")
    # "2mo" = 60.875 days before the given scrape time; rows with their own timestamp keep it
    assert posts.loc["https://www.linkedin.com/pulse/innovation-et-souverainete-sophie-lenoir-9xw1p/", "published_at"] == \
        "2025-04-17T01:13:00Z"


def test_phantombuster_resaved_by_french_excel(run_scenario):
    run = run_scenario("phantombuster-excel-fr")
    assert run.status == 0, run.err
    assert run.posts_text() == expected_text("phantombuster-excel-fr")
    assert run.report()["files"][0]["separator"] == ";"


def test_apify_harvestapi_both_layouts_other_actors_and_excel_csv(run_scenario):
    run = run_scenario("apify")
    assert run.status == 0, run.err
    assert run.posts_text() == expected_text("apify")
    report = run.report()
    counts = report["counts"]
    assert (counts["rows_read"], counts["skipped"], counts["refused"], counts["duplicates_merged"],
            counts["unmatched"], counts["imported"]) == (14, 1, 1, 3, 1, 8)
    assert report["refused"][0]["file"].endswith("apify_export_excel.csv") and report["refused"][0]["line"] == 3
    assert report["unmatched_handles"] == [{"platform": "linkedin", "handle": "laboratoires-aubrac", "posts": 1}]


def test_apify_one_post_under_activity_and_ugcpost_ids_is_counted_once(run_scenario):
    posts = run_scenario("apify").posts()
    assert not posts["post_id"].str.contains("ugcPost").any()
    claire = posts[posts["text"] == "Ravie d'intervenir au forum Santé Innovation à Lyon."]
    assert len(claire) == 1 and claire.iloc[0]["likes"] == "215"      # three snapshots, two of them by ugcPost id
    hugo = posts[posts["post_id"] == "urn:li:activity:7329207003941775873"]
    assert len(hugo) == 1                                              # its ugcPost twin folded by time


def test_apify_hidden_counts_and_reposts(run_scenario):
    posts = run_scenario("apify").posts().set_index("post_id")
    document = posts[posts["format"] == "document"].iloc[0]
    assert (document["likes"], document["comments"]) == ("", "9")          # hideReactionsCount: unknown, not 0
    repost = posts[posts["kind"] == "repost"].iloc[0]
    assert repost[["likes", "comments", "shares"]].tolist() == ["", "", ""]  # 890 likes were the original's
    quote = posts[posts["kind"] == "quote"].iloc[0]
    assert quote["likes"] == "45"


def test_apify_relative_date_without_scrape_time_is_refused(run_import):
    path = str(FIXTURES / "apify-linkedin" / "harvestapi_posts_2025-04.json")
    run = run_import("apify-linkedin", [path])
    assert run.status == 0
    refused = run.report()["refused"]
    assert len(refused) == 1 and "'3w' is relative" in refused[0]["reason"] and "--scraped-at" in refused[0]["reason"]
    assert len(run.posts()) == 1     # the post whose id gives the time, "5d" notwithstanding


def test_company_follower_count_in_author_info():
    ctx = ParseContext(ImportReport("apify-linkedin"))
    linkedin.parse_apify([FIXTURES / "apify-linkedin" / "harvestapi_posts_2025-04.json"], ctx)
    assert [(f["handle"], f["followers"]) for f in ctx.followers] == [("laboratoires-aubrac", 283369)]
