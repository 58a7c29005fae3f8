"""Synthetic Parquet datasets for the ranking benchmark, generated with numpy and pyarrow only.

One dataset per size ``n`` (number of posts) in ``benchmarks/data/<n>/``, in the format of
``shared/spec/DATA_AND_METHOD.md`` section 1:

- about 10 posts per account, one account per member, 6 members per organisation on average
  (3 to 9, and a few organisations without any member);
- one sector ``bench`` with three segments; editions "2021" [2020-06-01, 2021-06-01) and "2020";
- activity is heavy-tailed: a third of the accounts never post, a few post a lot; engagement counts
  are log-normal (a few posts with thousands of reactions), with a few empty counts;
- kinds are mostly ``original`` (some ``repost``, ``reply``, ``quote`` and a few empty = original);
  a quarter of the posts fall outside edition 2021, and a few sit exactly on its boundaries;
- ``text`` holds short French phrases with a hashtag, ``url`` a short link.

Nothing here loops over rows in Python: a 10^7-post dataset is written in a few seconds. A dataset
already present with the same parameters (recorded in ``benchmarks/data/<n>.json``) is reused.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

GENERATOR_VERSION = 1
SECTOR = "bench"
EDITION = "2021"
START = "2020-06-01T00:00:00+00:00"  # edition 2021, half-open [START, END), UTC
END = "2021-06-01T00:00:00+00:00"
DATA_ROOT = Path(__file__).resolve().parent / "data"

SEGMENTS = [  # key, label, top, share of organisations
    ("grands-groupes", "Grands groupes", 100, 0.2),
    ("eti", "Entreprises de taille intermédiaire", 50, 0.3),
    ("startups", "Start-ups", 20, 0.5),
]

DATASET_YML = f"""\
title: "Benchmark synthétique"
sectors:
  {SECTOR}:
    title: "Secteur de benchmark"
    focus: {SEGMENTS[0][0]}
    segments:
""" + "".join(
    f'      - {{key: {k}, label: "{label}", top: {top}}}\n' for k, label, top, _ in SEGMENTS
) + """\
editions:
  "2021": {start: 2020-06-01, end: 2021-06-01}
  "2020": {start: 2019-06-01, end: 2020-06-01}
"""

# Accents and mixed case on purpose: the display order ignores both.
ORG_WORDS = ["Écho", "alpha", "Delta", "Gamma", "Oméga", "Bêta", "zêta", "Île", "Ondine", "Azur",
             "Éole", "Helios", "Iris", "kappa", "Lumière", "Nova", "Orphée", "Pléiade", "Quartz",
             "Rhône", "Sérénité", "Thalès", "Ulysse", "Vega", "Zénith", "Aurore", "Cèdre", "Dune"]
ORG_KINDS = ["Santé", "Pharma", "Biotech", "Médical", "Labs", "Thérapeutique", "Diagnostics",
             "Génomique"]
FIRST_NAMES = ["Camille", "Léa", "Hélène", "Chloé", "Inès", "Zoé", "Élodie", "Anaïs", "Sophie",
               "Claire", "Jérôme", "Hugo", "Thomas", "Étienne", "Louis", "Mathéo", "Noël", "Raphaël",
               "Benoît", "Frédéric", "Amélie", "Maëlle", "Gaëlle", "Aurélien", "Cédric", "Loïc"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Girard", "Roussel", "Bérenger",
              "Lemaître", "Garnier", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer",
              "Chevalier", "François", "Legrand", "Gauthier", "Perrin", "Robin", "Clément", "Morel",
              "Fournier", "Rivière", "Lucas", "Brunet", "Noël", "Gaillard", "Barbier", "Arnaud"]
ROLES = [  # role as published, role_category
    ("Directrice Générale", "ceo"), ("Directeur Général", "ceo"), ("Président du Conseil", "chair"),
    ("CFO", "finance"), ("Directeur Médical", "medical"), ("Directrice R&D", "research"),
    ("Directeur Commercial", "commercial"), ("DRH", "hr"), ("Directrice de la Communication", "communication"),
    ("Chief Digital Officer", "digital"), ("Directeur des Opérations", "operations"),
    ("Directrice Juridique", "legal"), ("Administrateur indépendant", "other"),
]
PHRASES = ["Fiers de notre équipe", "Merci à tous pour ce salon", "Nouvelle étape franchie",
           "Retour sur notre table ronde", "Nous recrutons", "Résultats annuels publiés",
           "Bravo aux équipes R&D", "Essai clinique lancé", "Partenariat signé aujourd'hui",
           "Belle rencontre avec nos patients", "Innovation et accès aux soins",
           "Journée mondiale de la santé", "Notre engagement RSE", "Levée de fonds réussie",
           "Webinaire à revoir", "Bienvenue à notre nouvelle directrice",
           "Prix de l'innovation remporté", "La prévention avant tout", "Inauguration du site",
           "Ce que j'ai appris cette année"]
HASHTAGS = ["#santé", "#innovation", "#pharma", "#biotech", "#esanté", "#recherche", "#patients",
            "#leadership", "#RSE", "#IA", "#healthtech", "#recrutement", "#prévention", "#medtech"]
PLATFORMS = [("linkedin", 0.85, "https://www.linkedin.com/in/"), ("twitter", 0.12, "@"),
             ("bluesky", 0.03, "https://bsky.app/profile/")]
KINDS = [("original", 0.78), ("repost", 0.10), ("reply", 0.07), ("quote", 0.04)]
FORMATS = [  # format, share, engagement multiplier
    ("text", 0.30, 1.0), ("image", 0.30, 1.4), ("video", 0.10, 1.8), ("article", 0.08, 0.9),
    ("document", 0.07, 1.6), ("poll", 0.03, 2.0), ("link", 0.10, 0.6), ("other", 0.02, 0.8),
]


# --------------------------------------------------------------------------------------------
# vectorised helpers

def fixed_ids(prefix: str, values: np.ndarray, width: int) -> pa.StringArray:
    """``prefix`` + ``values`` zero-padded to ``width`` digits, built from raw bytes (no Python loop)."""
    head = np.frombuffer(prefix.encode("utf-8"), dtype=np.uint8)
    size = len(head) + width
    n = len(values)
    buf = np.empty((n, size), dtype=np.uint8)
    buf[:, : len(head)] = head
    v = np.asarray(values, dtype=np.int64).copy()
    if n and (v.min() < 0 or v.max() >= 10**width):
        raise ValueError(f"values do not fit in {width} digits")
    for k in range(size - 1, len(head) - 1, -1):
        buf[:, k] = 48 + v % 10
        v //= 10
    if n * size >= 2**31:
        raise ValueError("string buffer too large for 32-bit offsets")
    offsets = np.arange(n + 1, dtype=np.int32) * np.int32(size)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf))


def take_strings(choices: list[str], index: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    """Strings ``choices[index]`` as a plain string array; ``null_mask`` rows empty."""
    idx = pa.array(np.asarray(index, dtype=np.int32), mask=null_mask)
    return pa.DictionaryArray.from_arrays(idx, pa.array(choices, pa.string())).dictionary_decode()


def ints(values: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    """An int64 array with optional empty values."""
    return pa.array(np.asarray(values, dtype=np.int64), type=pa.int64(), mask=null_mask)


def sample(rng: np.random.Generator, n: int, probs) -> np.ndarray:
    """Category index drawn with ``probs`` (normalised), as int32."""
    p = np.asarray(probs, dtype=float)
    return np.searchsorted(np.cumsum(p / p.sum()), rng.random(n), side="right").clip(0, len(p) - 1).astype(np.int32)


def join(*parts: pa.Array | str, sep: str = "") -> pa.Array:
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(*parts, sep)


# --------------------------------------------------------------------------------------------
# the tables

def _organizations(rng, n_orgs):
    seg = sample(rng, n_orgs, [s[3] for s in SEGMENTS])
    word = rng.integers(0, len(ORG_WORDS), n_orgs)
    kind = rng.integers(0, len(ORG_KINDS), n_orgs)
    number = pa.array(rng.integers(1, 1000, n_orgs)).cast(pa.string())
    name = join(take_strings(ORG_WORDS, word), take_strings(ORG_KINDS, kind), number, sep=" ")
    country = sample(rng, n_orgs, [0.8, 0.08, 0.06, 0.04, 0.02])
    return pa.table({
        "org_id": fixed_ids("O", np.arange(n_orgs), 7),
        "name": name,
        "sector": take_strings([SECTOR], np.zeros(n_orgs, np.int32)),
        "segment": take_strings([s[0] for s in SEGMENTS], seg),
        "country": take_strings(["FR", "BE", "CH", "DE", "FR"], country, null_mask=country == 4),
    })


def _members(rng, n_members, n_orgs_hint):
    # organisation sizes 3..9 (mean 6), with 0.2% of organisations without any member
    sizes = rng.integers(3, 10, int(n_orgs_hint * 1.3) + 10)
    sizes[rng.random(len(sizes)) < 0.002] = 0
    cum = np.cumsum(sizes)
    n_orgs = int(np.searchsorted(cum, n_members)) + 1
    sizes = sizes[:n_orgs]
    sizes[-1] -= int(cum[n_orgs - 1] - n_members)
    org_index = np.repeat(np.arange(n_orgs), sizes)
    role = rng.integers(0, len(ROLES), n_members)
    gender = sample(rng, n_members, [0.42, 0.5, 0.01, 0.07])
    table = pa.table({
        "member_id": fixed_ids("M", np.arange(n_members), 8),
        "org_id": fixed_ids("O", org_index, 7),
        "full_name": join(take_strings(FIRST_NAMES, rng.integers(0, len(FIRST_NAMES), n_members)),
                          take_strings(LAST_NAMES, rng.integers(0, len(LAST_NAMES), n_members)), sep=" "),
        "role": take_strings([r for r, _ in ROLES], role),
        "role_category": take_strings([c for _, c in ROLES], role),
        "gender": take_strings(["f", "m", "x", "x"], gender, null_mask=gender == 3),
    })
    return table, n_orgs


def _accounts(rng, n_accounts):
    member_index = rng.permutation(n_accounts)  # one account per member, in another order
    platform = sample(rng, n_accounts, [p[1] for p in PLATFORMS])
    member_ids = fixed_ids("m", member_index, 8)
    followers = np.floor(rng.lognormal(6.0, 1.6, n_accounts))
    table = pa.table({
        "account_id": fixed_ids("A", np.arange(n_accounts), 8),
        "member_id": fixed_ids("M", member_index, 8),
        "platform": take_strings([p[0] for p in PLATFORMS], platform),
        "handle": join(take_strings([p[2] for p in PLATFORMS], platform), member_ids),
        "followers": ints(followers, null_mask=rng.random(n_accounts) < 0.05),
    })
    return table, platform


def _timestamps_us(rng, n):
    """Microseconds since the epoch: 75% in edition 2021, 20% in 2020, 5% after 2021's end."""
    def us(s):
        return int(np.datetime64(s, "us").astype(np.int64))

    bounds = [(us("2020-06-01"), us("2021-06-01")), (us("2019-06-01"), us("2020-06-01")),
              (us("2021-06-01"), us("2021-09-01"))]
    which = sample(rng, n, [0.75, 0.20, 0.05])
    lo = np.array([b[0] for b in bounds], dtype=np.int64)[which]
    hi = np.array([b[1] for b in bounds], dtype=np.int64)[which]
    # whole seconds, like the platforms give them
    t = lo + (rng.random(n) * ((hi - lo) // 1_000_000)).astype(np.int64) * 1_000_000
    # a few posts exactly on the boundaries of edition 2021 (start counts, end does not)
    edge = rng.choice(n, size=min(n, 30), replace=False)
    t[edge[:10]] = us("2020-06-01")
    t[edge[10:20]] = us("2021-06-01")
    t[edge[20:]] = us("2021-06-01") - 1_000_000
    return t


def _posts(rng, n_posts, n_accounts, account_platform):
    # heavy-tailed activity: a third of the accounts never post
    weight = rng.lognormal(0.0, 1.3, n_accounts) * (rng.random(n_accounts) < 0.67)
    per_account = rng.multinomial(n_posts, weight / weight.sum())
    account = np.repeat(np.arange(n_accounts, dtype=np.int64), per_account)  # grouped by account
    popularity = rng.lognormal(0.0, 0.8, n_accounts)[account]
    platform = account_platform[account]

    kind = sample(rng, n_posts, [k[1] for k in KINDS])
    fmt = sample(rng, n_posts, [f[1] for f in FORMATS])
    mult = np.array([f[2] for f in FORMATS])[fmt] * popularity

    likes = np.floor(rng.lognormal(2.3, 1.25, n_posts) * mult)
    comments = rng.poisson(likes * 0.08)
    shares = rng.poisson(likes * 0.04)
    quotes = rng.poisson(likes * np.where(platform == 0, 0.002, 0.03))
    impressions = np.floor(likes * rng.lognormal(4.0, 0.5, n_posts))

    def some_empty(share):
        return rng.random(n_posts) < share

    text_idx = rng.integers(0, len(PHRASES) * len(HASHTAGS), n_posts)
    texts = [f"{p} {h}" for p in PHRASES for h in HASHTAGS]
    return pa.table({
        "post_id": fixed_ids("P", np.arange(n_posts), 9),
        "account_id": fixed_ids("A", account, 8),
        "published_at": pa.array(_timestamps_us(rng, n_posts), type=pa.int64()).view(pa.timestamp("us", tz="UTC")),
        "kind": take_strings([k[0] for k in KINDS], kind, null_mask=some_empty(0.01)),
        "format": take_strings([f[0] for f in FORMATS], fmt, null_mask=some_empty(0.02)),
        "likes": ints(likes, some_empty(0.005)),
        "comments": ints(comments, some_empty(0.005)),
        "shares": ints(shares, some_empty(0.005)),
        "quotes": ints(quotes, some_empty(0.01)),
        "impressions": ints(impressions, some_empty(0.4)),
        "text": take_strings(texts, text_idx, null_mask=(kind == 1) & some_empty(0.5)),
        "url": fixed_ids("https://ex.test/p/", np.arange(n_posts), 9),
    })


REQUIRED = {
    "organizations": {"org_id", "name", "sector", "segment"},
    "members": {"member_id", "org_id", "full_name", "role"},
    "accounts": {"account_id", "member_id", "platform", "handle"},
    "posts": {"post_id", "account_id", "published_at"},
}


def _with_required(name: str, table: pa.Table) -> pa.Table:
    """Mark required columns as non-nullable in the Parquet schema (they hold no empty value)."""
    fields = [f.with_nullable(f.name not in REQUIRED[name]) for f in table.schema]
    return table.cast(pa.schema(fields))


def build_tables(n_posts: int, seed: int) -> dict[str, pa.Table]:
    """The four tables of a dataset of about ``n_posts`` posts."""
    rng = np.random.default_rng([seed, n_posts])
    n_accounts = max(1, n_posts // 10)
    n_members = n_accounts
    members, n_orgs = _members(rng, n_members, n_members // 6)
    accounts, platform = _accounts(rng, n_accounts)
    return {
        "organizations": _organizations(rng, n_orgs),
        "members": members,
        "accounts": accounts,
        "posts": _posts(rng, n_posts, n_accounts, platform),
    }


def params_of(n_posts: int, seed: int) -> dict:
    return {"generator_version": GENERATOR_VERSION, "n_posts": n_posts, "seed": seed}


def ensure_dataset(n_posts: int, seed: int = 0, root: Path = DATA_ROOT, force: bool = False,
                   log=print) -> Path:
    """Return ``root/<n_posts>``, generating it unless it exists with the same parameters."""
    folder = root / str(n_posts)
    stamp = root / f"{n_posts}.json"
    wanted = params_of(n_posts, seed)
    names = ["organizations", "members", "accounts", "posts"]
    present = folder.is_dir() and all((folder / f"{t}.parquet").is_file() for t in names) \
        and (folder / "dataset.yml").is_file()
    if present and not force and stamp.is_file():
        try:
            if json.loads(stamp.read_text())["params"] == wanted:
                log(f"reusing {folder} ({n_posts:,} posts, seed {seed})")
                return folder
        except (ValueError, KeyError):
            pass
    t0 = time.perf_counter()
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{n_posts}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    tables = build_tables(n_posts, seed)
    rows = {}
    for name, table in tables.items():
        pq.write_table(_with_required(name, table), tmp / f"{name}.parquet", row_group_size=1_000_000)
        rows[name] = table.num_rows
    (tmp / "dataset.yml").write_text(DATASET_YML, encoding="utf-8")
    del tables
    stamp.unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    seconds = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in folder.iterdir())
    stamp.write_text(json.dumps({"params": wanted, "rows": rows, "bytes": size,
                                 "generation_seconds": round(seconds, 2)}, indent=2) + "\n")
    log(f"generated {folder} in {seconds:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in rows.items())
        + f"; {size / 1e6:.0f} MB")
    return folder


def parse_size(text: str) -> int:
    """``1e6``, ``1000000`` or ``1_000_000`` as an int."""
    value = float(text.replace("_", ""))
    if value < 10 or value != int(value):
        raise ValueError(f"not a whole number of posts >= 10: {text}")
    return int(value)


def ensure_hive_dataset(n_posts: int, seed: int = 0, root: Path = DATA_ROOT, force: bool = False,
                        log=print, rows_per_file: int | None = None) -> Path:
    """Return ``root/<n_posts>-hive``: the same dataset as :func:`ensure_dataset` with its posts as a hive folder.

    The posts go to ``posts/month=YYYY-MM/part-N.parquet`` (one folder per UTC month of
    ``published_at``, the month not repeated inside the files; ``influence_lib.engines.hive``),
    the other tables and ``dataset.yml`` are copied. Reused when ``<n_posts>-hive.json`` records the
    same parameters.
    """
    from influence_lib.engines.hive import ROWS_PER_FILE, write_hive_posts

    source = ensure_dataset(n_posts, seed, root, force, log)
    folder = root / f"{n_posts}-hive"
    stamp = root / f"{n_posts}-hive.json"
    wanted = {**params_of(n_posts, seed), "layout": "hive", "rows_per_file": rows_per_file or ROWS_PER_FILE}
    if folder.is_dir() and not force and stamp.is_file():
        try:
            if json.loads(stamp.read_text())["params"] == wanted:
                log(f"reusing {folder} ({n_posts:,} posts as month=YYYY-MM/*.parquet)")
                return folder
        except (ValueError, KeyError):
            pass
    t0 = time.perf_counter()
    tmp = root / f".{n_posts}-hive.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    for name in ("organizations", "members", "accounts"):
        shutil.copyfile(source / f"{name}.parquet", tmp / f"{name}.parquet")
    shutil.copyfile(source / "dataset.yml", tmp / "dataset.yml")
    files = write_hive_posts(pq.read_table(source / "posts.parquet"), tmp / "posts",
                             rows_per_file=wanted["rows_per_file"])
    stamp.unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    seconds = time.perf_counter() - t0
    stamp.write_text(json.dumps({"params": wanted, "files": len(files), "generation_seconds": round(seconds, 2)},
                                indent=2) + "\n")
    log(f"wrote {folder} in {seconds:.1f} s: {len(files)} posts files")
    return folder
