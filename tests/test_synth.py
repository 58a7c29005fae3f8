"""Tests of the deterministic sample generator (influence_lib.synth)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from influence_lib import synth
from influence_lib.synth import constants

PROJECT = Path(__file__).resolve().parents[1]

SPEC_COLUMNS = {
    "organizations": ["org_id", "name", "sector", "segment", "country"],
    "members": ["member_id", "org_id", "full_name", "role", "role_category", "gender"],
    "accounts": ["account_id", "member_id", "platform", "handle", "followers"],
    "posts": [
        "post_id", "account_id", "published_at", "kind", "format", "likes", "comments",
        "shares", "quotes", "impressions", "text", "url",
    ],
}
FILE_NAMES = ["organizations.csv", "members.csv", "accounts.csv", "posts.csv", "dataset.yml"]
COUNTS = ["likes", "comments", "shares", "quotes"]


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    """The sample (scale 1, default seed) written once for the module."""
    out = tmp_path_factory.mktemp("sample")
    paths = synth.write_dataset(out)
    assert [p.name for p in paths] == FILE_NAMES
    return out


@pytest.fixture(scope="module")
def raw(sample_dir):
    """The four tables as written, every cell as text ('' when empty)."""
    return {
        name: pd.read_csv(sample_dir / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in SPEC_COLUMNS
    }


@pytest.fixture(scope="module")
def settings(sample_dir):
    return yaml.safe_load((sample_dir / "dataset.yml").read_text(encoding="utf-8"))


def _counted_posts(raw, settings, sector, edition):
    """Counted posts of a sector and edition with their platform and engagement (spec section 2)."""
    posts = raw["posts"].copy()
    when = pd.to_datetime(posts["published_at"], utc=True)
    period = settings["editions"][edition]
    start = pd.Timestamp(period["start"], tz="UTC")
    end = pd.Timestamp(period["end"], tz="UTC")
    kind = posts["kind"].replace("", "original")
    counted = kind.isin(["original", "quote"]) & (when >= start) & (when < end)
    posts = posts[counted]
    values = posts[COUNTS].replace("", np.nan).apply(pd.to_numeric)
    posts = posts.assign(engagement=values.sum(axis=1, min_count=0))
    owners = (
        raw["accounts"][["account_id", "member_id", "platform"]]
        .merge(raw["members"][["member_id", "org_id"]], on="member_id")
        .merge(raw["organizations"][["org_id", "sector"]], on="org_id")
    )
    posts = posts.merge(owners, on="account_id", how="left")
    return posts[posts["sector"] == sector]


def test_files_are_plain_utf8_csv_with_spec_columns(sample_dir, raw):
    for name, columns in SPEC_COLUMNS.items():
        data = (sample_dir / f"{name}.csv").read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf"), f"{name}: byte-order mark"
        assert b"\r" not in data, f"{name}: CR line ending"
        data.decode("utf-8")
        assert data.split(b"\n", 1)[0].decode() == ",".join(columns)
        assert list(raw[name].columns) == columns
    stamps = raw["posts"]["published_at"]
    assert stamps.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|\+00:00)").all()
    for name, frame in raw.items():  # integers are never written with a decimal part
        assert not frame.apply(lambda col: col.str.fullmatch(r"\d+\.0")).any().any(), name


def test_same_seed_gives_identical_bytes_and_other_seed_differs(sample_dir, tmp_path):
    again = synth.write_dataset(tmp_path / "again")
    for path in again:
        assert path.read_bytes() == (sample_dir / path.name).read_bytes(), path.name
    synth.write_dataset(tmp_path / "other", seed=7)
    for name in ["members.csv", "accounts.csv", "posts.csv"]:
        assert (tmp_path / "other" / name).read_bytes() != (sample_dir / name).read_bytes(), name
    assert (tmp_path / "other" / "dataset.yml").read_bytes() == (sample_dir / "dataset.yml").read_bytes()


def test_sante_2021_reproduces_the_methodology_box(raw, settings):
    orgs = raw["organizations"]
    sante_orgs = orgs[orgs["sector"] == "sante"]
    assert len(sante_orgs) == 258
    members = raw["members"][raw["members"]["org_id"].isin(sante_orgs["org_id"])]
    assert len(members) == 1651
    accounts = raw["accounts"][raw["accounts"]["member_id"].isin(members["member_id"])]
    n_accounts = accounts["platform"].value_counts()
    assert 1400 <= n_accounts["linkedin"] <= 1450
    assert 120 <= n_accounts["twitter"] <= 130

    posts = _counted_posts(raw, settings, "sante", "2021")
    linkedin = posts[posts["platform"] == "linkedin"]
    twitter = posts[posts["platform"] == "twitter"]
    assert 10_000 <= len(linkedin) <= 10_500
    assert 487_000 <= linkedin["engagement"].sum() <= 490_000
    assert 8_900 <= twitter["engagement"].sum() <= 9_100
    assert len(twitter) > 0


def test_other_sectors_and_previous_edition_have_data(raw, settings):
    assert len(settings["sectors"]) >= 3
    for sector in settings["sectors"]:
        for edition in settings["editions"]:
            posts = _counted_posts(raw, settings, sector, edition)
            assert set(posts["platform"]) == {"linkedin", "twitter"}, (sector, edition)
            assert posts["engagement"].sum() > 0


def test_dataset_yml_matches_the_spec(settings):
    assert settings == synth.dataset_settings_dict()
    assert settings["title"] == "Classement des Directions les plus influentes"
    assert settings["sectors"]["sante"] == {
        "title": "Santé, Pharma et Biotech",
        "focus": "laboratoires-biotech",
        "segments": [
            {"key": "laboratoires-biotech", "label": "Laboratoires et Biotech", "top": 100},
            {"key": "equipement-medical", "label": "Équipement Médical", "top": 50},
            {"key": "e-sante", "label": "E-Santé", "top": 20},
            {"key": "sante-beaute", "label": "Santé et Beauté", "top": 20},
        ],
    }
    assert settings["editions"]["2021"] == {"start": dt.date(2020, 6, 1), "end": dt.date(2021, 6, 1)}
    assert settings["editions"]["2020"] == {"start": dt.date(2019, 6, 1), "end": dt.date(2020, 6, 1)}
    assert all(isinstance(key, str) for key in settings["editions"])


def test_every_segment_holds_more_organizations_than_its_top(raw, settings):
    orgs = raw["organizations"]
    for sector, conf in settings["sectors"].items():
        keys = {s["key"] for s in conf["segments"]}
        assert set(orgs.loc[orgs["sector"] == sector, "segment"]) == keys
        for segment in conf["segments"]:
            n = ((orgs["sector"] == sector) & (orgs["segment"] == segment["key"])).sum()
            assert n > segment["top"], (sector, segment["key"], n)


def test_ids_unique_and_references_resolve(raw):
    for name, key in [("organizations", "org_id"), ("members", "member_id"),
                      ("accounts", "account_id"), ("posts", "post_id")]:
        assert raw[name][key].is_unique, name
        assert (raw[name][key] != "").all(), name
    assert raw["members"]["org_id"].isin(raw["organizations"]["org_id"]).all()
    assert raw["accounts"]["member_id"].isin(raw["members"]["member_id"]).all()
    assert raw["posts"]["account_id"].isin(raw["accounts"]["account_id"]).all()
    assert raw["organizations"]["org_id"].str.fullmatch(r"org-\d{4}").all()
    assert raw["members"]["member_id"].str.fullmatch(r"mbr-\d{5}").all()
    assert raw["accounts"]["account_id"].str.fullmatch(r"acc-\d{5}").all()
    assert raw["posts"]["post_id"].str.fullmatch(r"post-\d{7}").all()


def test_values_follow_the_contract(raw):
    for col in COUNTS + ["impressions"]:
        assert raw["posts"][col].str.fullmatch(r"\d*").all(), col
    assert raw["accounts"]["followers"].str.fullmatch(r"\d*").all()
    posts = raw["posts"].merge(raw["accounts"][["account_id", "platform"]], on="account_id")
    assert (posts.loc[posts["platform"] == "linkedin", "quotes"] == "").all()
    assert (posts.loc[posts["platform"] == "twitter", "quotes"] != "").mean() > 0.95
    assert set(posts["kind"]) == {"original", "repost", "reply", "quote"}
    assert set(posts["format"]) <= {"text", "image", "video", "article", "document", "poll", "link", "other"}
    assert set(raw["accounts"]["platform"]) == {"linkedin", "twitter"}
    assert set(raw["members"]["gender"]) <= {"f", "m", "x", ""}
    assert set(raw["members"]["role_category"]) <= {
        "ceo", "chair", "finance", "medical", "research", "commercial", "hr",
        "communication", "digital", "operations", "legal", "other",
    }
    assert (raw["members"][["full_name", "role"]] != "").all().all()
    assert raw["organizations"]["country"].str.fullmatch(r"[A-Z]{2}").all()


def test_sample_looks_like_the_real_thing(raw, settings):
    posts = raw["posts"].merge(raw["accounts"][["account_id", "member_id"]], on="account_id")
    members = raw["members"]
    # many members never post, some have no account, a few organisations are silent
    posting = members["member_id"].isin(posts["member_id"])
    assert 0.3 < 1 - posting.mean() < 0.8
    assert (~members["member_id"].isin(raw["accounts"]["member_id"])).sum() > 0
    active_orgs = members.loc[posting, "org_id"]
    assert (~raw["organizations"]["org_id"].isin(active_orgs)).sum() >= 3
    # a few hidden counts, some posts outside every edition
    assert 0.005 < (posts[["likes", "comments", "shares"]] == "").any(axis=1).mean() < 0.03
    when = pd.to_datetime(posts["published_at"], utc=True)
    starts = [pd.Timestamp(e["start"], tz="UTC") for e in settings["editions"].values()]
    ends = [pd.Timestamp(e["end"], tz="UTC") for e in settings["editions"].values()]
    assert ((when < min(starts)) | (when >= max(ends))).sum() > 0
    # weekday and office-hour peaks, a summer dip
    local = when.dt.tz_convert("Europe/Paris")
    assert (local.dt.day_of_week < 5).mean() > 0.8
    assert local.dt.hour.between(8, 18).mean() > 0.7
    per_month = local[(when >= min(starts)) & (when < max(ends))].dt.month.value_counts()
    assert per_month[8] < 0.6 * per_month.drop(8).mean()
    # heavy-tailed engagement and activity
    likes = pd.to_numeric(posts["likes"].replace("", np.nan))
    assert likes.max() > 50 * likes.median()
    per_member = posts.groupby("member_id").size()
    assert per_member.max() > 10 * per_member.median()



def _time_slots(posts):
    """Europe/Paris weekday (0 = Monday) and hour of each post."""
    local = pd.to_datetime(posts["published_at"], utc=True).dt.tz_convert("Europe/Paris")
    return local.dt.day_of_week, local.dt.hour


def test_posting_time_drives_engagement(raw, settings):
    posts = _counted_posts(raw, settings, "sante", "2021")
    weekday, hour = _time_slots(posts)
    engagement = posts["engagement"]
    office_morning = engagement[(weekday < 5) & hour.between(7, 13)].median()
    evening_night = engagement[(hour >= 20) | (hour < 7)].median()
    weekend = engagement[weekday >= 5].median()
    weekday_afternoon = engagement[(weekday < 5) & hour.between(14, 19)].median()
    assert office_morning > 1.6 * evening_night
    assert office_morning > 1.4 * weekend
    assert office_morning > 1.2 * weekday_afternoon > weekend
    # the best weekday x hour cells (at least 50 posts) are weekday mornings and lunch times,
    # mostly Tuesday to Thursday
    cells = posts.assign(weekday=weekday.to_numpy(), hour=hour.to_numpy()).groupby(["weekday", "hour"])
    table = cells["engagement"].agg(["size", "median"])
    best = table[table["size"] >= 50].sort_values("median", ascending=False).head(5)
    days = best.index.get_level_values("weekday")
    hours = best.index.get_level_values("hour")
    assert (days < 5).all() and ((hours >= 7) & (hours <= 13)).all(), best
    assert ((days >= 1) & (days <= 3)).sum() >= 3, best
    worst = table[table["size"] >= 50].sort_values("median").head(5)
    worst_days = worst.index.get_level_values("weekday")
    worst_hours = worst.index.get_level_values("hour")
    assert not ((worst_days < 5) & (worst_hours >= 7) & (worst_hours <= 13)).any(), worst


def test_other_seed_keeps_exact_targets_and_the_time_effect():
    tables = synth.generate_dataset(seed=7)
    posts = tables["posts"].merge(tables["accounts"][["account_id", "member_id", "platform"]], on="account_id")
    posts = posts.merge(tables["members"][["member_id", "org_id"]], on="member_id")
    posts = posts.merge(tables["organizations"][["org_id", "sector"]], on="org_id")
    when = posts["published_at"]
    counted = (posts["kind"].isin(["original", "quote"]) & (posts["sector"] == "sante")
               & (when >= pd.Timestamp("2020-06-01", tz="UTC")) & (when < pd.Timestamp("2021-06-01", tz="UTC")))
    posts = posts[counted]
    engagement = posts[COUNTS].astype("float64").sum(axis=1)
    by_platform = engagement.groupby(posts["platform"]).agg(["size", "sum"])
    assert by_platform.loc["linkedin"].tolist() == [10_250, 488_500]
    assert by_platform.loc["twitter"].tolist() == [1_450, 9_000]
    weekday, hour = _time_slots(posts)
    assert engagement[(weekday < 5) & hour.between(7, 13)].median() > 1.6 * engagement[(hour >= 20) | (hour < 7)].median()


def test_scale_grows_tables_in_proportion():
    base = synth.generate_dataset(scale=1)
    for scale in (0.1, 2):
        scaled = synth.generate_dataset(scale=scale)
        for name, frame in scaled.items():
            ratio = len(frame) / len(base[name]) / scale
            assert 0.85 < ratio < 1.15, (scale, name, ratio)
    tiny = synth.generate_dataset(scale=0.001)
    sectors = synth.dataset_settings_dict()["sectors"]
    segments = {(s, seg["key"]) for s, conf in sectors.items() for seg in conf["segments"]}
    assert set(zip(tiny["organizations"]["sector"], tiny["organizations"]["segment"])) == segments


def test_bad_scale_and_parquet_clash(tmp_path):
    with pytest.raises(ValueError):
        synth.generate_dataset(scale=0)
    (tmp_path / "posts.parquet").write_bytes(b"")
    with pytest.raises(FileExistsError, match="posts.parquet"):
        synth.write_dataset(tmp_path)


def _slug(name: str, sep: str) -> str:
    """ASCII slug written independently of the generator: accents dropped, lowercase, runs of other characters -> sep."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return sep.join(part for part in "".join(c if c.isalnum() else " " for c in plain).split())


def test_handles_are_ascii_slugs_of_the_names(raw):
    accounts = raw["accounts"].merge(raw["members"][["member_id", "full_name"]], on="member_id")
    linkedin = accounts[accounts["platform"] == "linkedin"]
    assert linkedin["full_name"].str.contains(r"[éèêëçîïô]").any()  # accents to fold
    expected = "https://www.linkedin.com/in/" + linkedin["full_name"].map(lambda n: _slug(n, "-")) + "-"
    assert (linkedin["handle"].str[:-9] == expected).all()
    assert linkedin["handle"].str.fullmatch(r"https://www\.linkedin\.com/in/[a-z0-9-]+-[0-9a-f]{8}/").all()
    twitter = accounts.loc[accounts["platform"] == "twitter", "handle"]
    assert twitter.str.fullmatch(r"@[A-Za-z0-9_]{3,15}").all() and twitter.is_unique


def test_every_package_data_file_is_read():
    shipped = sorted(p.name for p in (PROJECT / "influence_lib" / "data" / "synth").iterdir())
    assert shipped == sorted(constants.DATA_FILES)
    for name in constants.DATA_FILES:
        assert constants.data_file(name).is_file(), name
    with pytest.raises(FileNotFoundError, match="reinstall influence"):
        constants.load_data_file("missing.yml")


@pytest.mark.slow
def test_package_data_ships_with_a_non_editable_install(tmp_path):
    """Build the package as an install copies it (setuptools build_py) and generate from that copy alone."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT / name, src / name)
    shutil.copytree(PROJECT / "influence_lib", src / "influence_lib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    build = tmp_path / "build"
    done = subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py",
                           "--build-lib", str(build)], cwd=src, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (build / "influence_lib" / "data" / "synth").glob("*")) == sorted(constants.DATA_FILES)

    check = (
        "import influence_lib\n"
        "from influence_lib import synth\n"
        "from influence_lib.synth import constants\n"
        "print(influence_lib.__file__)\n"
        "print(*(constants.data_file(n) for n in constants.DATA_FILES), sep='\\n')\n"
        "tables = synth.generate_dataset(scale=0.001, seed=3)\n"
        "print(len(tables['organizations']), len(tables['posts']) > 0)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(build)}
    done = subprocess.run([sys.executable, "-c", check], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert all(Path(line).is_relative_to(build) for line in lines[:-1]), lines
    n_segments = sum(len(conf["segments"]) for conf in synth.dataset_settings_dict()["sectors"].values())
    assert lines[-1] == f"{n_segments} True"
