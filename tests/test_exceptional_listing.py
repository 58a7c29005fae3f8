"""The report's list of exceptional posts: the first rows, and a caption that says how many there are."""

from __future__ import annotations

import re

import pandas as pd

from influence_lib.presentation import EXCEPTIONAL_SHOWN, exceptional_posts_html


def _flagged(n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "full_name": [f"<b>Auteur {i}</b>" for i in range(n)], "name": ["Direction & Co"] * n,
        "published_at": pd.to_datetime(["2021-03-01T10:00:00Z"] * n), "format": ["video"] * n,
        "engagement": [1000 - i for i in range(n)], "usual_engagement": [10.0] * n,
        "times_usual": [100.0 - i for i in range(n)], "excerpt": ["Bravo"] * n,
    })


def _rows(page: str) -> list[str]:
    return re.findall(r"<tr>.*?</tr>", page, flags=re.S)[1:]  # the header row left out


def test_a_long_list_shows_its_first_rows_and_says_how_many_there_are():
    page = exceptional_posts_html(_flagged(1203), shown=3)
    assert len(_rows(page)) == 3
    assert "Auteur 0" in page and "Auteur 2" in page and "Auteur 3" not in page  # highest multiples, in order
    caption = re.search(r"<caption>(.*?)</caption>", page).group(1)
    assert "Les 3 posts au plus fort multiple" in caption and "sur 1\u202f203" in caption
    assert "<b>" not in page and "&lt;b&gt;Auteur 0&lt;/b&gt;" in page  # names from the data stay text


def test_a_short_list_is_shown_whole_without_caption():
    page = exceptional_posts_html(_flagged(EXCEPTIONAL_SHOWN))
    assert len(_rows(page)) == EXCEPTIONAL_SHOWN and "<caption>" not in page
    assert len(_rows(exceptional_posts_html(_flagged(0)))) == 0
