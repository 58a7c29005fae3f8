"""Each format recognises its own files and refuses the others', naming the format they look like."""

from __future__ import annotations

import json

import pytest

from influence_lib.importers import DETECTORS, FORMATS
from influence_lib.importers.detect import formats_matching, sample_file
from tests.importers.conftest import FIXTURES

# Every input fixture, with the format it was exported in.
FIXTURE_FORMATS = {
    "twarc2/timeline.jsonl": "twarc2",
    "twarc2/timeline_later.jsonl": "twarc2",
    "twarc-csv/tweets.csv": "twarc-csv",
    "twarc-csv/tweets_excel_fr.csv": "twarc-csv",
    "twarc-csv/old_layout.csv": "twarc-csv",
    "twitter-v1/statuses.jsonl": "twitter-v1",
    "x-archive/twitter-2024-01-10-claire/data/tweets.js": "x-archive",
    "phantombuster-linkedin/result.csv": "phantombuster-linkedin",
    "phantombuster-linkedin/result_excel_fr.csv": "phantombuster-linkedin",
    "apify-linkedin/harvestapi_posts.json": "apify-linkedin",
    "apify-linkedin/harvestapi_posts_2025-04.json": "apify-linkedin",
    "apify-linkedin/harvestapi_activity.json": "apify-linkedin",
    "apify-linkedin/apimaestro_posts.json": "apify-linkedin",
    "apify-linkedin/apify_other_actors.jsonl": "apify-linkedin",
    "apify-linkedin/apify_export_excel.csv": "apify-linkedin",
    "bluesky/feed_sophie_page1.json": "bluesky",
    "bluesky/feed_hugo.jsonl": "bluesky",
    "bluesky/profiles.json": "bluesky",
}


def test_one_detector_per_format():
    assert list(DETECTORS) == list(FORMATS)


@pytest.mark.parametrize("name", sorted(FIXTURE_FORMATS))
def test_each_file_is_recognised_by_its_format_only(name):
    assert formats_matching(sample_file(FIXTURES / name)) == [FIXTURE_FORMATS[name]]


WRONG_PAIRS = [(fmt, name) for name, own in sorted(FIXTURE_FORMATS.items()) for fmt in FORMATS if fmt != own]


@pytest.mark.parametrize("fmt, name", WRONG_PAIRS)
def test_a_file_given_as_another_format_is_refused_naming_its_own(run_import, fmt, name):
    own = FIXTURE_FORMATS[name]
    run = run_import(fmt, [str(FIXTURES / name)], "--scraped-at", "2025-06-01T00:00:00Z")
    assert run.status == 1
    assert f"looks like a{'n' if own[0] in 'aeiox' else ''} {own} file" in run.err
    assert f"use --format {own}" in run.err and name.split("/")[-1] in run.err
    assert len(run.err.strip().splitlines()) == 1 and "Traceback" not in run.err
    assert not run.dataset.exists()


def test_the_two_pairings_that_used_to_write_empty_datasets(run_import):
    run = run_import("twarc2", [str(FIXTURES / "twitter-v1/statuses.jsonl")])
    assert run.status == 1 and "this looks like a twitter-v1 file, not twarc2: use --format twitter-v1" in run.err
    run = run_import("apify-linkedin", [str(FIXTURES / "bluesky/feed_sophie_page1.json")])
    assert run.status == 1 and "this looks like a bluesky file, not apify-linkedin: use --format bluesky" in run.err


def test_one_wrong_file_among_good_ones_stops_the_import(run_import):
    files = [str(FIXTURES / "twarc2/timeline.jsonl"), str(FIXTURES / "twitter-v1/statuses.jsonl")]
    run = run_import("twarc2", files)
    assert run.status == 1 and "statuses.jsonl" in run.err and not run.dataset.exists()


@pytest.mark.parametrize("content, what", [
    ("name,city\nAna,Lyon\n", "this CSV table does not look like"),
    (json.dumps({"hello": "world"}) + "\n", "this JSON file does not look like"),
])
def test_a_file_of_no_known_format_is_refused(run_import, tmp_path, content, what):
    path = tmp_path / "mystery.txt"
    path.write_text(content, encoding="utf-8")
    for fmt in FORMATS:
        run = run_import(fmt, [str(path)])
        assert run.status == 1 and what in run.err and f"a{'n' if fmt[0] in 'aeiox' else ''} {fmt} file" in run.err


def test_other_real_shapes_of_the_formats_are_recognised(tmp_path):
    """A v1.1 search page, a twarc2 page of errors only, flattened twarc2 lines, a twarc1 CSV, Apify's wrapper."""
    shapes = {
        "search.json": ({"statuses": [], "search_metadata": {"count": 100, "query": "from%3AMDelorme"}}, "twitter-v1"),
        "errors.jsonl": ({"errors": [{"title": "Not Found Error", "resource_type": "tweet"}],
                          "meta": {"result_count": 0}, "__twarc": {"version": "2.13.0"}}, "twarc2"),
        "flat.jsonl": ({"id": "1625412076308636339", "text": "Bonjour", "author_id": "1320001001",
                        "author": {"id": "1320001001", "username": "ClaireAubert_DG"}}, "twarc2"),
        "items.json": ({"items": [{"url": "https://www.linkedin.com/feed/update/urn:li:activity:7330490602041186817/",
                                   "numLikes": 3}]}, "apify-linkedin"),
        "stream.jsonl": ({"delete": {"status": {"id_str": "1105377887646949377"}}}, "twitter-v1"),
    }
    for name, (value, fmt) in shapes.items():
        path = tmp_path / name
        path.write_text(json.dumps(value) + "\n", encoding="utf-8")
        assert formats_matching(sample_file(path)) == [fmt], name
    twarc1 = tmp_path / "twarc1.csv"
    twarc1.write_text("id,tweet_url,created_at,user_screen_name,text,favorite_count,retweet_count\n"
                      "1105377887646949377,https://twitter.com/MDelorme/status/1105377887646949377,"
                      "Tue Mar 12 08:00:00 +0000 2019,MDelorme,Bonjour,14,3\n", encoding="utf-8")
    assert formats_matching(sample_file(twarc1)) == ["twarc-csv"]
