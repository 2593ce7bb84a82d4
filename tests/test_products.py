"""Sparse products at scale: Xᵀ B by scattering rows equals the gather through Xᵀ, for any thread count."""

from __future__ import annotations

import numba
import numpy as np
import pytest
import scipy.sparse as sp

from topicmf.factorize import fit_frobenius, fit_poisson
from topicmf.factorize.engine import kernels as _kernels
from topicmf.factorize.engine.common import as_csr
from topicmf.factorize.engine.products import Products


def _matrix(seed=0, shape=(3000, 400), density=0.02):
    X = sp.random(*shape, density=density, format="csr", random_state=seed)
    X.data = np.floor(X.data * 5) + 1
    return X


@pytest.mark.parametrize("parts", [1, 2, 3, 4])
def test_scatter_product_equals_the_dense_product(parts):
    X = _matrix()
    B = np.random.default_rng(1).standard_normal((X.shape[0], 7))
    out = np.empty((X.shape[1], 7))
    _kernels.spmm_t(X.indptr, X.indices, X.data, B, out, parts)
    np.testing.assert_allclose(out, X.toarray().T @ B, rtol=1e-12, atol=1e-12)


def test_scatter_product_is_bitwise_the_same_for_any_number_of_threads():
    X = _matrix(2)
    B = np.random.default_rng(2).standard_normal((X.shape[0], 5))
    results = []
    before = numba.get_num_threads()
    try:
        for threads in sorted({1, before}):
            numba.set_num_threads(threads)
            out = np.empty((X.shape[1], 5))
            _kernels.spmm_t(X.indptr, X.indices, X.data, B, out, 3)
            results.append(out)
    finally:
        numba.set_num_threads(before)
    for out in results[1:]:
        np.testing.assert_array_equal(out, results[0])


def test_products_choose_gather_or_scatter_by_size_and_agree(monkeypatch):
    X = as_csr(_matrix(3))
    B = np.random.default_rng(3).standard_normal((X.shape[0], 6))
    small = Products(X, 6)
    assert small.gather
    gathered = small.t_times(B)
    monkeypatch.setattr("topicmf.factorize.engine.products.GATHER_LIMIT", 0)
    big = Products(X, 6)
    assert not big.gather and big._Xt is None
    scattered = big.t_times(B)
    assert big._Xt is None  # no transposed copy was made
    np.testing.assert_allclose(scattered, gathered, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fit", [fit_frobenius, fit_poisson])
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fits_through_the_scatter_path_match_the_gather_path(fit, monkeypatch):
    X = _matrix(4, shape=(400, 120), density=0.1)
    reference = fit(X, 4, random_state=0, max_iter=30, tol=0)
    monkeypatch.setattr("topicmf.factorize.engine.products.GATHER_LIMIT", 0)
    scattered = fit(X, 4, random_state=0, max_iter=30, tol=0)
    # Frobenius: only the order of sums changes; Poisson also gathers a float32 copy of W when updating H
    rtol = 1e-9 if fit is fit_frobenius else 1e-6
    np.testing.assert_allclose(scattered.loss_curve, reference.loss_curve, rtol=rtol)
    np.testing.assert_allclose(scattered.H, reference.H, rtol=1e-6 if fit is fit_frobenius else 1e-3,
                               atol=1e-6 * reference.H.max())


def test_as_csr_shares_the_index_arrays_of_a_count_matrix_and_never_changes_it():
    X = _matrix(5).astype(np.int32)
    data = X.data.copy()
    Y = as_csr(X)
    assert Y.dtype == np.float64
    assert np.shares_memory(Y.indices, X.indices) and np.shares_memory(Y.indptr, X.indptr)
    np.testing.assert_array_equal(Y.data, data)
    X.data[0] = 0  # an explicit zero: as_csr must copy before removing it
    Z = as_csr(X)
    assert Z.nnz == X.nnz - 1 and X.nnz == data.size and X.data[0] == 0
