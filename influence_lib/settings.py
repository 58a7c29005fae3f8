"""Frozen, validated settings: dataset.yml, methodology files and analysis periods."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from influence_lib.errors import SettingsError
from influence_lib.yaml_files import _read_yaml, parse_settings

__all__ = ["parse_settings"]  # re-exported: settings are parsed through it

SLUG_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]

PLATFORMS = ("linkedin", "twitter", "bluesky")
KINDS = ("original", "repost", "reply", "quote")
FORMATS = ("text", "image", "video", "article", "document", "poll", "link", "other")
ROLE_CATEGORIES = (
    "ceo", "chair", "finance", "medical", "research", "commercial", "hr",
    "communication", "digital", "operations", "legal", "other",
)
GENDERS = ("f", "m", "x")
METRICS = ("likes", "comments", "shares", "quotes")
ALWAYS_SHOWN_PLATFORMS = ("linkedin", "twitter")  # the study's two platforms, shown even when empty


def shown_platforms(present) -> list[str]:
    """The platforms a table or figure shows, in order.

    LinkedIn and Twitter always, then the known platforms present (``PLATFORMS`` order), then
    unknown ones present, sorted.
    """
    present = set(present)
    return ([p for p in PLATFORMS if p in ALWAYS_SHOWN_PLATFORMS or p in present]
            + sorted(present - set(PLATFORMS)))


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def is_slug(value: str) -> bool:
    """Tell whether ``value`` is a slug usable in a path (lowercase letters, digits, ``-``, ``_``)."""
    return bool(re.fullmatch(SLUG_PATTERN, str(value)))


class Segment(_Frozen):
    """A segment of a sector, ranked with its own Top N."""

    key: Slug
    label: str = Field(min_length=1)
    top: int = Field(gt=0)


class Sector(_Frozen):
    """A sector: its title, focus segment and ordered segments."""

    title: str = Field(min_length=1)
    focus: Slug | None = None
    segments: tuple[Segment, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_segments(self) -> "Sector":
        keys = [s.key for s in self.segments]
        duplicated = sorted({k for k in keys if keys.count(k) > 1})
        if duplicated:
            raise ValueError(f"segment keys must be unique, repeated: {', '.join(duplicated)}; rename or remove the copies")
        if self.focus is not None and self.focus not in keys:
            raise ValueError(f"focus '{self.focus}' is not one of the segments ({', '.join(keys)}); "
                             f"set focus to one of them, or remove it")
        return self

    def segment(self, key: str) -> Segment:
        """Return the segment called ``key``; raise ``KeyError`` with the known keys otherwise."""
        for seg in self.segments:
            if seg.key == key:
                return seg
        raise KeyError(f"unknown segment '{key}'; known: {', '.join(s.key for s in self.segments)}")


def _to_utc(value: dt.date | dt.datetime | str) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


class Period(_Frozen):
    """A half-open UTC period ``[start, end)``, optionally named after an edition."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    start: pd.Timestamp
    end: pd.Timestamp
    edition: str | None = None

    @field_validator("start", "end", mode="before")
    @classmethod
    def _utc(cls, value):
        try:
            return _to_utc(value)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"not a date or time: {value!r}") from exc

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.end <= self.start:
            raise ValueError(f"end ({self.end.isoformat()}) must be after start ({self.start.isoformat()})")
        return self

    @property
    def label(self) -> str:
        """Human label: the edition key, or ``start..end`` in ISO dates."""
        if self.edition is not None:
            return self.edition
        return f"{self.start.date().isoformat()}..{self.end.date().isoformat()}"


class Edition(_Frozen):
    """An edition's half-open period, as written in dataset.yml."""

    start: dt.datetime | dt.date
    end: dt.datetime | dt.date

    @model_validator(mode="after")
    def _ordered(self) -> "Edition":
        if _to_utc(self.end) <= _to_utc(self.start):
            raise ValueError(f"end ({self.end}) must be after start ({self.start}); an edition is the "
                             f"half-open period [start, end)")
        return self


class Editorial(_Frozen):
    """The editorial that opens the report: a Markdown file of the dataset folder, its title and author."""

    file: str = Field(min_length=1, pattern=r"^[^/\\]+\.md$")  # a file name inside the dataset folder
    title: str = Field(min_length=1)
    author: str = Field(min_length=1)


class DatasetSettings(_Frozen):
    """The content of a dataset's ``dataset.yml``."""

    title: str = Field(min_length=1)
    sectors: dict[Slug, Sector] = Field(min_length=1)
    editions: dict[Slug, Edition] = Field(min_length=1)
    editorial: Editorial | None = None

    @field_validator("editions", mode="before")
    @classmethod
    def _edition_keys_as_text(cls, value):
        # YAML reads an unquoted 2021 as an integer: edition keys are text.
        if isinstance(value, dict):
            return {str(k): v for k, v in value.items()}
        return value

    def sector(self, key: str) -> Sector:
        """Return the sector called ``key``; raise ``KeyError`` naming the known ones otherwise."""
        if key not in self.sectors:
            raise KeyError(f"unknown sector '{key}'; known: {', '.join(self.sectors)}")
        return self.sectors[key]

    def editions_by_start(self) -> list[str]:
        """Edition keys ordered by start date, oldest first."""
        return sorted(self.editions, key=lambda k: (_to_utc(self.editions[k].start), k))

    @property
    def latest_edition(self) -> str:
        """The key of the edition that starts last: the default edition."""
        return self.editions_by_start()[-1]

    def previous_edition(self, key: str) -> str | None:
        """The edition before ``key`` by start date, or ``None`` for the first one."""
        order = self.editions_by_start()
        if key not in order:
            raise KeyError(f"unknown edition '{key}'; known: {', '.join(order)}")
        i = order.index(key)
        return order[i - 1] if i > 0 else None

    def period(self, edition: str | None = None) -> Period:
        """The UTC period of ``edition`` (default: the latest)."""
        key = self.latest_edition if edition is None else str(edition)
        if key not in self.editions:
            raise KeyError(f"unknown edition '{key}'; known: {', '.join(self.editions_by_start())}")
        ed = self.editions[key]
        return Period(start=ed.start, end=ed.end, edition=key)


NORMALIZATIONS = ("none", "per_member", "per_active_member", "per_1000_followers")
POST_TRANSFORMS = ("none", "log1p")
NAMED_CAPS = {"p99": 0.99, "p99.9": 0.999}  # the caps the documentation names (any pNN is accepted)


class Methodology(_Frozen):
    """A named, versioned scoring methodology (spec section 2 is ``engagement`` v1).

    A post's engagement is the weighted sum of its metrics (``metric_weights``, times its
    platform's weight); its *score contribution* is that engagement capped at ``post_cap`` then
    transformed by ``post_transform``. A member's score is the sum of their posts' contributions.
    A Direction's score is the sum of its members' contributions, less its best post when
    ``drop_best_posts`` is 1, then normalised (``normalization``). See docs/data-and-methodology.md.
    """

    name: str = Field(min_length=1)
    version: int | str
    description: str = ""
    counted_kinds: tuple[Literal["original", "repost", "reply", "quote"], ...] = ("original", "quote")
    metric_weights: dict[Literal["likes", "comments", "shares", "quotes"], float] = Field(
        default_factory=lambda: {m: 1.0 for m in METRICS}
    )
    platform_weights: dict[Literal["linkedin", "twitter", "bluesky"], float] = Field(
        default_factory=lambda: {p: 1.0 for p in PLATFORMS}
    )
    post_cap: str | float = "none"
    post_transform: Literal["none", "log1p"] = "none"
    drop_best_posts: Literal[0, 1] = 0
    normalization: Literal["none", "per_member", "per_active_member", "per_1000_followers"] = "none"

    @field_validator("metric_weights", "platform_weights")
    @classmethod
    def _non_negative(cls, value: dict) -> dict:
        bad = {k: v for k, v in value.items() if v < 0}
        if bad:
            raise ValueError(f"weights must be >= 0: {bad}")
        return value

    @field_validator("post_cap", mode="before")
    @classmethod
    def _cap(cls, value):
        problem = ("post_cap must be none, a percentile written pNN (p99, p99.9) or a quantile strictly between 0 "
                   f"and 1 (0.99); got {value!r}")
        if isinstance(value, bool):
            raise ValueError(problem)
        if isinstance(value, (int, float)):
            if not 0 < value < 1:
                raise ValueError(problem)
            return float(value)
        if isinstance(value, str):
            text = value.strip().lower()
            if text == "none":
                return "none"
            match = re.fullmatch(r"p(\d{1,2}(?:\.\d+)?)", text)
            if match and 0 < float(match.group(1)) < 100:
                return text
        raise ValueError(problem)

    @field_validator("drop_best_posts", mode="before")
    @classmethod
    def _zero_or_one(cls, value):
        if isinstance(value, bool) or value not in (0, 1):
            raise ValueError(f"drop_best_posts must be 0 (keep every post) or 1 (leave out each Direction's best "
                             f"post); got {value!r}")
        return int(value)

    @property
    def label(self) -> str:
        """``name vVERSION``, as recorded in every output."""
        return f"{self.name} v{self.version}"

    @property
    def cap_quantile(self) -> float | None:
        """The quantile ``post_cap`` names (``p99`` is 0.99), or ``None`` when posts are not capped."""
        if self.post_cap == "none":
            return None
        if isinstance(self.post_cap, float):
            return self.post_cap
        return NAMED_CAPS.get(self.post_cap, float(self.post_cap[1:]) / 100)

    @property
    def scores_posts_as_engagement(self) -> bool:
        """True when each post's score contribution is its engagement (no cap, no transform)."""
        return self.post_cap == "none" and self.post_transform == "none"

    def metric_weight(self, metric: str) -> float:
        """Weight of a metric; metrics not listed weigh 0."""
        return float(self.metric_weights.get(metric, 0.0))

    def platform_weight(self, platform: str) -> float:
        """Weight of a platform; platforms not listed weigh 1."""
        return float(self.platform_weights.get(platform, 1.0))


DEFAULT_METHODOLOGY = Methodology(
    name="engagement",
    version=1,
    description="Somme des réactions, commentaires, partages et citations des posts originaux et citations.",
)


def load_dataset_settings(path: str | Path) -> DatasetSettings:
    """Read and validate a ``dataset.yml``.

    Parameters
    ----------
    path : str or Path
        The ``dataset.yml`` file.

    Returns
    -------
    DatasetSettings

    Raises
    ------
    SettingsError
        When the file is missing, is not YAML, or breaks the contract (unknown keys, a segment
        without ``top``, an edition whose end is not after its start...).
    """
    path = Path(path)
    hint = ("; every dataset folder needs a dataset.yml naming its title, sectors (with their segments "
            "and Top N) and editions (see the data format in docs/)")
    return parse_settings(DatasetSettings, _read_yaml(path, hint, folder=path.parent), str(path))


class MethodologyChoiceError(SettingsError):
    """A methodology asked for is neither a shipped name nor an existing file: a bad argument (exit 2)."""

    exit_status = 2


SHIPPED_FIRST = "engagement"  # the default comes first in listings; the others follow by name


def shipped_methodology_dir() -> Path:
    """The folder of the methodology files shipped with the package (``influence_lib/data/methodologies``)."""
    return Path(str(resources.files("influence_lib").joinpath("data", "methodologies")))


def shipped_methodologies() -> dict[str, Path]:
    """The methodology files shipped with the package, by name (the file name without ``.yml``).

    Returns
    -------
    dict
        ``{name: path}``, ``engagement`` (the default) first, then by name.
    """
    folder = shipped_methodology_dir()
    names = sorted((p.stem for p in folder.glob("*.yml")), key=lambda n: (n != SHIPPED_FIRST, n))
    return {name: folder / f"{name}.yml" for name in names}


def methodology_path(value: str | Path | None) -> Path | None:
    """The file a methodology argument names: a shipped name or a path; ``None`` for the default.

    A value equal to the name of a shipped methodology (``reactions``, ``per-member``...) means
    the shipped file, even if a file of that name exists in the working folder (write
    ``./reactions`` for that one); any other value is a path.

    Raises
    ------
    MethodologyChoiceError
        When the value is neither a shipped name nor an existing file (the message lists the
        shipped names).
    """
    if value is None or str(value).strip() == "":
        return None
    shipped = shipped_methodologies()
    if isinstance(value, str) and value in shipped:
        return shipped[value]
    path = Path(value)
    if path.exists() and not path.is_dir():
        from influence_lib.inputs import check_input_file

        check_input_file(path, error=MethodologyChoiceError)  # a device or a pipe is not a methodology file
        return path
    what = "a folder, not a file" if path.is_dir() else "no such file"
    raise MethodologyChoiceError(
        f"{value}: {what}, nor the name of a shipped methodology ({', '.join(shipped)}); give one of these names "
        f"(`influence methodologies` lists them) or the path of a methodology YAML file"
    )


def methodology_reference(value: str | Path | None) -> str:
    """How to pass a methodology argument on, e.g. to a notebook run in another folder.

    ``""`` for the default, the name of a shipped methodology, otherwise the file's absolute path.

    Raises
    ------
    MethodologyChoiceError
        As :func:`methodology_path`.
    """
    path = methodology_path(value)
    if path is None:
        return ""
    if isinstance(value, str) and value in shipped_methodologies():
        return value
    return str(path.resolve())


def load_methodology(value: str | Path | None = None) -> Methodology:
    """The methodology a user names: a shipped name, a YAML file, or the default.

    The one resolver of methodologies: ``influence rank --methodology``, ``influence report
    --methodology`` and the notebooks' ``methodology_file`` parameter all come here.

    Parameters
    ----------
    value : str or Path, optional
        The name of a shipped methodology (see :func:`shipped_methodologies`), or the path of a
        methodology YAML file; ``None`` or ``""`` for the default ("engagement" v1).

    Returns
    -------
    Methodology

    Raises
    ------
    MethodologyChoiceError
        For a value that is neither a shipped name nor a file (exit status 2).
    SettingsError
        For a file that is not valid YAML or breaks the format (unknown key, bad value...).
    """
    path = methodology_path(value)
    if path is None:
        return DEFAULT_METHODOLOGY
    return parse_settings(Methodology, _read_yaml(path), str(path))


class PeriodChoiceError(ValueError):
    """The period asked for (edition, or start and end) does not fit: a bad argument, not bad data."""


def resolve_edition(settings: DatasetSettings, edition: str | None = None) -> tuple[Period, Period | None]:
    """The period of an edition (default the latest) and of the edition before it, if any.

    Raises
    ------
    PeriodChoiceError
        For an unknown edition key (the message lists the known ones).
    """
    try:
        key = settings.latest_edition if edition is None else str(edition)
        period = settings.period(key)
        previous = settings.previous_edition(key)
    except KeyError as exc:
        raise PeriodChoiceError(exc.args[0]) from None
    return period, (settings.period(previous) if previous else None)


def _explicit_period(start: str, end: str, source: str) -> Period:
    try:
        return parse_settings(Period, {"start": start, "end": end}, source)
    except SettingsError as exc:
        raise PeriodChoiceError(str(exc).replace("\n  - ", "; ")) from None


def resolve_period(settings: DatasetSettings, edition: str | None = None, start: str | None = None,
                   end: str | None = None) -> Period:
    """The period a user asks for: an edition (default the latest) or an explicit ``start``/``end``.

    Raises
    ------
    PeriodChoiceError
        When ``start`` and ``end`` are not given together, are given with an edition, do not
        parse, or the edition is unknown.
    """
    if (start is None) != (end is None):
        raise PeriodChoiceError("--start and --end go together")
    if start is not None:
        if edition is not None:
            raise PeriodChoiceError("give either --edition or --start/--end, not both")
        return _explicit_period(start, end, "--start/--end")
    return resolve_edition(settings, edition)[0]


def resolve_previous_period(settings: DatasetSettings, period: Period, previous_start: str | None = None,
                            previous_end: str | None = None) -> Period | None:
    """The period rank movements compare with: the previous edition, or an explicit previous period.

    An explicit period (``start``/``end``) has no previous edition unless ``previous_start`` and
    ``previous_end`` are given.

    Raises
    ------
    PeriodChoiceError
        When the previous bounds are not given together, or are given with an edition.
    """
    if (previous_start is None) != (previous_end is None):
        raise PeriodChoiceError("--previous-start and --previous-end go together")
    if previous_start is not None:
        if period.edition is not None:
            raise PeriodChoiceError("--previous-start/--previous-end go with --start/--end; with --edition the "
                                    "previous edition is used")
        return _explicit_period(previous_start, previous_end, "--previous-start/--previous-end")
    if period.edition is None:
        return None
    return resolve_edition(settings, period.edition)[1]
