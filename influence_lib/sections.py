"""What each report section computes: its loaded context and the tables and sentences it shows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from influence_lib.dataset import Dataset, load_dataset
from influence_lib.frenchify import STATUS_SYMBOLS, format_number, format_percent, format_period, french_labels
from influence_lib.parameters import SectionParameters
from influence_lib.ranking import build_ranking, build_ranking_with_movements
from influence_lib.scoring import score_posts, sector_scope, summarize_sector
from influence_lib.settings import Methodology, Period, Sector, load_methodology


@dataclass(frozen=True)
class SectionContext:
    """Everything a section needs: the dataset, the sector's settings, the periods, the methodology."""

    params: SectionParameters
    dataset: Dataset
    sector: Sector
    period: Period
    previous_period: Period | None
    methodology: Methodology

    @property
    def out_dir(self) -> str:
        """Where the section exports (empty: nothing is written)."""
        return self.params.out_dir

    @property
    def title(self) -> str:
        """The study's title for this sector, e.g. "Classement des Directions les plus influentes — Santé"."""
        return f"{self.dataset.settings.title} — {self.sector.title}"


def open_section(params: SectionParameters) -> SectionContext:
    """Load the dataset and settings a section's parameters point at.

    Parameters
    ----------
    params : SectionParameters
        The notebook's validated parameters.

    Returns
    -------
    SectionContext
    """
    dataset = load_dataset(Path(params.data_dir) if params.data_dir else None, on_error=params.on_error)
    settings = dataset.settings
    sector = settings.sector(params.sector)
    edition = params.edition or settings.latest_edition
    period = settings.period(edition)
    previous = settings.previous_edition(edition)
    methodology = load_methodology(params.methodology_file or None)
    return SectionContext(params, dataset, sector, period,
                          settings.period(previous) if previous else None, methodology)


# --- 00: methodology and data ------------------------------------------------------------------

def methodology_box(ctx: SectionContext) -> pd.DataFrame:
    """The methodology box as a table: ``figure`` (English key), ``label`` (French) and ``value``."""
    box = summarize_sector(ctx.dataset, ctx.params.sector, ctx.period, ctx.methodology)
    rows = [
        ("organizations", "Organisations", box["organizations"]),
        ("members", "Membres de direction", box["members"]),
        ("linkedin_accounts", "Comptes LinkedIn", box["linkedin"]["accounts"]),
        ("linkedin_posts", "Posts LinkedIn", box["linkedin"]["posts"]),
        ("linkedin_engagement", "Engagements LinkedIn", box["linkedin"]["engagement"]),
        ("twitter_accounts", "Comptes Twitter", box["twitter"]["accounts"]),
        ("twitter_posts", "Posts Twitter", box["twitter"]["posts"]),
        ("twitter_engagement", "Engagements Twitter", box["twitter"]["engagement"]),
        ("posts_with_empty_counts", "Posts comptés avec un compteur vide", box["posts_with_empty_counts"]),
    ]
    return pd.DataFrame(rows, columns=["figure", "label", "value"])


def format_box(box: pd.DataFrame) -> str:
    """The methodology box as plain text (French number formatting), for the notebook and nbval."""
    width = int(box["label"].str.len().max())
    return "\n".join(f"{label:<{width}}  {format_number(value, sep=' '):>9}" for label, value in zip(box["label"], box["value"]))


def coverage(ctx: SectionContext) -> pd.DataFrame:
    """Coverage of the sector: members with an account and members active, overall and per platform.

    Returns
    -------
    pandas.DataFrame
        ``scope, members, with_account, with_account_share, active, active_share`` (shares as
        fractions of the members); ``scope`` is ``all`` then each platform with accounts.
    """
    _, members, accounts = sector_scope(ctx.dataset, ctx.params.sector)
    posts = score_posts(ctx.dataset, ctx.params.sector, ctx.period, ctx.methodology)
    n = len(members)
    rows = []
    for scope in ["all"] + sorted(accounts["platform"].dropna().unique().tolist()):
        acc = accounts if scope == "all" else accounts[accounts["platform"] == scope]
        pst = posts if scope == "all" else posts[posts["platform"] == scope]
        with_account = int(members["member_id"].isin(acc["member_id"]).sum())
        active = int(pd.Series(pst["member_id"].astype("str")).nunique())
        rows.append((scope, n, with_account, with_account / n if n else 0.0, active, active / n if n else 0.0))
    return pd.DataFrame(rows, columns=["scope", "members", "with_account", "with_account_share", "active", "active_share"])


def score_paragraph(methodology: Methodology, period: Period) -> str:
    """One French paragraph explaining how the score is computed, generated from the methodology settings."""
    names = {"likes": "réactions", "comments": "commentaires", "shares": "partages", "quotes": "citations"}
    kinds = {"original": "les posts originaux", "quote": "les citations", "repost": "les republications",
             "reply": "les réponses"}
    weights = methodology.metric_weights
    used = [m for m in ("likes", "comments", "shares", "quotes") if weights.get(m, 0)]
    if all(float(weights[m]) == 1.0 for m in used):
        metric_text = " + ".join(names[m] for m in used)
    else:
        metric_text = " + ".join(f"{format_number(weights[m], 2 if not float(weights[m]).is_integer() else 0)} × {names[m]}"
                                 for m in used)
    counted = [kinds[k] for k in methodology.counted_kinds]
    counted_text = ", ".join(counted[:-1]) + (" et " if len(counted) > 1 else "") + counted[-1]
    excluded = [kinds[k] for k in ("original", "quote", "repost", "reply") if k not in methodology.counted_kinds]
    platform_weights = {p: w for p, w in methodology.platform_weights.items() if float(w) != 1.0}
    text = (
        f"Méthodologie « {methodology.name} », version {methodology.version}. "
        f"Sont pris en compte {counted_text} publiés {format_period(period.start, period.end)} "
        f"(heure UTC, fin exclue)"
        + (f" ; {' et '.join(excluded)} ne comptent pas, leur engagement revenant à leur auteur" if excluded else "")
        + f". L'engagement d'un post est la somme {metric_text} ; un compteur non communiqué n'ajoute rien "
        f"et les posts concernés sont dénombrés. "
    )
    if platform_weights:
        text += "Pondération des plateformes : " + ", ".join(
            f"{p.capitalize()} × {format_number(w, 2)}" for p, w in sorted(platform_weights.items())) + ". "
    text += ("L'engagement d'un membre additionne ses posts sur toutes ses plateformes, celui d'une Direction "
             "additionne ses membres. ")
    text += {
        "none": "Le score d'une Direction est son engagement total.",
        "per_member": "Le score d'une Direction est son engagement divisé par son nombre de membres.",
        "per_active_member": "Le score d'une Direction est son engagement divisé par son nombre de membres actifs.",
    }[methodology.normalization]
    text += (" Classement par score décroissant ; à score égal, rang partagé, puis affichage par nombre de "
             "membres actifs et ordre alphabétique.")
    return text


# --- 01 and 02: rankings -------------------------------------------------------------------------

def segment_ranking(ctx: SectionContext, segment: str, top: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A segment's Top N with movements, each Direction's best member, and the Directions that left.

    Returns
    -------
    ranking : pandas.DataFrame
        Spec columns, ``previous_rank, rank_change, status``, then ``best_member`` and
        ``best_member_engagement``.
    departures : pandas.DataFrame
        Directions of the previous Top N no longer in it.
    """
    ranking, departures = build_ranking_with_movements(
        ctx.dataset, ctx.params.sector, ctx.period, ctx.previous_period, "direction", segment, top, ctx.methodology)
    best = best_members(ctx, segment)
    ranking = ranking.merge(best, on="org_id", how="left", validate="one_to_one")
    return ranking, departures


def add_rank_intervals(ctx: SectionContext, ranking: pd.DataFrame, segment: str | None, seed: int,
                       n_boot: int, level: float = 0.90) -> pd.DataFrame:
    """Add ``rank_low`` and ``rank_high``: the bootstrap interval of each Direction's rank in its scope.

    See :func:`influence_lib.uncertainty.rank_intervals`; the interval is computed on the scope's
    full ranking, so it can reach below a Top N's cut-off.
    """
    from influence_lib.uncertainty import rank_intervals

    full = build_ranking(ctx.dataset, ctx.params.sector, ctx.period, "direction", segment, None, ctx.methodology)
    _, members, _ = sector_scope(ctx.dataset, ctx.params.sector, segment)
    posts = score_posts(ctx.dataset, ctx.params.sector, ctx.period, ctx.methodology, segment)
    intervals = rank_intervals(full, posts, members, seed, n_boot, level)
    return ranking.merge(intervals[["org_id", "rank_low", "rank_high"]], on="org_id", how="left", validate="one_to_one")


def best_members(ctx: SectionContext, segment: str | None = None) -> pd.DataFrame:
    """Each Direction's most engaging member over the period (ties: the member ranking's order)."""
    members = build_ranking(ctx.dataset, ctx.params.sector, ctx.period, "member", segment, None, ctx.methodology)
    members = members[members["engagement"] > 0]
    first = members.drop_duplicates("org_id", keep="first")
    return pd.DataFrame({"org_id": first["org_id"].to_numpy(), "best_member": first["full_name"].to_numpy(),
                         "best_member_engagement": first["engagement"].to_numpy()})


def movement_label(status, change) -> str:
    """▲ 3, ▼ 2, =, nouveau; empty without a previous edition."""
    if pd.isna(status):
        return ""
    symbol = STATUS_SYMBOLS[status]
    return f"{symbol} {abs(int(change))}" if status in ("up", "down") else symbol


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
        shown["movement"] = [movement_label(s, c) for s, c in zip(ranking["status"], ranking["rank_change"])]
    return french_labels(shown, {"active": "Membres actifs / membres", "best_member": "Membre le plus engageant",
                                 "movement": "Évolution", "interval": "Rang possible (IC 90 %)"})


def ranking_text(ranking: pd.DataFrame) -> str:
    """A ranking as plain text (rank, Direction, score, posts, active members), stable for nbval."""
    shown = pd.DataFrame({
        "Rang": ranking["rank"].astype(int).to_numpy(), "Direction": ranking["name"].to_numpy(),
        "Score": ranking["score"].to_numpy(), "Posts": ranking["posts"].to_numpy(),
        "Actifs": [f"{a}/{m}" for a, m in zip(ranking["active_members"], ranking["members"])],
    })
    return shown.to_string(index=False)


def segment_key_numbers(ranking_full: pd.DataFrame, top: int) -> pd.DataFrame:
    """Key numbers of a segment: Directions, active ones, total engagement, the leader's and the Top N's shares.

    Parameters
    ----------
    ranking_full : pandas.DataFrame
        The segment's full Direction ranking (not cut).
    top : int
        The segment's Top N.
    """
    total = float(ranking_full["engagement"].sum())
    n = len(ranking_full)
    active = int((ranking_full["active_members"] > 0).sum())
    head = ranking_full[ranking_full["rank"] <= top]
    leader = ranking_full.iloc[0] if n else None
    rows = [
        ("directions", "Directions classées", n, format_number(n)),
        ("active_directions", "Directions avec au moins un membre actif", active,
         f"{format_number(active)} ({format_percent(active / n if n else 0)})"),
        ("engagement", "Engagement total", total, format_number(total)),
        ("posts", "Posts comptés", int(ranking_full["posts"].sum()), format_number(ranking_full["posts"].sum())),
        ("leader_share", "Part du leader dans l'engagement", (float(leader["engagement"]) / total) if total else 0.0,
         format_percent((float(leader["engagement"]) / total) if total else 0.0, 1)),
        ("top_share", f"Part du Top {top} dans l'engagement", (float(head["engagement"].sum()) / total) if total else 0.0,
         format_percent((float(head["engagement"].sum()) / total) if total else 0.0, 1)),
        ("median_score", f"Score médian du Top {top}", float(np.median(head["score"])) if len(head) else 0.0,
         format_number(float(np.median(head["score"])) if len(head) else 0.0)),
    ]
    return pd.DataFrame(rows, columns=["figure", "label", "value", "text"])



def methodology_box_html(ctx: SectionContext, box: pd.DataFrame) -> str:
    """The methodology box as the study shows it: big French-formatted figures, then the period."""
    from influence_lib.html import key_figures

    values = dict(zip(box["figure"], box["value"]))
    items = [(format_number(values[k]), label) for k, label in (
        ("organizations", "Organisations"), ("members", "Membres de direction"),
        ("linkedin_accounts", "Comptes LinkedIn"), ("linkedin_posts", "Posts LinkedIn"),
        ("linkedin_engagement", "Engagements LinkedIn"), ("twitter_accounts", "Comptes Twitter"),
        ("twitter_engagement", "Engagements Twitter"))]
    period = f"Période : posts publiés {format_period(ctx.period.start, ctx.period.end)} (édition {ctx.period.label})."
    empty = int(values.get("posts_with_empty_counts", 0))
    note = (f" {format_number(empty)} posts comptés avaient un compteur non communiqué (compté pour zéro)."
            if empty else "")
    return key_figures(items) + f'<p class="note">{period}{note}</p>'


COVERAGE_VIEW = {"scope_label": ("Périmètre", "text"), "members": ("Membres", "int"),
                 "with_account": ("Avec un compte", "int"), "with_account_share": ("Part avec un compte", "share"),
                 "active": ("Actifs", "int"), "active_share": ("Part d'actifs", "share")}
DISTRIBUTION_VIEW = {"level_label": ("Niveau", "text"), "count": ("Effectif", "int"), "zero": ("À zéro", "int"),
                     "median": ("Médiane", "float1"), "mean": ("Moyenne", "float1"), "p90": ("90e centile", "int"),
                     "p99": ("99e centile", "int"), "max": ("Maximum", "int")}


def display_coverage(cover: pd.DataFrame) -> pd.DataFrame:
    """The coverage table for readers (French labels and formats)."""
    from influence_lib.frenchify import platform_label, readable_table

    labels = [("Toutes plateformes" if s == "all" else platform_label(s)) for s in cover["scope"]]
    return readable_table(cover.assign(scope_label=labels), COVERAGE_VIEW)


def engagement_distributions(ctx: SectionContext) -> dict[str, pd.DataFrame | pd.Series]:
    """Engagement per counted post and per Direction of the sector, and their quantiles.

    Returns
    -------
    dict
        ``per_post`` and ``per_direction`` (Series) and ``summary`` (DataFrame: ``level, count,
        zero, median, mean, p90, p99, max``).
    """
    posts = score_posts(ctx.dataset, ctx.params.sector, ctx.period, ctx.methodology)
    directions = build_ranking(ctx.dataset, ctx.params.sector, ctx.period, "direction", None, None, ctx.methodology)
    per_post = posts["engagement"].astype(float)
    per_direction = directions["engagement"].astype(float)
    rows = []
    for level, values in (("post", per_post), ("direction", per_direction)):
        q = values.quantile([0.5, 0.9, 0.99]) if len(values) else pd.Series([0.0, 0.0, 0.0], index=[0.5, 0.9, 0.99])
        rows.append((level, len(values), int((values <= 0).sum()), q[0.5], values.mean() if len(values) else 0.0,
                     q[0.9], q[0.99], values.max() if len(values) else 0.0))
    summary = pd.DataFrame(rows, columns=["level", "count", "zero", "median", "mean", "p90", "p99", "max"])
    return {"per_post": per_post, "per_direction": per_direction, "summary": summary.round(2)}


def display_distribution_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """The distribution summary for readers."""
    from influence_lib.frenchify import readable_table

    labels = {"post": "Par post", "direction": "Par Direction"}
    return readable_table(summary.assign(level_label=summary["level"].map(labels)), DISTRIBUTION_VIEW)


def departures_html(departures: pd.DataFrame, top: int, previous_period: Period | None) -> str:
    """A sentence, and a table if needed, on the Directions that left the Top N since the previous edition."""
    from influence_lib.html import table

    if previous_period is None:
        return '<p class="note">Pas d\'édition précédente : les évolutions de rang ne sont pas calculées.</p>'
    if not len(departures):
        return f"<p>Aucune Direction n'a quitté le Top {top} depuis l'édition {previous_period.label}.</p>"
    count = len(departures)
    sentence = (f"<p>{format_number(count)} Direction{'s ont' if count > 1 else ' a'} quitté le Top {top} "
                f"depuis l'édition {previous_period.label} :</p>")
    shown = pd.DataFrame({
        "Direction": departures["name"].to_numpy(),
        "Rang précédent": departures["rank"].astype(int).astype(str).to_numpy(),
        "Rang actuel": ["—" if pd.isna(r) else str(int(r)) for r in departures["current_rank"]],
        "Score précédent": [format_number(v) for v in departures["score"]],
    })
    return sentence + table(shown)


# --- 01: Top 10 and profiles ---------------------------------------------------------------------

MEMBER_VIEW = {"full_name": ("Membre", "text"), "role": ("Fonction", "text"), "posts": ("Posts", "int"),
               "engagement": ("Engagement", "int"), "direction_share": ("Part du score", "share")}
BEST_POST_VIEW = {"published_at": ("Date", "date"), "full_name": ("Auteur", "text"), "format": ("Format", "format"),
                  "platform": ("Plateforme", "platform"), "excerpt": ("Extrait", "text"),
                  "engagement": ("Engagement", "int")}


def focus_profiles(ctx: SectionContext, org_ids) -> dict[str, pd.DataFrame]:
    """The profile tables of the listed Directions of the sector (see :func:`influence_lib.trends.direction_profiles`)."""
    from influence_lib.trends import direction_profiles

    orgs, members, _ = sector_scope(ctx.dataset, ctx.params.sector)
    posts = score_posts(ctx.dataset, ctx.params.sector, ctx.period, ctx.methodology)
    return direction_profiles(list(org_ids), posts, members, orgs, ctx.period)


def profile_html(profiles: dict[str, pd.DataFrame], ranking: pd.DataFrame, org_id: str, figure_html: str = "") -> str:
    """One Direction's profile as HTML: heading, key figures, members' contributions, best posts, activity."""
    from influence_lib.frenchify import pluralize, readable_table
    from influence_lib.html import card, key_figures, table

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
        voice = "Aucun membre n'a publié de post compté sur la période."
    else:
        voice = (f"{conc['top_member_name']} porte {format_percent(conc['top_member_share'])} de l'engagement "
                 f"(indice de concentration {format_number(conc['herfindahl'], 2)}, soit "
                 f"{format_number(conc['effective_voices'], 1)} voix effectives) : {conc['voice']}.")
    move = movement_label(row.get("status"), row.get("rank_change")) if "status" in row else ""
    heading = f"{int(row['rank'])}. {row['name']}" + (f" <small>({move})</small>" if move else "")
    return card(
        f"<h3>{heading}</h3>{figures}<p>{voice}</p>"
        + "<h4>Contribution des membres</h4>" + table(readable_table(members, MEMBER_VIEW))
        + "<h4>Ses trois meilleurs posts</h4>"
        + (table(readable_table(posts, BEST_POST_VIEW)) if len(posts) else "<p>Aucun post compté.</p>")
        + ("<h4>Activité mensuelle</h4>" + figure_html if figure_html else "")
    )


# --- 03: trends and Top voices -------------------------------------------------------------------

@dataclass(frozen=True)
class TrendInputs:
    """Scored posts of the period and of the previous one, and the sector's tables."""

    posts: pd.DataFrame
    previous_posts: pd.DataFrame | None
    organizations: pd.DataFrame
    members: pd.DataFrame
    accounts: pd.DataFrame


def trend_inputs(ctx: SectionContext) -> TrendInputs:
    """Score the sector's posts over the edition and the previous edition (when there is one)."""
    orgs, members, accounts = sector_scope(ctx.dataset, ctx.params.sector)
    posts = score_posts(ctx.dataset, ctx.params.sector, ctx.period, ctx.methodology)
    previous = (score_posts(ctx.dataset, ctx.params.sector, ctx.previous_period, ctx.methodology)
                if ctx.previous_period is not None else None)
    return TrendInputs(posts, previous, orgs, members, accounts)


def monthly_with_previous(ctx: SectionContext, inputs: TrendInputs) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Monthly posts and engagement by platform, and the previous edition's, month by month."""
    from influence_lib.trends import monthly_activity

    current = monthly_activity(inputs.posts, ctx.period)
    previous = (monthly_activity(inputs.previous_posts, ctx.previous_period)
                if inputs.previous_posts is not None else None)
    return current, previous


def hashtag_views(inputs: TrendInputs, min_uses: int = 10, n: int = 10) -> dict[str, pd.DataFrame]:
    """Hashtags most used, most engaging (at least ``min_uses`` posts), rising and falling."""
    from influence_lib.trends import hashtag_table, hashtag_trends, most_engaging_hashtags

    table = hashtag_table(inputs.posts)
    views = {"all": table, "used": table.head(n), "engaging": most_engaging_hashtags(table, min_uses, n)}
    if inputs.previous_posts is not None:
        moves = hashtag_trends(table, hashtag_table(inputs.previous_posts), min_uses=min_uses)
        views["rising"] = moves[moves["trend"] == "rising"].sort_values(["share_change", "hashtag"], ascending=[False, True]).head(n)
        views["falling"] = moves[moves["trend"] == "falling"].sort_values(["share_change", "hashtag"]).head(n)
    return views


def top_voices(ctx: SectionContext, n: int) -> pd.DataFrame:
    """The member ranking of the sector (Top ``n``): name, role, Direction, engagement, posts, per post, movement."""
    ranking, _ = build_ranking_with_movements(ctx.dataset, ctx.params.sector, ctx.period, ctx.previous_period,
                                              "member", None, n, ctx.methodology)
    _, members, _ = sector_scope(ctx.dataset, ctx.params.sector)
    orgs = ctx.dataset.organizations
    roles = pd.Series(members["role"].to_numpy(), index=pd.Index(members["member_id"]))
    names = pd.Series(orgs["name"].to_numpy(), index=pd.Index(orgs["org_id"]))
    ranking.insert(3, "role", roles.reindex(ranking["member_id"].to_numpy()).to_numpy())
    ranking.insert(5, "direction", names.reindex(ranking["org_id"].to_numpy()).to_numpy())
    ranking["engagement_per_post"] = np.where(ranking["posts"] > 0,
                                              ranking["engagement"] / ranking["posts"].where(ranking["posts"] > 0, 1), 0.0).round(1)
    return ranking


def display_top_voices(voices: pd.DataFrame) -> pd.DataFrame:
    """The Top voices for readers."""
    from influence_lib.frenchify import readable_table

    shown = readable_table(voices, {"rank": ("Rang", "int"), "full_name": ("Nom", "text"), "role": ("Fonction", "text"),
                                    "direction": ("Direction", "text"), "engagement": ("Engagement", "int"),
                                    "posts": ("Posts", "int"), "engagement_per_post": ("Engagement par post", "float1")})
    if voices["status"].notna().any():
        shown["Évolution"] = [movement_label(s, c) for s, c in zip(voices["status"], voices["rank_change"])]
    return shown


def voices_text(voices: pd.DataFrame) -> str:
    """The Top voices as plain text, stable for nbval."""
    return pd.DataFrame({"Rang": voices["rank"].to_numpy(), "Nom": voices["full_name"].to_numpy(),
                         "Direction": voices["direction"].to_numpy(), "Engagement": voices["engagement"].to_numpy(),
                         "Posts": voices["posts"].to_numpy()}).to_string(index=False)


def direction_scores(ctx: SectionContext, segment: str | None = None) -> pd.DataFrame:
    """Every Direction of the sector (or of one segment) with its score: the full ranking, uncut."""
    return build_ranking(ctx.dataset, ctx.params.sector, ctx.period, "direction", segment, None, ctx.methodology)


FORMAT_VIEW = {"format": ("Format", "format"), "posts": ("Posts", "int"), "posts_share": ("Part des posts", "share"),
               "median_engagement": ("Engagement médian", "float1"), "median_low": ("IC 90 % bas", "float1"),
               "median_high": ("IC 90 % haut", "float1"), "mean_engagement": ("Engagement moyen", "float1")}
MOMENT_VIEW = {"slot": ("Créneau (heure de Paris)", "text"), "posts": ("Posts", "int"),
               "median_engagement": ("Engagement médian", "float1")}
TOP_POST_VIEW = {"rank": ("Rang", "int"), "full_name": ("Auteur", "text"), "name": ("Direction", "text"),
                 "published_at": ("Date", "date"), "format": ("Format", "format"), "excerpt": ("Extrait", "text"),
                 "engagement": ("Engagement", "int")}
EXCEPTIONAL_VIEW = {"full_name": ("Auteur", "text"), "name": ("Direction", "text"), "published_at": ("Date", "date"),
                    "format": ("Format", "format"), "engagement": ("Engagement", "int"),
                    "usual_engagement": ("Niveau habituel", "float1"), "times_usual": ("Multiple", "float1"),
                    "excerpt": ("Extrait", "text")}
ROLE_VIEW = {"group_label": ("Membres", "text"), "members_share": ("Part des membres", "share"),
             "posts_share": ("Part des posts", "share"), "engagement_share": ("Part de l'engagement", "share"),
             "engagement_per_post": ("Engagement par post", "float1")}
GENDER_VIEW = {"population_label": ("Population", "text"), "base": ("Effectif", "int"),
               "women_share": ("Part des femmes", "share"), "women_share_low": ("IC 90 % bas", "share"),
               "women_share_high": ("IC 90 % haut", "share")}
PLATFORM_VIEW = {"platform": ("Plateforme", "platform"), "accounts": ("Comptes", "int"),
                 "active_accounts": ("Comptes actifs", "int"), "posts": ("Posts", "int"),
                 "engagement": ("Engagement", "int"), "engagement_share": ("Part de l'engagement", "share"),
                 "engagement_per_post": ("Engagement par post", "float1")}
HASHTAG_VIEW = {"label": ("Hashtag", "text"), "posts": ("Posts", "int"), "authors": ("Auteurs", "int"),
                "median_engagement": ("Engagement médian", "float1")}
HASHTAG_TREND_VIEW = {"label": ("Hashtag", "text"), "previous_posts_share": ("Part des posts avant", "share"),
                      "posts_share": ("Part des posts", "share")}
GENDER_POPULATIONS = {"members": "Membres de direction", "active_members": "Membres actifs",
                      "top_members": "Top 100 des membres", "engagement": "Part de l'engagement"}


def moments_view(moments: pd.DataFrame) -> pd.DataFrame:
    """Best posting slots with a French slot label ("mardi, entre 8 h et 9 h")."""
    from influence_lib.frenchify import format_hour_range, weekday_label

    return moments.assign(slot=[f"{weekday_label(d)}, {format_hour_range(h)}"
                                for d, h in zip(moments["weekday"], moments["hour"])])


def roles_view(roles: pd.DataFrame) -> pd.DataFrame:
    """Role groups with their French label."""
    from influence_lib.frenchify import ROLE_GROUP_LABELS
    return roles.assign(group_label=[ROLE_GROUP_LABELS.get(g, g) for g in roles["group"]])


def gender_view(gender: pd.DataFrame) -> pd.DataFrame:
    """Gender rows with their French population label."""
    return gender.assign(population_label=[GENDER_POPULATIONS.get(p, p) for p in gender["population"]])


def hashtags_html(views: dict[str, pd.DataFrame]) -> str:
    """Hashtag tables: most used, most engaging, and, with a previous edition, rising and falling."""
    from influence_lib.frenchify import readable_table
    from influence_lib.html import table

    parts = ["<h3>Les plus utilisés</h3>", table(readable_table(views["used"], HASHTAG_VIEW)),
             "<h3>Les plus engageants</h3>", table(readable_table(views["engaging"], HASHTAG_VIEW))]
    if "rising" in views:
        parts += ["<h3>En hausse par rapport à l'édition précédente</h3>",
                  table(readable_table(views["rising"], HASHTAG_TREND_VIEW)),
                  "<h3>En baisse</h3>", table(readable_table(views["falling"], HASHTAG_TREND_VIEW))]
    return "".join(parts)
