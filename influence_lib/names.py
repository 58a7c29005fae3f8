"""Names as readers sort and compare them: accents and case folded ("Écho" sorts between "Delta" and "Gamma")."""

from __future__ import annotations

import unicodedata

import pandas as pd


def fold_accents(text: str) -> str:
    """``text`` without accents and case: ``"Écho"`` -> ``"echo"`` (NFKD, combining marks dropped, casefold)."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def name_sort_key(names: pd.Series) -> pd.Series:
    """Key that orders names alphabetically ignoring case and accents (missing names sort first)."""
    text = names.astype("str").fillna("")
    return pd.Series([fold_accents(t) for t in text], index=text.index, dtype="str")
