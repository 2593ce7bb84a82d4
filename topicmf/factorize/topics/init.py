"""Initial factors for NMF: NNDSVD, NNDSVDa and seeded random, rescaled to the data."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .svd import truncated_svd

__all__ = ["initialize", "INITS"]

INITS = ("nndsvd", "nndsvda", "random", "custom")


def _nndsvd(X: sp.csr_matrix, products, k: int, rng):
    """NNDSVD (Boutsidis & Gallopoulos 2008) from a randomized rank-k SVD."""
    U, s, Vt, _ = truncated_svd(X, k, solver="randomized", n_power_iter=4, rng=rng, products=products)
    W = np.zeros((X.shape[0], k))
    H = np.zeros((k, X.shape[1]))
    W[:, 0] = np.sqrt(s[0]) * np.abs(U[:, 0])
    H[0] = np.sqrt(s[0]) * np.abs(Vt[0])
    for j in range(1, k):
        x, y = U[:, j], Vt[j]
        xp, xn = np.maximum(x, 0), np.maximum(-x, 0)
        yp, yn = np.maximum(y, 0), np.maximum(-y, 0)
        xp_n, xn_n = np.linalg.norm(xp), np.linalg.norm(xn)
        yp_n, yn_n = np.linalg.norm(yp), np.linalg.norm(yn)
        if xp_n * yp_n >= xn_n * yn_n:
            u, v, sigma = (xp / xp_n if xp_n else xp), (yp / yp_n if yp_n else yp), xp_n * yp_n
        else:
            u, v, sigma = (xn / xn_n if xn_n else xn), (yn / yn_n if yn_n else yn), xn_n * yn_n
        lam = np.sqrt(s[j] * sigma)
        W[:, j] = lam * u
        H[j] = lam * v
    W[W < 1e-6] = 0.0
    H[H < 1e-6] = 0.0
    return W, H


def initialize(X: sp.csr_matrix, k: int, method: str, rng, *, loss: str, products=None, W=None, H=None):
    """Initial (W, H) for ``method``, rescaled so the first iteration is not wasted on scale.

    ``nndsvda`` fills NNDSVD's zeros with the mean of X (so multiplicative and
    Poisson solvers can move them); ``random`` draws ``sqrt(mean/k)·|N(0,1)|``;
    ``custom`` takes ``W`` and ``H`` as given (copied).  For the Poisson loss the
    pair is scaled so that Σ WH = Σ X; for Frobenius by the optimal factor
    ⟨X, WH⟩ / ‖WH‖².
    """
    n, m = X.shape
    mean = X.data.sum() / (n * m)
    if method == "custom":
        if W is None or H is None:
            raise ValueError("init='custom' needs both W and H")
        W = np.array(W, dtype=np.float64, order="C")
        H = np.array(H, dtype=np.float64, order="C")
        if W.shape != (n, k) or H.shape != (k, m):
            raise ValueError(f"init='custom' needs W of shape {(n, k)} and H of shape {(k, m)}; got {W.shape} and {H.shape}")
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(H))):
            raise ValueError("The initial W and H must be finite")
        if W.min() < 0 or H.min() < 0:
            raise ValueError("The initial W and H of an NMF must be non-negative")
        return W, H
    if method == "random":
        scale = np.sqrt(mean / k)
        W = scale * np.abs(rng.standard_normal((n, k)))
        H = scale * np.abs(rng.standard_normal((k, m)))
    elif method in ("nndsvd", "nndsvda"):
        W, H = _nndsvd(X, products, k, rng)
        if method == "nndsvda":
            W[W == 0] = mean
            H[H == 0] = mean
    else:
        raise ValueError(f"Unknown init {method!r}; choose one of {', '.join(INITS)}")
    if loss == "poisson":
        total = float(W.sum(axis=0) @ H.sum(axis=1))
        factor = X.data.sum() / total if total > 0 else 1.0
    else:
        XHt = products.times(np.ascontiguousarray(H.T)) if products is not None else X @ H.T
        gram = float(np.sum((W.T @ W) * (H @ H.T)))
        factor = float(np.sum(XHt * W)) / gram if gram > 0 else 1.0
    if factor > 0:
        W *= np.sqrt(factor)
        H *= np.sqrt(factor)
    return np.ascontiguousarray(W), np.ascontiguousarray(H)
