"""Threads while topicmf's solvers run: BLAS held to one, numba's kernels to one on small work.

topicmf's heavy work is its own numba kernels, which already use every core; what
it asks of BLAS is small (k × k Gram matrices, tall-and-thin products, small
solves).  Left at its default, OpenBLAS answers each of those small calls with
all its threads, which then spin for a while waiting for more work and take the
cores from the numba kernel that comes next: measured on 2 cores, a 200 × 300 LSA
took 96 ms instead of 3 ms, and an SGD epoch on 20 Newsgroups twice its time.
Holding BLAS to one thread for the length of a fit (the user's setting comes back
afterwards) removes that contention and costs the small calls nothing measurable.

Waking a second thread costs too: after a pause (a user between two calls) the
first parallel region waits milliseconds for it.  A problem whose pass over the
matrix is shorter than that (stored entries × k below ``SMALL_WORK``) runs its
kernels on the calling thread alone: a 200 × 300 LSA after 0.3 s of quiet took
14.9 ms on two threads and 8.1 ms on one (scikit-learn's TruncatedSVD 7.4–8.7 ms).
The kernels give bitwise the same result on any number of threads.
"""

from __future__ import annotations

import functools
import threading

import numba
import numpy as np
from threadpoolctl import ThreadpoolController

__all__ = ["one_blas_thread", "SMALL_WORK"]

#: Stored entries × k below which the kernels run on the calling thread only.
SMALL_WORK = 1_000_000

_controller: ThreadpoolController | None = None
_lock = threading.Lock()
_held = 0  # fits running (in any thread, nested or not) while BLAS is held to one thread
_limiter = None


def _hold_blas() -> None:
    """The first fit to start holds BLAS to one thread; concurrent and nested ones join it."""
    global _controller, _held, _limiter
    with _lock:
        if _held == 0:
            if _controller is None:  # the BLAS libraries numpy and scipy loaded, found once
                _controller = ThreadpoolController()
            _limiter = _controller.limit(limits=1, user_api="blas")
        _held += 1


def _release_blas() -> None:
    """The last fit to end gives BLAS its threads back (so fits in several threads cannot
    leave the user's setting at one)."""
    global _held, _limiter
    with _lock:
        _held -= 1
        if _held == 0:
            _limiter.restore_original_limits()
            _limiter = None


def _work(X, k) -> float:
    """Stored entries of X times the rank (k, or the rows of a given H)."""
    entries = X.nnz if hasattr(X, "nnz") else np.size(X)
    rank = k if isinstance(k, (int, np.integer)) else np.shape(k)[0] if np.ndim(k) == 2 else 1
    return float(entries) * float(rank)


def one_blas_thread(function):
    """Run ``function(X, k_or_H, ...)`` with BLAS on one thread, and numba on one for small work.

    k (or H) is the second positional argument or the keyword ``n_components`` / ``H``.
    """

    @functools.wraps(function)
    def limited(X, *args, **kwargs):
        k = args[0] if args else kwargs.get("n_components", kwargs.get("H", 1))
        threads = numba.get_num_threads()  # numba's setting is per calling thread
        small = threads > 1 and _work(X, k) < SMALL_WORK
        _hold_blas()
        try:
            if small:
                numba.set_num_threads(1)
            return function(X, *args, **kwargs)
        finally:
            if small:
                numba.set_num_threads(threads)
            _release_blas()

    return limited
