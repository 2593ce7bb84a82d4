"""The estimators pass scikit-learn's estimator checks; the exemptions are listed with reasons."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from topicmf import LSA, MODELS, FrobeniusNMF, PoissonNMF
from topicmf.factorize import factorize

# The checks fit slow solvers (mu, sgd) on small random data for the default max_iter; their
# ConvergenceWarnings are expected here and tested where they are the subject.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# The checks fit on tiny matrices (as few as 2 features), and topicmf refuses n_components above
# min(n_docs, n_terms), so they run with n_components=2 (ARPACK needs k < min: 1).  That is the
# only exemption: every check passes for every solver.
ESTIMATORS = (
    [LSA(2, solver=s, random_state=0) for s in ("randomized", "dense", "als", "gd", "sgd")]
    + [LSA(1, solver="arpack", random_state=0), LSA(2, sigma="right"), LSA(2, sigma="sqrt")]
    + [FrobeniusNMF(2, solver=s, random_state=0) for s in MODELS["nmf"].solvers]
    + [PoissonNMF(2, solver=s, random_state=0) for s in MODELS["pnmf"].solvers]
)

@parametrize_with_checks(ESTIMATORS)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def test_fitted_attributes():
    X = np.abs(np.random.default_rng(0).standard_normal((30, 12)))
    lsa = LSA(3, random_state=0).fit(X)
    assert lsa.components_.shape == (3, 12) and lsa.singular_values_.shape == (3,)
    assert np.all(np.diff(lsa.singular_values_) <= 0)
    assert 0 < lsa.explained_variance_ratio_.sum() <= 1
    for model in (FrobeniusNMF(3, random_state=0), PoissonNMF(3, random_state=0)):
        W = model.fit_transform(X)
        assert W.shape == (30, 3) and model.components_.shape == (3, 12)
        assert model.n_iter_ == len(model.loss_curve_) and model.objective_ == model.loss_curve_[-1]
        assert list(model.get_feature_names_out()) == [f"{type(model).__name__.lower()}{i}" for i in range(3)]


def test_estimators_and_factorize_agree():
    X = np.abs(np.random.default_rng(1).standard_normal((25, 10)))
    for name, spec in MODELS.items():
        est = spec.estimator(3, random_state=4)
        W = est.fit_transform(X)
        fit = factorize(X, 3, model=name, random_state=4)
        np.testing.assert_array_equal(W, fit.W)
        np.testing.assert_array_equal(est.components_, fit.H)


def test_lsa_takes_no_initial_factors():
    with pytest.raises(ValueError, match="LSA takes no initial W or H"):
        LSA(2).fit_transform(np.ones((4, 4)) + np.eye(4), W=np.ones((4, 2)))
