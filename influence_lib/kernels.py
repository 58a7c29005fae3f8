"""Notebook kernels of this process: started fast (forked from a warm process), known by their manager, stopped on Ctrl-C.

A report runs every section notebook in a kernel of its own, and each kernel used to pay for
starting Python, importing ipykernel and then importing pandas, scipy, matplotlib and the library
(about 2.5 s of CPU, eight times per report). :func:`fork_server` starts one process that imports
all that once; each kernel is then a fork of it (:class:`KernelForkServer`), which runs
``python -m ipykernel_launcher`` as the kernelspec says, with the environment and working
directory the kernel manager asked for. The notebooks run exactly as before: the imports they
make are already in ``sys.modules``. Anything the fork server cannot do (another kernelspec,
another interpreter, a server that died) falls back to a normal start.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async
from traitlets import DottedObjectName, Type

_lock = threading.Lock()
_live: set[TrackedKernelManager] = set()
_stopping = False
_server: KernelForkServer | None = None
_thread = threading.local()  # per notebook thread: was its last kernel forked, must the next one not be

# What a section notebook imports, loaded once by the fork server (a name that fails to import is
# skipped: the notebook's own import then fails as it would have), with what the kernel application
# imports as it starts (its debugger, debugpy, the history's sqlite3, psutil...: about 0.15 s of CPU
# per kernel). Never matplotlib's inline backend: it connects itself to IPython when first imported,
# which must happen in the kernel.
PRELOAD = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "IPython.display",
    "ipykernel.debugger", "IPython.core.completerlib", "IPython.core.debugger", "IPython.core.oinspect",
    "IPython.extensions.storemagic", "IPython.utils.wildcard", "sqlite3", "psutil", "tornado.queues",
    "tornado.platform.asyncio",
    "matplotlib.pyplot", "pandas", "numpy", "scipy.stats", "pyarrow",
    "influence_lib.parameters", "influence_lib.sections", "influence_lib.export", "influence_lib.html",
    "influence_lib.plots", "influence_lib.presentation", "influence_lib.presentation.robustness",
    "influence_lib.highlights", "influence_lib.trends", "influence_lib.frenchify", "influence_lib.compare",
    "influence_lib.sensitivity",
)
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # what ipykernel sets when MPLBACKEND is unset
# Variables a kernel's environment holds and this process's may not: the fork server imports ipykernel
# with JPY_PARENT_PID set to this process's pid, as jupyter_client starts a kernel (ipykernel reads it
# at import: its kernels end if this process dies), and matplotlib with MPLBACKEND set as ipykernel sets it.
IGNORED_ENV = frozenset({"JPY_PARENT_PID", "MPLBACKEND"})
KERNEL_NAME = "python3"  # the kernelspec the report's notebooks run in
FORK_SWITCH = "INFLUENCE_FORK_KERNELS"  # "0": start every kernel as a new process (the fork server is off)


class TrackedKernelClient(AsyncKernelClient):
    """The client of a notebook's kernel: ready as soon as the kernel has answered, not 0.2 s later.

    jupyter_client's ``wait_for_ready`` ends by reading IOPub until it has been silent for 0.2 s,
    so every notebook's first cell waited 0.2 s for nothing (about 0.8 s of a report: four notebooks
    after one another on each of two kernels). This one asks for ``kernel_info`` as it does, then
    reads IOPub up to the idle status that ends the request answered: the last message that request
    causes. Messages of earlier requests (one a second until the kernel answers) may remain: nbclient
    takes only the messages that answer its own requests.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Wait until the kernel answers ``kernel_info`` on shell and IOPub; as jupyter_client's, without the idle wait.

        Raises
        ------
        RuntimeError
            The kernel died, or did not answer within ``timeout`` seconds.
        """
        deadline = time.time() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            reply = seen = None
            try:
                reply = await ensure_async(self.shell_channel.get_msg(timeout=1))
            except Empty:
                pass
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:
                    seen = await ensure_async(self.iopub_channel.get_msg(timeout=0.2))  # IOPub is connected
                except Empty:
                    pass
                if seen is not None:
                    self._handle_kernel_info_reply(reply)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.time() > deadline:
                raise RuntimeError("Kernel didn't respond in %d seconds" % timeout)
        answered = reply["parent_header"].get("msg_id")
        while not (seen["msg_type"] == "status" and seen["content"].get("execution_state") == "idle"
                   and seen["parent_header"].get("msg_id") == answered):
            try:
                seen = await ensure_async(self.iopub_channel.get_msg(timeout=0.2))
            except Empty:
                break


class TrackedKernelManager(AsyncKernelManager):
    """The kernel manager papermill is given: registers each kernel it starts until its resources are cleaned up.

    Kernels run in their own session (jupyter_client starts them so), so a Ctrl-C in the terminal
    reaches only the ``influence`` process, which stops them with :func:`stop_kernels`. Their
    process stderr (the kernel application's log lines, never a notebook's output: that goes
    through the messaging protocol) is discarded, so that a run prints only its own messages.
    Its clients are :class:`TrackedKernelClient`.
    """

    client_class = DottedObjectName("influence_lib.kernels.TrackedKernelClient")
    client_factory = Type(klass=TrackedKernelClient)

    async def start_kernel(self, **kw):  # noqa: D102 (the parent's documentation applies)
        kw.setdefault("stderr", subprocess.DEVNULL)
        await AsyncKernelManager.start_kernel(self, **kw)
        with _lock:
            _live.add(self)
            stopping = _stopping
        if stopping:  # started while the run was being stopped
            _kill(self)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        """Fork the kernel from the fork server when one runs and can start this command; else start it as usual."""
        server = None if getattr(_thread, "plain", False) else _server
        provisioner = self.provisioner
        _thread.forked = False
        if server is not None and kw.get("stderr") is subprocess.DEVNULL and hasattr(provisioner, "process"):
            env = {**(kw.get("env") or os.environ), "JPY_PARENT_PID": str(os.getpid())}  # as jupyter_client's launcher
            pid = server.fork(kernel_cmd, env, kw.get("cwd"))
            if pid is not None:
                provisioner.process = ForkedKernel(pid)
                provisioner.pid = provisioner.pgid = pid  # the kernel leads its own session, as Popen starts it
                provisioner.cwd = kw.get("cwd") or Path.cwd()
                self._reconcile_connection_info(provisioner.connection_info)
                _thread.forked = True
                return
        await AsyncKernelManager._async_launch_kernel(self, kernel_cmd, **kw)

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        """Wait for a killed kernel to end, looking every 5 ms: jupyter_client's 0.1 s was the usual wait.

        A kernel killed (every notebook's, once its last cell ran) ends within milliseconds, but the
        first look comes too soon; then the next notebook waited for the second one.
        """
        await AsyncKernelManager._async_wait(self, pollinterval=min(pollinterval, 0.005))

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


def last_kernel_forked() -> bool:
    """Whether the last kernel this thread started was forked from the fork server."""
    return getattr(_thread, "forked", False)


def stopping() -> bool:
    """Whether :func:`stop_kernels` stopped the run (until :func:`start_run`)."""
    return _stopping


@contextmanager
def started_as_usual():
    """Kernels this thread starts inside the block are new processes, even while a fork server runs."""
    _thread.plain = True
    try:
        yield
    finally:
        _thread.plain = False


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


# --- Kernels forked from a warm process ----------------------------------------------------------

class ForkedKernel:
    """A kernel the fork server started, with the part of ``subprocess.Popen`` jupyter_client uses.

    The fork server starts it through an intermediate process that exits at once, so that it is
    handed to this process (a child subreaper while the fork server runs, see :func:`fork_server`):
    it is our child, as a kernel started with ``Popen`` is, and is waited for the same way.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """``None`` while the kernel runs, then its exit status (``-N``: killed by signal N)."""
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere: it ended
                self.returncode = 0
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the kernel to end; its exit status."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        """Signal the kernel (nothing once it ended)."""
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        """SIGKILL."""
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        """SIGTERM."""
        self.send_signal(signal.SIGTERM)


def _comparable(env: dict) -> dict:
    return {k: v for k, v in env.items() if k not in IGNORED_ENV}


def _launcher_prefix(argv: list[str]) -> list[str] | None:
    """The interpreter and its options in a command ``python [OPTIONS] -m ipykernel_launcher ARGS...``, or ``None``."""
    for i in range(1, len(argv) - 1):
        if argv[i] == "-m":
            return argv[:i] if argv[i + 1] == "ipykernel_launcher" else None
    return None


class KernelForkServer:
    """A process that imports what the notebooks need once, then forks one kernel per request.

    Started with the interpreter and options of the kernelspec's command, in this process's
    working directory and environment (so ``sys.path`` is a kernel's own), in a session of its own
    (a Ctrl-C in the terminal reaches this process only, which stops the kernels). Each kernel is
    a child of this process (:class:`ForkedKernel`), in a session of its own, as ``Popen`` starts
    it. The server ends when this process closes the connection or dies. Requests are served one
    at a time.

    Parameters
    ----------
    argv : list of str
        The kernelspec's command (``{connection_file}`` not yet filled in).
    """

    def __init__(self, argv: list[str]):
        self.prefix = _launcher_prefix(argv)
        if self.prefix is None:
            raise ValueError(f"not an ipykernel command: {argv}")
        self.env = dict(os.environ)  # a kernel whose environment differs (but for IGNORED_ENV) starts as usual
        ours, theirs = socket.socketpair()
        self._lock = threading.Lock()
        self._sock, self._reader = ours, ours.makefile("r", encoding="utf-8")
        self._ready = False
        env = dict(os.environ)
        env.setdefault("MPLBACKEND", INLINE_BACKEND)  # read when matplotlib is imported, as in a kernel
        env["JPY_PARENT_PID"] = str(os.getpid())  # ipykernel reads it at import: its kernels watch this process
        try:
            self.process = subprocess.Popen([*self.prefix, "-m", "influence_lib.kernels", "--serve", "ipykernel_launcher",
                                             str(theirs.fileno())],
                                            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, env=env, start_new_session=True)
        finally:
            theirs.close()

    def fork(self, cmd: list[str], env: dict, cwd: str | None = None) -> int | None:
        """Start a kernel running ``cmd`` (with ``env`` and ``cwd``); its pid, or ``None`` when it cannot."""
        if _launcher_prefix(cmd) != self.prefix or _comparable(env) != _comparable(self.env):
            return None
        request = json.dumps({"argv": cmd[len(self.prefix):], "env": env, "cwd": str(cwd) if cwd else None})
        with self._lock:
            try:
                if not self._ready:
                    self._ready = json.loads(self._reader.readline() or "{}").get("ready", False)
                    if not self._ready:
                        return None
                self._sock.sendall(request.encode("utf-8") + b"\n")
                answer = json.loads(self._reader.readline() or "{}")
            except (OSError, ValueError):
                return None
        return answer.get("pid")

    def close(self) -> None:
        """Stop the server (its kernels run on until their managers stop them).

        A server still importing has started no kernel: it is killed rather than waited for (a
        command that stopped before its first notebook, a usage error).
        """
        try:
            if not self._ready:
                self.process.kill()
            self._reader.close()
            self._sock.close()
        finally:
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def fork_server(kernel_name: str = KERNEL_NAME):
    """Kernels of this process started from a :class:`KernelForkServer` inside the block.

    Does nothing (kernels start as new processes) when :data:`FORK_SWITCH` is ``0``, without
    ``os.fork`` (Windows), or when the kernelspec is not a plain ``ipykernel_launcher`` command.
    """
    global _server
    server = None
    if (os.environ.get(FORK_SWITCH, "1") != "0" and hasattr(os, "fork") and _server is None
            and threading.current_thread() is threading.main_thread() and _set_child_subreaper(True)):
        try:
            from jupyter_client.kernelspec import KernelSpecManager

            server = KernelForkServer(KernelSpecManager().get_kernel_spec(kernel_name).argv)
        except Exception:  # noqa: BLE001 (no server: kernels start the usual way)
            server = None
            _set_child_subreaper(False)
    _server = server if server is not None else _server
    try:
        yield server
    finally:
        if server is not None:
            _server = None
            server.close()
            _set_child_subreaper(False)


def _serve(fd: int) -> None:
    """The fork server's loop: import :data:`PRELOAD`, say so, then fork a kernel per request until EOF."""
    import importlib

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001,S112 (the kernel will meet the same error in its notebook)
            continue
    # What the imports made stays for the kernels' whole life: out of the collector's sight, a full
    # collection in a kernel walks only the notebook's own objects (0.1 s less each, 1 or 2 per
    # notebook) and does not write into, hence copy, every page the kernels share with this process.
    gc.freeze()
    conn = socket.socket(fileno=fd)
    reader = conn.makefile("r", encoding="utf-8")
    conn.sendall(b'{"ready": true}\n')
    for line in reader:
        request = json.loads(line)
        read_end, write_end = os.pipe()
        middle = os.fork()
        if middle == 0:  # forks the kernel and exits: the kernel goes to the subreaper, the run's process
            reader.close()
            conn.close()
            os.close(read_end)
            kernel = os.fork()
            if kernel == 0:
                os.close(write_end)
                _run_kernel(request["argv"], request["env"], request["cwd"])
            os.write(write_end, str(kernel).encode("ascii"))
            os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            answer = pipe.read().decode("ascii")
        os.waitpid(middle, 0)
        conn.sendall(json.dumps({"pid": int(answer) if answer else None}).encode("utf-8") + b"\n")
    # The run's process closed the connection: end at once. Tearing down pandas, scipy, matplotlib and
    # the interpreter's modules took about half a second, which the run's process spent waiting.
    os._exit(0)


def _run_kernel(argv: list[str], env: dict, cwd: str | None) -> None:
    """In a forked child: become ``python -m ipykernel_launcher -f FILE`` as a new process would, then exit."""
    import atexit
    import runpy

    code = 1
    try:
        os.setsid()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)  # the kernel reads nothing from a terminal
        os.dup2(null, 2)  # its log lines are discarded, as TrackedKernelManager asks
        os.close(null)
        os.environ.clear()
        os.environ.update(env)
        if cwd:
            os.chdir(cwd)
        module, arguments = argv[1], argv[2:]
        sys.argv = [module, *arguments]
        try:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001,S110
                pass
    finally:
        os._exit(code)


def _set_child_subreaper(on: bool) -> bool:
    """Linux: make this process adopt its orphaned descendants (the fork server's kernels); whether it could."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, int(on), 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


if __name__ == "__main__":
    _serve(int(sys.argv[-1]))
