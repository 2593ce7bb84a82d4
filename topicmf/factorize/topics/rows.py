"""The matrix held by rows: the interface every topic solver is written against.

A topic fit X ≈ W H holds two kinds of arrays.  Those that grow with the documents — X, the
document factor W and products X B — live with the rows, in a :class:`Rows` backend; the
solver holds only what does not grow with them: H (terms × k), k × k Gram matrices and the
small systems.  Each solver step is written once against this interface: the W half of a
step is a :class:`Rows` method that updates every row where it lives, the H half runs on the
solver's side from sums the rows answer with (Xᵀ W, Wᵀ W, column sums).  Two backends provide
it: :class:`~topicmf.factorize.topics.local.LocalRows` (this process: X as CSR, the compiled kernels on every
thread) and
:class:`topicmf.distributed.rows.ClusterRows` (row blocks on Dask workers, each a
:class:`LocalRows` of its own rows, their answers summed).

Row arrays are named ("W", "Q", ...).  Methods that reduce over the rows (sums, Gram
matrices, objectives) compute in an order the backend fixes; a cluster's answers equal one
machine's up to the order of additions.  Two operations need whole columns and are the
backend's own: the Poisson coordinate-descent pass over H (:meth:`Rows.poisson_cd_h`, one
kernel over Xᵀ here, k rounds of per-term statistics on a cluster) and the orthonormalisation
of a row array (:meth:`Rows.orthonormalize`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

__all__ = ["Rows", "HeldStart", "FLOOR", "MU_EPS", "penalty_value"]

FLOOR = 1e-10  # Poisson: entries of W, H stay >= this where data need them (zeros would be absorbing)
MU_EPS = np.finfo(np.float32).eps  # a multiplicative update's smallest denominator


class HeldStart:
    """A custom start of the document factor that the rows already hold, under ``name``: made where the rows are
    (a cluster's blocks: :meth:`topicmf.distributed.rows.ClusterRows.set`) and given to a fit as ``W`` with
    ``init="custom"``, so that no n × k array passes through the process running the solver.  Whoever made it
    checked it (finite, non-negative)."""

    def __init__(self, name: str, shape: tuple):
        self.name, self.shape = name, tuple(shape)

    def __repr__(self) -> str:
        return f"HeldStart({self.name!r}, {self.shape})"


class Rows(ABC):
    """X (n × m) held by rows, with named row arrays (n × w) beside it; see the module docstring."""

    shape: tuple
    nnz: int
    #: Whether the whole matrix is in this process (solvers that need it — SGD, ARPACK — say so).
    local: bool = False

    # --- the matrix ---------------------------------------------------------------------------------------
    @abstractmethod
    def total(self):
        """Σ x (as a number of X's own precision)."""

    @abstractmethod
    def column_profile(self) -> np.ndarray:
        """Each column's share of Σ x: the background's word profile."""

    @abstractmethod
    def norm2(self) -> float:
        """Σ x²."""

    @abstractmethod
    def with_width(self, width: int) -> "Rows":
        """The same rows, with products planned for factors of ``width`` columns."""

    @abstractmethod
    def background_residual(self, share: float, profile):
        """A context manager giving these rows with X replaced by max(X − B, 0) on X's stored entries, B the
        background (share × row sums × profile); the row arrays are shared with these rows."""

    # --- row arrays ---------------------------------------------------------------------------------------
    @abstractmethod
    def times(self, B: np.ndarray, into: str) -> None:
        """``into`` = X B (B: m × w)."""

    @abstractmethod
    def t_times(self, name: str) -> np.ndarray:
        """Xᵀ A for the row array A (m × w)."""

    @abstractmethod
    def gram(self, name: str) -> np.ndarray:
        """Aᵀ A (w × w)."""

    @abstractmethod
    def orthonormalize(self, name: str) -> None:
        """A ← A R⁻¹ with Rᵀ R = Aᵀ A (Cholesky QR): orthonormal columns."""

    @abstractmethod
    def matmul(self, name: str, M: np.ndarray, into: str) -> None:
        """``into`` = A M (M: w × v)."""

    @abstractmethod
    def scale_columns(self, name: str, factors: np.ndarray) -> None:
        """A ← A diag(factors)."""

    @abstractmethod
    def scale(self, name: str, factor: float) -> None:
        """A ← factor · A, in place."""

    @abstractmethod
    def fill_zeros(self, name: str, value: float) -> None:
        """Entries of A that are exactly 0 become ``value``."""

    @abstractmethod
    def floor(self, name: str, value: float) -> None:
        """A ← max(A, value), in place."""

    @abstractmethod
    def copy(self, source: str, target: str) -> None:
        """``target`` = a copy of ``source`` (into ``target``'s own memory when it has the shape)."""

    @abstractmethod
    def drop(self, *names: str) -> None:
        """Let go of row arrays no longer needed (a start's SVD basis): they would otherwise stay for the whole fit."""

    @abstractmethod
    def column_sums(self, name: str) -> np.ndarray:
        """1ᵀ A."""

    @abstractmethod
    def sums(self, name: str, n_columns: int | None = None) -> tuple[float, float]:
        """(Σ a², Σ a) over the first ``n_columns`` columns (the penalties' sums)."""

    @abstractmethod
    def inner_times(self, Ht: np.ndarray, name: str) -> float:
        """⟨X Ht, A⟩."""

    @abstractmethod
    def gather(self, name: str) -> np.ndarray:
        """The whole row array, in this process."""

    @abstractmethod
    def qr_r(self, name: str) -> np.ndarray:
        """R of a thin QR factorisation of A."""

    # --- starting points ------------------------------------------------------------------------------------
    @abstractmethod
    def sign_norms(self, name: str) -> np.ndarray:
        """(2, w): ‖max(a_j, 0)‖ and ‖max(−a_j, 0)‖ of each column a_j (NNDSVD's choice of sign)."""

    @abstractmethod
    def nndsvd(self, name: str, into: str, first: float, lams, norms, signs) -> None:
        """NNDSVD's W from the left singular vectors A: column 0 is ``first``·|a_0|; column j the chosen sign's
        part of a_j, divided by its norm, times λ_j; entries below 10⁻⁶ set to 0."""

    @abstractmethod
    def random(self, into: str, width: int, rng, scale: float, absolute: bool) -> None:
        """``into`` = scale · N(0, 1) draws (their absolute values with ``absolute``) from ``rng``, n × width."""

    @abstractmethod
    def set(self, into: str, array) -> None:
        """``into`` = a given n × w array."""

    @abstractmethod
    def append_background(self, name: str, share: float, profile) -> None:
        """A gains the background's fixed column: share × each row's sum."""

    # --- the W halves of the solvers' steps ----------------------------------------------------------------
    @abstractmethod
    def hals_w(self, Ht, B, l2: float, l1: float, sweeps: int) -> None:
        """Exact coordinate-descent sweeps of W for A = X Ht and B = Htᵀ Ht (HALS)."""

    @abstractmethod
    def mu_w(self, Ht, B, l2: float, l1: float) -> None:
        """Lee–Seung's multiplicative update of W for the Frobenius loss."""

    @abstractmethod
    def least_squares_w(self, Ht, M, l1: float | None, nonnegative: bool) -> None:
        """W = (X Ht − l1) M⁻¹ (M = Htᵀ Ht + α I), projected onto ≥ 0 with ``nonnegative``."""

    @abstractmethod
    def gradient_w(self, Ht, B, step: float, l2: float) -> None:
        """W ← W − step · (W B − X Ht + l2 W)."""

    @abstractmethod
    def products_h(self) -> tuple[np.ndarray, np.ndarray]:
        """(Xᵀ W, Wᵀ W): what the H half of a Frobenius step needs."""

    @abstractmethod
    def poisson_cd_w(self, Ht, l2: float, l1: float, n_inner: int, n_free: int) -> None:
        """Coordinate descent with Newton steps over W's first ``n_free`` columns for the KL loss."""

    @abstractmethod
    def poisson_cd_h(self, Ht, l2: float, l1: float, n_inner: int, n_free: int) -> float:
        """The same over the rows of Ht (whole columns of X); returns Σ x ln(x / (WH)) at the new H."""

    @abstractmethod
    def poisson_mu_prepare(self, Ht) -> float:
        """Keep the multiplicative update's W numerator at the current factors; returns Σ x ln(x / (WH))."""

    @abstractmethod
    def poisson_mu_w(self, Ht, l2: float, l1: float, n_free: int) -> None:
        """Lee–Seung's KL update of W's first ``n_free`` columns, from the kept numerator."""

    @abstractmethod
    def poisson_mu_h_numerator(self, Ht) -> np.ndarray:
        """Σ_i (x_ij / (WH)_ij) W[i] for every term j: the KL update's numerator for H (m × k)."""

    # --- the end of a fit -----------------------------------------------------------------------------------
    @abstractmethod
    def frobenius_fold_in(self, H, l2: float, l1: float) -> None:
        """W solved exactly for the final H, from the current W (:func:`frobenius_transform`)."""

    @abstractmethod
    def poisson_fold_in(self, H, l2: float, l1: float, share: float, profile) -> None:
        """W's topic columns solved exactly for the final H, the background fixed (:func:`poisson_transform`)."""

    @abstractmethod
    def lsa_fold_in(self, H, l2: float) -> float:
        """W = X Hᵀ (H Hᵀ + l2 I)⁻¹; returns ⟨X Hᵀ, W⟩."""

    @abstractmethod
    def frobenius_objective(self, H, penalties: dict) -> float:
        """½‖X − WH‖² plus the penalties at the current W and the given H."""

    @abstractmethod
    def poisson_objective(self, H, penalties: dict, share: float, profile) -> float:
        """D(X‖WH + B) plus the penalties at the current W and the given H."""


def penalty_value(rows: Rows, Ht: np.ndarray, penalties: dict, n_columns: int | None = None) -> float:
    """½α_W‖W‖² + ½α_H‖H‖² + λ_W ΣW + λ_H ΣH over the first ``n_columns`` (the topics'), in that order."""
    l2_W, l2_H, l1_W, l1_H = (penalties.get(key, 0.0) for key in ("l2_W", "l2_H", "l1_W", "l1_H"))
    squares = total = None
    if l2_W or l1_W:
        squares, total = rows.sums("W", n_columns)
    Hk = Ht[:, :n_columns]
    value = 0.0
    if l2_W:
        value += 0.5 * l2_W * squares
    if l2_H:
        value += 0.5 * l2_H * float(np.sum(Hk * Hk))
    if l1_W:
        value += l1_W * total
    if l1_H:
        value += l1_H * float(np.sum(Hk))
    return value
