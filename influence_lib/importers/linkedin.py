"""LinkedIn: Phantombuster "Activity Extractor" CSV and Apify actors' JSON (HarvestAPI and others).

A post's id is its URN, ``urn:li:activity:<id>`` (``share``/``ugcPost`` when no activity id is
known; those are folded onto the activity id of the same post). The id holds the post's time to
the millisecond, so relative dates (``3w``, ``il y a 2 j``) are only used when no id gives the time,
and then against the file's scrape time or ``--scraped-at``. A repost without commentary is
``repost`` with empty counts (they are the original's); with commentary it is ``quote`` and keeps
its counts. Rows of activity on someone else's post (a reaction, a comment) are skipped and counted
as reactions and comments in the report.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from influence_lib.importers.errors import FileRefused
from influence_lib.importers.files import FileStats, JsonProblem, iter_json_values
from influence_lib.importers.ids import (
    linkedin_id_ms,
    linkedin_ids_in,
    linkedin_urn,
    normalize_handle,
    repair_id,
    spreadsheet_rounded,
)
from influence_lib.importers.parsing import ParseContext, read_counts, refuse_unrecognised
from influence_lib.importers.values import (
    clean_url,
    dig,
    first_of,
    parse_count,
    parse_time,
    relative_seconds,
    try_parse_time,
)

PLATFORM = "linkedin"

# What a "format" value of the tools means in the canonical vocabulary.
_FORMATS = {
    "image": "image", "images": "image", "photo": "image", "picture": "image", "carousel": "document",
    "video": "video", "linkedin video": "video", "article": "article", "newsletter": "article",
    "document": "document", "pdf": "document", "poll": "poll", "sondage": "poll", "text": "text",
    "texte": "text", "link": "link", "external": "link", "url": "link", "multi_image": "image",
    "multiimage": "image", "gif": "image", "native_video": "video", "linkedinvideo": "video",
    "regular": "text", "event": "other", "job": "other", "celebration": "other",
}
# What a row's activity text says the profile did ("Claire Aubert likes this", "Comment", "Repost").
# The verb follows the name, so the last of these words decides: "Love Martin reposted this" is a repost.
_ACTIVITY_RE = re.compile(
    r"\b(?:(?P<comment>comment(?:s|ed)?|commenté|repl(?:y|ies|ied)|répondu)"
    r"|(?P<reaction>like[sd]?|react(?:s|ed|ion)?|celebrat(?:es?|ed)|support(?:s|ed)?|loves?|loved"
    r"|insightful|funny|curious|aim(?:e|é|ée)|ador(?:e|é|ée)|réagi|soutient|soutenu|célèbre|célébré|instructif|drôle)"
    r"|(?P<repost>repost(?:s|ed)?|reshared?|reshares|shared?|shares|republié|partagé|relayé))\b",
    re.IGNORECASE)
_NO_SCRAPE_TIME = "is relative and there is no scrape time"
_ACTIVITY_FIELDS = ("action", "activity", "activityType", "header.text", "header", "headerText")
_SKIP_REASONS = {"reaction": "a reaction (like, celebrate...), not a post of the profile",
                 "comment": "a comment, not a post of the profile"}
_FOLLOWERS_INFO = re.compile(r"^\s*[\d\s\u00a0\u202f.,]+\s*[kKmM]?\s*(followers|abonnés|abonnes)\b", re.IGNORECASE)


def linkedin_activity(text: Any) -> str | None:
    """What an activity text says the profile did: ``reaction``, ``comment``, ``repost``, or ``None`` (a post).

    Reads the ``action`` of Phantombuster rows (``Like``, ``Comment``, ``Repost``, ``Post``) and the
    activity headers of Apify items (``Claire Aubert likes this``, ``... commented on this``, French
    ``... aime ça``). The last activity word wins, as the verb comes after the name.
    """
    if not isinstance(text, str):
        return None
    matches = list(_ACTIVITY_RE.finditer(text))
    return matches[-1].lastgroup if matches else None


def _media_format(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    key = value.strip().lower()
    return _FORMATS.get(key) or _FORMATS.get(key.replace(" ", "_"), "other")


def _is_article_url(url: Any) -> bool:
    return isinstance(url, str) and ("linkedin.com/pulse/" in url or "linkedin.com/newsletters/" in url)


def _refuse_undated(ctx: ParseContext, stats: FileStats, line: int, reason: str) -> None:
    """Refuse a row without a date; count those whose date is relative for the ``--scraped-at`` hint."""
    if _NO_SCRAPE_TIME in reason:
        ctx.report.relative_without_time += 1
    ctx.refuse(stats, line, reason)


def _relative_time(ctx: ParseContext, text: Any, scraped_s: int | None) -> tuple[int | None, str | None]:
    """A relative date resolved against the scrape time; or why it cannot be."""
    seconds = relative_seconds(text) if isinstance(text, str) else None
    if seconds is None:
        return None, None
    if scraped_s is None:
        return None, (f"no date: {text!r} {_NO_SCRAPE_TIME} to count back from "
                      f"(the file holds none; pass --scraped-at)")
    ctx.report.note("dates worked out from a relative date and the scrape time (precision: the unit given)")
    return int(scraped_s * 1000 - seconds * 1000), None


def _post_id(primary: tuple[str, str]) -> str:
    kind, value = primary
    return value if kind == "url" else linkedin_urn(kind, value)


def _primary(ids: list[tuple[str, str]]) -> tuple[str, str] | None:
    for kind, value in ids:
        if kind == "activity":
            return kind, value
    return ids[0] if ids else None


# --- Phantombuster ---------------------------------------------------------------------------------

def parse_phantombuster(paths: list[Path], ctx: ParseContext) -> None:
    """Phantombuster "LinkedIn Activity Extractor" ``result.csv`` (also re-saved by Excel: ``;``, cp1252)."""
    for path in paths:
        stats, table = ctx.read_csv_file(path)
        if table.column("postUrl") is None:
            raise FileRefused(path, 1, "no 'postUrl' column: this is not a Phantombuster LinkedIn activity "
                                       "file (is --format right?)")
        for line, get in table.cells():
            _phantombuster_row(ctx, stats, line, get)


def _phantombuster_row(ctx: ParseContext, stats: FileStats, line: int, get) -> None:
    profile = normalize_handle(PLATFORM, get("profileUrl") or get("query")) or normalize_handle(PLATFORM, ctx.handle)
    if not profile:
        ctx.refuse(stats, line, "no profileUrl: the scraped profile is unknown (pass --handle when the file "
                                "holds one profile)")
        return
    activity = linkedin_activity(get("action"))
    if activity in _SKIP_REASONS:
        ctx.skip(stats, line, _SKIP_REASONS[activity], activity)
        return
    shared = get("sharedPostUrl")
    content = get("postContent")
    is_repost = bool(shared) or activity == "repost"
    author = normalize_handle(PLATFORM, get("authorUrl"))
    if not is_repost and author and author != profile:
        if author.startswith("acoa"):
            ctx.report.note("authorUrl given as a member id (ACoA...): cannot be compared with the profile; "
                            "row kept as the profile's post")
        else:
            ctx.skip(stats, line, "a post by someone else (authorUrl is not the scraped profileUrl)", "others_post")
            return
    post_url = get("postUrl")
    ids = linkedin_ids_in(post_url)
    primary = _primary(ids)
    if primary is None and clean_url(post_url) and "linkedin.com/" in post_url:
        primary = ("url", clean_url(post_url))  # e.g. a /pulse/ article: its URL is its id
        ctx.report.note("LinkedIn posts whose URL holds no id (articles): the URL is their post_id")
    if primary is None:
        ctx.refuse(stats, line, f"no LinkedIn post URL in postUrl {post_url!r}")
        return
    original_ids = {i for _, i in linkedin_ids_in(shared)} | {clean_url(shared)}
    own_id = not (is_repost and primary[1] in original_ids)
    post_id = _post_id(primary) if own_id else f"{_post_id(primary)}#repost:{profile}"
    try:
        parsed = parse_time(get("timestamp"))
    except ValueError:
        parsed = None
        ctx.report.note("Phantombuster timestamp (scrape time) unreadable: --scraped-at used instead")
    retrieved = parsed.seconds if parsed else ctx.scraped_s
    published = linkedin_id_ms(primary[1]) if own_id and primary[0] != "url" else None
    reason = None
    if published is None:
        published, reason = _relative_time(ctx, get("postDate"), retrieved)
    if published is None:
        estimate = try_parse_time(get("postTimestamp"))
        if estimate is not None:
            published = estimate.ms
            ctx.report.note("dates taken from Phantombuster's postTimestamp estimate (day or month precision)")
    if published is None:
        _refuse_undated(ctx, stats, line, reason or f"no date: no id in postUrl holds the time and postDate "
                                                    f"{get('postDate')!r} cannot be read")
        return
    kind = ("quote" if content else "repost") if is_repost else "original"
    media = _media_format(get("type"))
    if media is None:
        media = ("article" if _is_article_url(post_url) else "video" if get("videoUrl") else "image" if get("imgUrl")
                 else ("text" if content else None))
    record = {
        "post_id": post_id, "aliases": () if is_repost else tuple(_post_id(p) for p in ids if p != primary),
        "platform": PLATFORM, "handle": profile, "display": get("profileUrl") or profile,
        "published_ms": published, "kind": kind, "format": media, "text": content or None,
        "url": clean_url(post_url), "retrieved_s": retrieved,
    }
    counts = {"likes": get("likeCount"), "comments": get("commentCount"), "shares": get("repostCount"),
              "impressions": get("viewCount")}
    if kind == "repost":
        counts = {}
    problem = read_counts(record, counts)
    if problem:
        ctx.refuse(stats, line, problem)
        return
    ctx.add_post(stats, line, **record)


# --- Apify ---------------------------------------------------------------------------------------------

# Where each value sits in the items of the Apify LinkedIn actors, first match wins. HarvestAPI
# (harvestapi/linkedin-profile-posts, both layouts), apimaestro, and the "numLikes family".
APIFY_FIELDS: dict[str, tuple[str, ...]] = {
    "plain_id": ("id", "activity_urn", "activityUrn", "activityId", "urn", "postId", "entityId"),
    "urn": ("full_urn", "fullUrn", "urn", "shareUrn", "share_urn", "entityUrn", "activity_urn"),
    "url": ("linkedinUrl", "url", "postUrl", "post_url", "shareUrl", "share_url"),
    "text": ("content", "text", "commentary", "postText", "post_text"),
    "handle": ("author.publicIdentifier", "author.universalName", "authorPublicIdentifier", "authorUniversalName",
               "author.username", "author.publicId", "author.public_identifier", "author.universal_name"),
    "author_url": ("author.linkedinUrl", "authorLinkedinUrl", "authorProfileUrl", "author.profile_url",
                   "author.profileUrl", "author.url", "author.company_url", "authorUrl"),
    "author_type": ("author.type", "authorType"),
    "author_info": ("author.info", "authorInfo"),
    "author_followers": ("author.follower_count", "author.followersCount", "author.followers"),
    "likes": ("likeCount", "numLikes", "likes", "engagement.likes", "stats.total_reactions", "reactionsCount",
              "reactions_count", "num_likes", "totalReactionCount"),
    "comments": ("commentCount", "numComments", "engagement.comments", "stats.comments", "commentsCount",
                 "comments_count"),
    "shares": ("repostCount", "numShares", "engagement.shares", "stats.reposts", "repostsCount", "shares"),
    "impressions": ("impressions", "numImpressions", "impressionCount", "viewCount", "views"),
    "date": ("postedAt.timestamp", "postedAtTimestamp", "posted_at.timestamp", "postTimestamp", "postedAtISO",
             "postedAt.date", "postedAt", "posted_at.date", "datePublished", "postedDateTimestamp"),
    "relative": ("postedAt.postedAgoShort", "postedAgo", "timeSincePosted", "posted_at.relative",
                 "postedAt.postedAgoText", "postedAt"),
    "scraped": ("scrapedAt", "scraped_at", "timestamp_collected", "collectedAt"),
    "repost": ("repost", "resharedPost", "reshared_post", "sharedPost"),
    "repost_id": ("repostId", "reshareId", "resharedPostId"),
    "post_type": ("post_type", "postType"),
    "media_type": ("media.type", "contentType", "content_type", "media_type", "mediaType"),
}
_NOT_POSTS = {"comment": "comment", "comments": "comment", "reply": "comment", "reaction": "reaction",
              "reactions": "reaction", "like": "reaction"}


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "vrai"))


def _first_count(item: dict, paths: tuple[str, ...]) -> Any:
    """The first value among ``paths`` that can be a count (lists of reactors and the like are passed over)."""
    for path in paths:
        value = dig(item, path)
        if value not in (None, "") and not isinstance(value, (dict, list)):
            return value
    return None


def _apify_format(item: dict) -> str | None:
    """The format of an item.

    Its media fields (HarvestAPI ``postVideo``, ``postImages``, ``document``...), else its media
    type (the ``type`` of the numLikes family, apimaestro's ``media.type``), else an article URL or
    a shared link, else text.
    """
    if first_of(item, ("postVideo", "video", "videos", "linkedinVideo")):
        return "video"
    if first_of(item, ("postImages", "postImage", "images", "image")):
        return "image"
    if first_of(item, ("document",)):
        return "document"
    if first_of(item, ("poll",)):
        return "poll"
    if first_of(item, ("article", "newsletterUrl")):
        return "article"
    kind = str(item.get("type") or "").lower()
    if kind and kind != "post":
        return _media_format(kind)
    media = first_of(item, APIFY_FIELDS["media_type"])
    if isinstance(media, str) and media.strip():
        return _media_format(media)
    if _is_article_url(first_of(item, APIFY_FIELDS["url"])):
        return "article"
    if first_of(item, ("link",)):
        return "link"
    return "text" if first_of(item, APIFY_FIELDS["text"]) else None


def _item_ids(ctx: ParseContext, item: dict, trust_digits: bool) -> tuple[list[tuple[str, str]], str | None]:
    """All (kind, id) of an item, activity first when known; or the reason the id is unusable."""
    url_ids = linkedin_ids_in(first_of(item, APIFY_FIELDS["url"]))
    ids: list[tuple[str, str]] = []
    for key in APIFY_FIELDS["urn"]:
        ids += linkedin_ids_in(str(item.get(key) or ""))
    plain = next((str(item[k]).strip() for k in APIFY_FIELDS["plain_id"]
                  if item.get(k) not in (None, "") and not linkedin_ids_in(str(item[k]))), None)
    if plain is not None:
        candidates = [i for _, i in url_ids + ids]
        value, status = repair_id(plain, candidates, trust_digits=trust_digits)
        if value is None:
            if url_ids or ids:
                ctx.report.note("ids that could not be read, post identified by its URL instead")
            else:
                return [], status
        else:
            if status == "rebuilt":
                ctx.report.note("post ids rounded by a spreadsheet, rebuilt from the post URL")
            kinds = {i: k for k, i in url_ids + ids}
            ids.insert(0, (kinds.get(value, "activity"), value))
    ids += url_ids
    ids = list(dict.fromkeys(ids))
    url = clean_url(first_of(item, APIFY_FIELDS["url"]))
    if not ids and url and "linkedin.com/" in url:
        ctx.report.note("LinkedIn posts whose URL holds no id (articles): the URL is their post_id")
        ids = [("url", url)]
    if not ids:
        return [], "no post id: neither an id nor a LinkedIn post URL on the item"
    return ids, None


def _original_ids(item: dict) -> set[str]:
    found = set()
    repost = first_of(item, APIFY_FIELDS["repost"])
    for value in [first_of(item, APIFY_FIELDS["repost_id"])] + (
            [first_of(repost, APIFY_FIELDS["plain_id"]), first_of(repost, APIFY_FIELDS["url"])]
            if isinstance(repost, dict) else []):
        if value in (None, ""):
            continue
        found |= {i for _, i in linkedin_ids_in(str(value))}
        if str(value).strip().isdigit():
            found.add(str(value).strip())
    return found


def _apify_time(ctx: ParseContext, item: dict, scraped_s: int | None) -> tuple[int | None, str | None]:
    relative_reason = None
    for path in APIFY_FIELDS["date"]:
        value = dig(item, path)
        if value in (None, "") or isinstance(value, (dict, list)):
            continue
        parsed = try_parse_time(value)
        if parsed is not None:
            if parsed.assumed_utc:
                ctx.report.note("LinkedIn dates without a time zone read as UTC")
            return parsed.ms, None
    for path in APIFY_FIELDS["relative"]:
        value = dig(item, path)
        published, reason = _relative_time(ctx, value, scraped_s)
        if published is not None:
            return published, None
        relative_reason = relative_reason or reason
    return None, relative_reason or "no date: no id holds the time and no date field can be read"


def _apify_item(ctx: ParseContext, stats: FileStats, line: int, item: Any, trust_digits: bool = True) -> bool:
    if not isinstance(item, dict):
        ctx.skip(stats, line, "a JSON value that is not a post item")
        return False
    item_type = str(item.get("type") or "").strip().lower()
    activity = _NOT_POSTS.get(item_type) or linkedin_activity(first_of(item, _ACTIVITY_FIELDS))
    if activity in _SKIP_REASONS:
        ctx.skip(stats, line, _SKIP_REASONS[activity], activity)
        return True
    ids, reason = _item_ids(ctx, item, trust_digits)
    if not ids:
        ctx.refuse(stats, line, reason)
        return True
    primary = _primary(ids)
    author_type = str(first_of(item, APIFY_FIELDS["author_type"]) or "").lower()
    handle = (normalize_handle(PLATFORM, first_of(item, APIFY_FIELDS["handle"]))
              or normalize_handle(PLATFORM, first_of(item, APIFY_FIELDS["author_url"]))
              or normalize_handle(PLATFORM, ctx.handle))
    retrieved = ctx.retrieval_seconds(first_of(item, APIFY_FIELDS["scraped"]))
    info = first_of(item, APIFY_FIELDS["author_info"])
    followers = first_of(item, APIFY_FIELDS["author_followers"])
    if followers is None and author_type == "company" and isinstance(info, str) and _FOLLOWERS_INFO.match(info):
        followers = info
    if followers is not None and handle:
        ctx.add_followers(stats, line, PLATFORM, handle, None, followers, retrieved)
    text = first_of(item, APIFY_FIELDS["text"])
    text = text if isinstance(text, str) and text.strip() else None
    post_type = str(first_of(item, APIFY_FIELDS["post_type"]) or "").lower()
    is_repost = (bool(first_of(item, APIFY_FIELDS["repost"])) or bool(first_of(item, APIFY_FIELDS["repost_id"]))
                 or _truthy(item.get("isRepost")) or post_type in ("repost", "reshare", "reposted", "quote")
                 or activity == "repost")
    kind = ("quote" if text or post_type == "quote" else "repost") if is_repost else "original"
    own_id = not (is_repost and primary[1] in _original_ids(item))
    published, reason = None, None
    if own_id:
        published = linkedin_id_ms(primary[1]) if primary[0] != "url" else None
        post_id = _post_id(primary)
    else:
        post_id = f"{_post_id(primary)}#repost:{handle}"
    if published is None:
        published, reason = _apify_time(ctx, item, retrieved)
    if published is None:
        _refuse_undated(ctx, stats, line, reason)
        return True
    media = _apify_format(item)
    if media is None and kind == "repost" and isinstance(first_of(item, APIFY_FIELDS["repost"]), dict):
        media = _apify_format(first_of(item, APIFY_FIELDS["repost"]))
    record = {
        # a repost's URL may be the original's: only a post's own ids are aliases of it
        "post_id": post_id, "aliases": () if is_repost else tuple(_post_id(p) for p in ids if p != primary),
        "platform": PLATFORM, "handle": handle,
        "display": first_of(item, APIFY_FIELDS["handle"]) or first_of(item, APIFY_FIELDS["author_url"]) or handle,
        "published_ms": published, "kind": kind, "format": media, "text": text,
        "url": clean_url(first_of(item, APIFY_FIELDS["url"])) or f"https://www.linkedin.com/feed/update/{post_id}/",
        "retrieved_s": retrieved,
    }
    counts: dict[str, Any] = {}
    if kind != "repost" and not ("engagement" in item and item["engagement"] is None):
        counts = {name: _first_count(item, APIFY_FIELDS[name]) for name in ("likes", "comments", "shares", "impressions")}
        if counts["likes"] is None:
            reactions = dig(item, "engagement.reactions")
            if isinstance(reactions, list) and reactions:
                try:
                    counts["likes"] = sum(parse_count(r.get("count")) or 0 for r in reactions if isinstance(r, dict))
                except ValueError:
                    pass
        if _truthy(dig(item, "socialContent.hideReactionsCount")):
            counts["likes"] = None
            ctx.report.note("LinkedIn posts whose reaction count is hidden: likes left empty")
        if _truthy(dig(item, "socialContent.hideCommentsCount")):
            counts["comments"] = None
            ctx.report.note("LinkedIn posts whose comment count is hidden: comments left empty")
    problem = read_counts(record, counts)
    if problem:
        ctx.refuse(stats, line, problem)
        return True
    ctx.add_post(stats, line, **record)
    return True


def _unflatten(row: dict[str, str]) -> dict:
    """An Apify CSV row (``author/publicIdentifier`` columns) as the nested item it came from."""
    item: dict = {}
    for key, value in row.items():
        if value == "" or not key:
            continue
        parts = [p for p in re.split(r"[/.]", key) if p] or [key]
        node = item
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return item


def _is_csv(path: Path) -> bool:
    if path.suffix.lower() in (".csv", ".tsv"):
        return True
    with path.open("rb") as fh:
        head = fh.read(1024).lstrip(b"\xef\xbb\xbf \t\r\n")
    return bool(head) and head[:1] not in (b"[", b"{")


def parse_apify(paths: list[Path], ctx: ParseContext) -> None:
    """Apify LinkedIn post datasets: JSON array, JSON lines, ``{"items": [...]}``, or the CSV download."""
    for path in paths:
        recognised = 0
        if _is_csv(path):
            stats, table = ctx.read_csv_file(path)
            id_column = table.column(*APIFY_FIELDS["plain_id"])
            rounded = bool(id_column) and spreadsheet_rounded([row[id_column] for _, row in table.rows])
            for line, row in table.rows:
                recognised += _apify_item(ctx, stats, line, _unflatten(row), trust_digits=not rounded)
        else:
            stats = ctx.open_file(path)
            for line, value in iter_json_values(path, stats):
                if isinstance(value, JsonProblem):
                    ctx.invalid_json(stats, value)
                    continue
                items = value
                if isinstance(value, dict):
                    items = next((value[k] for k in ("items", "data", "posts") if isinstance(value.get(k), list)),
                                 [value])
                for item in items if isinstance(items, list) else [items]:
                    stats.records += 1
                    recognised += _apify_item(ctx, stats, line, item)
        refuse_unrecognised(stats, recognised, "an Apify LinkedIn post")
