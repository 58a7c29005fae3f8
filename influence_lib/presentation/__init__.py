"""The presentation layer: computed tables (codes) turned into French tables, text and HTML fragments."""

from influence_lib.frenchify import readable_table
from influence_lib.presentation.analysis import analysis_intro_html, direction_analysis_html
from influence_lib.presentation.fragments import (
    EXCEPTIONAL_SHOWN,
    departures_html,
    exceptional_posts_html,
    hashtags_html,
    heading,
    methodology_box_html,
    paragraph,
    profile_html,
    uncertainty_note_html,
)
from influence_lib.presentation.tables import (
    BEST_POST_VIEW,
    BOX_LABELS,
    COVERAGE_VIEW,
    DISTRIBUTION_VIEW,
    EXCEPTIONAL_VIEW,
    FORMAT_VIEW,
    GENDER_VIEW,
    HASHTAG_TREND_VIEW,
    HASHTAG_VIEW,
    MEMBER_VIEW,
    MOMENT_VIEW,
    PLATFORM_VIEW,
    ROLE_VIEW,
    TOP_POST_VIEW,
    concentration_table,
    display_coverage,
    display_distribution_summary,
    display_ranking,
    display_top_voices,
    gender_view,
    heatmap_view,
    labelled_box,
    labelled_key_numbers,
    moments_view,
    profile_tables,
    roles_view,
)
from influence_lib.presentation.text import format_box, ranking_text, score_paragraph, voices_text

__all__ = [
    "analysis_intro_html", "direction_analysis_html", "BEST_POST_VIEW", "BOX_LABELS", "COVERAGE_VIEW", "DISTRIBUTION_VIEW", "EXCEPTIONAL_SHOWN", "EXCEPTIONAL_VIEW", "FORMAT_VIEW",
    "GENDER_VIEW", "HASHTAG_TREND_VIEW", "HASHTAG_VIEW", "MEMBER_VIEW", "MOMENT_VIEW", "PLATFORM_VIEW", "ROLE_VIEW",
    "TOP_POST_VIEW", "concentration_table", "departures_html", "exceptional_posts_html", "display_coverage", "display_distribution_summary",
    "display_ranking", "display_top_voices", "format_box", "gender_view", "hashtags_html", "heading",
    "heatmap_view", "labelled_box", "labelled_key_numbers", "methodology_box_html", "moments_view", "paragraph",
    "profile_html", "profile_tables", "ranking_text", "readable_table", "roles_view", "score_paragraph",
    "uncertainty_note_html", "voices_text",
]
