"""Notebook kernels of this process and Ctrl-C: kernels known by their manager, so an interruption stops them at once."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from contextlib import contextmanager

from jupyter_client.manager import AsyncKernelManager

_lock = threading.Lock()
_live: set[TrackedKernelManager] = set()
_stopping = False


class TrackedKernelManager(AsyncKernelManager):
    """The kernel manager papermill is given: registers each kernel it starts until its resources are cleaned up.

    Kernels run in their own session (jupyter_client starts them so), so a Ctrl-C in the terminal
    reaches only the ``influence`` process, which stops them with :func:`stop_kernels`. Their
    process stderr (the kernel application's log lines, never a notebook's output: that goes
    through the messaging protocol) is discarded, so that a run prints only its own messages.
    """

    async def start_kernel(self, **kw):  # noqa: D102 (the parent's documentation applies)
        kw.setdefault("stderr", subprocess.DEVNULL)
        await AsyncKernelManager.start_kernel(self, **kw)
        with _lock:
            _live.add(self)
            stopping = _stopping
        if stopping:  # started while the run was being stopped
            _kill(self)

    async def cleanup_resources(self, restart: bool = False) -> None:  # noqa: D102
        with _lock:
            _live.discard(self)
        await AsyncKernelManager.cleanup_resources(self, restart=restart)


def _kill(manager: AsyncKernelManager) -> bool:
    provisioner = manager.provisioner
    pid = getattr(provisioner, "pid", None)
    if not pid:
        return False
    pgid = getattr(provisioner, "pgid", None)
    try:
        if pgid and pgid != os.getpgrp():
            os.killpg(pgid, signal.SIGKILL)  # the kernel and whatever it started
        else:
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def start_run() -> None:
    """Allow kernels to start again (a run that follows an interrupted one in the same process)."""
    global _stopping
    with _lock:
        _stopping = False


def stop_kernels() -> int:
    """Kill every kernel of this process now, and any kernel that starts from now on until :func:`start_run`.

    The threads running those notebooks then end within about a second: nbclient checks that
    its kernel is alive once a second and raises ``DeadKernelError``.

    Returns
    -------
    int
        How many kernels were killed.
    """
    global _stopping
    with _lock:
        _stopping = True
        managers = list(_live)
    return sum(_kill(m) for m in managers)


@contextmanager
def interrupts(mode: str):
    """Main thread only: ``"ignore"`` Ctrl-C (while cleaning up), or ``"defer"`` it to the end of the block.

    Parameters
    ----------
    mode : {"ignore", "defer"}
        A deferred Ctrl-C raises ``KeyboardInterrupt`` when the block ends (a swap is never cut in two).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN if mode == "ignore" else lambda *_: caught.append(1))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt
