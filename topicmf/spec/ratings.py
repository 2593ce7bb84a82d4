"""The rating-matrix families, each describing itself: :data:`FAMILIES`.

An entry says what the family fits and what its scores mean, its solvers (and which fit no
factors), its declared parameters with their defaults (the estimators' defaults come from
here), whether predictions carry biases, the held-out metrics that judge it, the simple
reference it is compared with, and where its estimator, evaluation and reference live.
``topicmf recommend``, the run folder and the page ask this table instead of switching on a
family's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..errors import TopicmfError
from .params import Param, ParamTable, SolverTable
from .topics import _resolve

__all__ = ["Metric", "RatingSolver", "RatingFamilySpec", "FAMILIES", "SPLITS", "PENALTIES", "EXPLICIT", "IMPLICIT"]

#: How held-out cells are chosen: a seeded share, or the latest by time.
SPLITS = ("random", "time")
#: Whether every known cell carries its row's and column's penalties, or each factor is penalised once.
PENALTIES = ("per_rating", "total")


@dataclass(frozen=True)
class Metric:
    key: str
    title: str
    higher_is_better: bool


@dataclass(frozen=True)
class RatingSolver:
    """One solver of a family; ``factors`` False: it fits μ and the biases alone (no factors, no k); ``cluster``
    False: it does not run on a Dask cluster (:mod:`topicmf.distributed.als`)."""

    name: str
    description: str
    factors: bool = True
    cluster: bool = True


@dataclass(frozen=True)
class RatingFamilySpec(SolverTable):
    """One rating family of :data:`FAMILIES`.

    Attributes
    ----------
    name, title, description : str
    solver_table : tuple of RatingSolver
        Default first.
    params : ParamTable
        The estimator's parameters (``init_scale`` is the fit function's only).
    biases : bool
        Whether predictions carry μ and the user and item biases.
    score : str
        What a prediction means, as the page and the CSV header say it.
    metrics : tuple of Metric
        What held-out evaluation reports; the first is the headline.
    reference_title : str
        The simple model the page compares with on the same split.
    folds : bool
        Whether K-fold cross-validation is offered.
    estimator_path, fit_path, evaluate_path, reference_path : str
        ``module:name`` of the estimator, the fit function, the held-out evaluation
        (``evaluate(model, test) -> dict``) and a factory of the reference estimator.
    init_scale : Param
        The fit function's own parameter beside the estimator's: the factors' scale at the start.
    start : {"normal", "uniform"}
        How the starting factors are drawn (times ``init_scale``): N(0, 1), or uniform in [0, 1).
    """

    name: str
    title: str
    description: str
    solver_table: tuple
    params: ParamTable
    biases: bool
    score: str
    metrics: tuple
    reference_title: str
    folds: bool
    estimator_path: str
    fit_path: str
    evaluate_path: str
    reference_path: str
    init_scale: Param
    start: str = "normal"

    @cached_property
    def function_params(self) -> ParamTable:
        """The fit function's parameters: the estimator's and ``init_scale``."""
        return ParamTable(self.params.owner, (*self.params, self.init_scale))

    @property
    def cluster_solvers(self) -> tuple:
        """The solvers that run on a Dask cluster, the family's default there first."""
        return tuple(s.name for s in self.solver_table if s.cluster)

    @property
    def default_k(self) -> int:
        return self.params.default("n_components")

    @property
    def settings(self) -> tuple:
        """The parameters a user sets from the command line, in the order shown."""
        return tuple(p.name for p in self.params if p.cli)

    @property
    def estimator(self) -> type:
        return _resolve(self.estimator_path)

    @property
    def fit(self):
        return _resolve(self.fit_path)

    @property
    def evaluate(self):
        return _resolve(self.evaluate_path)

    @property
    def reference(self):
        return _resolve(self.reference_path)

    def check(self, solver: str | None, settings: dict, k: int | None = None) -> None:
        """Refuse a solver, a setting or a number of factors this family does not take (TopicmfError naming what it
        has); where a job enters, before :meth:`make`."""
        if solver is not None and solver not in self.solvers:
            owner = [f.name for f in FAMILIES.values() if solver in f.solvers]
            raise TopicmfError(f"{solver} is not a solver of the {self.name} model"
                               + (f" but of the {owner[0]} model" if owner else "")
                               + f"; it has {', '.join(self.solvers)}")
        unknown = sorted(set(settings) - set(self.settings))
        if unknown:
            raise TopicmfError(f"the {self.name} model has no setting {', '.join(unknown)}; "
                               f"it has {', '.join(self.settings)}")
        given = dict(settings, solver=solver or self.default_solver)
        if k is not None:
            given["n_components"] = k
        try:
            self.params.check(given)
        except ValueError as exc:
            raise TopicmfError(str(exc)) from None

    def make(self, k: int, solver: str | None, seed: int, settings: dict):
        """A fresh estimator with these choices (settings not given keep the estimator's defaults; :meth:`check`
        them first)."""
        return self.estimator(int(k), **dict(settings, solver=solver or self.default_solver, random_state=seed))

    def item_value(self, R) -> float:
        """The value an item given without a rating stands for: the top of the ratings seen (with biases), else 1."""
        return float(R.data.max()) if self.biases else 1.0

    def headline(self, metrics: dict) -> str:
        """One line of the held-out figures, e.g. ``RMSE 0.911 · MAE 0.718`` (empty when there are none)."""
        return " · ".join(f"{m.title} {metrics[m.key]:.3f}" for m in self.metrics if m.key in metrics)


_SEED = Param("random_state", "seed", None, "Seed of the start and of SGD's order.", cli=False)
_MAX_ITER = Param("max_iter", "int", 30, "Epochs or sweeps.", low=1)
_TOL = Param("tol", "float", 0.0, "Stop when the objective falls by less than this (relative) in a sweep; 0 runs "
             "max_iter.", low=0, cli=False)


def _init_scale(default):
    return Param("init_scale", "float", default, "The factors' scale at the start.", low=0, closed="neither",
                 cli=False)


FAMILIES = {
    "explicit": RatingFamilySpec(
        name="explicit", title="explicit ratings", description="ratings on known cells (μ + biases + factors)",
        solver_table=(RatingSolver("sgd", "Funk's per-entry steps, by strata: parallel and reproducible",
                                   cluster=False),
                      RatingSolver("als", "exact alternating ridge solves of each row over its known cells"),
                      RatingSolver("baseline", "μ + user and item biases alone, by the same ALS", factors=False)),
        params=ParamTable("ExplicitMF", (
            Param("n_components", "int", 100, "Number of factors.", low=1, cli=False),
            Param("solver", "str", "sgd", "Solver.", choices=("sgd", "als", "baseline"), cli=False),
            Param("alpha", "float", 0.1, "L2 weight of the user factors.", low=0),
            Param("beta", "float", 0.1, "L2 weight of the item factors.", low=0),
            Param("gamma", "float", 0.02, "L2 weight of the user biases.", low=0),
            Param("delta", "float", 0.02, "L2 weight of the item biases.", low=0),
            Param("penalty", "str", "per_rating", "Every known cell carries its user's and item's penalties "
                  "(per_rating), or each factor is penalised once (total).", choices=PENALTIES),
            Param("learning_rate", "float", 0.01, "SGD's step (constant).", low=0, closed="neither",
                  solvers=("sgd",)),
            _MAX_ITER,
            _TOL,
            _SEED,
        )),
        biases=True, score="predicted rating",
        metrics=(Metric("rmse", "RMSE", False), Metric("mae", "MAE", False)),
        reference_title="baseline (μ + user and item biases)", folds=True,
        estimator_path="topicmf.factorize.ratings.estimators:ExplicitMF",
        fit_path="topicmf.factorize.ratings.models:fit_explicit",
        evaluate_path="topicmf.ratings.evaluate:rating_errors",
        reference_path="topicmf.ratings.reference:baseline", init_scale=_init_scale(0.1)),
    "implicit": RatingFamilySpec(
        name="implicit", title="implicit feedback", description="interactions, every cell weighted",
        solver_table=(RatingSolver("cg", "ALS with a few warm-started conjugate-gradient steps per row"),
                      RatingSolver("exact", "ALS with each row's k × k system solved exactly")),
        params=ParamTable("ImplicitMF", (
            Param("n_components", "int", 64, "Number of factors.", low=1, cli=False),
            Param("solver", "str", "cg", "Solver.", choices=("cg", "exact"), cli=False),
            Param("alpha", "float", 10.0, "Confidence w = 1 + α·x of an interaction.", low=0),
            Param("reg", "float", 0.01, "L2 weight of both factors.", low=0),
            _MAX_ITER.but(default=15),
            _TOL,
            Param("cg_steps", "int", 2, "Conjugate-gradient steps per row and sweep.", low=1, solvers=("cg",)),
            _SEED,
        )),
        biases=False, score="preference score",
        metrics=(Metric("precision", "precision@10", True), Metric("map", "MAP@10", True),
                 Metric("ndcg", "NDCG@10", True), Metric("auc", "AUC", True)),
        reference_title="most popular items", folds=True,
        estimator_path="topicmf.factorize.ratings.estimators:ImplicitMF",
        fit_path="topicmf.factorize.ratings.models:fit_implicit",
        evaluate_path="topicmf.ratings.evaluate:ranking_metrics",
        reference_path="topicmf.ratings.reference:MostPopular", init_scale=_init_scale(0.01), start="uniform"),
}

EXPLICIT, IMPLICIT = FAMILIES["explicit"], FAMILIES["implicit"]
