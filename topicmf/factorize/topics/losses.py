"""Objectives, computed without ever forming the dense product WH.

Both objectives use scikit-learn's scaling, so their values can be compared
with ``sklearn.decomposition._nmf._beta_divergence`` and with the objective
its solvers minimise:

* Frobenius: ½‖X − WH‖²_F + ½α_W‖W‖²_F + ½α_H‖H‖²_F + λ_W Σ W + λ_H Σ H
* Poisson:   D(X‖WH) + the same penalties, where the generalized
  Kullback–Leibler divergence D(X‖Y) = Σ x ln(x/y) − x + y equals the
  Poisson negative log-likelihood Σ y − x ln y up to a constant.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..engine import kernels
from .background import append_background, background_parts

__all__ = ["frobenius_loss", "poisson_loss", "penalty", "wh_on_nonzeros"]


def penalty(W, H, l2_W=0.0, l2_H=0.0, l1_W=0.0, l1_H=0.0) -> float:
    """½α_W‖W‖² + ½α_H‖H‖² + λ_W ΣW + λ_H ΣH (L1 terms on the non-negative factors)."""
    total = 0.0
    if l2_W:
        total += 0.5 * l2_W * float(np.sum(W * W))
    if l2_H:
        total += 0.5 * l2_H * float(np.sum(H * H))
    if l1_W:
        total += l1_W * float(np.sum(W))
    if l1_H:
        total += l1_H * float(np.sum(H))
    return total


def frobenius_loss(X, W, H, **penalties) -> float:
    """½‖X − WH‖²_F (+ penalties) from ‖X‖², ⟨XHᵀ, W⟩ and ⟨WᵀW, HHᵀ⟩."""
    X = sp.csr_matrix(X, dtype=np.float64)
    W = np.ascontiguousarray(W, dtype=np.float64)
    Ht = np.ascontiguousarray(np.asarray(H, dtype=np.float64).T)
    XHt = np.empty_like(W)
    kernels.spmm(X.indptr, X.indices, X.data, Ht, XHt)
    value = 0.5 * (float(X.data @ X.data) - 2.0 * float(np.sum(XHt * W)) + float(np.sum((W.T @ W) * (Ht.T @ Ht))))
    return max(value, 0.0) + penalty(W, Ht.T, **penalties)


def poisson_loss(X, W, H, *, background=0.0, background_profile=None, **penalties) -> float:
    """D(X‖WH + B) (+ penalties): logarithms on the nonzeros of X only, plus (1ᵀW)(H1) + ΣB.

    B_ij = β (Σ_j' x_ij') b_j is the fixed background of :mod:`topicmf.factorize.topics.poisson`
    (share β = ``background``, profile b = ``background_profile``); none by default.
    """
    X = sp.csr_matrix(X, dtype=np.float64)
    W = np.ascontiguousarray(W, dtype=np.float64)
    Ht = np.ascontiguousarray(np.asarray(H, dtype=np.float64).T)
    value = penalty(W, Ht.T, **penalties)
    if background:
        W, Ht = append_background(W, Ht, *background_parts(X, background, background_profile))
    logsum = np.empty(X.shape[0])
    kernels.kl_row_terms(X.indptr, X.indices, X.data, W, Ht, logsum)
    return value + float(logsum.sum()) - float(X.data.sum()) + float(W.sum(axis=0) @ Ht.sum(axis=0))


def wh_on_nonzeros(X, W, H) -> np.ndarray:
    """(WH)_ij on the stored entries of X (CSR, sorted), in the order of X.data: compiled, no dense product."""
    X = sp.csr_matrix(X)
    if X.shape != (np.shape(W)[0], np.shape(H)[1]) or np.shape(W)[1] != np.shape(H)[0]:
        raise ValueError(f"X is {X.shape} but W is {np.shape(W)} and H is {np.shape(H)}")
    X.sort_indices()
    out = np.empty(X.nnz)
    kernels.wh_nonzeros(X.indptr, X.indices, np.ascontiguousarray(W, dtype=np.float64),
                         np.ascontiguousarray(np.asarray(H, dtype=np.float64).T), out)
    return out
