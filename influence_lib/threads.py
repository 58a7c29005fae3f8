"""Threads for numpy-bound work: how many the process may use, and results computed ahead but taken in order."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor


def cpu_threads() -> int:
    """The CPUs this process may run on (its affinity, which a container or ``taskset`` may narrow)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def in_order(func: Callable, items: Iterable, threads: int) -> Iterator:
    """``func(item)`` for each item, computed on ``threads`` threads, yielded in the items' order.

    At most ``threads + 1`` results wait at once, so a caller that consumes each (e.g. ranks a
    block of replicates and lets it go) holds a bounded number of them. With one thread, the
    items are computed one by one in the caller's thread. Worth it where ``func`` spends its time
    in numpy, which lets go of the interpreter.

    Parameters
    ----------
    func : callable
        Must not change anything another call reads (each call its own output).
    items : iterable
    threads : int

    Yields
    ------
    object
        ``func(item)``, in order.
    """
    if threads <= 1:
        yield from map(func, items)
        return
    with ThreadPoolExecutor(max_workers=threads) as pool:
        waiting = deque()
        for item in items:
            waiting.append(pool.submit(func, item))
            if len(waiting) > threads:
                yield waiting.popleft().result()
        while waiting:
            yield waiting.popleft().result()
