"""Fitting a topic model to a document-term matrix: the model's settings, the memory check, the fit."""

from __future__ import annotations

import numpy as np

from ..errors import TopicmfError
from ..factorize import factorize
from ..factorize.engine.common import check_rank
from ..resources import check_fits
from ..spec import FIT_PARAMS, MODELS, checked, model_spec, validation_done
from ..text import TermMatrix, Tokenizer
from .elsewhere import Elsewhere
from .topicmodel import TopicModel

__all__ = ["fit_topic_model", "fit_memory", "check_fit"]


def check_fit(model: str, solver: str | None = None, *, weighting: str | None = None, seed: int = 0,
              params: dict | None = None) -> dict:
    """Check a topic fit's choices where a call enters: the model, its solver and parameters (its table) and the
    fit's own (weighting, seed, and ``generic_words`` and ``word_order`` among ``params``).

    Returns ``params`` normalised; raises TopicmfError with the message of the table that refuses a value.
    """
    params = dict(params or {})
    own = {name: params.pop(name) for name in ("generic_words", "word_order") if name in params}
    try:
        spec = model_spec(model)
        spec.solver(solver)  # "Unknown solver … for lsa; choose one of …" before the table's generic message
        for name, value in dict(own, weighting=weighting, seed=seed).items():
            FIT_PARAMS[name].check(value, "fit_topic_model")
        checked_params = spec.params.check(dict(params, solver=solver or spec.default_solver))
    except ValueError as exc:
        raise TopicmfError(str(exc)) from None
    if weighting is not None and weighting not in spec.weightings:
        raise TopicmfError(f"{spec.weightings_reason}; use --weighting {' or '.join(spec.weightings)} (or another model)")
    checked_params.pop("solver")
    return {**checked_params, **own}


def fit_memory(n_docs: int, n_terms: int, nnz: int, n_topics: int, model: str) -> int:
    """Bytes a fit adds to a process that holds the count matrix (an estimate, for refusing early).

    Float values of X, the factors and the randomized SVD of the
    initialisation (three dense n_docs × (k + 10) arrays at once), plus what
    the model's own fit keeps (:attr:`topicmf.factorize.ModelSpec.fit_bytes`).
    """
    per_count, per_term = MODELS[model].fit_bytes
    return (8 + per_count) * nnz + 24 * n_docs * (n_topics + 10) + 16 * n_terms * (n_topics + 10) + per_term * n_terms


def fit_topic_model(dtm: TermMatrix, n_topics: int, *, model: str = "pnmf", solver: str | None = None,
                    weighting: str | None = None, seed: int = 0, tokenizer: Tokenizer | None = None,
                    callback=None, generic_words: str = "discount", word_order: str | None = None,
                    **params) -> TopicModel:
    """Fit a topic model to a document-term matrix.

    Parameters
    ----------
    dtm : TermMatrix
        The counts here (:class:`~topicmf.text.DocumentTermMatrix`) or in blocks on a cluster.
    n_topics : int
    model : {"pnmf", "nmf", "lsa"}
    solver : str or None
        The model's default when None.
    weighting : {"counts", "sqrt", "tfidf", "log-entropy"} or None
        None: as the model's ``generic_words`` settings have it (:attr:`topicmf.spec.ModelSpec.generic_words`:
        counts or square roots for NMF, tf-idf for LSA).  A model takes the weightings
        :attr:`~topicmf.spec.ModelSpec.weightings` allows it (Poisson NMF: counts or sqrt).
    seed : int
    tokenizer : Tokenizer or None
        How the corpus was tokenized (for new text); None for a count matrix.
    callback : callable(iteration, max_iter) or None
    generic_words : {"discount", "keep"}
        The model's settings for that choice; anything given explicitly (weighting, word_order,
        background, tol) wins.  "keep" reproduces topicmf's results from before it.  A solver
        that cannot carry a background (``sgd``) fits without one (recorded as 0).
    word_order : {"relevance", "weight"} or None
    **params
        Passed to :func:`topicmf.factorize.factorize`; checked here against the model's
        parameter table (:func:`check_fit`), unless a caller has checked them already.
    """
    if not validation_done():  # a run, a sweep or a merge has checked everything already
        params = check_fit(model, solver, weighting=weighting, seed=seed,
                           params=dict(params, n_components=n_topics, generic_words=generic_words,
                                       word_order=word_order))
        n_topics = params.pop("n_components")
        del params["generic_words"], params["word_order"]
    spec = model_spec(model)
    solver = solver or spec.default_solver
    weighting_default, order_default, defaults = spec.settings(generic_words, solver)
    params = {**defaults, **params}
    weighting = weighting or weighting_default
    word_order = word_order or order_default
    shape = (dtm.n_docs, dtm.n_terms)
    nnz = dtm.nnz
    try:
        check_rank(n_topics, shape)
    except ValueError:
        raise TopicmfError(f"The number of topics must be between 1 and {min(shape)} (documents × terms is "
                           f"{shape[0]} × {shape[1]}); got {n_topics}") from None
    if nnz == 0:
        raise TopicmfError("The matrix has no nonzero entries: nothing to factorize")
    # the matrix and the fit on this machine; only W comes here from a cluster
    check_fits(fit_memory(*shape, nnz, n_topics, model) if dtm.local else 24 * shape[0] * n_topics,
               f"Fitting {n_topics} topics to {dtm.n_docs:,} documents × {dtm.n_terms:,} terms",
               "Use fewer topics, keep fewer terms (--min-df, --max-terms), or fit on a cluster (--dask).")
    if not dtm.local and not spec.solver(solver).cluster:
        raise TopicmfError(f"On a cluster, {model} is fitted with {' or '.join(spec.cluster_solvers)}; got solver "
                           f"{solver!r}")
    g = dtm.global_weights(weighting)
    try:
        with checked():
            result = factorize(dtm.fit_input(weighting, g), n_topics, model=model, solver=solver, random_state=seed,
                               callback=callback, **params)
    except ValueError as exc:
        raise TopicmfError(str(exc)) from None
    if dtm.local:
        doc_ids, labels = tuple(dtm.doc_ids), dtm.labels
    else:  # with W, where the blocks are (topicmf.distributed.DistributedMatrix.gather brings them here)
        doc_ids = Elsewhere(dtm.n_docs, "ids")
        labels = None if dtm.label_names is None else Elsewhere(dtm.n_docs, "labels")
    return TopicModel(result, tuple(dtm.vocabulary), tuple(dtm.terms), doc_ids, labels, tokenizer,
                      weighting, g, int(seed), term_counts=np.asarray(dtm.term_counts, dtype=np.float64),
                      word_order=word_order)
