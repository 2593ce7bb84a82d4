"""The rating-model families, each describing itself: what it fits, what its scores mean, how it is judged.

The run folder, the page and the command line ask a :class:`RatingFamily` instead of
switching on a model's name: its estimator and parameters, whether it has biases, what a
score is, which metrics measure it (and which way is better), the simple reference it is
compared with on the same split, and the value an item given without a rating stands for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import TopicmfError
from ..factorize import ExplicitMF, ImplicitMF
from ..factorize.ratings.models import EXPLICIT_SOLVERS, IMPLICIT_SOLVERS
from .evaluate import ranking_metrics, rating_errors
from .reference import MostPopular

__all__ = ["Metric", "RatingFamily", "FAMILIES", "family", "choose_family"]


@dataclass(frozen=True)
class Metric:
    key: str
    title: str
    higher_is_better: bool


@dataclass(frozen=True)
class RatingFamily:
    """One kind of rating model.

    Attributes
    ----------
    name, title : str
    estimator : type
        The scikit-learn-style estimator (:mod:`topicmf.factorize.ratings.estimators`).
    solvers : tuple of str
        The estimator's solvers, the default first.
    default_k : int
    settings : tuple of str
        The estimator's penalty and step parameters a user may set, in the order shown.
    biases : bool
        Whether predictions carry μ and the user and item biases.
    score : str
        What a prediction means, as the page and the CSV header describe it.
    metrics : tuple of Metric
        What held-out evaluation reports; the first is the headline.
    evaluate : callable(model, test) -> dict
    reference : callable() -> estimator
        The simple model the page compares with on the same split.
    reference_title : str
    folds : bool
        Whether K-fold cross-validation is offered (each known cell held out once).
    """

    name: str
    title: str
    estimator: type
    solvers: tuple
    default_k: int
    settings: tuple
    biases: bool
    score: str
    metrics: tuple
    evaluate: Callable
    reference: Callable
    reference_title: str
    folds: bool

    def check(self, solver: str | None, settings: dict) -> None:
        """Refuse a solver or a setting this family does not have (TopicmfError naming what it has)."""
        if solver is not None and solver not in self.solvers:
            owner = [f.name for f in FAMILIES.values() if solver in f.solvers]
            raise TopicmfError(f"{solver} is not a solver of the {self.name} model"
                               + (f" but of the {owner[0]} model" if owner else "")
                               + f"; it has {', '.join(self.solvers)}")
        unknown = sorted(set(settings) - set(self.settings))
        if unknown:
            raise TopicmfError(f"the {self.name} model has no setting {', '.join(unknown)}; "
                               f"it has {', '.join(self.settings)}")

    def make(self, k: int, solver: str | None, seed: int, settings: dict):
        """A fresh estimator with these choices (settings not given keep the estimator's defaults)."""
        self.check(solver, settings)
        kwargs = dict(settings, solver=solver or self.solvers[0], random_state=seed)
        return self.estimator(int(k), **kwargs)

    def item_value(self, R) -> float:
        """The value an item given without a rating stands for: the top of the ratings seen (explicit), 1 (implicit)."""
        return float(R.data.max()) if self.biases else 1.0

    def headline(self, metrics: dict) -> str:
        """One line of the held-out figures, e.g. ``RMSE 0.911 · MAE 0.718`` (empty when there are none)."""
        return " · ".join(f"{m.title} {metrics[m.key]:.3f}" for m in self.metrics if m.key in metrics)


def _baseline():
    # scikit-surprise's BaselineOnly: each bias penalised once (γ = 15, δ = 10), 10 sweeps
    return ExplicitMF(0, solver="baseline", penalty="total", gamma=15.0, delta=10.0, max_iter=10)


FAMILIES = {
    "explicit": RatingFamily(
        name="explicit", title="explicit ratings", estimator=ExplicitMF, solvers=EXPLICIT_SOLVERS,
        default_k=100, settings=("alpha", "beta", "gamma", "delta", "penalty", "learning_rate", "max_iter"),
        biases=True, score="predicted rating",
        metrics=(Metric("rmse", "RMSE", False), Metric("mae", "MAE", False)),
        evaluate=rating_errors, reference=_baseline, reference_title="baseline (μ + user and item biases)",
        folds=True),
    "implicit": RatingFamily(
        name="implicit", title="implicit feedback", estimator=ImplicitMF, solvers=IMPLICIT_SOLVERS,
        default_k=64, settings=("alpha", "reg", "max_iter", "cg_steps"), biases=False, score="preference score",
        metrics=(Metric("precision", "precision@10", True), Metric("map", "MAP@10", True),
                 Metric("ndcg", "NDCG@10", True), Metric("auc", "AUC", True)),
        evaluate=ranking_metrics, reference=MostPopular, reference_title="most popular items",
        folds=True),
}


def family(name: str) -> RatingFamily:
    try:
        return FAMILIES[name]
    except KeyError:
        raise TopicmfError(f"unknown rating model {name!r}; choose {' or '.join(FAMILIES)}") from None


def choose_family(R, name: str | None = None) -> RatingFamily:
    """``name``'s family, or (None) implicit when every known value is 0 or 1, else explicit."""
    if name is not None:
        return family(name)
    return FAMILIES["implicit" if np.all((R.data == 0) | (R.data == 1)) else "explicit"]
