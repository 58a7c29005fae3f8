"""Fixture files of the importers and a helper to run ``influence import`` on them.

Each scenario names a format, its fixture files, the extra arguments, and the file holding the
canonical posts rows expected from them (written from the fixtures' design, not from the code).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from influence_lib.importers.command import main as import_main

FIXTURES = Path(__file__).parent / "fixtures"
ROSTER = FIXTURES / "roster"


@dataclass(frozen=True)
class Scenario:
    format: str
    files: tuple[str, ...]
    expected: str
    args: tuple[str, ...] = field(default=())

    def paths(self) -> list[str]:
        return [str(FIXTURES / f) for f in self.files]


SCENARIOS = {
    "twarc2": Scenario("twarc2", ("twarc2/timeline.jsonl", "twarc2/timeline_later.jsonl"), "twarc2/expected_posts.csv"),
    "twarc-csv": Scenario("twarc-csv", ("twarc-csv/tweets.csv",), "twarc-csv/expected_posts.csv"),
    "twarc-csv-excel-fr": Scenario("twarc-csv", ("twarc-csv/tweets_excel_fr.csv",), "twarc-csv/expected_posts_excel_fr.csv"),
    "twitter-v1": Scenario("twitter-v1", ("twitter-v1/statuses.jsonl",), "twitter-v1/expected_posts.csv",
                           ("--scraped-at", "2019-06-30T00:00:00Z")),
    "x-archive": Scenario("x-archive", ("x-archive/twitter-2024-01-10-claire/data/tweets.js",), "x-archive/expected_posts.csv"),
    "phantombuster": Scenario("phantombuster-linkedin", ("phantombuster-linkedin/result.csv",
                                                         "phantombuster-linkedin/result_2025-06-30.csv"),
                              "phantombuster-linkedin/expected_posts.csv"),
    "phantombuster-excel-fr": Scenario("phantombuster-linkedin", ("phantombuster-linkedin/result_excel_fr.csv",),
                                       "phantombuster-linkedin/expected_posts_excel_fr.csv"),
    "apify": Scenario("apify-linkedin", ("apify-linkedin/harvestapi_posts.json", "apify-linkedin/harvestapi_posts_2025-04.json",
                                         "apify-linkedin/apify_other_actors.jsonl", "apify-linkedin/apify_export_excel.csv"),
                      "apify-linkedin/expected_posts.csv", ("--scraped-at", "2025-05-22T10:00:00Z")),
    "bluesky": Scenario("bluesky", ("bluesky/feed_sophie_page1.json", "bluesky/feed_sophie_page2.json", "bluesky/feed_hugo.jsonl",
                                    "bluesky/profiles.json"), "bluesky/expected_posts.csv", ("--scraped-at", "2025-11-21T08:00:00Z")),
}


@dataclass
class Run:
    """The outcome of one ``influence import``: exit status, output streams and the dataset folder."""

    status: int
    out: str
    err: str
    dataset: Path

    def posts_text(self) -> str:
        return (self.dataset / "posts.csv").read_text(encoding="utf-8")

    def posts(self) -> pd.DataFrame:
        return pd.read_csv(self.dataset / "posts.csv", dtype=str, keep_default_na=False)

    def accounts(self) -> pd.DataFrame:
        return pd.read_csv(self.dataset / "accounts.csv", dtype=str, keep_default_na=False).set_index("account_id")

    def report(self) -> dict:
        import json
        return json.loads((self.dataset / "import-report.json").read_text(encoding="utf-8"))


@pytest.fixture
def run_import(tmp_path, capsys):
    """Run ``influence import`` (the sub-command's own entry point) into ``tmp_path/dataset`` by default."""
    def run(fmt: str, files: list[str], *args: str, out: Path | None = None, roster: Path = ROSTER) -> Run:
        dataset = out or tmp_path / "dataset"
        status = import_main(["--format", fmt, "--roster", str(roster), "--out", str(dataset), *args, *files])
        captured = capsys.readouterr()
        return Run(status, captured.out, captured.err, dataset)
    return run


@pytest.fixture
def run_scenario(run_import):
    def run(name: str, *args: str, out: Path | None = None) -> Run:
        s = SCENARIOS[name]
        return run_import(s.format, s.paths(), *s.args, *args, out=out)
    return run


def expected_text(name: str) -> str:
    return (FIXTURES / SCENARIOS[name].expected).read_text(encoding="utf-8")
