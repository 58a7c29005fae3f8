"""Assembling a report folder once its notebooks ran: the workbook, report.html and the manifest."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from influence_lib import __version__
from influence_lib.outputs import MANIFEST, checksum_files
from influence_lib.settings import DatasetSettings

CHECK_TAG = "nbval-check-output"  # the plain-text cells nbval checks: for machines, not for readers


@dataclass(frozen=True)
class NotebookRun:
    """One execution of a section notebook: template, output name and parameters.

    ``shown`` holds what the executed notebook and the manifest record instead of the local
    paths the kernel was given (``data_dir`` as the dataset's name, ``out_dir`` as ``.``).
    """

    template: str
    name: str
    parameters: dict
    shown: dict = field(default_factory=dict)

    @property
    def recorded(self) -> dict:
        """The parameters as the executed notebook and the manifest record them: no local paths."""
        return {**self.parameters, **self.shown}


def build_workbook(folder: Path, settings: DatasetSettings, sector: str, edition: str,
                   methodology=None) -> Path:
    """``rankings.xlsx`` from the run's tables, sheet by sheet as :data:`influence_lib.workbook.SHEETS` declares.

    Parameters
    ----------
    folder : Path
        The report folder (its ``tables/`` are read back as text).
    settings : DatasetSettings
    sector, edition : str
    methodology : Methodology, optional
        The run's methodology (default engagement v1).

    Returns
    -------
    Path
    """
    from influence_lib.export import write_workbook
    from influence_lib.settings import DEFAULT_METHODOLOGY
    from influence_lib.workbook import SHEETS, about_table, build_sheets, read_report_tables

    methodology = methodology or DEFAULT_METHODOLOGY
    period = settings.period(edition)
    tables = read_report_tables(folder / "tables", SHEETS)  # the sections' tables: nothing is scored again
    tables["about"] = about_table(settings, sector, edition, methodology.label)
    return write_workbook(build_sheets(tables, settings, sector), folder / "rankings.xlsx",
                          title=f"{settings.title} — {settings.sector(sector).title}", subject=f"Édition {edition}",
                          document_date=period.end)


_EXPORTER = None


def _exporter():
    """The HTML exporter of report.html (nbconvert's, code and prompts hidden), made once per process."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                                 exclude_output_prompt=True)
    return _EXPORTER


def html_fragment(folder: Path, run: NotebookRun, settings: DatasetSettings, sector: str) -> str:
    """One executed notebook as report.html shows it: code and stderr hidden, images with their description.

    It depends on that notebook and the figures it saved only, so a run converts each notebook as
    soon as it ends, while the others still run (see :func:`build_html`).
    """
    import nbformat

    from influence_lib.html import prepare_outputs

    available = {p.stem for p in (folder / "figures").glob("*.svg")}
    labels = {s.key: s.label for s in settings.sector(sector).segments}
    nb = nbformat.read(folder / "notebooks" / f"{run.name}.ipynb", as_version=4)
    # the plain-text cells nbval checks are for machines: readers get the formatted tables
    nb.cells = [c for c in nb.cells if CHECK_TAG not in c.get("metadata", {}).get("tags", [])]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    prepare_outputs(nb, available, run.parameters, labels)
    body, _ = _exporter().from_notebook_node(nb)
    return body


def build_html(folder: Path, runs: list[NotebookRun], settings: DatasetSettings, sector: str, edition: str,
               methodology_label: str, dataset_name: str = "", fragments: dict[str, str] | None = None) -> Path:
    """``report.html`` from the executed notebooks: code and stderr hidden, images inline, one file.

    Every image gets a French description and, when its cell saved it with ``export.save_figure``,
    the name of its file (the booklet prints that file's SVG); every heading a unique anchor. The
    footer names the dataset by its title and its folder's name (``dataset_name``), never a path.
    ``fragments`` holds the notebooks already converted by :func:`html_fragment` (by run name);
    the others are converted here.
    """
    from influence_lib.frenchify import format_period
    from influence_lib.html import assemble_page

    fragments = fragments or {}
    sections = [fragments[run.name] if run.name in fragments else html_fragment(folder, run, settings, sector)
                for run in runs]
    period = settings.period(edition)
    dataset = f"« {settings.title} »" + (f", dossier {dataset_name}" if dataset_name else "")
    page = assemble_page(
        title=settings.title, subtitle=settings.sector(sector).title,
        period_text=f"Édition {edition} — posts publiés {format_period(period.start, period.end)}",
        sections=sections,
        footer=f"Produit par influence {__version__} — méthodologie {methodology_label} — données : {dataset}",
    )
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8", newline="\n")
    return path


def build_manifest(folder: Path, dataset, parameters: dict, runs: list[NotebookRun],
                   durations: dict[str, float], methodology) -> Path:
    """``manifest.json``: parameters, versions, methodology, inputs, row counts, opt-outs, statistics, durations, checksums.

    ``dataset`` is the :class:`~influence_lib.dataset.Dataset` the run checked before starting.
    No local path is recorded: the dataset by its folder's name, its files relative to that
    folder, the notebooks' parameters as :attr:`NotebookRun.recorded`. ``files`` lists every
    other file of ``folder`` with its SHA-256 and size, for ``influence verify``: write the
    manifest last. The same as :func:`manifest_entries` then :func:`write_manifest`.
    """
    return write_manifest(folder, manifest_entries(folder, dataset, parameters, runs, durations, methodology))


def manifest_entries(folder: Path, dataset, parameters: dict, runs: list[NotebookRun],
                     durations: dict[str, float], methodology) -> dict:
    """Everything :func:`build_manifest` records but the files' checksums: ready once the notebooks ran."""
    from influence_lib.parameters import notebook_defaults
    from influence_lib.uncertainty import statistics_entry

    root = Path(dataset.path)

    def relative(path: Path) -> str:
        path = Path(path)
        return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name

    return {
        "package": "influence",
        "version": __version__,
        "parameters": parameters,
        "methodology": {"name": methodology.name, "version": methodology.version},
        "dataset": root.name,
        "inputs": {name: {"file": relative(f.path), "format": f.format, "sha256": f.sha256(), "rows": f.rows}
                   for name, f in dataset.files.items()},
        # read = used + rejected + opted_out: people of opt-out.csv are removed before validation
        "rows": {r.table: {"read": int(r.read) + dataset.opt_out.removed[r.table], "used": int(r.used),
                           "rejected": int(r.rejected), "opted_out": dataset.opt_out.removed[r.table]}
                 for r in dataset.report.counts.itertuples(index=False)},
        "opt_out": dataset.opt_out.manifest_entry(),
        # each notebook's parameters as it ran: its defaults (seeds, replicates B...) and those it was given
        "notebooks": [{"name": r.name, "template": r.template, "parameters": {**notebook_defaults(r.template), **r.recorded},
                       "seconds": durations.get(r.name)} for r in runs],
        "statistics": statistics_entry(folder / "tables"),  # library versions; seed, B, engine of each rank uncertainty
    }


def write_manifest(folder: Path, entries: dict) -> Path:
    """Write ``manifest.json`` from :func:`manifest_entries`, with the checksum of every other file of ``folder``."""
    from influence_lib.export import write_json

    return write_json({**entries, "files": checksum_files(folder)}, folder / MANIFEST)
