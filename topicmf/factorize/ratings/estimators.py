"""scikit-learn-style estimators over the rating-matrix models: ExplicitMF and ImplicitMF.

They work on indices (users are rows, items columns); names and files are a later stage's.
``fit(R)`` takes a scipy sparse users × items matrix whose stored entries are the known
cells; ``predict(users, items)`` and ``recommend(users, n)`` take index arrays.  An index
of -1 (or past the fitted shape) is an unknown user or item: its prediction falls back to
μ plus the known bias.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator

from ...spec.ratings import EXPLICIT, IMPLICIT
from ..engine.common import iteration_hook
from .models import as_ratings, fit_explicit, fit_implicit, fold_in_explicit, fold_in_implicit
from ..engine.topk import top_rows

__all__ = ["ExplicitMF", "ImplicitMF"]

_E, _I = EXPLICIT.params.default, IMPLICIT.params.default  # defaults, from the families' parameter tables


class _RatingModel(BaseEstimator):
    def fit(self, R, y=None, callback=None):
        """Fit to R (scipy sparse users × items; stored entries are the known cells) and return self.

        ``callback(iteration, max_iter)``, if given, is called after every epoch or sweep (through
        the solvers' iteration hook, as :func:`topicmf.factorize.factorize` passes its callback).
        """
        R = as_ratings(R)
        token = iteration_hook.set(callback)
        try:
            result = self._fit(R)
        finally:
            iteration_hook.reset(token)
        self.user_factors_ = result.U
        self.item_factors_ = result.V
        self.user_bias_ = result.user_bias
        self.item_bias_ = result.item_bias
        self.global_mean_ = result.global_mean
        self.n_iter_ = result.n_iter
        self.loss_curve_ = result.loss_curve
        self.converged_ = result.converged
        self.rating_range_ = result.rating_range
        self.known_ = R  # the training cells: what recommend() leaves out
        return self

    def _check_fitted(self):
        if not hasattr(self, "user_factors_"):
            raise ValueError(f"This {type(self).__name__} is not fitted yet; call fit(R) first")

    def _scores(self, users, items):
        users = np.asarray(users, dtype=np.int64).ravel()
        items = np.asarray(items, dtype=np.int64).ravel()
        if users.shape != items.shape:
            raise ValueError(f"users and items must have the same length; got {users.size} and {items.size}")
        n, m = self.user_factors_.shape[0], self.item_factors_.shape[0]
        known_u = (users >= 0) & (users < n)
        known_i = (items >= 0) & (items < m)
        out = np.full(users.size, self.global_mean_)
        out[known_u] += self.user_bias_[users[known_u]]
        out[known_i] += self.item_bias_[items[known_i]]
        both = known_u & known_i
        out[both] += np.einsum("ij,ij->i", self.user_factors_[users[both]], self.item_factors_[items[both]])
        return out

    def predict(self, users, items):
        """Predictions for the (user, item) index pairs; explicit ones clipped to the training range."""
        self._check_fitted()
        low, high = self.rating_range_
        return np.clip(self._scores(users, items), low, high)

    def recommend(self, users, n_items=10, exclude_known=True):
        """The ``n_items`` best items per user: (items, scores), each of shape (len(users), n).

        Known items of a user are left out unless ``exclude_known=False``; where fewer than
        ``n_items`` items remain, the rest of the row is -1 with score -inf.
        """
        self._check_fitted()
        users = np.asarray(users, dtype=np.int64).ravel()
        if np.any((users < 0) | (users >= self.user_factors_.shape[0])):
            raise ValueError("recommend() needs users of the fitted matrix (indices 0 … n_users − 1)")
        return self._top(self.user_factors_[users], self.user_bias_[users], self.known_[users], n_items, exclude_known)

    def fold_in(self, R_new):
        """Factors and biases of users absent from training, from their known cells: (factors, biases).

        ``R_new`` is sparse, one row per new user and one column per fitted item; each row is
        solved as an ALS step would solve it, the items held fixed.
        """
        self._check_fitted()
        return self._fold_in(R_new)

    def recommend_new(self, R_new, n_items=10, exclude_known=True):
        """:meth:`recommend` for users absent from training, given as rows of known cells (see :meth:`fold_in`)."""
        self._check_fitted()
        factors, biases = self._fold_in(R_new)
        return self._top(factors, biases, sp.csr_matrix(R_new), n_items, exclude_known)

    def _top(self, factors, biases, known, n, exclude_known):
        """The n best items of each row of factors: scored in float32 (half the time of the users × items
        product), the chosen ones re-scored in float64 and ordered by that score."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive integer; got {n!r}")
        V = self.item_factors_
        n_items = V.shape[0]
        scores = np.asarray(factors, dtype=np.float32) @ V.T.astype(np.float32)
        scores += self.item_bias_.astype(np.float32)[None, :]
        scores += (biases + self.global_mean_).astype(np.float32)[:, None]
        if exclude_known:
            known = sp.csr_matrix(known)
            scores[np.repeat(np.arange(factors.shape[0]), np.diff(known.indptr)), known.indices] = -np.inf
        n = min(int(n), n_items)
        items = np.empty((scores.shape[0], n), dtype=np.int64)
        rough = np.empty((scores.shape[0], n), dtype=np.float32)
        top_rows(scores, items, rough)
        del scores
        found = np.isfinite(rough)
        best = np.full(items.shape, -np.inf)
        rows, cols = np.nonzero(found)
        picked = items[rows, cols]
        best[rows, cols] = (np.einsum("ij,ij->i", factors[rows], V[picked]) + self.item_bias_[picked] + biases[rows]
                            + self.global_mean_)
        order = np.lexsort((items, -best), axis=1)  # best first by the exact score; ties to the lower index
        items = np.take_along_axis(items, order, axis=1)
        best = np.take_along_axis(best, order, axis=1)
        items[~np.isfinite(best)] = -1
        return items, best


class ExplicitMF(_RatingModel):
    """Explicit ratings: r̂ = μ + b_i + c_j + ⟨u_i, v_j⟩ on the known cells (see :mod:`.ratings`).

    Parameters
    ----------
    n_components : int, default=100
    solver : {"sgd", "als", "baseline"}, default="sgd"
    alpha, beta : float, default=0.1
        L2 weights of the user and item factors.
    gamma, delta : float, default=0.02
        L2 weights of the user and item biases.
    penalty : {"per_rating", "total"}, default="per_rating"
        Every known cell carries its user's and item's penalties (Funk's objective), or
        each factor is penalised once.
    learning_rate : float, default=0.01
    max_iter : int, default=30
    tol : float, default=0
    random_state : int, Generator or None
    """

    def __init__(self, n_components=_E("n_components"), *, solver=_E("solver"), alpha=_E("alpha"), beta=_E("beta"),
                 gamma=_E("gamma"), delta=_E("delta"), penalty=_E("penalty"), learning_rate=_E("learning_rate"),
                 max_iter=_E("max_iter"), tol=_E("tol"), random_state=_E("random_state")):
        self.n_components = n_components
        self.solver = solver
        self.alpha = alpha
        self.beta = beta
        self.gamma = gamma
        self.delta = delta
        self.penalty = penalty
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def _fit(self, R):
        return fit_explicit(R, **self.get_params())

    def _fold_in(self, R_new):
        return fold_in_explicit(R_new, self.item_factors_, self.item_bias_, self.global_mean_, alpha=self.alpha,
                                gamma=self.gamma, penalty=self.penalty,
                                with_factors=EXPLICIT.solver(self.solver).factors)


class ImplicitMF(_RatingModel):
    """Implicit feedback: Σ_all (1 + α|x|)([x > 0] − ⟨u_i, v_j⟩)² + reg(‖U‖² + ‖V‖²) by ALS.

    Parameters
    ----------
    n_components : int, default=64
    solver : {"cg", "exact"}, default="cg"
    alpha : float, default=10
    reg : float, default=0.01
    max_iter : int, default=15
    tol : float, default=0
    cg_steps : int, default=2
    random_state : int, Generator or None
    """

    def __init__(self, n_components=_I("n_components"), *, solver=_I("solver"), alpha=_I("alpha"), reg=_I("reg"),
                 max_iter=_I("max_iter"), tol=_I("tol"), cg_steps=_I("cg_steps"), random_state=_I("random_state")):
        self.n_components = n_components
        self.solver = solver
        self.alpha = alpha
        self.reg = reg
        self.max_iter = max_iter
        self.tol = tol
        self.cg_steps = cg_steps
        self.random_state = random_state

    def _fit(self, R):
        return fit_implicit(R, **self.get_params())

    def _fold_in(self, R_new):
        factors = fold_in_implicit(R_new, self.item_factors_, alpha=self.alpha, reg=self.reg)
        return factors, np.zeros(factors.shape[0])

    def predict(self, users, items):
        """Preference scores ⟨u_i, v_j⟩ (0 for an unknown user or item); not clipped."""
        self._check_fitted()
        return self._scores(users, items)
