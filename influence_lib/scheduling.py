"""Dask schedulers: connecting to a cluster (or starting a local one), and an executor that runs notebook runs on it.

``--scheduler`` takes ``local`` (a ``LocalCluster`` on this machine, one single-threaded worker
process per job), ``local:N`` (N such workers) or the address of a running Dask scheduler
(``tcp://host:8786``). Dask is an optional extra (``pip install 'influence[dask]'``), imported
only here and in :mod:`influence_lib.engines`, and only when a scheduler is asked for.

The workers of a cluster must see the same file system as the process that submits the work
(the dataset, the notebooks and the output folders, at the same absolute paths) and have the same
version of ``influence`` installed: see ``docs/scale.md``.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import os
import re
import threading
from contextlib import contextmanager

from influence_lib.errors import InfluenceError

_LOCAL = re.compile(r"local(?::(\d+))?")
_ADDRESS = re.compile(r"(?:tcp|tls|inproc|ucx|ws|wss)://\S+|[A-Za-z0-9.\-\[\]:]+:\d+")
WORKER_LOST = ("KilledWorker", "CommClosedError", "FutureCancelledError")
RETRIES_ON_LOST_WORKER = 1


class SchedulerError(InfluenceError):
    """A scheduler that cannot be used: Dask missing, a malformed address, no scheduler answering (exit 2)."""

    exit_status = 2


def parse_scheduler(value: str) -> tuple[str, int | None]:
    """What a ``--scheduler`` value names: ``("local", N or None)`` or ``("address", value)``.

    Raises
    ------
    SchedulerError
        A value that is neither ``local``, ``local:N`` (N >= 1) nor a scheduler address.
    """
    text = str(value).strip()
    local = _LOCAL.fullmatch(text)
    if local:
        workers = int(local.group(1)) if local.group(1) else None
        if workers is not None and workers < 1:
            raise SchedulerError(f"--scheduler {value}: local:N needs N >= 1 workers")
        return "local", workers
    if _ADDRESS.fullmatch(text):
        return "address", text
    raise SchedulerError(f"--scheduler {value!r}: expected local, local:N (N workers on this machine) or the "
                         f"address of a Dask scheduler such as tcp://scheduler-host:8786")


def require_dask():
    """Import ``dask.distributed``, or say how to install it (:class:`SchedulerError`)."""
    try:
        import dask
        import distributed
    except ImportError:
        raise SchedulerError("the dask engine and --scheduler need Dask, an optional extra: "
                             "pip install 'influence[dask]' (make setup installs it)") from None
    return dask, distributed


def quiet_dask_logs() -> None:
    """Silence Dask's informational logs (cluster start, P2P shuffle notices): warnings and errors stay."""
    for name in ("distributed", "distributed.shuffle", "distributed.scheduler", "distributed.nanny",
                 "distributed.core", "distributed.worker", "distributed.http.proxy"):
        logging.getLogger(name).setLevel(logging.ERROR)


@contextmanager
def dask_client(scheduler: str = "local", default_workers: int | None = None, memory_limit: str | None = None):
    """A ``distributed.Client`` on the scheduler named by ``scheduler``, closed (with its local cluster) on exit.

    A local cluster has single-threaded worker processes (one notebook kernel or one partition at
    a time each), no dashboard, and lets the scheduler give up on a task the first time its worker
    dies (``allowed-failures: 0``): :class:`DaskExecutor` then submits it once more. Pandas 3
    ``str`` columns stay ``str`` on the workers (``dataframe.convert-string: false``).

    Parameters
    ----------
    scheduler : str
        ``local``, ``local:N`` or a scheduler address (see :func:`parse_scheduler`).
    default_workers : int, optional
        Workers of a plain ``local`` cluster (default: the machine's cores).
    memory_limit : str, optional
        Memory limit of each local worker (Dask's syntax, e.g. ``"2GiB"``; default Dask's share of
        the machine).

    Yields
    ------
    distributed.Client
    """
    dask, distributed = require_dask()
    quiet_dask_logs()
    kind, value = parse_scheduler(scheduler)
    settings = {"dataframe.convert-string": False, "distributed.scheduler.allowed-failures": 0,
                "distributed.worker.daemon": False}  # a worker starts notebook kernels: not a daemon
    cluster = None
    with dask.config.set(settings):
        try:
            if kind == "local":
                workers = value or default_workers or os.cpu_count() or 1
                options = {} if memory_limit is None else {"memory_limit": memory_limit}
                cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                   dashboard_address=":0", silence_logs=logging.ERROR, **options)
                client = distributed.Client(cluster)
            else:
                client = distributed.Client(value, timeout="10s")
        except (OSError, TimeoutError) as exc:
            if cluster is not None:
                cluster.close()
            raise SchedulerError(f"--scheduler {scheduler}: no Dask scheduler answered ({exc}); start one "
                                 f"(dask scheduler, then dask worker ADDRESS on each machine) or check the "
                                 f"address") from None
        try:
            yield client
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def _settle(outer: cf.Future, result=None, exc: BaseException | None = None) -> None:
    """Set a future's outcome unless it was cancelled meanwhile."""
    try:
        if exc is not None:
            outer.set_exception(exc)
        else:
            outer.set_result(result)
    except cf.InvalidStateError:
        pass


def _is_worker_lost(exc: BaseException) -> bool:
    return type(exc).__name__ in WORKER_LOST


def _stop_worker_kernels() -> int:  # runs on each worker
    from influence_lib import kernels
    return kernels.stop_kernels()


def _start_worker_run() -> None:  # runs on each worker
    from influence_lib import kernels
    kernels.start_run()


class DaskExecutor(cf.Executor):
    """A ``concurrent.futures`` executor whose calls run as tasks on a Dask cluster.

    Each :meth:`submit` returns a standard ``concurrent.futures.Future`` (``as_completed``,
    ``result``, ``cancel`` work as with a thread pool). A call whose worker is lost (the process
    died, the connection broke) is submitted once more (:data:`RETRIES_ON_LOST_WORKER`); any other
    exception is the call's own and is not retried. Tasks are impure (``pure=False``): submitting
    the same run twice runs it twice.

    Parameters
    ----------
    client : distributed.Client
    retries : int
        Submissions more after a lost worker.
    """

    def __init__(self, client, retries: int = RETRIES_ON_LOST_WORKER):
        self.client, self.retries = client, int(retries)
        self._lock = threading.Lock()
        self._live: dict = {}  # concurrent future -> current Dask future
        self._shutdown = False
        client.run(_start_worker_run)

    def submit(self, fn, /, *args, **kwargs):
        """Run ``fn(*args, **kwargs)`` on a worker; a ``concurrent.futures.Future`` of its result.

        Cancelling the returned future cancels the task (a task already running on a worker runs
        to its end there, its result dropped; :meth:`stop_kernels` stops notebook kernels at once).
        """
        if self._shutdown:
            raise RuntimeError("cannot submit to a DaskExecutor after shutdown")
        outer = cf.Future()
        outer.add_done_callback(self._on_outer_done)
        self._send(outer, fn, args, kwargs, self.retries)
        return outer

    def _on_outer_done(self, outer: cf.Future) -> None:
        with self._lock:
            task = self._live.pop(outer, None)
        if outer.cancelled():
            if task is not None:
                task.cancel()
            outer.set_running_or_notify_cancel()  # wakes as_completed() and wait(), as a pool does

    def _send(self, outer: cf.Future, fn, args, kwargs, retries_left: int) -> None:
        task = self.client.submit(fn, *args, pure=False, **kwargs)
        with self._lock:
            self._live[outer] = task

        def finished(done):
            if outer.done():
                return
            try:
                if done.status == "cancelled":
                    raise cf.CancelledError()
                result = done.result()
            except BaseException as exc:  # noqa: BLE001 (handed to the caller through the future)
                if _is_worker_lost(exc) and retries_left > 0 and not self._shutdown:
                    self._send(outer, fn, args, kwargs, retries_left - 1)
                    return
                _settle(outer, exc=exc)
                return
            _settle(outer, result=result)

        task.add_done_callback(finished)

    def cancel_all(self) -> int:
        """Cancel every call not finished yet; return how many were cancelled."""
        with self._lock:
            pending = [outer for outer in self._live if not outer.done()]
        return sum(outer.cancel() for outer in pending)

    def stop_kernels(self) -> int:
        """Kill the notebook kernels running on every worker (Ctrl-C); return how many were killed."""
        try:
            return sum(self.client.run(_stop_worker_kernels).values())
        except Exception:  # noqa: BLE001 (a worker already gone has no kernel left)
            return 0

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop accepting calls; cancel the pending ones (``cancel_futures``) or wait for them (``wait``)."""
        self._shutdown = True
        if cancel_futures:
            self.cancel_all()
        if wait:
            with self._lock:
                outers = list(self._live)
            cf.wait(outers)


@contextmanager
def batch_executor(scheduler: str | None, jobs: int):
    """The executor a batch runs its notebooks with: ``None`` for the local thread pool, else a :class:`DaskExecutor`.

    Parameters
    ----------
    scheduler : str or None
        ``None`` keeps the default (a pool of ``jobs`` kernels in this process); ``local``,
        ``local:N`` or an address runs every notebook as a task of that Dask cluster (``local``
        starts ``jobs`` workers).
    jobs : int

    Yields
    ------
    DaskExecutor or None
    """
    if scheduler is None:
        yield None
        return
    with dask_client(scheduler, default_workers=jobs) as client:
        executor = DaskExecutor(client)
        try:
            yield executor
        finally:
            executor.shutdown(wait=False, cancel_futures=True)
