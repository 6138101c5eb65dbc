"""Independent cells of an experiment in worker processes, and a study split into shards across machines.

    for task, result in run_parallel(tasks, train_one, workers=4):   # as each finishes
        ...
    mine = [t for k, t in enumerate(tasks) if in_shard(k, (0, 4))]    # --shard 0/4: every fourth cell

Each worker is a fresh (``spawn``) process running one thread: on a CPU a tiny model's matmuls gain little from a
second thread, while a second process doubles the work done, and one thread per run keeps its numbers the same
as a serial run with one thread. A cell's result is written by the worker (atomically, where the serial run
writes it), so an interrupted parallel run resumes like a serial one.
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Callable, Iterable, Iterator


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def shard(text: str) -> tuple[int, int]:
    """``--shard I/N`` (0 <= I < N): this process runs the cells whose index is I modulo N."""
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not I/N (e.g. 0/4: the first of four shards)") from None
    if not 0 <= i < n:
        raise argparse.ArgumentTypeError(f"{text!r}: I must be in 0..N-1 (the shards of N are 0/N .. {n - 1}/{n})")
    return i, n


def in_shard(index: int, which: tuple[int, int] | None) -> bool:
    return which is None or index % which[1] == which[0]


def _init_worker() -> None:
    """One thread; and on Linux the worker is killed with its parent, so a `kill -9` of the command leaves no
    orphan finishing a cell after the fact (what was written before the kill is all there is)."""
    import torch

    from hf_leaner.utils.logging import quiet_libraries

    torch.set_num_threads(1)
    quiet_libraries()  # a spawned worker starts with the libraries' defaults: no bar per saved model in a log
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def run_parallel(tasks: Iterable, fn: Callable, workers: int) -> Iterator[tuple[object, object]]:
    """``(task, fn(task))`` as each finishes; with ``workers <= 1``, in this process, in order. ``fn`` must be a
    module-level function (it is sent to the workers by name)."""
    tasks = list(tasks)
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield task, fn(task)
        return
    import multiprocessing

    pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker)
    try:
        pending = {pool.submit(fn, task): task for task in tasks}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield pending.pop(future), future.result()  # a worker's error surfaces here, with its message
    except BaseException:  # Ctrl-C, SIGTERM, a failed cell: stop the cells in flight now instead of waiting for them
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
