"""Shared fixtures: a small hand-made dataset whose every score is computed by hand in the tests."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import matplotlib

matplotlib.use("Agg")

# Validated snapshots (influence_lib.snapshot) go to a folder of this test process, never to the
# user's cache: every test that loads a dataset twice goes through a snapshot the second time.
if "INFLUENCE_CACHE_DIR" not in os.environ:
    os.environ["INFLUENCE_CACHE_DIR"] = tempfile.mkdtemp(prefix="influence-test-cache-")
    atexit.register(shutil.rmtree, os.environ["INFLUENCE_CACHE_DIR"], True)

import pytest  # noqa: E402

from tests.helpers import write_dataset  # noqa: E402

ORGS = [
    ("o1", "Gamma", "sante", "labo", "FR"),
    ("o2", "Écho", "sante", "labo", "FR"),
    ("o3", "Delta", "sante", "labo", "FR"),
    ("o4", "alpha", "sante", "labo", "BE"),
    ("o5", "Vide", "sante", "labo", "FR"),       # no members at all
    ("o6", "Medi", "sante", "medtech", "FR"),
    ("t1", "Soft", "tech", "soft", "FR"),
]
MEMBERS = [
    ("m1", "o1", "Zoé Martin", "Directrice Générale", "ceo", "f"),
    ("m2", "o1", "Yann Petit", "CFO", "finance", "m"),       # no account
    ("m3", "o2", "Éric Durand", "PDG", "ceo", "m"),
    ("m4", "o2", "Anne Roux", "DRH", "hr", "f"),
    ("m5", "o3", "Paul Blanc", "CEO", "ceo", "m"),
    ("m6", "o4", "Léa Noir", "Présidente", "chair", "f"),
    ("m7", "o6", "Marc Vert", "CEO", "ceo", "m"),
    ("m8", "t1", "Tom Tech", "CEO", "ceo", "m"),
]
ACCOUNTS = [
    ("a1", "m1", "linkedin", "https://www.linkedin.com/in/zoe/", 1200),
    ("a2", "m1", "twitter", "@zoe", 300),                    # same member, second platform
    ("a3", "m3", "linkedin", "https://www.linkedin.com/in/eric/", None),
    ("a4", "m4", "linkedin", "https://www.linkedin.com/in/anne/", 10),
    ("a5", "m5", "linkedin", "https://www.linkedin.com/in/paul/", 10),
    ("a6", "m6", "linkedin", "https://www.linkedin.com/in/lea/", 10),
    ("a7", "m7", "linkedin", "https://www.linkedin.com/in/marc/", 10),
    ("a8", "m8", "linkedin", "https://www.linkedin.com/in/tom/", 10),
]
# Edition 2021 is [2020-06-01, 2021-06-01) UTC.
POSTS = [
    ("p1", "a1", "2020-06-01T00:00:00Z", "original", "text", 50, 20, 10, None),      # at start: counts, 80
    ("p2", "a2", "2021-01-10T12:00:00+01:00", "original", "text", 5, 3, 2, 0),      # twitter, 10
    ("p3", "a3", "2021-05-31T23:59:59Z", "original", "video", 40, 0, 0, None),      # last second: counts, 40
    ("p4", "a4", "2021-06-01T01:30:00+02:00", "quote", "image", 30, 5, 5, None),    # = 05-31 23:30 UTC: counts, 40
    ("p5", "a5", "2020-09-01 10:00:00", "", "text", 70, 5, 5, None),                # naive = UTC, kind empty = original, 80
    ("p6", "a5", "2021-06-01T00:00:00Z", "original", "text", 1000, 0, 0, None),     # at end: excluded
    ("p7", "a5", "2020-05-31T23:59:59Z", "original", "text", 1000, 0, 0, None),     # before start: 2020 edition
    ("p8", "a3", "2020-10-01T10:00:00Z", "repost", "text", 999, 0, 0, None),        # repost: never counts
    ("p9", "a4", "2020-10-01T10:00:00Z", "reply", "text", 999, 0, 0, None),         # reply: never counts
    ("p10", "a6", "2020-12-01T10:00:00Z", "original", "image", 60, None, 10, None), # empty comments: 70, reported
    ("p11", "a7", "2020-12-01T09:00:00-03:00", "original", "text", 5, 0, 0, None),  # 5
    ("p12", "a8", "2020-12-01T10:00:00Z", "original", "text", 100, 0, 0, None),     # other sector
    ("p13", "a6", "2020-06-01T01:00:00+02:00", "original", "text", 500, 0, 0, None),# = 05-31 23:00 UTC: 2020 edition
]


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    """Folder of the hand-made dataset."""
    return write_dataset(tmp_path_factory.mktemp("tiny"), ORGS, MEMBERS, ACCOUNTS, POSTS)


@pytest.fixture(scope="session")
def tiny(tiny_dir):
    """The hand-made dataset, loaded."""
    from influence_lib.dataset import load_dataset
    return load_dataset(tiny_dir)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt
    plt.close("all")


@pytest.fixture()
def snapshot_cache(tmp_path, monkeypatch):
    """A snapshot folder of this test alone (``INFLUENCE_CACHE_DIR``)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("INFLUENCE_CACHE_DIR", str(folder))
    return folder


@pytest.fixture()
def sample_copy(tmp_path):
    """A copy of the embedded sample, which a test may change."""
    from influence_lib.dataset import SAMPLE_DIR

    target = tmp_path / "data"
    shutil.copytree(SAMPLE_DIR, target)
    return target
