"""Twitter / X: twarc2 pages, twarc-csv (also after a French Excel), v1.1 JSON lines, the account archive."""

from __future__ import annotations

import shutil

from tests.importers.conftest import FIXTURES, SCENARIOS, expected_text


def test_twarc2_pages_streaming_and_flattened_lines(run_scenario):
    run = run_scenario("twarc2")
    assert run.status == 0, run.err
    assert run.posts_text() == expected_text("twarc2")
    report = run.report()
    counts = report["counts"]
    assert (counts["rows_read"], counts["duplicates_merged"], counts["unmatched"], counts["imported"]) == (13, 2, 1, 10)
    assert report["unmatched"] == {"handles": 1, "posts": 1, "by_platform": {"twitter": {"handles": 1, "posts": 1}}}
    # the last line of timeline.jsonl is cut short: counted, listed, not fatal
    assert report["invalid_json_lines"] == [{"file": "timeline.jsonl", "line": 6,
                                             "error": "Unterminated string starting at"}]
    assert [e["title"] for e in report["api_errors"]] == ["Not Found Error", "Forbidden"]
    assert "timeline.jsonl:6" in run.out and "@journal_sante" in run.out


def test_a_retweet_keeps_no_metrics_and_a_reply_to_a_deleted_tweet_stays_a_reply(run_scenario):
    posts = run_scenario("twarc2").posts().set_index("post_id")
    retweet = posts.loc["twitter:1627960064209887237"]
    assert retweet["kind"] == "repost" and retweet["account_id"] == "tw-aubert"
    assert (retweet[["likes", "comments", "shares", "quotes", "impressions"]] == "").all()   # 85 retweets were the original's
    reply = posts.loc[posts["text"].str.startswith("@ancien_compte")].iloc[0]
    assert reply["kind"] == "reply" and reply["likes"] == "2"


def test_impressions_of_zero_before_december_2022_are_missing(run_scenario):
    posts = run_scenario("twarc2").posts()
    before = posts[posts["published_at"] < "2022-12-01"]
    assert len(before) == 2 and (before["impressions"] == "").all()
    streamed = posts[posts["format"] == "video"].iloc[0]     # a 0 after December 2022 is a real 0
    assert streamed["impressions"] == "0"


def test_an_edited_tweet_is_one_post_with_its_latest_counts(run_scenario):
    posts = run_scenario("twarc2").posts().set_index("post_id")
    edited = posts.loc["twitter:1628335034987515907"]        # id of the first version
    assert edited["url"].endswith("/status/1628338809861185540")  # the latest version
    assert (edited["likes"], edited["published_at"]) == ("40", "2023-02-22T10:05:00Z")
    assert "twitter:1628338809861185540" not in posts.index


def test_the_latest_snapshot_wins_whatever_the_file_order(run_import):
    s = SCENARIOS["twarc2"]
    run = run_import(s.format, list(reversed(s.paths())))
    assert run.posts_text() == expected_text("twarc2")


def test_followers_from_user_objects_are_the_latest_snapshot(run_scenario):
    accounts = run_scenario("twarc2").accounts()
    assert accounts.loc["tw-aubert", "followers"] == "5480"      # 5400 on 03-01, 5480 on 03-08
    assert accounts.loc["tw-delorme", "followers"] == "1350"     # roster said 1200
    assert accounts.loc["tw-martin", "followers"] == "835"       # 830 streamed, 835 later
    assert accounts.loc["li-aubert", "followers"] == ""


def test_twarc_csv_merged_retweet_and_escaped_newlines(run_scenario):
    run = run_scenario("twarc-csv")
    assert run.status == 0, run.err
    assert run.posts_text() == expected_text("twarc-csv")
    posts = run.posts().set_index("post_id")
    merged_retweet = posts.loc["twitter:1576889799275683842"]
    assert merged_retweet["kind"] == "repost" and merged_retweet["likes"] == ""   # the row said 568
    assert "\n" in posts.loc["twitter:1574304052802723841", "text"]
    assert run.accounts().loc["tw-martin", "followers"] == "845"


def test_twarc_csv_resaved_by_french_excel(run_scenario):
    run = run_scenario("twarc-csv-excel-fr")
    assert run.status == 0, run.err
    assert run.posts_text() == expected_text("twarc-csv-excel-fr")
    refused = run.report()["refused"]
    assert len(refused) == 1 and refused[0]["line"] == 4 and "rounded by a spreadsheet" in refused[0]["reason"]
    assert run.report()["files"][0]["encoding"] == "cp1252"
    assert run.accounts().loc["tw-delorme", "followers"] == "1338"     # "1 338" with a no-break space


def test_twitter_v1_json_lines(run_scenario):
    run = run_scenario("twitter-v1")
    assert run.status == 0, run.err
    assert run.posts_text() == expected_text("twitter-v1")
    report = run.report()
    assert report["skipped"][0]["line"] == 4 and "control message" in report["skipped"][0]["reason"]
    assert report["snapshots"]["followers"]["tw-delorme"] == {"followers": 980, "retrieved_at": "2019-06-30T00:00:00Z"}


def test_x_archive_with_its_account_file(run_scenario):
    run = run_scenario("x-archive")
    assert run.status == 0, run.err
    assert run.posts_text() == expected_text("x-archive")
    report = run.report()
    assert report["counts"]["duplicates_merged"] == 1          # the two versions of an edited tweet
    assert set(report["snapshots"]["posts"].values()) == {"2024-01-10T09:00:00Z"}   # manifest.js generation date


def test_x_archive_without_account_file_needs_handle(run_import, tmp_path):
    lonely = tmp_path / "tweets.js"
    shutil.copy(FIXTURES / SCENARIOS["x-archive"].files[0], lonely)
    run = run_import("x-archive", [str(lonely)])
    assert run.status == 1 and "account.js" in run.err and "--handle" in run.err
    assert not (tmp_path / "dataset").exists()
    run = run_import("x-archive", [str(lonely)], "--handle", "@ClaireAubert_DG")
    assert run.status == 0
    assert run.posts()["account_id"].eq("tw-aubert").all() and len(run.posts()) == 5


def test_a_csv_given_as_twarc2_is_refused_as_a_whole(run_import):
    run = run_import("twarc2", [str(FIXTURES / "twarc-csv" / "tweets.csv")])
    assert run.status == 1
    assert "tweets.csv" in run.err and "--format" in run.err and "Traceback" not in run.err
    assert len(run.err.strip().splitlines()) == 1


def test_twarc_csv_old_layout_found_by_column_names(run_import):
    """The first twarc-csv layout: other column order, ``referenced_tweets`` as JSON, text JSON-encoded,
    and referenced tweets as rows of their own (``type``), which belong to their authors."""
    run = run_import("twarc-csv", [str(FIXTURES / "twarc-csv" / "old_layout.csv")])
    assert run.status == 0, run.err
    posts = run.posts().set_index("post_id")
    assert posts[["account_id", "published_at", "kind", "likes", "comments", "shares", "quotes"]].to_dict("index") == {
        "twitter:1400391809234280449": {"account_id": "tw-martin", "published_at": "2021-06-03T10:00:00Z", "kind": "original",
                                        "likes": "12", "comments": "1", "shares": "2", "quotes": "0"},
        "twitter:1400867443307880451": {"account_id": "tw-martin", "published_at": "2021-06-04T17:30:00Z", "kind": "quote",
                                        "likes": "4", "comments": "0", "shares": "0", "quotes": "0"},
    }
    assert posts.loc["twitter:1400391809234280449", "text"] == "Nouvelle publication dans l\u2019EHJ \nLien en bio"
    assert run.report()["unmatched"]["by_platform"] == {"twitter": {"handles": 1, "posts": 1}}
    assert "@journal_sante" in run.out
    assert run.accounts().loc["tw-martin", "followers"] == "592"


def _archive_with(tmp_path, tweet: dict):
    """The fixture archive's folder, with one more tweet in tweets.js."""
    import json

    folder = tmp_path / "archive" / "data"
    shutil.copytree(FIXTURES / "x-archive" / "twitter-2024-01-10-claire" / "data", folder)
    tweets = folder / "tweets.js"
    text = tweets.read_text(encoding="utf-8")
    items = json.loads(text[text.index("["):])
    items.append({"tweet": tweet})
    tweets.write_text("window.YTD.tweets.part0 = " + json.dumps(items, indent=2), encoding="utf-8")
    return tweets


ADDRESSED = {  # an "@name ..." tweet: addressed to a user, answering no tweet (archive numbers are strings)
    "id_str": "1654900000000000000", "id": "1654900000000000000", "created_at": "Sat May 06 17:28:21 +0000 2023",
    "full_text": "@journal_sante toutes nos félicitations pour ce classement", "favorite_count": "4",
    "retweet_count": "0", "in_reply_to_user_id_str": "880001234", "in_reply_to_user_id": "880001234",
    "in_reply_to_screen_name": "journal_sante", "entities": {"hashtags": [], "urls": [], "user_mentions": []},
}


def test_x_archive_a_tweet_addressed_to_a_user_without_a_status_is_a_reply(run_import, tmp_path):
    """The rule of docs/importers/x-archive.md: in_reply_to_user_id_str without in_reply_to_status_id_str is a reply."""
    run = run_import("x-archive", [str(_archive_with(tmp_path, ADDRESSED))])
    assert run.status == 0, run.err
    post = run.posts().set_index("post_id").loc["twitter:1654900000000000000"]
    assert post["kind"] == "reply"
    notes = run.report()["notes"]
    assert notes["tweets addressed to a user (in_reply_to_user_id) without a replied-to tweet: read as replies"] == 1
    without = dict(ADDRESSED, in_reply_to_user_id_str=None, in_reply_to_user_id=None, in_reply_to_screen_name=None)
    run = run_import("x-archive", [str(_archive_with(tmp_path / "2", without))], out=tmp_path / "d2")
    assert run.posts().set_index("post_id").loc["twitter:1654900000000000000", "kind"] == "original"


def test_the_reply_rule_is_the_same_for_every_twitter_format(run_import, tmp_path):
    import json

    v1 = {"id": 1654900000000000000, "id_str": "1654900000000000000", "created_at": "Sat May 06 17:28:21 +0000 2023",
          "full_text": "@journal_sante bravo", "in_reply_to_status_id_str": None, "in_reply_to_user_id": 880001234,
          "in_reply_to_user_id_str": "880001234", "favorite_count": 4, "retweet_count": 0,
          "user": {"id_str": "1320001001", "screen_name": "ClaireAubert_DG", "followers_count": 5500}}
    v2 = {"data": [{"id": "1654900000000000000", "author_id": "1320001001", "text": "@journal_sante bravo",
                    "in_reply_to_user_id": "880001234", "created_at": "2023-05-06T17:28:21.000Z",
                    "public_metrics": {"like_count": 4, "reply_count": 0, "retweet_count": 0, "quote_count": 0}}],
          "includes": {"users": [{"id": "1320001001", "username": "ClaireAubert_DG"}]},
          "__twarc": {"retrieved_at": "2023-05-07T00:00:00+00:00"}}
    for fmt, value in (("twitter-v1", v1), ("twarc2", v2)):
        path = tmp_path / f"{fmt}.jsonl"
        path.write_text(json.dumps(value) + "\n", encoding="utf-8")
        run = run_import(fmt, [str(path)], out=tmp_path / fmt)
        assert run.status == 0, run.err
        assert run.posts()["kind"].tolist() == ["reply"], fmt


def test_times_keep_the_milliseconds_the_tweet_ids_hold(run_scenario):
    posts = run_scenario("twarc2").posts().set_index("post_id")
    # (1625412076308636339 >> 22) + 1288834974657 = 1676363412345 ms; created_at says 08:30:12.000Z
    assert posts.loc["twitter:1625412076308636339", "published_at"] == "2023-02-14T08:30:12.345Z"
    assert posts.loc["twitter:1627960064209887237", "published_at"] == "2023-02-21T09:15:00Z"    # whole seconds


def test_milliseconds_survive_loading_and_reimporting(run_scenario, tmp_path):
    import pandas as pd

    from influence_lib.dataset import load_dataset

    out = tmp_path / "ms"
    run_scenario("twarc2", out=out)
    posts = load_dataset(out).posts.set_index("post_id")
    assert posts.loc["twitter:1625412076308636339", "published_at"] == pd.Timestamp("2023-02-14T08:30:12.345Z")
    again = run_scenario("twarc2", out=out)
    assert again.report()["counts"]["unchanged"] == 10                # read back with the same milliseconds
