"""What every NMF fit shares: the problem its steps work on, the step interface, the loop and the ending.

A fit builds a :class:`Problem` (the rows, Hᵀ, the checked parameters), picks its solver's
:class:`Step` and hands both to :func:`run`, which iterates until the tracker stops, solves W
exactly for the final H (the fold-in ``transform`` computes, so the two agree on the training
documents) and replaces the last entry of the loss curve by the objective of the returned
factors.  Steps are written against :class:`~topicmf.factorize.topics.rows.Rows`, so the same
step runs on one machine and on a cluster.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from ..engine.common import Tracker, as_csr, check_nonnegative
from .local import LocalRows
from .result import Factorization
from .rows import Rows, penalty_value

__all__ = ["Problem", "Step", "run", "penalties_of", "rows_of", "local_rows_only", "squared_objective",
           "poisson_objective"]


def penalties_of(params: dict) -> dict:
    """The penalty keywords of :mod:`topicmf.factorize.topics.losses` from an NMF fit's parameters."""
    return {"l2_W": params["alpha_W"], "l2_H": params["alpha_H"], "l1_W": params["l1_W"], "l1_H": params["l1_H"]}


@dataclass
class Problem:
    """One fit's state: the rows (with W), Hᵀ (terms × columns), the checked parameters and the seed.

    ``n_topics`` columns move; any after them are a fixed background.  ``state`` holds what a
    step keeps from one iteration to the next (buffers, schedules), under the step's own keys.
    """

    rows: Rows
    Ht: np.ndarray
    params: dict
    rng: np.random.Generator
    n_topics: int
    state: dict = field(default_factory=dict)

    @property
    def penalties(self) -> dict:
        return penalties_of(self.params)

    def penalty(self) -> float:
        """The penalties at the current factors (topic columns only)."""
        return penalty_value(self.rows, self.Ht, self.penalties, self.n_topics)


def squared_objective(problem: Problem, At, C) -> float:
    """½‖X − WH‖² (+ penalties) from Aᵀ = Xᵀ W and C = Wᵀ W: no extra pass over X (needs ``state["norm2"]``)."""
    Ht = problem.Ht
    fit = 0.5 * (problem.state["norm2"] - 2.0 * float(np.vdot(At, Ht)) + float(np.vdot(C, Ht.T @ Ht)))
    return max(fit, 0.0) + problem.penalty()


def poisson_objective(problem: Problem, logsum: float) -> float:
    """D(X‖WH) (+ penalties) from Σ x ln(x/(WH)) on the nonzeros: − Σ x + (1ᵀW)(H1) (needs ``state["total"]``)."""
    Ht = problem.Ht
    return (logsum - problem.state["total"] + float(problem.rows.column_sums("W") @ Ht.sum(axis=0))
            + problem.penalty())


class Step(ABC):
    """One solver's iteration: updates W (through the rows) and H, returns the objective of the new iterate."""

    #: Iterations in a row below ``tol`` before stopping (see :class:`~topicmf.factorize.engine.common.Tracker`).
    patience: int = 1

    def start(self, problem: Problem) -> None:
        """Prepare the first iteration (after the start W, H are set)."""

    @abstractmethod
    def __call__(self, problem: Problem, iteration: int) -> float:
        """One iteration; the objective after it."""


def rows_of(X, width: int, owner: str | None) -> Rows:
    """The rows a fit works on: given rows (a cluster's) planned for ``width`` columns, or a matrix as CSR held in
    this process — checked non-negative for an NMF (``owner`` names it in the error; None: LSA, any sign)."""
    if isinstance(X, Rows):
        return X.with_width(width)
    X = as_csr(X)
    if owner is not None:
        check_nonnegative(X, owner)
    return LocalRows(X, width)


def local_rows_only(rows: Rows, solver: str):
    """The rows' whole matrix for a solver that needs it in this process (SGD); ValueError on a cluster."""
    if not rows.local:
        raise ValueError(f"the {solver} solver needs the whole matrix in one process; it does not run on a cluster")
    return rows


def run(step: Step, problem: Problem, tracker: Tracker, *, finish, model: str, solver: str, record: dict,
        background=None) -> Factorization:
    """Iterate ``step`` until ``tracker`` stops, then ``finish(problem, H) -> objective`` folds W in for the final
    H and measures the returned factors."""
    step.start(problem)
    iteration = 0
    while not tracker.add(step(problem, iteration)):
        iteration += 1
    tracker.finish()
    H = np.ascontiguousarray(problem.Ht[:, :problem.n_topics].T)
    curve = np.array(tracker.curve)
    curve[-1] = finish(problem, H)
    return Factorization(problem.rows.gather("W"), H, model, solver, curve, len(curve), tracker.converged,
                         params=record, background=background)
