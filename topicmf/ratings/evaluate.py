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

__all__ = ["split_known", "kfold_known", "rating_errors", "ranking_metrics"]

_BLOCK_CELLS = 4_000_000


def _cells(R, index):
    coo = R.tocoo()
    return sp.csr_matrix((coo.data[index], (coo.row[index], coo.col[index])), shape=R.shape)


def split_known(R, test_size: float = 0.2, random_state=0):
    """A seeded random split of the known cells: (train, test), both of R's shape."""
    if not 0.0 < float(test_size) < 1.0:
        raise ValueError(f"test_size must lie strictly between 0 and 1; got {test_size!r}")
    R = sp.csr_matrix(R)
    order = np.random.default_rng(random_state).permutation(R.nnz)
    n_test = int(round(test_size * R.nnz))
    if n_test == 0 or n_test == R.nnz:
        raise ValueError(f"test_size={test_size} leaves {n_test} of {R.nnz} known cells for testing")
    return _cells(R, np.sort(order[n_test:])), _cells(R, np.sort(order[:n_test]))


def kfold_known(R, folds: int = 5, random_state=0):
    """K-fold splits of the known cells (seeded): yields (train, test) K times, each cell tested once."""
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ValueError(f"folds must be an integer >= 2; got {folds!r}")
    R = sp.csr_matrix(R)
    if R.nnz < folds:
        raise ValueError(f"{folds} folds need at least {folds} known cells; R has {R.nnz}")
    parts = np.array_split(np.random.default_rng(random_state).permutation(R.nnz), folds)
    for f in range(folds):
        test = np.sort(parts[f])
        train = np.sort(np.concatenate([parts[g] for g in range(folds) if g != f]))
        yield _cells(R, train), _cells(R, test)


def rating_errors(model, test) -> dict:
    """RMSE and MAE of ``model.predict`` on the stored cells of ``test``."""
    coo = sp.coo_matrix(test)
    if coo.nnz == 0:
        raise ValueError("the test matrix has no known cells")
    error = model.predict(coo.row, coo.col) - coo.data
    return {"rmse": float(np.sqrt(np.mean(error**2))), "mae": float(np.mean(np.abs(error))), "cells": int(coo.nnz)}


def ranking_metrics(model, test, K: int = 10) -> dict:
    """precision@K, MAP@K, NDCG@K and AUC@K of ``model.recommend`` (training items left out).

    Users without held-out items are skipped; ``users`` counts the others.
    """
    test = sp.csr_matrix(test)
    n_items = test.shape[1]
    users = np.flatnonzero(np.diff(test.indptr))
    if users.size == 0:
        raise ValueError("no user has held-out items")
    step = max(1, _BLOCK_CELLS // max(1, n_items))  # scores held at once: users × items in blocks
    recommended = np.concatenate([model.recommend(users[s:s + step], n_items=K, exclude_known=True)[0]
                                  for s in range(0, users.size, step)])
    gain = 1.0 / np.log2(np.arange(2, K + 2))
    ideal = np.cumsum(gain)
    hits_total = divisor = map_sum = ndcg_sum = auc_sum = 0.0
    for row, u in enumerate(users):
        liked = set(test.indices[test.indptr[u]:test.indptr[u + 1]].tolist())
        shown = list(recommended[row][:K]) + [-1] * max(0, K - recommended.shape[1])
        top = min(K, len(liked))
        divisor += top
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
        hits_total += hit
        map_sum += ap / top
        ndcg_sum += ndcg
        auc_sum += auc / (positives * negatives) if negatives else 1.0
    n = users.size
    return {"precision": hits_total / divisor, "map": map_sum / n, "ndcg": ndcg_sum / n, "auc": auc_sum / n,
            "users": int(n), "K": int(K)}
