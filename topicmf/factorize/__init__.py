"""Matrix factorization: LSA, Frobenius NMF and Poisson NMF.

This stage knows only matrices.  Names, as everywhere in topicmf:

* ``X`` — (n_docs, n_terms) data, scipy sparse or dense; non-negative for NMF;
* ``W`` — (n_docs, n_topics) document–topic factor (rows are the U of the seed);
* ``H`` — (n_topics, n_terms) topic–term factor (columns are the V of the seed),

so X ≈ W H.  (Much of the NMF literature writes the transpose.)

Every model is reachable three ways, all from the one registry :data:`MODELS`:
:func:`factorize` (returns a frozen :class:`Factorization`), the functions
``fit_lsa`` / ``fit_frobenius`` / ``fit_poisson``, and the scikit-learn
estimators :class:`LSA`, :class:`FrobeniusNMF`, :class:`PoissonNMF`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from .engine.common import iteration_hook
from .topics.frobenius import FROBENIUS_SOLVERS, fit_frobenius, frobenius_transform
from .topics.losses import frobenius_loss, poisson_loss
from .topics.lsa import LSA_SOLVERS, SIGMA_SPLITS, fit_lsa, lsa_transform
from .topics.poisson import POISSON_SOLVERS, fit_poisson, poisson_transform
from .topics.result import Factorization

__all__ = [
    "MODELS",
    "ModelSpec",
    "factorize",
    "Factorization",
    "LSA",
    "FrobeniusNMF",
    "PoissonNMF",
    "ExplicitMF",
    "ImplicitMF",
    "fit_lsa",
    "fit_frobenius",
    "fit_poisson",
    "lsa_transform",
    "frobenius_transform",
    "poisson_transform",
    "frobenius_loss",
    "poisson_loss",
    "SIGMA_SPLITS",
]


@dataclass(frozen=True)
class ModelSpec:
    """One model of the registry: how to fit it, its solvers and its estimator."""

    name: str
    description: str
    fit: object
    transform: object
    solvers: tuple
    estimator_name: str
    #: Memory the default fit needs besides the common part, in bytes per stored count and per term (Poisson
    #: ``cd`` keeps the transpose's values and indices and a per-term array; LSA a weighted copy's indices).
    fit_bytes: tuple = (0, 0)
    #: The loss the model minimises: "poisson" (a rate for every cell: a distribution over the words once
    #: normalised) or "squared" (a reconstruction of the weighted matrix).
    loss: str = "squared"

    @property
    def estimator(self) -> type:
        """The scikit-learn estimator class (scikit-learn is imported only when it is asked for)."""
        return getattr(importlib.import_module(".topics.estimators", __name__), self.estimator_name)

    @property
    def default_solver(self) -> str:
        return self.solvers[0]


#: The models, by the name the command line uses.  Solvers are listed default first.
MODELS = {
    "pnmf": ModelSpec("pnmf", "Poisson NMF (KL divergence): the model for counts", fit_poisson,
                      poisson_transform, POISSON_SOLVERS, "PoissonNMF", fit_bytes=(12, 8), loss="poisson"),
    "nmf": ModelSpec("nmf", "Frobenius NMF (least squares, W, H >= 0)", fit_frobenius, frobenius_transform,
                     FROBENIUS_SOLVERS, "FrobeniusNMF"),
    "lsa": ModelSpec("lsa", "LSA (truncated SVD)", fit_lsa, lsa_transform, LSA_SOLVERS, "LSA", fit_bytes=(4, 0)),
}


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
        Passed to the model's fit function (max_iter, tol, random_state, ...).

    Returns
    -------
    Factorization
    """
    if model not in MODELS:
        raise ValueError(f"Unknown model {model!r}; choose one of {', '.join(MODELS)}")
    spec = MODELS[model]
    solver = solver or spec.default_solver
    if solver not in spec.solvers:
        raise ValueError(f"Unknown solver {solver!r} for {model}; choose one of {', '.join(spec.solvers)}")
    token = iteration_hook.set(callback)
    try:
        return spec.fit(X, n_components, solver=solver, **params)
    finally:
        iteration_hook.reset(token)


def __getattr__(name):
    # The estimators need scikit-learn (about 0.4 s to import); a topicmf run does not.
    if name in ("LSA", "FrobeniusNMF", "PoissonNMF"):
        return getattr(importlib.import_module(".topics.estimators", __name__), name)
    if name in ("ExplicitMF", "ImplicitMF"):
        return getattr(importlib.import_module(".ratings.estimators", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
