"""Bluesky: ``app.bsky.feed.getAuthorFeed`` pages and ``app.bsky.actor.getProfile`` answers.

A post's id is its at-uri. An item with ``reason: reasonRepost`` is a ``repost`` by ``reason.by``
at ``reason.indexedAt``, with empty counts (the item's counts are the original's); its id is the
repost record's uri when the AppView gives it, else ``<post uri>#repost:<reposter DID>``. Pinned
items (``reasonPin``) repeat a post and are merged with it. Handles are matched on the handle, then
the DID (handles change, DIDs do not). ``followersCount`` of profiles updates the followers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from influence_lib.importers.files import FileStats
from influence_lib.importers.ids import normalize_handle
from influence_lib.importers.parsing import ParseContext, read_counts, read_json_files
from influence_lib.importers.values import dig, try_parse_time

PLATFORM = "bluesky"
_FUTURE_TOLERANCE_MS = 600_000
_DAY_MS = 86_400_000
_QUOTE_EMBEDS = ("app.bsky.embed.record", "app.bsky.embed.recordWithMedia")
_EMBED_FORMATS = {
    "app.bsky.embed.images": "image", "app.bsky.embed.video": "video", "app.bsky.embed.external": "link",
}


def _embed_type(embed: Any) -> str:
    return str(embed.get("$type") or "").split("#")[0] if isinstance(embed, dict) else ""


def _format(record: dict, view_embed: Any) -> str:
    embed = record.get("embed") if isinstance(record.get("embed"), dict) else view_embed
    kind = _embed_type(embed)
    if kind == "app.bsky.embed.recordWithMedia":
        kind = _embed_type(embed.get("media"))
    return _EMBED_FORMATS.get(kind, "text")


def _is_quote(record: dict, view_embed: Any) -> bool:
    embed = record.get("embed") if isinstance(record.get("embed"), dict) else view_embed
    kind = _embed_type(embed)
    if kind not in _QUOTE_EMBEDS:
        return False
    inner = embed.get("record")
    if kind == "app.bsky.embed.recordWithMedia" and isinstance(inner, dict):
        inner = inner.get("record", inner)
    uri = str(dig(inner, "uri") or dig(inner, "record.uri") or "")
    return "/app.bsky.feed.post/" in uri or not uri  # a list or a feed embedded is not a quote


def _ms(value: Any) -> int | None:
    parsed = try_parse_time(value)
    return parsed.ms if parsed else None


def post_url(handle: str | None, uri: str) -> str:
    """``https://bsky.app/profile/<handle or DID>/post/<rkey>``."""
    parts = uri[len("at://"):].split("/") if uri.startswith("at://") else []
    actor = handle or (parts[0] if parts else "")
    return f"https://bsky.app/profile/{actor}/post/{parts[-1]}" if len(parts) >= 3 else uri


def _add_item(ctx: ParseContext, stats: FileStats, line: int, item: dict, position: int) -> None:
    post = item.get("post")
    if not isinstance(post, dict) or not post.get("uri"):
        ctx.refuse(stats, line, f"feed item {position}: no post uri (deleted or blocked post)")
        return
    uri = str(post["uri"])
    author = post.get("author") if isinstance(post.get("author"), dict) else {}
    record = post.get("record") if isinstance(post.get("record"), dict) else {}
    reason = item.get("reason") if isinstance(item.get("reason"), dict) else {}
    reason_type = str(reason.get("$type") or "")
    base = {"platform": PLATFORM, "text": record.get("text") or None, "retrieved_s": ctx.scraped_s,
            "format": _format(record, post.get("embed"))}
    if reason_type.endswith("#reasonRepost"):
        by = reason.get("by") if isinstance(reason.get("by"), dict) else {}
        published = _ms(reason.get("indexedAt"))
        if published is None:
            ctx.refuse(stats, line, f"feed item {position}: repost of {uri} without a readable reason.indexedAt")
            return
        did = by.get("did")
        ctx.add_post(stats, line, **base, post_id=str(reason.get("uri") or f"{uri}#repost:{did}"),
                     handle=normalize_handle(PLATFORM, by.get("handle")), alt=normalize_handle(PLATFORM, did),
                     display=by.get("handle") or did, published_ms=published, kind="repost",
                     url=post_url(author.get("handle"), uri))
        return
    if reason_type.endswith("#reasonPin"):
        ctx.report.note("pinned items (reasonPin): the post they repeat is merged with its own item")
    created = _ms(record.get("createdAt"))
    indexed = _ms(post.get("indexedAt"))
    published = created
    if created is None or (indexed is not None and created > indexed + _FUTURE_TOLERANCE_MS):
        published = indexed
        if published is not None:
            ctx.report.note("posts whose createdAt is missing or in the future: indexedAt used")
    elif indexed is not None and indexed - created > _DAY_MS:
        ctx.report.note("posts whose createdAt is more than a day before indexedAt (backdated or imported); "
                        "createdAt kept")
    if published is None:
        ctx.refuse(stats, line, f"feed item {position}: post {uri} without a readable record.createdAt or indexedAt")
        return
    reply = record.get("reply")
    if isinstance(reply, dict):
        parent_type = str(dig(item, "reply.parent.$type") or "")
        if parent_type.endswith(("#notFoundPost", "#blockedPost")):
            ctx.report.note("replies whose parent post is deleted or blocked (kept as replies)")
    kind = "quote" if _is_quote(record, post.get("embed")) else "reply" if isinstance(reply, dict) else "original"
    entry = dict(base, post_id=uri, handle=normalize_handle(PLATFORM, author.get("handle")),
                 alt=normalize_handle(PLATFORM, author.get("did")), display=author.get("handle") or author.get("did"),
                 published_ms=published, kind=kind, url=post_url(author.get("handle"), uri))
    absent = [k for k in ("likeCount", "replyCount", "repostCount", "quoteCount") if k not in post]
    if absent:
        ctx.report.note("posts without some counts (optional in the AppView): left empty")
    problem = read_counts(entry, {"likes": post.get("likeCount"), "comments": post.get("replyCount"),
                                  "shares": post.get("repostCount"), "quotes": post.get("quoteCount")})
    if problem:
        ctx.refuse(stats, line, f"feed item {position}: post {uri}: {problem}")
        return
    ctx.add_post(stats, line, **entry)


def _add_profile(ctx: ParseContext, stats: FileStats, line: int, profile: dict) -> None:
    if profile.get("followersCount") is None:
        ctx.report.note("profiles without followersCount: followers not updated")
        return
    ctx.add_followers(stats, line, PLATFORM, normalize_handle(PLATFORM, profile.get("handle")),
                      normalize_handle(PLATFORM, profile.get("did")), profile.get("followersCount"), ctx.scraped_s)


def _value(ctx: ParseContext, stats: FileStats, line: int, value: Any) -> bool:
    if isinstance(value, list):
        return any([_value(ctx, stats, line, v) for v in value])
    if not isinstance(value, dict):
        ctx.skip(stats, line, "a JSON value that is neither a feed page nor a profile")
        return False
    if isinstance(value.get("feed"), list):
        for position, item in enumerate(value["feed"], start=1):
            if isinstance(item, dict):
                _add_item(ctx, stats, line, item, position)
            else:
                ctx.skip(stats, line, f"feed item {position} is not an object")
        return True
    if isinstance(value.get("posts"), list):  # getPosts / searchPosts answers: post views without reason
        for position, post in enumerate(value["posts"], start=1):
            _add_item(ctx, stats, line, {"post": post}, position)
        return True
    if isinstance(value.get("profiles"), list):
        for profile in value["profiles"]:
            if isinstance(profile, dict):
                _add_profile(ctx, stats, line, profile)
        return True
    if "post" in value and isinstance(value["post"], dict):
        _add_item(ctx, stats, line, value, 1)
        return True
    if value.get("did") and value.get("handle"):
        _add_profile(ctx, stats, line, value)
        return True
    if value.get("error"):
        # the message may name the blocked or unknown actor: someone outside the roster
        ctx.report.api_errors.append({"file": stats.name, "line": line, "title": value.get("error"),
                                      "resource_type": None})
        return True
    ctx.skip(stats, line, "a JSON value that is neither a feed page nor a profile")
    return False


def parse_bluesky(paths: list[Path], ctx: ParseContext) -> None:
    """GetAuthorFeed pages (one JSON document a file, or JSON lines) and getProfile/getProfiles answers."""
    read_json_files(paths, ctx, _value, "a Bluesky feed page or profile")
