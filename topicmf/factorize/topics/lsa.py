"""LSA: the truncated SVD X ≈ Ũ_k Σ_k Ṽ_kᵀ, and the "SVD in machine learning" solvers.

``randomized``, ``arpack`` and ``dense`` compute the SVD directly.  ``als``,
``gd`` and ``sgd`` minimise ½‖X − WH‖² + ½α_W‖W‖² + ½α_H‖H‖² without
constraints (alternating least squares; full gradient steps; per-entry
stochastic steps); their product is then put in SVD form, so every solver
reports singular values and splits Σ between the factors the same way.
"""

from __future__ import annotations

import numpy as np

from ..engine.threads import one_blas_thread
from ..engine.products import Products
from ..engine.common import Tracker, as_csr, check_penalty, check_rank, make_rng
from .frobenius import _Problem, sgd_epoch
from .result import Factorization
from .svd import SVD_SOLVERS, flip_signs, truncated_svd

__all__ = ["LSA_SOLVERS", "SIGMA_SPLITS", "fit_lsa", "lsa_transform"]

LSA_SOLVERS = (*SVD_SOLVERS, "als", "gd", "sgd")
SIGMA_SPLITS = ("left", "right", "sqrt")


def split_sigma(U, s, Vt, sigma):
    if sigma == "left":
        return U * s, Vt
    if sigma == "right":
        return U, s[:, None] * Vt
    root = np.sqrt(s)
    return U * root, root[:, None] * Vt


def _svd_form(W, H):
    """The SVD of the rank-k product W H, from two thin QR factorisations."""
    Qw, Rw = np.linalg.qr(W)
    Qh, Rh = np.linalg.qr(H.T)
    u, s, vt = np.linalg.svd(Rw @ Rh.T)
    return Qw @ u, s, vt @ Qh.T


def _als(pb, W, Ht, p, rng, it):
    k = W.shape[1]
    A, B = pb.products_W(Ht)
    W[:] = np.linalg.solve(B + p["alpha_W"] * np.eye(k), A.T).T
    At, C = pb.products_H(W)
    Ht[:] = np.linalg.solve(C + p["alpha_H"] * np.eye(k), At.T).T
    return pb.objective(W, Ht, At, C)


def _gd(pb, W, Ht, p, rng, it):
    """One gradient step per factor with step learning_rate / L (L: the block's Lipschitz constant)."""
    A, B = pb.products_W(Ht)
    W -= p["learning_rate"] / (np.linalg.eigvalsh(B)[-1] + p["alpha_W"]) * (W @ B - A + p["alpha_W"] * W)
    At, C = pb.products_H(W)
    Ht -= p["learning_rate"] / (np.linalg.eigvalsh(C)[-1] + p["alpha_H"]) * (Ht @ C - At + p["alpha_H"] * Ht)
    return pb.objective(W, Ht, At, C)


def _sgd(pb, W, Ht, p, rng, it):
    return sgd_epoch(pb, W, Ht, p, rng, it, mode=0)


_ITERATIVE = {"als": _als, "gd": _gd, "sgd": _sgd}


@one_blas_thread
def fit_lsa(X, n_components, *, solver="randomized", sigma="left", n_power_iter=5, n_oversamples=10,
            max_iter=200, tol=1e-6, alpha_W=0.0, alpha_H=0.0, learning_rate=None, random_state=None) -> Factorization:
    """Latent semantic analysis: the rank-k truncated SVD of X.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_docs, n_terms)
    n_components : int
    solver : {"randomized", "arpack", "dense", "als", "gd", "sgd"}, default="randomized"
        ``randomized``: Halko–Martinsson–Tropp range finder with
        ``n_power_iter`` QR-normalised power iterations and
        ``n_oversamples`` extra columns; ``arpack``: Lanczos via scipy (needs
        k < min(n_docs, n_terms)); ``dense``: LAPACK; ``als``, ``gd``, ``sgd``:
        iterative minimisation of the regularized reconstruction error.
    sigma : {"left", "right", "sqrt"}, default="left"
        How Σ is split: W = ŨΣ, H = Ṽᵀ; W = Ũ, H = ΣṼᵀ; or W = Ũ√Σ, H = √ΣṼᵀ.
    max_iter, tol, alpha_W, alpha_H, learning_rate :
        Iterative solvers only; ``learning_rate`` scales the 1/L step of gd
        (default 1) and sgd (default 0.5, constant).
    random_state : int, Generator or None

    Returns
    -------
    Factorization
        With ``singular_values`` (largest first) and
        ``explained_variance_ratio`` = σ²/‖X‖²_F; signs are fixed so the
        largest-magnitude entry of each row of H is positive.
    """
    if solver not in LSA_SOLVERS:
        raise ValueError(f"Unknown LSA solver {solver!r}; choose one of {', '.join(LSA_SOLVERS)}")
    if sigma not in SIGMA_SPLITS:
        raise ValueError(f"sigma must be one of {', '.join(SIGMA_SPLITS)}; got {sigma!r}")
    X = as_csr(X)
    k = check_rank(n_components, X.shape, strict=solver == "arpack")
    rng = make_rng(random_state)
    norm2 = float(X.data @ X.data)
    params = {"sigma": sigma}
    if solver in SVD_SOLVERS:
        U, s, Vt, n_iter = truncated_svd(X, k, solver=solver, n_oversamples=n_oversamples,
                                         n_power_iter=n_power_iter, rng=rng)
        converged = True
        curve = None  # the objective of the returned factors, below
        params.update(n_power_iter=n_power_iter, n_oversamples=n_oversamples)
    else:
        p = {"alpha_W": check_penalty("alpha_W", alpha_W), "alpha_H": check_penalty("alpha_H", alpha_H),
             "l1_W": 0.0, "l1_H": 0.0,
             "learning_rate": check_penalty("learning_rate", learning_rate if learning_rate is not None
                                            else 1.0 if solver == "gd" else 0.5)}
        pb = _Problem(X, k, {"l2_W": p["alpha_W"], "l2_H": p["alpha_H"]})
        scale = np.sqrt(np.sqrt(norm2 / (X.shape[0] * X.shape[1])) / k)
        W = scale * rng.standard_normal((X.shape[0], k))
        Ht = scale * rng.standard_normal((X.shape[1], k))
        tracker = Tracker(f"LSA(solver={solver!r})", max_iter, tol)
        step = _ITERATIVE[solver]
        it = 0
        while not tracker.add(step(pb, W, Ht, p, rng, it)):
            it += 1
        tracker.finish()
        U, s, Vt = _svd_form(W, Ht.T)
        U, Vt = flip_signs(U, Vt)
        curve, n_iter, converged = np.array(tracker.curve), len(tracker.curve), tracker.converged
        params.update(p, max_iter=max_iter, tol=tol)
    _, H = split_sigma(U, s, Vt, sigma)
    # W is the least-squares fit to X for this H (= ŨΣ-split for an exact SVD), so that
    # transform() reproduces it exactly on the training documents
    XHt = _products(X, H)
    W = _fold_in(XHt, H, params.get("alpha_W", 0.0))
    if curve is None:  # ½‖X − WH‖² from the products already made
        fit = norm2 - 2.0 * float(np.sum(XHt * W)) + float(np.sum((W.T @ W) * (H @ H.T)))
        curve = np.array([0.5 * max(fit, 0.0)])
    return Factorization(np.ascontiguousarray(W), np.ascontiguousarray(H), "lsa", solver, curve, n_iter, converged,
                         singular_values=s, explained_variance_ratio=s**2 / norm2, params=params)


def _products(X, H):
    return Products(X, H.shape[0]).times(np.ascontiguousarray(H.T))


def _fold_in(XHt, H, alpha_W):
    gram = H @ H.T + alpha_W * np.eye(H.shape[0])
    return np.ascontiguousarray(np.linalg.solve(gram, XHt.T).T)


@one_blas_thread
def lsa_transform(X, H, *, alpha_W=0.0):
    """Fold documents into the LSA space: W = X Hᵀ (HHᵀ + α_W I)⁻¹, the least-squares fit for fixed H."""
    X = as_csr(X)
    H = np.ascontiguousarray(H, dtype=np.float64)
    return _fold_in(_products(X, H), H, alpha_W)
