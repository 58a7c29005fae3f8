"""Texts of the sample's posts: a theme sentence, a closer and hashtags; comments of reposts; replies."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence_lib.synth.constants import (
    CLOSERS,
    HASHTAG_COUNT_SHARES,
    REPLY_TEXTS,
    REPOST_COMMENTS,
    SECTOR_TAGS,
    THEMES,
)


def post_texts(rng: np.random.Generator, kind: np.ndarray, theme: np.ndarray, sector: np.ndarray) -> np.ndarray:
    """French post texts: a theme sentence, a closer and up to three hashtags.

    Originals and quotes get a text; reposts a short comment about a third of the time (else
    none); replies a short reply.

    Parameters
    ----------
    rng : numpy.random.Generator
        The generator's random numbers.
    kind : numpy.ndarray
        Kind of each post (``original``, ``quote``, ``repost``, ``reply``).
    theme : numpy.ndarray
        Position of each post's theme among the themes of ``texts.yml``.
    sector : numpy.ndarray
        Sector of each post's author.

    Returns
    -------
    numpy.ndarray
        One text per post (object array, ``None`` for a repost without comment).
    """
    n = len(kind)
    sentences = np.empty(n, dtype=object)
    tag1 = np.empty(n, dtype=object)
    tag2 = np.empty(n, dtype=object)
    for t, conf in enumerate(THEMES.values()):
        m = theme == t
        if not m.any():
            continue
        options = np.array(conf["sentences"], dtype=object)
        sentences[m] = options[rng.integers(0, len(options), m.sum())]
        tags = np.array(conf["tags"], dtype=object)
        tag1[m] = tags[rng.integers(0, len(tags), m.sum())]
        tag2[m] = tags[rng.integers(0, len(tags), m.sum())]
    tag3 = np.empty(n, dtype=object)
    for sec, tags in SECTOR_TAGS.items():
        m = sector == sec
        tag3[m] = np.array(tags, dtype=object)[rng.integers(0, len(tags), m.sum())]
    n_tags = rng.choice(4, n, p=np.array(HASHTAG_COUNT_SHARES))
    t1 = pd.Series(np.where(n_tags >= 1, " " + tag1, ""))
    t2 = pd.Series(np.where((n_tags >= 2) & (tag2 != tag1), " " + tag2, ""))
    t3 = pd.Series(np.where((n_tags >= 3) & (tag3 != tag1) & (tag3 != tag2), " " + tag3, ""))
    closer = pd.Series(np.array(CLOSERS, dtype=object)[rng.integers(0, len(CLOSERS), n)])
    text = pd.Series(sentences) + closer + t1 + t2 + t3

    repost_comment = np.array(REPOST_COMMENTS, dtype=object)[rng.integers(0, len(REPOST_COMMENTS), n)]
    reply = np.array(REPLY_TEXTS, dtype=object)[rng.integers(0, len(REPLY_TEXTS), n)]
    with_comment = rng.random(n) < 0.35
    out = text.to_numpy(dtype=object)
    out = np.where(kind == "repost", np.where(with_comment, repost_comment, None), out)
    out = np.where(kind == "reply", reply, out)
    return out
