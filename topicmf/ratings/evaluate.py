"""Evaluating rating models on held-out known cells: RMSE/MAE, and ranking metrics at K.

The ranking metrics follow the definitions of the `implicit` library's
``evaluation.ranking_metrics_at_k`` so that figures compare: over the users with held-out
items, precision@K = Σ hits / Σ min(K, |held-out|); MAP@K averages, per user, the precision
at each hit divided by min(K, |held-out|); NDCG@K uses the ideal DCG of min(K, |held-out|)
hits; AUC is the area under the ROC curve of the top K, the unranked rest counted as ties.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["known_cells", "split_known", "kfold_known", "rating_errors", "ranking_metrics", "cell_keys", "split_seed",
           "test_count", "fold_sizes", "error_sums", "errors_from", "ranking_sums", "ranking_from"]

_BLOCK_CELLS = 4_000_000


def known_cells(R, index):
    """The matrix of R's shape holding the stored cells ``index`` (numbered in row order, columns ascending) of R."""
    coo = R.tocoo()
    out = sp.csr_matrix((coo.data[index], (coo.row[index], coo.col[index])), shape=R.shape)
    out.sort_indices()
    return out


def cell_keys(seed: int, rows, cols, n_items: int) -> np.ndarray:
    """A seeded random key per known cell, from the cell alone (its row and column): a bijective mix (SplitMix64's
    finaliser) of row × n_items + column + the seed's offset, so no two cells share a key, and any part of the
    matrix — a cluster's block of users or of items — finds its cells' keys without the rest."""
    with np.errstate(over="ignore"):  # arithmetic modulo 2⁶⁴, as intended
        z = (np.asarray(rows, np.uint64) * np.uint64(n_items) + np.asarray(cols, np.uint64)
             + np.uint64(int(seed) % 2**64) * np.uint64(0x9E3779B97F4A7C15))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def split_seed(random_state) -> int:
    """An int seed for :func:`cell_keys` from None, an int or a Generator."""
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return int(random_state)
    rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
    return int(rng.integers(2**63))


def _keys(R, random_state) -> np.ndarray:
    R.sort_indices()
    rows = np.repeat(np.arange(R.shape[0], dtype=np.int64), np.diff(R.indptr))
    return cell_keys(split_seed(random_state), rows, R.indices, R.shape[1])


def test_count(n_cells: int, test_size: float) -> int:
    """How many of ``n_cells`` known cells ``test_size`` tests; ValueError when one side would be empty."""
    if not 0.0 < float(test_size) < 1.0:
        raise ValueError(f"test_size must lie strictly between 0 and 1; got {test_size!r}")
    n_test = int(round(test_size * n_cells))
    if n_test == 0 or n_test == n_cells:
        raise ValueError(f"test_size={test_size} leaves {n_test} of {n_cells} known cells for testing")
    return n_test


def fold_sizes(n_cells: int, folds: int) -> np.ndarray:
    """Cells per fold (as :func:`numpy.array_split` cuts them); ValueError for a bad number of folds."""
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ValueError(f"folds must be an integer >= 2; got {folds!r}")
    if n_cells < folds:
        raise ValueError(f"{folds} folds need at least {folds} known cells; R has {n_cells}")
    return np.array([len(p) for p in np.array_split(np.arange(n_cells), folds)])


def split_known(R, test_size: float = 0.2, random_state=0):
    """A seeded random split of the known cells: (train, test), both of R's shape; the test cells are those with
    the smallest keys (:func:`cell_keys`)."""
    R = sp.csr_matrix(R)
    n_test = test_count(R.nnz, test_size)
    order = np.argsort(_keys(R, random_state), kind="stable")
    return known_cells(R, np.sort(order[n_test:])), known_cells(R, np.sort(order[:n_test]))


def kfold_known(R, folds: int = 5, random_state=0):
    """K-fold splits of the known cells (seeded): yields (train, test) K times, each cell tested once; fold f holds
    the f-th run of cells in the order of their keys (:func:`cell_keys`)."""
    R = sp.csr_matrix(R)
    sizes = fold_sizes(R.nnz, folds)
    parts = np.split(np.argsort(_keys(R, random_state), kind="stable"), np.cumsum(sizes)[:-1])
    for f in range(folds):
        test = np.sort(parts[f])
        train = np.sort(np.concatenate([parts[g] for g in range(folds) if g != f]))
        yield known_cells(R, train), known_cells(R, test)


def error_sums(model, test) -> dict:
    """The sums RMSE and MAE come from, over the stored cells of ``test`` (a part's, which add up)."""
    coo = sp.coo_matrix(test)
    error = model.predict(coo.row, coo.col) - coo.data if coo.nnz else np.zeros(0)
    return {"squares": float(error @ error), "absolute": float(np.abs(error).sum()), "cells": int(coo.nnz)}


def errors_from(sums: dict) -> dict:
    if sums["cells"] == 0:
        raise ValueError("the test matrix has no known cells")
    n = sums["cells"]
    return {"rmse": float(np.sqrt(sums["squares"] / n)), "mae": float(sums["absolute"] / n), "cells": int(n)}


def rating_errors(model, test) -> dict:
    """RMSE and MAE of ``model.predict`` on the stored cells of ``test``."""
    return errors_from(error_sums(model, test))


def ranking_metrics(model, test, K: int = 10) -> dict:
    """precision@K, MAP@K, NDCG@K and AUC@K of ``model.recommend`` (training items left out).

    Users without held-out items are skipped; ``users`` counts the others.
    """
    sums = ranking_sums(model, test, K)
    if sums["users"] == 0:
        raise ValueError("no user has held-out items")
    return ranking_from(sums, K)


def ranking_sums(model, test, K: int = 10) -> dict:
    """The sums of :func:`ranking_metrics` over the users of ``test`` with held-out items (a part of the users'
    sums add up)."""
    test = sp.csr_matrix(test)
    n_items = test.shape[1]
    users = np.flatnonzero(np.diff(test.indptr))
    out = {"hits": 0.0, "divisor": 0.0, "map": 0.0, "ndcg": 0.0, "auc": 0.0, "users": int(users.size)}
    if users.size == 0:
        return out
    step = max(1, _BLOCK_CELLS // max(1, n_items))  # scores held at once: users × items in blocks
    recommended = np.concatenate([model.recommend(users[s:s + step], n_items=K, exclude_known=True)[0]
                                  for s in range(0, users.size, step)])
    gain = 1.0 / np.log2(np.arange(2, K + 2))
    ideal = np.cumsum(gain)
    for row, u in enumerate(users):
        liked = set(test.indices[test.indptr[u]:test.indptr[u + 1]].tolist())
        shown = list(recommended[row][:K]) + [-1] * max(0, K - recommended.shape[1])
        top = min(K, len(liked))
        out["divisor"] += top
        hit = miss = 0
        ap = ndcg = auc = 0.0
        for rank, item in enumerate(shown):
            if item in liked:
                hit += 1
                ap += hit / (rank + 1)
                ndcg += float(gain[rank] / ideal[top - 1])
            else:
                miss += 1
                auc += hit
        positives, negatives = len(liked), n_items - len(liked)
        auc += (hit + positives) / 2.0 * (negatives - miss)
        out["hits"] += hit
        out["map"] += ap / top
        out["ndcg"] += ndcg
        out["auc"] += auc / (positives * negatives) if negatives else 1.0
    return out


def ranking_from(sums: dict, K: int = 10) -> dict:
    n = sums["users"]
    return {"precision": sums["hits"] / sums["divisor"], "map": sums["map"] / n, "ndcg": sums["ndcg"] / n,
            "auc": sums["auc"] / n, "users": int(n), "K": int(K)}
