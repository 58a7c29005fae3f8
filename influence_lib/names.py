"""Names as readers sort and compare them: accents and case folded ("Écho" sorts between "Delta" and "Gamma")."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from influence_lib.arrow import TEXT, arrow_text, joined_text

_MOST_REPLACEMENTS = 64  # characters replaced column-wide, one Arrow pass each; beyond, name by name


def fold_accents(text: str) -> str:
    """``text`` without accents and case: ``"Écho"`` -> ``"echo"`` (NFKD, combining marks dropped, casefold)."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def name_sort_key(names: pd.Series) -> pd.Series:
    """Key that orders names alphabetically ignoring case and accents (missing names sort first).

    Each name is :func:`fold_accents` of it. Folding is character by character (the marks NFKD
    separates are dropped, and case folding needs no context), so each distinct character is
    folded once: ASCII letters are lowered at once by Arrow (NFKD leaves ASCII as is, and casefold
    is lower there), and each other character that folding changes is replaced column-wide, one
    Arrow pass per character (a few for Latin names; a folded character folds to itself, so no
    pass alters what another wrote); beyond 64 such characters, the same replacements are made name
    by name.
    """
    text = arrow_text(names).fill_null("")
    key = pc.ascii_lower(text)
    others = pc.invert(pc.string_is_ascii(text))
    if pc.any(others).as_py():
        folded = {c: fold_accents(c) for c in set(joined_text(pc.filter(text, others))) if not c.isascii()}
        folded = {c: f for c, f in folded.items() if f != c}
        if len(folded) > _MOST_REPLACEMENTS:  # the same replacements, name by name
            table = str.maketrans(folded)
            key = pa.array([k.translate(table) for k in key.to_pylist()], type=TEXT)
        else:
            for character, replacement in folded.items():
                key = pc.replace_substring(key, character, replacement)
    return pd.Series(key, dtype="str", index=names.index)
