"""Weightings of a count matrix before it is factorized, fitted on the training matrix and reused for new text."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..text import entropy_weights, idf_weights, normalize_rows

__all__ = ["WEIGHTINGS", "weigh", "global_weights"]

#: How counts are weighted before factorizing.  "sqrt" takes square roots of the counts: a word repeated
#: in one document counts less than the same number of occurrences spread over documents.
WEIGHTINGS = ("counts", "sqrt", "tfidf", "log-entropy")

def weigh(X, weighting: str, global_weights: np.ndarray | None) -> sp.csr_matrix:
    """Apply a weighting with known global weights (fitted on the training matrix)."""
    X = sp.csr_matrix(X, dtype=np.float64, copy=True)
    if weighting == "counts":
        return X
    if weighting == "sqrt":
        np.sqrt(X.data, out=X.data)
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
