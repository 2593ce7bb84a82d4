"""Evaluating rating models (issue 10): splits of the known cells, RMSE/MAE, ranking metrics as `implicit` defines them."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from topicmf import ExplicitMF
from topicmf.ratings import kfold_known, ranking_metrics, rating_errors, split_known


def known(seed=0):
    rng = np.random.default_rng(seed)
    R = sp.random(40, 30, density=0.3, random_state=rng, format="csr")
    R.data = rng.integers(1, 6, R.nnz).astype(float)
    return R


def cells(M):
    coo = M.tocoo()
    return set(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()))


def test_a_split_and_the_folds_partition_the_known_cells():
    R = known()
    train, test = split_known(R, 0.25, random_state=3)
    assert cells(train) | cells(test) == cells(R) and not cells(train) & cells(test)
    assert test.nnz == round(0.25 * R.nnz)
    again, _ = split_known(R, 0.25, random_state=3)
    assert (again != train).nnz == 0  # seeded
    tested = []
    for tr, te in kfold_known(R, 4, random_state=1):
        assert cells(tr) | cells(te) == cells(R) and not cells(tr) & cells(te)
        tested.extend(cells(te))
    assert sorted(tested) == sorted(cells(R))  # every cell is tested exactly once


def test_a_seeded_split_says_nothing_about_its_hashing(recwarn):
    # the keys are computed modulo 2**64 on purpose: a seed used to print "RuntimeWarning: overflow" on stderr
    from topicmf.ratings.evaluate import cell_keys

    R = known()
    for seed in (3, 2**40 + 7, 2**64 - 1):
        split_known(R, 0.25, random_state=seed)
        list(kfold_known(R, 3, random_state=seed))
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
    coo = R.tocoo()
    assert len(set(cell_keys(12345, coo.row, coo.col, R.shape[1]).tolist())) == R.nnz  # one key per cell


def test_rating_errors_are_rmse_and_mae_of_the_predictions():
    R = known(1)
    train, test = split_known(R, 0.2, random_state=0)
    model = ExplicitMF(3, solver="als", max_iter=10, random_state=0).fit(train)
    coo = test.tocoo()
    error = model.predict(coo.row, coo.col) - coo.data
    got = rating_errors(model, test)
    assert got["rmse"] == pytest.approx(np.sqrt(np.mean(error**2))) and got["mae"] == pytest.approx(np.abs(error).mean())


class Fixed:
    """A model whose recommendations are given."""

    def __init__(self, lists):
        self.lists = lists

    def recommend(self, users, n_items=10, exclude_known=True):
        items = np.array([self.lists[u][:n_items] for u in users])
        return items, np.zeros(items.shape)


def test_ranking_metrics_by_hand():
    # one user with held-out items {1, 3} among 5; recommended 1, 2, 3 (K = 3)
    test = sp.csr_matrix(([1.0, 1.0], ([0, 0], [1, 3])), shape=(2, 5))
    got = ranking_metrics(Fixed({0: [1, 2, 3]}), test, K=3)
    assert got["users"] == 1
    assert got["precision"] == pytest.approx(2 / 2)
    assert got["map"] == pytest.approx((1 / 1 + 2 / 3) / 2)
    assert got["ndcg"] == pytest.approx((1 + 1 / np.log2(4)) / (1 + 1 / np.log2(3)))
    # ROC over the top 3 (hit, miss, hit), the 2 unshown items counted as ties: (1 + 4) / (2 · 3)
    assert got["auc"] == pytest.approx(5 / 6)
    # a list that misses everything
    nothing = ranking_metrics(Fixed({0: [0, 2, 4]}), test, K=3)
    assert nothing["precision"] == 0 and nothing["map"] == 0 and nothing["ndcg"] == 0


@pytest.mark.parametrize("call, message", [
    (lambda R: split_known(R, 0.0), "strictly between 0 and 1"),
    (lambda R: next(kfold_known(R, 1)), "folds must be an integer >= 2"),
    (lambda R: ranking_metrics(Fixed({}), sp.csr_matrix(R.shape)), "no user has held-out items"),
])
def test_bad_evaluation_settings(call, message):
    with pytest.raises(ValueError, match=message):
        call(known())
