"""Trends: when, in which format and about what the Directions post, and who carries their engagement.

Every function takes frames of a scored scope (:class:`influence_lib.scope.ScoredScope`: its
counted posts, member scores and tables) and explicit parameters, and returns a new frame with
codes (weekday numbers, format and platform keys, ``one_voice``), never French words, in a stable
row order; nothing is plotted, written or translated here (:mod:`influence_lib.presentation` does).
One module per topic: months, formats, timing, hashtags, posts, people, profiles, benchmarks, and
comparison (is the best group really ahead of the runner-up?).

Conventions
-----------
- Times are read in Europe/Paris local time (a post at 23:30 UTC on a Sunday is a Monday post).
- Columns ending in ``_share`` are fractions between 0 and 1; ``_low``/``_high`` bound a bootstrap
  percentile interval.
- Bootstraps go through :mod:`influence_lib.stats` (no resampling code here); they take a ``seed``
  and draw from ``numpy.random.default_rng(seed)``: the same inputs and seed give the same intervals.
"""

from influence_lib.trends._common import PARIS, UNKNOWN_FORMAT, make_excerpt, to_paris_time
from influence_lib.trends.benchmarks import direction_benchmarks, direction_hashtags, segment_benchmarks
from influence_lib.trends.comparison import CLAIM_LEVEL, COMPARISON_COLUMNS, MIN_POSTS, compare_best
from influence_lib.trends.formats import format_comparison, format_performance
from influence_lib.trends.hashtags import (
    HASHTAG_PATTERN,
    extract_hashtags,
    hashtag_table,
    hashtag_trends,
    hashtags_only,
    most_engaging_hashtags,
)
from influence_lib.trends.months import compare_monthly, monthly_activity, period_months
from influence_lib.trends.people import LEADER_ROLES, gender_breakdown, platform_breakdown, role_breakdown
from influence_lib.trends.posts import (
    EXCEPTIONAL_FALSE_ALARMS,
    EXCEPTIONAL_MIN_OTHERS,
    EXCEPTIONAL_TIMES,
    EXCEPTIONAL_Z,
    MAD_SCALE,
    MEAN_AD_SCALE,
    POST_COLUMNS,
    describe_posts,
    exceptional_posts,
    score_against_author,
    top_posts,
)
from influence_lib.trends.profiles import (
    VOICE_THRESHOLD,
    best_posts_by_direction,
    direction_concentration,
    direction_profiles,
    member_contributions,
    platform_split,
)
from influence_lib.trends.timing import (
    DAY_PARTS,
    WEEK_GROUPS,
    best_moments,
    heatmap_grid,
    moment_comparison,
    posting_heatmap,
    posting_profile,
    slot_code,
)

__all__ = [
    "CLAIM_LEVEL", "COMPARISON_COLUMNS", "DAY_PARTS", "MIN_POSTS", "WEEK_GROUPS",
    "compare_best", "format_comparison", "moment_comparison", "slot_code",
    "EXCEPTIONAL_FALSE_ALARMS", "EXCEPTIONAL_MIN_OTHERS", "EXCEPTIONAL_TIMES", "EXCEPTIONAL_Z", "HASHTAG_PATTERN",
    "LEADER_ROLES", "MAD_SCALE", "MEAN_AD_SCALE", "PARIS", "POST_COLUMNS", "UNKNOWN_FORMAT", "VOICE_THRESHOLD",
    "best_moments", "best_posts_by_direction", "compare_monthly", "describe_posts", "direction_benchmarks",
    "direction_hashtags", "segment_benchmarks",
    "direction_concentration", "direction_profiles", "exceptional_posts", "extract_hashtags", "format_performance",
    "gender_breakdown", "hashtag_table", "hashtag_trends", "hashtags_only", "heatmap_grid", "make_excerpt", "member_contributions",
    "monthly_activity", "most_engaging_hashtags", "period_months", "platform_breakdown", "platform_split",
    "posting_heatmap", "posting_profile", "role_breakdown", "score_against_author", "to_paris_time", "top_posts",
]
