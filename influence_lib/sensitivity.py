"""Sensitivity of a scope's ranking to methodological choices, COINr style: uncertainty analysis and Sobol indices.

The choices (the *factors*) are the metric weights of comments and shares, the weight of
Twitter, whether quotes count, the cap on each post's engagement (none, p99, p99.9) and the
period, each end shifted by up to a month. The estimand (the methodology's Direction-level rule:
an engagement sum, per member...) stays fixed: it is compared side by side instead
(:mod:`influence_lib.compare`), because as a factor it would dominate and hide every other choice.

:class:`ChoiceScorer` reads the sector's posts once, over the period widened by a month on each
side, and keeps per post its metric columns, platform, kind and time, sorted by time. Scoring
one combination of choices is then a slice (the period), a weighted sum (the weights), a
partition (the cap) and a ``bincount`` (the Directions), vectorised over the posts; the
Direction-level rule is :func:`influence_lib.scoring.normalized_score`, the scoring's own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from influence_lib.arrow import positions
from influence_lib.ranking import competition_ranks
from influence_lib.scope import ScoredScope
from influence_lib.scoring import member_followers, normalized_score, score_posts
from influence_lib.settings import METRICS, PLATFORMS, Methodology, Period
from influence_lib.stats.ranks import rank_summary
from influence_lib.stats.sensitivity import mean_abs_rank_shift, sample_factors, sobol_indices
from influence_lib.threads import cpu_threads, in_order

MAX_SHIFT_DAYS = 31  # "a month" on each side of the period
CAP_CHOICES = ("none", "p99", "p99.9")
CAP_QUANTILES = (None, 0.99, 0.999)
FACTOR_NAMES = ("comments_weight", "shares_weight", "twitter_weight", "quotes_counted", "post_cap",
                "start_shift_days", "end_shift_days")
UNCERTAINTY_COLUMNS = ["org_id", "name", "rank", "median_rank", "rank_low", "rank_high", "p_top"]
SOBOL_COLUMNS = ["target", "org_id", "factor", "first_order", "total_order", "variance"]
MEAN_SHIFT = "mean_abs_rank_shift"  # the scalar target: mean |rank - nominal rank| of the Top N
SEED = 20210601
THREADED_POSTS = 100_000  # posts per run from which ChoiceScorer.scores spreads its runs over threads


def methodological_factors(weight_range: tuple[float, float] = (0.5, 3.0),
                           twitter_range: tuple[float, float] = (0.5, 1.5),
                           max_shift_days: int = MAX_SHIFT_DAYS) -> dict:
    """The factors of the analysis and their distributions (frozen ``scipy.stats`` distributions).

    Parameters
    ----------
    weight_range : tuple of float
        Bounds of the weights of comments and of shares (likes weigh 1), each uniform.
    twitter_range : tuple of float
        Bounds of Twitter's weight (LinkedIn weighs 1), uniform.
    max_shift_days : int
        Each end of the period moves by a whole number of days, uniform in
        ``[-max_shift_days, max_shift_days]``.

    Returns
    -------
    dict
        In :data:`FACTOR_NAMES` order: ``comments_weight``, ``shares_weight``,
        ``twitter_weight`` (uniform), ``quotes_counted`` (0 or 1), ``post_cap`` (an index in
        :data:`CAP_CHOICES`), ``start_shift_days`` and ``end_shift_days`` (whole days).
    """
    for low, high in (weight_range, twitter_range):
        if not 0 <= low < high:
            raise ValueError(f"a weight range must be 0 <= low < high, not {(low, high)}")
    if not 0 <= int(max_shift_days) <= MAX_SHIFT_DAYS:
        raise ValueError(f"max_shift_days must be between 0 and {MAX_SHIFT_DAYS}, not {max_shift_days}")
    shift = stats.randint(-int(max_shift_days), int(max_shift_days) + 1)
    return {
        "comments_weight": stats.uniform(weight_range[0], weight_range[1] - weight_range[0]),
        "shares_weight": stats.uniform(weight_range[0], weight_range[1] - weight_range[0]),
        "twitter_weight": stats.uniform(twitter_range[0], twitter_range[1] - twitter_range[0]),
        "quotes_counted": stats.randint(0, 2),
        "post_cap": stats.randint(0, len(CAP_CHOICES)),
        "start_shift_days": shift,
        "end_shift_days": shift,
    }


def nominal_choices(methodology: Methodology) -> dict:
    """The factors' values under ``methodology`` itself (its cap as written: ``none``, ``p99``...)."""
    return {
        "comments_weight": methodology.metric_weight("comments"),
        "shares_weight": methodology.metric_weight("shares"),
        "twitter_weight": methodology.platform_weight("twitter"),
        "quotes_counted": 1 if "quote" in methodology.counted_kinds else 0,
        "post_cap": methodology.post_cap,
        "start_shift_days": 0,
        "end_shift_days": 0,
    }


@dataclass(frozen=True)
class _Pool:
    """The posts one choice of kinds counts, sorted by time, and where each shifted period starts and ends."""

    fixed: np.ndarray        # engagement from the metrics whose weight is not a factor (likes, quotes)
    comments: np.ndarray
    shares: np.ndarray
    other_weight: np.ndarray  # platform weight of a post not on Twitter, 0 on Twitter
    twitter: np.ndarray       # 1.0 on Twitter
    org: np.ndarray
    member: np.ndarray
    known: np.ndarray | None  # 1.0 when its member's followers are known (per_1000_followers)
    starts: np.ndarray        # starts[s + max_shift]: first post at or after start + s days
    ends: np.ndarray          # ends[e + max_shift]: first post at or after end + e days


class ChoiceScorer:
    """Scores every Direction of a scope's sector under any combination of methodological choices.

    The scope's methodology gives the fixed part (likes' and quotes' weights, other platforms'
    weights, counted kinds other than quotes, the post transform and the Direction-level rule)
    and the nominal values of the factors (:func:`nominal_choices`). A post counts when its kind
    counts and ``start + start_shift <= published_at < end + end_shift``; its engagement is
    ``likes·w_likes + comments·w_comments + shares·w_shares + quotes·w_quotes`` times its
    platform's weight; ``post_cap`` caps it at the quantile of the counted posts of the sector,
    as :func:`influence_lib.post_rules.post_cap` does. With the nominal choices the scores are the
    scope's own (up to the last bits of float sums).

    Parameters
    ----------
    scope : ScoredScope
    max_shift_days : int
        The period is read widened by this many days on each side: no shift may go further.
    threads : int, optional
        Threads that score the runs of one call of :meth:`scores` (default: the CPUs this process
        may use), from :data:`THREADED_POSTS` posts per run (below, each pass is too short for
        threads to gain: the sample's 12,648 posts ran slower on 2). numpy lets go of the
        interpreter in each pass over the posts; every run fills its own row, so the numbers are
        the same whatever the threads.

    Attributes
    ----------
    org_ids : numpy.ndarray
        The Directions scored, in the scope's organisations order (the columns of :meth:`scores`).
    """

    def __init__(self, scope: ScoredScope, max_shift_days: int = MAX_SHIFT_DAYS, threads: int | None = None):
        methodology = self.methodology = scope.methodology
        self.max_shift = int(max_shift_days)
        self.threads = max(1, int(threads if threads is not None else cpu_threads()))
        period = scope.period
        day = pd.Timedelta(days=1)
        widened = Period(start=period.start - self.max_shift * day, end=period.end + self.max_shift * day)
        kinds = tuple(dict.fromkeys(tuple(methodology.counted_kinds) + ("quote",)))
        reading = Methodology(name=methodology.name, version=methodology.version, counted_kinds=kinds)
        posts = score_posts(scope.dataset, scope.sector_key, widened, reading,
                            columns=["published_at", "kind", *METRICS])
        orgs, members = scope.organizations, scope.members
        self.org_ids = orgs["org_id"].to_numpy()
        self.n_orgs = len(orgs)
        self.member_org = positions(members["org_id"], orgs["org_id"])
        self.members = np.bincount(self.member_org, minlength=self.n_orgs)
        self.followers = None
        known_member = None
        if methodology.normalization == "per_1000_followers":
            followers = member_followers(members, scope.accounts)
            known_member = ~np.isnan(followers)
            self.followers = np.bincount(self.member_org[known_member], weights=followers[known_member],
                                         minlength=self.n_orgs)
        self.n_members = len(members)
        bounds = [(period.start + k * day, period.end + k * day) for k in range(-self.max_shift, self.max_shift + 1)]
        is_quote = (posts["kind"] == "quote").to_numpy(dtype=bool)
        self.pools = {0: self._pool(posts, ~is_quote, known_member, bounds),  # quotes_counted 0
                      1: self._pool(posts, None, known_member, bounds)}

    def _pool(self, posts: pd.DataFrame, keep, known_member, bounds) -> _Pool:
        m = self.methodology
        if keep is not None:
            posts = posts.loc[keep].reset_index(drop=True)
        stamps = posts["published_at"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[us]")
        order = np.argsort(stamps, kind="stable")
        stamps = stamps[order]

        def column(name):
            if name not in posts.columns:
                return np.zeros(len(posts))
            return posts[name].to_numpy(dtype=float, na_value=0.0)[order]

        fixed = column("likes") * m.metric_weight("likes") + column("quotes") * m.metric_weight("quotes")
        platform = posts["platform"].cat.codes.to_numpy()[order]
        weights = np.array([m.platform_weight(p) for p in PLATFORMS])
        twitter = (platform == PLATFORMS.index("twitter")).astype(float)
        other_weight = np.where(twitter > 0, 0.0, weights[platform])
        member = posts["member_id"].cat.codes.to_numpy().astype(np.int64)[order]
        org = posts["org_id"].cat.codes.to_numpy().astype(np.int64)[order]

        def first_at(moments):
            return np.searchsorted(stamps, np.array([t.tz_convert("UTC").tz_localize(None).to_datetime64()
                                                     for t in moments]).astype("datetime64[us]"), side="left")

        return _Pool(fixed=fixed, comments=column("comments"), shares=column("shares"), other_weight=other_weight,
                     twitter=twitter, org=org, member=member,
                     known=None if known_member is None else known_member[member].astype(float),
                     starts=first_at([b[0] for b in bounds]), ends=first_at([b[1] for b in bounds]))

    def _choices(self, choices: Mapping, n: int) -> dict:
        nominal = nominal_choices(self.methodology)
        unknown = set(choices) - set(FACTOR_NAMES)
        if unknown:
            raise ValueError(f"unknown factors: {', '.join(sorted(unknown))}; known: {', '.join(FACTOR_NAMES)}")
        out = {}
        for name in FACTOR_NAMES:
            if name in choices:
                out[name] = np.broadcast_to(np.asarray(choices[name], dtype=float), (n,))
            elif name == "post_cap":
                out[name] = None  # the methodology's own cap
            else:
                out[name] = np.full(n, float(nominal[name]))
        for name in ("start_shift_days", "end_shift_days"):
            shift = out[name]
            if np.any(np.abs(shift) > self.max_shift) or np.any(shift != np.round(shift)):
                raise ValueError(f"{name} must be whole days within ±{self.max_shift}")
        return out

    def scores(self, choices: Mapping) -> np.ndarray:
        """Every Direction's score under each combination of choices.

        Parameters
        ----------
        choices : mapping of str to array-like
            Values of some factors of :data:`FACTOR_NAMES`, one per run (a DataFrame from
            :func:`influence_lib.stats.sensitivity.sample_factors` will do); a factor left out
            keeps its nominal value. ``post_cap`` is an index in :data:`CAP_CHOICES`,
            ``quotes_counted`` 0 or 1, shifts whole days.

        Returns
        -------
        numpy.ndarray
            float64, shape ``(runs, Directions)``, the Directions in :attr:`org_ids` order.
        """
        if isinstance(choices, pd.DataFrame):
            choices = {name: choices[name].to_numpy() for name in choices.columns}
        sizes = {np.size(v) for v in choices.values()} - {1}
        if len(sizes) > 1:
            raise ValueError("every factor needs the same number of runs")
        n = sizes.pop() if sizes else 1
        values = self._choices(choices, n)
        m = self.methodology
        sums = np.zeros((n, self.n_orgs))
        best = np.zeros((n, self.n_orgs)) if m.drop_best_posts else None
        active = np.zeros((n, self.n_orgs)) if m.normalization == "per_active_member" else None
        runs = np.arange(n)
        threads = min(self.threads, n) if len(self.pools[1].fixed) >= THREADED_POSTS else 1
        # each run fills its own rows: the threads never share a cell, the numbers do not change
        for _ in in_order(lambda part: self._score_runs(part, values, sums, best, active),
                          np.array_split(runs, 4 * threads), threads):
            pass
        return normalized_score(sums, self.members, self.members if active is None else active, m,
                                best_post=best, followers=self.followers)

    def _score_runs(self, runs: np.ndarray, values: dict, sums: np.ndarray, best, active) -> None:
        """Fill the rows ``runs`` of the Directions' sums (and best posts, active members) of :meth:`scores`."""
        m = self.methodology
        caps = values["post_cap"]
        for i in runs:
            pool = self.pools[int(round(values["quotes_counted"][i]))]
            lo = pool.starts[int(values["start_shift_days"][i]) + self.max_shift]
            hi = pool.ends[int(values["end_shift_days"][i]) + self.max_shift]
            if hi <= lo:
                continue
            engagement = (pool.fixed[lo:hi] + values["comments_weight"][i] * pool.comments[lo:hi]
                          + values["shares_weight"][i] * pool.shares[lo:hi])
            engagement *= pool.other_weight[lo:hi] + values["twitter_weight"][i] * pool.twitter[lo:hi]
            quantile = m.cap_quantile if caps is None else CAP_QUANTILES[int(round(caps[i]))]
            if quantile is not None:
                k = min(max(math.ceil(quantile * len(engagement)) - 1, 0), len(engagement) - 1)
                np.minimum(engagement, np.partition(engagement, k)[k], out=engagement)
            if m.post_transform == "log1p":
                engagement = np.log1p(engagement)
            org = pool.org[lo:hi]
            if pool.known is not None:
                engagement = engagement * pool.known[lo:hi]
            sums[i] = np.bincount(org, weights=engagement, minlength=self.n_orgs)
            if best is not None:
                np.maximum.at(best[i], org, engagement)
            if active is not None:
                posted = np.bincount(pool.member[lo:hi], minlength=self.n_members) > 0
                active[i] = np.bincount(self.member_org, weights=posted, minlength=self.n_orgs)


def _followed(scope: ScoredScope, scorer: ChoiceScorer, segment: str | None, top: int):
    """Columns of the segment's Directions in the scorer's scores, the nominal ranking, and the Top N's positions."""
    ranking = scope.ranking("direction", segment)
    columns = positions(ranking["org_id"].astype("str"), pd.Series(scorer.org_ids).astype("str"))
    nominal = ranking["rank"].to_numpy()
    return ranking, columns, nominal, np.flatnonzero(nominal <= int(top))


@dataclass(frozen=True)
class UncertaintyAnalysis:
    """What a Monte Carlo uncertainty analysis found (see :func:`uncertainty_analysis`).

    Attributes
    ----------
    ranks : pandas.DataFrame
        One row per Direction of the nominal Top N: :data:`UNCERTAINTY_COLUMNS`.
    runs : pandas.DataFrame
        One row per run: the factors' values, ``mean_abs_rank_shift`` (of the Top N) and
        ``top_kept`` (Directions of the nominal Top N still in the run's Top N).
    """

    ranks: pd.DataFrame
    runs: pd.DataFrame


def uncertainty_analysis(scope: ScoredScope, segment: str | None, top: int = 10, n: int = 1000,
                         seed: int = SEED, factors: Mapping | None = None, level: float = 0.90,
                         scorer: ChoiceScorer | None = None) -> UncertaintyAnalysis:
    """Monte Carlo uncertainty analysis: the nominal Top N's ranks under ``n`` random combinations of choices.

    As COINr's: plain Monte Carlo draws of the factors (:func:`influence_lib.stats.sensitivity.sample_factors`),
    the segment ranked under each, and per Direction of the nominal Top N its median rank, its
    ``level`` band (5th to 95th percentile for 0.90) and the share of runs it stays in the Top N
    (:func:`influence_lib.stats.ranks.rank_summary`).

    Parameters
    ----------
    scope : ScoredScope
    segment : str, optional
        Rank within this segment (default the whole sector).
    top : int
        The Top N followed.
    n : int
        Runs, e.g. 1,000.
    seed : int
    factors : mapping, optional
        Default :func:`methodological_factors`.
    level : float
    scorer : ChoiceScorer, optional
        Reuse one (default: built from ``scope``).

    Returns
    -------
    UncertaintyAnalysis
    """
    factors = dict(methodological_factors() if factors is None else factors)
    scorer = scorer or ChoiceScorer(scope)
    ranking, columns, nominal, followed = _followed(scope, scorer, segment, top)
    sample = sample_factors(factors, n, seed)
    scores = scorer.scores(sample)[:, columns]
    summary = rank_summary(scores, top, level)
    ranks = competition_ranks(scores)
    followed_ranks = ranks[:, followed]
    frame = pd.DataFrame({"org_id": ranking["org_id"].to_numpy()[followed], "name": ranking["name"].to_numpy()[followed],
                          "rank": nominal[followed]})
    for column in ("median_rank", "rank_low", "rank_high", "p_top"):
        frame[column] = summary[column].to_numpy()[followed]
    runs = sample.copy()
    runs["mean_abs_rank_shift"] = mean_abs_rank_shift(ranks, nominal, followed)
    runs["top_kept"] = (followed_ranks <= int(top)).sum(axis=1)
    return UncertaintyAnalysis(frame[UNCERTAINTY_COLUMNS], runs)


def sensitivity_analysis(scope: ScoredScope, segment: str | None, top: int = 10, n: int = 1024,
                         seed: int = SEED, factors: Mapping | None = None,
                         scorer: ChoiceScorer | None = None) -> pd.DataFrame:
    """First- and total-order Sobol indices of the nominal Top N's ranks to each methodological choice.

    Targets: the mean absolute rank shift of the Top N against the nominal ranking (COINr's
    target), and the rank of each Direction of the Top N. ``scipy.stats.sobol_indices``
    (Saltelli 2010 first order, Jansen total order) scores ``n * (d + 2)`` combinations of the
    ``d`` factors.

    Parameters
    ----------
    scope : ScoredScope
    segment : str, optional
    top : int
    n : int
        A power of 2, e.g. 1,024.
    seed : int
    factors : mapping, optional
        Default :func:`methodological_factors`.
    scorer : ChoiceScorer, optional

    Returns
    -------
    pandas.DataFrame
        :data:`SOBOL_COLUMNS`: ``target`` (:data:`MEAN_SHIFT`, or ``rank``), ``org_id`` (empty
        for the mean shift), ``factor``, ``first_order``, ``total_order`` and ``variance`` (of
        the target over the runs; a target that never varies has indices 0).
    """
    factors = dict(methodological_factors() if factors is None else factors)
    names = list(factors)
    scorer = scorer or ChoiceScorer(scope)
    ranking, columns, nominal, followed = _followed(scope, scorer, segment, top)
    variances = []

    def targets(x: np.ndarray) -> np.ndarray:
        ranks = competition_ranks(scorer.scores(dict(zip(names, x)))[:, columns])
        out = np.vstack([mean_abs_rank_shift(ranks, nominal, followed), ranks[:, followed].T.astype(float)])
        variances.append(out)
        return out

    found = sobol_indices(targets, factors, n, seed)
    variance = np.concatenate(variances, axis=1).var(axis=1)
    org_ids = np.array([""] + [str(o) for o in ranking["org_id"].to_numpy()[followed]], dtype=object)
    out = pd.DataFrame({
        "target": np.where(found["output"].to_numpy() == 0, MEAN_SHIFT, "rank"),
        "org_id": org_ids[found["output"].to_numpy()],
        "factor": found["factor"].to_numpy(),
        "first_order": found["first_order"].to_numpy(),
        "total_order": found["total_order"].to_numpy(),
        "variance": variance[found["output"].to_numpy()],
    })
    return out[SOBOL_COLUMNS]
