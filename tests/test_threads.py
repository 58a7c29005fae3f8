"""Threads for numpy-bound work: results in order, a bounded number waiting, errors passed on."""

from __future__ import annotations

import os
import threading
import time

import pytest

from influence_lib.threads import cpu_threads, in_order


@pytest.mark.parametrize("threads", [1, 2, 5])
def test_results_come_in_the_items_order_with_few_waiting(threads):
    started, lock = [], threading.Lock()
    taken = 0
    most_ahead = 0

    def slow_square(item):
        with lock:
            started.append(item)
        time.sleep(0.001 * ((7 * item) % 5))  # later items often finish first
        return item * item

    for i, value in enumerate(in_order(slow_square, range(40), threads)):
        assert value == i * i
        taken += 1
        with lock:
            most_ahead = max(most_ahead, len(started) - taken)
    assert taken == 40
    assert most_ahead <= threads  # besides the one just taken, at most `threads` more were started


def test_an_error_in_a_thread_reaches_the_caller():
    def fails_on_three(item):
        if item == 3:
            raise ValueError("item 3")
        return item

    found = []
    with pytest.raises(ValueError, match="item 3"):
        for value in in_order(fails_on_three, range(10), 2):
            found.append(value)
    assert found == [0, 1, 2]


def test_cpu_threads_is_what_the_process_may_use():
    assert 1 <= cpu_threads() <= (os.cpu_count() or 1)
