"""Faits marquants: one French sentence per computed fact, and the list of the sentences that apply.

Each ``sentence_*`` function turns numbers it is given into one sentence; it never computes a
statistic of the data and never holds a typed number. :func:`collect_facts` reads those numbers
from the tables of :mod:`influence_lib.trends` and :mod:`influence_lib.ranking`, and
:func:`build_highlights` keeps the sentences whose facts exist::

    facts = collect_facts(ranking=top100, segment_label="Laboratoires et Biotech", formats=formats, ...)
    for sentence in build_highlights(facts):
        print("-", sentence)
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

import pandas as pd

from influence_lib.frenchify import (
    APOSTROPHE,
    format_hour_range,
    format_label,
    format_number,
    format_ordinal,
    format_percent,
    platform_label,
    pluralize,
    weekday_label,
    with_de,
)
from influence_lib.trends.posts import EXCEPTIONAL_FALSE_ALARMS, EXCEPTIONAL_TIMES

UNIT = "interaction"  # one like, comment, share or quote: the unit of engagement (spec section 2)


def _engagement(value, unit: str = UNIT, decimals: int = 0) -> str:
    return f"{format_number(value, decimals)} {pluralize(round(float(value), decimals), unit)}"


def sentence_leader(name: str, score, segment_label: str | None = None, unit: str = UNIT) -> str:
    """The first Direction of a ranking.

    >>> sentence_leader("Ipsen", 48213, "Laboratoires et Biotech")
    'La Direction d’Ipsen prend la tête du classement « Laboratoires et Biotech » avec 48\u202f213 interactions.'
    """
    where = f"du classement « {segment_label} »" if segment_label else "du classement"
    return f"La Direction {with_de(name)} prend la tête {where} avec {_engagement(score, unit)}."


def sentence_biggest_climber(name: str, rank: int, previous_rank: int) -> str:
    """The Direction that gained the most places since the previous edition, beyond both rank intervals.

    Raises
    ------
    ValueError
        When ``rank`` is not better than ``previous_rank`` (that is no progression).
    """
    gain = int(previous_rank) - int(rank)
    if gain <= 0:
        raise ValueError(f"rank {rank} is not above previous rank {previous_rank}: no progression to tell")
    return (f"La plus forte progression est celle de la Direction {with_de(name)}, qui gagne {gain} "
            f"{pluralize(gain, 'place')} et passe de la {format_ordinal(previous_rank)} "
            f"à la {format_ordinal(rank)} place, un écart plus grand que l{APOSTROPHE}incertitude des deux "
            f"classements (leurs intervalles à 90 % ne se recouvrent pas).")


def sentence_formats(best_format: str, best_median, worst_format: str, worst_median) -> str:
    """The format with the highest median engagement per post against the one with the lowest."""
    sentence = (f"Les posts au format {format_label(best_format)} sont les plus engageants, avec "
                f"{_engagement(best_median)} en médiane, contre {format_number(worst_median)} pour le format "
                f"{format_label(worst_format)}")
    if float(worst_median) > 0:
        ratio = float(best_median) / float(worst_median)
        sentence += f", soit {format_number(ratio, 1)} fois plus"
    return sentence + "."


def sentence_best_moment(weekday: int, hour: int, median) -> str:
    """The weekday and hour (Europe/Paris) whose posts have the highest median engagement."""
    return (f"C{APOSTROPHE}est le {weekday_label(weekday)} {format_hour_range(hour)} que les posts engagent "
            f"le plus : {_engagement(median)} en médiane.")


def sentence_active_share(share) -> str:
    """The share of Directions with at least one member who posted during the period."""
    return f"{format_percent(share)} des Directions comptent au moins un membre actif sur les réseaux sociaux."


def sentence_top_hashtag(tag: str, uses: int) -> str:
    """The most used hashtag and the number of posts using it."""
    tag = tag if str(tag).startswith("#") else f"#{tag}"
    return f"Le hashtag le plus utilisé est {tag}, présent dans {format_number(uses)} {pluralize(uses, 'post')}."


def sentence_totals(posts: int, engagement) -> str:
    """The period’s counted posts and their engagement."""
    return (f"Les membres des Directions ont publié {format_number(posts)} {pluralize(posts, 'post')}, "
            f"qui ont suscité {_engagement(engagement)}.")


def sentence_platform_share(platform: str, share) -> str:
    """The platform that carries the largest share of engagement."""
    return f"{platform_label(platform)} concentre {format_percent(share)} de l{APOSTROPHE}engagement des Directions."


def sentence_exceptional_posts(count: int, min_times=EXCEPTIONAL_TIMES) -> str:
    """How many posts stand out from their author's usual level, and how sure the rule is.

    The posts are those of :func:`influence_lib.trends.exceptional_posts`: each reached at least
    ``min_times`` times the median engagement of its author's other posts on the same platform
    (with at least 10 of them, and a robust z-score of 3 or more). The sentence says "each
    reached at least X times", never "X posts reached X times" (posts of authors with fewer
    posts are not tested). It names the rule's calibration, measured on data simulated without
    outliers (fewer than one false alarm per 1,000 posts compared, see ``docs/report.md``), only
    when ``min_times`` is at least the calibrated multiple (:data:`EXCEPTIONAL_TIMES`): a lower
    multiple is not covered by that measure.

    >>> sentence_exceptional_posts(1)
    'Un post se détache nettement du niveau habituel de son auteur : il a recueilli au moins 20 fois le nombre médian d’interactions de ses autres posts sur le même réseau (règle calibrée sur des données simulées : moins d’une fausse alerte pour 1\u202f000 posts comparés).'
    """
    count = int(count)
    times = format_number(min_times, 0 if float(min_times).is_integer() else 1)
    reference = (f"au moins {times} fois le nombre médian d{APOSTROPHE}interactions de ses autres posts "
                 f"sur le même réseau")
    calibrated = float(min_times) >= EXCEPTIONAL_TIMES
    rule = (f"règle calibrée sur des données simulées : moins d{APOSTROPHE}une fausse alerte pour "
            f"{format_number(1 / EXCEPTIONAL_FALSE_ALARMS)} posts comparés")
    if count == 0:
        return (f"Aucun post ne se détache nettement du niveau habituel de son auteur "
                f"({reference}" + (f", selon une {rule}" if calibrated else "") + ").")
    if count == 1:
        sentence = f"Un post se détache nettement du niveau habituel de son auteur : il a recueilli {reference}"
    else:
        sentence = (f"{format_number(count)} posts se détachent nettement du niveau habituel de leur auteur : "
                    f"chacun a recueilli {reference}")
    return sentence + (f" ({rule})." if calibrated else ".")


def sentence_women_share(members_share, top_share, top: int = 100) -> str:
    """The share of women among the Directions' members and in the member Top N."""
    return (f"Les femmes représentent {format_percent(members_share)} des membres des Directions "
            f"et {format_percent(top_share)} du Top {top} des dirigeants.")


# Order of the sentences in the report, and the function of each fact.
SENTENCES: dict[str, Callable[..., str]] = {
    "leader": sentence_leader,
    "biggest_climber": sentence_biggest_climber,
    "totals": sentence_totals,
    "active_share": sentence_active_share,
    "platform_share": sentence_platform_share,
    "formats": sentence_formats,
    "best_moment": sentence_best_moment,
    "top_hashtag": sentence_top_hashtag,
    "exceptional_posts": sentence_exceptional_posts,
    "women_share": sentence_women_share,
}


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def build_highlights(facts: dict[str, dict | None]) -> list[str]:
    """The sentences of the facts that exist, in the report’s order (:data:`SENTENCES`).

    Parameters
    ----------
    facts : dict
        Fact name (a key of :data:`SENTENCES`) to the keyword arguments of its sentence function.
        A fact that is None, or one of whose required values is missing (None, NaN), is left
        out; a missing optional value (e.g. ``segment_label``) takes the function’s default.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        For a fact name that has no sentence (a typo would otherwise drop a sentence silently).
    """
    unknown = sorted(set(facts) - set(SENTENCES))
    if unknown:
        raise ValueError(f"unknown facts: {', '.join(unknown)}; known: {', '.join(SENTENCES)}")
    sentences = []
    for key, build in SENTENCES.items():
        values = facts.get(key)
        if values is None:
            continue
        required = {name for name, p in inspect.signature(build).parameters.items() if p.default is p.empty}
        if any(_missing(v) for name, v in values.items() if name in required):
            continue
        # an optional value that is missing takes the function’s default (e.g. no segment label)
        sentences.append(build(**{name: v for name, v in values.items() if not _missing(v)}))
    return sentences


def _plain(value):
    """A numpy scalar as a Python number (ints stay ints)."""
    if _missing(value):
        return None
    value = value.item() if hasattr(value, "item") else value
    return int(value) if isinstance(value, float) and value.is_integer() else value


def collect_facts(ranking: pd.DataFrame | None = None, segment_label: str | None = None,
                  directions: pd.DataFrame | None = None, formats: pd.DataFrame | None = None,
                  moments: pd.DataFrame | None = None, hashtags: pd.DataFrame | None = None,
                  platforms: pd.DataFrame | None = None, exceptional: pd.DataFrame | None = None,
                  gender: pd.DataFrame | None = None, min_format_posts: int = 30,
                  gender_top: int = 100) -> dict[str, dict]:
    """Read the numbers of the faits marquants from computed tables (each table is optional).

    Parameters
    ----------
    ranking : pandas.DataFrame, optional
        A Direction ranking in display order (``rank, name, score``): the leader. With
        ``previous_rank, rank_change`` and ``significant``
        (:func:`influence_lib.sections.significant_movements`), the biggest climber among the
        movements larger than the rank intervals of both editions; without them, none is named.
    segment_label : str, optional
        The ranking’s segment, named in the leader’s sentence.
    directions : pandas.DataFrame, optional
        All Directions of the scope (``active_members``): the share with an active member.
    formats : pandas.DataFrame, optional
        :func:`influence_lib.trends.format_performance`; formats with fewer than
        ``min_format_posts`` posts, and ``unknown``, are not compared.
    moments : pandas.DataFrame, optional
        :func:`influence_lib.trends.best_moments` of the weekday x hour heatmap: its first row.
    hashtags : pandas.DataFrame, optional
        :func:`influence_lib.trends.hashtag_table`: its first row.
    platforms : pandas.DataFrame, optional
        :func:`influence_lib.trends.platform_breakdown`: totals and the leading platform.
    exceptional : pandas.DataFrame, optional
        :func:`influence_lib.trends.exceptional_posts`: how many.
    gender : pandas.DataFrame, optional
        :func:`influence_lib.trends.gender_breakdown`.
    min_format_posts : int
        Fewest posts for a format to be compared.
    gender_top : int
        The ``top`` that ``gender`` was computed with (named in the sentence).

    Returns
    -------
    dict
        Facts for :func:`build_highlights`; a fact whose table is absent or empty is left out.
    """
    facts: dict[str, dict] = {}
    if ranking is not None and len(ranking):
        first = ranking.iloc[0]
        facts["leader"] = {"name": first["name"], "score": _plain(first["score"]), "segment_label": segment_label}
        if "significant" in ranking.columns:
            # only movements larger than the uncertainty of both ranks are news
            moves = pd.to_numeric(ranking["rank_change"], errors="coerce").where(ranking["significant"].astype(bool))
            if moves.notna().any() and moves.max() > 0:
                climber = ranking.loc[moves.idxmax()]
                facts["biggest_climber"] = {"name": climber["name"], "rank": _plain(climber["rank"]),
                                            "previous_rank": _plain(climber["previous_rank"])}
    if directions is not None and len(directions):
        facts["active_share"] = {"share": float((directions["active_members"] > 0).mean())}
    if formats is not None:
        compared = formats.loc[(formats["posts"] >= min_format_posts) & (formats["format"] != "unknown")]
        if len(compared) >= 2:
            best = compared.loc[compared["median_engagement"].idxmax()]
            worst = compared.loc[compared["median_engagement"].idxmin()]
            if best["median_engagement"] > worst["median_engagement"]:
                facts["formats"] = {"best_format": best["format"], "best_median": _plain(best["median_engagement"]),
                                    "worst_format": worst["format"],
                                    "worst_median": _plain(worst["median_engagement"])}
    if moments is not None and len(moments) and "weekday" in moments.columns and "hour" in moments.columns:
        top = moments.iloc[0]
        facts["best_moment"] = {"weekday": int(top["weekday"]), "hour": int(top["hour"]),
                                "median": _plain(top["median_engagement"])}
    if hashtags is not None and len(hashtags):
        top = hashtags.iloc[0]
        facts["top_hashtag"] = {"tag": top["label"], "uses": _plain(top["posts"])}
    if platforms is not None and len(platforms) and platforms["posts"].sum() > 0:
        facts["totals"] = {"posts": _plain(platforms["posts"].sum()),
                           "engagement": _plain(platforms["engagement"].sum())}
        lead = platforms.loc[platforms["engagement_share"].idxmax()]
        facts["platform_share"] = {"platform": lead["platform"], "share": float(lead["engagement_share"])}
    if exceptional is not None:
        facts["exceptional_posts"] = {"count": len(exceptional)}
    if gender is not None and len(gender):
        shares = gender.set_index("population")["women_share"]
        if "members" in shares.index and "top_members" in shares.index:
            facts["women_share"] = {"members_share": _plain(shares["members"]),
                                    "top_share": _plain(shares["top_members"]), "top": gender_top}
    return facts


def facts_table(facts: dict[str, dict]) -> pd.DataFrame:
    """The facts behind the sentences as a long table (``fact, key, value``), for export and audit."""
    rows = [(fact, key, value) for fact, values in facts.items() if values for key, value in values.items()]
    return pd.DataFrame(rows, columns=["fact", "key", "value"]).astype({"value": "str"})
