"""A fitted topic model: a factorization with the names, the weighting and the tokenizer around it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from ..errors import TopicmfError
from ..factorize import Factorization
from ..spec import ModelSpec, WORD_ORDERS, model_spec
from ..text import Tokenizer, idf_weights
from ..text.stream import DocumentSample
from ..neighbours.graph import NeighbourGraph, nearest, neighbour_graph, unit_profiles
from ..neighbours.scores import TOPIC_WEIGHT, word_vectors
from ..text.weighting import weigh

__all__ = ["WORD_ORDERS", "RELEVANCE_LAMBDA", "TopicModel"]

#: Relevance (Sievert & Shirley 2014: λ log p(w|t) + (1 − λ) log of p(w|t) over the word's corpus frequency)
#: takes λ = 0.6; the other word order (:data:`topicmf.spec.WORD_ORDERS`) is the weight p(w|t) alone.
RELEVANCE_LAMBDA = 0.6


@dataclass(eq=False)
class TopicModel:
    """Topics of a corpus: X ≈ W H with everything needed to read and extend it.

    Topics are numbered 0 … k−1, the rows of H, everywhere.

    Attributes
    ----------
    factorization : Factorization
        W (n_docs × k), H (k × n_terms) and how they were obtained.
    vocabulary, terms : tuple of str
        The columns as people read them and as new text is matched (stems).
    doc_ids : tuple of str
    labels : tuple of str or None
    tokenizer : Tokenizer or None
        Turns new text into terms (None for a model of a count matrix:
        words are then matched as they are).
    weighting : {"counts", "sqrt", "tfidf", "log-entropy"}
    global_weights : ndarray of shape (n_terms,) or None
        The weighting's per-term factors, fitted on the training matrix.
    seed : int
    manifest : dict
        For a loaded run: its manifest.json (corpus, options, metrics, timings).
    term_counts : ndarray of shape (n_terms,) or None
        Each term's count in the training corpus (for p(w) in the report).
    sample : DocumentSample or None
        The documents the report shows, with the start of their cleaned text.
    graph : NeighbourGraph or None
        Every training document's nearest documents (see :meth:`neighbour_graph`).
    words : scipy.sparse.csr_matrix or None
        The training documents' word vectors and ``idf`` the weights they
        were made with (:mod:`topicmf.neighbours.scores`); with them, document
        similarity uses words and topics, without them topic profiles only.
    idf : ndarray of shape (n_terms,) or None
    word_order : {"relevance", "weight"}
        How NMF topics rank their words (:data:`WORD_ORDERS`); LSA ranks by weight.
    topic_names : tuple or None
        The names of seeded topics (:mod:`topicmf.model.seeds`), None for the others.
    """

    factorization: Factorization
    vocabulary: tuple
    terms: tuple
    doc_ids: tuple
    labels: tuple | None
    tokenizer: Tokenizer | None
    weighting: str = "counts"
    global_weights: np.ndarray | None = None
    seed: int = 0
    manifest: dict = field(default_factory=dict, repr=False)
    term_counts: np.ndarray | None = field(default=None, repr=False)
    sample: DocumentSample | None = field(default=None, repr=False)
    graph: NeighbourGraph | None = field(default=None, repr=False)
    words: sp.csr_matrix | None = field(default=None, repr=False)
    idf: np.ndarray | None = field(default=None, repr=False)
    word_source: object = field(default=None, repr=False)
    word_order: str = "weight"
    topic_names: tuple | None = None  # names of seeded topics (None for an unnamed topic), first topics first
    sums: dict | None = field(default=None, repr=False)  # documents' sums made where W is (document_sums)
    _index: dict = field(default=None, init=False, repr=False)
    _doc_index: dict = field(default=None, init=False, repr=False)
    _unit: np.ndarray = field(default=None, init=False, repr=False)

    def with_float32_documents(self) -> "TopicModel":
        """This model with W rounded to float32, as a run stores it (half the bytes of a million documents' profiles).

        Profiles, shares and neighbours change in the 7th digit at most (the
        CSV files write 7 digits); H, which new text is folded into, stays
        exact.  A run works from this model from the moment it is fitted, so
        its files and a later ``topicmf report`` agree to the byte.
        """
        f = self.factorization
        if f.W.dtype == np.float32:
            return self
        model = replace(self, factorization=replace(f, W=np.ascontiguousarray(f.W, dtype=np.float32)))
        return model

    # --- shapes and profiles -------------------------------------------------
    @property
    def W(self) -> np.ndarray:
        return self.factorization.W

    @property
    def H(self) -> np.ndarray:
        return self.factorization.H

    @property
    def model_name(self) -> str:
        """The model's name in the registry (``pnmf``, ``nmf``, ``lsa``)."""
        return self.factorization.model

    @property
    def spec(self) -> ModelSpec:
        """The model's registry entry (:data:`topicmf.spec.MODELS`): what its topics are, its loss, its solvers."""
        return model_spec(self.factorization.model)

    @property
    def n_topics(self) -> int:
        return self.H.shape[0]

    @property
    def n_docs(self) -> int:
        return self.W.shape[0]

    @property
    def topics_are_distributions(self) -> bool:
        """Whether the topics are word distributions and profiles shares of words (NMF), rather than signed
        directions and coordinates (LSA), as the model's registry entry says."""
        return self.spec.topics.distributions

    def topic_words_expected(self, W: np.ndarray | None = None) -> np.ndarray:
        """NMF: the words of each document expected from each topic, W_it · Σ_j H_tj (scale-free)."""
        W = self.W if W is None else np.asarray(W, dtype=np.float64)
        return W * self.H.sum(axis=1)

    def doc_topics(self, W: np.ndarray | None = None) -> np.ndarray:
        """Document profiles.

        NMF: the share of the document's (expected) words that each topic
        gives, W_it Σ_j H_tj normalised to sum to 1 — unlike the rows of W,
        this does not depend on how the scale is split between W and H.
        Documents with no words stay 0.  LSA: the coordinates W as they are.
        """
        if not self.topics_are_distributions:
            return (self.W if W is None else np.asarray(W)).copy()
        E = self.topic_words_expected(W)
        sums = E.sum(axis=1, keepdims=True)
        return np.divide(E, sums, out=np.zeros_like(E), where=sums > 0)

    def dominant_topics(self, W: np.ndarray | None = None) -> np.ndarray:
        """Each document's largest topic (NMF: by share of words); -1 for a document with no weight."""
        if not self.topics_are_distributions:
            return np.argmax(self.W if W is None else np.asarray(W), axis=1)
        E = self.topic_words_expected(W)
        best = np.argmax(E, axis=1)
        best[~(E.max(axis=1) > 0)] = -1
        return best

    def prevalence_totals(self) -> np.ndarray:
        """What :meth:`prevalence` normalises: NMF, each topic's (expected) words; LSA, Σ of the |W| rows
        normalised.  Sums over documents, so a model's parts' totals add up."""
        if self.topics_are_distributions:
            return self.topic_words_expected().sum(axis=0)
        A = np.abs(self.W)
        sums = A.sum(axis=1, keepdims=True)
        return np.divide(A, sums, out=np.zeros_like(A), where=sums > 0).sum(axis=0)

    def document_sums(self) -> dict:
        """Sums over the documents that the model's topic-side summaries need (:attr:`sums` holds them for a model
        whose W is elsewhere): ``prevalence`` totals, ``W`` column sums, ``dominant`` documents per topic (no
        topic last) and the ``labels`` table (:func:`topicmf.model.evaluate.label_table`)."""
        from .evaluate import label_table

        dominant = self.dominant_topics()
        return {"prevalence": self.prevalence_totals(), "W": self.W.sum(axis=0, dtype=np.float64),
                "dominant": np.bincount(dominant + 1, minlength=self.n_topics + 1)[np.r_[1:self.n_topics + 1, 0]],
                "labels": None if self.labels is None else label_table(self.labels, dominant)}

    def prevalence(self) -> np.ndarray:
        """Each topic's share of the corpus: NMF, of all (expected) words; LSA, the mean of |W| rows normalised."""
        totals = self.prevalence_totals() if self.sums is None else self.sums["prevalence"]
        total = totals.sum()
        return totals / total if total > 0 else np.zeros(self.n_topics)

    @property
    def background_share(self) -> float:
        """Poisson NMF: the share of every document's (weighted) words the fixed background carries; else 0."""
        return float(self.factorization.params.get("background", 0.0) or 0.0)

    def word_profile(self) -> np.ndarray:
        """Each word's share of the fitted matrix: the background's profile, or the corpus's counts (p(w))."""
        b = self.factorization.background
        if b is not None:
            return np.asarray(b, dtype=np.float64)
        counts = self.term_counts if self.term_counts is not None else np.maximum(self.H, 0.0).sum(axis=0)
        counts = np.asarray(counts, dtype=np.float64)
        return counts / max(counts.sum(), np.finfo(float).tiny)

    def relevance(self, lam: float = RELEVANCE_LAMBDA) -> np.ndarray:
        """NMF: λ log p(w|t) + (1 − λ) log(p(w|t)/p(w)) of every topic and word (−inf where p(w|t) = 0)."""
        H = np.maximum(self.H, 0.0)
        totals = H.sum(axis=1, keepdims=True)
        phi = np.divide(H, totals, out=np.zeros_like(H), where=totals > 0)
        tiny = np.finfo(float).tiny
        with np.errstate(divide="ignore"):
            log_phi = np.log(phi)
        return log_phi - (1.0 - lam) * np.log(np.maximum(self.word_profile(), tiny))

    def top_term_indices(self, n_words: int = 10, *, negative: bool = False, order: str | None = None) -> np.ndarray:
        """Column indices of each topic's ``n_words`` best words (``negative``: LSA's other pole), best first.

        NMF topics rank by :attr:`word_order` (or ``order``): relevance or
        weight; LSA by weight, largest (``negative``: smallest) first.  Ties
        go to the earlier column.  Shape (k, min(n, n_terms)).
        """
        order = order or self.word_order
        if self.topics_are_distributions and not negative and order == "relevance":
            S = self.relevance()
        else:
            S = -self.H if negative else self.H
        n_words = min(int(n_words), S.shape[1])
        return np.stack([_top_indices(row, n_words) for row in S])

    def top_words(self, n_words: int = 10, *, negative: bool = False, order: str | None = None
                  ) -> list[list[tuple[str, float]]]:
        """Each topic's top ``n_words`` words (see :meth:`top_term_indices`) with their weights in H, best first."""
        index = self.top_term_indices(n_words, negative=negative, order=order)
        return [[(self.vocabulary[j], float(self.H[t, j])) for j in row] for t, row in enumerate(index)]

    def label(self, topic: int, n_words: int = 3) -> str:
        """A short name for a topic: its seed's name, or its top ``n_words`` words."""
        if self.topic_names and topic < len(self.topic_names) and self.topic_names[topic]:
            return self.topic_names[topic]
        return " ".join(w for w, _ in self.top_words(n_words)[topic])

    def background_words(self, n_words: int = 25) -> list[tuple[str, float]]:
        """The words the background stands for: (word, share of its fitted occurrences from the background).

        Words most of whose occurrences the background gives (share > ½),
        ranked by those occurrences times that share (frequent words the
        topics barely add to); [] without a background.
        """
        share = self.background_share
        if not share:
            return []
        b = self.word_profile()
        from_background = float(self.factorization.params["background_words"]) * b
        column_sums = self.W.sum(axis=0, dtype=np.float64) if self.sums is None else self.sums["W"]
        from_topics = column_sums @ self.H
        fraction = from_background / np.maximum(from_background + from_topics, np.finfo(float).tiny)
        score = np.where(fraction > 0.5, from_background * fraction, -1.0)
        top = _top_indices(score, min(int(n_words), int((score >= 0).sum())))
        return [(self.vocabulary[j], float(fraction[j])) for j in top]

    # --- documents -----------------------------------------------------------
    def documents_sample(self) -> DocumentSample:
        """The documents a report shows: the sample kept while reading, or (without one) the same rule on rows."""
        return self.sample if self.sample is not None else DocumentSample.of_rows(self.n_docs)

    def doc_index(self, doc_id: str) -> int:
        """Row of a document id; a TopicmfError names the problem when it is unknown."""
        if hasattr(self.doc_ids, "find"):  # packed ids of a loaded run: searched without decoding them all
            i = self.doc_ids.find(doc_id)
        else:
            if self._doc_index is None:
                self._doc_index = {d: i for i, d in enumerate(self.doc_ids)}
            i = self._doc_index.get(doc_id, -1)
        if i < 0:
            raise TopicmfError(f"No document {doc_id!r} in this model (ids look like {self.doc_ids[0]!r})")
        return i

    def _profiles_unit(self) -> np.ndarray:
        """Profiles as float32 unit rows (NMF: straight from W and H's row sums, without the float64 shares)."""
        if self._unit is None:
            self._unit = unit_profiles(self.W, self.H.sum(axis=1) if self.topics_are_distributions else None)
        return self._unit

    def similar(self, doc: int | str, n_neighbours: int = 10) -> list[tuple[str, float]]:
        """The ``n_neighbours`` documents most similar to one document (:mod:`topicmf.neighbours.scores`).

        With a stored neighbour graph (a saved run) and ``n_neighbours`` within its width,
        the answer is the graph's row, the same neighbours as ``similar.csv``
        and the page; otherwise an exact search over every document.
        """
        i = self.doc_index(doc) if isinstance(doc, str) else int(doc)
        if self.graph is not None and n_neighbours <= self.graph.index.shape[1]:
            return [(self.doc_ids[int(j)], float(s)) for j, s in zip(self.graph.index[i, :n_neighbours], self.graph.score[i, :n_neighbours])]
        U, words = self.document_vectors()
        pair = None if words is None else (words[i : i + 1], words)
        q = U[i : i + 1] if words is None else U[i : i + 1] * np.float32(TOPIC_WEIGHT)
        index, score = nearest(q, U, n_neighbours, exclude=np.array([i]), words=pair)
        return [(self.doc_ids[j], float(s)) for j, s in zip(index[0], score[0])]

    def word_vectors(self) -> sp.csr_matrix | None:
        """The documents' word vectors (a saved run reads them from ``words.npz`` when first needed)."""
        if self.words is None and self.word_source is not None:
            self.words, self.idf = self.word_source()
            self.word_source = None
        return self.words

    def document_vectors(self):
        """Unit topic profiles (float32) and the word vectors (None without words): the space neighbours are found in.

        With words, a query's topic part is its unit profile times λ (and the
        documents' profiles stay unit), so λ · cos(topics) is added to the
        words' part without scaling a copy of every profile.
        """
        return self._profiles_unit(), self.word_vectors()

    def with_words(self, X) -> "TopicModel":
        """The model with the training documents' word vectors made from their counts ``X`` (in place)."""
        self.idf = idf_weights(X)
        self.words = word_vectors(X, self.idf)
        return self

    def neighbour_graph(self, n_neighbours: int = 10, *, method: str = "auto", effort: str = "normal", progress=None,
                        check_progress=None) -> NeighbourGraph:
        """Every document's ``n_neighbours`` nearest other documents (exact, or approximate for a large corpus:
        :func:`topicmf.neighbours.graph.neighbour_graph`)."""
        return neighbour_graph(self._profiles_unit(), n_neighbours, words=self.word_vectors(), method=method,
                               effort=effort, seed=self.seed, progress=progress, check_progress=check_progress)

    # --- new text ------------------------------------------------------------
    def count(self, texts) -> sp.csr_matrix:
        """Term counts of new texts over the model's vocabulary (unknown words are ignored)."""
        if self._index is None:
            self._index = {t: j for j, t in enumerate(self.terms)}
        index = self._index
        texts = list(texts)
        rows, cols, vals = [], [], []
        for i, text in enumerate(texts):
            if self.tokenizer is None:
                counts: dict = {}
                for word in str(text).lower().split():
                    counts[word] = counts.get(word, 0) + 1
            else:
                counts = self.tokenizer.count(text)[0]
            for term, c in counts.items():
                j = index.get(term)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
                    vals.append(c)
        return sp.csr_matrix((vals, (rows, cols)), shape=(len(texts), len(self.terms)), dtype=np.float64)

    def transform(self, X) -> np.ndarray:
        """Topic weights W of new documents given as counts over the vocabulary (the fold-in)."""
        X = sp.csr_matrix(X, dtype=np.float64)
        if X.shape[1] != len(self.terms):
            raise TopicmfError(f"Expected {len(self.terms)} columns (the vocabulary), got {X.shape[1]}")
        Xw = weigh(X, self.weighting, self.global_weights)
        spec = self.spec
        params = self.factorization.params
        keys = {"alpha_W": params.get("alpha_W", 0.0)}
        if "l1_W" in spec.params:
            keys["l1_W"] = params.get("l1_W", 0.0)
        if self.background_share:
            keys.update(background=self.background_share, background_profile=self.factorization.background)
        return spec.transform(Xw, self.H, **keys)

    def transform_texts(self, texts) -> np.ndarray:
        """Topic weights of new texts, tokenized as the training corpus was."""
        return self.transform(self.count(texts))

    def query(self, text: str, n_neighbours: int = 10) -> tuple[np.ndarray, list[tuple[str, float]]]:
        """A text's topic profile and its ``n_neighbours`` most similar training documents (by the same similarity)."""
        counts = self.count([text])
        if counts.nnz == 0:
            raise TopicmfError("None of the words of the text are in the model's vocabulary")
        W = self.transform(counts)
        profile = self.doc_topics(W)
        U, words = self.document_vectors()
        if words is None:
            index, score = nearest(profile, U, n_neighbours)
        else:
            q = np.asarray(unit_profiles(profile)) * np.float32(TOPIC_WEIGHT)
            index, score = nearest(q, U, n_neighbours, words=(word_vectors(counts, self.idf), words))
        return profile[0], [(self.doc_ids[j], float(s)) for j, s in zip(index[0], score[0])]


def _top_indices(row: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` largest values of ``row``, largest first, ties to the lower index."""
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    threshold = np.partition(row, row.size - n)[row.size - n]
    candidates = np.flatnonzero(row >= threshold)
    return candidates[np.lexsort((candidates, -row[candidates]))][:n]
