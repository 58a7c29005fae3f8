"""HTML fragments of the report’s sections: every value from the data is escaped here, on its way in.

Notebooks display these fragments with ``IPython.display.HTML``; they never pass data through
Markdown (which would let raw HTML and ``javascript:`` links through).
"""

from __future__ import annotations

import pandas as pd

from influence_lib.frenchify import (
    VOICE_LABELS,
    format_number,
    format_ordinal,
    format_percent,
    format_period,
    format_share,
    movement_label,
    pluralize,
    readable_table,
)
from influence_lib.html import card, escape, key_figures, table
from influence_lib.presentation.tables import (
    BEST_POST_VIEW,
    BOX_LABELS,
    EXCEPTIONAL_VIEW,
    HASHTAG_TREND_VIEW,
    HASHTAG_VIEW,
    MEMBER_VIEW,
    NECK_AND_NECK_MARK,
    UNTRUSTWORTHY_MARK,
)
from influence_lib.settings import Period

EXCEPTIONAL_SHOWN = 50  # exceptional posts the report lists; its table (exceptional_posts.csv) holds them all
BOX_KEY_FIGURES = ("organizations", "members", "linkedin_accounts", "linkedin_posts", "linkedin_engagement",
                   "twitter_accounts", "twitter_engagement")


def heading(text: str, level: int = 1) -> str:
    """A section heading; ``text`` (which may hold names and labels from the data) is escaped."""
    return f"<h{int(level)}>{escape(str(text))}</h{int(level)}>"


def paragraph(text: str, css_class: str | None = None) -> str:
    """A paragraph of plain text, escaped."""
    attribute = f' class="{escape(css_class)}"' if css_class else ""
    return f"<p{attribute}>{escape(str(text))}</p>"


def methodology_box_html(box: pd.DataFrame, period: Period) -> str:
    """The methodology box as the study shows it: big French-formatted figures, then the period."""
    values = dict(zip(box["figure"], box["value"]))
    items = [(format_number(values[k]), BOX_LABELS[k]) for k in BOX_KEY_FIGURES]
    text = f"Période : posts publiés {format_period(period.start, period.end)} (édition {period.label})."
    empty = int(values.get("posts_with_empty_counts", 0))
    if empty:
        text += f" {format_number(empty)} posts comptés avaient un compteur non communiqué (compté pour zéro)."
    return key_figures(items) + paragraph(text, "note")


def departures_html(departures: pd.DataFrame, top: int, previous_period: Period | None) -> str:
    """A sentence, and a table if needed, on the Directions that left the Top N since the previous edition."""
    if previous_period is None:
        return paragraph("Pas d’édition précédente : les évolutions de rang ne sont pas calculées.", "note")
    if not len(departures):
        return paragraph(f"Aucune Direction n’a quitté le Top {top} depuis l’édition {previous_period.label}.")
    count = len(departures)
    sentence = paragraph(f"{format_number(count)} Direction{'s ont' if count > 1 else ' a'} quitté le Top {top} "
                         f"depuis l’édition {previous_period.label} :")
    shown = pd.DataFrame({
        "Direction": departures["name"].to_numpy(),
        "Rang précédent": departures["rank"].astype(int).astype(str).to_numpy(),
        "Rang actuel": ["—" if pd.isna(r) else str(int(r)) for r in departures["current_rank"]],
        "Score précédent": [format_number(v) for v in departures["score"]],
    })
    return sentence + table(shown)


def profile_html(profiles: dict[str, pd.DataFrame], ranking: pd.DataFrame, org_id: str, figure_html: str = "",
                 analysis_html: str = "") -> str:
    """One Direction’s profile as HTML: heading, key figures, analysis, members' contributions, best posts, activity."""
    row = ranking.loc[ranking["org_id"] == org_id].iloc[0]
    conc = profiles["concentration"].set_index("org_id").reindex([org_id]).iloc[0]
    split = profiles["platforms"][profiles["platforms"]["org_id"] == org_id].set_index("platform")
    members = profiles["members"][profiles["members"]["org_id"] == org_id]
    posts = profiles["best_posts"][profiles["best_posts"]["org_id"] == org_id]
    linkedin = float(split["engagement"].get("linkedin", 0))
    twitter = float(split["engagement"].get("twitter", 0))
    total = float(row["engagement"]) or 1.0
    figures = key_figures([
        (format_number(row["score"]), "score"),
        (f"{row['active_members']} / {row['members']}", "membres actifs / membres"),
        (format_number(row["posts"]), pluralize(row["posts"], "post compté", "posts comptés")),
        (f"{format_percent(linkedin / total)} / {format_percent(twitter / total)}", "LinkedIn / Twitter (engagement)"),
    ])
    if pd.isna(conc.get("voice")):
        voice = "Aucun membre n’a publié de post compté sur la période."
    else:
        voice = (f"{conc['top_member_name']} porte {format_percent(conc['top_member_share'])} de l’engagement "
                 f"(indice de concentration {format_number(conc['herfindahl'], 2)}, soit "
                 f"{format_number(conc['effective_voices'], 1)} voix effectives) : "
                 f"{VOICE_LABELS.get(conc['voice'], conc['voice'])}.")
    move = (movement_label(row["status"], row["rank_change"], row["previous_rank"], row["rank"])
            if "status" in row else "")
    heading_html = (f"<h3>{int(row['rank'])}. {escape(str(row['name']))}"
                    + (f" <small>({escape(move)})</small>" if move else "") + "</h3>")
    return card(
        heading_html + figures + (analysis_html or paragraph(voice)) + viral_paragraph(row)
        + "<h4>Contribution des membres</h4>" + table(readable_table(members, MEMBER_VIEW))
        + "<h4>Ses trois meilleurs posts</h4>"
        + (table(readable_table(posts, BEST_POST_VIEW)) if len(posts) else paragraph("Aucun post compté."))
        + ("<h4>Activité mensuelle</h4>" + figure_html if figure_html else "")
    )


def viral_paragraph(row: pd.Series) -> str:
    """How much a Top 10 Direction's rank rests on its best post, in one sentence (empty without the figures).

    ``row`` needs ``rank``, ``best_share``, ``n_eff`` and ``rank_without_best_post``
    (:func:`influence_lib.sections.add_viral_dependence`), e.g. "Son meilleur post pèse 41 % du
    total de ses posts (l’équivalent de 4,6 posts de même poids) : sans lui, elle serait 13e au
    lieu de 6e."
    """
    needed = ("best_share", "n_eff", "rank_without_best_post")
    if not all(k in row for k in needed) or any(pd.isna(row[k]) for k in needed):
        return ""
    rank, without = int(row["rank"]), int(row["rank_without_best_post"])
    effective = format_number(row["n_eff"], 1)
    end = (f"sans lui, elle resterait {format_ordinal(rank)}" if without == rank
           else f"sans lui, elle serait {format_ordinal(without)} au lieu de {format_ordinal(rank)}")
    return paragraph(f"Son meilleur post pèse {format_share(row['best_share'])} du total de ses posts "
                     f"(l’équivalent de {effective} {pluralize(row['n_eff'], 'post', 'posts')} de même poids) : {end}.")


def uncertainty_note_html(uncertainty, who: str = "Direction") -> str:
    """The legend of a ranking's uncertainty columns: B, the interval, P(Top N), ≈ and † (with the tail index).

    Parameters
    ----------
    uncertainty : influence_lib.uncertainty.RankUncertainty
        The ranking's uncertainty (:func:`influence_lib.sections.rank_uncertainty`).
    who : str
        ``Direction`` or ``personne``: what a row is (feminine in French either way).
    """
    from influence_lib.stats.tails import HEAVY_TAIL_ALPHA, MIN_INTERVAL_POSTS

    text = (f"Rang possible : les rangs de 90 % des {format_number(uncertainty.n_boot)} tirages bootstrap ; "
            f"chances d’être dans le Top {uncertainty.top} : part des tirages où la {who} y figure ; "
            f"{NECK_AND_NECK_MARK} : moins de 90 % des tirages la placent devant la suivante (au coude-à-coude) ; "
            f"{UNTRUSTWORTHY_MARK} : intervalle peu fiable, ")
    if uncertainty.heavy_tail:
        text += (f"sur toutes les lignes, car l’engagement des posts classés a une queue lourde (indice de Hill "
                 f"{format_number(uncertainty.tail.alpha, 2)}, sous {format_number(HEAVY_TAIL_ALPHA)}) : quelques posts "
                 f"pèsent trop pour que le tirage des posts mesure toute l’incertitude. ")
    else:
        text += f"la {who} a moins de {MIN_INTERVAL_POSTS} posts comptés. "
    return paragraph(text + "Méthode : voir « Incertitude des rangs ».", "note")


def exceptional_posts_html(exceptional: pd.DataFrame, shown: int = EXCEPTIONAL_SHOWN) -> str:
    """The exceptional posts for the reader: the first ``shown`` (highest multiple first), and how many there are.

    The rule flags posts in proportion to the data (17 in the sample's ``sante``, 2,068 in the
    10^6-post benchmark): listing them all would put a hundred pages of table in the booklet. The
    saved table (``exceptional_posts``) keeps every post; the caption says so when rows are left out.

    Parameters
    ----------
    exceptional : pandas.DataFrame
        :func:`influence_lib.trends.exceptional_posts` (already in its order).
    shown : int
        Rows listed.

    Returns
    -------
    str
        HTML.
    """
    listed = readable_table(exceptional.head(int(shown)), EXCEPTIONAL_VIEW)
    if len(exceptional) <= int(shown):
        return table(listed)
    caption = (f"Les {format_number(int(shown))} posts au plus fort multiple de leur niveau habituel, sur "
               f"{format_number(len(exceptional))} ; la table exceptional_posts du rapport les liste tous.")
    return table(listed, caption=caption)


def hashtags_html(views: dict[str, pd.DataFrame]) -> str:
    """Hashtag tables: most used, most engaging, and, with a previous edition, rising and falling."""
    def pair(title_a, table_a, title_b, table_b) -> str:
        return (f'<div class="side-by-side"><div><h3>{title_a}</h3>{table_a}</div>'
                f"<div><h3>{title_b}</h3>{table_b}</div></div>")

    parts = [pair("Les plus utilisés", table(readable_table(views["used"], HASHTAG_VIEW)),
                  "Les plus engageants", table(readable_table(views["engaging"], HASHTAG_VIEW)))]
    if "rising" in views:
        parts.append(pair("En hausse par rapport à l’édition précédente",
                          table(readable_table(views["rising"], HASHTAG_TREND_VIEW)),
                          "En baisse", table(readable_table(views["falling"], HASHTAG_TREND_VIEW))))
    return "".join(parts)
