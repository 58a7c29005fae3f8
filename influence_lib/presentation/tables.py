"""Tables for readers: the sections' computed tables with French labels, words and number formats."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence_lib.frenchify import (
    ROLE_GROUP_LABELS,
    VOICE_LABELS,
    format_hour_range,
    format_number,
    format_percent,
    french_labels,
    movement_label,
    platform_label,
    readable_table,
    weekday_label,
)
from influence_lib.parameters import TOP_VOICES

# The methodology box: one label per figure, for the report, the workbook and `influence summary`.
BOX_LABELS = {
    "organizations": "Organisations",
    "members": "Membres de direction",
    "linkedin_accounts": "Comptes LinkedIn",
    "linkedin_posts": "Posts LinkedIn",
    "linkedin_engagement": "Interactions LinkedIn",
    "twitter_accounts": "Comptes Twitter",
    "twitter_posts": "Posts Twitter",
    "twitter_engagement": "Interactions Twitter",
    "bluesky_accounts": "Comptes Bluesky",
    "bluesky_posts": "Posts Bluesky",
    "bluesky_engagement": "Interactions Bluesky",
    "posts_with_empty_counts": "Posts comptés avec un compteur vide",
}

KEY_NUMBER_LABELS = {
    "directions": "Directions classées",
    "active_directions": "Directions avec au moins un membre actif",
    "engagement": "Engagement total",
    "posts": "Posts comptés",
    "leader_share": "Part du leader dans l’engagement",
    "top_share": "Part du Top {top} dans l’engagement",
    "median_score": "Score médian du Top {top}",
}

COVERAGE_VIEW = {"scope_label": ("Périmètre", "text"), "members": ("Membres", "int"),
                 "with_account": ("Avec un compte", "int"), "with_account_share": ("Part avec un compte", "share"),
                 "active": ("Actifs", "int"), "active_share": ("Part d’actifs", "share")}
DISTRIBUTION_VIEW = {"level_label": ("Niveau", "text"), "count": ("Effectif", "int"), "zero": ("À zéro", "int"),
                     "median": ("Médiane", "float1"), "mean": ("Moyenne", "float1"), "p90": ("90e centile", "int"),
                     "p99": ("99e centile", "int"), "max": ("Maximum", "int")}
MEMBER_VIEW = {"full_name": ("Membre", "text"), "role": ("Fonction", "text"), "posts": ("Posts", "int"),
               "engagement": ("Engagement", "int"), "direction_share": ("Part du score", "share")}
BEST_POST_VIEW = {"published_at": ("Date", "date"), "full_name": ("Auteur", "text"), "format": ("Format", "format"),
                  "platform": ("Plateforme", "platform"), "excerpt": ("Extrait", "text"),
                  "engagement": ("Engagement", "int")}
FORMAT_VIEW = {"format": ("Format", "format"), "posts": ("Posts", "int"), "posts_share": ("Part des posts", "share"),
               "median_engagement": ("Engagement médian par post", "float1"),
               "median_low": ("Médiane : IC 90 % bas", "float1"), "median_high": ("Médiane : IC 90 % haut", "float1"),
               "mean_engagement": ("Engagement moyen par post", "float1")}
MOMENT_VIEW = {"slot": ("Créneau (heure de Paris)", "text"), "posts": ("Posts", "int"),
               "median_engagement": ("Engagement médian par post", "float1")}
TOP_POST_VIEW = {"rank": ("Rang", "int"), "full_name": ("Auteur", "text"), "name": ("Direction", "text"),
                 "published_at": ("Date", "date"), "format": ("Format", "format"), "excerpt": ("Extrait", "text"),
                 "engagement": ("Engagement", "int")}
EXCEPTIONAL_VIEW = {"full_name": ("Auteur", "text"), "name": ("Direction", "text"), "published_at": ("Date", "date"),
                    "format": ("Format", "format"), "engagement": ("Engagement", "int"),
                    "usual_engagement": ("Niveau habituel", "float1"), "times_usual": ("Multiple", "float1"),
                    "excerpt": ("Extrait", "text")}
ROLE_VIEW = {"group_label": ("Membres", "text"), "members_share": ("Part des membres", "share"),
             "posts_share": ("Part des posts", "share"), "engagement_share": ("Part de l’engagement", "share"),
             "engagement_per_post": ("Engagement moyen par post", "float1")}
GENDER_VIEW = {"population_label": ("Population", "text"), "base": ("Effectif", "int"),
               "women_share": ("Part des femmes", "share"), "women_share_low": ("IC 90 % bas", "share"),
               "women_share_high": ("IC 90 % haut", "share")}
PLATFORM_VIEW = {"platform": ("Plateforme", "platform"), "accounts": ("Comptes", "int"),
                 "active_accounts": ("Comptes actifs", "int"), "posts": ("Posts", "int"),
                 "engagement": ("Engagement", "int"), "engagement_share": ("Part de l’engagement", "share"),
                 "engagement_per_post": ("Engagement moyen par post", "float1")}
HASHTAG_VIEW = {"label": ("Hashtag", "text"), "posts": ("Posts", "int"), "authors": ("Auteurs", "int"),
                "median_engagement": ("Engagement médian", "float1")}
HASHTAG_TREND_VIEW = {"label": ("Hashtag", "text"), "previous_posts_share": ("Part des posts avant", "share"),
                      "posts_share": ("Part des posts", "share")}
VOICES_VIEW = {"rank": ("Rang", "int"), "full_name": ("Nom", "text"), "role": ("Fonction", "text"),
               "direction": ("Direction", "text"), "engagement": ("Engagement", "int"),
               "posts": ("Posts", "int"), "engagement_per_post": ("Engagement moyen par post", "float1")}
GENDER_POPULATIONS = {"members": "Membres de direction", "active_members": "Membres actifs",
                      "top_members": "Top voices (les {top} membres les plus engageants)",
                      "engagement": "Part de l’engagement"}
DISTRIBUTION_LEVELS = {"post": "Par post", "direction": "Par Direction"}


def labelled_box(box: pd.DataFrame) -> pd.DataFrame:
    """The methodology box with its French labels: ``figure, label, value`` (the exported table)."""
    return pd.DataFrame({"figure": box["figure"].to_numpy(), "label": box["figure"].map(BOX_LABELS).to_numpy(),
                         "value": box["value"].to_numpy()})


def labelled_key_numbers(numbers: pd.DataFrame, top: int) -> pd.DataFrame:
    """A segment’s key numbers with their French label and text: ``figure, label, value, text``."""
    texts = {"directions": lambda v, n: format_number(v),
             "active_directions": lambda v, n: f"{format_number(v)} ({format_percent(v / n if n else 0)})",
             "engagement": lambda v, n: format_number(v), "posts": lambda v, n: format_number(v),
             "leader_share": lambda v, n: format_percent(v, 1), "top_share": lambda v, n: format_percent(v, 1),
             "median_score": lambda v, n: format_number(v)}
    values = dict(zip(numbers["figure"], numbers["value"]))
    n = values.get("directions", 0)
    return pd.DataFrame({
        "figure": numbers["figure"].to_numpy(),
        "label": [KEY_NUMBER_LABELS[f].format(top=top) for f in numbers["figure"]],
        "value": numbers["value"].to_numpy(),
        "text": [texts[f](v, n) for f, v in zip(numbers["figure"], numbers["value"])],
    })


def movement_labels(ranking: pd.DataFrame) -> list[str]:
    """The movement of each row of a ranking with movements (see :func:`influence_lib.frenchify.movement_label`)."""
    return [movement_label(s, c, p, r) for s, c, p, r in
            zip(ranking["status"], ranking["rank_change"], ranking["previous_rank"], ranking["rank"])]


def display_ranking(ranking: pd.DataFrame) -> pd.DataFrame:
    """A Direction ranking ready for readers: French headers and number formats, movement symbols."""
    shown = pd.DataFrame({
        "rank": ranking["rank"].astype(int).astype(str),
        "name": ranking["name"],
        "score": [format_number(v) for v in ranking["score"]],
        "engagement": [format_number(v) for v in ranking["engagement"]],
        "posts": [format_number(v) for v in ranking["posts"]],
        "active": [f"{a} / {m}" for a, m in zip(ranking["active_members"], ranking["members"])],
    })
    if "rank_low" in ranking:
        shown.insert(1, "interval", [str(lo) if lo == hi else f"{lo}–{hi}"
                                     for lo, hi in zip(ranking["rank_low"], ranking["rank_high"])])
    if "best_member" in ranking:
        shown["best_member"] = ranking["best_member"].fillna("—").to_numpy()
    if "status" in ranking and ranking["status"].notna().any():
        shown["movement"] = movement_labels(ranking)
    return french_labels(shown, {"active": "Membres actifs / membres", "best_member": "Membre le plus engageant",
                                 "movement": "Évolution", "interval": "Rang possible (IC 90 %)"})


def display_coverage(cover: pd.DataFrame) -> pd.DataFrame:
    """The coverage table for readers (French labels and formats)."""
    labels = [("Toutes plateformes" if s == "all" else platform_label(s)) for s in cover["scope"]]
    return readable_table(cover.assign(scope_label=labels), COVERAGE_VIEW)


def display_distribution_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """The distribution summary for readers."""
    return readable_table(summary.assign(level_label=summary["level"].map(DISTRIBUTION_LEVELS)), DISTRIBUTION_VIEW)


def display_top_voices(voices: pd.DataFrame) -> pd.DataFrame:
    """The Top voices for readers."""
    shown = readable_table(voices, VOICES_VIEW)
    if voices["status"].notna().any():
        shown["Évolution"] = movement_labels(voices)
    return shown


def moments_view(moments: pd.DataFrame) -> pd.DataFrame:
    """Best posting slots with a French slot label ("mardi, entre 8 h et 9 h")."""
    return moments.assign(slot=[f"{weekday_label(d)}, {format_hour_range(h)}"
                                for d, h in zip(moments["weekday"], moments["hour"])])


def roles_view(roles: pd.DataFrame) -> pd.DataFrame:
    """Role groups with their French label."""
    return roles.assign(group_label=[ROLE_GROUP_LABELS.get(g, g) for g in roles["group"]])


def gender_view(gender: pd.DataFrame, top: int = TOP_VOICES) -> pd.DataFrame:
    """Gender rows with their French population label; ``top`` is the Top voices' size the table was computed with."""
    return gender.assign(population_label=[GENDER_POPULATIONS.get(p, p).format(top=top) for p in gender["population"]])


def heatmap_view(grid: pd.DataFrame) -> pd.DataFrame:
    """A weekday × hour grid with French weekday names as rows (``lundi`` ... ``dimanche``)."""
    shown = grid.copy()
    shown.index = pd.Index([weekday_label(d) for d in grid.index], name="jour")
    shown.columns.name = "heure"
    return shown


def concentration_table(concentration: pd.DataFrame) -> pd.DataFrame:
    """Profiles' concentration with the voice in French (``une voix``, ``un collectif``), as published."""
    voice = concentration["voice"].map(VOICE_LABELS)
    return concentration.assign(voice=np.where(concentration["voice"].isna(), None, voice.to_numpy(dtype=object)))


def profile_tables(profiles: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The profile tables as published (the voice in French); other tables unchanged."""
    return {name: concentration_table(frame) if name == "concentration" else frame for name, frame in profiles.items()}
