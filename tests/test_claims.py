"""Claims of the faits marquants on generated data: a format or a moment is named only when the data support it.

Posts are generated with an author effect (an author's posts are alike: a lognormal level per
author, a lognormal spread per post), so that resampling posts instead of authors would make
chance differences look sure. Two scenarios per claim: no difference at all (the sentence must
not claim one in at least 90 % of seeds) and a threefold difference (it must).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from influence_lib import highlights as hl
from influence_lib import trends

SEEDS = range(40)
N_BOOT = 200
FORMAT_CLAIM = "sont les plus engageants"
MOMENT_CLAIM = "que les posts engagent le plus"
START = pd.Timestamp("2021-01-04 00:00")  # a Monday; times are Paris wall-clock times, localised at the end


def authored_posts(seed: int, n_authors: int = 60, posts_per_author: int = 20) -> pd.DataFrame:
    """Posts of ``n_authors`` authors (``member_id``, ``level`` of the author), without groups yet."""
    rng = np.random.default_rng(seed)
    level = rng.lognormal(2.5, 1.0, n_authors)
    counts = rng.poisson(posts_per_author, n_authors) + 1
    author = np.repeat(np.arange(n_authors), counts)
    return pd.DataFrame({"member_id": [f"m{a:03d}" for a in author], "level": level[author],
                         "noise": rng.lognormal(0.0, 0.8, len(author)), "u": rng.random(len(author)),
                         "preference": rng.beta(2, 2, n_authors)[author]})


def paris(stamps) -> pd.Series:
    """Paris wall-clock times as UTC instants (summer time included), as scored posts hold them."""
    return pd.Series(pd.DatetimeIndex(stamps).tz_localize("Europe/Paris").tz_convert("UTC"))


def engagement(frame: pd.DataFrame, factor: np.ndarray, seed: int) -> np.ndarray:
    return np.random.default_rng(seed + 1000).poisson(frame["level"] * frame["noise"] * factor).astype(np.int64)


def format_posts(seed: int, ratio: float) -> pd.DataFrame:
    """Video and document posts; each author has their own taste for one or the other."""
    frame = authored_posts(seed)
    fmt = np.where(frame["u"] < frame["preference"], "video", "document")
    return pd.DataFrame({"member_id": frame["member_id"], "format": fmt,
                         "engagement": engagement(frame, np.where(fmt == "document", ratio, 1.0), seed)})


SLOTS = [(d, h) for d in (0, 1) for h in (9, 10, 14, 15, 16)]  # ten weekday slots, mornings and afternoons


def timed_posts(seed: int, ratio: float, favourite: tuple[int, int] = (1, 10)) -> pd.DataFrame:
    """Posts spread over :data:`SLOTS` (Paris time); the ``favourite`` slot's engagement is ``ratio`` times the rest."""
    frame = authored_posts(seed, n_authors=80)
    rng = np.random.default_rng(seed + 2000)
    slot = rng.integers(0, len(SLOTS), len(frame))
    weekday = np.array([SLOTS[s][0] for s in slot])
    hour = np.array([SLOTS[s][1] for s in slot])
    minute = rng.integers(0, 60, len(frame))
    week = rng.integers(0, 20, len(frame))
    stamps = (START + pd.to_timedelta(week * 7 + weekday, unit="D") + pd.to_timedelta(hour, unit="h")
              + pd.to_timedelta(minute, unit="min"))
    factor = np.where((weekday == favourite[0]) & (hour == favourite[1]), ratio, 1.0)
    return pd.DataFrame({"member_id": frame["member_id"], "published_at": paris(stamps),
                         "engagement": engagement(frame, factor, seed)})


def format_sentences(posts: pd.DataFrame, seed: int) -> list[str]:
    facts = hl.collect_facts(format_comparison=trends.format_comparison(posts, seed=seed, n_boot=N_BOOT))
    return hl.build_highlights(facts)


def moment_sentences(posts: pd.DataFrame, seed: int) -> list[str]:
    facts = hl.collect_facts(moment_comparison=trends.moment_comparison(posts, seed=seed, n_boot=N_BOOT))
    return hl.build_highlights(facts)


def test_equal_formats_are_not_called_more_engaging():
    claims = [any(FORMAT_CLAIM in s for s in format_sentences(format_posts(seed, 1.0), seed)) for seed in SEEDS]
    assert np.mean(claims) <= 0.10, f"{sum(claims)} false claims in {len(claims)} seeds"
    hedged = format_sentences(format_posts(0, 1.0), 0)
    assert len(hedged) == 1 and hedged[0].startswith("Aucun format ne se détache nettement")
    assert "médian" in hedged[0] and "intervalle à 90" in hedged[0]


def test_a_format_three_times_as_engaging_is_named_with_its_median_and_interval():
    named = []
    for seed in SEEDS:
        sentences = format_sentences(format_posts(seed, 3.0), seed)
        named.append(any(s.startswith("En médiane, les posts au format document sont les plus engageants")
                         for s in sentences))
    assert np.mean(named) >= 0.90, f"named in {sum(named)} of {len(named)} seeds"
    sentence = format_sentences(format_posts(0, 3.0), 0)[0]
    assert "contre" in sentence and "vidéo" in sentence and "intervalle à 90" in sentence


def test_resampling_authors_is_what_keeps_chance_differences_out():
    """The same rule resampling posts would break the promise on these data: the clusters matter."""
    by_author, by_post = [], []
    for seed in SEEDS:
        posts = format_posts(seed, 1.0)
        comparison = trends.format_comparison(posts, seed=seed, n_boot=N_BOOT)
        by_author.append(bool(comparison["supported"].iloc[0]))
        by_post.append(bool(trends.format_comparison(posts.assign(member_id=[f"p{i}" for i in range(len(posts))]),
                                                     seed=seed, n_boot=N_BOOT)["supported"].iloc[0]))
    assert np.mean(by_post) > 0.10 >= np.mean(by_author), (sum(by_post), sum(by_author))


def test_equal_slots_give_no_best_moment():
    claims, contrasts = [], []
    for seed in SEEDS:
        sentences = moment_sentences(timed_posts(seed, 1.0), seed)
        claims.append(any(MOMENT_CLAIM in s for s in sentences))
        contrasts.append(any("engagent davantage" in s for s in sentences))
    assert np.mean(claims) <= 0.10, f"{sum(claims)} false claims in {len(claims)} seeds"
    assert np.mean(contrasts) <= 0.10, f"{sum(contrasts)} false contrasts in {len(contrasts)} seeds"
    hedged = moment_sentences(timed_posts(0, 1.0), 0)
    assert hedged[0].startswith("Aucun créneau de publication ne se détache nettement")


def test_a_slot_three_times_as_engaging_is_named():
    named = [any(s.startswith("C’est le mardi entre 10\u00a0h et 11\u00a0h que les posts engagent le plus, en médiane")
                 for s in moment_sentences(timed_posts(seed, 3.0), seed)) for seed in SEEDS]
    assert np.mean(named) >= 0.90, f"named in {sum(named)} of {len(named)} seeds"


def test_a_coarser_difference_is_told_when_no_slot_stands_out():
    """Mornings three times as engaging as afternoons: the 10 slots are too close to crown one, the day part is not."""
    told = []
    for seed in range(10):
        posts = timed_posts(seed, 1.0)
        hours = posts["published_at"].dt.tz_convert("Europe/Paris").dt.hour
        rng = np.random.default_rng(seed)
        posts["engagement"] = np.where(hours < 12, posts["engagement"] * 3 + rng.integers(0, 2, len(posts)),
                                       posts["engagement"])
        sentences = moment_sentences(posts, seed)
        told.append(any(s.startswith("Les posts publiés le matin") and "engagent davantage que ceux de l’après-midi" in s
                        for s in sentences) or any(MOMENT_CLAIM in s for s in sentences))
    assert all(told)


def test_a_cell_under_the_minimum_is_never_named_and_blank_in_the_grid():
    posts = timed_posts(3, 1.0)
    rare = pd.DataFrame({"member_id": [f"r{i}" for i in range(5)],
                         "published_at": paris(pd.DatetimeIndex([START + pd.Timedelta(days=2, hours=7, minutes=i)
                                                                 for i in range(5)])),
                         "engagement": [100_000] * 5})  # Wednesday 7-8 h: five posts, a huge median
    posts = pd.concat([posts, rare], ignore_index=True)
    heatmap = trends.posting_heatmap(posts)
    cell = heatmap.set_index(["weekday", "hour"]).loc[(2, 7)]
    assert cell["posts"] == 5 and cell["median_engagement"] == 100_000  # the table keeps the raw cell
    grid = trends.heatmap_grid(heatmap, "median_engagement", min_posts=trends.MIN_POSTS)
    assert np.isnan(grid.loc[2, 7])
    assert not np.isnan(grid.loc[1, 10])  # a cell with enough posts keeps its median
    assert int(trends.heatmap_grid(heatmap, "posts").loc[2, 7]) == 5  # counts are shown as they are
    moments = trends.best_moments(heatmap)
    assert (moments["posts"] >= trends.MIN_POSTS).all() and not ((moments["weekday"] == 2) & (moments["hour"] == 7)).any()
    comparison = trends.moment_comparison(posts, seed=3, n_boot=N_BOOT)
    slot = comparison.set_index("comparison").loc["slot"]
    assert "2-07" not in (slot["best"], slot["runner_up"]) and slot["groups"] == len(SLOTS)
    assert not any("mercredi entre 7\u00a0h" in s for s in moment_sentences(posts, 3))


def test_the_minimum_posts_is_applied_to_formats_too():
    posts = format_posts(1, 3.0)
    rare = pd.DataFrame({"member_id": ["z1", "z2"], "format": ["poll", "poll"], "engagement": [10_000, 10_000]})
    comparison = trends.format_comparison(pd.concat([posts, rare], ignore_index=True), seed=1, n_boot=N_BOOT)
    assert comparison["best"].iloc[0] == "document" and comparison["groups"].iloc[0] == 2


@pytest.mark.parametrize("rows", [0, 1])
def test_no_comparison_without_two_groups(rows):
    posts = format_posts(1, 1.0).head(rows * 40)
    posts["format"] = "video"
    assert trends.format_comparison(posts, seed=1, n_boot=N_BOOT).empty
    assert "formats" not in hl.collect_facts(format_comparison=trends.format_comparison(posts, seed=1, n_boot=N_BOOT))
