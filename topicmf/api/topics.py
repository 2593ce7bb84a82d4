"""``topicmf.Topics``: the whole text job as a scikit-learn estimator — texts in, tables and the report out.

``fit`` reads the texts (a list, a generator, an array, a pandas Series or DataFrame, or a path)
through the same single pass as ``topicmf run`` (:func:`topicmf.workflow.topic_run.read`), fits and
evaluates with the same job (:func:`~topicmf.workflow.topic_run.fit_job`) and finds the same
neighbours; it writes nothing.  ``save`` writes exactly the run folder ``topicmf run`` writes, and
:func:`load` reads any run folder back.  Tables come from :mod:`.frames`, the notebook display from
:mod:`.notebook`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from ..corpus.memory import frame_columns, is_path, memory_corpus
from ..errors import TopicmfError
from ..model.store import load_model
from ..runfolder.manifest import RATINGS_FORMAT, read_manifest
from ..resources import limit, parse_size
from ..spec import checked
from ..text import TextOptions
from ..workflow.topic_run import cluster_matrix, fit_job, prepare, read
from ..workflow.topic_write import find_neighbours, write_job
from . import frames, notebook
from .runs import FittedRun
from .params import call_text, TOPICS_DEFAULTS, Estimator, model_settings, stage_factory

__all__ = ["Topics", "load"]


class Topics(notebook.TopicDisplay, frames.TopicTables, FittedRun, Estimator):
    """Topics of a collection of texts (LSA, Poisson NMF, Frobenius NMF, SeaNMF), as ``topicmf run`` fits them.

    Every parameter is the ``topicmf run`` option of the same name, with the same default
    (``n_topics`` is ``-k``; see ``topicmf run --help`` and docs/reference/parameters.md): the model and its
    solver (``model``: None fits Poisson NMF, or SeaNMF for short texts as ``short_texts`` says; ``solver``,
    ``weighting``, ``generic_words``, ``seed``, ``max_iter``, ``tol``,
    ``alpha_W``, ``alpha_H``, ``sigma``), the run (``k_range``, ``similarity``, ``heldout``,
    ``seed_topics``, ``seed_strength``, ``reduce_to``, ``time_bins``, ``memory_limit``, ``dask``: a
    scheduler address or "local:N", for a corpus given by its path), and how
    text is read (``language``, ``stem``, ``ngrams``, ``stopwords``, ``extra_stopwords``,
    ``corpus_stopwords``, ``min_df``, ``max_df``, ``max_terms``, ``min_length``, ``keep_numbers``,
    ``keep_urls``, ``clean``, ``text_column``, ``id_column``, ``label_column``, ``time_column``,
    ``follow_symlinks``, ``max_document_size``, ``jobs``); ``quiet`` turns the progress on stderr off.

    Attributes
    ----------
    model_ : topicmf.model.TopicModel
        The fitted model: ``model_.W`` (documents × topics), ``model_.H`` (topics × terms), ids, words.
    manifest_ : dict
        What ``manifest.json`` holds: the corpus, the options, the metrics, the timings.
    components_ : ndarray of shape (n_topics, n_terms)
        H, as scikit-learn's decompositions call it.
    vocabulary_ : tuple of str
    n_topics_ : int
        The number of topics fitted (``n_topics="auto"`` chooses it).

    They exist once ``fit`` has run, or on an estimator :func:`load` returns.
    """

    _defaults = TOPICS_DEFAULTS
    _transformer = True
    _fit_call = "fit(texts)"

    def fit(self, docs, y=None, *, ids=None, labels=None, times=None) -> "Topics":
        """Fit the topics of ``docs``: an iterable of strings, a DataFrame, or a path ``topicmf run`` reads.

        ``y`` (as a scikit-learn Pipeline passes it) is taken as the labels; ``ids``, ``labels`` and
        ``times`` give one value per document (the ids must be unique; times are dates, ISO text,
        years or numbers).  A generator is read once.
        """
        labels = y if labels is None else labels
        options = self._text_options()
        if is_path(docs):
            if any(v is not None for v in (ids, labels, times)):
                raise TopicmfError("ids, labels and times come from the corpus when fit is given a path; give them "
                                   "with texts in memory")
            corpus = docs
        else:
            corpus = memory_corpus(docs, ids=ids, labels=labels, times=times, text_column=self.text_column,
                                   id_column=self.id_column, label_column=self.label_column,
                                   time_column=self.time_column)
            if corpus.has_times:
                options = replace(options, time_column=self.time_column or "time")
        fit_params, seed_topics = model_settings(self)
        try:
            job = prepare(corpus, model=self.model, k=self.n_topics, k_range=self.k_range, solver=self.solver,
                          weighting=self.weighting, seed=self.seed, options=options, fit_params=fit_params,
                          command=call_text(self), stage=stage_factory(self.quiet),
                          similarity=self.similarity, time_bins=self.time_bins, reduce_to=self.reduce_to,
                          heldout=self.heldout, seed_topics=seed_topics, seed_strength=self.seed_strength,
                          neighbour_effort=self.neighbour_effort, tables=self.tables,
                          short_texts=self.short_texts)
        except TopicmfError as exc:  # the run's k is this estimator's n_topics
            raise TopicmfError(str(exc).replace("'k' parameter of topicmf run", "'n_topics' parameter of Topics")
                               ) from None
        with limit(self.memory_limit):
            with (read(job) if self.dask is None else cluster_matrix(job, self.dask)) as dtm, checked():
                outcome = fit_job(job, dtm)
                find_neighbours(job, outcome)
        self._fitted(outcome.model, outcome.manifest, job=job, outcome=outcome)
        return self

    def _fitted(self, model, manifest, **where) -> None:
        super()._fitted(model, manifest, **where)
        self.components_ = model.H
        self.vocabulary_ = tuple(model.vocabulary)
        self.n_topics_ = model.n_topics

    def _text_options(self) -> TextOptions:
        extra = self.extra_stopwords
        extra = tuple(w.strip() for w in (extra.split(",") if isinstance(extra, str) else extra or ()) if w.strip())
        return TextOptions(
            text_column=self.text_column, id_column=self.id_column, label_column=self.label_column,
            language=self.language, stem=self.stem, ngrams=self.ngrams,
            stopwords="none" if isinstance(self.stopwords, str) and self.stopwords.lower() == "none" else self.stopwords,
            extra_stopwords=extra, min_df=self.min_df, max_df=self.max_df, max_terms=self.max_terms,
            min_length=self.min_length, keep_numbers=self.keep_numbers, strip_urls=not self.keep_urls,
            n_jobs=self.jobs or None, clean=self.clean, corpus_stopwords=self.corpus_stopwords,
            time_column=self.time_column, follow_symlinks=self.follow_symlinks,
            max_document_size=_size(self.max_document_size))

    # --- profiles ------------------------------------------------------------
    def fit_transform(self, docs, y=None, **fit_params) -> np.ndarray:
        """Fit, and return the documents' topic profiles (NMF: shares of their words; LSA: coordinates)."""
        return self.fit(docs, y, **fit_params).model_.doc_topics().astype(np.float64)

    def transform(self, docs) -> np.ndarray:
        """Topic profiles of new texts (an iterable of strings), tokenized as the training texts were."""
        self._check_fitted()
        texts = _texts(docs, self.text_column)
        return self.model_.doc_topics(self.model_.transform_texts(texts))

    # --- the run folder (save: FittedRun) -------------------------------------
    def _fitted_on(self):
        return self._job.corpus

    def _write_folder(self, out, force: bool) -> dict:
        return write_job(self._job, self._outcome, out=out, force=force)


def _size(value) -> int:
    """A size given as the command line takes it ("64M") or as bytes."""
    if isinstance(value, str):
        try:
            return parse_size(value)
        except ValueError as exc:
            raise TopicmfError(f"max_document_size: {exc}") from None
    return value


def _texts(docs, text_column: str) -> list[str]:
    """New texts as a list of strings (a DataFrame's text column; one string is one text)."""
    if isinstance(docs, str):
        return [docs]
    if hasattr(docs, "columns"):
        docs = frame_columns(docs, text_column, "none", "none", None)[0]
    texts = list(docs)
    for number, text in enumerate(texts):
        if not isinstance(text, str):
            raise TopicmfError(f"Document {number} is a {type(text).__name__}, not text")
    return texts


def load(directory):
    """The fitted estimator of a run folder, without pickle: :class:`Topics` for ``topicmf run``'s (or
    :meth:`Topics.save`'s), :class:`~topicmf.api.recommender.Recommender` for ``topicmf recommend``'s."""
    try:
        return _load_topics(directory)
    except TopicmfError as exc:
        try:
            read_manifest(directory, RATINGS_FORMAT)
        except TopicmfError:
            raise exc from None
        from .recommender import load_recommender

        return load_recommender(directory)


def _load_topics(directory) -> Topics:
    model = load_model(directory)
    manifest = model.manifest
    estimator = Topics(**_recorded_params(manifest))
    estimator._fitted(model, manifest, directory=Path(directory).resolve())
    return estimator


def _recorded_params(manifest: dict) -> dict:
    """The constructor's parameters that a run folder records (the others keep their defaults)."""
    m = manifest.get("model", {})
    recorded = manifest.get("text_options") or {}
    params = {name: recorded[name] for name in TOPICS_DEFAULTS if name in recorded}
    if "strip_urls" in recorded:
        params["keep_urls"] = not recorded["strip_urls"]
    params["extra_stopwords"] = tuple(recorded.get("extra_stopwords") or ())
    params["jobs"] = recorded.get("n_jobs") or 0
    for name in ("solver", "weighting", "seed"):
        if m.get(name) is not None:
            params[name] = m[name]
    params["model"] = m.get("name", "pnmf")
    params["short_texts"] = (manifest.get("short_texts") or {}).get("setting", "off")
    params["n_topics"] = m.get("k_requested", m.get("n_topics", 10))
    settings = m.get("params") or {}
    for name in ("max_iter", "tol", "alpha_W", "alpha_H", "sigma"):
        if name in settings:
            params[name] = settings[name]
    return params
