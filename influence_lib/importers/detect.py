"""Recognising a file's format: a sample of its first values (or its CSV header), and one detector per format.

Each ``--format`` has one detector, a function from a :class:`Sample` to ``True`` when the file
has that format's shape. ``influence import`` runs the chosen format's detector on every input
before reading it; a file that fails it is refused, and the other detectors name the format it
looks like ("this looks like a twitter-v1 file: use --format twitter-v1").
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Callable

from influence_lib.importers.errors import FileRefused
from influence_lib.importers.files import (
    FileStats,
    JsonProblem,
    decode_text,
    is_blank_file,
    iter_json_values,
    sniff_separator,
)

SAMPLE_VALUES = 20
_CSV_HEAD_BYTES = 1 << 20


@dataclass(frozen=True)
class Sample:
    """The start of a file, enough to tell its format.

    Parameters
    ----------
    shape : str
        ``"empty"`` (only white space), ``"csv"``, ``"json"`` (JSON lines, an array, documents) or
        ``"js"`` (``window.YTD.<name>.part0 = [...]``, an X archive file).
    columns : tuple of str
        The CSV header, as written.
    rows : tuple of dict
        The first CSV records (``column -> cell``).
    values : tuple
        The first valid JSON values (the items, for a JSON array).
    """

    shape: str
    columns: tuple[str, ...] = ()
    rows: tuple[dict, ...] = ()
    values: tuple[Any, ...] = ()

    @property
    def lowered(self) -> set[str]:
        """The CSV columns in lower case."""
        return {c.lower() for c in self.columns}

    @property
    def decidable(self) -> bool:
        """True when there is something to judge (a header, or at least one valid JSON value)."""
        return bool(self.columns or self.values)


def sample_file(path: Path, limit: int = SAMPLE_VALUES) -> Sample:
    """Read the start of ``path``: its CSV header and first rows, or its first ``limit`` JSON values."""
    with path.open("rb") as fh:
        head = fh.read(_CSV_HEAD_BYTES)
    stripped = head.replace(b"\xef\xbb\xbf", b"", 1).lstrip()
    if not stripped:
        return Sample("empty") if is_blank_file(path) else Sample("csv")
    if stripped.startswith(b"window."):
        values = _json_values(path, limit, js_assignment=True)
        return Sample("js", values=values)
    if stripped[:1] in (b"[", b"{"):
        return Sample("json", values=_json_values(path, limit))
    return _csv_sample(path, head, limit)


def _json_values(path: Path, limit: int, js_assignment: bool = False) -> tuple[Any, ...]:
    values = iter_json_values(path, FileStats(str(path)), js_assignment=js_assignment)
    try:
        return tuple(islice((v for _, v in values if not isinstance(v, JsonProblem)), limit))
    except FileRefused:
        return ()


def _csv_sample(path: Path, head: bytes, limit: int) -> Sample:
    complete = head if len(head) < _CSV_HEAD_BYTES else head[: head.rfind(b"\n") + 1] or head
    try:
        text, _ = decode_text(path, complete)
    except FileRefused:
        return Sample("csv")
    text = text.lstrip("\ufeff\r\n")
    separator = sniff_separator(text.split("\n", 1)[0])
    records: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=separator):
            records.append(record)
            if len(records) > limit:
                break
    except csv.Error:
        pass  # the reader says what is wrong with the file; the records before it are enough here
    if not records:
        return Sample("csv")
    header = tuple(c.replace("\ufeff", "").strip() for c in records[0])
    rows = tuple(dict(zip(header, r)) for r in records[1:] if r)
    return Sample("csv", columns=header, rows=rows)


# --- the detectors, one per format -----------------------------------------------------------------------

def _dicts(sample: Sample) -> list[dict]:
    return [v for v in sample.values if isinstance(v, dict)]


def _is_v2_tweet(item: Any) -> bool:
    return (isinstance(item, dict) and "id" in item and "id_str" not in item and not isinstance(item.get("user"), dict)
            and ("text" in item or "author_id" in item or "edit_history_tweet_ids" in item))


def _is_v2_user(item: Any) -> bool:
    return isinstance(item, dict) and "username" in item and "id" in item and "handle" not in item


def looks_like_twarc2(sample: Sample) -> bool:
    """twarc2 output: API v2 pages (``data``, ``includes``, ``meta``, ``__twarc``), stream or flattened lines."""
    for value in _dicts(sample):
        if isinstance(value.get("__twarc"), dict):
            return True
        data = value.get("data")
        items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
        if any(_is_v2_tweet(i) or _is_v2_user(i) for i in items):
            return True
        if data is None and (_is_v2_tweet(value) and ("author_id" in value or "author" in value
                                                      or "public_metrics" in value or "edit_history_tweet_ids" in value)):
            return True
        if data is None and isinstance(value.get("meta"), dict) and "result_count" in value["meta"]:
            return True
    return False


_TWARC_CSV_PREFIXES = ("public_metrics.", "author.", "__twarc.", "referenced_tweets", "edit_history_tweet_ids",
                       "attachments.", "entities.")


def looks_like_twarc_csv(sample: Sample) -> bool:
    """A ``twarc2 csv`` table (tweets or users, any layout) or a twarc1 ``json2csv`` table."""
    columns = sample.lowered
    if sample.shape != "csv" or "id" not in columns:
        return False
    if any(c.startswith(_TWARC_CSV_PREFIXES) for c in columns):
        return True
    return {"tweet_url", "user_screen_name"} <= columns


_STREAM_CONTROL = ("delete", "limit", "scrub_geo", "status_withheld", "user_withheld", "warning", "disconnect")


def _is_v1_tweet(item: Any) -> bool:
    return (isinstance(item, dict) and ("id_str" in item or isinstance(item.get("id"), int))
            and ("text" in item or "full_text" in item or "extended_tweet" in item)
            and isinstance(item.get("user"), dict))


def looks_like_twitter_v1(sample: Sample) -> bool:
    """Twitter API v1.1 tweets (with their ``user``), search pages (``statuses``) or stream control messages."""
    for value in _dicts(sample):
        if _is_v1_tweet(value):
            return True
        if isinstance(value.get("statuses"), list) and (
                "search_metadata" in value or any(_is_v1_tweet(t) for t in value["statuses"])):
            return True
        if len(value) <= 2 and any(k in value for k in _STREAM_CONTROL) and "id" not in value:
            return True
    return False


def looks_like_x_archive(sample: Sample) -> bool:
    """A file of an X account archive: ``window.YTD.tweets.part0 = [...]``, or its items ``{"tweet": {...}}``."""
    if sample.shape == "js":
        return True
    return any(isinstance(v.get("tweet"), dict) and len(v) == 1 for v in _dicts(sample))


_PHANTOMBUSTER_COLUMNS = {"profileurl", "action", "postdate", "postcontent", "likecount", "commentcount",
                          "repostcount", "posttimestamp", "imgurl", "authorurl", "viewcount", "sharedposturl"}


def looks_like_phantombuster_linkedin(sample: Sample) -> bool:
    """A Phantombuster LinkedIn activity table: ``postUrl`` and at least two more of its columns."""
    columns = sample.lowered
    return sample.shape == "csv" and "posturl" in columns and len(columns & _PHANTOMBUSTER_COLUMNS) >= 2


_LINKEDIN_ITEM_FIELDS = ("linkedinUrl", "url", "postUrl", "post_url", "shareUrl", "share_url", "urn", "full_urn",
                         "fullUrn", "activity_urn", "activityUrn", "shareUrn", "entityUrn", "id", "postId")
_LINKEDIN_AUTHOR_KEYS = ("authorPublicIdentifier", "authorUniversalName")
_LINKEDIN_CSV_COLUMNS = {"linkedinurl", "author/publicidentifier", "author/universalname", "authorpublicidentifier",
                         "authoruniversalname", "numlikes", "full_urn", "activity_urn", "postedatiso",
                         "engagement/likes", "stats/total_reactions", "socialcontent/shareurl"}


def _mentions_linkedin(value: Any) -> bool:
    text = str(value) if isinstance(value, (str, int)) else ""
    return "linkedin.com/" in text.lower() or "urn:li:" in text.lower()


def _is_linkedin_item(item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    if any(_mentions_linkedin(item.get(k)) for k in _LINKEDIN_ITEM_FIELDS):
        return True
    if any(item.get(k) for k in _LINKEDIN_AUTHOR_KEYS):
        return True
    author = item.get("author")
    return isinstance(author, dict) and bool(author.get("publicIdentifier") or author.get("universalName"))


def _apify_items(value: Any) -> list:
    if isinstance(value, dict):
        for key in ("items", "data", "posts"):
            if isinstance(value.get(key), list):
                return value[key]
        return [value]
    return value if isinstance(value, list) else [value]


def looks_like_apify_linkedin(sample: Sample) -> bool:
    """Items of an Apify LinkedIn post actor (JSON, JSON lines, or its CSV download): LinkedIn URLs or URNs."""
    if sample.shape == "csv":
        if looks_like_phantombuster_linkedin(sample):
            return False
        if sample.lowered & _LINKEDIN_CSV_COLUMNS:
            return True
        return any(_mentions_linkedin(cell) for row in sample.rows for key, cell in row.items()
                   if key.lower() in {f.lower() for f in _LINKEDIN_ITEM_FIELDS})
    return any(_is_linkedin_item(item) for value in sample.values for item in _apify_items(value))


def _is_bluesky_post(post: Any) -> bool:
    return isinstance(post, dict) and str(post.get("uri") or "").startswith("at://")


def looks_like_bluesky(sample: Sample) -> bool:
    """Bluesky AppView answers: author feed pages (``feed``), posts, profiles (a ``did:`` and a handle)."""
    for value in _dicts(sample):
        feed = value.get("feed")
        if isinstance(feed, list) and (not feed or any(isinstance(i, dict) and "post" in i for i in feed)):
            return True
        if isinstance(value.get("posts"), list) and any(_is_bluesky_post(p) for p in value["posts"]):
            return True
        if _is_bluesky_post(value.get("post")) or _is_bluesky_post(value):
            return True
        profiles = value.get("profiles") if isinstance(value.get("profiles"), list) else [value]
        if any(isinstance(p, dict) and str(p.get("did") or "").startswith("did:") and "handle" in p for p in profiles):
            return True
    return False


DETECTORS: dict[str, Callable[[Sample], bool]] = {
    "twarc2": looks_like_twarc2,
    "twarc-csv": looks_like_twarc_csv,
    "twitter-v1": looks_like_twitter_v1,
    "x-archive": looks_like_x_archive,
    "phantombuster-linkedin": looks_like_phantombuster_linkedin,
    "apify-linkedin": looks_like_apify_linkedin,
    "bluesky": looks_like_bluesky,
}


def formats_matching(sample: Sample) -> list[str]:
    """Every format whose detector accepts ``sample``, in the order of :data:`DETECTORS`."""
    return [fmt for fmt, detector in DETECTORS.items() if detector(sample)]


def format_mismatch(fmt: str, sample: Sample) -> str | None:
    """Why a file cannot be read as ``fmt`` (naming the format it looks like), or ``None`` when it can.

    A file with nothing to judge (no header, no valid JSON value) is left to the format's reader,
    which says what is wrong with it.
    """
    if not sample.decidable or DETECTORS[fmt](sample):
        return None
    others = formats_matching(sample)
    if others:
        return (f"this looks like {_a(others[0])} {' or '.join(others)} file, not {fmt}: use "
                + " or ".join(f"--format {o}" for o in others))
    what = {"csv": "CSV table", "json": "JSON file", "js": "JavaScript file"}.get(sample.shape, "file")
    return (f"this {what} does not look like {_a(fmt)} {fmt} file, nor like any other format influence import "
            f"reads; check --format and the file (docs/importers/{fmt}.md)")


def _a(word: str) -> str:
    """The article before a format's name: "an apify-linkedin file", "an x-archive file", "a twarc2 file"."""
    return "an" if word[:1] in ("a", "e", "i", "o", "x") else "a"
