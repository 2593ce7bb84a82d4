"""The SGD solvers of the topic models: per-entry steps by strata (:mod:`topicmf.factorize.engine.strata`).

An epoch computes the exact gradient of the cells it does not visit (the zero cells) in one
pass per side, then makes one stratified pass of per-entry steps over the stored cells,
which share that gradient (see :func:`~topicmf.factorize.engine.strata.squared_block` and
:func:`~topicmf.factorize.engine.strata.poisson_block`).  SGD needs the whole matrix and its
transpose in this process: it does not run on a cluster.
"""

from __future__ import annotations

import numpy as np

from ..engine import kernels
from ..engine.strata import Strata, poisson_epoch, squared_epoch
from .nmf import Problem, Step, local_rows_only, poisson_objective, squared_objective
from .rows import FLOOR, MU_EPS

__all__ = ["SquaredSgd", "PoissonSgd"]


class _Schedule:
    """What every epoch of one fit reuses: the entries' blocks, and each side's packed rows.

    ``packed_W`` holds, per row i, [w_i | the zero cells' gradient of row i | 1 / its stored entries]
    (:func:`~topicmf.factorize.engine.strata.squared_block`); the factors are copied in before an
    epoch and out after it.
    """

    def __init__(self, rows, k: int):
        self.X, self.Xt = rows.X, rows.Xt
        self.k = k
        self.strata = Strata(self.X, k)
        self.empty_rows = np.diff(self.X.indptr) == 0
        self.empty_cols = np.diff(self.Xt.indptr) == 0
        self.packed_W = self._packed(np.diff(self.X.indptr))
        self.packed_H = self._packed(np.diff(self.Xt.indptr))

    def _packed(self, counts) -> np.ndarray:
        packed = np.empty((counts.size, 2 * self.k + 1))
        packed[:, 2 * self.k] = 1.0 / np.maximum(counts, 1).astype(np.float64)
        return packed

    def pack(self, W, Ht, zero_W, zero_H) -> None:
        k = self.k
        self.packed_W[:, :k], self.packed_W[:, k:2 * k] = W, zero_W
        self.packed_H[:, :k], self.packed_H[:, k:2 * k] = Ht, zero_H

    def unpack(self, W, Ht) -> None:
        W[:] = self.packed_W[:, :self.k]
        Ht[:] = self.packed_H[:, :self.k]
        W[self.empty_rows] = 0.0  # rows and columns without data: their optimum is 0
        Ht[self.empty_cols] = 0.0


class SquaredSgd(Step):
    """One epoch for the squared loss: LSA's unconstrained steps, or NMF's projected onto ≥ 0 (``nonnegative``)."""

    def __init__(self, nonnegative: bool):
        self.nonnegative = nonnegative

    def start(self, problem: Problem) -> None:
        rows = local_rows_only(problem.rows, "sgd")
        problem.state["schedule"] = _Schedule(rows, problem.Ht.shape[1])

    def __call__(self, problem: Problem, iteration: int) -> float:
        schedule, p = problem.state["schedule"], problem.params
        X, Xt, W, Ht = schedule.X, schedule.Xt, problem.rows["W"], problem.Ht
        # the zero cells' gradient, exactly: Σ_all_j p_ij h_j − Σ_nonzero_j p_ij h_j (Wᵀ W is the last
        # objective's, W unchanged since)
        gram_W = problem.state.pop("gram_W", None)
        gram_W = W.T @ W if gram_W is None else gram_W
        gram_H = Ht.T @ Ht
        zero_W = W @ gram_H
        zero_H = Ht @ gram_W
        nz_W, nz_H = np.empty_like(W), np.empty_like(Ht)
        kernels.nonzero_gradient(X.indptr, X.indices, W, Ht, nz_W)
        kernels.nonzero_gradient(Xt.indptr, Xt.indices, Ht, W, nz_H)
        zero_W -= nz_W
        zero_H -= nz_H
        rate = float(p["learning_rate"])
        scale_W = 1.0 / (np.linalg.eigvalsh(gram_H)[-1] + p["alpha_W"] + MU_EPS)
        scale_H = 1.0 / (np.linalg.eigvalsh(gram_W)[-1] + p["alpha_H"] + MU_EPS)
        schedule.pack(W, Ht, zero_W, zero_H)
        schedule.strata.epoch(problem.rng, squared_epoch, schedule.packed_W, schedule.packed_H, (
            schedule.k, float(scale_W), float(scale_H), rate, rate, float(p["alpha_W"]), float(p["alpha_H"]),
            float(p["l1_W"]), float(p["l1_H"]), bool(self.nonnegative)))
        schedule.unpack(W, Ht)
        At, C = problem.rows.products_h()
        problem.state["gram_W"] = C
        return squared_objective(problem, At, C)


class PoissonSgd(Step):
    """One Poisson epoch: per-entry steps on ε̃ = (p − x)/p, zero cells exactly; the step decays as 1/(1 + 0.01 t)."""

    def start(self, problem: Problem) -> None:
        rows = local_rows_only(problem.rows, "sgd")
        problem.state["schedule"] = _Schedule(rows, problem.Ht.shape[1])
        problem.state["ones"] = np.ones(rows.nnz)
        problem.state["log_cols"] = np.empty(rows.shape[1])

    def __call__(self, problem: Problem, iteration: int) -> float:
        schedule, p, ones = problem.state["schedule"], problem.params, problem.state["ones"]
        X, Xt, W, Ht = schedule.X, schedule.Xt, problem.rows["W"], problem.Ht
        col_H, col_W = Ht.sum(axis=0), W.sum(axis=0)
        # the zero cells of row i contribute Σ_j h_j − Σ_{nonzero j} h_j to its gradient
        zero_W, zero_H = np.empty_like(W), np.empty_like(Ht)
        kernels.spmm(X.indptr, X.indices, ones, Ht, zero_W)
        kernels.spmm(Xt.indptr, Xt.indices, ones, W, zero_H)
        zero_W = col_H - zero_W
        zero_H = col_W - zero_H
        rate = float(p["learning_rate"] / (1.0 + 0.01 * iteration))
        schedule.pack(W, Ht, zero_W, zero_H)
        schedule.strata.epoch(problem.rng, poisson_epoch, schedule.packed_W, schedule.packed_H, (
            schedule.k, col_H + p["l1_W"], col_W + p["l1_H"], rate, rate, float(p["alpha_W"]), float(p["alpha_H"]),
            float(p["l1_W"]), float(p["l1_H"]), float(FLOOR)))
        schedule.unpack(W, Ht)
        log_cols = problem.state["log_cols"]
        kernels.kl_row_terms(Xt.indptr, Xt.indices, Xt.data, Ht, W, log_cols)
        return poisson_objective(problem, float(log_cols.sum()))
