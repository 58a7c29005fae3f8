"""The report’s visual theme and one function per figure; each returns a matplotlib Figure."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.layout_engine import TightLayoutEngine

from influence_lib.frenchify import format_month, format_number, platform_label
from influence_lib.safe_text import label_text

PALETTE = ["#1f4e79", "#e07a1f", "#3a9a5b", "#b83a4b", "#7a5aa6", "#8c6d46", "#4aa3b8", "#9a9a9a"]
PLATFORM_COLORS = {"linkedin": "#1f4e79", "twitter": "#4aa3b8", "bluesky": "#7a5aa6"}
THEME = {
    "figure.figsize": (8.0, 4.5),
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,  # grid lines behind the bars
    "axes.grid.axis": "y",
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "axes.formatter.use_locale": False,
    "svg.hashsalt": "influence",  # stable element ids in SVG files
    "svg.fonttype": "none",
    "text.parse_math": False,  # names and labels from the data are drawn as text: "$" is never mathematics
    "text.usetex": False,
}
TITLE_LIMIT = 90  # characters of a title; a bar's or a tick's label keeps label_text's default (60)


def apply_theme() -> None:
    """Set the shared visual theme (fonts, colours, grid) for every later figure."""
    mpl.rcParams.update(THEME)


def _lay_out_tight(fig: plt.Figure) -> None:
    """Fit the figure's Axes and labels inside it, once, as ``Figure.tight_layout`` does, leaving no layout engine behind.

    ``Figure.tight_layout`` leaves a placeholder layout engine on the figure, and matplotlib draws
    a figure that has one twice on every save (once to lay it out, once to print it): the PNG and
    SVG files each paid for a drawing that changed nothing. (The notebook's image, cropped to its
    content, still needs its two drawings.)
    """
    TightLayoutEngine().execute(fig)


def _french_thousands(axis, counts: bool = False) -> None:
    """French thousands separators on an axis; ``counts`` keeps its ticks on whole numbers."""
    if counts:
        axis.set_major_locator(mticker.MaxNLocator(integer=True))
    axis.set_major_formatter(mticker.FuncFormatter(lambda v, _: format_number(v, sep="\u202f")))


def plot_leaders(ranking: pd.DataFrame, title: str, n: int = 15, label_column: str = "name") -> plt.Figure:
    """Horizontal bars of the score of the first ``n`` rows of a ranking, the leader on top.

    Parameters
    ----------
    ranking : pandas.DataFrame
        A ranking in display order (``rank``, ``score`` and ``label_column``).
    title : str
    n : int
        Number of bars.
    label_column : str
        Column naming each bar.
    """
    apply_theme()
    head = ranking.head(n)
    fig, ax = plt.subplots(figsize=(8.0, max(2.5, 0.32 * len(head) + 1.0)))
    labels = [f"{r}. {label_text(name)}" for r, name in zip(head["rank"], head[label_column])]
    y = np.arange(len(head))[::-1]
    ax.barh(y, head["score"].to_numpy(dtype=float), color=PALETTE[0])
    ax.set_yticks(y, labels)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    _french_thousands(ax.xaxis)
    ax.set_xlabel("Score")
    ax.set_title(label_text(title, TITLE_LIMIT))
    _lay_out_tight(fig)
    return fig


def plot_log_distribution(values: pd.Series, title: str, xlabel: str) -> plt.Figure:
    """Histogram of positive values on a logarithmic axis (engagement is heavy-tailed); zeros are counted in the title."""
    apply_theme()
    data = pd.Series(values, dtype=float).dropna()
    positive = data[data > 0]
    fig, ax = plt.subplots()
    if len(positive):
        bins = np.logspace(0, np.log10(max(positive.max(), 10)) + 0.05, 30)
        ax.hist(positive, bins=bins, color=PALETTE[0], edgecolor="white", linewidth=0.5)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: format_number(v)))
    ax.set_xlabel(label_text(xlabel, TITLE_LIMIT))
    ax.set_ylabel("Effectif")
    zeros = int((data <= 0).sum())
    ax.set_title(label_text(title, TITLE_LIMIT) + (f" ({format_number(zeros)} à zéro, non représentés)" if zeros else ""))
    _lay_out_tight(fig)
    return fig


def plot_monthly(monthly: pd.DataFrame, title: str, value: str = "engagement",
                 group: str | None = "platform", previous: pd.DataFrame | None = None) -> plt.Figure:
    """Monthly bars (stacked by ``group``), with an optional line for the previous edition.

    Parameters
    ----------
    monthly : pandas.DataFrame
        ``month`` (first day of the month), ``group`` and ``value`` columns.
    title : str
    value : str
        Column to plot.
    group : str, optional
        Column to stack by (e.g. platform).
    previous : pandas.DataFrame, optional
        Same shape for the previous edition, aligned month by month (drawn as a line).
    """
    apply_theme()
    fig, ax = plt.subplots()
    table = (monthly.pivot_table(index="month", columns=group, values=value, aggfunc="sum", fill_value=0, observed=False)
             if group else monthly.set_index("month")[[value]])
    x = np.arange(len(table))
    bottom = np.zeros(len(table))
    for i, col in enumerate(table.columns):
        color = PLATFORM_COLORS.get(str(col), PALETTE[i % len(PALETTE)])
        ax.bar(x, table[col].to_numpy(dtype=float), bottom=bottom, color=color, label=platform_label(col), width=0.8)
        bottom += table[col].to_numpy(dtype=float)
    if previous is not None and len(previous):
        prev = previous.groupby("month")[value].sum().to_numpy(dtype=float)[: len(x)]
        ax.plot(x[: len(prev)], prev, color="#333333", marker="o", markersize=3, linewidth=1.2, label="Édition précédente")
    ax.set_xticks(x, [format_month(m, short=True) for m in table.index], fontsize=8)
    _french_thousands(ax.yaxis, counts=value == "posts")
    ax.set_title(label_text(title, TITLE_LIMIT))
    ax.legend(frameon=False, fontsize=8)
    _lay_out_tight(fig)
    return fig


def plot_bars(labels, values, title: str, xlabel: str = "", errors: tuple | None = None,
              color: str | None = None) -> plt.Figure:
    """Vertical bars with optional interval whiskers (``errors`` = (low, high) arrays)."""
    apply_theme()
    fig, ax = plt.subplots()
    values = np.asarray(values, dtype=float)
    x = np.arange(len(values))
    yerr = None
    if errors is not None:
        low, high = (np.asarray(e, dtype=float) for e in errors)
        yerr = np.vstack([values - low, high - values])
    ax.bar(x, values, color=color or PALETTE[0], yerr=yerr, capsize=3, ecolor="#333333")
    ax.set_xticks(x, [label_text(label) for label in labels])
    ax.set_xlabel(label_text(xlabel, TITLE_LIMIT))
    _french_thousands(ax.yaxis)
    ax.set_title(label_text(title, TITLE_LIMIT))
    _lay_out_tight(fig)
    return fig


def plot_heatmap(grid: pd.DataFrame, title: str, colorbar_label: str, blank_label: str | None = None) -> plt.Figure:
    """A heatmap of a wide frame (rows: e.g. weekdays, columns: hours); missing cells are greyed and hatched.

    Parameters
    ----------
    grid : pandas.DataFrame
        Values to colour; NaN cells (no value, or too few posts to show one) are drawn as a grey
        hatched background, never as a colour of the scale.
    title : str
    colorbar_label : str
    blank_label : str, optional
        Legend of the greyed cells, shown under the map when there are any (e.g. "Moins de 30
        posts : case non renseignée").
    """
    apply_theme()
    fig, ax = plt.subplots(figsize=(9.0, 3.9 if blank_label else 3.6))
    data = grid.to_numpy(dtype=float)
    rows, columns = data.shape
    blank = {"facecolor": "#eeeeee", "edgecolor": "#bbbbbb", "hatch": "////", "linewidth": 0}
    ax.add_patch(mpl.patches.Rectangle((-0.5, -0.5), columns, rows, zorder=0, **blank))
    cmap = mpl.colormaps["Blues"].with_extremes(bad=(0.0, 0.0, 0.0, 0.0))  # NaN cells show the hatched ground
    image = ax.imshow(np.ma.masked_invalid(data), aspect="auto", cmap=cmap, zorder=1)
    ax.set_yticks(np.arange(len(grid.index)), [label_text(i) for i in grid.index])
    ax.set_xticks(np.arange(len(grid.columns)), [label_text(c) for c in grid.columns], fontsize=8)
    ax.grid(False)
    ax.set_title(label_text(title, TITLE_LIMIT))
    bar = fig.colorbar(image, ax=ax)
    bar.set_label(label_text(colorbar_label, TITLE_LIMIT))
    bar.ax.yaxis.set_major_formatter(mticker.FuncFormatter(
        lambda v, _: format_number(v, 0 if float(v).is_integer() else 1, sep="\u202f")))
    if blank_label and np.isnan(data).any():
        ax.legend(handles=[mpl.patches.Patch(label=label_text(blank_label), **blank)], loc="upper left",
                  bbox_to_anchor=(0.0, -0.1), frameon=False, fontsize=8, handlelength=1.6)
    _lay_out_tight(fig)
    return fig


def plot_direction_activity(monthly: pd.DataFrame, org_id: str) -> plt.Figure:
    """A Direction’s month-by-month engagement (bars) and counted posts (line), from ``monthly_activity(by="org_id")``."""
    apply_theme()
    data = monthly[monthly["org_id"] == org_id].sort_values("month")
    fig, ax = plt.subplots(figsize=(7.5, 2.6))
    x = np.arange(len(data))
    ax.bar(x, data["engagement"].to_numpy(dtype=float), color=PALETTE[0], label="Engagement")
    ax.set_xticks(x, [format_month(m, short=True) for m in data["month"]], fontsize=7)
    _french_thousands(ax.yaxis)
    ax.set_ylabel("Engagement")
    posts_ax = ax.twinx()
    posts_ax.plot(x, data["posts"].to_numpy(dtype=float), color=PALETTE[1], marker="o", markersize=3, linewidth=1.2)
    posts_ax.set_ylabel("Posts", color=PALETTE[1])
    posts_ax.grid(False)
    posts_ax.spines["right"].set_visible(True)
    posts_ax.set_ylim(bottom=0)
    _french_thousands(posts_ax.yaxis, counts=True)
    _lay_out_tight(fig)
    return fig


def plot_rank_bands(ranks: pd.DataFrame, title: str, xlabel: str = "Rang") -> plt.Figure:
    """Each Direction's band of ranks over many runs: 5th to 95th percentile (bar), median (dot), published (cross).

    Parameters
    ----------
    ranks : pandas.DataFrame
        ``rank``, ``name``, ``median_rank``, ``rank_low``, ``rank_high`` (an uncertainty
        analysis, :func:`influence_lib.sensitivity.uncertainty_analysis`), in published order;
        the first row is drawn on top.
    title : str
    xlabel : str
    """
    apply_theme()
    fig, ax = plt.subplots(figsize=(8.0, max(2.5, 0.34 * len(ranks) + 1.2)))
    y = np.arange(len(ranks))[::-1]
    low, high = ranks["rank_low"].to_numpy(dtype=float), ranks["rank_high"].to_numpy(dtype=float)
    ax.hlines(y, low - 0.15, high + 0.15, color=PALETTE[0], linewidth=6, alpha=0.35, label="Rangs de 5 % à 95 % des tirages")
    ax.plot(ranks["median_rank"].to_numpy(dtype=float), y, "o", color=PALETTE[0], markersize=6, label="Rang médian")
    ax.plot(ranks["rank"].to_numpy(dtype=float), y, "x", color=PALETTE[1], markersize=7, mew=2, label="Rang publié")
    ax.set_yticks(y, [f"{int(r)}. {label_text(n)}" for r, n in zip(ranks["rank"], ranks["name"])])
    ax.set_xlim(0.5, max(float(high.max()) if len(high) else 1.0, 1.0) + 0.5)
    ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.set_xlabel(label_text(xlabel, TITLE_LIMIT))
    ax.set_title(label_text(title, TITLE_LIMIT))
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    _lay_out_tight(fig)
    return fig


def plot_sobol(labels, first_order, total_order, title: str) -> plt.Figure:
    """First-order and total Sobol index of each factor, as paired horizontal bars (the first factor on top).

    Parameters
    ----------
    labels : sequence of str
        The factors' names for readers.
    first_order, total_order : array-like of float
        The indices, in ``labels`` order.
    title : str
    """
    apply_theme()
    first, total = np.asarray(first_order, dtype=float), np.asarray(total_order, dtype=float)
    fig, ax = plt.subplots(figsize=(8.0, max(2.5, 0.45 * len(first) + 1.2)))
    y = np.arange(len(first))[::-1]
    ax.barh(y + 0.18, total, height=0.36, color=PALETTE[0], label="Indice total (interactions comprises)")
    ax.barh(y - 0.18, first, height=0.36, color=PALETTE[1], label="Indice de premier ordre (effet seul)")
    ax.set_yticks(y, [label_text(label) for label in labels])
    ax.set_xlim(min(0.0, float(np.nanmin(np.r_[first, total, 0.0]))), max(1.0, float(np.nanmax(np.r_[first, total, 0.0]))))
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: format_number(v, 1)))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.set_xlabel("Part de la variance du déplacement moyen des rangs")
    ax.set_title(label_text(title, TITLE_LIMIT))
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    _lay_out_tight(fig)
    return fig
