"""The figures' layout: fitted once, as ``tight_layout`` fits it, and drawn once per saved file."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from influence_lib import plots


def _figures():
    ranking = pd.DataFrame({"rank": [1, 2, 3], "name": ["Alpha", "Bêta longue Direction", "Gamma"],
                            "score": [1200.0, 800.0, 15.0]})
    values = pd.Series([0, 1, 5, 12, 40, 300, 2500], dtype=float)
    return {
        "leaders": lambda: plots.plot_leaders(ranking, "Top 3 : un titre", n=3),
        "distribution": lambda: plots.plot_log_distribution(values, "Engagement par post", "Engagement"),
        "bars": lambda: plots.plot_bars(["texte", "vidéo", "image"], [12.0, 30.5, 7.25], "Formats", "Médiane",
                                        errors=(np.array([10.0, 25.0, 5.0]), np.array([14.0, 36.0, 9.0]))),
        "sobol": lambda: plots.plot_sobol(["poids", "période"], [0.4, 0.1], [0.6, 0.2], "Indices de Sobol"),
    }


@pytest.mark.parametrize("name", list(_figures()))
def test_a_figure_is_laid_out_as_tight_layout_does_and_keeps_no_layout_engine(name):
    make = _figures()[name]
    fig = make()
    assert fig.get_layout_engine() is None
    reference = make()
    reference.tight_layout()  # what the figures used to call: the same margins
    for side in ("left", "right", "bottom", "top", "wspace", "hspace"):
        assert getattr(fig.subplotpars, side) == pytest.approx(getattr(reference.subplotpars, side), abs=1e-12)
    plt.close("all")


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_saving_a_figure_draws_it_once(fmt, monkeypatch):
    """A figure left with a layout engine (even tight_layout's placeholder) is drawn twice by every save."""
    fig = _figures()["leaders"]()
    draws = []
    draw = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: (draws.append(1), draw(self, renderer))[1])
    fig.savefig(io.BytesIO(), format=fmt)
    assert len(draws) == 1
    plt.close("all")
