"""Matrix factorization, for both halves of topicmf: topic models and rating models.

This stage knows only matrices.  Names, as everywhere in topicmf:

* ``X`` — (n_docs, n_terms) data, scipy sparse or dense; non-negative for NMF;
* ``W`` — (n_docs, n_topics) document–topic factor (rows are the U of the seed);
* ``H`` — (n_topics, n_terms) topic–term factor (columns are the V of the seed),

so X ≈ W H.  (Much of the NMF literature writes the transpose.)  A rating matrix ``R`` is
users × items, its stored entries the known cells, R ≈ μ + b 1ᵀ + 1 cᵀ + U Vᵀ.

Three packages: :mod:`.topics` (LSA, Frobenius NMF, Poisson NMF), :mod:`.ratings` (explicit
and implicit rating models) and :mod:`.engine`, which both run on (kernels, products,
stratified SGD, threads, the stopping rule).  Every topic model is reachable three ways, all
from the registry :data:`MODELS` (:mod:`topicmf.spec`): :func:`factorize` (returns a frozen
:class:`Factorization`), the functions ``fit_lsa`` / ``fit_frobenius`` / ``fit_poisson``, and
the scikit-learn estimators :class:`LSA`, :class:`FrobeniusNMF`, :class:`PoissonNMF`; the
rating models are :class:`ExplicitMF` and :class:`ImplicitMF`.
"""

from __future__ import annotations

import importlib

from ..spec import MODELS, SIGMA_SPLITS, ModelSpec, model_spec
from .engine.common import iteration_hook
from .topics.frobenius import fit_frobenius, frobenius_transform
from .topics.losses import frobenius_loss, poisson_loss
from .topics.lsa import fit_lsa, lsa_transform
from .topics.poisson import fit_poisson, poisson_transform
from .topics.seanmf import fit_seanmf, seanmf_transform
from .topics.result import Factorization

__all__ = [
    "MODELS",
    "ModelSpec",
    "factorize",
    "Factorization",
    "LSA",
    "FrobeniusNMF",
    "PoissonNMF",
    "SeaNMF",
    "ExplicitMF",
    "ImplicitMF",
    "fit_lsa",
    "fit_frobenius",
    "fit_poisson",
    "fit_seanmf",
    "lsa_transform",
    "frobenius_transform",
    "poisson_transform",
    "seanmf_transform",
    "frobenius_loss",
    "poisson_loss",
    "SIGMA_SPLITS",
]


def factorize(X, n_components: int, *, model: str = "pnmf", solver: str | None = None, callback=None,
              **params) -> Factorization:
    """Factorize X ≈ W H with one of :data:`MODELS`.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_docs, n_terms)
    n_components : int
    model : {"pnmf", "nmf", "lsa"}, default="pnmf"
    solver : str or None
        One of the model's solvers; None takes its default.
    callback : callable(iteration, max_iter) or None
        Called after each iteration of an iterative solver (for progress).
    **params
        Passed to the model's fit function (max_iter, tol, random_state, ...), which checks
        them against the model's parameter table.

    Returns
    -------
    Factorization
    """
    spec = model_spec(model)
    token = iteration_hook.set(callback)
    try:
        return spec.fit(X, n_components, solver=solver or spec.default_solver, **params)
    finally:
        iteration_hook.reset(token)


_ESTIMATORS = {"LSA": ".topics.estimators", "FrobeniusNMF": ".topics.estimators", "PoissonNMF": ".topics.estimators",
               "SeaNMF": ".topics.estimators",
               "ExplicitMF": ".ratings.estimators", "ImplicitMF": ".ratings.estimators"}


def __getattr__(name):
    # The estimators need scikit-learn (about 0.4 s to import); a topicmf run does not.
    if name in _ESTIMATORS:
        return getattr(importlib.import_module(_ESTIMATORS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
