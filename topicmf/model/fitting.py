"""Fitting a topic model to a document-term matrix: the model's settings, the memory check, the fit."""

from __future__ import annotations

import numpy as np

from ..errors import TopicmfError
from ..factorize import factorize
from ..resources import check_fits
from ..spec import FIT_PARAMS, MODELS, checked, model_spec
from ..text import DocumentTermMatrix, Tokenizer
from .topicmodel import TopicModel

__all__ = ["fit_topic_model", "fit_memory"]

def fit_memory(n_docs: int, n_terms: int, nnz: int, n_topics: int, model: str) -> int:
    """Bytes a fit adds to a process that holds the count matrix (an estimate, for refusing early).

    Float values of X, the factors and the randomized SVD of the
    initialisation (three dense n_docs × (k + 10) arrays at once), plus what
    the model's own fit keeps (:attr:`topicmf.factorize.ModelSpec.fit_bytes`).
    """
    per_count, per_term = MODELS[model].fit_bytes
    return (8 + per_count) * nnz + 24 * n_docs * (n_topics + 10) + 16 * n_terms * (n_topics + 10) + per_term * n_terms


def fit_topic_model(dtm: DocumentTermMatrix, n_topics: int, *, model: str = "pnmf", solver: str | None = None,
                    weighting: str | None = None, seed: int = 0, tokenizer: Tokenizer | None = None,
                    callback=None, generic_words: str = "discount", word_order: str | None = None,
                    **params) -> TopicModel:
    """Fit a topic model to a document-term matrix.

    Parameters
    ----------
    dtm : DocumentTermMatrix
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
        parameter table, once.
    """
    try:
        spec = model_spec(model)
        for name, value in (("generic_words", generic_words), ("weighting", weighting), ("word_order", word_order),
                            ("seed", seed)):
            FIT_PARAMS[name].check(value, "fit_topic_model")
        weighting_default, order_default, defaults = spec.settings(generic_words, solver)
        params = spec.params.check({**defaults, **params, "n_components": n_topics, "solver": solver or spec.default_solver})
    except ValueError as exc:
        raise TopicmfError(str(exc)) from None
    weighting = weighting or weighting_default
    word_order = word_order or order_default
    if weighting not in spec.weightings:
        raise TopicmfError(f"{spec.weightings_reason}; use --weighting {' or '.join(spec.weightings)} (or another model)")
    n_topics, solver = params.pop("n_components"), params.pop("solver")
    shape = (dtm.n_docs, dtm.n_terms)
    nnz = dtm.nnz
    limit = min(shape)
    if n_topics > limit:
        raise TopicmfError(f"The number of topics must be between 1 and {limit} (documents × terms is {shape[0]} × "
                           f"{shape[1]}); got {n_topics}")
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
    return TopicModel(result, tuple(dtm.vocabulary), tuple(dtm.terms), tuple(dtm.doc_ids), dtm.labels, tokenizer,
                      weighting, g, int(seed), term_counts=np.asarray(dtm.term_counts, dtype=np.float64),
                      word_order=word_order)
