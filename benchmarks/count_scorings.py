"""Count how many times each report section scores its posts (``scoring.score_posts`` calls).

Runs the code cells of each section notebook in this process, with the notebook's default
parameters, after wrapping ``score_posts`` wherever ``influence_lib`` has bound it. Prints one
line per notebook: ``<notebook>: <n> scorings``. Usage: ``python benchmarks/count_scorings.py``.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent


def _wrap_score_posts(counter: list[int]) -> None:
    import influence_lib
    from influence_lib import scoring

    for info in pkgutil.walk_packages(influence_lib.__path__, "influence_lib."):
        try:
            importlib.import_module(info.name)
        except Exception:  # optional modules (e.g. an engine not installed) are not counted
            continue
    original = scoring.score_posts

    def counted(*args, **kwargs):
        counter[0] += 1
        return original(*args, **kwargs)

    for name, module in list(sys.modules.items()):
        if name.startswith("influence_lib") and getattr(module, "score_posts", None) is original:
            module.score_posts = counted


def main() -> int:
    counter = [0]
    _wrap_score_posts(counter)
    import IPython.display as display

    display.display = lambda *a, **k: None  # the notebooks' display calls print nothing here
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        namespace: dict = {}
        counter[0] = 0
        for cell in cells:
            if cell["cell_type"] == "code":
                exec(compile("".join(cell["source"]), str(path), "exec"), namespace)
        import matplotlib.pyplot as plt

        plt.close("all")
        print(f"{path.stem}: {counter[0]} scorings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
