"""The values collection tools write: counts, dates, ids, handles, and the files themselves."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from influence_lib.importers.errors import FileRefused
from influence_lib.importers.files import FileStats, JsonProblem, iter_json_values, read_csv_table
from influence_lib.importers.ids import (
    linkedin_id_ms,
    linkedin_id_seconds,
    linkedin_ids_in,
    normalize_handle,
    repair_id,
    spreadsheet_rounded,
    tweet_id_ms,
    tweet_id_seconds,
)
from influence_lib.importers.values import (
    format_time,
    format_time_ms,
    parse_count,
    parse_scraped_at,
    parse_time,
    relative_seconds,
)

DAY = 86400


@pytest.mark.parametrize("text, expected", [
    ("1234", 1234), ("1 234", 1234), ("1\u00a0234", 1234), ("1\u202f234", 1234), ("1,234", 1234), ("1.234", 1234),
    ("1,2K", 1200), ("1.2K", 1200), ("3,4 k", 3400), ("2M", 2_000_000), ("1 234 abonnés", 1234),
    ("283,369 followers", 283369), ("500+", 500), ("90.0", 90), ("0", 0), ("12 345 678", 12345678),
    ("1 234 membres", 1234), (" 87 ", 87), ("", None), ("N/A", None), ("NaN", None), ("-", None),
    (7, 7), (7.0, 7), (None, None), (float("nan"), None),
])
def test_counts_as_tools_write_them(text, expected):
    assert parse_count(text) == expected


@pytest.mark.parametrize("text", ["1,5", "-3", "abc", "12abc3", "1.2.3x", -1, 2.5, True])
def test_unreadable_counts_are_refused_with_the_value(text):
    with pytest.raises(ValueError, match="count|whole"):
        parse_count(text)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_thousands_separators_round_trip(n):
    french = f"{n:,}".replace(",", "\u202f")
    assert parse_count(french) == n
    assert parse_count(f"{n:,}") == n
    assert parse_count(f"{n:,} followers") == n


@pytest.mark.parametrize("text, seconds", [
    ("5m", 300), ("2h", 7200), ("2d", 2 * DAY), ("3w", 21 * DAY), ("4mo", 4 * 30.4375 * DAY), ("1yr", 365.25 * DAY),
    ("il y a 2 j", 2 * DAY), ("2 sem.", 14 * DAY), ("3 mois", 3 * 30.4375 * DAY), ("18 mnd", 18 * 30.4375 * DAY),
    ("6 days ago • Visible to anyone on or off LinkedIn", 6 * DAY), ("2 months ago", 2 * 30.4375 * DAY),
    ("a day ago", DAY), ("1 an", 365.25 * DAY), ("hier", DAY), ("1d • Edited • Visible to anyone", DAY),
    ("Edited • 2d", 2 * DAY),
])
def test_relative_dates(text, seconds):
    assert relative_seconds(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["Promoted", "Sponsorisé", "", "2025-05-16", None, 12])
def test_text_that_is_not_a_relative_date(text):
    assert relative_seconds(text) is None


@pytest.mark.parametrize("value, iso, assumed", [
    ("2022-09-25T23:59:59.000Z", "2022-09-25T23:59:59Z", False),
    ("2021-05-19T15:26:17+00:00", "2021-05-19T15:26:17Z", False),
    ("2021-03-04T10:15:00+01:00", "2021-03-04T09:15:00Z", False),
    ("Wed Oct 10 20:19:24 +0000 2018", "2018-10-10T20:19:24Z", False),
    ("2025-05-15 14:30:20", "2025-05-15T14:30:20Z", True),
    ("18/12/2022 20:52", "2022-12-18T20:52:00Z", True),
    ("12/18/2022 20:52", "2022-12-18T20:52:00Z", True),
    (1747419119821, "2025-05-16T18:11:59Z", False),
    ("1747419119821", "2025-05-16T18:11:59Z", False),
    (1747419119, "2025-05-16T18:11:59Z", False),
])
def test_dates(value, iso, assumed):
    parsed = parse_time(value)
    assert format_time(parsed.seconds) == iso
    assert parsed.assumed_utc is assumed


def test_unreadable_dates_and_scraped_at():
    with pytest.raises(ValueError):
        parse_time("hier soir")
    assert parse_time("") is None
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_scraped_at("yesterday")
    assert format_time(parse_scraped_at("2025-06-16T22:13:00Z")) == "2025-06-16T22:13:00Z"


@pytest.mark.parametrize("value, iso", [
    ("2022-12-16T18:43:10.632Z", "2022-12-16T18:43:10.632Z"),
    ("2025-11-19T10:00:05.123456+00:00", "2025-11-19T10:00:05.123Z"),      # microseconds: cut to the millisecond
    ("2021-03-04T10:15:00.5+01:00", "2021-03-04T09:15:00.500Z"),
    ("2022-09-25T23:59:59.000Z", "2022-09-25T23:59:59Z"),
    (1747419119821, "2025-05-16T18:11:59.821Z"), ("1747419119821", "2025-05-16T18:11:59.821Z"),
    (1747419119.821, "2025-05-16T18:11:59.821Z"),                          # epoch seconds with a fraction
    ("1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"),
])
def test_dates_keep_their_milliseconds(value, iso):
    assert format_time_ms(parse_time(value).ms) == iso


def test_ids_hold_their_time():
    assert format_time_ms(tweet_id_ms("1603823063690199040")) == "2022-12-16T18:43:10.632Z"
    assert format_time_ms(linkedin_id_ms("7329207003942125568")) == "2025-05-16T18:11:59.821Z"
    # the reference's checked examples
    assert format_time(tweet_id_seconds("1603823063690199040")) == "2022-12-16T18:43:10Z"
    assert format_time(linkedin_id_seconds("7329207003942125568")) == "2025-05-16T18:11:59Z"
    assert tweet_id_seconds("20") is None          # a 2006 sequential id holds no time
    assert tweet_id_seconds("1,60382E+18") is None


def test_ids_rounded_by_a_spreadsheet_are_rebuilt_from_the_url_or_refused():
    real = "7329207003942125568"
    assert repair_id("7,32921E+18", [real]) == (real, "rebuilt")
    assert repair_id("7.32921E+18", [real]) == (real, "rebuilt")
    assert repair_id("7329207003942120000", [real]) == (real, "rebuilt")
    assert repair_id("", [real]) == (real, "rebuilt")
    value, reason = repair_id("7,32921E+18", [])
    assert value is None and "spreadsheet" in reason
    value, reason = repair_id("7,32921E+18", ["7329999999999999999"])
    assert value is None
    assert repair_id(real, []) == (real, "ok")
    assert repair_id("1692845611545530000", [], trust_digits=True) == ("1692845611545530000", "ok")
    assert repair_id("1692845611545530000", ["1692845611545530000"]) == ("1692845611545530000", "ok")
    assert repair_id("abc", [])[0] is None


def test_a_column_of_ids_tells_whether_a_spreadsheet_rounded_it():
    assert spreadsheet_rounded(["1,57433E+18", "1574330000000000000"])
    assert spreadsheet_rounded(["1574330000000000000", "1574330000000010000"])
    assert not spreadsheet_rounded(["1574331234567890123", "1692845611545530000", "1574331234567890999"])
    assert not spreadsheet_rounded([])


@pytest.mark.parametrize("platform, value, key", [
    ("twitter", "@ClaireAubert_DG", "claireaubert_dg"),
    ("twitter", "https://twitter.com/mdelorme?lang=fr", "mdelorme"),
    ("twitter", "x.com/HugoMartinMD", "hugomartinmd"),
    ("twitter", "https://mobile.twitter.com/HugoMartinMD/status/123", "hugomartinmd"),
    ("twitter", "1320001001", "1320001001"),
    ("linkedin", "https://www.linkedin.com/in/claire-aubert-3b2a1/", "claire-aubert-3b2a1"),
    ("linkedin", "https://fr.linkedin.com/in/sophie-lenoir?originalSubdomain=fr", "sophie-lenoir"),
    ("linkedin", "https://www.linkedin.com/in/jean-fran%C3%A7ois-dupont/recent-activity/all/", "jean-françois-dupont"),
    ("linkedin", "https://www.linkedin.com/company/laboratoires-aubrac/", "laboratoires-aubrac"),
    ("linkedin", "linkedin.com/in/Hugo-Martin-MD?miniProfileUrn=urn%3Ali%3Afs_miniProfile%3AACoA", "hugo-martin-md"),
    ("linkedin", "hugo-martin-md", "hugo-martin-md"),
    ("bluesky", "@SophieLenoir.bsky.social", "sophielenoir.bsky.social"),
    ("bluesky", "https://bsky.app/profile/acme-medical.com", "acme-medical.com"),
    ("bluesky", "did:plc:k3hm7vdxq2wzl5ny4rtcbo6f", "did:plc:k3hm7vdxq2wzl5ny4rtcbo6f"),
    ("bluesky", "at://did:plc:abc/app.bsky.feed.post/3lb", "did:plc:abc"),
    ("twitter", "", None), ("linkedin", None, None),
])
def test_handles_are_matched_after_normalisation(platform, value, key):
    assert normalize_handle(platform, value) == key


def test_linkedin_ids_in_urls_and_urns():
    assert linkedin_ids_in("https://www.linkedin.com/posts/williamhgates_x-activity-7329207003942125568-_gfJ") == \
        [("activity", "7329207003942125568")]
    assert linkedin_ids_in("https://www.linkedin.com/feed/update/urn%3Ali%3AugcPost%3A7458000000000000001") == \
        [("ugcPost", "7458000000000000001")]
    assert linkedin_ids_in("urn:li:share:7123456789012345678") == [("share", "7123456789012345678")]
    assert linkedin_ids_in("https://www.linkedin.com/pulse/un-article-claire-aubert-3b2a1/") == []


def test_csv_from_french_excel_is_read(tmp_path):
    path = tmp_path / "export.csv"
    text = 'postUrl;postContent;likeCount\r\n"https://x/1";"Deux\r\nlignes é";1\xa0234;\r\n\r\n"https://x/2";"Sans ""guillemets""";12;\r\n'
    path.write_bytes(text.encode("cp1252"))
    stats = FileStats(str(path))
    table = read_csv_table(path, stats)
    assert (stats.encoding, stats.separator) == ("cp1252", ";")
    assert table.columns == ["postUrl", "postContent", "likeCount"]
    assert [line for line, _ in table.rows] == [2, 5]
    assert table.rows[0][1]["postContent"] == "Deux\r\nlignes é"
    assert table.rows[1][1]["postContent"] == 'Sans "guillemets"'
    assert table.column("POSTURL") == "postUrl"


def test_csv_with_bom_and_a_cell_beyond_the_header(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("\ufeffid,text\n1,a\n2,b,surprise\n".encode("utf-8"))
    with pytest.raises(FileRefused, match="line 3|:3") as exc:
        read_csv_table(path, FileStats(str(path)))
    assert exc.value.line == 3
    path.write_bytes("\ufeffid,text\n1,a\n".encode("utf-8"))
    table = read_csv_table(path, FileStats(str(path)))
    assert table.columns == ["id", "text"]


def test_json_lines_with_a_truncated_last_line(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n\n{"a": 2}\n{"a": 3, "b": "cou', encoding="utf-8")
    values = list(iter_json_values(path, FileStats(str(path))))
    assert [(line, v) for line, v in values if not isinstance(v, JsonProblem)] == [(1, {"a": 1}), (3, {"a": 2})]
    problems = [v for _, v in values if isinstance(v, JsonProblem)]
    assert len(problems) == 1 and problems[0].line == 4


def test_json_array_and_pretty_documents_keep_their_lines(tmp_path):
    path = tmp_path / "items.json"
    path.write_text('[\n  {"a": 1},\n  {\n    "a": 2\n  }\n]\n', encoding="utf-8")
    assert list(iter_json_values(path, FileStats(str(path)))) == [(2, {"a": 1}), (3, {"a": 2})]
    path.write_text('{\n "feed": []\n}\n{\n "feed": [1]\n}\n', encoding="utf-8")
    assert list(iter_json_values(path, FileStats(str(path)))) == [(1, {"feed": []}), (4, {"feed": [1]})]
    path.write_text('window.YTD.tweets.part0 = [\n {"tweet": {"id": "1"}}\n]', encoding="utf-8")
    assert list(iter_json_values(path, FileStats(str(path)), js_assignment=True)) == [(2, {"tweet": {"id": "1"}})]
    path.write_text('[\n {"a": 1},\n {"a": ', encoding="utf-8")
    values = list(iter_json_values(path, FileStats(str(path))))
    assert values[0] == (2, {"a": 1}) and isinstance(values[1][1], JsonProblem) and values[1][0] == 3
