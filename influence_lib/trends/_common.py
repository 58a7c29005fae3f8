"""Shared helpers of the trends: column checks, codes, safe division, Paris time, excerpts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from influence_lib.arrow import positions

PARIS = "Europe/Paris"
UNKNOWN_FORMAT = "unknown"


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns)) or "none"
        raise ValueError(
            f"{what} lacks column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(columns found: {found})"
        )


def _values(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype=float, na_value=np.nan)


def _like(values: np.ndarray, reference: pd.Series) -> np.ndarray:
    """Sums of an integer column stay integers."""
    if pd.api.types.is_integer_dtype(reference):
        return np.round(values).astype(np.int64)
    return values


def _divide(numerator, denominator) -> np.ndarray:
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    out = np.full(np.broadcast(numerator, denominator).shape, np.nan)
    return np.divide(numerator, denominator, out=out, where=denominator != 0)


def _codes(column: pd.Series, keys: pd.Index | pd.Series, what: str) -> np.ndarray:
    codes = positions(pd.Series(column), pd.Series(keys))
    if (codes < 0).any():
        unknown = pd.Series(column)[codes < 0].astype("str").unique()[:5]
        raise ValueError(f"{what}: {', '.join(unknown)} not found")
    return codes


def _observed(column: pd.Series) -> list:
    """Values present in a column, in category order for categoricals, sorted otherwise."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        used = np.unique(column.cat.codes.to_numpy())
        return list(column.cat.categories[used[used >= 0]])
    return sorted(column.dropna().unique().tolist())


def to_paris_time(stamps: pd.Series) -> pd.Series:
    """The same instants in Europe/Paris local time (naive UTC values are read as UTC)."""
    stamps = pd.Series(stamps)
    if stamps.dt.tz is None:
        stamps = stamps.dt.tz_localize("UTC")
    return stamps.dt.tz_convert(PARIS)


def make_excerpt(texts: pd.Series, width: int = 140) -> pd.Series:
    """The start of each text, at most ``width`` characters, cut at a word, with "…" when cut.

    Runs of white space become one space; a missing text gives ``""``.
    """
    def cut(text) -> str:
        if not isinstance(text, str):
            return ""
        text = " ".join(text.split())
        if len(text) <= width:
            return text
        end = text[: width + 1].rfind(" ")
        end = end if end > 0 else width
        return text[:end].rstrip(" ,;:.!?-\u2013\u2014") + "\u2026"

    texts = pd.Series(texts)
    return pd.Series([cut(t) for t in texts], index=texts.index, dtype="str")
