"""The A4 booklet: report.html printed to report.pdf by WeasyPrint, with the print stylesheet."""

from __future__ import annotations

import gc
import json
import logging
import os
import queue
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from influence_lib.errors import InfluenceError
from influence_lib.html import escape, unescape

PAGE_SIZE_MM = (210, 297)
FIXED_EPOCH = "946684800"  # 2000-01-01T00:00:00Z, the fixed date of the workbook's properties too


class BookletError(InfluenceError):
    """The PDF booklet could not be written (engine or its system libraries missing, unreadable page)."""


@dataclass(frozen=True)
class Booklet:
    """A written booklet: its file, page count, the page (from 1) of each anchor, the engine's warnings."""

    path: Path
    pages: int
    anchors: dict[str, int]
    warnings: tuple[str, ...]
    seconds: float


_FIGURE_IMG = re.compile(r"<img\b[^>]*\bdata-figure=\"([^\"]+)\"[^>]*>")
_SRC = re.compile(r"\bsrc=\"[^\"]*\"")


def print_ready(page: str, figures_dir: Path | None) -> str:
    """The page with each saved figure shown from its SVG file (vector, for print) instead of its screen PNG.

    A figure is an ``<img data-figure="NAME">`` (see :func:`influence_lib.html.saved_figure`);
    ``figures_dir/NAME.svg`` replaces its source when the file exists. Other images keep theirs.
    """
    if figures_dir is None:
        return page

    def _swap(match: re.Match) -> str:
        svg = Path(figures_dir) / f"{unescape(match.group(1))}.svg"
        if svg.parent != Path(figures_dir) or not svg.is_file():
            return match.group(0)
        return _SRC.sub(lambda _: f'src="{escape(svg.resolve().as_uri())}"', match.group(0), count=1)

    return _FIGURE_IMG.sub(_swap, page)


def _weasyprint():
    try:
        import weasyprint
    except OSError as exc:  # the wheel is there but Pango, HarfBuzz or fontconfig is not
        raise BookletError(
            f"report.pdf needs the system libraries of WeasyPrint (Pango, HarfBuzz, fontconfig): {exc}. "
            "On Debian or Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fontconfig"
        ) from None
    except ImportError:
        raise BookletError("report.pdf needs WeasyPrint: reinstall the package (make setup)") from None
    return weasyprint


def _local_fetcher(weasyprint, root: Path):
    """A URL fetcher that serves ``data:`` URLs and files under ``root`` only.

    The booklet never reaches the network, and an image smuggled into the page cannot read other files.
    """
    from weasyprint.urls import URLFetcher

    root = root.resolve()

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file:"):
                from urllib.request import url2pathname

                path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
                if path.is_relative_to(root):
                    return super().fetch(url, headers)
            raise ValueError(f"the booklet only uses the report's own files, not {url[:80]}")

    return LocalFetcher(allowed_protocols={"data", "file"})


def render(page: str, folder: Path):
    """Lay a report page out as A4 pages with WeasyPrint; return its ``weasyprint.Document``.

    Parameters
    ----------
    page : str
        The report's HTML (its print stylesheet included), figures already :func:`print_ready`.
    folder : Path
        The report's folder: relative links resolve there, and only files under it are read.
    """
    weasyprint = _weasyprint()
    return weasyprint.HTML(string=page, base_url=str(Path(folder).resolve()) + "/",
                           url_fetcher=_local_fetcher(weasyprint, Path(folder))).render()


def page_of_anchors(document) -> dict[str, int]:
    """Each anchor (element id) of a laid-out document and the page it is on, counted from 1."""
    found: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            found.setdefault(anchor, number)
    return found


def write_booklet(html_path: str | Path, pdf_path: str | Path | None = None,
                  figures_dir: str | Path | None = None) -> Booklet:
    """Print ``report.html`` to an A4 PDF booklet (default: ``report.pdf`` beside it).

    Cover on its own page, table of contents with page numbers, running header (chapter, sector)
    and footer (study title, page / pages), cards and table rows never split, table headers
    repeated, figures from their SVG files when ``figures_dir`` holds them (default: the
    ``figures`` folder beside the page), PDF bookmarks from the headings. The PDF is tagged
    (structure and image descriptions for screen readers) and dated nowhere: the same page gives
    the same bytes. It is written beside its target, then renamed. The engine prints nothing: an error
    (an image, stylesheet or cross-reference it could not use) raises :class:`BookletError`
    and leaves no PDF; its warnings (CSS it ignores, a character no installed font has) are
    returned in :attr:`Booklet.warnings`.

    Parameters
    ----------
    html_path : str or Path
        The report page.
    pdf_path : str or Path, optional
        Where to write the PDF.
    figures_dir : str or Path, optional
        Folder of the figures' SVG files.

    Returns
    -------
    Booklet
    """
    import time

    started = time.perf_counter()
    html_path = Path(html_path)
    pdf_path = Path(pdf_path) if pdf_path else html_path.with_suffix(".pdf")
    figures = Path(figures_dir) if figures_dir else html_path.parent / "figures"
    page = print_ready(html_path.read_text(encoding="utf-8"), figures if figures.is_dir() else None)
    partial = pdf_path.with_name(f".{pdf_path.name}.partial")
    collected = _Collected()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collected)
    propagate, logger.propagate = logger.propagate, False
    try:
        with _collector_paused():
            document = render(page, html_path.parent)
            with _fixed_font_dates():
                document.write_pdf(partial, pdf_tags=True)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        logger.removeHandler(collected)
        logger.propagate = propagate
    if collected.errors:
        partial.unlink(missing_ok=True)
        raise BookletError(f"{pdf_path.name} would miss part of {html_path.name}: {len(collected.errors)} problem(s) "
                           f"in the PDF engine, first: {collected.errors[0][:300]}")
    partial.replace(pdf_path)
    return Booklet(pdf_path, len(document.pages), page_of_anchors(document), tuple(collected.warnings),
                   round(time.perf_counter() - started, 2))


@contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off inside the block (as it was after).

    WeasyPrint builds hundreds of thousands of boxes, styles and drawing objects, all alive until
    the PDF is written; each full collection walked them all for nothing (11 of them for the
    ``sante`` booklet, a fifth of its time: 7.4-9.1 s with the collector, 5.4-7.2 s without, the
    same bytes; 10 MB more at the peak). What is left goes at the next collection (the printer process
    collects once it has answered).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _fixed_font_dates():
    """Give the fonts fontTools rewrites (the emoji font, without its bitmaps) a fixed date, not now.

    fontTools reads the date from SOURCE_DATE_EPOCH, the reproducible-builds convention, set here
    unless the caller set it.
    """
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = FIXED_EPOCH
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


class _Collected(logging.Handler):
    """Keeps WeasyPrint's messages instead of printing them.

    Errors: an image, a stylesheet or a cross-reference it could not use. Warnings: CSS it
    ignores, characters no installed font has.
    """

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record):
        (self.errors if record.levelno >= logging.ERROR else self.warnings).append(record.getMessage())


# --- A printer process: the booklet written beside the rest of the assembly -----------------------

class BookletPrinter:
    """A process that imports WeasyPrint at once, then writes booklets on request (:func:`write_booklet`).

    A report's PDF is the longest step after its notebooks, and it runs on one core: in a process
    of its own it runs while this process writes the workbook, and its imports and font set-up
    are done while the notebooks run. The process has a session of its own (Ctrl-C reaches the
    run's process, which stops it) and ends when the printer is closed (or its ``with`` block
    ends) or this process dies.
    Without a process (it could not start, or died), :meth:`submit` writes the booklet here.
    """

    def __init__(self):
        self.process: subprocess.Popen | None = None
        self._started = False
        self._pending: str | None = None

    def start(self) -> None:
        """Start the process now (else the first :meth:`submit` does); once."""
        if self._started:
            return
        self._started = True
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "influence_lib.booklet"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, text=True, encoding="utf-8", start_new_session=True)
        except OSError:
            self.process = None

    def submit(self, html_path: str | Path) -> None:
        """Start writing ``report.html``'s booklet beside it; :meth:`result` waits for it."""
        request = json.dumps({"html": str(html_path)})
        self.start()
        # pending before it is sent: a close() from another thread meanwhile then kills the process
        # instead of letting it write a booklet nobody waits for
        self._pending = request
        if self.process is not None and self.process.poll() is None:
            try:
                self.process.stdin.write(request + "\n")
                self.process.stdin.flush()
            except (OSError, ValueError):  # the process ended, or was closed meanwhile: result() decides
                pass

    def result(self, fallback=True) -> Booklet:
        """The booklet asked for by :meth:`submit` (written here when the process could not, if ``fallback``).

        ``fallback`` is a bool, or a function saying it when the process has failed.

        Raises
        ------
        BookletError
            As :func:`write_booklet` raises it; or, without ``fallback``, when the process could not
            write it (it was stopped, or never started).
        """
        request = json.loads(self._pending)
        answer = None
        try:  # pending until answered: closing the printer meanwhile stops it at once
            if self.process is not None and self.process.poll() is None:
                answer = json.loads(self.process.stdout.readline() or "null")
        except (OSError, ValueError):
            answer = None
        except KeyboardInterrupt:  # the run is stopped: so is the booklet being written
            self.process.kill()
            raise
        finally:
            self._pending = None
        if answer is None:
            if not (fallback() if callable(fallback) else fallback):
                raise BookletError(f"the PDF printer stopped before writing the booklet of {request['html']}")
            return write_booklet(request["html"])
        if "error" in answer:
            raise BookletError(answer["error"])
        return Booklet(Path(answer["path"]), answer["pages"], answer["anchors"], tuple(answer["warnings"]),
                       answer["seconds"])

    def discard(self) -> None:
        """Forget the booklet asked for (the report failed): the process is stopped, later ones are written here."""
        if self._pending is not None and self.process is not None:
            self.process.kill()
        self.close()
        self.process, self._pending = None, None  # and it stays started: later booklets are written here

    def __enter__(self) -> BookletPrinter:  # noqa: D105
        return self

    def __exit__(self, *exc) -> None:  # noqa: D105
        self.close()

    def close(self) -> None:
        """Stop the process (at once when a booklet is being written: the run was stopped); it never starts after this."""
        self._started = True
        if self.process is None:
            return
        try:
            if self._pending is not None:
                self.process.kill()
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


class PrinterLane:
    """Booklets written ``size`` at a time, each by a :class:`BookletPrinter` process of its own, kept for the next one.

    A batch prints the booklets of its sectors here, beside its notebooks: one printer would write
    them one after the other (about 8 s of one core each, on the sample), and a batch of many
    sectors on many cores would wait for it. Printers start on demand (:meth:`warm` starts the
    first one ahead); a booklet whose printer could not start or died is written in this process,
    as :class:`BookletPrinter` does. :meth:`close` stops them, at once when one is writing (the run
    was stopped), and a booklet asked for then fails instead of being written here.
    """

    def __init__(self, size: int):
        self.size = max(1, int(size))
        self._idle: queue.SimpleQueue = queue.SimpleQueue()
        self._all: list[BookletPrinter] = []
        self._lock = threading.Lock()
        self._closed = False
        self._threads = ThreadPoolExecutor(self.size, thread_name_prefix="influence-booklet")

    def warm(self) -> None:
        """Start one printer now (its imports run while the notebooks do); once."""
        with self._lock:
            if not self._all and not self._closed:
                self._idle.put(self._new_printer())

    def _new_printer(self) -> BookletPrinter:
        # under the lock, so that close() never misses a printer being started
        if self._closed:
            raise BookletError("the PDF printers were stopped")
        printer = BookletPrinter()
        self._all.append(printer)
        printer.start()
        return printer

    def submit(self, html_path: str | Path):
        """Write ``report.html``'s booklet beside it: a ``concurrent.futures.Future`` of its :class:`Booklet`."""
        return self._threads.submit(self._print, str(html_path))

    def _print(self, html_path: str) -> Booklet:
        try:
            printer = self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                printer = self._new_printer()
        try:
            printer.submit(html_path)
            # written here only when its process could not start or died, never once the lane is closed
            return printer.result(fallback=lambda: not self._closed)
        finally:
            if printer.process is not None and printer.process.poll() is None:
                self._idle.put(printer)  # a printer whose process ended is not used again

    def __enter__(self) -> PrinterLane:  # noqa: D105
        return self

    def __exit__(self, *exc) -> None:  # noqa: D105
        self.close()

    def close(self) -> None:
        """Stop every printer (at once when one is writing) and wait for the lane's threads."""
        with self._lock:
            self._closed = True
            printers = list(self._all)
        for printer in printers:
            printer.close()
        self._threads.shutdown(wait=True, cancel_futures=True)


def _serve() -> None:
    """The printer's loop: WeasyPrint imported, then one booklet per request line, one answer line each."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")  # the answers' own channel: nothing else writes there
    os.dup2(2, 1)
    try:
        _weasyprint()
    except BookletError:
        pass  # each request then answers with the error
    for line in sys.stdin:
        request = json.loads(line)
        try:
            booklet = write_booklet(request["html"])
            answer = {"path": str(booklet.path), "pages": booklet.pages, "anchors": booklet.anchors,
                      "warnings": list(booklet.warnings), "seconds": booklet.seconds}
        except BookletError as exc:
            answer = {"error": str(exc)}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
        gc.collect()  # the booklet's garbage, while no one waits: the next one starts with a clean heap
    # Nothing left to write: end at once. Tearing down WeasyPrint, Pango and the interpreter's modules
    # took about a second, which the run's process spent waiting for this one to end.
    os._exit(0)


if __name__ == "__main__":
    _serve()
