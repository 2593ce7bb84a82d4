"""Running work over chunks of documents in worker processes, results in order.

Each worker has its own pipes and takes every n-th chunk, so results are
read in order from the worker that made them, and a worker that dies (killed,
or out of memory) is noticed at once by its process sentinel — even in the
middle of sending a result, where a shared result queue (as in
``concurrent.futures``) would wait forever for the rest of the message.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from multiprocessing.connection import wait

from ..errors import TopicmfError

__all__ = ["default_jobs", "chunked", "ordered_map", "WorkerDied"]


class WorkerDied(TopicmfError):
    """A worker process ended without sending its result."""

    def __init__(self):
        super().__init__("A worker process reading the corpus stopped unexpectedly (killed, or out of memory); "
                         "nothing was written. Run again, or with --jobs 1 to read in one process.")


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


def _serve(tasks, results, fn, start, args) -> None:  # pragma: no cover - runs in the worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    start(*args)
    inbox: queue.SimpleQueue = queue.SimpleQueue()

    def receive():  # tasks are taken off the pipe at once, so the main process never waits to send one
        while True:
            try:
                inbox.put(tasks.recv())
            except (EOFError, OSError):
                inbox.put(_STOP)
                return

    threading.Thread(target=receive, daemon=True).start()
    while (item := inbox.get()) is not _STOP:
        try:
            results.send((True, fn(item)))
        except BaseException as exc:  # the main process raises it
            results.send((False, exc))


_STOP = object()


class _Worker:
    def __init__(self, context, fn, start, args):
        task_read, self.tasks = context.Pipe(duplex=False)
        self.results, result_write = context.Pipe(duplex=False)
        self.process = context.Process(target=_serve, args=(task_read, result_write, fn, start, args), daemon=True)
        self.process.start()
        task_read.close()
        result_write.close()

    def receive(self):
        ready = wait([self.results, self.process.sentinel])
        if self.results not in ready:
            raise WorkerDied()
        try:
            ok, value = self.results.recv()
        except (EOFError, OSError):  # died while sending
            raise WorkerDied() from None
        if not ok:
            raise value
        return value

    def stop(self) -> None:
        for conn in (self.tasks, self.results):
            conn.close()
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(5)


def ordered_map(fn, chunks: Iterator, n_jobs: int, start, args: tuple, meanwhile=None):
    """Map ``fn`` over chunks in order, yielding (chunk, result), with at most 2·n_jobs chunks in flight.

    Each worker process first runs ``start(*args)`` and then takes chunks
    n_jobs apart (its results arrive in the order it was given them); with
    one job everything runs in this process.  An exception in ``fn`` is
    raised here; a worker that dies raises :class:`WorkerDied`.  However the
    loop ends, the workers are stopped.  ``meanwhile`` (a callable) runs in a
    background thread of this process once the workers exist, so that no
    process is forked while it runs.
    """
    if n_jobs == 1:
        _background(meanwhile)
        start(*args)
        for chunk in chunks:
            yield chunk, fn(chunk)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    workers: list[_Worker] = []
    try:
        workers = [_Worker(context, fn, start, args) for _ in range(n_jobs)]
        _background(meanwhile)
        pending: deque = deque()
        for i, chunk in enumerate(chunks):
            worker = workers[i % n_jobs]
            if not worker.process.is_alive():
                raise WorkerDied()
            worker.tasks.send(chunk)
            pending.append((chunk, worker))
            if len(pending) >= 2 * n_jobs:
                done, worker = pending.popleft()
                yield done, worker.receive()
        while pending:
            done, worker = pending.popleft()
            yield done, worker.receive()
    finally:
        for worker in workers:
            worker.stop()


def _background(task) -> None:
    if task is not None:
        threading.Thread(target=task, daemon=True).start()
