"""Faits marquants: one French sentence per computed fact, each written only when its support holds.

Each ``sentence_*`` function turns numbers it is given into one sentence; it never computes a
statistic of the data and never holds a typed number. Its docstring states its *rule*: when
the sentence is written, when it is hedged, and what it says about how sure it is (the same
rules, in English, in ``docs/report.md``, "Les faits marquants : la règle de chaque phrase").
:func:`collect_facts` reads those numbers from the tables of :mod:`influence_lib.trends` and
:mod:`influence_lib.ranking` (including the comparisons that support a claim), and
:func:`build_highlights` keeps the sentences whose facts exist::

    facts = collect_facts(ranking=top100, segment_label="Laboratoires et Biotech",
                          format_comparison=formats_vs, moment_comparison=moments_vs, ...)
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
    format_hour,
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
from influence_lib.parameters import TOP_VOICES
from influence_lib.trends.comparison import CLAIM_LEVEL
from influence_lib.trends.posts import EXCEPTIONAL_FALSE_ALARMS, EXCEPTIONAL_TIMES
from influence_lib.trends.timing import DAY_PARTS

UNIT = "interaction"  # one like, comment, share or quote: the unit of engagement (spec section 2)
MINUS = "\u2212"  # typographic minus sign, for negative bounds of an interval

# The parts of the week and of the day that moment_comparison compares, as subject and as object.
def _hours(part: str) -> str:
    start, end = DAY_PARTS[part]
    return f"(de {format_hour(start)} à {format_hour(end)})"


PERIOD_SUBJECTS = {"weekdays": "les posts publiés en semaine", "weekend": "les posts publiés le week-end",
                   "morning": f"les posts publiés le matin {_hours('morning')}",
                   "afternoon": f"les posts publiés l{APOSTROPHE}après-midi {_hours('afternoon')}"}
PERIOD_OBJECTS = {"weekdays": "ceux de la semaine", "weekend": "ceux du week-end",
                  "morning": f"ceux du matin {_hours('morning')}",
                  "afternoon": f"ceux de l{APOSTROPHE}après-midi {_hours('afternoon')}"}


def _amount(value) -> str:
    """A number as the tables show it: whole, or with one decimal when it has one (29,5)."""
    value = round(float(value), 1)
    return format_number(value, 0 if value.is_integer() else 1)


def _engagement(value, unit: str = UNIT, decimals: int | None = None) -> str:
    """``487 000 interactions``; without ``decimals``, one decimal only when the value has one."""
    text = _amount(value) if decimals is None else format_number(value, decimals)
    shown = round(float(value), 1 if decimals is None else decimals)
    return f"{text} {pluralize(shown, unit)}"


def _signed(value) -> str:
    """A bound of an interval of a difference: ``+4``, ``−2``, ``0``."""
    value = round(float(value), 1)
    if value == 0:
        return "0"
    return ("+" if value > 0 else MINUS) + _amount(abs(value))


def _interval(low, high, level) -> str:
    return f"intervalle à {format_percent(level)} : de {_signed(low)} à {_signed(high)}"


def _hedge_interval(low, high, level) -> str:
    return (f"l{APOSTROPHE}intervalle à {format_percent(level)} de l{APOSTROPHE}écart va de {_signed(low)} à "
            f"{_signed(high)} {pluralize(2, UNIT)}")


def _slot(weekday: int, hour: int) -> str:
    return f"le {weekday_label(weekday)} {format_hour_range(hour)}"


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def sentence_leader(name: str, score, segment_label: str | None = None, unit: str = UNIT,
                    rank_low: int | None = None, rank_high: int | None = None, level: float = 0.90) -> str:
    """The first Direction of a ranking, hedged when its first place is not sure.

    Rule: always written when the focus segment has a ranking; the score is a sum (exact). When
    the leader's rank interval (``rank_low``-``rank_high``, bootstrap of the posts) reaches
    beyond the 1st place, the sentence says so and gives the interval.

    >>> sentence_leader("Ipsen", 48213, "Laboratoires et Biotech")
    'La Direction d’Ipsen prend la tête du classement « Laboratoires et Biotech » avec 48\u202f213 interactions.'
    """
    where = f"du classement « {segment_label} »" if segment_label else "du classement"
    sentence = f"La Direction {with_de(name)} prend la tête {where} avec {_engagement(score, unit, 0)}"
    if rank_high is not None and int(rank_high) > 1:
        low = 1 if rank_low is None else int(rank_low)
        sentence += (f", mais sa première place n{APOSTROPHE}est pas assurée : son rang possible va de la "
                     f"{format_ordinal(low)} à la {format_ordinal(rank_high)} place (intervalle à {format_percent(level)})")
    return sentence + "."


def sentence_biggest_climber(name: str, rank: int, previous_rank: int) -> str:
    """The Direction that gained the most places since the previous edition, beyond both rank intervals.

    Rule: written only for a movement larger than the uncertainty of both ranks (the previous
    edition's rank interval lies wholly below the current one: ``significant`` of
    :func:`influence_lib.sections.significant_movements`); the largest such gain is named. No
    such movement, no sentence.

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


def sentence_formats(best_format: str, best_median, runner_up_format: str, runner_up_median, low, high,
                     supported: bool, difference=None, level: float = CLAIM_LEVEL) -> str:
    """Which format engages most, in median engagement per post, and how sure that is.

    Rule (:func:`influence_lib.trends.format_comparison`): formats with at least
    :data:`influence_lib.trends.MIN_POSTS` posts are compared, ``unknown`` never; the one with
    the highest median is set against the runner-up. It is called the most engaging only when
    the interval of the difference of their medians, resampling authors, lies above 0
    (``supported``); otherwise the sentence says that no format stands out. Either way it names
    the median and gives the interval.
    """
    difference = float(best_median) - float(runner_up_median) if difference is None else difference
    interval = _interval(low, high, level)
    if supported:
        return (f"En médiane, les posts au format {format_label(best_format)} sont les plus engageants : "
                f"{_engagement(best_median)} par post, contre {_amount(runner_up_median)} pour le format "
                f"{format_label(runner_up_format)}, le deuxième (écart de {_engagement(difference)}, {interval}).")
    return (f"Aucun format ne se détache nettement : le format {format_label(best_format)} a l{APOSTROPHE}engagement "
            f"médian le plus élevé ({_engagement(best_median)} par post), mais son avance sur le format "
            f"{format_label(runner_up_format)} ({_amount(runner_up_median)}) n{APOSTROPHE}est pas établie : "
            f"{_hedge_interval(low, high, level)}.")


def sentence_best_moment(weekday: int, hour: int, median, runner_up_weekday: int, runner_up_hour: int,
                         runner_up_median, low, high, supported: bool, slots: int | None = None,
                         min_posts: int | None = None, difference=None, level: float = CLAIM_LEVEL) -> str:
    """Which weekday and hour (Europe/Paris) engage most, in median engagement per post, and how sure that is.

    Rule (:func:`influence_lib.trends.moment_comparison`, row ``slot``): only the slots with at
    least :data:`influence_lib.trends.MIN_POSTS` posts (the cells the engagement heatmap shows)
    are compared; the best is named as the moment when posts engage most only when the interval
    of the difference of its median and the runner-up's, resampling authors, lies above 0
    (``supported``). Otherwise the sentence says that no slot stands out, with the numbers.
    """
    difference = float(median) - float(runner_up_median) if difference is None else difference
    interval = _interval(low, high, level)
    best, second = _slot(weekday, hour), _slot(runner_up_weekday, runner_up_hour)
    if supported:
        return (f"C{APOSTROPHE}est {best} que les posts engagent le plus, en médiane : {_engagement(median)} "
                f"par post, contre {_amount(runner_up_median)} {second}, le deuxième créneau "
                f"(écart de {_engagement(difference)}, {interval}).")
    among = (f", parmi les {slots} créneaux d{APOSTROPHE}au moins {min_posts} posts"
             if slots is not None and min_posts is not None else "")
    return (f"Aucun créneau de publication ne se détache nettement : {best} a l{APOSTROPHE}engagement médian le plus "
            f"élevé ({_engagement(median)} par post{among}), mais son avance sur {second} "
            f"({_amount(runner_up_median)}) n{APOSTROPHE}est pas établie : {_hedge_interval(low, high, level)}.")


def sentence_moment_contrast(best: str, runner_up: str, best_median, runner_up_median, low, high,
                             difference=None, level: float = CLAIM_LEVEL) -> str:
    """At a coarser level than the slot: weekdays against weekend, or morning against afternoon.

    Rule (:func:`influence_lib.trends.moment_comparison`, rows ``week`` and ``day_part``):
    written only when no single slot stands out (the best-moment claim is not supported) and
    the interval of the difference of the two medians, resampling authors, lies above 0; each
    part needs at least :data:`influence_lib.trends.MIN_POSTS` posts.
    """
    difference = float(best_median) - float(runner_up_median) if difference is None else difference
    return (f"{_capitalized(PERIOD_SUBJECTS[best])} engagent davantage que {PERIOD_OBJECTS[runner_up]}, en médiane : "
            f"{_engagement(best_median)} par post, contre {_amount(runner_up_median)} (écart de "
            f"{_engagement(difference)}, {_interval(low, high, level)}).")


def sentence_active_share(share) -> str:
    """The share of Directions with at least one member who posted during the period.

    Rule: always written when the sector has Directions; a count of the whole population (exact).
    """
    return f"{format_percent(share)} des Directions comptent au moins un membre actif sur les réseaux sociaux."


def sentence_top_hashtag(tag: str, uses: int, tied_with: tuple = ()) -> str:
    """The most used hashtag and the number of posts using it; hashtags tied with it are named too.

    Rule: written when a hashtag is used at all; a count (exact). When other hashtags have as
    many posts, none is called "the most used": all of them are named.
    """
    def hashed(t) -> str:
        return t if str(t).startswith("#") else f"#{t}"

    if tied_with:
        tags = [hashed(t) for t in (tag, *tied_with)]
        names = ", ".join(tags[:-1]) + f" et {tags[-1]}"
        return (f"Les hashtags les plus utilisés sont {names}, présents chacun dans {format_number(uses)} "
                f"{pluralize(uses, 'post')}.")
    return f"Le hashtag le plus utilisé est {hashed(tag)}, présent dans {format_number(uses)} {pluralize(uses, 'post')}."


def sentence_totals(posts: int, engagement) -> str:
    """The period’s counted posts and their engagement.

    Rule: always written when posts were counted; sums (exact).
    """
    return (f"Les membres des Directions ont publié {format_number(posts)} {pluralize(posts, 'post')}, "
            f"qui ont suscité {_engagement(engagement, decimals=0)}.")


def sentence_platform_share(platform: str, share) -> str:
    """The platform that carries the largest share of engagement.

    Rule: always written when posts were counted; a share of a sum (exact).
    """
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


def sentence_women_share(members_share, top_women: int, top_people: int, top_unknown: int = 0,
                         top: int = TOP_VOICES) -> str:
    """The share of women among the Directions' members, and how many women are among the Top voices.

    Rule: written when members' genders are known. Both are counts of whole populations (exact):
    the share among the members whose gender is known, and the number of women among the Top
    voices the report shows (the member ranking's Top ``top``,
    :data:`influence_lib.parameters.TOP_VOICES`; ``top_people`` may exceed ``top`` when members
    tie at the cut-off), with those of unknown gender counted apart.
    """
    top_women, top_people, top_unknown = int(top_women), int(top_people), int(top_unknown)
    women = {0: "aucune", 1: "une"}.get(top_women, format_number(top_women))
    unknown = (f", dont {format_number(top_unknown)} de genre inconnu" if top_unknown else "")
    return (f"Les femmes représentent {format_percent(members_share)} des membres des Directions dont le genre est "
            f"connu, et {women} des {format_number(top_people)} Top voices (les {top} membres les plus "
            f"engageants{unknown}).")


# Order of the sentences in the report, and the function of each fact.
SENTENCES: dict[str, Callable[..., str]] = {
    "leader": sentence_leader,
    "biggest_climber": sentence_biggest_climber,
    "totals": sentence_totals,
    "active_share": sentence_active_share,
    "platform_share": sentence_platform_share,
    "formats": sentence_formats,
    "best_moment": sentence_best_moment,
    "moment_week": sentence_moment_contrast,
    "moment_day_part": sentence_moment_contrast,
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


def _comparison_row(table: pd.DataFrame | None, comparison: str) -> pd.Series | None:
    if table is None or not len(table):
        return None
    rows = table.loc[table["comparison"] == comparison]
    return rows.iloc[0] if len(rows) else None


def _comparison_numbers(row: pd.Series) -> dict:
    return {"difference": _plain(row["difference"]), "low": _plain(row["difference_low"]),
            "high": _plain(row["difference_high"]), "level": _plain(row["level"])}


def _slot_codes(code: str) -> tuple[int, int]:
    weekday, hour = str(code).split("-")
    return int(weekday), int(hour)


def collect_facts(ranking: pd.DataFrame | None = None, segment_label: str | None = None,
                  directions: pd.DataFrame | None = None, format_comparison: pd.DataFrame | None = None,
                  moment_comparison: pd.DataFrame | None = None, hashtags: pd.DataFrame | None = None,
                  platforms: pd.DataFrame | None = None, exceptional: pd.DataFrame | None = None,
                  gender: pd.DataFrame | None = None, gender_top: int = TOP_VOICES) -> dict[str, dict]:
    """Read the numbers of the faits marquants from computed tables (each table is optional).

    Parameters
    ----------
    ranking : pandas.DataFrame, optional
        A Direction ranking in display order (``rank, name, score``): the leader (with
        ``rank_low, rank_high`` when given, to hedge an unsure first place). With
        ``previous_rank, rank_change`` and ``significant``
        (:func:`influence_lib.sections.significant_movements`), the biggest climber among the
        movements larger than the rank intervals of both editions; without them, none is named.
    segment_label : str, optional
        The ranking’s segment, named in the leader’s sentence.
    directions : pandas.DataFrame, optional
        All Directions of the scope (``active_members``): the share with an active member.
    format_comparison : pandas.DataFrame, optional
        :func:`influence_lib.trends.format_comparison`: the leading format, claimed or hedged.
    moment_comparison : pandas.DataFrame, optional
        :func:`influence_lib.trends.moment_comparison`: the best slot, claimed or hedged; when it
        is not supported, the week and day-part contrasts whose difference is supported.
    hashtags : pandas.DataFrame, optional
        :func:`influence_lib.trends.hashtag_table`: its first row, and the hashtags tied with it.
    platforms : pandas.DataFrame, optional
        :func:`influence_lib.trends.platform_breakdown`: totals and the leading platform.
    exceptional : pandas.DataFrame, optional
        :func:`influence_lib.trends.exceptional_posts`: how many.
    gender : pandas.DataFrame, optional
        :func:`influence_lib.trends.gender_breakdown`, computed with ``top=gender_top``.
    gender_top : int
        The Top voices' size that ``gender`` was computed with (named in the sentence).

    Returns
    -------
    dict
        Facts for :func:`build_highlights`; a fact whose table is absent or empty is left out.
    """
    facts: dict[str, dict] = {}
    if ranking is not None and len(ranking):
        first = ranking.iloc[0]
        facts["leader"] = {"name": first["name"], "score": _plain(first["score"]), "segment_label": segment_label}
        if "rank_high" in ranking.columns:
            facts["leader"].update(rank_low=_plain(first["rank_low"]), rank_high=_plain(first["rank_high"]))
        if "significant" in ranking.columns:
            # only movements larger than the uncertainty of both ranks are news
            moves = pd.to_numeric(ranking["rank_change"], errors="coerce").where(ranking["significant"].astype(bool))
            if moves.notna().any() and moves.max() > 0:
                climber = ranking.loc[moves.idxmax()]
                facts["biggest_climber"] = {"name": climber["name"], "rank": _plain(climber["rank"]),
                                            "previous_rank": _plain(climber["previous_rank"])}
    if directions is not None and len(directions):
        facts["active_share"] = {"share": float((directions["active_members"] > 0).mean())}
    row = _comparison_row(format_comparison, "format")
    if row is not None:
        facts["formats"] = {"best_format": row["best"], "best_median": _plain(row["best_median"]),
                            "runner_up_format": row["runner_up"], "runner_up_median": _plain(row["runner_up_median"]),
                            "supported": bool(row["supported"]), **_comparison_numbers(row)}
    row = _comparison_row(moment_comparison, "slot")
    if row is not None:
        (weekday, hour), (second_weekday, second_hour) = _slot_codes(row["best"]), _slot_codes(row["runner_up"])
        facts["best_moment"] = {"weekday": weekday, "hour": hour, "median": _plain(row["best_median"]),
                                "runner_up_weekday": second_weekday, "runner_up_hour": second_hour,
                                "runner_up_median": _plain(row["runner_up_median"]), "supported": bool(row["supported"]),
                                "slots": _plain(row["groups"]), "min_posts": _plain(row["min_posts"]),
                                **_comparison_numbers(row)}
    if "best_moment" not in facts or not facts["best_moment"]["supported"]:
        for comparison in ("week", "day_part"):
            row = _comparison_row(moment_comparison, comparison)
            if row is not None and bool(row["supported"]):
                facts[f"moment_{comparison}"] = {"best": row["best"], "runner_up": row["runner_up"],
                                                 "best_median": _plain(row["best_median"]),
                                                 "runner_up_median": _plain(row["runner_up_median"]),
                                                 **_comparison_numbers(row)}
    if hashtags is not None and len(hashtags):
        top = hashtags.iloc[0]
        tied = hashtags.iloc[1:].loc[hashtags["posts"].iloc[1:] == top["posts"], "label"]
        facts["top_hashtag"] = {"tag": top["label"], "uses": _plain(top["posts"])}
        if len(tied):
            facts["top_hashtag"]["tied_with"] = tuple(tied)
    if platforms is not None and len(platforms) and platforms["posts"].sum() > 0:
        facts["totals"] = {"posts": _plain(platforms["posts"].sum()),
                           "engagement": _plain(platforms["engagement"].sum())}
        lead = platforms.loc[platforms["engagement_share"].idxmax()]
        facts["platform_share"] = {"platform": lead["platform"], "share": float(lead["engagement_share"])}
    if exceptional is not None:
        facts["exceptional_posts"] = {"count": len(exceptional)}
    if gender is not None and len(gender):
        rows = gender.set_index("population")
        if "members" in rows.index and "top_members" in rows.index:
            top_row = rows.loc["top_members"]
            facts["women_share"] = {"members_share": _plain(rows.loc["members", "women_share"]),
                                    "top_women": _plain(top_row["women"]),
                                    "top_people": _plain(top_row["base"] + top_row["gender_unknown"]),
                                    "top_unknown": _plain(top_row["gender_unknown"]), "top": gender_top}
    return facts


def facts_table(facts: dict[str, dict]) -> pd.DataFrame:
    """The facts behind the sentences as a long table (``fact, key, value``), for export and audit."""
    rows = [(fact, key, value) for fact, values in facts.items() if values for key, value in values.items()]
    return pd.DataFrame(rows, columns=["fact", "key", "value"]).astype({"value": "str"})
