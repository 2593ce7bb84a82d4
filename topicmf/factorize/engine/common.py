"""Input checks, seeds, the boundary where parameters are validated, and the stopping rule: shared by every solver."""

from __future__ import annotations

import functools
import inspect
import logging
import numbers
import warnings
from contextvars import ContextVar

import numpy as np
import scipy.sparse as sp

from ...spec import ParamTable, checked, validation_done

log = logging.getLogger("topicmf.factorize")

__all__ = ["as_csr", "check_rank", "check_nonnegative", "make_rng", "Tracker", "validated", "iteration_hook"]


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


def check_rank(k: int, shape, *, strict: bool = False) -> int:
    """The number of topics against the matrix shape (its type and sign are the parameter table's to check)."""
    limit = min(shape)
    if k > limit or (strict and k >= limit):
        relation = "<" if strict else "<="
        raise ValueError(
            f"n_components={k} is too large: X has {shape[0]} sample(s) (documents) and {shape[1]} "
            f"feature(s) (terms), and n_components must be {relation} min(n_docs, n_terms) = {limit}"
        )
    return int(k)


def validated(table: ParamTable):
    """Check a public fit function's parameters against its family's table, once, where a call enters.

    The values go on normalised (numbers as int or float); everything the function calls runs
    with the checks off (:func:`topicmf.spec.checked`), and a caller that has checked them
    already (an estimator, :func:`topicmf.model.fit_topic_model`) is not checked again.
    """

    def decorate(function):
        signature = inspect.signature(function)
        default_solver = signature.parameters["solver"].default if "solver" in signature.parameters else None

        @functools.wraps(function)
        def call(*args, **kwargs):
            if validation_done():
                return function(*args, **kwargs)
            unknown = sorted(set(kwargs) - set(signature.parameters))
            if unknown:
                raise TypeError(f"{table.owner} has no parameter {unknown[0]!r}; it has {', '.join(table.names())}")
            bound = signature.bind(*args, **kwargs)
            given = {name: value for name, value in bound.arguments.items() if name in table}
            solver = bound.arguments.get("solver", default_solver)
            bound.arguments.update(table.check(given, solver=solver if isinstance(solver, str) else None))
            with checked():
                return function(*bound.args, **bound.kwargs)

        return call

    return decorate


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
