"""The held-out evaluation of ``topicmf recommend --dask``: the same cells held out and scored as on one machine.

One machine holds out the known cells with the smallest keys (:func:`topicmf.ratings.evaluate.cell_keys`,
a mix of the cell's row, column and seed), or cuts the cells in the order of their keys into
folds.  A key depends on its cell alone, so each block keys its own users' cells and its own
items' cells; the client finds the key of each cut by bisection over the blocks' counts (64
rounds of one number per block).  Each split: the blocks keep their training cells, the model
and the family's reference are fitted there (:func:`topicmf.distributed.als.fit_on_cluster`;
the most-popular reference from the items' counts), each block scores its own users' held-out
cells, and the client adds the sums up (:func:`topicmf.ratings.evaluate.errors_from`,
:func:`~topicmf.ratings.evaluate.ranking_from`).
"""

from __future__ import annotations

import copy
import time

import numpy as np

from ...distributed.als import fit_on_cluster, fitted_on
from ...distributed.cluster import kth_smallest_key
from ...distributed.exchange import Exchange
from ...errors import TopicmfError
from ...ratings.evaluate import (cell_keys, error_sums, errors_from, fold_sizes, known_cells, ranking_from,
                                 ranking_sums, test_count)
from ...ratings.reference import MostPopular
from ...spec.ratings import FAMILIES

__all__ = ["evaluate_on_cluster"]

K = 10  # as topicmf.ratings.evaluate.ranking_metrics


# --- on the blocks ------------------------------------------------------------------------------------------------

def _rows(M):
    return np.repeat(np.arange(M.shape[0], dtype=np.int64), np.diff(M.indptr))


def keys_on(block, seed: int, first_user: int, first_item: int, n_items: int) -> None:
    """Key this block's users' cells and its items' cells (the same key for a cell on both sides)."""
    R, Rt = block.R, block.Rt
    block.full = (R, Rt)
    block.user_keys = cell_keys(seed, _rows(R) + first_user, R.indices, n_items)
    block.item_keys = cell_keys(seed, Rt.indices, _rows(Rt) + first_item, n_items)
    block.sorted_keys = np.sort(block.user_keys)


def count_on(block, key: int) -> int:
    return int(np.searchsorted(block.sorted_keys, np.uint64(key), side="right"))


def split_on(block, low, high: int) -> dict:
    """Keep the training cells (keys outside (``low``, ``high``]; ``low`` None: from the smallest) and this block's
    users' held-out cells; returns the training cells' count, sum and extremes."""
    R, Rt = block.full

    def held(keys):
        out = keys <= np.uint64(high)
        return out if low is None else out & (keys > np.uint64(low))

    test, test_t = held(block.user_keys), held(block.item_keys)
    block.R, block.test, block.Rt = (known_cells(M, np.flatnonzero(mask))
                                     for M, mask in ((R, ~test), (R, test), (Rt, ~test_t)))
    data = block.R.data
    return {"nnz": int(data.size), "sum": float(data.sum()), "low": float(data.min()) if data.size else np.inf,
            "high": float(data.max()) if data.size else -np.inf}


def popularity_on(block) -> np.ndarray:
    """This block's items' numbers of positive training cells (the most-popular reference)."""
    Rt = block.Rt
    return np.bincount(_rows(Rt)[Rt.data > 0], minlength=Rt.shape[0]).astype(np.float64)


def score_on(block, exchange: str, fitted: str, family_name: str, params, mean: float, rating_range: tuple,
             popularity):
    """This block's sums of the held-out scores: of the fitted model (``params``; its item factors published as
    ``fitted``), or of the most popular items (``popularity``)."""
    spec = FAMILIES[family_name]
    if popularity is not None:
        model = MostPopular()
        model.popularity_, model.known_ = popularity, block.R
    else:
        model = fitted_on(block, exchange, fitted, family_name, params, mean, rating_range)
    test = block.test
    if spec.biases:
        return error_sums(model, test)
    positive = test.copy()
    positive.data = (positive.data > 0).astype(np.float64)
    positive.eliminate_zeros()
    return ranking_sums(model, positive, K)


def restore_on(block) -> None:
    block.R, block.Rt = block.full
    del block.full, block.test, block.user_keys, block.item_keys, block.sorted_keys


# --- on the client ------------------------------------------------------------------------------------------------

def evaluate_on_cluster(ratings, family, params: dict, *, test_size, folds, seed: int, stage) -> tuple:
    """(how, the model's metrics per split, the reference's per split, when it started), as
    :func:`topicmf.workflow.recommend._evaluate` finds them on one machine."""
    started = time.perf_counter()
    n = ratings.nnz
    try:
        if folds:
            cuts = np.cumsum(fold_sizes(n, folds))
            how = {"method": "folds", "folds": folds, "seed": seed}
        else:
            cuts = np.array([test_count(n, test_size)])
            how = {"method": "random", "test_size": test_size, "seed": seed}
    except ValueError as exc:
        raise TopicmfError(str(exc)) from None
    ub, ib = ratings.user_bounds, ratings.item_bounds
    ratings.call_each("run", [(keys_on, seed, int(ub[b]), int(ib[b]), ratings.n_items)
                              for b in range(len(ratings.blocks))])
    bounds = [kth_smallest_key(lambda key: sum(ratings.run(count_on, key)), int(c)) for c in cuts]
    splits = [(None, bounds[0])] + [(bounds[f - 1], bounds[f]) for f in range(1, len(bounds))] if folds else [
        (None, bounds[0])]
    exchange = str(ratings.exchange)
    found, reference = [], []
    reference_model = family.reference()  # an ALS estimator (the baseline), or the most popular items
    reference_params = reference_model.get_params() if hasattr(reference_model, "get_params") else None
    with stage("evaluating") as progress:
        for number, (low, high) in enumerate(splits):
            kept = ratings.run(split_on, low, high)
            train = copy.copy(ratings)
            train.nnz, train.total = sum(k["nnz"] for k in kept), sum(k["sum"] for k in kept)
            train.rating_range = (min(k["low"] for k in kept), max(k["high"] for k in kept))
            scores = []
            for fitted_params in (params, reference_params):
                if fitted_params is None:  # the most popular items
                    popularity = np.concatenate(ratings.run(popularity_on))
                    parts = ratings.run(score_on, exchange, "", family.name, None, 0.0, (0.0, 0.0), popularity)
                else:
                    try:
                        fit = fit_on_cluster(train, family.name, fitted_params)
                    except ValueError as exc:
                        raise TopicmfError(str(exc)) from None
                    parts = ratings.run(score_on, exchange, fit.published, family.name, fitted_params,
                                        fit.global_mean, fit.rating_range, None)
                    Exchange(exchange).clear(fit.published)
                sums = {key: sum(p[key] for p in parts) for key in parts[0]}
                if sums.get("cells", sums.get("users")) == 0:
                    raise TopicmfError("the held-out cells hold no positive interaction to score" if not family.biases
                                       else "the test matrix has no known cells")
                scores.append(errors_from(sums) if family.biases else ranking_from(sums, K))
            found.append(scores[0])
            reference.append(scores[1])
            progress(number + 1, len(splits))
    ratings.run(restore_on)
    return how, found, reference, started
