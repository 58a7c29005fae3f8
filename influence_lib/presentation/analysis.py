"""The Top 10 analysis in French: one paragraph per Direction from its numbers, then what the Top 10 share.

Every sentence compares observed values (a Direction’s median against its segment’s median, its
share of posts against the sector’s); none claims a cause. Each is produced only when its numbers
exist, and says which statistic it quotes (median, mean, share).
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from influence_lib.frenchify import (
    APOSTROPHE,
    format_date,
    format_label,
    format_number,
    format_ordinal,
    format_share,
    pluralize,
)
from influence_lib.presentation.links import post_link

ONE_VOICE = 0.6  # see influence_lib.trends.VOICE_THRESHOLD
NOTABLE_LIFT = 1.5  # a hashtag this many times more frequent than in the sector is called characteristic


def _number(value, decimals: int = 0) -> str:
    return format_number(value, decimals)


def _rhythm(value: float) -> str:
    decimals = 0 if value >= 10 else 1
    return f"{_number(value, decimals)} {pluralize(round(value, decimals), 'post')} par mois"


def _interactions(value, decimals: int = 0) -> str:
    return f"{_number(value, decimals)} {pluralize(round(float(value), decimals), 'interaction')}"


def voice_sentence(concentration: pd.Series) -> str:
    """Who carries the Direction’s engagement, and how concentrated it is."""
    if pd.isna(concentration.get("top_member_share")):
        return "Aucun membre n’a publié de post compté sur la période."
    share = float(concentration["top_member_share"])
    name = str(concentration["top_member_name"])
    if share >= ONE_VOICE:
        return (f"Une voix porte la Direction : {name} concentre {format_share(share)} de son engagement.")
    voices = float(concentration["effective_voices"])
    return (f"L{APOSTROPHE}engagement est partagé entre {concentration['active_members']} membres actifs "
            f"(l{APOSTROPHE}équivalent de {_number(voices, 1)} voix de même poids) ; {name} en porte "
            f"{format_share(share)}.")


def rhythm_sentence(direction: pd.Series, segment: pd.Series, segment_label: str) -> str:
    """The Direction’s posting rhythm and main format against its segment’s median Direction."""
    text = (f"Ses membres publient {_rhythm(float(direction['posts_per_month']))}, contre une médiane de "
            f"{_rhythm(float(segment['median_posts_per_month']))} pour les Directions du segment "
            f"« {segment_label} » qui publient")
    if isinstance(direction.get("main_format"), str):
        text += (f" ; le format le plus utilisé est « {format_label(direction['main_format'])} » "
                 f"({format_share(direction['main_format_share'])} de ses posts)")
    return text + "."


def engagement_sentence(direction: pd.Series, segment: pd.Series) -> str:
    """The Direction’s median engagement per post against the median post of its segment."""
    mine, theirs = float(direction["median_engagement"]), float(segment["median_engagement"])
    if np.isnan(mine):
        return ""
    compare = "au-dessus de" if mine > theirs else ("en dessous de" if mine < theirs else "au niveau de")
    return (f"Un de ses posts suscite en médiane {_interactions(mine, 1 if mine % 1 else 0)}, {compare} la médiane "
            f"des posts du segment ({_interactions(theirs, 1 if theirs % 1 else 0)}).")


def themes_sentence(hashtags: pd.DataFrame) -> str:
    """Its most used hashtags, and those far more frequent than in the sector."""
    if not len(hashtags):
        return ""
    named = ", ".join(str(t) for t in hashtags["spelling"])
    text = f"Ses hashtags les plus fréquents : {named}"
    notable = hashtags.loc[hashtags["lift"] >= NOTABLE_LIFT]
    if len(notable):
        first = notable.iloc[0]
        text += (f" ; {first['spelling']} revient dans {format_share(first['share'])} de ses posts, contre "
                 f"{format_share(first['sector_share'])} dans l{APOSTROPHE}ensemble du secteur")
    return text + "."


def movement_sentence(row: pd.Series, previous_score, previous_label: str | None) -> str:
    """Its rank and score against the previous edition (the rank change as the tables show it)."""
    if previous_label is None or "status" not in row or pd.isna(row["status"]):
        return ""
    if row["status"] == "new":
        return f"Elle n{APOSTROPHE}était pas classée à l{APOSTROPHE}édition {previous_label}."
    before = f"{format_ordinal(row['previous_rank'])} à l{APOSTROPHE}édition {previous_label}"
    if previous_score is not None and not pd.isna(previous_score):
        before += f" (score {_number(previous_score)})"
    if row["status"] == "same":
        return f"Elle garde son rang : {before}."
    verb = "gagne" if row["rank_change"] > 0 else "perd"
    places = abs(int(row["rank_change"]))
    text = f"Elle {verb} {places} {pluralize(places, 'place')} : {before}"
    if "significant" in row and not bool(row["significant"]):
        text += ", un écart qui reste dans l’incertitude des deux classements"
    return text + "."


def standout_sentence(best_post: pd.Series | None) -> str:
    """Its most engaging post, linked when the post has an address; returned as HTML."""
    if best_post is None:
        return ""
    excerpt = str(best_post.get("excerpt") or "")
    quoted = f"« {escape(excerpt)} »" if excerpt else "un post"
    link = post_link(best_post.get("url"), quoted)
    return (f" Son post le plus engageant, publié le {escape(format_date(best_post['published_at']))} par "
            f"{escape(str(best_post['full_name']))} ({escape(_interactions(best_post['engagement']))}) : {link}.")


def direction_analysis(row: pd.Series, direction: pd.Series, segment: pd.Series, segment_label: str,
                       concentration: pd.Series, hashtags: pd.DataFrame, best_post: pd.Series | None,
                       previous_score=None, previous_label: str | None = None) -> str:
    """One Direction’s paragraph of the Top 10 analysis, as escaped HTML.

    Parameters
    ----------
    row : pandas.Series
        Its row of the Top 10 (rank, name, movements, ``significant``).
    direction, segment : pandas.Series
        Its row of :func:`influence_lib.trends.direction_benchmarks`, its segment’s of
        :func:`influence_lib.trends.segment_benchmarks`.
    segment_label : str
    concentration : pandas.Series
        Its row of the profiles' concentration table.
    hashtags : pandas.DataFrame
        Its rows of :func:`influence_lib.trends.direction_hashtags`.
    best_post : pandas.Series or None
        Its best post (profiles' ``best_posts``, ``rank_in_direction`` 1).
    previous_score : number, optional
    previous_label : str, optional
        The previous edition, when there is one.
    """
    sentences = [voice_sentence(concentration), rhythm_sentence(direction, segment, segment_label),
                 engagement_sentence(direction, segment), themes_sentence(hashtags),
                 movement_sentence(row, previous_score, previous_label)]
    text = " ".join(escape(s) for s in sentences if s) + standout_sentence(best_post)
    return f'<p class="analysis">{text}</p>'


def common_traits(top: pd.DataFrame, directions: pd.DataFrame, segment_label: str) -> str:
    """What the Top N have in common against the rest of their segment (medians), as escaped HTML.

    Parameters
    ----------
    top : pandas.DataFrame
        The Top N (``org_id``).
    directions : pandas.DataFrame
        :func:`influence_lib.trends.direction_benchmarks` of the segment’s Directions.
    segment_label : str
    """
    inside = directions["org_id"].isin(top["org_id"])
    head, rest = directions.loc[inside], directions.loc[~inside]
    if not len(head) or not len(rest):
        return ""
    n = len(head)
    parts = [
        f"Face aux {len(rest)} autres Directions du segment « {segment_label} », les {n} premières publient "
        f"davantage : {_rhythm(float(head['posts_per_month'].median()))} en médiane, contre "
        f"{_rhythm(float(rest['posts_per_month'].median()))}."
        if head["posts_per_month"].median() > rest["posts_per_month"].median() else
        f"Les {n} premières Directions publient {_rhythm(float(head['posts_per_month'].median()))} en médiane, "
        f"contre {_rhythm(float(rest['posts_per_month'].median()))} pour les {len(rest)} autres du segment.",
        f"Leurs membres sont actifs à {format_share(head['active_share'].median())} en médiane, contre "
        f"{format_share(rest['active_share'].median())} ailleurs dans le segment.",
    ]
    leaders = head["leader_share"].dropna()
    if len(leaders):
        parts.append(f"Dirigeants et présidents y portent en médiane {format_share(leaders.median())} de "
                     f"l{APOSTROPHE}engagement, contre {format_share(rest['leader_share'].dropna().median())} "
                     f"dans le reste du segment.")
    per_post_head, per_post_rest = head["median_engagement"].median(), rest["median_engagement"].median()
    if not (np.isnan(per_post_head) or np.isnan(per_post_rest)):
        parts.append(f"Un post typique y suscite {_interactions(per_post_head, 1 if per_post_head % 1 else 0)} "
                     f"(médiane des médianes), contre {_interactions(per_post_rest, 1 if per_post_rest % 1 else 0)}.")
    return f'<p class="analysis">{escape(" ".join(parts))}</p>'


def benchmark_figures(segment: pd.Series) -> list[tuple[str, str]]:
    """The segment’s benchmarks as key figures (value, label) for the report’s key-figure row."""
    return [
        (_number(segment["median_engagement"], 1 if segment["median_engagement"] % 1 else 0),
         "interactions par post (médiane du segment)"),
        (_number(segment["median_posts_per_month"], 1), "posts par mois (médiane des Directions qui publient)"),
        (format_share(segment["active_share"]), "des membres de direction actifs"),
    ]





def analysis_intro_html(analysis: dict[str, pd.DataFrame], top: pd.DataFrame, segment_key: str,
                        segment_label: str) -> str:
    """The segment’s benchmarks as key figures, then what the Top N have in common (HTML)."""
    from influence_lib.html import key_figures

    segment = analysis["segments"].set_index("segment").loc[segment_key]
    directions = analysis["directions"]
    mine = directions.loc[(directions["segment"] == segment_key).to_numpy()]
    return key_figures(benchmark_figures(segment)) + common_traits(top, mine, segment_label)


def direction_analysis_html(analysis: dict[str, pd.DataFrame], profiles: dict[str, pd.DataFrame],
                            top: pd.DataFrame, org_id: str, segment_key: str, segment_label: str,
                            previous_label: str | None) -> str:
    """:func:`direction_analysis` of one Direction of the Top N, its rows picked from the tables."""
    row = top.loc[top["org_id"] == org_id].iloc[0]
    direction = analysis["directions"].set_index("org_id").loc[org_id]
    segment = analysis["segments"].set_index("segment").loc[segment_key]
    concentration = profiles["concentration"].set_index("org_id").reindex([org_id]).iloc[0]
    hashtags = analysis["hashtags"].loc[analysis["hashtags"]["org_id"] == org_id]
    best = profiles["best_posts"]
    best = best.loc[(best["org_id"] == org_id) & (best["rank_in_direction"] == 1)]
    previous = analysis["previous"].set_index("org_id")["previous_score"]
    return direction_analysis(row, direction, segment, segment_label, concentration, hashtags,
                              best.iloc[0] if len(best) else None, previous.get(org_id), previous_label)
