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
