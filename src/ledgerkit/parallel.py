"""Work done file by file (feedback copies, units' forms) on every core, in processes.

Writing one workbook is Python from start to end (openpyxl, xlsxwriter) and holds the GIL,
so threads would take turns on one core. The results come back in the order of the inputs,
whatever order the processes finish in, so a run's outputs and findings do not depend on
the machine's mood. Few items run in this process: starting the processes costs more
(each imports ledgerkit afresh) than they would save.

The processes are spawned, not forked, on every system: as on Windows, where a clerk runs
it, and never a copy of a process whose other threads (the progress bar's) may hold a lock
at the moment of the copy.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 8  # fewer items are done here


def ordered_map(
    fn: Callable[[T], R],
    items: Sequence[T],
    on_done: Callable[[int, int], None] | None = None,
    *,
    workers: int | None = None,
) -> list[R]:
    """[fn(item) for item in items], on up to `workers` processes (default: the cores) when
    there are MIN_ITEMS or more. `fn` and the items must pickle, and `fn` must not raise for
    an item's sake. `on_done(done, total)` follows the work. Processes that cannot be started,
    or that die, leave the rest of the items to this process."""
    total = len(items)
    count = min(workers or os.cpu_count() or 1, total)
    results: list[R] = []

    def done(result: R) -> None:
        results.append(result)
        if on_done is not None:
            on_done(len(results), total)

    if count >= 2 and total >= MIN_ITEMS:
        try:
            spawn = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(count, mp_context=spawn, initializer=gc.enable) as pool:
                for future in [pool.submit(fn, item) for item in items]:
                    done(future.result())
        except (BrokenProcessPool, OSError):  # killed for memory, or no processes here
            pass
    for item in items[len(results) :]:
        done(fn(item))
    return results
