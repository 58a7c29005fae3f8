"""Source notebooks stay thin and clean, and their parameters match their settings objects."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from influence_lib.parameters import NOTEBOOK_PARAMETERS

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
CHECK_TAG = "nbval-check-output"


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def test_every_section_notebook_is_known():
    assert [p.stem for p in NOTEBOOKS] == sorted(NOTEBOOK_PARAMETERS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_clean(path):
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] != "code":
            continue
        tagged = CHECK_TAG in cell.get("metadata", {}).get("tags", [])
        if tagged:
            # nbval compares only cells that were run: the stored outputs carry a fixed count
            assert cell["outputs"], f"{path.name} cell {i}: checked cell has no stored output (run make golden)"
            assert cell["execution_count"] == 1, f"{path.name} cell {i}"
            assert all(o["output_type"] == "stream" and o["name"] == "stdout" for o in cell["outputs"])
        else:
            assert cell["outputs"] == [], f"{path.name} cell {i}: stored outputs on an unchecked cell"
            assert cell["execution_count"] is None, f"{path.name} cell {i}: execution count stored"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_thin_notebook(path):
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] == "code":
            for line in "".join(cell["source"]).splitlines():
                assert not line.lstrip().startswith(("def ", "class ", "import pandas", "lambda")), \
                    f"{path.name} cell {i}: logic belongs in influence_lib: {line!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_are_the_settings_fields(path):
    import papermill as pm

    cells = _cells(path)
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged parameters"
    found = pm.inspect_notebook(str(path))
    model = NOTEBOOK_PARAMETERS[path.stem]
    assert set(found) == set(model.model_fields)
    assert all(p["inferred_type_name"] in ("str", "int", "bool") for p in found.values()), "annotate every parameter"
    # the defaults of the notebook are the defaults of the settings object
    defaults = {name: ast.literal_eval(p["default"]) for name, p in found.items()}
    assert model.from_values(**defaults).model_dump() == model().model_dump()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_has_kernelspec_and_checked_cell(path):
    content = json.loads(path.read_text(encoding="utf-8"))
    assert content["metadata"]["kernelspec"]["language"] == "python"
    assert any(CHECK_TAG in c.get("metadata", {}).get("tags", []) for c in content["cells"])


def test_parameters_reject_unknown_and_mistyped_values():
    from influence_lib.errors import SettingsError
    from influence_lib.parameters import SegmentParameters

    with pytest.raises(SettingsError, match="segmnt"):
        SegmentParameters.from_values(segmnt="x")
    with pytest.raises(SettingsError, match="sector"):
        SegmentParameters.from_values(sector=2021)
    with pytest.raises(SettingsError, match="sector"):
        SegmentParameters.from_values(sector="../etc")


def _parameters_source(path) -> str:
    cell = next(c for c in _cells(path) if "parameters" in c.get("metadata", {}).get("tags", []))
    return "".join(cell["source"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_parameter_cannot_be_dropped_silently(path):
    """Each notebook builds its parameters from its own namespace: a name left out is an error, not a default."""
    from influence_lib.errors import SettingsError

    model = NOTEBOOK_PARAMETERS[path.stem]
    code = "".join("".join(c["source"]) for c in _cells(path) if c["cell_type"] == "code")
    assert f"{model.__name__}.from_namespace(globals())" in code
    assert "from_values(" not in code
    source = _parameters_source(path)
    namespace: dict = {}
    exec(source, namespace)
    assert model.from_namespace(namespace) == model()
    for name in model.model_fields:
        kept = "\n".join(line for line in source.splitlines() if not line.startswith(f"{name}:"))
        namespace = {}
        exec(kept, namespace)
        with pytest.raises(SettingsError, match=name):
            model.from_namespace(namespace)
