"""Bluesky: author feed pages (reposts, pinned items, replies to deleted posts, quotes) and profiles."""

from __future__ import annotations

from tests.importers.conftest import expected_text


def test_author_feed_and_profiles(run_scenario):
    run = run_scenario("bluesky")
    assert run.status == 0, run.err
    assert run.posts_text() == expected_text("bluesky")
    counts = run.report()["counts"]
    assert (counts["rows_read"], counts["duplicates_merged"], counts["imported"]) == (9, 1, 8)   # the pinned item
    accounts = run.accounts()
    assert (accounts.loc["bs-lenoir", "followers"], accounts.loc["bs-martin", "followers"]) == ("1520", "310")


def test_a_repost_is_the_reposters_at_the_repost_time_without_the_originals_counts(run_scenario):
    posts = run_scenario("bluesky").posts().set_index("post_id")
    repost = posts.loc["at://did:plc:s0ph1eln7r4kq2xw5vbmtd3a/app.bsky.feed.repost/3lbr7yqw2mk2c"]
    assert (repost["account_id"], repost["kind"], repost["published_at"]) == ("bs-lenoir", "repost", "2025-11-19T16:30:00Z")
    assert repost[["likes", "comments", "shares", "quotes"]].tolist() == ["", "", "", ""]   # 340 likes were acme's
    # without the repost record's uri, the id is made from the post and the reposter
    assert "at://did:plc:zzz999acmemedic4l7q2xw5vb/app.bsky.feed.post/3l5azzzz2ab2c#repost:did:plc:s0ph1eln7r4kq2xw5vbmtd3a" \
        in posts.index


def test_handles_change_dids_do_not(run_scenario):
    posts = run_scenario("bluesky").posts()
    assert (posts["account_id"] == "bs-martin").sum() == 2     # the roster holds Hugo's DID only


def test_a_quote_without_quote_count_keeps_it_missing(run_scenario):
    quote = run_scenario("bluesky").posts().query("kind == 'quote'").iloc[0]
    assert (quote["likes"], quote["quotes"]) == ("15", "")
