"""Stratified SGD (blocks, strata, reproducibility on any thread count) and the solvers' thread handling."""

from __future__ import annotations

import warnings

import numba
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_info

from topicmf.factorize import factorize, fit_frobenius, fit_lsa, fit_poisson
from topicmf.factorize.engine import strata as _sgd
from topicmf.factorize.engine import threads as _threads
from topicmf.factorize.engine.strata import Strata, n_blocks

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

TWO_THREADS = numba.config.NUMBA_NUM_THREADS >= 2


def counts(seed=0, n=300, m=200, density=0.1):
    rng = np.random.default_rng(seed)
    X = sp.random(n, m, density=density, random_state=rng, format="csr")
    X.data = rng.poisson(3.0, X.nnz).astype(float) + 1.0
    return X


def test_blocks_hold_every_entry_once_and_strata_never_share_a_row_or_column():
    X = counts(1)
    strata = Strata(X, 4)
    B = strata.B
    assert B == n_blocks(*X.shape, 4) >= 16
    # the blocks' entries are X's entries, each once
    again = sp.csr_matrix((strata.vals, (strata.rows, strata.cols)), shape=X.shape)
    assert (again != X).nnz == 0 and strata.ptr[-1] == X.nnz
    # a block's entries share its row block and column block; the blocks of a stratum are disjoint
    rows_of = [set(strata.rows[strata.ptr[b]:strata.ptr[b + 1]]) for b in range(B * B)]
    cols_of = [set(strata.cols[strata.ptr[b]:strata.ptr[b + 1]]) for b in range(B * B)]
    shifts, col_map, _ = strata.schedule(np.random.default_rng(0))
    seen = set()
    for t in range(B):
        blocks = [b * B + col_map[(b + shifts[t]) % B] for b in range(B)]
        seen.update(blocks)
        for a in range(B):
            for c in range(a + 1, B):
                assert not rows_of[blocks[a]] & rows_of[blocks[c]]
                assert not cols_of[blocks[a]] & cols_of[blocks[c]]
    assert seen == set(range(B * B))  # an epoch visits every block once


def test_an_epoch_reorders_entries_only_inside_their_blocks():
    X = counts(2)
    strata = Strata(X, 3)
    before = [sorted(zip(strata.rows[a:b], strata.cols[a:b])) for a, b in zip(strata.ptr[:-1], strata.ptr[1:])]
    order_before = strata.rows.copy()
    # packed rows: [factor (3) | zero cells' gradient (3) | 1 / entries]
    W, H = np.full((X.shape[0], 7), 0.1), np.full((X.shape[1], 7), 0.1)
    W[:, 3:6] = H[:, 3:6] = 0.0
    W[:, 6] = H[:, 6] = 1.0
    strata.epoch(np.random.default_rng(0), _sgd.poisson_epoch, W, H, (
        3, np.full(3, 10.0), np.full(3, 10.0), 0.1, 0.1, 0.0, 0.0, 0.0, 0.0, 1e-10))
    after = [sorted(zip(strata.rows[a:b], strata.cols[a:b])) for a, b in zip(strata.ptr[:-1], strata.ptr[1:])]
    assert before == after
    assert not np.array_equal(order_before, strata.rows)  # but the order inside them changed
    assert np.all(W[:, :3] > 0) and np.all(H[:, :3] > 0)


@pytest.mark.skipif(not TWO_THREADS, reason="numba has one thread here")
@pytest.mark.parametrize("model", ["nmf", "pnmf", "lsa"])
def test_sgd_is_bitwise_the_same_on_one_thread_and_two(model, monkeypatch):
    monkeypatch.setattr(_threads, "SMALL_WORK", 0)  # let this small problem use every thread
    X = counts(3, n=400, m=300)
    runs = []
    for threads in (1, 2):
        numba.set_num_threads(threads)
        try:
            runs.append(factorize(X, 5, model=model, solver="sgd", max_iter=8, tol=0, random_state=4))
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    one, two = runs
    assert np.array_equal(one.W, two.W) and np.array_equal(one.H, two.H)
    assert np.array_equal(one.loss_curve, two.loss_curve)


@pytest.mark.parametrize("fit", [fit_frobenius, fit_poisson])
def test_stratified_sgd_still_descends_and_gets_near_the_exact_solvers(fit):
    X = counts(5, n=200, m=150, density=0.2)
    sgd = fit(X, 4, solver="sgd", max_iter=150, tol=0, random_state=0)
    exact = fit(X, 4, max_iter=500, tol=1e-10, random_state=0)
    curve = sgd.loss_curve
    assert curve[-1] < curve[10] < curve[0]
    assert np.all(np.diff(curve[20:]) <= 1e-4 * curve[0])  # constant steps jitter, never blow up
    # the distance left to the exact solvers' optimum is under 5% of what the start had
    assert sgd.objective - exact.objective <= 0.05 * (curve[0] - exact.objective)


def test_small_problems_run_on_one_thread_and_the_settings_come_back(monkeypatch):
    seen = []
    real = _sgd.Strata.epoch

    def spy(*args):
        seen.append(numba.get_num_threads())
        return real(*args)

    monkeypatch.setattr(_sgd.Strata, "epoch", spy)
    before_numba = numba.get_num_threads()
    before_blas = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    fit_frobenius(counts(6, n=50, m=40), 3, solver="sgd", max_iter=2, random_state=0)
    assert seen and set(seen) == {1}
    assert numba.get_num_threads() == before_numba
    assert [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"] == before_blas


def test_blas_is_held_to_one_thread_during_a_fit(monkeypatch):
    from topicmf.factorize.topics import lsa

    seen = []
    real = lsa.randomized_svd

    def spy(*args, **kwargs):
        seen.append({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})
        return real(*args, **kwargs)

    monkeypatch.setattr(lsa, "randomized_svd", spy)
    fit_lsa(counts(7), 3, random_state=0)
    assert seen == [{1}]


def test_the_block_count_depends_on_the_shape_and_rank_only():
    assert n_blocks(18_846, 22_119, 20) == 16
    assert n_blocks(1_000_000, 50_000, 50) == 64
    assert n_blocks(10, 7, 3) == 7  # never more blocks than rows or columns
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = fit_frobenius(counts(8, n=10, m=7, density=0.6), 2, solver="sgd", max_iter=5, random_state=0)
    assert np.all(np.isfinite(fit.W)) and np.all(fit.W >= 0)


def test_a_small_lsa_never_calls_a_compiled_kernel(monkeypatch):
    """Its products are scipy's, so a process that fits only small LSA models never starts numba."""
    from topicmf.factorize.engine import kernels as _kernels

    def refuse(*args):
        raise AssertionError("a compiled kernel was called")

    monkeypatch.setattr(_kernels, "spmm", refuse)
    X = counts(9, n=60, m=50)
    fit = fit_lsa(X, 3, random_state=0)
    s = np.linalg.svd(X.toarray(), compute_uv=False)
    np.testing.assert_allclose(fit.singular_values, s[:3], rtol=1e-3)  # a flat spectrum: randomized, close
    with pytest.raises(AssertionError, match="compiled kernel"):
        fit_lsa(counts(10, n=3000, m=2000, density=0.1), 3, random_state=0)  # 600,000 entries × 13: the kernel


def test_fits_in_several_threads_give_blas_its_threads_back():
    from concurrent.futures import ThreadPoolExecutor

    before = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    assert before  # numpy's BLAS is loaded: the check below means something
    X = counts(11)
    with ThreadPoolExecutor(4) as pool:
        fits = list(pool.map(lambda seed: fit_frobenius(X, 3, random_state=seed, max_iter=20), range(8)))
    assert all(np.all(np.isfinite(f.W)) for f in fits)
    assert [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"] == before
    assert _threads._held == 0


def test_one_stratified_driver_serves_the_topic_and_the_rating_models():
    """The epoch driver is written once and specialised per block kernel; each specialisation is a cached function
    of its own name (a changed kernel gets a new one)."""
    import inspect

    from topicmf.factorize.ratings import kernels as rating_kernels

    drivers = [_sgd.squared_epoch, _sgd.poisson_epoch, rating_kernels.explicit_epoch]
    assert len({d.py_func.__code__ for d in drivers}) == 1  # one code object: the driver is written once
    assert len({d.py_func.__name__ for d in drivers}) == 3
    assert all(d._cache is not None and type(d._cache).__name__ == "FunctionCache" for d in drivers)
    assert "block(" in inspect.getsource(_sgd._epoch)
    again = _sgd.stratified_epoch(_sgd.squared_block)
    assert again.py_func.__name__ == _sgd.squared_epoch.py_func.__name__  # the name is the kernel's, stably


def test_the_specialised_drivers_are_read_back_from_numbas_cache(tmp_path):
    """A second process loads the compiled drivers instead of compiling them (numba cannot cache a driver that
    takes the kernel as an argument or closes over it)."""
    code = ("import numpy as np, scipy.sparse as sp; from topicmf.factorize import ExplicitMF;"
            "R = sp.random(30, 20, density=0.3, random_state=1, format='csr'); R.data = np.ceil(R.data * 5);"
            "ExplicitMF(3, max_iter=2, random_state=0).fit(R);"
            "from topicmf.factorize.ratings.kernels import explicit_epoch as e;"
            "print(sum(e.stats.cache_hits.values()), sum(e.stats.cache_misses.values()))")
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)  # fills the cache if need be
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    assert out == ["1", "0"]
