"""The command's process: Arrow's allocator, SIGTERM handled as Ctrl-C, and a quick exit."""

from __future__ import annotations

import os
import signal
import sys


def use_jemalloc() -> None:
    """Let Arrow allocate with jemalloc where available.

    On 10^7 posts it returns memory sooner (~150 MB lower peak) and spends less time in the system
    allocator.
    """
    try:
        import pyarrow as pa
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except (ImportError, NotImplementedError, AttributeError, OSError):
        pass


def exit_now(status: int) -> None:
    """End the process with ``status`` at once: snapshots written and outputs flushed first, no teardown."""
    snapshot = sys.modules.get("influence_lib.snapshot")
    if snapshot is not None:
        snapshot.wait_for_writers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe, or a stream already closed
            pass
    os._exit(status)


def stop_on_sigterm(terminated: list):
    """Make SIGTERM (``kill``, a scheduler's timeout) stop a command as Ctrl-C does.

    Kernels killed, staging removed, one line; ``terminated`` records that it came. Returns the
    previous handler (None when not in the main thread, where signals cannot be handled).
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum, frame):
        terminated.append(signum)
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, stop)
