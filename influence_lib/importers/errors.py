"""The exceptions of the importers: a failed import (exit 1), bad arguments (exit 2), a refused file."""

from __future__ import annotations

from pathlib import Path

from influence_lib.errors import InfluenceError


class ImportFailure(InfluenceError):
    """The import cannot go on; the message names the file and what to do (exit status 1)."""

    exit_status = 1


class ImportUsageError(ImportFailure):
    """Bad arguments: missing paths, a roster that is not a dataset folder... (exit status 2)."""

    exit_status = 2


class FileRefused(Exception):
    """A whole input file cannot be read as the chosen format.

    Parameters
    ----------
    path : Path or str
        The file.
    line : int, optional
        The line the problem was found on, when there is one.
    message : str
        What is wrong and what to do.
    """

    def __init__(self, path: Path | str, line: int | None, message: str):
        super().__init__(message)
        self.path, self.line, self.message = str(path), line, message

    def __str__(self) -> str:
        """``path:line: message``."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"
