"""Validation, seeds and convergence bookkeeping shared by every solver."""

from __future__ import annotations

import logging
import numbers
import warnings
from contextvars import ContextVar

import numpy as np
import scipy.sparse as sp

from ..topics.result import Factorization

log = logging.getLogger("topicmf.factorize")

__all__ = [
    "as_csr", "check_rank", "check_nonnegative", "make_rng", "Tracker", "check_penalty", "prepare_nmf",
    "penalties", "run_nmf",
]  # fmt: skip


def as_csr(X) -> sp.csr_matrix:
    """X as a float64 CSR matrix with sorted, summed indices; NaN and inf raise ValueError.

    A CSR input keeps its index arrays (shared, never modified): only the
    values are converted, so a count matrix of a million documents is not
    copied twice.
    """
    if sp.issparse(X) and X.format == "csr" and X.shape[0] >= 1 and X.shape[1] >= 1:
        data = X.data if X.data.dtype == np.float64 else X.data.astype(np.float64)
        if not np.isfinite(data).all():
            raise ValueError("Input X contains NaN or infinity.")
        X = sp.csr_matrix((data, X.indices, X.indptr), shape=X.shape, copy=False)
    else:
        from sklearn.utils import check_array  # imported only here: a topicmf run passes CSR matrices

        X = check_array(X, accept_sparse=("csr", "csc", "coo"), dtype=np.float64, ensure_min_samples=1,
                        ensure_min_features=1)
        X = sp.csr_matrix(X, dtype=np.float64)
    if not X.has_canonical_format or np.any(X.data == 0):
        X = X.copy()  # never change the caller's matrix (X may share its arrays)
        X.sum_duplicates()
        X.eliminate_zeros()
    if X.nnz == 0:
        raise ValueError("X is all zeros: there is nothing to factorize")
    return X


def check_nonnegative(X: sp.csr_matrix, whom: str) -> None:
    """Raise the ValueError scikit-learn raises for negative input."""
    if X.nnz and X.data.min() < 0:
        raise ValueError(f"Negative values in data passed to {whom}: NMF needs counts or other values >= 0")


def check_rank(k, shape, *, strict: bool = False) -> int:
    """Validate the number of topics against the matrix shape."""
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"n_components must be a positive integer; got {k!r}")
    limit = min(shape)
    if k > limit or (strict and k >= limit):
        relation = "<" if strict else "<="
        raise ValueError(
            f"n_components={k} is too large: X has {shape[0]} sample(s) (documents) and {shape[1]} "
            f"feature(s) (terms), and n_components must be {relation} min(n_docs, n_terms) = {limit}"
        )
    return int(k)


def check_penalty(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {value!r}")
    return float(value)


def make_rng(random_state) -> np.random.Generator:
    """A numpy Generator from None, an int, a Generator or a legacy RandomState."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    if random_state is None or isinstance(random_state, numbers.Integral):
        return np.random.default_rng(random_state)
    raise ValueError(f"random_state must be None, an int or a numpy Generator; got {random_state!r}")


#: Called as hook(iteration, max_iter) after every iteration of an iterative solver (see factorize()).
iteration_hook: ContextVar = ContextVar("iteration_hook", default=None)


class Tracker:
    """Objective per iteration and the stopping rule: relative decrease below ``tol``.

    ``patience`` is how many iterations in a row must fall below ``tol``: 1 for
    solvers whose steps shrink steadily; 2 where one short step says little about
    the next (extrapolated HALS: a step after a large extrapolation can be 100×
    shorter than its neighbours, and stopping there left 20 Newsgroups' objective
    above scikit-learn's).
    """

    def __init__(self, name: str, max_iter: int, tol: float, patience: int = 1):
        if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
            raise ValueError(f"max_iter must be a positive integer; got {max_iter!r}")
        if not isinstance(tol, numbers.Real) or not tol >= 0:
            raise ValueError(f"tol must be a number >= 0; got {tol!r}")
        self.name = name
        self.max_iter = int(max_iter)
        self.tol = float(tol)
        self.curve: list[float] = []
        self.converged = False
        self.last_change = np.inf
        self.patience = patience
        self._quiet = 0  # iterations in a row below tol

    def add(self, objective: float) -> bool:
        """Record one iteration's objective; True when the run should stop."""
        objective = float(objective)
        if not np.isfinite(objective):
            raise FloatingPointError(f"{self.name}: the objective became {objective} at iteration {len(self.curve) + 1}")
        if self.curve:
            previous = self.curve[-1]
            self.last_change = (previous - objective) / max(abs(previous), np.finfo(float).tiny)
            self._quiet = self._quiet + 1 if abs(self.last_change) < self.tol else 0
            if self._quiet >= self.patience:
                self.converged = True
        self.curve.append(objective)
        hook = iteration_hook.get()
        if hook is not None:
            hook(len(self.curve), self.max_iter)
        log.debug("%s iteration %d: objective %.10g", self.name, len(self.curve), objective)
        return self.converged or len(self.curve) >= self.max_iter

    def finish(self) -> None:
        """Log the outcome; warn, naming the remedy, when max_iter ended the run."""
        if self.converged:
            log.info("%s converged after %d iterations (relative change %.2e < tol=%g)",
                     self.name, len(self.curve), abs(self.last_change), self.tol)
        else:
            from sklearn.exceptions import ConvergenceWarning  # scikit-learn's, so its filters apply

            warnings.warn(
                f"{self.name} stopped at max_iter={self.max_iter} before converging (last relative "
                f"change {abs(self.last_change):.2e} > tol={self.tol:g}); increase max_iter or tol",
                ConvergenceWarning,
                stacklevel=4,
            )


def prepare_nmf(X, n_components, whom, *, alpha_W, alpha_H, l1_W, l1_H, learning_rate):
    """Validate an NMF call: returns X as CSR, k, and the checked numeric parameters."""
    X = as_csr(X)
    check_nonnegative(X, whom)
    k = check_rank(n_components, X.shape)
    params = {name: check_penalty(name, value) for name, value in
              (("alpha_W", alpha_W), ("alpha_H", alpha_H), ("l1_W", l1_W), ("l1_H", l1_H),
               ("learning_rate", learning_rate))}  # fmt: skip
    return X, k, params


def penalties(params: dict) -> dict:
    """The penalty keywords of :mod:`topicmf.factorize.topics.losses` from checked NMF parameters."""
    return {"l2_W": params["alpha_W"], "l2_H": params["alpha_H"], "l1_W": params["l1_W"], "l1_H": params["l1_H"]}


def run_nmf(step, pb, W, Ht, params, rng, tracker, *, fold_in, loss, model, solver, record,
            n_topics=None) -> Factorization:
    """Iterate ``step`` until ``tracker`` stops, then solve W exactly for the final H.

    The final W is the fold-in ``transform`` computes (so the two agree on the
    training documents), and the last entry of the loss curve becomes the
    objective of the returned factors.  Columns past ``n_topics`` (a fixed
    background the steps carry) are not returned; ``fold_in`` and ``loss``
    add them back.
    """
    it = 0
    while not tracker.add(step(pb, W, Ht, params, rng, it)):
        it += 1
    tracker.finish()
    k = Ht.shape[1] if n_topics is None else n_topics
    H = np.ascontiguousarray(Ht[:, :k].T)
    W = fold_in(pb.X, H, alpha_W=params["alpha_W"], l1_W=params["l1_W"], W_init=W[:, :k])
    curve = np.array(tracker.curve)
    curve[-1] = loss(pb.X, W, H, **penalties(params))
    return Factorization(W, H, model, solver, curve, len(curve), tracker.converged, params=record)
