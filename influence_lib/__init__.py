"""influence: rank how influential the leadership teams (Directions) of organisations are on social networks."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("influence")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"
