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


# IPython display classes that read their argument as markup: Markdown and LaTeX pass raw HTML and
# ``javascript:`` links through, so they may only show a literal text written in the notebook.
LITERAL_ONLY = {"Markdown", "Latex", "display_markdown", "display_latex"}
NEVER = {"Javascript", "display_javascript"}
HTML_BUILDERS = {"presentation", "html"}  # the library modules whose fragments escape their data


def unsafe_display_calls(source: str) -> list[str]:
    """Calls of a code cell that could pass data to the page unescaped (empty when none).

    ``Markdown(...)`` and ``Latex(...)`` only with string literals; ``Javascript`` never; ``HTML(...)``
    only around a call of :mod:`influence_lib.presentation` or :mod:`influence_lib.html`, never an
    f-string, a concatenation, a formatted string or a variable; no ``%%html`` or ``%%markdown`` cell.
    """
    if source.lstrip().startswith("%%"):
        return [f"cell magic {source.split()[0]}"]
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        arguments = list(node.args) + [k.value for k in node.keywords]
        if name in NEVER:
            found.append(f"{name}(...)")
        elif name in LITERAL_ONLY and not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in arguments):
            found.append(f"{name}({ast.unparse(arguments[0]) if arguments else ''}): data would pass through Markdown")
        elif name == "HTML" and not all(isinstance(a, ast.Call) and isinstance(a.func, ast.Attribute)
                                        and isinstance(a.func.value, ast.Name) and a.func.value.id in HTML_BUILDERS
                                        for a in arguments):
            found.append(f"HTML({', '.join(ast.unparse(a) for a in arguments)}): build fragments in influence_lib")
    return found


def test_unsafe_display_calls_are_found():
    for source in ('display(Markdown(f"# {seg.label}"))', "display(Markdown(text))", 'Markdown("## " + name)',
                   'display(HTML(f"<h2>{name}</h2>"))', "display(HTML(fragment))", 'HTML("<p>%s</p>" % name)',
                   'HTML("<p>{}</p>".format(name))', 'Javascript("alert(1)")', "%%html\n<b>x</b>",
                   "display(Markdown(data=text))"):
        assert unsafe_display_calls(source), source
    assert unsafe_display_calls('display(Markdown("## Titre fixe"))') == []
    assert unsafe_display_calls('display(HTML(presentation.heading(f"Top {n} : {label}")))') == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_data_never_reaches_the_page_unescaped(path):
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] == "code":
            assert unsafe_display_calls("".join(cell["source"])) == [], f"{path.name} cell {i}"
