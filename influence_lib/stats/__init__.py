"""Statistics: keyed bootstrap replicates, resampling intervals, rank summaries, tails, agreement, sensitivity.

Pure array-level functions (numpy in, numpy or pandas out), one module per idea:

- :mod:`~influence_lib.stats.keyed`: counter-based random numbers keyed by (seed, key, replicate);
- :mod:`~influence_lib.stats.replicates`: Poisson(1) post-level bootstrap of grouped sums, exact
  and split engines;
- :mod:`~influence_lib.stats.ranks`: median rank, rank interval, P(Top N), who stays ahead;
- :mod:`~influence_lib.stats.resample`: percentile intervals of a median, mean or share, by post
  or by author, and of a difference between two groups;
- :mod:`~influence_lib.stats.tails`: Hill tail index, effective number of posts, best post's share;
- :mod:`~influence_lib.stats.agreement`: Spearman, Kendall tau-b, rank-biased overlap, Top N kept;
- :mod:`~influence_lib.stats.sensitivity`: Monte Carlo samples of methodological factors, Sobol indices.
"""

from influence_lib.stats.agreement import compare_rankings, rbo
from influence_lib.stats.keyed import normal_draws, poisson_weights, stable_keys
from influence_lib.stats.ranks import RANK_SUMMARY_COLUMNS, RankTally, ahead_share, rank_summary, ranks_after_removal
from influence_lib.stats.replicates import (
    GroupMoments,
    SplitEngine,
    bootstrap_totals,
    gaussian_bulk,
    group_moments,
    replicate_sums,
    replicate_totals,
    replicate_totals_and_counts,
    split_replicate_sums,
    split_replicate_totals,
    split_selection,
)
from influence_lib.stats.resample import (
    BootstrapInterval,
    bootstrap_difference,
    bootstrap_statistic,
    check_bootstrap,
    percentile_interval,
    point_statistic,
    resample_statistic,
    top_share,
)
from influence_lib.stats.sensitivity import mean_abs_rank_shift, sample_factors, sobol_indices
from influence_lib.stats.tails import (
    TailIndex,
    concentration,
    hill_k,
    hill_tail_index,
    tail_index_by_group,
    untrustworthy_interval,
)

__all__ = [
    "RANK_SUMMARY_COLUMNS", "BootstrapInterval", "GroupMoments", "RankTally", "SplitEngine", "TailIndex",
    "ahead_share", "bootstrap_difference", "bootstrap_totals", "bootstrap_statistic", "check_bootstrap", "compare_rankings",
    "concentration", "gaussian_bulk", "group_moments", "hill_k", "hill_tail_index", "mean_abs_rank_shift", "normal_draws",
    "percentile_interval", "point_statistic", "poisson_weights", "rank_summary", "ranks_after_removal", "rbo", "replicate_sums",
    "replicate_totals", "replicate_totals_and_counts", "resample_statistic", "sample_factors", "sobol_indices",
    "split_replicate_sums", "split_replicate_totals", "split_selection", "stable_keys", "tail_index_by_group", "top_share",
    "untrustworthy_interval",
]
