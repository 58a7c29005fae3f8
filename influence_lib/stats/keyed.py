"""Keyed random numbers: a draw depends only on (seed, key, replicate), never on row order or partitions.

A counter-based generator: every number is a pure function of three integers, so the same post
gets the same bootstrap weight in replicate ``b`` whether the posts come in one frame, shuffled,
or split into partitions computed by different processes. Nothing here uses numpy's ``Generator``
streams, which numpy guarantees only on one build.

The rules, written so that another implementation can reproduce them bit for bit:

- **Key of a string** (:func:`stable_keys`): FNV-1a 64 over its UTF-8 bytes, then the SplitMix64
  finaliser :func:`mix64`. An integer key ``i`` is ``mix64(i XOR INTEGER_TAG)``.
- **Stream of a seed**: ``s = mix64(seed XOR stream_tag)``, with one tag per use (Poisson weights,
  normals), so two uses of one seed are independent.
- **Base of a key**: ``h = mix64(key XOR s)``.
- **Word ``j`` of a key**: ``mix64(h + (j + 1) * GOLDEN)`` (SplitMix64 started at ``h``),
  arithmetic modulo 2**64.
- **Poisson(1) weight of replicate ``b``**: the 32-bit half ``b mod 2`` of word ``b // 2``
  (``u = (word >> 32 * (b mod 2)) & 0xFFFFFFFF``), turned into a count by the inverse CDF at
  32-bit resolution: ``w = #{k >= 0 : u >= T_k}`` with ``T_k = 2**32 - floor(sf(k) * 2**32)``,
  ``sf`` the survival function of Poisson(1) (``scipy.stats.poisson``). Each probability is
  exact to 2**-32; the largest weight is 12.
- **Standard normal of replicate ``b``**: word ``b``, its top 53 bits ``m``, then
  ``ndtri((m + 0.5) / 2**53)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import special, stats

GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # SplitMix64 increment: 2**64 / golden ratio
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x00000100000001B3)

INTEGER_TAG = 0x1D8E4E27C47D124F  # keys of integer ids (keeps them apart from string keys)
POISSON_TAG = 0x5F0A_7C2B_9D4E_1136  # stream of the Poisson(1) bootstrap weights
NORMAL_TAG = 0x2B7E_1516_28AE_D2A6  # stream of the keyed standard normals

_U64 = np.uint64


def mix64(words: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
    """SplitMix64 finaliser, in place: ``z ^= z >> 30; z *= C1; z ^= z >> 27; z *= C2; z ^= z >> 31``.

    Parameters
    ----------
    words : numpy.ndarray
        uint64 array, overwritten with the mixed values.
    scratch : numpy.ndarray, optional
        uint64 array of the same shape used as working memory (saves an allocation per call).

    Returns
    -------
    numpy.ndarray
        ``words`` (the same array), each value mixed; a bijection of 64-bit integers.
    """
    if words.dtype != np.uint64:
        raise TypeError(f"mix64 needs uint64 values, not {words.dtype}")
    tmp = np.empty_like(words) if scratch is None else scratch
    for shift, factor in ((30, _MIX1), (27, _MIX2), (31, None)):
        np.right_shift(words, _U64(shift), out=tmp)
        np.bitwise_xor(words, tmp, out=words)
        if factor is not None:
            np.multiply(words, factor, out=words)
    return words


def _fnv1a64(strings: pa.Array) -> np.ndarray:
    """FNV-1a 64 of each string's UTF-8 bytes, vectorised over strings (one pass per byte position)."""
    n = len(strings)
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int64)[strings.offset: strings.offset + n + 1]
    data_buffer = strings.buffers()[2]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    lengths = np.diff(offsets)
    order = np.argsort(-lengths, kind="stable")  # longest first: the strings still going form a prefix
    starts = offsets[:-1][order]
    remaining = lengths[order]
    hashes = np.full(n, _FNV_OFFSET, dtype=np.uint64)
    for position in range(int(lengths.max(initial=0))):
        going = int(np.searchsorted(-remaining, -position, side="left"))  # strings longer than position
        part = hashes[:going]
        np.bitwise_xor(part, data[starts[:going] + position].astype(np.uint64), out=part)
        np.multiply(part, _FNV_PRIME, out=part)
    out = np.empty(n, dtype=np.uint64)
    out[order] = hashes
    return out


def stable_keys(ids) -> np.ndarray:
    """A stable 64-bit key for each id: the same id gives the same key on any machine and version.

    Parameters
    ----------
    ids : array-like of str, or of integers
        Identifiers (e.g. ``post_id``). Strings are hashed from their UTF-8 bytes (FNV-1a 64, then
        :func:`mix64`), so an object column, a pandas ``str`` column and an Arrow array give the
        same keys. Integers (e.g. already hashed ids) are mixed with :data:`INTEGER_TAG`.

    Returns
    -------
    numpy.ndarray
        uint64 keys, one per id. Two different ids collide with probability about 2**-64 per pair.

    Raises
    ------
    ValueError
        When an id is missing (a key cannot be derived from nothing).
    """
    if isinstance(ids, np.ndarray) and ids.dtype.kind in "iu":
        if ids.dtype.kind == "i" and ids.size and ids.min() < 0:
            raise ValueError("integer ids must be >= 0")
        return mix64(ids.astype(np.uint64) ^ _U64(INTEGER_TAG))
    if isinstance(ids, pd.Series) and ids.dtype.kind in "iu":
        return stable_keys(ids.to_numpy())
    if isinstance(ids, (pa.Array, pa.ChunkedArray)):
        arrow = ids
    elif isinstance(ids, pd.Series) and isinstance(ids.dtype, pd.StringDtype) and ids.dtype.storage == "pyarrow":
        arrow = pa.array(ids)
    else:
        try:
            arrow = pa.array(np.asarray(ids, dtype=object), type=pa.large_string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
            raise ValueError(f"ids must be strings (or an integer array): {error}") from None
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks() if arrow.num_chunks != 1 else arrow.chunk(0)
    if arrow.null_count:
        first = int(np.flatnonzero(arrow.is_null().to_numpy(zero_copy_only=False))[0])
        raise ValueError(f"ids must not be missing: {arrow.null_count} missing, the first at position {first}")
    arrow = pc.cast(arrow, pa.large_string())
    return mix64(_fnv1a64(arrow))


def _stream(seed: int, tag: int) -> np.uint64:
    seed = int(seed)
    if not 0 <= seed < 2**64:
        raise ValueError(f"seed must be an integer between 0 and 2**64 - 1, not {seed}")
    return mix64(np.array([seed ^ tag], dtype=np.uint64))[0]


def key_bases(keys: np.ndarray, seed: int, tag: int) -> np.ndarray:
    """Base of each key in one seeded stream: ``mix64(key XOR mix64(seed XOR tag))``.

    Parameters
    ----------
    keys : numpy.ndarray
        uint64 keys (:func:`stable_keys`).
    seed : int
        The seed, 0 to 2**64 - 1.
    tag : int
        The stream (:data:`POISSON_TAG`, :data:`NORMAL_TAG`).

    Returns
    -------
    numpy.ndarray
        uint64, one per key.
    """
    keys = np.asarray(keys)
    if keys.dtype != np.uint64:
        raise TypeError(f"keys must be uint64 (see stable_keys), not {keys.dtype}")
    return mix64(keys ^ _stream(seed, tag))


def key_words(bases: np.ndarray, first: int, count: int) -> np.ndarray:
    """Words ``first .. first + count - 1`` of each key: ``mix64(base + (j + 1) * GOLDEN)``.

    Parameters
    ----------
    bases : numpy.ndarray
        uint64 bases (:func:`key_bases`), shape ``(n,)``.
    first, count : int
        The range of word indices.

    Returns
    -------
    numpy.ndarray
        uint64 array of shape ``(n, count)``.
    """
    steps = (np.arange(first, first + count, dtype=np.uint64) + _U64(1)) * GOLDEN
    words = np.add(bases[:, None], steps[None, :])
    return mix64(words)


def _poisson_thresholds() -> np.ndarray:
    """``T_k = 2**32 - floor(sf(k) * 2**32)`` for every k whose threshold is below 2**32."""
    thresholds = []
    for k in range(64):
        tail = int(np.floor(stats.poisson.sf(k, 1.0) * 2.0**32))
        if tail < 1:
            break
        thresholds.append(2**32 - tail)
    return np.array(thresholds, dtype=np.uint64)


POISSON_THRESHOLDS = _poisson_thresholds()


def _poisson_table() -> tuple[np.ndarray, np.ndarray]:
    """Weight of each 16-bit prefix, and the prefixes whose 2**16 values straddle a threshold."""
    prefixes = np.arange(2**16, dtype=np.uint64)
    low = np.searchsorted(POISSON_THRESHOLDS, prefixes << _U64(16), side="right")
    high = np.searchsorted(POISSON_THRESHOLDS, (prefixes << _U64(16)) | _U64(0xFFFF), side="right")
    table = low.astype(np.float64)
    straddles = low != high
    table[straddles] = -1.0  # resolved from the full 32 bits
    return table, np.flatnonzero(straddles)


_POISSON_TABLE, _STRADDLING_PREFIXES = _poisson_table()


def poisson_from_words(words: np.ndarray) -> np.ndarray:
    """Poisson(1) counts from words: two per uint64 word (low 32-bit half first), as float64.

    Parameters
    ----------
    words : numpy.ndarray
        uint64, shape ``(n, m)`` (:func:`key_words`).

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(n, 2 * m)``: column ``2 * j`` from the low half of word ``j``,
        column ``2 * j + 1`` from its high half. See the module docstring for the rule.
    """
    little = np.ascontiguousarray(words, dtype="<u8")  # no copy on little-endian machines
    halves = little.view("<u4")  # (n, 2m): low half then high half of each word
    prefixes = little.view("<u2")[:, 1::2]  # the top 16 bits of each half
    weights = _POISSON_TABLE[prefixes]
    odd = np.flatnonzero(weights.reshape(-1) < 0)
    if odd.size:
        exact = halves.reshape(-1)[odd].astype(np.uint64)
        weights.reshape(-1)[odd] = np.searchsorted(POISSON_THRESHOLDS, exact, side="right")
    return weights


def poisson_weights(keys: np.ndarray, seed: int, first: int, count: int) -> np.ndarray:
    """Poisson(1) bootstrap weights of replicates ``first .. first + count - 1`` for each key.

    Parameters
    ----------
    keys : numpy.ndarray
        uint64 keys (:func:`stable_keys`), shape ``(n,)``.
    seed : int
    first, count : int
        Replicates wanted.

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(n, count)``: the weight of key ``i`` in replicate ``first + c`` is
        column ``c``, the same whatever else is asked in the same call.
    """
    bases = key_bases(keys, seed, POISSON_TAG)
    return poisson_rows(bases, first, count)


def poisson_rows(bases: np.ndarray, first: int, count: int) -> np.ndarray:
    """As :func:`poisson_weights`, from bases already computed (:func:`key_bases` with POISSON_TAG)."""
    if count <= 0:
        return np.zeros((len(bases), 0))
    word_first, word_last = first // 2, (first + count - 1) // 2
    weights = poisson_from_words(key_words(bases, word_first, word_last - word_first + 1))
    skip = first - 2 * word_first
    return weights[:, skip: skip + count]


def normal_draws(keys: np.ndarray, seed: int, first: int, count: int, stream: int = 0) -> np.ndarray:
    """Keyed standard normals: one per key and replicate ``first .. first + count - 1``.

    Parameters
    ----------
    keys : numpy.ndarray
        uint64 keys (e.g. :func:`stable_keys` of the group ids), shape ``(n,)``.
    seed : int
    first, count : int
    stream : int
        Independent sets of normals for the same keys and seed (the stream tag is
        ``NORMAL_TAG XOR stream``).

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(n, count)``, by the inverse normal CDF (``scipy.special.ndtri``) of
        a 53-bit uniform in (0, 1).
    """
    bases = key_bases(keys, seed, NORMAL_TAG ^ int(stream))
    words = key_words(bases, first, count)
    uniform = ((words >> _U64(11)).astype(np.float64) + 0.5) * 2.0**-53
    return special.ndtri(uniform)
