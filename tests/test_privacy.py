"""Personal data: the opt-out list, pseudonymisation, texts left out of rejected rows.

The hand-made dataset of conftest.py; expected rankings worked out by hand in the comments.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from influence_lib.cli import main
from influence_lib.dataset import SAMPLE_DIR, load_dataset
from influence_lib.errors import DatasetError
from influence_lib.optout import OPT_OUT_FILE, handle_key, read_opt_out
from tests.conftest import ACCOUNTS, MEMBERS, ORGS, POSTS
from tests.helpers import write_dataset

KEY = "test-key-5b0c7e2f9a4d41e8b6"


@pytest.fixture
def run(capsys):
    """Run ``influence ARGS``; return (exit status, stdout, stderr). Never a traceback."""
    def _run(*args):
        try:
            status = main([str(a) for a in args])
        except SystemExit as exc:  # argparse: --help, bad arguments
            status = exc.code
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return status, out, err
    return _run


def _dataset(folder: Path, opt_out: str | None = None, accounts=ACCOUNTS, posts=POSTS) -> Path:
    write_dataset(folder, ORGS, MEMBERS, accounts, posts)
    if opt_out is not None:
        (folder / OPT_OUT_FILE).write_text(opt_out, encoding="utf-8")
    return folder


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its checksum."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --- handles --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("@Zoe", (None, "zoe")),
    ("  zoe ", (None, "zoe")),
    ("https://www.linkedin.com/in/Zoe/", ("linkedin", "zoe")),
    ("linkedin.com/in/zoe?trk=profile#about", ("linkedin", "zoe")),
    ("https://fr.linkedin.com/in/andr%C3%A9-dupont-123/", ("linkedin", "andré-dupont-123")),
    ("https://twitter.com/Zoe/status/123", ("twitter", "zoe")),
    ("https://x.com/@zoe", ("twitter", "zoe")),
    ("https://bsky.app/profile/zoe.bsky.social", ("bluesky", "zoe.bsky.social")),
    ("@zoe.bsky.social", (None, "zoe.bsky.social")),
    ("https://www.linkedin.com/in/", ("linkedin", "")),
    ("https://example.org/zoe", (None, "zoe")),
])
def test_handle_key(text, expected):
    assert handle_key(text) == expected


# --- reading the list -------------------------------------------------------------------------


def test_opt_out_list_with_bom_semicolons_and_extra_columns(tmp_path):
    (tmp_path / OPT_OUT_FILE).write_bytes("\ufeffhandle;member_id;demandé le\n@zoe;;2021-03-01\n\n;m5;\n".encode())
    rows = read_opt_out(tmp_path)
    assert [(r.line, r.member_id, r.handle) for r in rows] == [(2, "", "@zoe"), (4, "m5", "")]


def test_no_opt_out_list(tmp_path):
    assert read_opt_out(tmp_path) is None


def test_opt_out_list_bad_rows_are_refused_with_their_lines(tmp_path):
    (tmp_path / OPT_OUT_FILE).write_text("member_id,handle\nm1,@zoe,extra\n,\n,https://www.linkedin.com/in/\nm5,\n",
                                         encoding="utf-8")
    with pytest.raises(DatasetError) as caught:
        read_opt_out(tmp_path)
    message = str(caught.value)
    assert "opt-out.csv" in message
    assert "line 2: 3 fields, the header has 2" in message
    assert "line 3" not in message  # an empty line (separators only) is not a row
    assert "line 4: names nobody; fill member_id or handle (a handle needs a name" in message
    assert "line 5" not in message


@pytest.mark.parametrize("content, expected", [
    (b"name\nZoe\n", "the header needs a column member_id or handle"),
    ("member_id\n".encode("utf-16"), "UTF-16"),
    (b"member_id\nm\xe91\n", "line 2: byte 0xe9 is not UTF-8"),
])
def test_opt_out_unreadable_file(tmp_path, content, expected):
    (tmp_path / OPT_OUT_FILE).write_bytes(content)
    with pytest.raises(DatasetError, match=expected):
        read_opt_out(tmp_path)


# --- every command honours it ------------------------------------------------------------------

# Without m1 (Zoé Martin, o1; accounts a1, a2; posts p1, p2), sector sante, edition 2021:
# o2 80 (m3 40 + m4 40), o3 80, o4 70, o6 5, then o1 (m2 only, no account) and o5 at 0.
DIRECTIONS_WITHOUT_M1 = [
    "1,o2,Écho,labo,80,80,2,2,2",
    "1,o3,Delta,labo,80,80,1,1,1",
    "3,o4,alpha,labo,70,70,1,1,1",
    "4,o6,Medi,medtech,5,5,1,1,1",
    "5,o1,Gamma,labo,0,0,0,0,1",
    "5,o5,Vide,labo,0,0,0,0,0",
]


@pytest.mark.parametrize("opt_out", [
    "member_id\nm1\n",
    "handle\n@ZOE\n",                                        # the Twitter account, any case
    "handle\nhttps://www.linkedin.com/in/zoe/?trk=x\n",      # the LinkedIn account, as an address
    "member_id;handle\nm1;https://twitter.com/zoe\n",        # both, naming the same person
], ids=["member_id", "handle", "profile-url", "both"])
def test_opt_out_removes_the_person_from_rank_and_summary(run, tmp_path, opt_out):
    folder = _dataset(tmp_path / "d", opt_out)
    status, out, err = run("rank", "--data", folder, "--sector", "sante")
    assert status == 0, err
    assert out.splitlines()[1:] == DIRECTIONS_WITHOUT_M1
    assert "note: opt-out.csv: 1 person left out before scoring (1 member, 2 accounts, 2 posts removed)" in err
    status, out, err = run("rank", "--data", folder, "--sector", "sante", "--level", "member")
    assert status == 0 and "Zoé Martin" not in out and ",m1," not in out
    assert "Paul Blanc" in out
    status, out, _ = run("summary", "--data", folder, "--sector", "sante", "--format", "json")
    box = json.loads(out)
    assert list(box) == ["sector", "edition", "organizations", "members", "linkedin", "twitter"]
    # 7 members of sante less m1; LinkedIn a3..a7 (a1 gone); Twitter a2 gone
    assert box["members"] == 6
    assert box["linkedin"] == {"accounts": 5, "posts": 5, "engagement": 235}
    assert box["twitter"] == {"accounts": 0, "posts": 0, "engagement": 0}
    status, out, _ = run("summary", "--data", folder, "--sector", "sante", "--format", "table")
    assert ("Note : 1 personne retirée à sa demande (opt-out.csv) avant le calcul, soit 1 membre, 2 comptes et "
            "2 posts en moins dans les données.") in out


def test_without_opt_out_the_person_is_there(run, tmp_path):
    folder = _dataset(tmp_path / "d")
    status, out, err = run("rank", "--data", folder, "--sector", "sante", "--level", "member")
    assert status == 0 and "Zoé Martin" in out
    assert "opt-out" not in err
    assert load_dataset(folder).opt_out.file is None


def test_opt_out_row_naming_nobody_is_counted_and_warned(run, tmp_path):
    folder = _dataset(tmp_path / "d", "member_id,handle\nm1,\nm99,\n,@nobody\n")
    status, out, err = run("rank", "--data", folder, "--sector", "sante")
    assert status == 0, err
    assert out.splitlines()[1:] == DIRECTIONS_WITHOUT_M1
    assert ("warning: opt-out.csv: 1 person left out before scoring (1 member, 2 accounts, 2 posts removed); "
            "2 rows name nobody in this dataset (lines 3, 4)") in err
    dataset = load_dataset(folder)
    assert dataset.opt_out.rows == 3 and dataset.opt_out.people == 1
    assert dataset.opt_out.unmatched_lines == (3, 4)
    status, out, _ = run("summary", "--data", folder, "--sector", "sante")
    assert "; 2 lignes ne désignent personne." in out


def test_a_handle_names_accounts_of_its_platform_only(run, tmp_path):
    # a9: member m3 also uses the name "paul", on Twitter
    folder = _dataset(tmp_path / "d", "handle\nhttps://www.linkedin.com/in/paul\n",
                      accounts=ACCOUNTS + [("a9", "m3", "twitter", "@Paul", 5)])
    dataset = load_dataset(folder)
    assert "m5" not in set(dataset.members["member_id"]) and "m3" in set(dataset.members["member_id"])
    assert dataset.opt_out.removed == {"organizations": 0, "members": 1, "accounts": 1, "posts": 3}
    # a bare handle would name both: refused, asking for the member_id
    (folder / OPT_OUT_FILE).write_text("handle\npaul\n", encoding="utf-8")
    status, _, err = run("rank", "--data", folder, "--sector", "sante")
    assert status == 1
    assert "opt-out.csv" in err and "line 2: handle 'paul' matches accounts of several members (m3, m5)" in err
    (folder / OPT_OUT_FILE).write_text("member_id,handle\nm3,paul\n", encoding="utf-8")
    assert load_dataset(folder).opt_out.removed["accounts"] == 2  # a3 and a9, both m3's


def test_opt_out_row_naming_two_people_is_refused(run, tmp_path):
    folder = _dataset(tmp_path / "d", "member_id,handle\nm3,@zoe\n")
    for command in (["rank", "--sector", "sante"], ["summary"], ["validate"]):
        status, out, err = run(*command, "--data", folder)
        assert status == 1, command
        assert "line 2: member_id 'm3' and handle '@zoe' name two different people" in err
        assert out == ""


def test_line_numbers_stay_those_of_the_file(run, tmp_path):
    # p1 and p2 (lines 2 and 3 of posts.csv) belong to m1; p4 (line 5) gets a negative count
    posts = [p if p[0] != "p4" else (*p[:5], -30, *p[6:]) for p in POSTS]
    folder = _dataset(tmp_path / "d", "member_id\nm1\n", posts=posts)
    status, out, _ = run("validate", "--data", folder)
    assert status == 1
    assert "posts.csv, line 5, column likes: negative" in out
    assert "posts: 11 rows read, 10 used, 1 rejected" in out


def test_validate_and_manifest_count_opt_outs(run, tmp_path):
    from influence_lib.report import build_manifest
    from influence_lib.settings import load_methodology

    folder = _dataset(tmp_path / "d", "member_id\nm1\nm99\n")
    status, _, err = run("validate", "--data", folder)
    assert status == 0 and "1 person left out" in err and "line 3" in err
    manifest = json.loads(build_manifest(tmp_path, load_dataset(folder), {}, [], {}, load_methodology(None))
                          .read_text(encoding="utf-8"))
    assert manifest["rows"]["posts"] == {"read": 13, "used": 11, "rejected": 0, "opted_out": 2}
    assert manifest["rows"]["members"] == {"read": 8, "used": 7, "rejected": 0, "opted_out": 1}
    for counts in manifest["rows"].values():
        assert counts["read"] == counts["used"] + counts["rejected"] + counts["opted_out"]
    entry = manifest["opt_out"]
    assert entry["file"] == "opt-out.csv" and len(entry["sha256"]) == 64
    assert {k: entry[k] for k in ("rows", "people", "members", "accounts", "posts", "unmatched_rows")} == {
        "rows": 2, "people": 1, "members": 1, "accounts": 2, "posts": 2, "unmatched_rows": 1}
    assert "m1" not in json.dumps(entry) and "m99" not in json.dumps(entry)  # counts, never who


@pytest.mark.slow
def test_opt_out_removes_the_person_from_every_report_output(tmp_path):
    from influence_lib.report import run_report

    folder = _dataset(tmp_path / "d", "handle\n@zoe\n")
    result = run_report("sante", data_dir=folder, out_dir=tmp_path / "out", jobs=2, progress=False)
    texts = []
    for path in sorted(result.folder.rglob("*")):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as workbook:
                texts += [workbook.read(n).decode("utf-8") for n in workbook.namelist() if n.endswith(".xml")]
        elif path.suffix in (".html", ".csv", ".json", ".ipynb", ".svg"):
            texts.append(path.read_text(encoding="utf-8"))
    everything = "\n".join(texts)
    assert "Paul Blanc" in everything  # the search can find a member
    assert "Martin" not in everything and "Zo&#233;" not in everything
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["opt_out"]["people"] == 1 and manifest["rows"]["accounts"]["opted_out"] == 2


# --- rejected rows -------------------------------------------------------------------------------


def test_rejected_rows_keep_texts_only_when_asked(run, tmp_path):
    folder = _dataset(tmp_path / "d")
    posts = pd.read_csv(folder / "posts.csv", dtype=str, keep_default_na=False)
    posts["text"] = "Bravo Jeanne Dupont pour ce lancement !"
    posts.loc[posts["post_id"] == "p3", "likes"] = "-1"
    posts.to_csv(folder / "posts.csv", index=False, lineterminator="\n")
    rejected = tmp_path / "rejected.csv"
    for extra, kept in (([], False), (["--keep-texts"], True)):
        status, _, err = run("rank", "--data", folder, "--sector", "sante", "--on-error", "reject",
                             "--rejected", rejected, *extra)
        assert status == 0, err
        frame = pd.read_csv(rejected, dtype=str, keep_default_na=False)
        record = json.loads(frame.loc[0, "record"])
        assert record["post_id"] == "p3" and record["likes"] == "-1"
        assert ("Jeanne" in rejected.read_text(encoding="utf-8")) is kept
        assert ("text" in record) is kept


# --- pseudonymize -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def key_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("key") / "influence.key"
    path.write_text(KEY + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pseudo_sample(tmp_path_factory, key_file):
    """The embedded sample, pseudonymised through the command line (texts dropped)."""
    out = tmp_path_factory.mktemp("pseudo") / "sample-pseudo"
    assert main(["pseudonymize", "--out", str(out), "--key-file", str(key_file)]) == 0
    return out


def test_pseudonymized_rankings_equal_the_original_score_for_score(pseudo_sample):
    from influence_lib.scope import build_ranking

    original, pseudo = load_dataset(SAMPLE_DIR), load_dataset(pseudo_sample)
    compared = 0
    for sector, settings in original.settings.sectors.items():
        for edition in original.settings.editions:
            period = original.settings.period(edition)
            for segment in [None] + [s.key for s in settings.segments]:
                for level in ("direction", "member"):
                    a = build_ranking(original, sector, period, level=level, segment=segment)
                    b = build_ranking(pseudo, sector, period, level=level, segment=segment)
                    assert len(a) == len(b) > 0
                    assert a["score"].tolist() == b["score"].tolist(), (sector, edition, segment, level)
                    assert a["rank"].tolist() == b["rank"].tolist()
                    assert a["engagement"].sum() == b["engagement"].sum()
                    compared += 1
    assert compared == 2 * len(original.settings.editions) * sum(
        len(s.segments) + 1 for s in original.settings.sectors.values())


def test_pseudonymized_dataset_holds_no_identity(pseudo_sample):
    original, pseudo = load_dataset(SAMPLE_DIR), load_dataset(pseudo_sample)
    assert sorted(p.name for p in pseudo_sample.iterdir()) == [
        "accounts.csv", "dataset.yml", "members.csv", "organizations.csv", "posts.csv"]
    for table, key in (("organizations", "org_id"), ("members", "member_id"), ("accounts", "account_id"),
                       ("posts", "post_id")):
        before, after = original.table(table), pseudo.table(table)
        assert len(before) == len(after)
        assert not set(before[key]) & set(after[key])
        assert after[key].str.fullmatch(r"(org|mbr|acc|post)-[0-9a-f]{16}").all()
    assert not set(original.organizations["name"]) & set(pseudo.organizations["name"])
    assert pseudo.organizations["name"].is_unique
    assert not set(original.members["full_name"]) & set(pseudo.members["full_name"])
    assert not set(original.accounts["handle"]) & set(pseudo.accounts["handle"])
    assert pseudo.posts["text"].isna().all() and pseudo.posts["url"].isna().all()
    raw = "\n".join(p.read_text(encoding="utf-8") for p in pseudo_sample.iterdir())
    assert "http" not in raw and "linkedin.com" not in raw
    assert original.members["full_name"].iloc[0] not in raw
    # what scores depend on is kept
    assert (pseudo.members["gender"].value_counts().to_dict() == original.members["gender"].value_counts().to_dict())
    assert pseudo.posts["likes"].sum() == original.posts["likes"].sum()
    assert (pseudo_sample / "dataset.yml").read_bytes() == (SAMPLE_DIR / "dataset.yml").read_bytes()


def test_the_key_is_never_written(pseudo_sample, key_file):
    key = KEY.encode()
    for path in pseudo_sample.rglob("*"):
        data = path.read_bytes()
        assert key not in data and key.hex().encode() not in data, path
        assert str(key_file).encode() not in data


def test_pseudonyms_depend_on_the_key_only(run, tmp_path, key_file, pseudo_sample):
    again = tmp_path / "again"
    status, out, err = run("pseudonymize", "--out", again, "--key-file", key_file)
    assert status == 0, err
    assert KEY not in out + err
    assert _tree(again) == _tree(pseudo_sample)  # same key, same bytes
    other_key = tmp_path / "other.key"
    other_key.write_bytes(b"another key of enough bytes")
    status, _, _ = run("pseudonymize", "--out", tmp_path / "other", "--key-file", other_key)
    assert status == 0
    first = pd.read_csv(again / "organizations.csv", dtype=str)
    second = pd.read_csv(tmp_path / "other" / "organizations.csv", dtype=str)
    assert not set(first["org_id"]) & set(second["org_id"])
    assert not set(first["name"]) & set(second["name"])


def test_pseudonymize_keeps_texts_only_when_asked(run, tmp_path, key_file):
    folder = _dataset(tmp_path / "d")
    posts = pd.read_csv(folder / "posts.csv", dtype=str, keep_default_na=False)
    posts["text"] = "Merci @zoe #santé"
    posts["url"] = "https://www.linkedin.com/feed/update/1/"
    posts.to_csv(folder / "posts.csv", index=False, lineterminator="\n")
    status, _, err = run("pseudonymize", "--data", folder, "--out", tmp_path / "kept", "--key-file", key_file,
                         "--keep-texts")
    assert status == 0, err
    kept = load_dataset(tmp_path / "kept")
    assert (kept.posts["text"] == "Merci @zoe #santé").all() and kept.posts["url"].isna().all()
    status, _, _ = run("pseudonymize", "--data", folder, "--out", tmp_path / "dropped", "--key-file", key_file)
    assert status == 0
    assert "Merci" not in (tmp_path / "dropped" / "posts.csv").read_text(encoding="utf-8")


def test_pseudonymize_leaves_opted_out_people_out(run, tmp_path, key_file):
    folder = _dataset(tmp_path / "d", "member_id\nm1\n")
    status, _, err = run("pseudonymize", "--data", folder, "--out", tmp_path / "p", "--key-file", key_file)
    assert status == 0, err
    pseudo = load_dataset(tmp_path / "p")
    assert len(pseudo.members) == len(MEMBERS) - 1 and len(pseudo.posts) == len(POSTS) - 2
    assert not (tmp_path / "p" / OPT_OUT_FILE).exists()


def test_pseudonymize_refuses_unsafe_destinations_and_keys(run, tmp_path, key_file):
    folder = _dataset(tmp_path / "d")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine", encoding="utf-8")
    short = tmp_path / "short.key"
    short.write_text("secret\n", encoding="utf-8")
    before = _tree(tmp_path)
    cases = [
        (["--out", folder, "--key-file", key_file], "is the dataset folder"),
        (["--out", folder / "pseudo", "--key-file", key_file], "is inside the dataset folder"),
        (["--out", folder / ".." / "d" / "x", "--key-file", key_file], "is inside the dataset folder"),
        (["--out", busy, "--key-file", key_file], "is a folder that is not empty"),
        (["--out", folder / "posts.csv", "--key-file", key_file], "is inside the dataset folder"),
        (["--out", tmp_path / "new", "--key-file", short], "the key has 6 bytes"),
        (["--out", tmp_path / "new", "--key-file", tmp_path / "missing.key"], "no such file"),
        (["--out", tmp_path / "new", "--key-file", key_file, "--on-error", "reject",
          "--rejected", tmp_path / "new" / "rejected.csv"], "inside --out"),
    ]
    for args, message in cases:
        status, out, err = run("pseudonymize", "--data", folder, *args)
        assert status == 2, args
        assert message in err, (args, err)
        assert _tree(tmp_path) == before, args  # nothing written, nothing changed
        assert not (tmp_path / "new").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    status, _, err = run("pseudonymize", "--data", folder, "--out", empty, "--key-file", key_file)
    assert status == 0, err
    assert (empty / "posts.csv").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "staging folder left behind"


def test_pseudonymize_writes_parquet_tables_as_parquet(run, tmp_path, key_file):
    folder = _dataset(tmp_path / "d")
    dataset = load_dataset(folder)
    dataset.posts.to_parquet(folder / "posts.parquet", index=False)
    (folder / "posts.csv").unlink()
    status, _, err = run("pseudonymize", "--data", folder, "--out", tmp_path / "p", "--key-file", key_file)
    assert status == 0, err
    assert (tmp_path / "p" / "posts.parquet").is_file() and (tmp_path / "p" / "members.csv").is_file()
    assert load_dataset(tmp_path / "p").posts["likes"].sum() == dataset.posts["likes"].sum()
