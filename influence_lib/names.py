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
    # an ASCII name folds to its lower case (NFKD leaves ASCII as is, and casefold is lower there):
    # done at once, in Arrow; the others one by one
    key = text.str.lower()
    others = ~text.str.isascii().to_numpy(dtype=bool)
    if others.any():
        # folding is character by character (the marks NFKD separates are dropped, and case folding
        # needs no context), so each distinct character is folded once and the names translated
        pending = text[others].tolist()  # Python strings at once: iterating an Arrow column is slower
        table = {ord(c): fold_accents(c) for c in set("".join(pending))}
        key[others] = [t.translate(table) for t in pending]
    return key
