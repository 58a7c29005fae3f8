"""Regenerate the expected results of the sample (``make golden``), never by hand.

1. Golden tables: the report of sector ``sante`` on the embedded sample, its ``tables/*.csv``
   copied to ``tests/golden/sante/<edition>/``.
2. The outputs of the notebook cells tagged ``nbval-check-output``: each notebook is executed
   with its default parameters and only those cells' outputs are stored back (with a fixed
   execution count, which nbval needs to compare them); every other cell stays clean.

A changed golden file is a methodology change: say so in the commit message.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = ROOT / "tests" / "golden"
CHECK_TAG = "nbval-check-output"
SECTOR = "sante"


def regenerate_tables() -> Path:
    """Run the sample report into a temporary folder and copy its tables to ``tests/golden``."""
    from influence_lib.report import run_report

    with tempfile.TemporaryDirectory() as tmp:
        result = run_report(SECTOR, out_dir=tmp, jobs=2, progress=True)
        target = GOLDEN_DIR / SECTOR / result.edition
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(result.folder / "tables", target)
    return target


def store_checked_outputs(notebook: Path) -> None:
    """Execute ``notebook`` with its defaults; keep only the outputs of tagged cells in the source."""
    import nbformat
    import papermill as pm

    with tempfile.TemporaryDirectory() as tmp:
        executed_path = Path(tmp) / notebook.name
        pm.execute_notebook(str(notebook), str(executed_path), kernel_name="python3", progress_bar=False)
        executed = nbformat.read(executed_path, as_version=4)
    source = nbformat.read(notebook, as_version=4)
    by_id = {cell.get("id"): cell for cell in executed.cells}
    for cell in source.cells:
        if cell.cell_type != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if CHECK_TAG in tags:
            outputs = [o for o in by_id[cell.get("id")].outputs if o.get("name") != "stderr"]
            cell.outputs = outputs
            cell.execution_count = 1
        else:
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(source, notebook)


def main() -> int:
    """Regenerate everything; print what was written."""
    print(f"golden tables: {regenerate_tables()}")
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        store_checked_outputs(notebook)
        print(f"checked outputs stored: {notebook}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
