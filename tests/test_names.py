"""The name sort key: the vectorised key equals folding each name on its own, in every script."""

from __future__ import annotations

import random
import unicodedata

import pandas as pd

from influence_lib.names import fold_accents, name_sort_key


def test_the_key_folds_every_name_as_fold_accents_does():
    rng = random.Random(7)
    letters = [chr(i) for i in range(32, 0x3000) if unicodedata.category(chr(i))[0] in "LMNPSZ"]
    names = ["".join(rng.choice(letters) for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    names += ["Écho", "ÉCHO", "Delta", "ΣΑΣ", "ς", "Straße", "ﬁnance", "Ångström", "Ǆ", "x\u0301y", "İstanbul",
              "", None, "plain ascii", "MiXeD"]
    key = name_sort_key(pd.Series(names, dtype="str"))
    expected = [fold_accents("" if n is None else n) for n in names]
    assert key.tolist() == expected
    assert name_sort_key(pd.Series(["Gamma", "Écho", "Delta"], dtype="str")).sort_values().index.tolist() == [2, 1, 0]


def test_latin_names_take_the_column_wide_replacements_and_fold_alike():
    """A few accented letters (the usual names) are replaced column-wide: same key as folding each name."""
    import influence_lib.names as names_module

    rng = random.Random(11)
    letters = list("abcdeèéêëçàâîïôöùûüÿœæÉÈÇÀÔ ABCXYZ-'0")
    names = ["".join(rng.choice(letters) for _ in range(rng.randint(0, 15))) for _ in range(3000)] + [None, ""]
    accented = {c for n in names if n for c in n if not c.isascii() and fold_accents(c) != c}
    assert 0 < len(accented) <= names_module._MOST_REPLACEMENTS  # the replacement path, not the fallback
    key = name_sort_key(pd.Series(names, dtype="str", index=range(10, 10 + len(names))))
    assert key.tolist() == [fold_accents("" if n is None else n) for n in names]
    assert key.index.tolist() == list(range(10, 10 + len(names))) and str(key.dtype) == "str"


def test_a_folded_character_folds_to_itself():
    """What lets the replacements run one after another: no replacement writes a character another pass would change."""
    changed = [c for c in map(chr, range(128, 0x30000)) if fold_accents(fold_accents(c)) != fold_accents(c)]
    assert changed == []
