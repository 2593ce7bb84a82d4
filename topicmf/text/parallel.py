"""Running work over chunks of documents in worker processes, results in order."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice

__all__ = ["default_jobs", "chunked", "ordered_map"]


def default_jobs() -> int:
    """Number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def chunked(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def ordered_map(fn, chunks: Iterator, n_jobs: int, start, args: tuple):
    """Map ``fn`` over chunks in order, yielding (chunk, result), with at most 2·n_jobs chunks in flight.

    Each worker process first runs ``start(*args)``; with one job everything
    runs in this process.
    """
    if n_jobs == 1:
        start(*args)
        for chunk in chunks:
            yield chunk, fn(chunk)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = ProcessPoolExecutor(n_jobs, mp_context=context, initializer=start, initargs=args)
    pending: deque = deque()
    try:
        for chunk in chunks:
            pending.append((chunk, pool.submit(fn, chunk)))
            if len(pending) >= 2 * n_jobs:
                chunk_done, future = pending.popleft()
                yield chunk_done, future.result()
        while pending:
            chunk_done, future = pending.popleft()
            yield chunk_done, future.result()
    finally:
        # Do not wait for the idle workers to exit: the results are all in.
        pool.shutdown(wait=False, cancel_futures=True)
