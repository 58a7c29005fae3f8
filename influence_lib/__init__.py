"""influence: rank how influential the leadership teams (Directions) of organisations are on social networks."""


def __getattr__(name: str):
    """``influence_lib.__version__``, read from the installed package's metadata on first use.

    Lazily: ``importlib.metadata`` costs tens of milliseconds that every command and every report
    kernel would otherwise pay on import.
    """
    if name != "__version__":
        raise AttributeError(f"module 'influence_lib' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("influence")
    except PackageNotFoundError:  # running from a source tree that was not installed
        found = "0.0.0+unknown"
    globals()["__version__"] = found
    return found
