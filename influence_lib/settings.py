"""Frozen, validated settings: dataset.yml, methodology files and analysis periods."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from influence_lib.errors import SettingsError
from influence_lib.inputs import decode_text, looks_like_utf16, read_input_bytes

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


def _location(loc: tuple, content) -> str:
    """``sectors.sante.segments[1] (key medtech).top`` from a pydantic error location."""
    parts, node = [], content
    for step in loc:
        if isinstance(step, int):
            item = node[step] if isinstance(node, list) and -len(node) <= step < len(node) else None
            label = f"[{step}]"
            if isinstance(item, dict) and "key" in item:
                label += f" (key {item['key']})"
            parts.append(label)
            node = item
        else:
            parts.append(("." if parts else "") + str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def _format_pydantic(exc: ValidationError, source: str, content=None) -> str:
    lines = [f"{source}: invalid settings"]
    for err in exc.errors():
        where = _location(err["loc"], content)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key; check its spelling against the documentation, or remove it"
        elif err["type"] == "missing":
            msg = "required key is missing; add it"
            if err["loc"] and err["loc"][-1] == "top":
                msg = "required key is missing; add `top: N`, the size of this segment's Top N"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        lines.append(f"  - {where}: {msg}")
    return "\n".join(lines)


MAX_YAML_DEPTH = 64  # nesting levels a settings file may use (dataset.yml needs 5)
MAX_YAML_BYTES = 16 << 20  # the largest settings file read: 16 MB
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that a settings file may not hold: a key written twice, nesting too deep."""


class _SettingsLoader(yaml.SafeLoader):
    """PyYAML's safe loader, stricter where it is silent and bounded where it would crash.

    A key written twice in one mapping is refused (PyYAML keeps the last one silently), checked as
    the mapping is read, before merge keys (``<<: *anchor``, which PyYAML's safe loader supports)
    add their keys: a key that overrides a merged one is not a repetition. Nesting deeper than
    :data:`MAX_YAML_DEPTH` levels is refused (PyYAML reads nesting by recursion and would run out
    of Python's stack).
    """

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        if self._depth >= MAX_YAML_DEPTH:
            raise _Refused(None, None, f"nested more than {MAX_YAML_DEPTH} levels deep; settings need only a "
                           f"few levels: check the indentation and the brackets", self.peek_event().start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_mapping_node(self, anchor):
        node = super().compose_mapping_node(anchor)
        seen = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                continue  # merge keys add keys, never repeat one; other keys are refused by the constructor
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise _Refused(None, None, f"key {key!r} appears twice in the same mapping (first on line "
                               f"{seen[key]}); keep one of them", key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        return node

    def flatten_mapping(self, node):
        """Expand merge keys as YAML 1.1 defines them.

        The mapping's own keys win over merged ones, and of a list of merged mappings the earlier
        wins. (PyYAML 6.0.4 keeps the first merged value of a key instead: a key overridden in an
        anchor that is itself merged again would silently take the older value.)
        """
        merged, own = [], []
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE_TAG:
                if key_node.tag == "tag:yaml.org,2002:value":  # "=" as a key is text, as PyYAML reads it
                    key_node.tag = "tag:yaml.org,2002:str"
                own.append((key_node, value_node))
                continue
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in reversed(sources):  # built in order, later keys replace earlier ones
                if not isinstance(source, yaml.MappingNode):
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark,
                        f"expected a mapping, or a list of mappings, to merge, but found {source.id}",
                        source.start_mark)
                self.flatten_mapping(source)
                merged.extend(source.value)
        node.value = merged + own


def _decode_yaml(path: Path, raw: bytes) -> str:
    """The text of a settings file: UTF-8, or UTF-16 with its byte-order mark."""
    try:
        text, encoding = decode_text(raw)
    except UnicodeDecodeError as exc:
        text, encoding, failure = None, exc.encoding, exc
    if encoding.lower().startswith("utf-8") and looks_like_utf16(raw):
        raise SettingsError(f"{path}: looks like UTF-16 text without a byte-order mark (every other byte is 0); "
                            f"save it as UTF-8")
    if text is None:
        what = "UTF-8" if encoding.startswith("utf-8") else ("UTF-32" if "32" in encoding else "UTF-16")
        raise SettingsError(f"{path}: not {what} text ({failure.reason} at byte {failure.start}); save it as UTF-8")
    return text


def _read_yaml(path: Path, missing_hint: str = "", folder: Path | None = None) -> dict:
    """The mapping a settings file holds (see :class:`_SettingsLoader` for what is refused).

    ``folder``: the folder the file must stay in (the dataset folder for ``dataset.yml``).
    """
    if not path.exists():
        raise SettingsError(f"{path}: file not found{missing_hint}")
    raw = read_input_bytes(path, folder, SettingsError, limit=MAX_YAML_BYTES, what="a settings file")
    try:
        content = yaml.load(_decode_yaml(path, raw), Loader=_SettingsLoader)  # noqa: S506 (a safe loader)
    except _Refused as exc:
        mark = exc.problem_mark
        raise SettingsError(f"{path}: line {mark.line + 1}, column {mark.column + 1}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        raise SettingsError(
            f"{path}:{where} not valid YAML ({getattr(exc, 'problem', None) or exc}); check the indentation "
            f"(spaces, not tabs), the colons and the brackets around that place"
        ) from None
    except RecursionError:
        raise SettingsError(f"{path}: merge keys (<<) chained too deep, or a mapping that merges itself; write "
                            f"the keys out") from None
    except (ValueError, OverflowError) as exc:  # a value YAML reads as a date, but no such date exists
        raise SettingsError(f"{path}: a value cannot be read ({exc}); check the dates (YYYY-MM-DD) and "
                            f"numbers") from None
    if content is None:
        raise SettingsError(f"{path}: the file is empty; it must hold the settings as YAML keys")
    if not isinstance(content, dict):
        raise SettingsError(f"{path}: expected a mapping of keys (key: value), found {type(content).__name__}")
    return content


def parse_settings(model: type[BaseModel], content: dict, source: str):
    """Build ``model`` from ``content``; raise ``SettingsError`` listing every problem."""
    try:
        return model.model_validate(content)
    except ValidationError as exc:
        raise SettingsError(_format_pydantic(exc, source, content)) from None


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
    if path.is_file():
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
