"""The topic models, each describing itself: :data:`MODELS`.

An entry says everything the rest of topicmf asks of a model: its title, what its topics
are (word distributions, or signed directions), the loss it minimises, its solvers (which
iterate, which can carry a fixed background, which run on a Dask cluster), its declared
parameters, the weightings it accepts and the one it starts from, how it keeps generic
words out of its topics, and where its fit function and estimator live.  The fit
functions, the estimators, ``topicmf run``'s options, the report and the store ask this
table instead of comparing a model's name with a literal.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from .params import Param, ParamTable, SolverTable

__all__ = ["TopicKind", "Solver", "GenericWords", "ModelSpec", "MODELS", "DISTRIBUTIONS", "DIRECTIONS",
           "WEIGHTINGS", "WORD_ORDERS", "GENERIC_WORDS", "SIMILARITIES", "NEIGHBOUR_EFFORTS", "INITS", "SIGMA_SPLITS", "model_spec",
           "POISSON_NMF", "FROBENIUS_NMF", "LSA", "SEANMF", "FIT_PARAMS"]

#: How counts are weighted before factorizing ("sqrt": square roots of the counts, so a word repeated in one
#: document counts less than the same occurrences spread over documents).
WEIGHTINGS = ("counts", "sqrt", "tfidf", "log-entropy")
#: How a topic's words are ranked: by relevance (Sievert & Shirley 2014) or by their weight alone.
WORD_ORDERS = ("relevance", "weight")
#: How a model keeps words used everywhere out of its topics: "discount" (the default) or "keep" (the plain model).
GENERIC_WORDS = ("discount", "keep")
#: How a run compares documents: by words and topics, or by topic profiles alone.
SIMILARITIES = ("words", "topics")
#: How far the approximate search of a large corpus's neighbours reaches (topicmf.neighbours.graph.EFFORTS).
NEIGHBOUR_EFFORTS = ("low", "normal", "high")
#: How NMF starts: NNDSVD, NNDSVD with its zeros filled by the mean, seeded random, or given factors.
INITS = ("nndsvda", "nndsvd", "random", "custom")
#: How LSA splits Σ: to the documents, to the words, or √Σ to both.
SIGMA_SPLITS = ("left", "right", "sqrt")


@dataclass(frozen=True)
class TopicKind:
    """What a model's topics are, and how the report and the command line speak of them.

    ``distributions``: topics are non-negative word distributions and a document's profile
    is the share of its words each topic gives (NMF); otherwise topics are signed
    directions with two poles and a profile is a document's coordinates (LSA).
    """

    name: str
    distributions: bool
    share_note: str
    share_note_background: str
    distance_note: str
    map_projection: str


DISTRIBUTIONS = TopicKind(
    "distributions", True,
    share_note="share of the corpus's words each topic gives",
    share_note_background="share of the corpus's topical words each topic gives (the background's words not counted)",
    distance_note="Jensen–Shannon distances of the topics' word distributions",
    map_projection="projected by PCA of the square roots of their topic shares")
DIRECTIONS = TopicKind(
    "directions", False,
    share_note="mean share of each document's absolute coordinates",
    share_note_background="mean share of each document's absolute coordinates",
    distance_note="cosine distances of the topics' word weights",
    map_projection="projected by PCA of their coordinates")


@dataclass(frozen=True)
class Solver:
    """One solver of a model.

    ``iterative``: it descends the objective step by step (a direct SVD does not);
    ``background``: it can carry Poisson NMF's fixed background; ``cluster``: it runs on a
    Dask cluster, as row-block map-reduce; ``strict_rank``: it needs k < min(n_docs, n_terms);
    ``defaults``: parameter defaults of its own.
    """

    name: str
    description: str
    iterative: bool = True
    background: bool = False
    cluster: bool = False
    strict_rank: bool = False
    defaults: dict = field(default_factory=dict)


@dataclass(frozen=True)
class GenericWords:
    """A model's settings under one ``generic_words`` choice: each a default the caller's own value overrides.

    ``params`` go to the fit; ``background_params`` too, where the solver can carry a
    background (the tolerance that lets topics converge under one comes with it).
    """

    weighting: str
    word_order: str
    params: dict = field(default_factory=dict)
    background_params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ModelSpec(SolverTable):
    """One topic model of :data:`MODELS`.

    Attributes
    ----------
    name, title, description : str
        The name the command line uses (``pnmf``), the name people read (``Poisson NMF``),
        and one line on what it is.
    topics : TopicKind
    loss : {"poisson", "squared"}
        "poisson": a rate for every cell, a distribution over the words once normalised;
        "squared": a reconstruction of the weighted matrix.
    solver_table : tuple of Solver
        Default first.
    params : ParamTable
        The estimator's and the fit function's parameters.
    weightings : tuple of str
        The weightings the model accepts; ``weightings_reason`` says why when not all.
    generic_words : dict
        {"discount" | "keep": GenericWords}.
    fit_path, transform_path, estimator_path : str
        ``module:name`` of the fit function, the fold-in and the estimator (imported when
        first asked for, so the command line does not load numba to read this table).
    fit_bytes : tuple of int
        Memory the default fit needs besides the common part, in bytes per stored count and
        per term (:func:`topicmf.model.fitting.fit_memory`).
    """

    name: str
    title: str
    description: str
    topics: TopicKind
    loss: str
    solver_table: tuple
    params: ParamTable
    weightings: tuple
    weightings_reason: str
    generic_words: dict
    fit_path: str
    transform_path: str
    estimator_path: str
    fit_bytes: tuple = (0, 0)

    @property
    def cluster_solvers(self) -> tuple:
        return tuple(s.name for s in self.solver_table if s.cluster)

    @property
    def heldout_metric(self) -> tuple[str, str]:
        """The key and title of held-out document completion for this loss."""
        return ("perplexity", "perplexity") if self.loss == "poisson" else ("relative_error", "relative error")

    @property
    def fit(self):
        """The fit function: ``fit(X, n_components, *, solver, ...) -> Factorization``."""
        return _resolve(self.fit_path)

    @property
    def transform(self):
        """The fold-in: ``transform(X, H, *, alpha_W, ...) -> W``."""
        return _resolve(self.transform_path)

    @property
    def estimator(self) -> type:
        """The scikit-learn estimator class (scikit-learn is imported only when it is asked for)."""
        return _resolve(self.estimator_path)

    def settings(self, generic_words: str, solver: str | None) -> tuple[str, str, dict]:
        """(weighting, word order, fit defaults) under a ``generic_words`` choice, for ``solver``."""
        choice = self.generic_words[generic_words]
        params = dict(choice.params)
        if self.solver(solver).background:
            params.update(choice.background_params)
        return choice.weighting, choice.word_order, params


def _resolve(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


# --- the parameters, declared once and shared where the models share them ---------------------
_K = Param("n_components", "int", 10, "Number of topics k.", low=1, cli=False)
_MAX_ITER = Param("max_iter", "int", 200, "Iteration limit of the solver.", low=1)
_TOL = Param("tol", "float", 1e-4, "Stop when the objective falls by less than this (relative) in one iteration.",
             low=0)
_ALPHA_W = Param("alpha_W", "float", 0.0, "L2 penalty on the document factor (½α‖W‖²).", low=0, option="--alpha")
_ALPHA_H = Param("alpha_H", "float", 0.0, "L2 penalty on the topic factor (½β‖H‖²).", low=0, option="--beta")
_L1_W = Param("l1_W", "float", 0.0, "L1 penalty on the document factor (λ ΣW).", low=0, cli=False)
_L1_H = Param("l1_H", "float", 0.0, "L1 penalty on the topic factor (λ ΣH).", low=0, cli=False)
_INIT = Param("init", "str", "nndsvda", "How the factors start (custom: the W and H given).", choices=INITS,
              cli=False)
_SEED = Param("random_state", "seed", None, "Seed of the start and of stochastic solvers.", cli=False)
_W0 = Param("W", "array", None, "The initial document factor, with init='custom'.", cli=False)
_H0 = Param("H", "array", None, "The initial topic factor, with init='custom'.", cli=False)

_POISSON_SOLVERS = (
    Solver("cd", "cyclic coordinate descent with safeguarded Newton steps (Hsieh & Dhillon 2011)", background=True,
           cluster=True),
    Solver("mu", "Lee & Seung's multiplicative updates for the KL divergence", background=True, cluster=True),
    Solver("sgd", "stratified stochastic gradient on the relative error, parallel and reproducible"),
)
_FROBENIUS_SOLVERS = (
    Solver("hals", "exact coordinate descent (HALS) with inner sweeps and extrapolation", cluster=True),
    Solver("mu", "Lee & Seung's multiplicative updates", cluster=True),
    Solver("als", "least squares projected onto W, H >= 0 (not monotone)"),
    Solver("sgd", "stratified stochastic gradient, projected onto W, H >= 0"),
)
_LSA_SOLVERS = (
    Solver("randomized", "randomized range finder with power iterations (Halko, Martinsson & Tropp)", iterative=False,
           cluster=True),
    Solver("arpack", "implicitly restarted Lanczos (ARPACK)", iterative=False, strict_rank=True),
    Solver("dense", "LAPACK on the dense matrix (small inputs)", iterative=False),
    Solver("als", "alternating least squares of the regularized reconstruction"),
    Solver("gd", "full gradient steps of the regularized reconstruction", defaults={"learning_rate": 1.0}),
    Solver("sgd", "stratified stochastic gradient of the regularized reconstruction", defaults={"learning_rate": 0.5}),
)

_NMF_PARAMS = (_K, _INIT, _MAX_ITER, _TOL, _ALPHA_W, _ALPHA_H, _L1_W, _L1_H)
_SEANMF_SOLVERS = (
    Solver("hals", "exact coordinate descent on the documents', words' and contexts' factors in turn, then EM of "
           "the one-topic mixture"),
)

MODELS = {
    "pnmf": ModelSpec(
        name="pnmf", title="Poisson NMF", description="Poisson NMF (KL divergence): the model for counts",
        topics=DISTRIBUTIONS, loss="poisson", solver_table=_POISSON_SOLVERS,
        params=ParamTable("PoissonNMF", (
            _K, Param("solver", "str", "cd", "Solver of the model.", choices=tuple(s.name for s in _POISSON_SOLVERS)),
            *_NMF_PARAMS[1:3], _TOL.but(default=1e-4), *_NMF_PARAMS[4:],
            Param("learning_rate", "float", 1.0, "SGD's step: 1 makes an epoch a multiplicative update in "
                  "expectation; it decays as 1/(1 + 0.01 t).", low=0, closed="right", solvers=("sgd",), cli=False),
            Param("n_inner", "int", 1, "Newton passes over each row per half-iteration.", low=1, solvers=("cd",),
                  cli=False),
            Param("background", "float", 0.0, "The share of every document's expected words given to a fixed "
                  "background of the corpus's word frequencies.", low=0, high=1, closed="left",
                  solvers=("cd", "mu"), cli=False),
            _SEED, _W0, _H0)),
        weightings=("counts", "sqrt"), weightings_reason="Poisson NMF models counts",
        generic_words={
            "discount": GenericWords("sqrt", "relevance", background_params={"background": 0.7, "tol": 5e-5}),
            "keep": GenericWords("counts", "weight"),
        },
        fit_path="topicmf.factorize.topics.poisson:fit_poisson",
        transform_path="topicmf.factorize.topics.poisson:poisson_transform",
        estimator_path="topicmf.factorize.topics.estimators:PoissonNMF", fit_bytes=(12, 8)),
    "nmf": ModelSpec(
        name="nmf", title="Frobenius NMF", description="Frobenius NMF (least squares, W, H >= 0)",
        topics=DISTRIBUTIONS, loss="squared", solver_table=_FROBENIUS_SOLVERS,
        params=ParamTable("FrobeniusNMF", (
            _K, Param("solver", "str", "hals", "Solver of the model.",
                      choices=tuple(s.name for s in _FROBENIUS_SOLVERS)),
            *_NMF_PARAMS[1:3], _TOL.but(default=5e-8), *_NMF_PARAMS[4:],
            Param("learning_rate", "float", 0.5, "SGD's step as a fraction of 1/L (constant).", low=0,
                  closed="right", solvers=("sgd",), cli=False),
            Param("extrapolate", "bool", True, "Start each HALS iteration from an extrapolated H (Ang & Gillis "
                  "2019), undoing any iteration that would raise the objective.", solvers=("hals",), cli=False),
            _SEED, _W0, _H0)),
        weightings=WEIGHTINGS, weightings_reason="",
        generic_words={
            "discount": GenericWords("counts", "relevance"),
            "keep": GenericWords("counts", "weight"),
        },
        fit_path="topicmf.factorize.topics.frobenius:fit_frobenius",
        transform_path="topicmf.factorize.topics.frobenius:frobenius_transform",
        estimator_path="topicmf.factorize.topics.estimators:FrobeniusNMF"),
    "lsa": ModelSpec(
        name="lsa", title="LSA", description="LSA (truncated SVD)",
        topics=DIRECTIONS, loss="squared", solver_table=_LSA_SOLVERS,
        params=ParamTable("LSA", (
            _K, Param("solver", "str", "randomized", "Solver of the model.",
                      choices=tuple(s.name for s in _LSA_SOLVERS)),
            Param("sigma", "str", "left", "How Σ is split: to the documents (left), to the words (right) or √Σ to "
                  "both (sqrt).", choices=SIGMA_SPLITS),
            Param("n_power_iter", "int", 5, "Power iterations of the randomized range finder.", low=0,
                  solvers=("randomized",), cli=False),
            Param("n_oversamples", "int", 10, "Extra columns of the randomized range finder.", low=0,
                  solvers=("randomized",), cli=False),
            _MAX_ITER.but(solvers=("als", "gd", "sgd")), _TOL.but(default=1e-6, solvers=("als", "gd", "sgd")),
            _ALPHA_W.but(solvers=("als", "gd", "sgd")), _ALPHA_H.but(solvers=("als", "gd", "sgd")),
            Param("learning_rate", "float", None, "The step as a fraction of 1/L (None: 1 for gd, 0.5 for sgd).",
                  low=0, closed="right", none=True, solvers=("gd", "sgd"), cli=False),
            _SEED)),
        weightings=WEIGHTINGS, weightings_reason="",
        generic_words={
            "discount": GenericWords("tfidf", "weight"),
            "keep": GenericWords("tfidf", "weight"),
        },
        fit_path="topicmf.factorize.topics.lsa:fit_lsa",
        transform_path="topicmf.factorize.topics.lsa:lsa_transform",
        estimator_path="topicmf.factorize.topics.estimators:LSA", fit_bytes=(4, 0)),
    "seanmf": ModelSpec(
        name="seanmf", title="SeaNMF (short texts)",
        description="NMF of the documents jointly with a word–context PMI matrix (Shi et al. 2018), then one topic "
                    "per document: the model for short texts",
        topics=DISTRIBUTIONS, loss="squared", solver_table=_SEANMF_SOLVERS,
        params=ParamTable("SeaNMF", (
            _K, Param("solver", "str", "hals", "Solver of the model.", choices=tuple(s.name for s in _SEANMF_SOLVERS)),
            _INIT.but(default="random", choices=("random", "custom")), _MAX_ITER.but(default=150),
            _TOL.but(default=1e-5),
            Param("context_weight", "float", 3.0, "α: the weight of the word–context matrix beside the documents.",
                  low=0, cli=False),
            Param("context_shift", "float", 1.0, "κ: PMI shifted down by log κ before its negative part is cut.",
                  low=1, cli=False),
            Param("smoothing", "float", 0.5, "The mixture's smoothing of each topic's word distribution by the words' "
                  "contexts (0: none).", low=0, high=1, cli=False),
            Param("expansion", "float", 0.5, "The mixture's expansion of each topic's word counts by the words' "
                  "contexts (0: none).", low=0, cli=False),
            Param("mixture_iter", "int", 50, "EM rounds of the one-topic-per-document mixture at most (0: keep "
                  "SeaNMF's shares).", low=0, cli=False),
            _SEED, _W0, _H0)),
        weightings=WEIGHTINGS, weightings_reason="",
        generic_words={
            "discount": GenericWords("tfidf", "weight"),
            "keep": GenericWords("tfidf", "weight"),
        },
        fit_path="topicmf.factorize.topics.seanmf:fit_seanmf",
        transform_path="topicmf.factorize.topics.seanmf:seanmf_transform",
        # per stored count: its copies (Xᵀ, the pattern and its transpose) and the word pairs it makes in a short
        # document (about 7 at 8 words), each stored twice (S, its scaled copy) at 12 bytes
        estimator_path="topicmf.factorize.topics.estimators:SeaNMF", fit_bytes=(240, 0)),
}


POISSON_NMF, FROBENIUS_NMF, LSA, SEANMF = MODELS["pnmf"], MODELS["nmf"], MODELS["lsa"], MODELS["seanmf"]

#: The parameters of a topic fit beside the model's own (:attr:`topicmf.spec.ModelSpec.params`).
FIT_PARAMS = {
    "generic_words": Param("generic_words", "str", "discount", "discount: keep words used everywhere out of the "
                           "topics (Poisson NMF: square-root counts and a background of corpus frequencies; NMF topics: "
                           "words ranked by relevance). keep: the plain model, as topicmf fitted it before.",
                           choices=GENERIC_WORDS),
    "weighting": Param("weighting", "str", None, "Weighting of the counts (default: sqrt for Poisson NMF, counts for "
                       "NMF, tfidf for LSA; counts for every NMF with --generic-words keep).", choices=WEIGHTINGS,
                       none=True),
    "word_order": Param("word_order", "str", None, "How NMF topics rank their words (default: relevance, or weight "
                        "with --generic-words keep).", choices=WORD_ORDERS, none=True, cli=False),
    "seed": Param("seed", "int", 0, "Random seed: the same seed, the same run.", low=None),
}



def model_spec(name: str) -> ModelSpec:
    """The entry of ``name``; ValueError naming the models otherwise."""
    try:
        return MODELS[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown model {name!r}; choose one of {', '.join(MODELS)}") from None
