"""The second backend of the topic solvers: the matrix in row blocks on Dask workers.

:class:`ClusterRows` provides :class:`topicmf.factorize.topics.rows.Rows`, the interface every
topic solver is written against, so the solvers of :mod:`topicmf.factorize.topics` run here
unchanged — HALS with its extrapolation, the multiplicative updates, Poisson coordinate
descent, the randomized SVD and NNDSVD are not written again.  Each block
(:class:`~topicmf.distributed.block.Block`, a Dask actor) holds a
:class:`~topicmf.factorize.topics.rows.LocalRows` of its own rows and runs every row-wise
operation on it; reductions are the blocks' answers added up here in block order.  Only
what needs whole columns is this backend's own:

* orthonormalising a row array: Cholesky QR from the summed Gram matrix;
* the Poisson coordinate-descent pass over H: per coordinate r the blocks send Σ x·u, Σ x·u²
  and max u over their entries of each term (u = w_ir / (WH)_ij), this side takes the same
  safeguarded Newton steps as the one-machine kernel for every term at once and sends them
  back — k rounds of n_terms-sized messages per pass.

Per iteration only n_terms × k and k × k arrays travel; the results equal one machine's up
to the order of floating-point additions (tests/test_distributed.py).
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
from scipy.linalg import solve_triangular

from ..factorize.engine.products import GATHER_LIMIT
from ..model.elsewhere import RowsElsewhere
from .cluster import ask
from ..factorize.topics.rows import FLOOR, HeldStart, Rows, penalty_value

__all__ = ["ClusterRows"]


class ClusterRows(Rows):
    """The rows of a matrix held in blocks; ``stats`` holds Σx, Σx² and each term's document frequency."""

    local = False

    def __init__(self, blocks, shape, nnz, stats: dict, width: int = 1):
        self.blocks = blocks
        self.shape = tuple(shape)
        self.nnz = nnz
        self.stats = stats
        self.width = width

    # --- talking to the blocks --------------------------------------------------------------------------------
    def _each(self, method: str, *args) -> list:
        return ask(self.blocks, method, [args] * len(self.blocks), "fitting")

    def _rows(self, method: str, *args) -> list:
        """A method of every block's rows (:class:`~topicmf.factorize.topics.rows.LocalRows`)."""
        return self._each("rows_call", method, args)

    def _sum(self, method: str, *args):
        """The blocks' rows' answers added up in block order (element by element for tuples)."""
        parts = self._rows(method, *args)
        if isinstance(parts[0], tuple):
            return tuple(sum(values[1:], values[0]) for values in zip(*parts))
        return sum(parts[1:], parts[0])

    # --- the matrix ---------------------------------------------------------------------------------------
    def total(self):
        return self.stats["total"]

    def norm2(self) -> float:
        return self.stats["norm2"]

    def column_profile(self) -> np.ndarray:
        return sum(self._each("x_column_sums")) / self.stats["total"]

    def with_width(self, width: int) -> "ClusterRows":
        self._each("set_width", int(width))
        return ClusterRows(self.blocks, self.shape, self.nnz, self.stats, width)

    @contextmanager
    def background_residual(self, share: float, profile):
        # a matrix whose products would not gather on one machine keeps the start's values in float32 there too
        single = self.shape[0] * self.width * 8 > GATHER_LIMIT
        total = sum(self._each("use_residual", share, profile, single))
        try:
            yield ClusterRows(self.blocks, self.shape, self.nnz, dict(self.stats, total=total), self.width)
        finally:
            self._each("restore_matrix")

    # --- row arrays ---------------------------------------------------------------------------------------
    def times(self, B, into):
        self._rows("times", np.ascontiguousarray(B), into)

    def t_times(self, name):
        return self._sum("t_times", name)

    def gram(self, name):
        return self._sum("gram", name)

    def orthonormalize(self, name):
        try:
            R = np.linalg.cholesky(self.gram(name)).T
        except np.linalg.LinAlgError:
            raise ValueError("The range finder met a rank-deficient basis on the cluster; use fewer topics") from None
        self._rows("matmul", name, solve_triangular(R, np.eye(R.shape[0]), lower=False, check_finite=False), name)

    def matmul(self, name, M, into):
        self._rows("matmul", name, M, into)

    def scale_columns(self, name, factors):
        self._rows("scale_columns", name, factors)

    def scale(self, name, factor):
        self._rows("scale", name, factor)

    def fill_zeros(self, name, value):
        self._rows("fill_zeros", name, value)

    def floor(self, name, value):
        self._rows("floor", name, value)

    def copy(self, source, target):
        self._rows("copy", source, target)

    def drop(self, *names):
        self._rows("drop", *names)

    def column_sums(self, name):
        return self._sum("column_sums", name)

    def sums(self, name, n_columns=None):
        return self._sum("sums", name, n_columns)

    def inner_times(self, Ht, name):
        return self._sum("inner_times", Ht, name)

    def gather(self, name):
        """The row array stays on the blocks (what a fit returns as W): a placeholder of its shape here."""
        return RowsElsewhere((self.shape[0], self._each("get_width", name)[0]))

    def qr_r(self, name):
        raise ValueError("a QR factorisation of the document factor needs it in one process; not on a cluster")

    # --- starting points ------------------------------------------------------------------------------------
    def sign_norms(self, name):
        return np.sqrt(sum(self._each("sign_squares", name)))

    def nndsvd(self, name, into, first, lams, norms, signs):
        self._rows("nndsvd", name, into, first, lams, norms, signs)

    def random(self, into, width, rng, scale, absolute):
        raise ValueError("On a cluster the factors start from NNDSVD (init 'nndsvda' or 'nndsvd'): a random start "
                         "would be drawn here and sent to every block")

    def set(self, into, array):
        if not isinstance(array, HeldStart):
            raise ValueError("On a cluster a custom start is made where the blocks are (a HeldStart): an n × k array "
                             "given here would pass through this process")
        self._each("use_start", array.name, into)

    def append_background(self, name, share, profile):
        self._rows("append_background", name, share, profile)

    # --- the W halves of the solvers' steps ----------------------------------------------------------------
    def hals_w(self, Ht, B, l2, l1, sweeps):
        self._rows("hals_w", Ht, B, l2, l1, sweeps)

    def mu_w(self, Ht, B, l2, l1):
        self._rows("mu_w", Ht, B, l2, l1)

    def least_squares_w(self, Ht, M, l1, nonnegative):
        self._rows("least_squares_w", Ht, M, l1, nonnegative)

    def gradient_w(self, Ht, B, step, l2):
        self._rows("gradient_w", Ht, B, step, l2)

    def products_h(self):
        return self._sum("products_h")

    def poisson_cd_w(self, Ht, l2, l1, n_inner, n_free):
        self._rows("poisson_cd_w", Ht, l2, l1, n_inner, n_free)

    def poisson_cd_h(self, Ht, l2, l1, n_inner, n_free):
        """One coordinate-descent pass over H (rows of Ht), every term at once, as the kernel does per term."""
        rounded = self.shape[0] * Ht.shape[1] * 8 > GATHER_LIMIT  # one machine then gathers a float32 copy of W
        empty = self.stats["df"] == 0
        colsum = self.column_sums("W")
        Ht[empty, :n_free] = 0.0
        live = ~empty
        Ht[live, :n_free] = np.maximum(Ht[live, :n_free], FLOOR)
        self._each("poisson_h_begin", Ht, rounded)
        active = live.copy()
        pending = None  # the last coordinate's step, applied by the blocks with the next round's statistics
        for _ in range(n_inner):
            decrease = np.zeros(Ht.shape[0])
            for r in range(n_free):
                parts = self._each("poisson_h_stats", r) if pending is None else self._each("poisson_h_stats", r,
                                                                                             *pending)
                t_sum = sum(s[0] for s in parts)
                tu_sum = sum(s[1] for s in parts)
                largest = np.max([s[2] for s in parts], axis=0)
                f = Ht[:, r]
                grad = colsum[r] + l1 + l2 * f - t_sum
                curv = l2 + tu_sum
                ok = active & (curv > 0)
                with np.errstate(divide="ignore", invalid="ignore"):
                    new = np.where(ok, f - grad / np.where(ok, curv, 1.0), f)
                new = np.maximum(new, FLOOR)
                step = np.where(ok, new - f, 0.0)
                # a step to the left longer than half the coordinate is capped where no (WH)_ij halves
                long_left = (step < 0) & (-step > 0.5 * f)
                cap = long_left & (-step * largest > 0.5)
                step = np.where(cap, -0.5 / np.where(cap, largest, 1.0), step)
                decrease += step * step * np.where(ok, curv, 0.0)
                Ht[:, r] = f + step
                pending = (r, step)
            active &= decrease > 0
        self._each("poisson_h_step", *pending)
        return sum(self._each("poisson_h_end"))

    def poisson_mu_prepare(self, Ht):
        return self._sum("poisson_mu_prepare", Ht)

    def poisson_mu_w(self, Ht, l2, l1, n_free):
        self._rows("poisson_mu_w", Ht, l2, l1, n_free)

    def poisson_mu_h_numerator(self, Ht):
        return sum(self._each("poisson_mu_h_numerator", Ht))

    # --- the end of a fit -----------------------------------------------------------------------------------
    def frobenius_fold_in(self, H, l2, l1):
        self._rows("frobenius_fold_in", H, l2, l1)

    def poisson_fold_in(self, H, l2, l1, share, profile):
        self._rows("poisson_fold_in", H, l2, l1, share, profile)

    def lsa_fold_in(self, H, l2):
        return self._sum("lsa_fold_in", H, l2)

    def frobenius_objective(self, H, penalties):
        At, C = self.products_h()
        Ht = np.ascontiguousarray(H.T)
        fit = 0.5 * (self.stats["norm2"] - 2.0 * float(np.sum(At * Ht)) + float(np.sum(C * (Ht.T @ Ht))))
        return max(fit, 0.0) + penalty_value(self, Ht, penalties)

    def poisson_objective(self, H, penalties, share, profile):
        Ht = np.ascontiguousarray(H.T)
        logsum = sum(self._each("poisson_loss_terms", Ht, share, profile))
        colsum, full = self.column_sums("W"), Ht
        if share:  # the background's column: β × the row sums, whose total is β Σx, against a profile summing to 1
            colsum = np.append(colsum, share * self.stats["total"])
            full = np.column_stack([Ht, profile])
        return (logsum - self.stats["total"] + float(colsum @ full.sum(axis=0))
                + penalty_value(self, Ht, penalties, Ht.shape[1]))
