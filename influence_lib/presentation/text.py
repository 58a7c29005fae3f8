"""Plain French text of the report: the score paragraph and the fixed-width tables nbval checks."""

from __future__ import annotations

import pandas as pd

from influence_lib.frenchify import format_number, format_period, platform_label
from influence_lib.presentation.tables import BOX_LABELS
from influence_lib.settings import Methodology, Period

METRIC_WORDS = {"likes": "réactions", "comments": "commentaires", "shares": "partages", "quotes": "citations"}
KIND_WORDS = {"original": "les posts originaux", "quote": "les citations", "repost": "les republications",
              "reply": "les réponses"}
NORMALIZATION_SENTENCES = {
    "none": "Le score d’une Direction est son engagement total.",
    "per_member": "Le score d’une Direction est son engagement divisé par son nombre de membres.",
    "per_active_member": "Le score d’une Direction est son engagement divisé par son nombre de membres actifs.",
}


def format_box(box: pd.DataFrame) -> str:
    """The methodology box (``figure, value``) as plain text, French labels and number formats."""
    labels = [BOX_LABELS[f] for f in box["figure"]]
    width = max(len(label) for label in labels)
    return "\n".join(f"{label:<{width}}  {format_number(value, sep=' '):>9}" for label, value in zip(labels, box["value"]))


def score_paragraph(methodology: Methodology, period: Period) -> str:
    """One French paragraph explaining how the score is computed, generated from the methodology settings."""
    weights = methodology.metric_weights
    used = [m for m in ("likes", "comments", "shares", "quotes") if weights.get(m, 0)]
    if all(float(weights[m]) == 1.0 for m in used):
        metric_text = " + ".join(METRIC_WORDS[m] for m in used)
    else:
        metric_text = " + ".join(f"{format_number(weights[m], 2 if not float(weights[m]).is_integer() else 0)} × "
                                 f"{METRIC_WORDS[m]}" for m in used)
    counted = [KIND_WORDS[k] for k in methodology.counted_kinds]
    counted_text = ", ".join(counted[:-1]) + (" et " if len(counted) > 1 else "") + counted[-1]
    excluded = [KIND_WORDS[k] for k in ("original", "quote", "repost", "reply") if k not in methodology.counted_kinds]
    platform_weights = {p: w for p, w in methodology.platform_weights.items() if float(w) != 1.0}
    text = (
        f"Méthodologie « {methodology.name} », version {methodology.version}. "
        f"Sont pris en compte {counted_text} publiés {format_period(period.start, period.end)} "
        f"(heure UTC, fin exclue)"
        + (f" ; {' et '.join(excluded)} ne comptent pas, leur engagement revenant à leur auteur" if excluded else "")
        + f". L’engagement d’un post est la somme {metric_text} ; un compteur non communiqué n’ajoute rien "
        f"et les posts concernés sont dénombrés. "
    )
    if platform_weights:
        text += "Pondération des plateformes : " + ", ".join(
            f"{platform_label(p)} × {format_number(w, 2)}" for p, w in sorted(platform_weights.items())) + ". "
    text += ("L’engagement d’un membre additionne ses posts sur toutes ses plateformes, celui d’une Direction "
             "additionne ses membres. ")
    text += NORMALIZATION_SENTENCES[methodology.normalization]
    text += (" Classement par score décroissant ; à score égal, rang partagé, puis affichage par nombre de "
             "membres actifs et ordre alphabétique.")
    return text


def ranking_text(ranking: pd.DataFrame) -> str:
    """A ranking as plain text (rank, Direction, score, posts, active members), stable for nbval."""
    shown = pd.DataFrame({
        "Rang": ranking["rank"].astype(int).to_numpy(), "Direction": ranking["name"].to_numpy(),
        "Score": ranking["score"].to_numpy(), "Posts": ranking["posts"].to_numpy(),
        "Actifs": [f"{a}/{m}" for a, m in zip(ranking["active_members"], ranking["members"])],
    })
    return shown.to_string(index=False)


def voices_text(voices: pd.DataFrame) -> str:
    """The Top voices as plain text, stable for nbval."""
    return pd.DataFrame({"Rang": voices["rank"].to_numpy(), "Nom": voices["full_name"].to_numpy(),
                         "Direction": voices["direction"].to_numpy(), "Engagement": voices["engagement"].to_numpy(),
                         "Posts": voices["posts"].to_numpy()}).to_string(index=False)
