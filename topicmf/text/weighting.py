"""Weightings of a count matrix before it is factorized, fitted on the training matrix and reused for new text."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..spec import WEIGHTINGS
from .matrix import entropy_weights, idf_weights, normalize_rows

__all__ = ["WEIGHTINGS", "weigh", "global_weights"]


def weigh(X, weighting: str, global_weights: np.ndarray | None) -> sp.csr_matrix:
    """Apply a weighting with known global weights (fitted on the training matrix).

    ``sqrt`` shares the index arrays of a CSR input (only the values are new,
    as when counts are converted to floats), so a large corpus is not copied.
    """
    if weighting == "sqrt":
        X = X if sp.issparse(X) and X.format == "csr" else sp.csr_matrix(X)
        return sp.csr_matrix((np.sqrt(X.data, dtype=np.float64), X.indices, X.indptr), shape=X.shape, copy=False)
    X = sp.csr_matrix(X, dtype=np.float64, copy=True)
    if weighting == "counts":
        return X
    if weighting == "log-entropy":
        X.data = np.log1p(X.data)
    X.data *= global_weights[X.indices]
    X.eliminate_zeros()
    return normalize_rows(X, "l2")


def global_weights(X, weighting: str) -> np.ndarray | None:
    if weighting == "tfidf":
        return idf_weights(X)
    if weighting == "log-entropy":
        return entropy_weights(X)
    return None
