"""ALS for rating matrices on a cluster: each block solves its own users' and items' rows.

The rating models' ALS (:func:`topicmf.factorize.ratings.models.fit_explicit` with ``als`` or
``baseline``, :func:`~topicmf.factorize.ratings.models.fit_implicit`) alternates exact row
solves: every user's row from the item factors, then every item's row from the user
factors.  Each row's solve needs only its own known cells and the other side's factors, so a
block (:class:`~.rating_block.RatingBlock`) owning a range of users and a range of items does
its rows with the same compiled kernels; between half-sweeps each block publishes its factor
rows (and biases) once through the exchange folder and every block reads the other side's in
full.  The client receives only the objective's parts — a number, or a k × k Gram matrix — per
sweep.  The starting factors are drawn on the blocks from the same seeded streams one machine
draws them from (skipping ahead to the block's rows), so the fit equals one machine's up to
the order of the objective's additions.

SGD is not run here: its steps within a stratum are sequential over shared rows, and equal
results would need the strata's blocks to travel between workers every sub-epoch; ALS is the
cluster's solver for explicit ratings (as in Spark MLlib).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..factorize.engine.common import Tracker
from ..factorize.ratings import kernels as rk
from ..factorize.ratings.models import IMPLICIT_ROW_SOLVES
from ..spec.ratings import FAMILIES
from .exchange import Exchange

__all__ = ["ClusterRatingFit", "fit_on_cluster", "fitted_on", "published", "CHUNK"]

CHUNK = 1 << 20  # normal draws skipped at a time


@dataclass
class ClusterRatingFit:
    """A rating fit whose factors stay on the blocks (``U``, ``b`` with their users, ``V``, ``c`` with their items)."""

    family: str
    solver: str
    k: int
    global_mean: float
    rating_range: tuple
    loss_curve: np.ndarray
    n_iter: int
    converged: bool
    params: dict = field(default_factory=dict)
    published: str = ""  # the exchange's name of the fitted item factors and biases (clear it when done)

    @property
    def objective(self) -> float:
        return float(self.loss_curve[-1])


# --- on the blocks ------------------------------------------------------------------------------------------------

def start_on(block, family: str, k: int, seed: int, init_scale: float, n_users: int, user_bounds, item_bounds):
    """This block's rows of the starting factors, as one machine draws all of them from ``default_rng(seed)``."""
    users = (int(user_bounds[block.index]), int(user_bounds[block.index + 1]))
    items = (int(item_bounds[block.index]), int(item_bounds[block.index + 1]))
    a = block.arrays = {}
    if FAMILIES[family].start == "uniform":  # one 64-bit word a draw, so the stream is skipped exactly
        a["U"] = init_scale * _uniform(seed, users[0] * k, (users[1] - users[0], k))
        a["V"] = init_scale * _uniform(seed, (n_users + items[0]) * k, (items[1] - items[0], k))
    else:  # normal draws: U is overwritten by the first half-sweep; V follows n_users × k normals
        a["U"] = np.zeros((users[1] - users[0], k))
        rng = np.random.default_rng(seed)
        skip = (n_users + items[0]) * k
        while skip:
            n = min(skip, CHUNK)
            rng.standard_normal(n)
            skip -= n
        a["V"] = init_scale * rng.standard_normal((items[1] - items[0], k))
    a["b"], a["c"] = np.zeros(users[1] - users[0]), np.zeros(items[1] - items[0])


def _uniform(seed: int, skip: int, shape: tuple) -> np.ndarray:
    bits = np.random.PCG64(seed)
    bits.advance(skip)
    return np.random.Generator(bits).random(shape)


def publish_on(block, exchange: str, name: str, side: str) -> None:
    """Publish this block's rows of one side: U and b (``users``) or V and c (``items``)."""
    f, bias = ("U", "b") if side == "users" else ("V", "c")
    Exchange(exchange).publish(name, block.index, {"F": block.arrays[f], "bias": block.arrays[bias]})


def published(exchange: str, name: str):
    """Every block's published rows of one side, concatenated: (factors, biases)."""
    parts = Exchange(exchange).collect(name)
    return (np.ascontiguousarray(np.concatenate([p["F"] for p in parts])),
            np.ascontiguousarray(np.concatenate([p["bias"] for p in parts])))


def solve_on(block, exchange: str, name: str, side: str, family: str, weights: dict) -> None:
    """Solve this block's rows of ``side`` from the other side's factors, published as ``name``."""
    G, g_bias = published(exchange, name)
    M = block.R if side == "users" else block.Rt
    F, f_bias = (block.arrays["U"], block.arrays["b"]) if side == "users" else (block.arrays["V"], block.arrays["c"])
    if not FAMILIES[family].biases:  # implicit feedback: every cell, weighted
        IMPLICIT_ROW_SOLVES[weights["solver"]](M, F, G, np.ascontiguousarray(G.T @ G), weights)
        return
    reg, reg_bias = (weights["alpha"], weights["gamma"]) if side == "users" else (weights["beta"], weights["delta"])
    rk.explicit_rows(M.indptr, M.indices, M.data, F, f_bias, G, g_bias, weights["mu"], reg, reg_bias, weights["factors"],
                     weights["per_rating"])


def fitted_on(block, exchange: str, name: str, family: str, params: dict, mean: float, rating_range: tuple):
    """The family's estimator fitted to this block's users: their factors and biases and known cells, every item's
    factors and biases (published as ``name``)."""
    estimator = FAMILIES[family].estimator(**params)
    estimator.user_factors_, estimator.user_bias_ = block.arrays["U"], block.arrays["b"]
    estimator.item_factors_, estimator.item_bias_ = published(exchange, name)
    estimator.global_mean_, estimator.rating_range_, estimator.known_ = mean, tuple(rating_range), block.R
    return estimator


def objective_on(block, exchange: str, name: str, family: str, weights: dict):
    """This block's part of the objective: its users' cells and penalties, its items' penalties (for implicit
    also the two k × k Gram matrices' parts, added up by the client)."""
    V, c = published(exchange, name)
    R, U, b = block.R, block.arrays["U"], block.arrays["b"]
    Vb, cb = block.arrays["V"], block.arrays["c"]
    if not FAMILIES[family].biases:
        stored = np.empty(R.shape[0])
        rk.implicit_stored_terms(R.indptr, R.indices, R.data, U, V, weights["alpha"], stored)
        return (float(stored.sum()) + weights["reg"] * (float(np.vdot(U, U)) + float(np.vdot(Vb, Vb))), U.T @ U,
                Vb.T @ Vb)
    res = np.empty(R.nnz)
    rk.explicit_residuals(R.indptr, R.indices, R.data, U, V, b, c, weights["mu"], res)
    if weights["per_rating"]:
        n_row, n_col = np.diff(R.indptr).astype(np.float64), np.diff(block.Rt.indptr).astype(np.float64)
    else:
        n_row, n_col = np.ones(R.shape[0]), np.ones(block.Rt.shape[0])
    return (float(res @ res) + weights["alpha"] * float(n_row @ np.einsum("ij,ij->i", U, U))
            + weights["beta"] * float(n_col @ np.einsum("ij,ij->i", Vb, Vb)) + weights["gamma"] * float(n_row @ b**2)
            + weights["delta"] * float(n_col @ cb**2))


# --- on the client ------------------------------------------------------------------------------------------------

def fit_on_cluster(ratings, family: str, params: dict) -> ClusterRatingFit:
    """Fit the ``family``'s model (:data:`topicmf.spec.ratings.FAMILIES`) by one of its cluster solvers to the ratings
    on the blocks of ``ratings`` (:class:`~.rating_reading.DistributedRatings`), with an estimator's ``params``
    (:meth:`~sklearn.base.BaseEstimator.get_params`): the factors stay there, the items' last published as the
    fit's ``published`` (:func:`fitted_on`)."""
    spec = FAMILIES[family]
    solver = params["solver"]
    if solver not in spec.cluster_solvers:
        raise ValueError(f"On a cluster the {family} model is fitted by {' or '.join(spec.cluster_solvers)}, not "
                         f"{solver}: SGD's steps run one stratum at a time over shared rows, which would move the "
                         "blocks between the workers every sub-epoch")
    n_users, n_items = ratings.shape
    k = int(params["n_components"]) if spec.solver(solver).factors else 0
    seed = params.get("random_state")
    if k == 0:  # the biases alone start at 0: nothing is drawn
        seed = 0
    elif not isinstance(seed, (int, np.integer)):
        raise ValueError("On a cluster the factors start from a seed: give random_state as an int")
    w = dict(params)
    if spec.biases:
        w.update(mu=ratings.total / ratings.nnz, factors=k > 0, per_rating=params["penalty"] == "per_rating")
    init_scale = spec.init_scale.default
    ratings.run(start_on, family, k, int(seed), init_scale, n_users, ratings.user_bounds, ratings.item_bounds)
    exchange = str(ratings.exchange)
    tracker = Tracker(f"{spec.params.owner}(solver={solver!r})", params["max_iter"], params["tol"])
    sweep = 0
    ratings.run(publish_on, exchange, "items-0", "items")
    try:
        while True:
            ratings.run(solve_on, exchange, f"items-{sweep}", "users", family, w)
            Exchange(exchange).clear(f"items-{sweep}")
            sweep += 1
            ratings.run(publish_on, exchange, f"users-{sweep}", "users")
            ratings.run(solve_on, exchange, f"users-{sweep}", "items", family, w)
            Exchange(exchange).clear(f"users-{sweep}")
            ratings.run(publish_on, exchange, f"items-{sweep}", "items")
            parts = ratings.run(objective_on, exchange, f"items-{sweep}", family, w)
            if spec.biases:
                value = sum(parts)
            else:  # the Gram matrices' parts add up before their product
                value = sum(p[0] for p in parts) + float(np.vdot(sum(p[1] for p in parts), sum(p[2] for p in parts)))
            if tracker.add(value):
                break
    except BaseException:
        Exchange(exchange).clear(f"items-{sweep}")
        raise
    if params["tol"] > 0:
        tracker.finish()
    recorded = {key: params[key] for key in params if key != "random_state"}
    recorded.update(n_components=k, init_scale=init_scale)
    return ClusterRatingFit(family, solver, k, float(w.get("mu", 0.0)), tuple(ratings.rating_range),
                            np.array(tracker.curve), len(tracker.curve), tracker.converged, recorded,
                            published=f"items-{sweep}")
