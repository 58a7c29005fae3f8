"""What each report section computes, from one scored scope: tables with codes, never French words.

A notebook opens its section once (:func:`open_section`: the dataset loaded, the sector scored
for the edition and the previous one under the methodology), computes its tables here, turns them
into French with :mod:`influence_lib.presentation`, and exports them with :mod:`influence_lib.export`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from influence_lib import trends
from influence_lib.dataset import load_dataset
from influence_lib.parameters import TOP_VOICES, SectionParameters
from influence_lib.paths import dataset_dir
from influence_lib.ranking import top_n
from influence_lib.scope import ScoredScope, build_scope, summarize
from influence_lib.settings import Methodology, Period, Sector, load_methodology, resolve_edition

BOX_FIGURES = ("organizations", "members", "linkedin_accounts", "linkedin_posts", "linkedin_engagement",
               "twitter_accounts", "twitter_posts", "twitter_engagement", "posts_with_empty_counts")


@dataclass(frozen=True)
class SectionContext:
    """Everything a section needs: its parameters and the scored scope."""

    params: SectionParameters
    scope: ScoredScope
    cache: dict = field(default_factory=dict, repr=False, compare=False)  # results computed once per section

    @property
    def dataset(self):
        """The loaded dataset."""
        return self.scope.dataset

    @property
    def sector(self) -> Sector:
        """The sector's settings."""
        return self.scope.sector

    @property
    def period(self) -> Period:
        """The edition's period."""
        return self.scope.period

    @property
    def previous_period(self) -> Period | None:
        """The previous edition's period, or ``None``."""
        return self.scope.previous_period

    @property
    def methodology(self) -> Methodology:
        """The methodology every number of the section follows."""
        return self.scope.methodology

    @property
    def out_dir(self) -> str:
        """Where the section exports (empty: nothing is written)."""
        return self.params.out_dir

    @property
    def title(self) -> str:
        """The study's title for this sector, e.g. "Classement des Directions les plus influentes — Santé"."""
        return f"{self.dataset.settings.title} — {self.sector.title}"


def open_section(params: SectionParameters) -> SectionContext:
    """Load the dataset the parameters point at and score the sector once.

    Parameters
    ----------
    params : SectionParameters
        The notebook's validated parameters.

    Returns
    -------
    SectionContext
    """
    dataset = load_dataset(dataset_dir(params.data_dir), on_error="reject" if params.on_error == "reject" else "raise")
    if params.no_texts:
        dataset = replace(dataset, posts=trends.hashtags_only(dataset.posts))
    period, previous = resolve_edition(dataset.settings, params.edition or None)
    methodology = load_methodology(params.methodology_file or None)
    return SectionContext(params, build_scope(dataset, params.sector, period, methodology, previous))


# --- 00: methodology and data ------------------------------------------------------------------

def methodology_box(ctx: SectionContext) -> pd.DataFrame:
    """The methodology box as a table: ``figure`` (key of :data:`BOX_FIGURES`) and ``value``."""
    box = summarize(ctx.scope)
    values = {"organizations": box["organizations"], "members": box["members"],
              "posts_with_empty_counts": box["posts_with_empty_counts"]}
    for platform in ("linkedin", "twitter"):
        for what in ("accounts", "posts", "engagement"):
            values[f"{platform}_{what}"] = box[platform][what]
    return pd.DataFrame({"figure": list(BOX_FIGURES), "value": [values[k] for k in BOX_FIGURES]})


def coverage(ctx: SectionContext) -> pd.DataFrame:
    """Coverage of the sector: members with an account and members active, overall and per platform.

    Returns
    -------
    pandas.DataFrame
        ``scope, members, with_account, with_account_share, active, active_share`` (shares as
        fractions of the members); ``scope`` is ``all`` then each platform with accounts.
    """
    members, accounts, posts = ctx.scope.members, ctx.scope.accounts, ctx.scope.current.posts
    n = len(members)
    rows = []
    for scope in ["all"] + sorted(accounts["platform"].dropna().unique().tolist()):
        acc = accounts if scope == "all" else accounts[accounts["platform"] == scope]
        pst = posts if scope == "all" else posts[posts["platform"] == scope]
        with_account = int(members["member_id"].isin(acc["member_id"]).sum())
        active = int(pd.Series(pst["member_id"].astype("str")).nunique())
        rows.append((scope, n, with_account, with_account / n if n else 0.0, active, active / n if n else 0.0))
    return pd.DataFrame(rows, columns=["scope", "members", "with_account", "with_account_share", "active", "active_share"])


def engagement_distributions(ctx: SectionContext) -> dict[str, pd.DataFrame | pd.Series]:
    """Engagement per counted post and per Direction of the sector, and their quantiles.

    Returns
    -------
    dict
        ``per_post`` and ``per_direction`` (Series) and ``summary`` (DataFrame: ``level, count,
        zero, median, mean, p90, p99, max``).
    """
    per_post = ctx.scope.current.posts["engagement"].astype(float)
    per_direction = ctx.scope.ranking("direction")["engagement"].astype(float)
    rows = []
    for level, values in (("post", per_post), ("direction", per_direction)):
        q = values.quantile([0.5, 0.9, 0.99]) if len(values) else pd.Series([0.0, 0.0, 0.0], index=[0.5, 0.9, 0.99])
        rows.append((level, len(values), int((values <= 0).sum()), q[0.5], values.mean() if len(values) else 0.0,
                     q[0.9], q[0.99], values.max() if len(values) else 0.0))
    summary = pd.DataFrame(rows, columns=["level", "count", "zero", "median", "mean", "p90", "p99", "max"])
    return {"per_post": per_post, "per_direction": per_direction, "summary": summary.round(2)}


# --- 01 and 02: rankings -------------------------------------------------------------------------

def segment_ranking(ctx: SectionContext, segment: str, top: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A segment's Top N with movements, each Direction's best member, and the Directions that left.

    Returns
    -------
    ranking : pandas.DataFrame
        Contract columns, ``previous_rank, rank_change, status``, then ``best_member`` and
        ``best_member_engagement``.
    departures : pandas.DataFrame
        Directions of the previous Top N no longer in it.
    """
    ranking, departures = ctx.scope.ranking_with_movements("direction", segment, top)
    ranking = ranking.merge(ctx.scope.best_members(segment), on="org_id", how="left", validate="one_to_one")
    return ranking, departures


def rank_uncertainty(ctx: SectionContext, level: str, segment: str | None, top: int | None, seed: int,
                     n_boot: int, previous: bool = False, coverage: float = 0.90, rows: int | None = None):
    """The rank uncertainty of one of the section's rankings, computed once per section and kept.

    See :func:`influence_lib.uncertainty.rank_uncertainty` (the full ranking of the level and
    segment, ``p_top`` for its Top ``top``, 10 when ``top`` is None; rank summaries for its first
    ``rows`` entries only when given).

    Returns
    -------
    influence_lib.uncertainty.RankUncertainty
    """
    from influence_lib.uncertainty import rank_uncertainty as compute

    key = ("rank_uncertainty", level, segment, top, seed, n_boot, previous, coverage, rows)
    if key not in ctx.cache:
        ctx.cache[key] = compute(ctx.scope, level, segment, top, seed=seed, n_boot=n_boot, coverage=coverage,
                                 previous=previous, rows=rows)
    return ctx.cache[key]


def voices_uncertainty(ctx: SectionContext, n: int, seed: int, n_boot: int):
    """The rank uncertainty of the Top voices: the member ranking's, summarised for its Top ``n`` only.

    :func:`rank_uncertainty` at member level with ``rows`` = the Top ``n``'s length (ties at the
    cut-off included): those members' intervals are the full table's, and the thousands of
    members below are never ranked replicate by replicate (at 10^6 members that sort was most of
    the section's time and 4 GB of ranks).

    Returns
    -------
    influence_lib.uncertainty.RankUncertainty
    """
    shown = len(top_n(ctx.scope.ranking("member", None), n))  # the ranking is in display order: a prefix
    return rank_uncertainty(ctx, "member", None, n, seed, n_boot, rows=shown)


def add_rank_intervals(ctx: SectionContext, ranking: pd.DataFrame, segment: str | None, seed: int,
                       n_boot: int, level: float = 0.90, top: int | None = None) -> pd.DataFrame:
    """Add each Direction's rank uncertainty: the columns of :data:`influence_lib.uncertainty.UNCERTAINTY_COLUMNS`.

    ``median_rank, rank_low, rank_high, p_top, ahead_share, neck_and_neck, interval_untrustworthy``.
    See :func:`influence_lib.uncertainty.rank_uncertainty`; it is computed on the scope's full
    ranking, under the scope's methodology, so an interval can reach below a Top N's cut-off and
    the last row of a Top N is compared with the first one left out. ``p_top`` is the probability
    of being in the Top ``top`` (10 when None).
    """
    from influence_lib.uncertainty import UNCERTAINTY_COLUMNS

    result = rank_uncertainty(ctx, "direction", segment, top, seed, n_boot, coverage=level)
    return ranking.merge(result.table[["org_id"] + UNCERTAINTY_COLUMNS], on="org_id", how="left",
                         validate="one_to_one")


def add_empty_counts(ctx: SectionContext, ranking: pd.DataFrame, key: str = "org_id") -> pd.DataFrame:
    """Insert ``posts_with_empty_counts`` after ``members``: counted posts with an empty likes, comments or shares count.

    An empty count adds nothing to engagement: a Direction with such posts is not fully observed.
    """
    posts = ctx.scope.current.posts
    counts = pd.Series(posts["has_empty_count"].to_numpy(dtype=bool), dtype="int64").groupby(
        posts[key].astype("str").to_numpy()).sum()
    out = ranking.copy()
    values = counts.reindex(out[key].astype("str").to_numpy(), fill_value=0).to_numpy(dtype=np.int64)
    out.insert(int(out.columns.get_loc("members")) + 1, "posts_with_empty_counts", values)
    return out


def ranking_with_uncertainty(ctx: SectionContext, segment: str, top: int | None, seed: int,
                             n_boot: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A segment's Top N with movements, best members, empty counts, rank uncertainty and significant movements.

    :func:`segment_ranking`, :func:`add_empty_counts`, :func:`add_rank_intervals` (``p_top`` for
    this Top N), then :func:`significant_movements`.

    Returns
    -------
    ranking, departures : pandas.DataFrame
    """
    ranking, departures = segment_ranking(ctx, segment, top)
    ranking = add_rank_intervals(ctx, add_empty_counts(ctx, ranking), segment, seed, n_boot, top=top)
    return significant_movements(ctx, ranking, segment, seed, n_boot, top=top), departures


def significant_movements(ctx: SectionContext, ranking: pd.DataFrame, segment: str | None, seed: int,
                          n_boot: int, level: float = 0.90, top: int | None = None) -> pd.DataFrame:
    """Add the previous edition's rank interval and whether each movement exceeds both intervals.

    A movement is ``significant`` when the two rank intervals do not overlap: the whole interval
    of the previous rank lies below (for a rise) or above (for a fall) the current one. Only such
    movements are quoted as news (the biggest climber); the others may be noise of a few posts.

    Parameters
    ----------
    ranking : pandas.DataFrame
        A ranking with movements and current intervals (:func:`segment_ranking`, then
        :func:`add_rank_intervals`).

    Returns
    -------
    pandas.DataFrame
        ``ranking`` plus ``previous_rank_low``, ``previous_rank_high`` (empty without a previous
        rank) and ``significant`` (bool).
    """
    out = ranking.copy()
    if ctx.scope.previous is None or "rank_low" not in out:
        out["previous_rank_low"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["previous_rank_high"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["significant"] = False
        return out
    before = rank_uncertainty(ctx, "direction", segment, top, seed, n_boot, True, level).table.set_index("org_id")
    out["previous_rank_low"] = pd.array(before["rank_low"].reindex(out["org_id"]).to_numpy(dtype=float, na_value=np.nan),
                                        dtype="Float64").astype("Int64")
    out["previous_rank_high"] = pd.array(before["rank_high"].reindex(out["org_id"]).to_numpy(dtype=float,
                                                                                             na_value=np.nan),
                                         dtype="Float64").astype("Int64")
    low_before = out["previous_rank_low"].fillna(0).to_numpy(dtype=np.int64)
    high_before = out["previous_rank_high"].fillna(0).to_numpy(dtype=np.int64)
    has_previous = out["previous_rank_low"].notna().to_numpy()
    rise = low_before > out["rank_high"].to_numpy()
    fall = high_before < out["rank_low"].to_numpy()
    out["significant"] = has_previous & (rise | fall)
    return out


def add_viral_dependence(ctx: SectionContext, ranking: pd.DataFrame, segment: str | None) -> pd.DataFrame:
    """Add ``best_share``, ``n_eff`` and ``rank_without_best_post`` (:func:`influence_lib.uncertainty.viral_dependence`).

    The rank without the best post is taken in the segment's full ranking, the others keeping
    their scores.
    """
    from influence_lib.uncertainty import VIRAL_COLUMNS, viral_dependence

    viral = viral_dependence(ctx.scope, segment)
    return ranking.merge(viral[["org_id"] + VIRAL_COLUMNS], on="org_id", how="left", validate="one_to_one")


def uncertainty_settings(ctx: SectionContext) -> pd.DataFrame:
    """How every rank uncertainty of the section was computed (seed, B, engine, tail index...), one row each.

    See :meth:`influence_lib.uncertainty.RankUncertainty.settings`; the report's manifest
    records these rows.
    """
    from influence_lib.uncertainty import uncertainty_settings as settings

    return settings([value for key, value in ctx.cache.items() if key[0] == "rank_uncertainty"])


def direction_scores(ctx: SectionContext, segment: str | None = None) -> pd.DataFrame:
    """Every Direction of the sector (or of one segment) with its score: the full ranking, uncut."""
    return ctx.scope.ranking("direction", segment)


def segment_key_numbers(ranking_full: pd.DataFrame, top: int) -> pd.DataFrame:
    """Key numbers of a segment: Directions, active ones, total engagement, the leader's and the Top N's shares.

    Parameters
    ----------
    ranking_full : pandas.DataFrame
        The segment's full Direction ranking (not cut).
    top : int
        The segment's Top N.

    Returns
    -------
    pandas.DataFrame
        ``figure, value``: ``directions, active_directions, engagement, posts, leader_share,
        top_share, median_score``.
    """
    total = float(ranking_full["engagement"].sum())
    n = len(ranking_full)
    head = top_n(ranking_full, top)
    leader = ranking_full.iloc[0] if n else None
    rows = [
        ("directions", n),
        ("active_directions", int((ranking_full["active_members"] > 0).sum())),
        ("engagement", total),
        ("posts", int(ranking_full["posts"].sum())),
        ("leader_share", (float(leader["engagement"]) / total) if total else 0.0),
        ("top_share", (float(head["engagement"].sum()) / total) if total else 0.0),
        ("median_score", float(np.median(head["score"])) if len(head) else 0.0),
    ]
    return pd.DataFrame(rows, columns=["figure", "value"])


# --- 01: Top 10 and profiles ---------------------------------------------------------------------

def focus_profiles(ctx: SectionContext, org_ids) -> dict[str, pd.DataFrame]:
    """The profile tables of the listed Directions (see :func:`influence_lib.trends.direction_profiles`)."""
    scope = ctx.scope
    return trends.direction_profiles(list(org_ids), scope.current.posts, scope.members, scope.organizations,
                                     ctx.period, member_scores=scope.current.members)


def top_analysis(ctx: SectionContext, top: pd.DataFrame, segment: str) -> dict[str, pd.DataFrame]:
    """The numbers behind the Top 10 analysis: each Direction against its segment and the sector.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``directions`` (:func:`influence_lib.trends.direction_benchmarks`, every Direction of the
        sector), ``segments`` (:func:`influence_lib.trends.segment_benchmarks`), ``hashtags``
        (:func:`influence_lib.trends.direction_hashtags` of the listed Directions) and
        ``previous`` (``org_id, previous_score`` in the segment's previous ranking; empty
        without a previous edition).
    """
    scope = ctx.scope
    posts = scope.current.posts
    directions = trends.direction_benchmarks(posts, scope.members, scope.organizations, ctx.period)
    previous = (scope.ranking("direction", segment, previous=True)[["org_id", "score"]]
                .rename(columns={"score": "previous_score"}) if scope.previous is not None
                else pd.DataFrame(columns=["org_id", "previous_score"]))
    return {"directions": directions, "segments": trends.segment_benchmarks(posts, directions),
            "hashtags": trends.direction_hashtags(posts, top["org_id"]), "previous": previous}


# --- 03: trends and Top voices -------------------------------------------------------------------

def monthly_with_previous(ctx: SectionContext) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Monthly posts and engagement by platform, and the previous edition's, month by month."""
    scope = ctx.scope
    current = trends.monthly_activity(scope.current.posts, ctx.period)
    previous = (trends.monthly_activity(scope.previous.posts, ctx.previous_period)
                if scope.previous is not None else None)
    return current, previous


def hashtag_views(ctx: SectionContext, min_uses: int = 10, n: int = 10) -> dict[str, pd.DataFrame]:
    """Hashtags most used, most engaging (at least ``min_uses`` posts), rising and falling."""
    table = trends.hashtag_table(ctx.scope.current.posts)
    views = {"all": table, "used": table.head(n), "engaging": trends.most_engaging_hashtags(table, min_uses, n)}
    if ctx.scope.previous is not None:
        moves = trends.hashtag_trends(table, trends.hashtag_table(ctx.scope.previous.posts), min_uses=min_uses)
        views["rising"] = moves[moves["trend"] == "rising"].sort_values(["share_change", "hashtag"], ascending=[False, True]).head(n)
        views["falling"] = moves[moves["trend"] == "falling"].sort_values(["share_change", "hashtag"]).head(n)
    return views


def top_voices(ctx: SectionContext, n: int, seed: int | None = None, n_boot: int | None = None) -> pd.DataFrame:
    """The member ranking of the sector (Top ``n``): name, role, Direction, engagement, posts, per post, movement.

    With ``seed`` (and ``n_boot`` replicates, default 1,000), each member's rank uncertainty
    follows (:func:`voices_uncertainty`: member level, ``p_top`` for this Top ``n``).
    """
    ranking, _ = ctx.scope.ranking_with_movements("member", None, n)
    if seed is not None:
        from influence_lib.uncertainty import DEFAULT_REPLICATES, UNCERTAINTY_COLUMNS

        table = voices_uncertainty(ctx, n, seed, n_boot or DEFAULT_REPLICATES).table
        ranking = ranking.merge(table[["member_id"] + UNCERTAINTY_COLUMNS], on="member_id", how="left",
                                validate="one_to_one")
        # the members shown are the ones summarised: their ranks are whole, as in the full table
        ranking = ranking.astype({c: "int64" for c in UNCERTAINTY_COLUMNS if ranking[c].dtype == "Int64"})
    members, orgs = ctx.scope.members, ctx.scope.organizations
    roles = pd.Series(members["role"].to_numpy(), index=pd.Index(members["member_id"]))
    names = pd.Series(orgs["name"].to_numpy(), index=pd.Index(orgs["org_id"]))
    ranking.insert(3, "role", roles.reindex(ranking["member_id"].to_numpy()).to_numpy())
    ranking.insert(5, "direction", names.reindex(ranking["org_id"].to_numpy()).to_numpy())
    ranking["engagement_per_post"] = np.where(ranking["posts"] > 0,
                                              ranking["engagement"] / ranking["posts"].where(ranking["posts"] > 0, 1), 0.0).round(1)
    return ranking


def trend_tables(ctx: SectionContext, seed: int, n_boot: int, top_voices: int = TOP_VOICES) -> dict[str, pd.DataFrame]:
    """Every table of the trends section, from the scope's counted posts.

    Parameters
    ----------
    ctx : SectionContext
    seed : int
        Seed of every bootstrap of the section.
    n_boot : int
        Bootstrap replicates.
    top_voices : int
        Size of the Top voices: the member Top N of the gender table (the Top the report shows).

    Returns
    -------
    dict of str to pandas.DataFrame
        ``formats``, ``format_comparison`` (the leading format against the runner-up),
        ``heatmap``, ``moments`` (best slots among those with at least
        :data:`influence_lib.trends.MIN_POSTS` posts), ``moment_comparison`` (best slot, week,
        day part), ``platforms``, ``exceptional``, ``top_posts``, ``roles``, ``gender`` (see
        :mod:`influence_lib.trends`).
    """
    scope = ctx.scope
    posts, members, orgs = scope.current.posts, scope.members, scope.organizations
    heatmap = trends.posting_heatmap(posts)
    return {
        "formats": trends.format_performance(posts, seed, n_boot),
        "format_comparison": trends.format_comparison(posts, seed, n_boot, min_posts=trends.MIN_POSTS),
        "heatmap": heatmap,
        "moments": trends.best_moments(heatmap, min_posts=trends.MIN_POSTS),
        "moment_comparison": trends.moment_comparison(posts, seed, n_boot, min_posts=trends.MIN_POSTS),
        "platforms": trends.platform_breakdown(posts, scope.accounts),
        "exceptional": trends.exceptional_posts(posts, members, orgs),
        "top_posts": trends.top_posts(posts, members, orgs, n=10),
        "roles": trends.role_breakdown(posts, members),
        "gender": trends.gender_breakdown(posts, members, scope.ranking("member"), seed, n_boot, top=top_voices),
    }
