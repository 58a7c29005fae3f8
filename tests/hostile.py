"""A hostile dataset for tests: one sector of the sample whose names, roles, labels, texts and links attack the reader.

:func:`write_hostile_dataset` copies sector ``energie`` of the embedded sample (its two first
segments, both editions) and puts attacker-chosen strings wherever a stranger's words can go:
organisation names, member names and roles, account handles, post texts (with their hashtags)
and post addresses, the segment labels and the dataset's and sector's titles in ``dataset.yml``.
Ten Directions of the focus segment get those names and a large engagement, so the strings reach
the Top 10, the profiles, the analysis paragraphs, the Top voices, the figures and the workbook.

The strings are plain data here; what each output must do with them is checked by
``tests/test_hostile.py``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import yaml

SECTOR = "energie"
FOCUS = "fournisseurs-energie"
OTHER = "renouvelables"
EDITION_START, EDITION_END = "2020-06-01", "2021-06-01"  # the sample's 2021 edition
BOOST = 20_000  # likes added to each post of the ten Directions: they take the Top 10
RTL_OVERRIDE, POP_DIRECTIONAL = "\u202e", "\u202c"

# Strings that act in a browser (HTML, attributes, links, Markdown).
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(1)>'
MARKDOWN_LINK = "[x](javascript:alert(1))"
CLOSE_TAGS = "</td></tr></table></h3><h1>faux titre</h1>"
ENTITY = "&lt;b&gt; &amp; <!-- -->"  # already-escaped text must be shown as it is, not decoded
# Strings that act in a spreadsheet when they start a cell (OWASP CSV injection).
HYPERLINK = '=HYPERLINK("http://evil","x")'
PLUS = "+cmd|' /C calc'!A0"
MINUS = "-1+1"
AT = "@SUM(A1)"
TAB = "\tTabulation"
CR = "\rRetour"
# Strings that matplotlib would read as mathematics.
DOLLARS = "Ca$$h"
MATH = "$\\alpha$"
# The characters Excel refuses in sheet names.
SHEET_BREAKERS = "/ \\ [ ] : * ?"
CONTROL = "contrôle \x01\x0b caractère"  # no XML (SVG, xlsx) may hold these two
LONG = "Très long nom " * 90 + "fin"  # about 1,300 characters

# The Top 10's names, one Direction each, in the order of their engagement (the first leads).
TOP_NAMES = [
    SCRIPT,
    HYPERLINK,
    f"{IMG} {DOLLARS}",
    f'{PLUS} {SVG}',
    f"{MINUS} {MARKDOWN_LINK}",
    f"{AT} {MATH}",
    f"{TAB} {SHEET_BREAKERS}",
    f"{CR} {RTL_OVERRIDE}RTL{POP_DIRECTIONAL}",
    f"{LONG} {SCRIPT}",
    f"{CLOSE_TAGS} {ENTITY} {CONTROL}",
]
# Member names and roles, cycled over the sector's members (each gets its number after it).
MEMBER_NAMES = [SCRIPT, HYPERLINK, IMG, f"{PLUS} Dupont", SVG, f"{MINUS} Martin", MARKDOWN_LINK, AT, DOLLARS,
                MATH, f"{RTL_OVERRIDE}Nomis{POP_DIRECTIONAL}", TAB, CR, CLOSE_TAGS, SHEET_BREAKERS]
ROLES = [HYPERLINK, SCRIPT, f"{AT} Directeur", IMG, f"{MINUS} CFO", MATH, f"{PLUS} DG", DOLLARS, TAB, SVG]
HANDLES = [SCRIPT, "=cmd", "javascript:alert(1)", "@SUM(A1)", IMG]
# Post texts (then the sample's own text, hashtags included), and extra hashtags.
TEXTS = [HYPERLINK, PLUS, f"{MINUS} résultat", f"{AT} bilan", TAB, CR, SCRIPT, IMG, SVG, MARKDOWN_LINK,
         f"{DOLLARS} flow {MATH}", f"{RTL_OVERRIDE}RTL{POP_DIRECTIONAL} texte", CLOSE_TAGS, ENTITY,
         CONTROL]
HASHTAGS = ["#script", "#Ca$$h", "#alpha_α", "#" + "a" * 300, "#مرحبا", "#x<script>"]
LONG_TEXT = "=" + "Un texte très long. " * 2500  # 50,000 characters: over Excel's 32,767 per cell
# Post addresses: only the last two are web addresses; none of the others may become a link.
URLS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)", "//evil.example/x", 'https://example.org/" onmouseover="alert(1)',
        "https://www.linkedin.com/feed/update/urn:li:activity:1/?a=<b>&c='d'"]

# What a reader must see as text, exactly, in report.html (the parser's decoded text).
SHOWN_IN_HTML = [SCRIPT, HYPERLINK, IMG, SVG.strip('"'), MARKDOWN_LINK, DOLLARS, MATH, PLUS, AT, ENTITY,
                 "<h1>faux titre</h1>"]
# What must be stored as these exact characters in the workbook and the CSV tables (read back).
KEPT_IN_TABLES = [SCRIPT, HYPERLINK, f"{IMG} {DOLLARS}", f"{MINUS} {MARKDOWN_LINK}", f"{AT} {MATH}",
                  f"{TAB} {SHEET_BREAKERS}", f"{LONG} {SCRIPT}"]


def as_shown(text: str) -> str:
    """``text`` as report.html shows it: no direction overrides, control characters as U+FFFD."""
    text = re.sub("[\u202a-\u202e\u2066-\u2069]", "", text)
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", "\ufffd", text)


def settings_of(source: dict) -> dict:
    """The hostile ``dataset.yml``: sector ``energie`` alone, two segments, hostile titles and labels."""
    sector = source["sectors"][SECTOR]
    segments = {s["key"]: dict(s) for s in sector["segments"]}
    segments[FOCUS]["label"] = f"{SCRIPT} Fournisseurs {MATH} {DOLLARS}"
    segments[OTHER]["label"] = f"{HYPERLINK} Renouvelables {SHEET_BREAKERS} {IMG} {CONTROL}"
    return {
        "title": f"{IMG} Classement {DOLLARS} {CONTROL}",
        "sectors": {SECTOR: {"title": f"{SVG} Énergie {MARKDOWN_LINK} {MATH}", "focus": FOCUS,
                             "segments": [segments[FOCUS], segments[OTHER]]}},
        "editions": source["editions"],
    }


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False, na_filter=False)


def _write(frame: pd.DataFrame, folder: Path, name: str) -> None:
    # every field quoted: Python's CSV writer leaves a lone carriage return unquoted otherwise
    frame.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n", quoting=csv.QUOTE_ALL)


def _cycle(words: list[str], n: int, start: int = 0) -> list[str]:
    return [f"{words[(start + i) % len(words)]} {start + i}" for i in range(n)]


def top_org_ids(orgs: pd.DataFrame, members: pd.DataFrame, accounts: pd.DataFrame,
                posts: pd.DataFrame) -> list[str]:
    """The ten Directions of the focus segment with the most posts in the 2021 edition (ties by id)."""
    focus = orgs.loc[orgs["segment"] == FOCUS, "org_id"]
    owner = accounts.merge(members[["member_id", "org_id"]], on="member_id")[["account_id", "org_id"]]
    current = posts[(posts["published_at"] >= EDITION_START) & (posts["published_at"] < EDITION_END)]
    counts = current.merge(owner, on="account_id").groupby("org_id").size()
    counts = counts.reindex(focus, fill_value=0)
    order = sorted(counts.index, key=lambda org: (-int(counts[org]), org))
    return order[: len(TOP_NAMES)]


def write_hostile_dataset(folder: str | Path, source: str | Path | None = None) -> Path:
    """Write the hostile dataset into ``folder`` (created) from the sample (or ``source``); return it.

    Parameters
    ----------
    folder : str or Path
        The dataset folder to write; it must not exist yet.
    source : str or Path, optional
        A dataset with the sample's sectors (default: the embedded sample).

    Returns
    -------
    Path
    """
    from influence_lib.dataset import SAMPLE_DIR

    source, folder = Path(source or SAMPLE_DIR), Path(folder)
    folder.mkdir(parents=True)
    settings = yaml.safe_load((source / "dataset.yml").read_text(encoding="utf-8"))
    (folder / "dataset.yml").write_text(yaml.safe_dump(settings_of(settings), allow_unicode=True, sort_keys=False),
                                        encoding="utf-8")
    orgs, members = _read(source, "organizations"), _read(source, "members")
    accounts, posts = _read(source, "accounts"), _read(source, "posts")

    orgs = orgs[(orgs["sector"] == SECTOR) & orgs["segment"].isin([FOCUS, OTHER])].reset_index(drop=True)
    members = members[members["org_id"].isin(orgs["org_id"])].reset_index(drop=True)
    accounts = accounts[accounts["member_id"].isin(members["member_id"])].reset_index(drop=True)
    posts = posts[posts["account_id"].isin(accounts["account_id"])].reset_index(drop=True)

    top = top_org_ids(orgs, members, accounts, posts)
    others = ~orgs["org_id"].isin(top)
    orgs.loc[others, "name"] = _cycle(MEMBER_NAMES, int(others.sum()), start=100)
    orgs = orgs.set_index("org_id")
    orgs.loc[top, "name"] = TOP_NAMES
    orgs = orgs.reset_index()
    members["full_name"] = _cycle(MEMBER_NAMES, len(members))
    members["role"] = _cycle(ROLES, len(members))
    accounts["handle"] = _cycle(HANDLES, len(accounts))

    owner = accounts.merge(members[["member_id", "org_id"]], on="member_id").set_index("account_id")["org_id"]
    post_org = owner.reindex(posts["account_id"]).to_numpy()
    boosted = pd.Series(post_org).isin(top).to_numpy()
    # the first of the ten gets the most: the Top 10 comes out in TOP_NAMES order
    weight = pd.Series(post_org).map({org: len(top) - i for i, org in enumerate(top)}).fillna(0).to_numpy()
    likes = pd.to_numeric(posts["likes"].replace("", "0")).to_numpy()
    posts.loc[boosted, "likes"] = (likes[boosted] + BOOST * weight[boosted]).astype(int).astype(str)
    texts = [f"{TEXTS[i % len(TEXTS)]} {text} {HASHTAGS[i % len(HASHTAGS)]}" for i, text in enumerate(posts["text"])]
    texts[0] = LONG_TEXT
    posts["text"] = texts
    rank_of = {org: i for i, org in enumerate(top)}
    posts["url"] = [URLS[rank_of[org] % len(URLS)] if org in rank_of else URLS[i % len(URLS)]
                    for i, org in enumerate(post_org)]

    for name, frame in (("organizations", orgs), ("members", members), ("accounts", accounts), ("posts", posts)):
        _write(frame, folder, name)
    return folder

