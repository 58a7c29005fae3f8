"""The committed sample: what `influence summary` says of it meets the study's methodology box."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

from influence_lib import synth
from influence_lib.cli import main
from influence_lib.dataset import SAMPLE_DIR

TARGETS = {
    "organizations": (258, 258), "members": (1651, 1651),
    ("linkedin", "accounts"): (1400, 1450), ("linkedin", "posts"): (10000, 10500),
    ("linkedin", "engagement"): (487000, 490000),
    ("twitter", "accounts"): (120, 130), ("twitter", "engagement"): (8900, 9100),
}


def test_summary_of_the_sample_meets_every_calibration_target(capsys):
    assert main(["summary", "--sector", "sante", "--edition", "2021", "--format", "json"]) == 0
    box = json.loads(capsys.readouterr().out)
    assert box["sector"] == "sante" and box["edition"] == "2021"
    for key, (low, high) in TARGETS.items():
        value = box[key[0]][key[1]] if isinstance(key, tuple) else box[key]
        assert low <= value <= high, f"{key}: {value} not in [{low}, {high}]"


def test_the_sample_validates_without_any_problem(capsys):
    assert main(["validate"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("0 errors, 0 warnings")


def test_committed_sample_is_what_synth_writes(tmp_path: Path):
    """Regenerating the sample gives the committed bytes (a drift means a generator or Faker change)."""
    synth.write_dataset(tmp_path)
    names = sorted(p.name for p in SAMPLE_DIR.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(SAMPLE_DIR, tmp_path, names, shallow=False)
    assert not mismatch and not errors
