"""Fitting a model to a matrix held in row blocks: each iteration maps over the blocks and adds up small sums.

Every solver here is the single-machine solver of :mod:`topicmf.factorize`
step for step, rewritten so that the rows of X and W stay on the workers:

* products with X (X B) happen on the blocks and stay there; products with
  Xᵀ are sums over the blocks of n_terms × k arrays; Gram matrices are sums
  of k × k arrays;
* the updates of W are the blocks' own rows; the updates of H happen here,
  from the summed statistics;
* Poisson coordinate descent updates H one coordinate at a time for every
  term at once: per coordinate r the blocks send Σ x·u, Σ x·u² and max u over
  their entries of each term (u = w_ir / (WH)_ij), this side takes the
  safeguarded Newton steps and sends them back — k rounds of n_terms-sized
  messages per iteration, the same steps as the column-by-column kernel;
* the randomized range finder orthonormalises with Cholesky QR from summed
  Gram matrices.

The results equal the single-machine fit up to the order of floating-point
additions (tests/test_distributed.py: objective and factors to 1e-8).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_triangular

from ..errors import TopicmfError
from ..factorize.engine.common import Tracker, check_penalty, check_rank, iteration_hook, make_rng
from ..factorize.engine.products import GATHER_LIMIT
from ..factorize.topics.poisson import check_background
from ..factorize.topics.frobenius import MU_EPS, hals_sweeps
from ..factorize.topics.frobenius import extrapolate as extrapolate_h
from ..factorize.topics.losses import penalty
from ..factorize.topics.lsa import SIGMA_SPLITS, split_sigma
from ..factorize.topics.poisson import FLOOR
from ..factorize.topics.result import Factorization
from ..factorize.topics.svd import cholesky_qr, sign_fix

__all__ = ["fit_distributed", "SOLVERS"]

#: What a cluster fits: the solvers that map over row blocks.
SOLVERS = {"pnmf": ("cd", "mu"), "nmf": ("hals", "mu"), "lsa": ("randomized",)}


class _Blocks:
    """The fit's view of the blocks: calls on all of them at once, sums of their answers."""

    def __init__(self, dm):
        self.blocks = dm.blocks
        self.n, self.m = dm.shape

    def each(self, method, *args) -> list:
        futures = [getattr(b, method)(*args) for b in self.blocks]
        return [f.result() for f in futures]

    def sum(self, method, *args):
        """The blocks' answers added up, in block order (element by element when they answer with tuples)."""
        parts = self.each(method, *args)
        if isinstance(parts[0], tuple):
            return tuple(sum(values[1:], values[0]) for values in zip(*parts))
        return sum(parts[1:], parts[0])

    def orthonormalize(self, source: str, target: str) -> None:
        """target = source R⁻¹ with RᵀR the summed Gram matrix (Cholesky QR; TSQR if it is singular)."""
        try:
            R = np.linalg.cholesky(self.sum("gram", source)).T
            self.each("matmul", source, solve_triangular(R, np.eye(R.shape[0]), lower=False), target)
        except np.linalg.LinAlgError:
            raise TopicmfError("The range finder met a rank-deficient basis on the cluster; use fewer topics") from None


def _randomized_svd(bl: _Blocks, k: int, n_oversamples: int, n_power_iter: int, rng):
    """:func:`topicmf.factorize.topics.svd.randomized_svd` over blocks; U stays on the blocks (as "U")."""
    width = min(k + n_oversamples, min(bl.n, bl.m))
    omega = rng.standard_normal((bl.m, width))
    bl.each("times", omega, "Y")
    bl.orthonormalize("Y", "Q")
    for _ in range(n_power_iter):
        Z = cholesky_qr(bl.sum("t_times", "Q"))
        bl.each("times", Z, "Y")
        bl.orthonormalize("Y", "Q")
    bl.orthonormalize("Q", "Q")
    Vb, s, Ubt = np.linalg.svd(bl.sum("t_times", "Q"), full_matrices=False)
    bl.each("matmul", "Q", np.ascontiguousarray(Ubt[:k].T), "U")
    Vt = Vb[:, :k].T
    signs = sign_fix(Vt)  # as flip_signs does on one machine
    bl.each("matmul", "U", np.diag(signs), "U")
    return s[:k], np.ascontiguousarray(Vt * signs[:, None])


def _nndsvd(bl: _Blocks, k: int, rng, mean: float | None):
    """:func:`topicmf.factorize.topics.init._nndsvd` (and NNDSVDa's fill) over blocks: W on the blocks, H here."""
    s, Vt = _randomized_svd(bl, k, 10, 4, rng)
    norms = np.sqrt(bl.sum("sign_norms", "U"))  # ‖U_j+‖, ‖U_j−‖
    H = np.zeros((k, bl.m))
    H[0] = np.sqrt(s[0]) * np.abs(Vt[0])
    scales, signs = np.zeros(k), np.ones(k)
    for j in range(1, k):
        y = Vt[j]
        yp, yn = np.maximum(y, 0), np.maximum(-y, 0)
        xp_n, xn_n = norms[0, j], norms[1, j]
        yp_n, yn_n = np.linalg.norm(yp), np.linalg.norm(yn)
        if xp_n * yp_n >= xn_n * yn_n:
            x_n, v, sigma, signs[j] = xp_n, (yp / yp_n if yp_n else yp), xp_n * yp_n, 1.0
        else:
            x_n, v, sigma, signs[j] = xn_n, (yn / yn_n if yn_n else yn), xn_n * yn_n, -1.0
        lam = np.sqrt(s[j] * sigma)
        scales[j] = lam / x_n if x_n else 0.0
        H[j] = lam * v
    H[H < 1e-6] = 0.0
    if mean is not None:
        H[H == 0] = mean
    bl.each("nndsvd", "U", "W", (float(np.sqrt(s[0])), scales, signs), mean)
    return H


def _check(bl: _Blocks, k, solver, model, init):
    if solver not in SOLVERS[model]:
        raise TopicmfError(f"On a cluster, {model} is fitted with {' or '.join(SOLVERS[model])}; got solver {solver!r}")
    if init not in ("nndsvda", "nndsvd"):
        raise TopicmfError(f"On a cluster, NMF starts from nndsvda or nndsvd; got init {init!r}")
    try:
        return check_rank(k, (bl.n, bl.m))
    except ValueError as exc:
        raise TopicmfError(str(exc)) from None


def _penalty_W(bl: _Blocks, l2: float, l1: float, n_columns=None) -> float:
    if not (l2 or l1):
        return 0.0
    squares, total = bl.sum("penalty_terms", "W", n_columns)
    return 0.5 * l2 * squares + l1 * total


def _poisson(bl, k, stats, *, solver="cd", init="nndsvda", max_iter=200, tol=1e-4, alpha_W=0.0, alpha_H=0.0,
             l1_W=0.0, l1_H=0.0, n_inner=1, background=0.0, random_state=None, **_):
    p = {name: check_penalty(name, v) for name, v in
         (("alpha_W", alpha_W), ("alpha_H", alpha_H), ("l1_W", l1_W), ("l1_H", l1_H))}  # fmt: skip
    share = check_background(background)
    rng = make_rng(random_state)
    total = stats["total"]
    profile, start_total = None, total
    if share:  # as fit_poisson: the topics start from NNDSVD of max(X − B, 0), scaled to (1 − β) Σ X
        profile = bl.sum("x_column_sums") / total
        start_total = sum(bl.each("use_residual", share, profile, bl.n * (k + 1) * 8 > GATHER_LIMIT))
    H = _nndsvd(bl, k, rng, start_total / (bl.n * bl.m) if init == "nndsvda" else None)
    if share:
        bl.each("restore_matrix")
    product = float(bl.sum("column_sums", "W") @ H.sum(axis=1))
    factor = (1.0 - share) * total / product if product > 0 else 1.0
    if factor > 0:
        bl.each("scale", "W", np.sqrt(factor))
        H = H * np.sqrt(factor)
    Ht = np.ascontiguousarray(H.T)
    if share:  # the fixed background column: β × row sums in W, the word profile in H
        bl.each("add_background", share, profile)
        Ht = np.ascontiguousarray(np.column_stack([Ht, profile]))
    tracker = Tracker(f"PoissonNMF(solver={solver!r})", max_iter, tol)
    rounded = bl.n * (Ht.shape[1]) * 8 > GATHER_LIMIT  # the single-machine fit gathers a float32 copy of W then
    empty = stats["df"] == 0

    def objective(logsum, colsum_W, Ht):
        pen = _penalty_W(bl, p["alpha_W"], p["l1_W"], k) + penalty(np.zeros((1, 1)), Ht[:, :k], l2_H=p["alpha_H"],
                                                                  l1_H=p["l1_H"])
        return logsum - total + float(colsum_W @ Ht.sum(axis=0)) + pen

    if solver == "mu":
        bl.each("maximum", "W", FLOOR)
        np.maximum(Ht, FLOOR, out=Ht)
        bl.sum("poisson_mu_w_numerator", Ht)
    while True:
        if solver == "cd":
            bl.each("poisson_w", Ht, Ht.sum(axis=0), p["alpha_W"], p["l1_W"], n_inner, k)
            colsum = bl.sum("column_sums", "W")
            logsum = _poisson_h(bl, Ht, colsum, p, n_inner, rounded, empty, k)
        else:
            bl.each("poisson_mu_w", Ht.sum(axis=0), p["l1_W"], p["alpha_W"], k)
            num_H = bl.sum("poisson_mu_h_numerator", Ht)
            colsum = bl.sum("column_sums", "W")
            Hk = Ht[:, :k]
            Hk *= num_H[:, :k] / (colsum[:k] + p["l1_H"] + p["alpha_H"] * Hk)
            np.maximum(Hk, FLOOR, out=Hk)
            logsum = bl.sum("poisson_mu_w_numerator", Ht)
        if tracker.add(objective(logsum, colsum, Ht)):
            break
    tracker.finish()
    H = np.ascontiguousarray(Ht[:, :k].T)
    bl.each("poisson_fold_in", H, p["alpha_W"], p["l1_W"])
    curve = np.array(tracker.curve)
    colsum = bl.sum("column_sums", "W")
    if share:  # the background's column: β × the row sums, whose total is β Σx, against a profile summing to 1
        colsum = np.append(colsum, share * total)
    curve[-1] = objective(bl.sum("poisson_loss_terms", H.T), colsum, Ht)
    record = dict(p, learning_rate=1.0, inner=n_inner, init=init, max_iter=max_iter, tol=tol, background=share)
    if share:
        record["background_words"] = share * total
    return H, curve, tracker.converged, record, profile


def _poisson_h(bl, F, colsum, p, n_inner, rounded, empty, n_free) -> float:
    """One coordinate-descent pass over H (rows of F = Hᵀ), every term at once, as ccd_kl_rows does per term.

    Only the first ``n_free`` columns of F move (a background after them is fixed).
    """
    l2, l1 = p["alpha_H"], p["l1_H"]
    F[empty, :n_free] = 0.0
    live = ~empty
    F[live, :n_free] = np.maximum(F[live, :n_free], FLOOR)
    bl.each("poisson_h_begin", F, rounded)
    active = live.copy()
    pending = None  # the last coordinate's step, applied by the blocks with the next round's statistics
    for _ in range(n_inner):
        decrease = np.zeros(F.shape[0])
        for r in range(n_free):
            parts = bl.each("poisson_h_stats", r) if pending is None else bl.each("poisson_h_stats", r, *pending)
            t_sum = sum(s[0] for s in parts)
            tu_sum = sum(s[1] for s in parts)
            largest = np.max([s[2] for s in parts], axis=0)
            f = F[:, r]
            grad = colsum[r] + l1 + l2 * f - t_sum
            curv = l2 + tu_sum
            ok = active & (curv > 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                new = np.where(ok, f - grad / np.where(ok, curv, 1.0), f)
            new = np.maximum(new, FLOOR)
            step = np.where(ok, new - f, 0.0)
            long_left = (step < 0) & (-step > 0.5 * f)
            cap = long_left & (-step * largest > 0.5)
            step = np.where(cap, -0.5 / np.where(cap, largest, 1.0), step)
            decrease += step * step * np.where(ok, curv, 0.0)
            F[:, r] = f + step
            pending = (r, step)
        active &= decrease > 0
    bl.each("poisson_h_step", *pending)
    return bl.sum("poisson_h_end")


def _frobenius(bl, k, stats, *, solver="hals", init="nndsvda", max_iter=200, tol=5e-8, alpha_W=0.0, alpha_H=0.0,
               l1_W=0.0, l1_H=0.0, extrapolate=True, random_state=None, **_):
    p = {name: check_penalty(name, v) for name, v in
         (("alpha_W", alpha_W), ("alpha_H", alpha_H), ("l1_W", l1_W), ("l1_H", l1_H))}  # fmt: skip
    rng = make_rng(random_state)
    n, m, nnz, norm2 = bl.n, bl.m, stats["nnz"], stats["norm2"]
    inner_W = min(2, 1 + int(0.5 * (1 + (nnz + n * k) / (n * (k + 1)))))
    inner_H = min(2, 1 + int(0.5 * (1 + (nnz + m * k) / (m * (k + 1)))))
    H = _nndsvd(bl, k, rng, stats["total"] / (n * m) if init == "nndsvda" else None)
    cross = bl.sum("inner_with", "W", np.ascontiguousarray(H.T))
    gram = float(np.sum(bl.sum("gram", "W") * (H @ H.T)))
    factor = cross / gram if gram > 0 else 1.0
    if factor > 0:
        bl.each("scale", "W", np.sqrt(factor))
        H = H * np.sqrt(factor)
    Ht = np.ascontiguousarray(H.T)
    tracker = Tracker(f"FrobeniusNMF(solver={solver!r})", max_iter, tol,
                      patience=2 if solver == "hals" and extrapolate else 1)  # as fit_frobenius
    delta_H = np.empty(m)

    def objective(At, C, Ht):
        fit = 0.5 * (norm2 - 2.0 * float(np.sum(At * Ht)) + float(np.sum(C * (Ht.T @ Ht))))
        pen = _penalty_W(bl, p["alpha_W"], p["l1_W"]) + penalty(np.zeros((1, 1)), Ht, l2_H=p["alpha_H"], l1_H=p["l1_H"])
        return max(fit, 0.0) + pen

    def plain(H_start):
        bl.each("times", H_start, "A")
        B = H_start.T @ H_start
        if solver == "mu":
            bl.each("mu_frobenius_w", B, p["l1_W"], p["alpha_W"], MU_EPS)
        else:
            bl.each("hals_w", B, p["alpha_W"], p["l1_W"], inner_W)  # as factorize.topics.frobenius.hals_sweeps
        At, C = bl.sum("products_h")
        Ht[:] = H_start
        if solver == "mu":
            denominator = Ht @ C + p["l1_H"] + p["alpha_H"] * Ht
            denominator[denominator <= 0] = MU_EPS
            Ht[:] = Ht * (At / denominator)
        else:
            hals_sweeps(Ht, At, C, p["alpha_H"], p["l1_H"], delta_H, inner_H)
        return objective(At, C, Ht)

    extrapolating = solver == "hals" and extrapolate
    if extrapolating:  # Ang & Gillis, as factorize.topics.frobenius._Extrapolation
        beta, ceiling, best = 0.5, 1.0, np.inf
        bl.each("copy", "W", "W_keep")
        H_keep, H_hat = Ht.copy(), Ht.copy()
    while True:
        if not extrapolating:
            value = plain(Ht.copy())
        else:
            value = plain(H_hat)
            if value > best:
                bl.each("copy", "W_keep", "W")
                Ht[:] = H_keep
                ceiling, beta = beta, beta / 1.5
                value = plain(Ht.copy())
            else:
                beta = min(ceiling, 1.05 * beta)
                ceiling = min(1.0, 1.01 * ceiling)
            extrapolate_h(Ht, H_keep, H_hat, beta)
            bl.each("copy", "W", "W_keep")
            best = value
        if tracker.add(value):
            break
    tracker.finish()
    H = np.ascontiguousarray(Ht.T)
    bl.each("frobenius_fold_in", H, p["alpha_W"], p["l1_W"])
    At, C = bl.sum("products_h")
    curve = np.array(tracker.curve)
    curve[-1] = objective(At, C, Ht)
    record = dict(p, learning_rate=0.5, extrapolate=bool(extrapolate), init=init, max_iter=max_iter, tol=tol)
    return H, curve, tracker.converged, record


def _lsa(bl, k, stats, *, solver="randomized", sigma="left", n_power_iter=5, n_oversamples=10,
         random_state=None, **_):
    if sigma not in SIGMA_SPLITS:
        raise TopicmfError(f"sigma must be one of {', '.join(SIGMA_SPLITS)}; got {sigma!r}")
    rng = make_rng(random_state)
    s, Vt = _randomized_svd(bl, k, n_oversamples, n_power_iter, rng)
    _, H = split_sigma(np.zeros((1, k)), s, Vt, sigma)
    H = np.ascontiguousarray(H)
    cross = bl.sum("lsa_fold_in", H, 0.0)
    fit = stats["norm2"] - 2.0 * cross + float(np.sum(bl.sum("gram", "W") * (H @ H.T)))
    curve = np.array([0.5 * max(fit, 0.0)])
    record = {"sigma": sigma, "n_power_iter": n_power_iter, "n_oversamples": n_oversamples}
    return H, curve, True, record, s


def fit_distributed(dm, n_topics: int, *, model: str, solver: str | None, weighting: str, global_weights,
                    callback=None, **params) -> Factorization:
    """Fit ``model`` to the blocks of a :class:`~topicmf.distributed.DistributedMatrix`; W is gathered at the end."""
    bl = _Blocks(dm)
    solver = solver or SOLVERS[model][0]
    k = _check(bl, n_topics, solver, model, params.get("init", "nndsvda"))
    parts = bl.each("prepare", weighting, global_weights)
    stats = {"total": sum(x["total"] for x in parts), "norm2": sum(x["norm2"] for x in parts), "nnz": dm.nnz,
             "df": np.asarray(dm.document_frequency)}
    token = iteration_hook.set(callback)
    try:
        if model == "pnmf":
            H, curve, converged, record, background = _poisson(bl, k, stats, solver=solver, **params)
        elif model == "nmf":
            H, curve, converged, record = _frobenius(bl, k, stats, solver=solver, **params)
        else:
            H, curve, converged, record, s = _lsa(bl, k, stats, solver=solver, **params)
    finally:
        iteration_hook.reset(token)
    W = np.concatenate(bl.each("get", "W"))
    if model == "lsa":
        return Factorization(W, H, "lsa", solver, curve, record["n_power_iter"], True, singular_values=s,
                             explained_variance_ratio=s**2 / stats["norm2"], params=record)
    return Factorization(W, H, model, solver, curve, len(curve), converged, params=record,
                         background=background if model == "pnmf" else None)
