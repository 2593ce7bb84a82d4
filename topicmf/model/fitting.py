"""Fitting a topic model to a document-term matrix: the defaults per model, the memory check, the fit."""

from __future__ import annotations

import numpy as np

from ..errors import TopicmfError
from ..factorize import MODELS, factorize
from ..resources import check_fits
from ..text import DocumentTermMatrix, Tokenizer
from .topicmodel import WORD_ORDERS, TopicModel
from .weighting import WEIGHTINGS, global_weights, weigh

__all__ = ["ACCEPTED_WEIGHTINGS", "GENERIC_WORDS", "fit_topic_model", "fit_memory"]

#: What keeps words used everywhere out of the topics (README, "Generic words"), per model:
#: "discount" (the default) and "keep", topicmf's behaviour before it, which it reproduces exactly.
#: Poisson NMF discounts with square-root counts, a fixed background of corpus word frequencies that
#: carries 70% of every document's (square-rooted) words, a tolerance that lets the topics converge under
#: it, and words ranked by relevance; the other NMF ranks by relevance; LSA (tf-idf, signed) keeps its poles.
#: Every setting of a model's entry is a default that the caller's own value overrides.
GENERIC_WORDS = {
    "discount": {"pnmf": {"weighting": "sqrt", "background": 0.7, "tol": 5e-5, "word_order": "relevance"},
                 "nmf": {"weighting": "counts", "word_order": "relevance"},
                 "lsa": {"weighting": "tfidf", "word_order": "weight"}},
    "keep": {"pnmf": {"weighting": "counts", "word_order": "weight"},
             "nmf": {"weighting": "counts", "word_order": "weight"},
             "lsa": {"weighting": "tfidf", "word_order": "weight"}},
}

#: The weightings a model is meant for, and why, where it is not all of them.
ACCEPTED_WEIGHTINGS = {"pnmf": (("counts", "sqrt"), "Poisson NMF models counts")}


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
        None: as :data:`GENERIC_WORDS` has it for the model (counts or
        square roots for NMF, tf-idf for LSA).  A model takes the weightings
        :data:`ACCEPTED_WEIGHTINGS` allows it (Poisson NMF: counts or sqrt).
    seed : int
    tokenizer : Tokenizer or None
        How the corpus was tokenized (for new text); None for a count matrix.
    callback : callable(iteration, max_iter) or None
    generic_words : {"discount", "keep"}
        The defaults of :data:`GENERIC_WORDS` for the model; anything given
        explicitly (weighting, word_order, background, tol) wins.  "keep"
        reproduces topicmf's results from before it.  A fit with the ``sgd``
        solver has no background (recorded as 0).
    word_order : {"relevance", "weight"} or None
    **params
        Passed to :func:`topicmf.factorize.factorize`.
    """
    if model not in MODELS:
        raise TopicmfError(f"Unknown model {model!r}; choose one of {', '.join(MODELS)}")
    if generic_words not in GENERIC_WORDS:
        raise TopicmfError(f"generic_words must be one of {', '.join(GENERIC_WORDS)}; got {generic_words!r}")
    defaults = dict(GENERIC_WORDS[generic_words][model])
    if solver == "sgd":  # sgd fits topics alone: no background (recorded as 0), nor the tolerance set for one
        defaults.pop("background", None)
        defaults.pop("tol", None)
    weighting = weighting or defaults.pop("weighting")
    word_order = word_order or defaults.pop("word_order")
    params = {**{key: v for key, v in defaults.items() if key not in ("weighting", "word_order")}, **params}
    distributed = hasattr(dtm, "fit_factorization")  # a matrix held in blocks on a cluster fits where it is
    if weighting not in WEIGHTINGS:
        raise TopicmfError(f"Unknown weighting {weighting!r}; choose one of {', '.join(WEIGHTINGS)}")
    if word_order not in WORD_ORDERS:
        raise TopicmfError(f"Unknown word order {word_order!r}; choose one of {', '.join(WORD_ORDERS)}")
    accepted, why = ACCEPTED_WEIGHTINGS.get(model, (WEIGHTINGS, ""))
    if weighting not in accepted:
        raise TopicmfError(f"{why}; use --weighting {' or '.join(accepted)} (or another model)")
    shape = (dtm.n_docs, dtm.n_terms)
    nnz = dtm.nnz if dtm.X is None else dtm.X.nnz
    limit = min(shape)
    if isinstance(n_topics, bool) or not isinstance(n_topics, (int, np.integer)) or not 1 <= n_topics <= limit:
        raise TopicmfError(
            f"The number of topics must be between 1 and {limit} (documents × terms is {shape[0]} × "
            f"{shape[1]}); got {n_topics}"
        )
    if nnz == 0:
        raise TopicmfError("The matrix has no nonzero entries: nothing to factorize")
    check_fits(fit_memory(*shape, nnz, n_topics, model) if dtm.X is not None else 24 * shape[0] * n_topics,
               f"Fitting {n_topics} topics to {dtm.n_docs:,} documents × {dtm.n_terms:,} terms",
               "Use fewer topics, keep fewer terms (--min-df, --max-terms), or fit on a cluster (--dask).")
    g = dtm.global_weights(weighting) if distributed else global_weights(dtm.X, weighting)
    try:
        if distributed:
            result = dtm.fit_factorization(int(n_topics), model=model, solver=solver, weighting=weighting,
                                           global_weights=g, callback=callback, random_state=seed, **params)
        else:
            X = weigh(dtm.X, weighting, g) if weighting != "counts" else dtm.X
            result = factorize(X, int(n_topics), model=model, solver=solver, random_state=seed, callback=callback,
                               **params)
    except ValueError as exc:
        raise TopicmfError(str(exc)) from None
    return TopicModel(result, tuple(dtm.vocabulary), tuple(dtm.terms), tuple(dtm.doc_ids), dtm.labels, tokenizer,
                      weighting, g, int(seed), term_counts=np.asarray(dtm.term_counts, dtype=np.float64),
                      word_order=word_order)
