"""Sensitivity of a ranking to methodological choices: Monte Carlo samples of the factors, Sobol indices.

As COINr does for composite indicators: each methodological choice is a factor with a
distribution (``scipy.stats.randint(0, m)`` for a choice among ``m`` options,
``scipy.stats.uniform(low, high - low)`` for a weight); an uncertainty analysis scores the
ranking under N plain Monte Carlo draws of the factors (summarise the ranks with
:func:`influence_lib.stats.ranks.rank_summary`); a sensitivity analysis apportions the variance
of an output (e.g. :func:`mean_abs_rank_shift`) to the factors with first- and total-order Sobol
indices (``scipy.stats.sobol_indices``, Saltelli 2010 and Jansen estimators). Keep the choice of
estimand out of the factors: it dominates every other choice and hides them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from scipy import stats


def _factors(factors: Mapping) -> tuple[list[str], list]:
    if not factors:
        raise ValueError("at least one factor is needed")
    names, dists = list(factors), list(factors.values())
    for name, dist in zip(names, dists):
        if not callable(getattr(dist, "ppf", None)):
            raise ValueError(f"factor {name!r}: its distribution needs a ppf (a frozen scipy.stats distribution)")
    return names, dists


def sample_factors(factors: Mapping, n: int, seed: int) -> pd.DataFrame:
    """A plain Monte Carlo sample of the factors (for an uncertainty analysis).

    Parameters
    ----------
    factors : mapping of str to distribution
        Name of each factor and its distribution (anything with a ``ppf``, e.g. a frozen
        ``scipy.stats`` distribution), independent of each other.
    n : int
        Draws (runs of the ranking), e.g. 1,000.
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    pandas.DataFrame
        ``n`` rows, one column per factor: the ``ppf`` of independent uniforms.
    """
    names, dists = _factors(factors)
    if int(n) < 1:
        raise ValueError(f"n must be a positive integer, not {n}")
    uniforms = np.random.default_rng(seed).random((int(n), len(names)))
    return pd.DataFrame({name: dist.ppf(uniforms[:, i]) for i, (name, dist) in enumerate(zip(names, dists))})


def sobol_indices(func: Callable, factors: Mapping, n: int, seed: int) -> pd.DataFrame:
    """First- and total-order Sobol indices of each output of ``func`` to each factor.

    Calls ``scipy.stats.sobol_indices`` (method ``saltelli_2010``: Saltelli 2010 first order,
    Jansen 1999 total order), which evaluates ``func`` on ``n * (d + 2)`` points of a scrambled
    Sobol' design.

    Parameters
    ----------
    func : callable
        Maps an array of shape ``(d, m)`` (factor values, one column per run, factors in the
        order of ``factors``) to an array of shape ``(m,)`` or ``(s, m)`` (``s`` outputs).
    factors : mapping of str to distribution
        As :func:`sample_factors`.
    n : int
        A power of 2 (e.g. 1,024).
    seed : int

    Returns
    -------
    pandas.DataFrame
        Rows by output then factor: ``output`` (0 .. s - 1), ``factor``, ``first_order``,
        ``total_order``. For an additive function the two orders agree; their difference
        measures interactions.
    """
    names, dists = _factors(factors)
    n = int(n)
    if n < 2 or n & (n - 1):
        raise ValueError(f"n must be a power of 2, not {n}")

    def outputs(x):
        found = np.asarray(func(x), dtype=np.float64)
        return found[None, :] if found.ndim == 1 else found

    rng = np.random.default_rng(seed)
    accepts_rng = "rng" in inspect.signature(stats.sobol_indices).parameters  # scipy >= 1.15
    options = {"rng": rng} if accepts_rng else {"random_state": rng}
    result = stats.sobol_indices(func=outputs, n=n, dists=dists, **options)
    first = np.atleast_2d(result.first_order)  # (s, d)
    total = np.atleast_2d(result.total_order)
    s, d = first.shape
    return pd.DataFrame({"output": np.repeat(np.arange(s), d), "factor": np.tile(np.array(names, dtype=object), s),
                         "first_order": first.reshape(-1), "total_order": total.reshape(-1)})


def mean_abs_rank_shift(replicate_ranks, nominal_ranks, entries=None) -> np.ndarray:
    """Per run, the mean absolute rank change against the nominal ranking (COINr's sensitivity target).

    Parameters
    ----------
    replicate_ranks : array-like of int
        Shape ``(runs, n_entries)``: each entry's rank in each run.
    nominal_ranks : array-like of int
        Shape ``(n_entries,)``: the ranks under the nominal methodology.
    entries : array-like of int, optional
        Positions of the entries followed (e.g. the focus Top 10); default all.

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(runs,)``.
    """
    ranks = np.asarray(replicate_ranks, dtype=np.float64)
    nominal = np.asarray(nominal_ranks, dtype=np.float64)
    if ranks.ndim != 2 or ranks.shape[1] != nominal.shape[0]:
        raise ValueError(f"replicate_ranks must be (runs, {nominal.shape[0]}), not {ranks.shape}")
    chosen = slice(None) if entries is None else np.asarray(entries, dtype=np.int64)
    return np.abs(ranks[:, chosen] - nominal[chosen]).mean(axis=1)
