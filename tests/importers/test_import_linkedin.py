"""LinkedIn: Phantombuster activity CSV (also after a French Excel) and Apify actors' JSON and CSV."""

from __future__ import annotations

import json

import pytest

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
    skipped = {r["line"]: r["category"] for r in report["skipped"]}
    assert skipped == {9: "comment",                  # a comment on a hospital's post: its counts are not Claire's
                       10: "others_post"}             # a post by another author in the profile's activity
    assert counts["skipped_by_reason"] == {"reaction": 0, "comment": 1, "others_post": 1, "stream_control": 0,
                                           "not_a_post": 0}
    assert report["refused"][0]["line"] == 12 and "--scraped-at" in report["refused"][0]["reason"]
    assert report["unmatched"] == {"handles": 1, "posts": 1, "by_platform": {"linkedin": {"handles": 1, "posts": 1}}}
    assert "paul-girard-55a1b" in run.out                # listed on the terminal, to complete the roster


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
    assert report["unmatched"]["by_platform"] == {"linkedin": {"handles": 1, "posts": 1}}


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


def test_reactions_and_comments_are_skipped_and_counted_as_such(run_import):
    """HarvestAPI items: a reaction shown as ``"action": "X likes this"`` (no ``type``), a comment shown the
    same way, and the ``type: reaction`` / ``type: comment`` items of the scrapeReactions/Comments options."""
    run = run_import("apify-linkedin", [str(FIXTURES / "apify-linkedin" / "harvestapi_activity.json")])
    assert run.status == 0, run.err
    report = run.report()
    counts = report["counts"]
    assert (counts["rows_read"], counts["skipped"], counts["unmatched"], counts["imported"]) == (5, 4, 0, 1)
    assert counts["skipped_by_reason"] == {"reaction": 2, "comment": 2, "others_post": 0, "stream_control": 0,
                                           "not_a_post": 0}
    assert [(r["line"], r["category"]) for r in report["skipped"]] == [(25, "reaction"), (41, "comment"),
                                                                       (55, "reaction"), (66, "comment")]
    assert "Claire Aubert" not in json.dumps(report["skipped"])      # reasons carry no text from the data
    assert run.posts()["post_id"].tolist() == ["urn:li:activity:7335236297742625297"]
    assert "reactions 2, comments 2" in run.out


@pytest.mark.parametrize("text, activity", [
    ("Claire Aubert likes this", "reaction"), ("Claire Aubert celebrates this", "reaction"),
    ("Claire Aubert finds this insightful", "reaction"), ("Claire Aubert aime ça", "reaction"), ("Like", "reaction"),
    ("Claire Aubert commented on this", "comment"), ("Claire Aubert a commenté ceci", "comment"), ("Comment", "comment"),
    ("Claire Aubert reposted this", "repost"), ("Repost", "repost"), ("Post", None), ("Article", None), ("", None),
    ("Love Martin reposted this", "repost"),        # a first name that is a reaction word: the verb decides
    ("Ada Lovelace likes this", "reaction"), ("Jean Comment likes this", "reaction"),
])
def test_what_an_activity_text_says(text, activity):
    assert linkedin.linkedin_activity(text) == activity


def test_apimaestro_media_types_are_mapped(run_import):
    run = run_import("apify-linkedin", [str(FIXTURES / "apify-linkedin" / "apimaestro_posts.json")])
    assert run.status == 0, run.err
    posts = run.posts().set_index("post_id")
    assert posts["format"].to_dict() == {"urn:li:activity:7335579923039403553": "image",   # media.type: image
                                         "urn:li:activity:7336064213195952624": "video",   # media.type: video
                                         "urn:li:activity:7336331588969433611": "text"}    # media: null
    assert posts.loc["urn:li:activity:7335579923039403553", "published_at"] == "2025-06-03T08:15:42.137Z"


@pytest.mark.parametrize("item, expected", [
    ({"type": "image"}, "image"), ({"type": "linkedinVideo"}, "video"), ({"type": "article"}, "article"),
    ({"type": "document"}, "document"), ({"type": "poll"}, "poll"), ({"type": "text", "text": "x"}, "text"),
    ({"media": {"type": "image"}}, "image"), ({"media": {"type": "video"}}, "video"),
    ({"media": {"type": "document"}}, "document"), ({"media": {"type": "carousel"}}, "document"),
    ({"media": {"type": "celebration"}}, "other"), ({"postImages": [{"url": "u"}]}, "image"),
    ({"postVideo": {"videoUrl": "v"}}, "video"), ({"document": {"title": "d"}}, "document"),
    ({"newsletterUrl": "https://www.linkedin.com/newsletters/x-1"}, "article"),
    ({"linkedinUrl": "https://www.linkedin.com/pulse/innovation-sophie-lenoir-9xw1p/"}, "article"),
    ({"link": "https://example.org", "content": "x"}, "link"), ({"content": "x"}, "text"),
])
def test_apify_formats_of_every_actor(item, expected):
    assert linkedin._apify_format(item) == expected


@pytest.mark.parametrize("value, expected", [
    ("Image", "image"), ("Video", "video"), ("LinkedIn Video", "video"), ("Article", "article"),
    ("Document", "document"), ("Carousel", "document"), ("Poll", "poll"), ("Text", "text"), ("Event", "other"),
    ("Something new", "other"), ("", None),
])
def test_phantombuster_types_are_mapped(value, expected):
    assert linkedin._media_format(value) == expected
