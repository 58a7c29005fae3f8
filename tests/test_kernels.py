"""The notebooks' kernels: forked from the fork server with everything they import already loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from influence_lib import kernels


def test_every_preloaded_module_imports():
    """The fork server skips a name that fails to import: a misspelt one would cost every kernel its import again."""
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    env = {**os.environ, "MPLBACKEND": kernels.INLINE_BACKEND}  # as the fork server imports them
    done = subprocess.run([sys.executable, "-c", code, *kernels.PRELOAD], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


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


def test_the_kernel_application_starts_with_little_left_to_import(tmp_path):
    """After the preload, starting the kernel application (what each forked kernel does) imports next to nothing.

    Without the kernel application's own imports in the preload, every kernel imported about 150
    modules (debugpy, sqlite3, psutil...) after the fork. A new ipykernel that imports more at start
    fails here: add what it imports to :data:`influence_lib.kernels.PRELOAD`.
    """
    found = tmp_path / "imported.json"
    env = {**os.environ, "MPLBACKEND": kernels.INLINE_BACKEND}
    done = subprocess.run([sys.executable, "-c", _INITIALIZE, str(tmp_path / "kernel.json"), str(found), *kernels.PRELOAD],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    imported = json.loads(found.read_text(encoding="utf-8"))
    assert len(imported) <= 10, imported
