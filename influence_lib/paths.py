"""Where things are: the package's folders, the embedded sample, and where a report is written."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT_DIR = PACKAGE_DIR.parent
SAMPLE_DIR = ROOT_DIR / "data" / "sample"
NOTEBOOK_DIR = ROOT_DIR / "notebooks"
DEFAULT_OUT_DIR = Path("outputs")
REJECTED_ROWS_FILE = DEFAULT_OUT_DIR / "rejected-rows.csv"


def dataset_dir(data_dir: str | Path | None) -> Path:
    """The dataset folder a parameter or option names; empty or ``None`` is the embedded sample."""
    return Path(data_dir) if data_dir else SAMPLE_DIR


def report_dir(out_dir: str | Path, sector: str, edition: str) -> Path:
    """The folder of one report: ``<out>/<sector>/<edition>``."""
    return Path(out_dir) / sector / edition
