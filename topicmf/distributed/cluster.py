"""Connecting to a Dask cluster: a scheduler's address, or a local cluster of worker processes."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager

from ..errors import TopicmfError

__all__ = ["open_client", "require_dask", "WORKER_ENV"]

#: Every worker is one process with one thread; BLAS uses that thread only (numba's kernels are limited by
#: the blocks themselves, see :class:`~topicmf.distributed.block.Block`).
WORKER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


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
            yield client
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()
