"""Exceptions the package raises for bad input, each carrying a message meant for the user."""

from __future__ import annotations


class InfluenceError(Exception):
    """Base class: a problem with the user's input, reported without a traceback (exit status 1)."""

    exit_status = 1


class SettingsError(InfluenceError):
    """A settings file (dataset.yml, methodology, section parameters) is missing or invalid."""


class DatasetError(InfluenceError):
    """A whole-file problem: missing or ambiguous file, missing column, unreadable bytes, empty file."""


class DataValidationError(InfluenceError):
    """Rows break the contract; ``report`` lists every problem with file, line, column and reason."""

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report
