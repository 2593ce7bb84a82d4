"""Initial factors for NMF: NNDSVD, NNDSVDa and seeded random, rescaled to the data; and Poisson NMF's start
under a fixed background.

Written against :class:`~topicmf.factorize.topics.rows.Rows`: W is left with the rows (as "W"),
H comes back.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ...spec import INITS
from .local import LocalRows
from .rows import HeldStart, Rows
from .svd import randomized_svd

__all__ = ["initialize", "start", "start_with_background", "custom_start", "INITS"]


def _nndsvd(rows: Rows, k: int, rng) -> np.ndarray:
    """NNDSVD (Boutsidis & Gallopoulos 2008) from a randomized rank-k SVD: W left with the rows, H returned."""
    s, Vt = randomized_svd(rows, k, n_oversamples=10, n_power_iter=4, rng=rng, left="U")
    norms = rows.sign_norms("U")
    H = np.zeros((k, rows.shape[1]))
    H[0] = np.sqrt(s[0]) * np.abs(Vt[0])
    lams, used, signs = np.zeros(k), np.zeros(k), np.ones(k)
    for j in range(1, k):
        y = Vt[j]
        yp, yn = np.maximum(y, 0), np.maximum(-y, 0)
        xp_n, xn_n = norms[0, j], norms[1, j]
        yp_n, yn_n = np.linalg.norm(yp), np.linalg.norm(yn)
        if xp_n * yp_n >= xn_n * yn_n:
            used[j], v, sigma = xp_n, (yp / yp_n if yp_n else yp), xp_n * yp_n
        else:
            used[j], v, sigma, signs[j] = xn_n, (yn / yn_n if yn_n else yn), xn_n * yn_n, -1.0
        lams[j] = np.sqrt(s[j] * sigma)
        H[j] = lams[j] * v
    rows.nndsvd("U", "W", np.sqrt(s[0]), lams, used, signs)
    rows.drop("U")
    H[H < 1e-6] = 0.0
    return H


def start(rows: Rows, k: int, method: str, rng, *, loss: str, W=None, H=None) -> np.ndarray:
    """Initial (W, H) for ``method``: W left with the rows as "W", H (k × n_terms) returned.

    ``nndsvda`` fills NNDSVD's zeros with the mean of X (so multiplicative and Poisson solvers
    can move them); ``random`` draws ``sqrt(mean/k)·|N(0,1)|``; ``custom`` takes ``W`` and ``H``
    as given (copied).  For the Poisson loss the pair is scaled so that Σ WH = Σ X; for
    Frobenius by the optimal factor ⟨X, WH⟩ / ‖WH‖².
    """
    n, m = rows.shape
    total = rows.total()
    mean = total / (n * m)
    if method == "custom":
        W, H = custom_start(W, H, n, m, k)
        rows.set("W", W)
        return H
    if method == "random":
        scale = np.sqrt(mean / k)
        rows.random("W", k, rng, scale, absolute=True)
        H = scale * np.abs(rng.standard_normal((k, m)))
    else:
        H = _nndsvd(rows, k, rng)
        if method == "nndsvda":
            rows.fill_zeros("W", mean)
            H[H == 0] = mean
    if loss == "poisson":
        product = float(rows.column_sums("W") @ H.sum(axis=1))
        factor = total / product if product > 0 else 1.0
    else:
        gram = float(np.sum(rows.gram("W") * (H @ H.T)))
        factor = rows.inner_times(H.T, "W") / gram if gram > 0 else 1.0
    if factor > 0:
        rows.scale("W", np.sqrt(factor))
        H *= np.sqrt(factor)
    return np.ascontiguousarray(H)


def custom_start(W, H, n_docs, n_terms, n_topics):
    """A given start (``init="custom"``) checked: both factors, their shapes, finite and non-negative values."""
    if W is None or H is None:
        raise ValueError("init='custom' needs both W and H")
    held = isinstance(W, HeldStart)  # made and checked where the rows are
    W = W if held else np.array(W, dtype=np.float64, order="C")
    H = np.array(H, dtype=np.float64, order="C")
    if W.shape != (n_docs, n_topics) or H.shape != (n_topics, n_terms):
        raise ValueError(f"init='custom' needs W of shape {(n_docs, n_topics)} and H of shape {(n_topics, n_terms)}; got {W.shape} and {H.shape}")
    if held:
        if not np.all(np.isfinite(H)) or H.min() < 0:
            raise ValueError("The initial H of an NMF must be finite and non-negative")
        return W, H
    if not (np.all(np.isfinite(W)) and np.all(np.isfinite(H))):
        raise ValueError("The initial W and H must be finite")
    if W.min() < 0 or H.min() < 0:
        raise ValueError("The initial W and H of an NMF must be non-negative")
    return W, H


def start_with_background(rows: Rows, k: int, method: str, rng, share: float, *, W=None, H=None):
    """Initial W (n × (k+1), left with the rows) and Hᵀ (m × (k+1)) with the background as their last column,
    and the background's word profile.

    The topics start from NNDSVD of what the background leaves, max(X − B, 0) on the nonzeros of
    X, scaled to the remaining (1 − β) Σ X (:mod:`topicmf.factorize.topics.background`);
    ``custom`` factors are the topics' part as given.
    """
    profile = rows.column_profile()
    if method == "custom":
        H = start(rows, k, method, rng, loss="poisson", W=W, H=H)
    else:
        with rows.background_residual(share, profile) as residual_rows:
            H = start(residual_rows, k, method, rng, loss="poisson")
        product = float(rows.column_sums("W") @ H.sum(axis=1))
        scale = np.sqrt((1.0 - share) * rows.total() / product) if product > 0 else 1.0
        rows.scale("W", scale)
        H = H * scale
    rows.append_background("W", share, profile)
    return np.ascontiguousarray(np.column_stack([H.T, profile])), profile


def initialize(X: sp.csr_matrix, k: int, method: str, rng, *, loss: str, W=None, H=None):
    """(W, H) to start an NMF of X in this process (as :func:`start` makes them; products planned for the
    randomized SVD's k + 10 columns)."""
    rows = LocalRows(X, k + 10)
    H = start(rows, k, method, rng, loss=loss, W=W, H=H)
    return np.ascontiguousarray(rows["W"]), H


