"""Twitter / X: twarc2 JSON lines (API v2), twarc-csv, v1.1 JSON lines and the account archive.

Every tweet becomes a post ``twitter:<id>`` of the account whose username (or user id) matches the
roster. Retweets are ``repost`` with empty counts (the API gives the original's counts on them),
quotes ``quote``, replies ``reply``: a tweet that answers a tweet, or that is addressed to a user
(``in_reply_to_user_id``) without naming a tweet, the old "@name ..." tweets that X filed and showed
as replies. The time comes from the tweet id (a snowflake holds it to the millisecond), ``created_at``
when the id holds none. An edited tweet keeps the id of its first version
(``edit_history_tweet_ids``) and the counts of its latest one.
"""

from __future__ import annotations

import html
import json
from functools import partial
from pathlib import Path
from typing import Any

from influence_lib.importers.errors import FileRefused
from influence_lib.importers.files import FileStats, iter_json_values
from influence_lib.importers.ids import normalize_handle, repair_id, spreadsheet_rounded, tweet_id_ms, tweet_ids_in
from influence_lib.importers.parsing import ParseContext, read_counts, read_json_file, read_json_files
from influence_lib.importers.values import dig, try_parse_time

PLATFORM = "twitter"
IMPRESSIONS_SINCE_MS = 1669852800000  # 2022-12-01T00:00:00Z: before it the API gives impression_count 0
_MEDIA_FORMATS = {"photo": "image", "video": "video", "animated_gif": "video"}
_MEDIA_KEY_PREFIX = {"3": "photo", "7": "video", "13": "video", "16": "animated_gif"}
_STREAM_CONTROL = ("delete", "limit", "scrub_geo", "status_withheld", "user_withheld", "warning",
                   "disconnect", "event", "friends")


# --- shared by every Twitter layout -------------------------------------------------------------

def tweet_time(ctx: ParseContext, tweet_id: str, created_at: Any) -> tuple[int | None, str | None]:
    """Publication time in epoch ms: the id's when it is a snowflake, else ``created_at``; or the refusal reason."""
    from_id = tweet_id_ms(tweet_id)
    parsed = try_parse_time(created_at)
    if from_id is not None:
        if parsed is not None and abs(parsed.ms - from_id) > 60_000:
            ctx.report.note("created_at disagrees with the time held by the tweet id; the id's time was kept")
        return from_id, None
    if parsed is not None:
        if parsed.assumed_utc:
            ctx.report.note("tweet dates without a time zone read as UTC")
        return parsed.ms, None
    return None, f"no date: created_at {created_at!r} cannot be read and the id {tweet_id} holds no time"


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _text(value: Any) -> str | None:
    return html.unescape(value) if isinstance(value, str) else None


def _url(username: str | None, tweet_id: str) -> str:
    return f"https://x.com/{username}/status/{tweet_id}" if username else f"https://x.com/i/web/status/{tweet_id}"


def _link_format(urls: Any) -> str | None:
    for item in urls or []:
        expanded = (item.get("expanded_url") or item.get("url") or "") if isinstance(item, dict) else str(item)
        if expanded and not tweet_ids_in(expanded) and "pic.twitter.com" not in expanded:
            return "link"
    return None


def _tweet_format(media_types: list[Any], has_poll: bool, urls: Any) -> str:
    """The canonical format of a tweet: video, then image (from its media types), poll, link, text."""
    formats = {_MEDIA_FORMATS.get(t) for t in media_types} - {None}
    if "video" in formats:
        return "video"
    if "image" in formats:
        return "image"
    if has_poll:
        return "poll"
    return _link_format(urls) or "text"


def _finish(ctx: ParseContext, stats: FileStats, line: int, record: dict, counts: dict[str, Any]) -> None:
    """Counts (emptied for retweets, impression 0 before Dec 2022 read as missing), then add the post."""
    if record["kind"] == "repost":
        if any(v not in (None, "", 0, "0") for v in counts.values()):
            ctx.report.note("retweets: counts on the row are the original tweet's; left empty")
        counts = {}
    reason = read_counts(record, counts)
    if reason:
        ctx.refuse(stats, line, f"tweet {record['post_id']}: {reason}")
        return
    if record.get("impressions") == 0 and record["published_ms"] < IMPRESSIONS_SINCE_MS:
        record["impressions"] = None
        ctx.report.note("impression_count 0 on tweets from before December 2022 read as missing")
    ctx.add_post(stats, line, **record)


def _base_record(ctx, stats, line, tweet_id_raw, candidates, edit_ids, created_at, username, user_id,
                 trust_digits=True):
    """The id, edit group, time and author of a tweet; ``None`` (row refused) when unusable."""
    tweet_id, status = repair_id(tweet_id_raw, candidates, trust_digits=trust_digits)
    if tweet_id is None:
        ctx.refuse(stats, line, status)
        return None
    if status == "rebuilt":
        ctx.report.note("tweet ids rounded by a spreadsheet, rebuilt from the URLs or edit history on the row")
    edit_ids = [str(i) for i in edit_ids or [] if str(i).isdigit()]
    if tweet_id not in edit_ids:
        edit_ids = []  # a history that does not hold the tweet itself says nothing about it
    group = edit_ids[0] if edit_ids else tweet_id
    published, reason = tweet_time(ctx, group, created_at if group == tweet_id else None)
    if published is None:
        published, reason = tweet_time(ctx, tweet_id, created_at)
    if published is None:
        ctx.refuse(stats, line, reason)
        return None
    user_id = str(user_id).strip() if user_id is not None else ""
    user_id = user_id if user_id.isdigit() else None
    handle = normalize_handle(PLATFORM, username) if username else None
    if handle is None and user_id is None and ctx.handle:
        handle = normalize_handle(PLATFORM, ctx.handle)
    return {
        "post_id": f"twitter:{group}", "version": int(tweet_id), "platform": PLATFORM,
        "aliases": tuple(f"twitter:{i}" for i in edit_ids if i != group),
        "handle": handle, "alt": user_id,
        "display": f"@{username}" if username else (f"user id {user_id}" if user_id else None),
        "published_ms": published, "url": _url(username, tweet_id),
    }


# --- API v2: twarc2 ---------------------------------------------------------------------------------

def _v2_format(tweet: dict, media_types: dict[str, str]) -> str:
    types = [m.get("type") for m in dig(tweet, "attachments.media") or [] if isinstance(m, dict)]
    for key in dig(tweet, "attachments.media_keys") or []:
        types.append(media_types.get(key) or _MEDIA_KEY_PREFIX.get(str(key).split("_")[0]))
    has_poll = bool(dig(tweet, "attachments.poll_ids") or dig(tweet, "attachments.poll"))
    return _tweet_format(types, has_poll, dig(tweet, "entities.urls"))


def tweet_kind(ctx: ParseContext, retweet: bool, quote: bool, reply_to_tweet: bool, reply_to_user: Any) -> str:
    """The kind of a tweet, the same rule for every Twitter format.

    ``repost`` (a retweet), else ``quote``, else ``reply`` when it answers a tweet or is addressed to a
    user (``in_reply_to_user_id``) without naming a tweet, else ``original``. Such "@name ..." tweets
    were filed by X among the replies and shown only to people following both accounts: they are not
    the author's posts to their audience. Each one is counted in the report's notes.
    """
    if retweet:
        return "repost"
    if quote:
        return "quote"
    if reply_to_tweet:
        return "reply"
    if str(reply_to_user or "").strip() not in ("", "None", "null"):
        ctx.report.note("tweets addressed to a user (in_reply_to_user_id) without a replied-to tweet: read as replies")
        return "reply"
    return "original"


def _v2_kind(ctx: ParseContext, referenced_types: set[str], in_reply_to_user_id: Any) -> str:
    return tweet_kind(ctx, "retweeted" in referenced_types, "quoted" in referenced_types,
                      "replied_to" in referenced_types, in_reply_to_user_id)


def _add_v2_tweet(ctx, stats, line, tweet: dict, users: dict, media_types: dict, retrieved: int | None) -> None:
    author = tweet.get("author") if isinstance(tweet.get("author"), dict) else users.get(str(tweet.get("author_id")))
    author = author or {}
    base = _base_record(ctx, stats, line, tweet.get("id"), [], tweet.get("edit_history_tweet_ids"),
                        tweet.get("created_at"), author.get("username"), tweet.get("author_id") or author.get("id"))
    if base is None:
        return
    referenced = {r.get("type") for r in tweet.get("referenced_tweets") or [] if isinstance(r, dict)}
    metrics = tweet.get("public_metrics")
    if not isinstance(metrics, dict):
        metrics = {}
        ctx.report.note("tweets without public_metrics: counts left empty")
    record = dict(base, kind=_v2_kind(ctx, referenced, tweet.get("in_reply_to_user_id")),
                  format=_v2_format(tweet, media_types),
                  text=_text(dig(tweet, "note_tweet.text") or tweet.get("text")), retrieved_s=retrieved)
    _finish(ctx, stats, line, record, {
        "likes": metrics.get("like_count"), "comments": metrics.get("reply_count"),
        "shares": metrics.get("retweet_count"), "quotes": metrics.get("quote_count"),
        "impressions": metrics.get("impression_count")})


def _add_v2_user(ctx, stats, line, user: dict, retrieved: int | None) -> None:
    followers = dig(user, "public_metrics.followers_count")
    if followers is None:
        return
    ctx.add_followers(stats, line, PLATFORM, normalize_handle(PLATFORM, user.get("username")),
                      str(user.get("id")) if user.get("id") else None, followers, retrieved)


def _twarc2_value(ctx: ParseContext, stats: FileStats, line: int, value: Any) -> bool:
    """One JSON line of twarc2 output: a page, a streaming line, a flattened tweet or user."""
    if not isinstance(value, dict):
        ctx.skip(stats, line, "a JSON value that is not a twarc2 page or tweet")
        return False
    retrieved = ctx.retrieval_seconds(dig(value, "__twarc.retrieved_at"))
    for error in value.get("errors") or []:
        if isinstance(error, dict):
            # the detail names the deleted tweet's or suspended user's handle: someone outside the roster
            ctx.report.api_errors.append({"file": stats.name, "line": line, "title": error.get("title"),
                                          "resource_type": error.get("resource_type")})
    data = value.get("data")
    includes = value.get("includes") if isinstance(value.get("includes"), dict) else {}
    if data is None and "id" in value and ("text" in value or "author_id" in value):
        items = [value]  # twarc2 flatten: one tweet a line, author expanded
    elif data is None and "username" in value:
        _add_v2_user(ctx, stats, line, value, retrieved)
        return True
    elif isinstance(data, dict):
        items = [data]  # twarc2 stream
    elif isinstance(data, list):
        items = data
    elif data is None and ("errors" in value or "meta" in value):
        return True  # a page of errors only, or an empty page
    else:
        ctx.skip(stats, line, "a JSON line that is not a twarc2 page or tweet")
        return False
    users = {str(u.get("id")): u for u in includes.get("users") or [] if isinstance(u, dict)}
    for user in users.values():
        _add_v2_user(ctx, stats, line, user, retrieved)
    media_types = {m.get("media_key"): m.get("type") for m in includes.get("media") or [] if isinstance(m, dict)}
    for item in items:
        if not isinstance(item, dict):
            ctx.skip(stats, line, "an item of data that is not a tweet")
        elif "username" in item and "text" not in item:
            _add_v2_user(ctx, stats, line, item, retrieved)
        else:
            if isinstance(item.get("author"), dict):
                _add_v2_user(ctx, stats, line, item["author"], retrieved)
            _add_v2_tweet(ctx, stats, line, item, users, media_types, retrieved)
    return True


def parse_twarc2(paths: list[Path], ctx: ParseContext) -> None:
    """twarc2 output: JSON lines of API v2 response pages, streaming lines, or flattened tweets."""
    read_json_files(paths, ctx, _twarc2_value, "twarc2 output (JSON lines of API v2 pages)")


# --- twarc-csv ------------------------------------------------------------------------------------------

def _json_cell(value: str) -> Any:
    if not value or value[:1] not in "[{":
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def _csv_text(value: str, old_layout: bool) -> str | None:
    if not value:
        return None
    if old_layout and len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return html.unescape(json.loads(value))  # the old layout writes the text JSON-encoded
        except ValueError:
            pass
    return html.unescape(value.replace("\\n", "\n"))


def _csv_format(get) -> str:
    media = _json_cell(get("attachments.media")) or []
    types = [m.get("type") for m in media if isinstance(m, dict)]
    for key in _json_cell(get("attachments.media_keys")) or []:
        types.append(_MEDIA_KEY_PREFIX.get(str(key).split("_")[0]))
    has_poll = bool(get("attachments.poll_ids") or get("attachments.poll.id"))
    return _tweet_format(types, has_poll, _json_cell(get("entities.urls")))


def parse_twarc_csv(paths: list[Path], ctx: ParseContext) -> None:
    """CSV written by ``twarc2 csv`` (tweets, or users with ``--input-data-type users``).

    Columns are found by name, never by position (the layout changed between versions).
    """
    for path in paths:
        stats, table = ctx.read_csv_file(path)
        if table.column("id") is None:
            raise FileRefused(path, 1, "no 'id' column: this is not a twarc-csv file (is --format right?)")
        if table.column("text") is None:
            if table.column("username") and table.column("public_metrics.followers_count"):
                for line, row in table.rows:
                    ctx.add_followers(stats, line, PLATFORM, normalize_handle(PLATFORM, row[table.column("username")]),
                                      row[table.column("id")] or None,
                                      row[table.column("public_metrics.followers_count")],
                                      ctx.retrieval_seconds(row.get(table.column("__twarc.retrieved_at") or "")))
                continue
            raise FileRefused(path, 1, "no 'text' column: this is not a twarc-csv tweets file")
        old_layout = table.column("referenced_tweets") is not None
        rounded = spreadsheet_rounded([row[table.column("id")] for _, row in table.rows])
        if rounded:
            ctx.report.note(f"{stats.name}: tweet ids were rounded by a spreadsheet; each one is rebuilt from the "
                            f"edit history or URLs on its row, or the row is refused")
        for line, get in table.cells():
            _add_csv_row(ctx, stats, line, get, old_layout, trust_digits=not rounded)


def _add_csv_row(ctx, stats, line, get, old_layout: bool, trust_digits: bool) -> None:
    edit_ids = _json_cell(get("edit_history_tweet_ids")) or []
    candidates = [str(i) for i in edit_ids] + tweet_ids_in(get("tweet_url")) + tweet_ids_in(get("entities.urls"))
    retrieved = ctx.retrieval_seconds(get("__twarc.retrieved_at"))
    username = get("author.username") or get("user_screen_name") or None
    base = _base_record(ctx, stats, line, get("id"), candidates, edit_ids, get("created_at"),
                        username, get("author.id") or get("author_id"), trust_digits=trust_digits)
    if base is None:
        return
    referenced = set()
    for name in ("retweeted", "quoted", "replied_to"):
        if get(f"referenced_tweets.{name}.id"):
            referenced.add(name)
    for ref in _json_cell(get("referenced_tweets")) or []:
        if isinstance(ref, dict):
            referenced.add(ref.get("type"))
    kind = _v2_kind(ctx, referenced, get("in_reply_to_user_id"))
    record = dict(base, kind=kind, format=_csv_format(get), text=_csv_text(get("text"), old_layout),
                  retrieved_s=retrieved)
    followers = get("author.public_metrics.followers_count")
    if followers and (base["handle"] or base["alt"]):
        ctx.add_followers(stats, line, PLATFORM, base["handle"], base["alt"], followers, retrieved)
    impressions = get("public_metrics.impression_count")
    _finish(ctx, stats, line, record, {
        "likes": get("public_metrics.like_count"), "comments": get("public_metrics.reply_count"),
        "shares": get("public_metrics.retweet_count"), "quotes": get("public_metrics.quote_count"),
        "impressions": impressions})


# --- API v1.1 and the account archive ------------------------------------------------------------------

def _v1_format(tweet: dict) -> str:
    media = (dig(tweet, "extended_tweet.extended_entities.media") or dig(tweet, "extended_entities.media")
             or dig(tweet, "entities.media") or [])
    types = [m.get("type") for m in media if isinstance(m, dict)]
    urls = dig(tweet, "extended_tweet.entities.urls") or dig(tweet, "entities.urls")
    return _tweet_format(types, False, urls)


def _v1_text(tweet: dict) -> str | None:
    return _text(dig(tweet, "extended_tweet.full_text") or tweet.get("full_text") or tweet.get("text"))


def _add_v1_tweet(ctx, stats, line, tweet: dict, archive: bool, account: dict | None = None) -> None:
    user = tweet.get("user") if isinstance(tweet.get("user"), dict) else (account or {})
    tweet_id = tweet.get("id_str") or (str(tweet["id"]) if tweet.get("id") is not None else "")
    edit_ids = (dig(tweet, "edit_info.initial.editTweetIds") or dig(tweet, "edit_info.edit.editControlInitial.editTweetIds")
                or dig(tweet, "edit_history.edit_tweet_ids") or [])
    initial = dig(tweet, "edit_info.edit.initialTweetId") or dig(tweet, "edit_history.initial_tweet_id")
    if initial and str(initial) not in [str(i) for i in edit_ids]:
        edit_ids = [str(initial)] + [str(i) for i in edit_ids]
    base = _base_record(ctx, stats, line, tweet_id, [], edit_ids, tweet.get("created_at"),
                        user.get("screen_name") or user.get("username"),
                        user.get("id_str") or user.get("accountId") or user.get("id"))
    if base is None:
        return
    text = _v1_text(tweet)
    quote = (_truthy(tweet.get("is_quote_status")) or bool(tweet.get("quoted_status"))
             or bool(tweet.get("quoted_status_id_str"))
             or (archive and any(tweet_ids_in(u.get("expanded_url")) for u in dig(tweet, "entities.urls") or []
                                 if isinstance(u, dict))))
    kind = tweet_kind(ctx, bool(tweet.get("retweeted_status")) or (text or "").startswith("RT @"), quote,
                      bool(tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id")),
                      tweet.get("in_reply_to_user_id_str") or tweet.get("in_reply_to_user_id"))
    record = dict(base, kind=kind, format=_v1_format(tweet), text=text, retrieved_s=ctx.scraped_s)
    if not archive and user.get("followers_count") is not None:
        ctx.add_followers(stats, line, PLATFORM, base["handle"], base["alt"], user.get("followers_count"),
                          ctx.scraped_s)
    _finish(ctx, stats, line, record, {
        "likes": tweet.get("favorite_count"), "shares": tweet.get("retweet_count"),
        "comments": tweet.get("reply_count"), "quotes": tweet.get("quote_count")})


def _v1_value(ctx: ParseContext, stats: FileStats, line: int, value: Any) -> bool:
    """One JSON value of v1.1 tweets: a tweet, a search page (``statuses``) or a stream control message."""
    recognised = False
    tweets = value.get("statuses") if isinstance(value, dict) and "statuses" in value else [value]
    for tweet in tweets:
        if not isinstance(tweet, dict):
            ctx.skip(stats, line, "a JSON value that is not a tweet")
        elif any(k in tweet for k in _STREAM_CONTROL) and "id_str" not in tweet:
            ctx.skip(stats, line, "a stream control message (delete, limit...), not a tweet", "stream_control")
            recognised = True
        elif ("id_str" in tweet or "id" in tweet) and ("text" in tweet or "full_text" in tweet):
            recognised = True
            _add_v1_tweet(ctx, stats, line, tweet, archive=False)
        else:
            ctx.skip(stats, line, "a JSON value that is not a v1.1 tweet")
    return recognised


def parse_twitter_v1(paths: list[Path], ctx: ParseContext) -> None:
    """Twitter API v1.1 tweets: JSON lines (twarc1, streaming), a JSON array, or search pages (``statuses``)."""
    read_json_files(paths, ctx, _v1_value, "Twitter v1.1 tweets (JSON lines)")


def _archive_account(path: Path, ctx: ParseContext) -> dict | None:
    """The account of an archive: ``data/account.js`` beside the tweets file (or ``--handle``)."""
    if ctx.handle:
        return {"username": ctx.handle.lstrip("@")}
    for candidate in (path.parent / "account.js", path.parent.parent / "data" / "account.js"):
        if candidate.exists():
            for _, value in iter_json_values(candidate, FileStats(str(candidate)), js_assignment=True):
                account = dig(value, "account") if isinstance(value, dict) else None
                if isinstance(account, dict) and account.get("username"):
                    return account
    return None


def _archive_generated(path: Path) -> int | None:
    manifest = path.parent / "manifest.js"
    if not manifest.exists():
        return None
    text = manifest.read_text(encoding="utf-8", errors="replace")
    start = text.find("{")
    try:
        data = json.loads(text[start:].rstrip().rstrip(";"))
    except ValueError:
        return None
    parsed = try_parse_time(dig(data, "archiveInfo.generationDate"))
    return parsed.seconds if parsed else None


def parse_x_archive(paths: list[Path], ctx: ParseContext) -> None:
    """``data/tweets.js`` (or ``tweet.js``, ``tweets-part1.js``) of an X "Download your archive".

    The account comes from ``account.js`` in the same folder (pass ``--handle`` otherwise); the
    archive's ``manifest.js`` generation date is the retrieval time when ``--scraped-at`` is absent.
    Files named ``account.js`` or ``manifest.js`` given as FILE are read for that purpose only.
    """
    for path in paths:
        if path.name in ("account.js", "manifest.js"):
            continue
        account = _archive_account(path, ctx)
        if account is None:
            raise FileRefused(path, None, "no account.js beside this archive file, so the account is unknown; "
                                          "keep the archive's data folder together or pass --handle")
        given_scraped_s = ctx.scraped_s
        ctx.scraped_s = given_scraped_s or _archive_generated(path)
        read_json_file(ctx, path, partial(_archive_value, account=account), "an X archive tweets.js",
                       js_assignment=True)
        ctx.scraped_s = given_scraped_s


def _archive_value(ctx: ParseContext, stats: FileStats, line: int, value: Any, account: dict) -> bool:
    """One item of an archive's tweets.js: ``{"tweet": {...}}``."""
    tweet = value.get("tweet", value) if isinstance(value, dict) else None
    if isinstance(tweet, dict) and ("id_str" in tweet or "id" in tweet):
        _add_v1_tweet(ctx, stats, line, tweet, archive=True, account=account)
        return True
    ctx.skip(stats, line, "an archive item that is not a tweet")
    return False
