"""The canonical tables of a dataset: their columns, types, requirements and references."""

from __future__ import annotations

from dataclasses import dataclass

from influence_lib.settings import FORMATS, GENDERS, KINDS, PLATFORMS, ROLE_CATEGORIES

TABLE_NAMES = ("organizations", "members", "accounts", "posts")


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a canonical table.

    ``kind`` is one of ``id`` (unique text key), ``ref`` (text key of a parent table), ``text``,
    ``enum`` (one of ``choices``), ``count`` (integer >= 0, may be empty), ``timestamp`` (ISO 8601)
    or ``country`` (ISO 3166 alpha-2, checked as a warning only).
    ``column_required``: the column must be present in the file. ``value_required``: every row
    must hold a value. ``default``: value given to empty cells (and to an absent column).
    """

    name: str
    kind: str
    column_required: bool = False
    value_required: bool = False
    choices: tuple[str, ...] = ()
    parent: str | None = None
    default: str | None = None


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its ordered columns and its key."""

    name: str
    key: str
    columns: tuple[ColumnSpec, ...]

    @property
    def column_names(self) -> list[str]:
        """Column names in the contract's order."""
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        """Columns that must be present in the file."""
        return [c.name for c in self.columns if c.column_required]

    @property
    def free_text_columns(self) -> list[str]:
        """Optional text columns, whose only rule is their type (posts' ``text`` and ``url``)."""
        return [c.name for c in self.columns if c.kind == "text" and not c.column_required]

    def column(self, name: str) -> ColumnSpec:
        """The spec of column ``name``."""
        return next(c for c in self.columns if c.name == name)


def _required(name, kind, **kw):
    return ColumnSpec(name, kind, column_required=True, value_required=True, **kw)


TABLES: dict[str, TableSpec] = {
    "organizations": TableSpec("organizations", "org_id", (
        _required("org_id", "id"),
        _required("name", "text"),
        _required("sector", "text"),
        _required("segment", "text"),
        ColumnSpec("country", "country"),
    )),
    "members": TableSpec("members", "member_id", (
        _required("member_id", "id"),
        _required("org_id", "ref", parent="organizations"),
        _required("full_name", "text"),
        _required("role", "text"),
        ColumnSpec("role_category", "enum", choices=ROLE_CATEGORIES),
        ColumnSpec("gender", "enum", choices=GENDERS),
    )),
    "accounts": TableSpec("accounts", "account_id", (
        _required("account_id", "id"),
        _required("member_id", "ref", parent="members"),
        _required("platform", "enum", choices=PLATFORMS),
        _required("handle", "text"),
        ColumnSpec("followers", "count"),
    )),
    "posts": TableSpec("posts", "post_id", (
        _required("post_id", "id"),
        _required("account_id", "ref", parent="accounts"),
        _required("published_at", "timestamp"),
        ColumnSpec("kind", "enum", choices=KINDS, default="original"),
        ColumnSpec("format", "enum", choices=FORMATS),
        ColumnSpec("likes", "count", column_required=True),
        ColumnSpec("comments", "count", column_required=True),
        ColumnSpec("shares", "count", column_required=True),
        ColumnSpec("quotes", "count"),
        ColumnSpec("impressions", "count"),
        ColumnSpec("text", "text"),
        ColumnSpec("url", "text"),
    )),
}
