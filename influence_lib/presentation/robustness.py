"""The robustness of a ranking for readers: estimands side by side, rank bands and Sobol indices in French."""

from __future__ import annotations

import math

import pandas as pd

from influence_lib.frenchify import format_number, format_percent, format_share, pluralize, readable_table
from influence_lib.safe_text import one_line_text, shown_text

# Readers' names of the shipped methodologies; any other methodology is shown by its own name.
ESTIMAND_LABELS = {
    "engagement": "Engagement total",
    "reactions": "Réactions seules",
    "per-member": "Par membre",
    "per-active-member": "Par membre actif",
    "capped-p99": "Posts plafonnés au 99e centile",
    "log": "Logarithme de l’engagement",
    "per-1000-followers": "Pour 1 000 abonnés",
    "without-best-post": "Sans le meilleur post",
}
FACTOR_LABELS = {
    "comments_weight": "Poids des commentaires",
    "shares_weight": "Poids des partages",
    "twitter_weight": "Poids de Twitter",
    "quotes_counted": "Citations comptées ou non",
    "post_cap": "Plafond par post",
    "start_shift_days": "Début de la période",
    "end_shift_days": "Fin de la période",
}
COMPARE_HEADERS = {"a": "Méthode A", "b": "Méthode B", "spearman": "Spearman", "kendall_tau_b": "Tau b de Kendall",
                   "rbo": "RBO", "top": "Top", "top_kept": "Gardées dans le Top",
                   "max_shift_in_top": "Écart max. dans le Top"}
MOVER_HEADERS = {"rank_a": "Rang A", "rank_b": "Rang B", "rank_change": "Évolution", "name": "Direction"}
ROBUST_SHARE = 0.9  # a Direction "stays" in the Top N when it does in at least 90 % of the runs
NEGLIGIBLE = 0.05   # a total-order index below this is "almost no effect"


def estimand_label(name: str) -> str:
    """Readers' name of a methodology (:data:`ESTIMAND_LABELS`, else its own name)."""
    return ESTIMAND_LABELS.get(str(name), shown_text(name))


def _decimal(value, decimals: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return format_number(round(float(value), decimals) + 0.0, decimals, sep=" ")  # + 0.0: never "-0,00"


def _quoted(labels: list[str]) -> str:
    quoted = [f"« {label} »" for label in labels]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " et " + quoted[-1]


def _fixed_width(frame: pd.DataFrame, numeric: set[str]) -> list[str]:
    widths = {c: max([len(c)] + [len(v) for v in frame[c]]) for c in frame.columns}
    lines = ["  ".join(c.rjust(widths[c]) if c in numeric else c.ljust(widths[c]) for c in frame.columns).rstrip()]
    for row in frame.itertuples(index=False):
        lines.append("  ".join(v.rjust(widths[c]) if c in numeric else v.ljust(widths[c])
                               for c, v in zip(frame.columns, row)).rstrip())
    return lines


def intro_text(segment_label: str, top: int) -> str:
    """The section's opening paragraph (plain text: show it with :func:`~influence_lib.presentation.paragraph`)."""
    return (f"Un classement dépend de la façon de compter. Cette partie mesure, pour le Top {top} "
            f"« {shown_text(segment_label)} », ce que changerait un autre score défendable, puis, le score restant "
            f"celui du classement publié, ce que changent les autres choix de calcul et lesquels pèsent le plus.")


def uncertainty_text(n_runs: int, top: int, factors: dict | None = None) -> str:
    """How the uncertainty analysis was run, with the factors' ranges (default :func:`~influence_lib.sensitivity.methodological_factors`)."""
    from influence_lib.sensitivity import methodological_factors

    factors = methodological_factors() if factors is None else factors

    def bounds(name):
        low, high = factors[name].support()
        return f"de {format_number(low, 1)} à {format_number(high, 1)}"

    shift = int(factors["end_shift_days"].support()[1])
    return (f"Le score restant celui du classement publié, d’autres choix de calcul étaient défendables : le poids "
            f"d’un commentaire ({bounds('comments_weight')} fois une réaction) et celui d’un partage "
            f"({bounds('shares_weight')}), le poids de Twitter ({bounds('twitter_weight')} fois LinkedIn), compter "
            f"ou non les citations, plafonner ou non l’engagement de chaque post (au 99e ou au 99,9e centile des "
            f"posts du secteur), avancer ou reculer le début et la fin de la période de {shift} jours au plus. "
            f"Le classement est recalculé pour {format_number(n_runs)} combinaisons de ces choix tirées au hasard. "
            f"Pour chaque Direction du Top {top} publié : son rang médian, ses rangs de 5 % à 95 % des tirages "
            f"(les 10 % de tirages les plus extrêmes laissés de côté) et la part des tirages où elle reste dans "
            f"le Top {top}.")


def sobol_bars(sobol: pd.DataFrame) -> tuple[list[str], list[float], list[float]]:
    """The factors' French labels and their first-order and total indices for the mean rank shift (for :func:`~influence_lib.plots.plot_sobol`)."""
    mean = sobol.loc[(sobol["target"] == "mean_abs_rank_shift").to_numpy()]
    return ([FACTOR_LABELS.get(f, shown_text(f)) for f in mean["factor"]], mean["first_order"].tolist(),
            mean["total_order"].tolist())


def comparison_text(rows: list[dict], title: str) -> str:
    """``influence compare --format table``: the pairs with French headers, then each pair's movers.

    Parameters
    ----------
    rows : list of dict
        :func:`influence_lib.compare.compare_methodologies`.
    title : str
    """
    table = pd.DataFrame({
        COMPARE_HEADERS["a"]: [one_line_text(r["a"]) for r in rows],
        COMPARE_HEADERS["b"]: [one_line_text(r["b"]) for r in rows],
        **{COMPARE_HEADERS[k]: [_decimal(r[k]) for r in rows] for k in ("spearman", "kendall_tau_b", "rbo")},
        **{COMPARE_HEADERS[k]: [format_number(r[k], sep=" ") for r in rows]
           for k in ("top", "top_kept", "max_shift_in_top")},
    })
    numeric = set(table.columns[2:])
    lines = [one_line_text(title)] + _fixed_width(table, numeric)
    for row in rows:
        movers = row["movers"]
        lines += ["", f"Plus forts mouvements de « {one_line_text(row['a'])} » à « {one_line_text(row['b'])} » :"]
        if not len(movers):
            lines.append("  (aucune Direction ne change de rang)")
            continue
        view = pd.DataFrame({
            MOVER_HEADERS["rank_a"]: [format_number(v, sep=" ") for v in movers["rank_a"]],
            MOVER_HEADERS["rank_b"]: [format_number(v, sep=" ") for v in movers["rank_b"]],
            MOVER_HEADERS["rank_change"]: [f"{int(v):+d}" for v in movers["rank_change"]],
            MOVER_HEADERS["name"]: [one_line_text(v) for v in movers["name"]],
        })
        lines += ["  " + line for line in _fixed_width(view, set(list(view.columns)[:3]))]
    return "\n".join(lines)


def estimands_view(comparison: pd.DataFrame, top: int) -> pd.DataFrame:
    """The estimands table for readers: each other methodology against the report's, French labels and numbers."""
    return pd.DataFrame({
        "Score comparé": [estimand_label(b) for b in comparison["b"]],
        "Spearman": [_decimal(v, 2) for v in comparison["spearman"]],
        "Tau b de Kendall": [_decimal(v, 2) for v in comparison["kendall_tau_b"]],
        "RBO": [_decimal(v, 2) for v in comparison["rbo"]],
        f"Directions du Top {top} gardées": [f"{int(k)} sur {int(t)}" for k, t in
                                              zip(comparison["top_kept"], comparison["top"])],
        f"Plus grand écart de rang dans le Top {top}": [format_number(v) for v in comparison["max_shift_in_top"]],
    })


def estimand_tops_view(tops: pd.DataFrame) -> pd.DataFrame:
    """The Top N under each estimand side by side: one column per methodology, ``rank. name`` per row."""
    columns = {}
    for name, group in tops.groupby("methodology", sort=False):
        columns[estimand_label(name)] = [f"{int(r)}. {shown_text(n)}" for r, n in zip(group["rank"], group["name"])]
    depth = max((len(v) for v in columns.values()), default=0)
    return pd.DataFrame({k: v + [""] * (depth - len(v)) for k, v in columns.items()})


UNCERTAINTY_VIEW = {"rank": ("Rang publié", "int"), "name": ("Direction", "text"),
                    "median_rank": ("Rang médian", "int"), "band": ("Rangs de 5 % à 95 % des tirages", "text"),
                    "p_top": ("Tirages où elle reste dans le Top {top}", "share")}


def uncertainty_view(ranks: pd.DataFrame, top: int) -> pd.DataFrame:
    """The uncertainty analysis for readers: published rank, median rank, 5–95 % band, share of runs in the Top N."""
    band = [f"{int(lo)}" if lo == hi else f"{int(lo)} à {int(hi)}" for lo, hi in zip(ranks["rank_low"], ranks["rank_high"])]
    view = {k: (label.format(top=top), kind) for k, (label, kind) in UNCERTAINTY_VIEW.items()}
    return readable_table(ranks.assign(band=band), view)


def sobol_view(sobol: pd.DataFrame) -> pd.DataFrame:
    """The Sobol indices of the Top N's mean rank shift for readers: one row per choice."""
    mean = sobol.loc[(sobol["target"] == "mean_abs_rank_shift").to_numpy()]
    return pd.DataFrame({
        "Choix de calcul": [FACTOR_LABELS.get(f, shown_text(f)) for f in mean["factor"]],
        "Indice de premier ordre": [_decimal(v, 2) for v in mean["first_order"]],
        "Indice total": [_decimal(v, 2) for v in mean["total_order"]],
    })


def robustness_sentences(comparison: pd.DataFrame, ranks: pd.DataFrame, runs: pd.DataFrame,
                         sobol: pd.DataFrame, top: int) -> list[str]:
    """What the numbers of the section support, in French sentences (escaped by the HTML that shows them).

    Parameters
    ----------
    comparison : pandas.DataFrame
        :func:`influence_lib.compare.estimands_side_by_side` ``comparison``.
    ranks, runs : pandas.DataFrame
        :class:`influence_lib.sensitivity.UncertaintyAnalysis`.
    sobol : pandas.DataFrame
        :func:`influence_lib.sensitivity.sensitivity_analysis`.
    top : int
    """
    sentences = []
    if len(comparison):
        kept = comparison["top_kept"].to_numpy()
        labels = [estimand_label(b) for b in comparison["b"]]
        least = [label for label, k in zip(labels, kept) if k == kept.min()]
        most = [label for label, k in zip(labels, kept) if k == kept.max()]
        if kept.min() == kept.max():
            sentences.append(f"Quel que soit le score retenu parmi les {len(kept)} autres, le Top {top} publié garde "
                             f"{int(kept.min())} de ses Directions.")
        else:
            sentences.append(
                f"Calculé autrement, le Top {top} publié garde de {int(kept.min())} à {int(kept.max())} de ses "
                f"Directions selon le score retenu : {int(kept.min())} avec {_quoted(least)}, {int(kept.max())} avec "
                f"{_quoted(most)}.")
    n_runs = len(runs)
    if n_runs:
        staying = ranks.loc[(ranks["p_top"] >= ROBUST_SHARE).to_numpy()]
        fragile = ranks.loc[(ranks["p_top"] < ROBUST_SHARE).to_numpy()]
        text = (f"Sur {format_number(n_runs)} combinaisons de choix de calcul tirées au hasard, "
                f"{len(staying)} des {len(ranks)} Directions du Top {top} "
                f"{'y restent' if len(staying) > 1 else 'y reste'} dans au moins "
                f"{format_percent(ROBUST_SHARE)} des tirages")
        if len(fragile):
            text += " ; " + ", ".join(f"{shown_text(n)} (rang {int(r)}) n’y reste que dans {format_share(p)} des tirages"
                                      for n, r, p in zip(fragile["name"], fragile["rank"], fragile["p_top"]))
        sentences.append(text + ".")
        median_shift = float(runs["mean_abs_rank_shift"].median())
        sentences.append(
            f"Dans au moins la moitié des tirages, aucune Direction du Top {top} ne change de rang." if median_shift == 0
            else f"Dans la moitié des tirages, les Directions du Top {top} se déplacent en moyenne de "
                 f"{format_number(median_shift, 1)} {pluralize(median_shift, 'place')} ou moins.")
    mean = sobol.loc[(sobol["target"] == "mean_abs_rank_shift").to_numpy()]
    if len(mean) and float(mean["variance"].iloc[0]) > 0:
        first = mean.iloc[int(mean["total_order"].to_numpy().argmax())]
        small = [FACTOR_LABELS.get(f, shown_text(f)) for f, t in zip(mean["factor"], mean["total_order"])
                 if round(float(t), 2) < NEGLIGIBLE]
        text = (f"Le choix qui pèse le plus sur ces déplacements est « {FACTOR_LABELS.get(first['factor'], first['factor'])} » "
                f"(indice total {_decimal(first['total_order'], 2)} : la part de leur variance qui lui revient, "
                f"interactions comprises)")
        if small:
            text += (f" ; {_quoted(small)} n’y {'sont' if len(small) > 1 else 'est'} presque pour rien (indice total "
                     f"inférieur à {_decimal(NEGLIGIBLE, 2)})")
        sentences.append(text + ".")
    return sentences


def robustness_text(comparison: pd.DataFrame, ranks: pd.DataFrame) -> str:
    """The section's figures nbval checks, as plain text: the estimands table and the rank bands."""
    table = pd.DataFrame({
        "Score": [str(b) for b in comparison["b"]],
        "Spearman": [_decimal(v) for v in comparison["spearman"]],
        "Kendall": [_decimal(v) for v in comparison["kendall_tau_b"]],
        "RBO": [_decimal(v) for v in comparison["rbo"]],
        "Gardées": [str(int(v)) for v in comparison["top_kept"]],
        "Écart max": [str(int(v)) for v in comparison["max_shift_in_top"]],
    })
    bands = pd.DataFrame({
        "Rang": [str(int(v)) for v in ranks["rank"]],
        "Direction": [shown_text(v) for v in ranks["name"]],
        "Médian": [str(int(v)) for v in ranks["median_rank"]],
        "Bande": [f"{int(lo)}-{int(hi)}" for lo, hi in zip(ranks["rank_low"], ranks["rank_high"])],
        "Top": [_decimal(v, 3) for v in ranks["p_top"]],
    })
    return "\n".join(_fixed_width(table, set(table.columns[1:])) + [""]
                     + _fixed_width(bands, {"Rang", "Médian", "Bande", "Top"}))
