"""The simplest recommender, to measure the others against: every user gets the most popular items."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["MostPopular", "baseline"]


class MostPopular:
    """Scores every item by its number of positive interactions (x > 0) in training; the same list for all.

    Has the ``fit`` / ``recommend`` interface of :class:`topicmf.ImplicitMF`, so
    :func:`~topicmf.ratings.ranking_metrics` measures it the same way.
    """

    def fit(self, R, y=None):
        R = sp.csr_matrix(R)
        self.known_ = R
        self.popularity_ = np.bincount(R.indices[R.data > 0], minlength=R.shape[1]).astype(np.float64)
        return self

    def recommend(self, users, n_items=10, exclude_known=True):
        users = np.asarray(users, dtype=np.int64).ravel()
        scores = np.repeat(self.popularity_[None, :], users.size, axis=0)
        if exclude_known:
            known = self.known_[users]
            scores[np.repeat(np.arange(users.size), np.diff(known.indptr)), known.indices] = -np.inf
        n_items = min(int(n_items), scores.shape[1])
        order = np.lexsort((np.broadcast_to(np.arange(scores.shape[1]), scores.shape), -scores), axis=1)[:, :n_items]
        best = np.take_along_axis(scores, order, axis=1)
        order[~np.isfinite(best)] = -1
        return order, best


def baseline():
    """The explicit family's reference: μ + user and item biases alone, as scikit-surprise's BaselineOnly fits it
    (each bias penalised once, γ = 15, δ = 10, 10 sweeps)."""
    from ..factorize import ExplicitMF

    return ExplicitMF(solver="baseline", penalty="total", gamma=15.0, delta=10.0, max_iter=10)
