"""Connecting to a Dask cluster: a scheduler's address, or a local cluster of worker processes."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager

from ..errors import TopicmfError

__all__ = ["Closing", "open_client", "require_dask", "ask", "ask_all", "kth_smallest_key", "answers", "create_blocks", "WorkerLost", "PAUSE_LIMIT", "WORKER_ENV", "POLL"]

POLL = 2.0  # seconds between checks that the workers of pending calls are still there

#: Every worker is one process with one thread; BLAS uses that thread only (numba's kernels are limited by
#: the blocks themselves, see :class:`~topicmf.distributed.block.Block`).
WORKER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class Closing:
    """What holds blocks on a cluster, as a context manager: ``close()`` on leaving."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class WorkerLost(TopicmfError):
    """A Dask worker holding a block of the corpus died (killed, out of memory): the run cannot go on."""


def ask(blocks: list, method: str, args: list, what: str = "") -> list:
    """Call ``method`` on each block (a Dask actor) with its tuple of ``args``, all at once; their answers in order
    (:func:`answers`)."""
    calls = []
    for block, arguments in zip(blocks, args):
        try:
            calls.append(getattr(block, method)(*arguments))
        except RuntimeError as exc:  # Dask knows already: "Worker holding Actor was lost"
            _lost(block, str(exc), what)
    return answers(calls, blocks, what)


def ask_all(blocks: list, method: str, *args) -> list:
    """``method`` on every block with the same ``args``, all at once; their answers in block order (:func:`ask`)."""
    return ask(blocks, method, [args] * len(blocks), method.replace("_", " "))


def kth_smallest_key(count_at_most, kth: int) -> int:
    """The ``kth`` smallest (from 1) of the 64-bit keys the blocks hold, by bisection: ``count_at_most(key)`` is how
    many of them lie at or below ``key`` (a number from each block a round, at most 64 rounds)."""
    low, high = 0, 2**64 - 1
    while low < high:
        middle = (low + high) // 2
        if count_at_most(middle) >= kth:
            high = middle
        else:
            low = middle + 1
    return low


def answers(calls: list, blocks: list, what: str = "") -> list:
    """The answers of calls to blocks (Dask actors), in order.

    A block lives in one worker process; when that worker dies — killed, or
    over its memory limit — its rows are gone, and Dask would fail the call
    or wait for it forever.  Either way this stops the run with a
    :class:`WorkerLost` naming the worker (checked every :data:`POLL`
    seconds while a call is pending); the run's folder is staged, so nothing
    is left half-written.
    """
    out = []
    for call, block in zip(calls, blocks):
        while True:
            try:
                out.append(call.result(timeout=POLL))
                break
            except TimeoutError:
                if getattr(getattr(block, "_future", None), "status", "finished") not in ("finished", "pending"):
                    _lost(block, "it stopped answering", what)
            except OSError as exc:
                _lost(block, str(exc), what)
    return out


PAUSE_LIMIT = 30.0  # seconds a worker may stay paused (over its memory target) before a new block there gives up


def create_blocks(client, cls, workers: list, n_blocks: int) -> list:
    """``n_blocks`` actors of ``cls`` (its argument: the block's number), block i on ``workers[i % len(workers)]``.

    A worker that dies meanwhile, or stays paused by Dask for :data:`PAUSE_LIMIT` seconds because it is over its
    memory limit (a paused worker starts no task, so Dask would wait for it forever), stops the run with a
    :class:`WorkerLost` naming it."""
    futures = [client.submit(cls, i, actor=True, workers=[workers[i % len(workers)]], pure=False)
               for i in range(n_blocks)]
    blocks = []
    for i, future in enumerate(futures):
        address, paused = workers[i % len(workers)], 0.0
        while True:
            try:
                blocks.append(future.result(timeout=POLL))
                break
            except TimeoutError:
                info = client.scheduler_info().get("workers", {}).get(address)
                if info is None:
                    raise WorkerLost(f"Lost the Dask worker {address} before it held a block of the corpus: the run "
                                     "stops and writes nothing; run it again") from None
                paused = paused + POLL if info.get("status") == "paused" else 0.0
                if paused >= PAUSE_LIMIT:
                    limit = info.get("memory_limit") or 0
                    raise WorkerLost(f"The Dask worker {address} stays paused, over its memory limit "
                                     f"({limit / 2**20:,.0f} MiB): give the workers more memory; the run writes "
                                     "nothing") from None
    return blocks


def _lost(block, why: str, what: str):
    raise WorkerLost(f"Lost the Dask worker {getattr(block, '_address', '?')} holding a block of the corpus"
                     f"{' while ' + what if what else ''} ({why}; killed, or over its memory limit?): the run stops "
                     "and writes nothing; run it again (with more memory per worker, or more workers)") from None


def require_dask():
    """Import dask.distributed, or say how to install it."""
    try:
        import distributed
    except ImportError:
        raise TopicmfError("--dask needs Dask's distributed scheduler: pip install 'topicmf[dask]'") from None
    return distributed


@contextmanager
def open_client(spec: str):
    """A ``distributed.Client`` for ``spec``: ``local:N`` (a LocalCluster of N worker processes) or an address.

    The client (and a local cluster) is closed when the block ends, however it ends.
    """
    distributed = require_dask()
    spec = str(spec).strip()
    cluster = None
    match = re.fullmatch(r"local(?::(\d+))?", spec)
    try:
        if match:
            n = int(match.group(1) or 2)
            if n < 1:
                raise TopicmfError(f"--dask local:N needs at least one worker; got {spec!r}")
            cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                               dashboard_address=None, silence_logs=logging.ERROR, env=WORKER_ENV)
            client = distributed.Client(cluster)
        else:
            try:
                client = distributed.Client(spec, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise TopicmfError(f"Could not reach the Dask scheduler at {spec!r} ({exc}); start it with "
                                   "`dask scheduler` and pass its address, or use --dask local:N") from None
        try:
            if not client.scheduler_info().get("workers"):
                client.wait_for_workers(1, timeout=60)
            _same_topicmf(client, spec)
            yield client
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


def _topicmf_version(dask_worker=None) -> str:
    from importlib.metadata import version

    return version("topicmf")


def _same_topicmf(client, spec: str) -> None:
    """Refuse workers with another topicmf than this one (their answers could not be read here)."""
    here = _topicmf_version()
    there = client.run(_topicmf_version)
    other = {address: v for address, v in there.items() if v != here}
    if other:
        address, v = next(iter(other.items()))
        raise TopicmfError(f"The Dask workers at {spec} run topicmf {v} ({address}), this machine {here}: install the "
                           "same version everywhere")
