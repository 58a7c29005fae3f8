"""Constants of the sample generator, read once from the YAML files shipped in ``influence_lib/data/synth/``.

Each file holds one topic: ``sample.yml`` (sectors, segments, editions, calibration targets),
``names.yml`` (organisation names), ``roles.yml`` (titles, role mixes and effects), ``posts.yml``
(kinds, formats, counts), ``calendar.yml`` (posting times) and ``texts.yml`` (themes and texts).
Sequences are read as tuples; mapping order is kept, and matters: the generator draws its random
numbers in that order.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

import yaml

DATA_FILES = ("sample.yml", "names.yml", "roles.yml", "posts.yml", "calendar.yml", "texts.yml")


def data_file(name: str) -> Traversable:
    """The package data file ``name`` of the generator, wherever the package is installed.

    Parameters
    ----------
    name : str
        File name, one of :data:`DATA_FILES`.

    Returns
    -------
    importlib.abc.Traversable
        ``influence_lib/data/synth/<name>`` inside the installed package.
    """
    return resources.files("influence_lib").joinpath("data", "synth", name)


def _frozen(value):
    """``value`` with every list turned into a tuple, recursively (mappings keep their order)."""
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return {k: _frozen(v) for k, v in value.items()}
    return value


def load_data_file(name: str) -> dict:
    """The content of the package data file ``name``, lists read as tuples.

    Parameters
    ----------
    name : str
        File name, one of :data:`DATA_FILES`.

    Returns
    -------
    dict
        The file's top-level mapping, in file order.

    Raises
    ------
    FileNotFoundError
        If the file is not in the installed package (an install that left out the package data).
    """
    path = data_file(name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"package data file {path} is missing: reinstall influence (pip install .) so that "
            "influence_lib/data/synth/*.yml are installed with it"
        ) from None
    return _frozen(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


_SAMPLE = load_data_file("sample.yml")
_NAMES = load_data_file("names.yml")
_ROLES = load_data_file("roles.yml")
_POSTS = load_data_file("posts.yml")
_CALENDAR = load_data_file("calendar.yml")
_TEXTS = load_data_file("texts.yml")

# Sectors, segments, editions, calibration targets.
DATASET_TITLE: str = _SAMPLE["title"]
EDITIONS = {key: (p["start"], p["end"]) for key, p in _SAMPLE["editions"].items()}
OUTSIDE_WINDOWS = {key: (p["start"], p["end"]) for key, p in _SAMPLE["outside_windows"].items()}
OUTSIDE_SHARE: float = _SAMPLE["outside_share"]
PLATFORMS: tuple[str, ...] = _SAMPLE["platforms"]
SECTORS: dict[str, dict] = _SAMPLE["sectors"]

# Organisation names and countries.
SYLLABLES: tuple[tuple[str, ...], ...] = tuple(_NAMES["syllables"][k] for k in ("first", "middle", "last"))
BLOCKED_CORES = frozenset(_NAMES["blocked_cores"])
ORG_TEMPLATES: dict[str, tuple[str, ...]] = _NAMES["templates"]
COUNTRIES: dict[str, float] = _NAMES["countries"]

# Roles: titles (masculine, feminine, weight) per category, mixes, gender and role effects.
ROLE_TITLES: dict[str, tuple[tuple[str, str, float], ...]] = _ROLES["titles"]
CHAIR_AND_CEO_VARIANT = [t[0] for t in ROLE_TITLES["ceo"]].index(_ROLES["chair_and_ceo_title"])
OTHER_ROLE_WEIGHTS: dict[str, dict[str, float]] = _ROLES["other_roles"]
FEMALE_SHARE: dict[str, float] = _ROLES["female_share"]
CHAIR_SHARE: float = _ROLES["chair_share"]
EMPTY_GENDER_SHARE: float = _ROLES["empty_gender_share"]
ROLE_ACTIVITY: dict[str, float] = _ROLES["activity"]
ROLE_ENGAGEMENT: dict[str, float] = _ROLES["engagement"]
ROLE_FOLLOWERS: dict[str, float] = _ROLES["followers"]
ROLE_TWITTER: dict[str, float] = _ROLES["twitter"]

# Posts: kinds, formats, counts.
NONCOUNTED_RATIO: dict[str, float] = _POSTS["noncounted_ratio"]
QUOTE_SHARE: dict[str, float] = _POSTS["quote_share"]
REPOST_SHARE: dict[str, float] = _POSTS["repost_share"]
FORMATS: tuple[str, ...] = _POSTS["formats"]
FORMAT_SHARES: dict[str, dict[str, tuple[float, ...]]] = _POSTS["format_shares"]
FORMAT_ENGAGEMENT: tuple[float, ...] = _POSTS["format_engagement"]
COMPONENT_SHARES: dict[str, tuple[float, ...]] = _POSTS["component_shares"]
HIDDEN_SHARE: float = _POSTS["hidden_share"]
OUTLIER_SHARE: float = _POSTS["outlier_share"]
IMPRESSIONS_SHARE: dict[str, float] = _POSTS["impressions_share"]
KIND_ENGAGEMENT: dict[str, float] = _POSTS["kind_engagement"]

# Posting calendar (local time of TIMEZONE) and its effect on engagement.
TIMEZONE: str = _CALENDAR["timezone"]
WEEKDAY_WEIGHTS: tuple[float, ...] = _CALENDAR["weekday_weights"]
MONTH_WEIGHTS: tuple[float, ...] = _CALENDAR["month_weights"]
HOUR_WEIGHTS: tuple[float, ...] = _CALENDAR["hour_weights"]
HOUR_ENGAGEMENT: tuple[float, ...] = _CALENDAR["hour_engagement"]
WEEKDAY_ENGAGEMENT: tuple[float, ...] = _CALENDAR["weekday_engagement"]
WEEKEND_HOUR_DAMPING: float = _CALENDAR["weekend_hour_damping"]
PHASES = _CALENDAR["phases"]

# Texts: themes, their weights per sector and phase, hashtags, closers, reposts and replies.
THEMES: dict[str, dict] = _TEXTS["themes"]
SECTOR_THEMES: dict[str, dict[str, tuple[float, ...]]] = _TEXTS["sector_themes"]
SECTOR_TAGS: dict[str, tuple[str, ...]] = _TEXTS["sector_tags"]
HASHTAG_COUNT_SHARES: tuple[float, ...] = _TEXTS["hashtag_count_shares"]
CLOSERS: tuple[str, ...] = _TEXTS["closers"]
REPOST_COMMENTS: tuple[str, ...] = _TEXTS["repost_comments"]
REPLY_TEXTS: tuple[str, ...] = _TEXTS["reply_texts"]
