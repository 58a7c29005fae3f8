"""The notebooks' kernels: forked from the fork server with everything they import already loaded."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

from influence_lib import kernels

_INITIALIZE = """
import importlib, json, os, sys
from jupyter_client.connect import write_connection_file
for name in sys.argv[3:]:
    importlib.import_module(name)
before = set(sys.modules)
connection, _ = write_connection_file(sys.argv[1])
from ipykernel.kernelapp import IPKernelApp
IPKernelApp.instance().initialize(["-f", connection])
with open(sys.argv[2], "w") as found:
    json.dump(sorted(set(sys.modules) - before), found)
os._exit(0)
"""


def test_every_preloaded_module_imports_and_the_kernel_application_has_little_left_to_import(tmp_path):
    """Every preloaded name imports, and starting the kernel application (what each forked kernel does) then imports next to nothing.

    The fork server skips a name that fails to import: a misspelt one would cost every kernel its
    import again. Without the kernel application's own imports in the preload, every kernel imported
    about 150 modules (debugpy, sqlite3, psutil...) after the fork. A new ipykernel that imports more
    at start fails here: add what it imports to :data:`influence_lib.kernels.PRELOAD`.
    """
    found = tmp_path / "imported.json"
    env = {**os.environ, "MPLBACKEND": kernels.INLINE_BACKEND}  # as the fork server imports them
    done = subprocess.run([sys.executable, "-c", _INITIALIZE, str(tmp_path / "kernel.json"), str(found), *kernels.PRELOAD],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    imported = json.loads(found.read_text(encoding="utf-8"))
    assert len(imported) <= 10, imported


async def _run_in_a_kernel(code: str) -> tuple[bool, str]:
    """Start a kernel as a notebook's (forked when the fork server runs), run ``code``, return (forked, its stdout)."""
    manager = kernels.TrackedKernelManager(kernel_name=kernels.KERNEL_NAME)
    await manager.start_kernel()
    forked = kernels.last_kernel_forked()
    client = manager.client()
    client.start_channels()
    printed: list[str] = []
    try:
        await client.wait_for_ready(timeout=120)
        reply = await client.execute_interactive(
            code, timeout=60,
            output_hook=lambda msg: printed.append(msg["content"]["text"]) if msg["msg_type"] == "stream" else None)
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)
    return forked, "".join(printed)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fork server needs Linux")
def test_a_forked_kernel_has_the_preload_loaded_and_frozen(monkeypatch):
    """The preloaded modules are there before the first cell, and out of the collector's sight."""
    monkeypatch.delenv(kernels.FORK_SWITCH, raising=False)
    code = ("import gc, sys\n"
            f"print(sorted(n for n in {kernels.PRELOAD!r} if n not in sys.modules), gc.get_freeze_count() > 100_000)")
    with kernels.fork_server() as server:
        assert server is not None
        forked, printed = asyncio.run(_run_in_a_kernel(code))
    assert forked
    assert printed == "[] True\n"
