"""Seeded topics: topics that start from words a person chose, are kept near them, and carry their names.

A seed file has a line ``name: word word word`` per seeded topic (``#`` starts a comment).  The
words are tokenized as the corpus was (so they are stemmed where the corpus is); words the
vocabulary lacks are named in a warning, and a seed with no usable word is an error.

Seeded topic i starts with half of its weight spread over
its seed words and half over the corpus's word profile; and, with ``strength`` > 0, the fit gets
one pseudo-document per seed holding its seed words — ``strength`` times a median document's
length in all — whose profile starts on that topic alone.  The pseudo-documents keep pulling
the topic towards its words through the whole fit (guided topic models' "seed documents"); they
are dropped from every output.  After the fit each seed names the topic holding most of its words
(one-to-one), and the named topics come first, in the file's order.  The measure reported is the
share of each seed's words in its topic's top 20 words.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment

from ..errors import TopicmfError, TopicmfWarning
from ..factorize.topics.init import initialize
from ..text import DocumentTermMatrix
from .topicmodel import TopicModel

__all__ = ["SeedTopic", "read_seed_topics", "seed_columns", "seed_rows", "seeded_matrix", "seeded_start",
           "seed_topics_start", "pseudo_row", "seeded_order", "without_seeds", "seed_report", "SEED_TOP"]

SEED_TOP = 20  # top words in which a seed's words are looked for
_LINE = re.compile(r"^\s*([^:#]+?)\s*:\s*(.*?)\s*$")


@dataclass(frozen=True)
class SeedTopic:
    name: str
    words: tuple  # as written
    columns: tuple = ()  # the vocabulary's columns they became


def read_seed_topics(path) -> list[SeedTopic]:
    """The seeds of a file (``name: word word``); TopicmfError naming the file and line of a bad one."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            text = fh.read()
    except OSError as exc:
        raise TopicmfError(f"cannot read the seed file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise TopicmfError(f"the seed file {path} is not UTF-8 text") from None
    seeds, names = [], set()
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0]
        if not line.strip():
            continue
        m = _LINE.match(line)
        if not m or not m.group(2).strip():
            raise TopicmfError(f"{path}:{number}: expected 'name: word word …'")
        name = m.group(1).strip()
        if name in names:
            raise TopicmfError(f"{path}:{number}: the seed {name!r} is named twice")
        names.add(name)
        seeds.append(SeedTopic(name, tuple(re.split(r"[\s,]+", m.group(2).strip()))))
    if not seeds:
        raise TopicmfError(f"{path} holds no seed topic (lines 'name: word word …')")
    return seeds


def seed_columns(seeds: list[SeedTopic], terms, tokenizer) -> list[SeedTopic]:
    """Each seed's words as columns of the vocabulary (tokenized as the corpus was)."""
    index = {t: j for j, t in enumerate(terms)}
    out = []
    for seed in seeds:
        columns, missing = [], []
        for word in seed.words:
            key = tokenizer.key(word) if tokenizer is not None else word.lower()
            j = index.get(key) if key is not None else None
            (missing.append(word) if j is None else columns.append(j))
        if missing:
            warnings.warn(f"seed {seed.name!r}: {', '.join(missing)} not in the vocabulary (too rare, a stopword, or "
                          "not in the corpus)", TopicmfWarning, stacklevel=3)
        if not columns:
            raise TopicmfError(f"seed {seed.name!r} has no word in the vocabulary: {', '.join(seed.words)}")
        out.append(replace(seed, columns=tuple(dict.fromkeys(columns))))
    return out


def seed_rows(seeds: list[SeedTopic], n_terms: int, strength: float, length: float) -> sp.csr_matrix:
    """The pseudo-documents, one per seed: ``strength`` × ``length`` (a median document's) over its words."""
    rows, cols, vals = [], [], []
    for i, seed in enumerate(seeds):
        each = max(1.0, round(strength * length / len(seed.columns)))
        rows += [i] * len(seed.columns)
        cols += list(seed.columns)
        vals += [each] * len(seed.columns)
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(seeds), n_terms))


def seeded_matrix(dtm: DocumentTermMatrix, seeds: list[SeedTopic], strength: float) -> DocumentTermMatrix:
    """The matrix with one pseudo-document per seed appended (none when ``strength`` is 0)."""
    if strength <= 0:
        return dtm
    P = seed_rows(seeds, dtm.n_terms, strength, float(np.median(np.asarray(dtm.X.sum(axis=1)).ravel())))
    X = sp.vstack([dtm.X.astype(np.float64), P]).tocsr()
    return DocumentTermMatrix(X=X, vocabulary=dtm.vocabulary, terms=dtm.terms,
                              doc_ids=tuple(dtm.doc_ids) + tuple(f"(seed {s.name})" for s in seeds),
                              labels=None if dtm.labels is None else tuple(dtm.labels) + (None,) * len(seeds),
                              doc_lengths=np.concatenate([np.asarray(dtm.doc_lengths), P.sum(axis=1).A1]),
                              info=dtm.info)


def seeded_start(X: sp.csr_matrix, k: int, seeds: list[SeedTopic], n_docs: int, seed: int = 0
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(W0, H0) for the matrix X: the usual NNDSVD start (:func:`topicmf.factorize.topics.init.initialize`), its first
    rows replaced by the seeds' (half on the seed words, half on the corpus's profile, at the row's mass);
    pseudo-documents (rows from ``n_docs`` on) start on their own topic."""
    n, m = X.shape
    W0, H0 = initialize(sp.csr_matrix(X, dtype=np.float64), k, "nndsvda", np.random.default_rng(seed), loss="poisson")
    mass = seed_topics_start(H0, np.asarray(X.sum(axis=0)).ravel(), seeds)
    for t in range(min(len(seeds), n - n_docs)):
        W0[n_docs + t] = pseudo_row(k, t, float(X[n_docs + t].sum()), mass)
    return W0, H0


def seed_topics_start(H0: np.ndarray, column_sums: np.ndarray, seeds: list[SeedTopic]) -> float:
    """Replace H0's first rows by the seeds' (in place); returns the rows' mean mass, which the pseudo-documents'
    rows of W0 are scaled by (:func:`pseudo_row`)."""
    profile = column_sums / max(column_sums.sum(), np.finfo(float).tiny)
    mass = H0.sum(axis=1).mean()
    for t, s in enumerate(seeds):
        row = 0.5 * profile
        row[list(s.columns)] += 0.5 / len(s.columns)
        H0[t] = mass * row
    return mass


def pseudo_row(k: int, topic: int, total: float, mass: float) -> np.ndarray:
    """W0's row of the pseudo-document of seed ``topic`` (its words: ``total``): on that topic alone."""
    row = np.zeros(k)
    row[topic] = total / mass
    return row


def seeded_order(model: TopicModel, seeds: list[SeedTopic]) -> list[int]:
    """The topics in their new order: the one each seed names (see :func:`without_seeds`), then the others."""
    phi = np.maximum(np.asarray(model.factorization.H, dtype=np.float64), 0.0)
    phi /= np.maximum(phi.sum(axis=1, keepdims=True), np.finfo(float).tiny)
    score = np.array([[phi[t, list(s.columns)].sum() for t in range(model.n_topics)] for s in seeds])
    _, chosen = linear_sum_assignment(-score)
    return list(chosen) + [t for t in range(model.n_topics) if t not in set(chosen)]


def without_seeds(model: TopicModel, dtm: DocumentTermMatrix, seeds: list[SeedTopic], W=None,
                  documents: tuple | None = None) -> TopicModel:
    """The model of the real documents only (the pseudo-documents' rows dropped), its seeded topics named.

    A fit may move a seed's words to another topic than the one they started in (the solver moves
    every profile, the pseudo-documents' too); so each seed names the topic that holds the most of
    its words' probability (a one-to-one assignment, Hungarian algorithm), and the named topics are
    put first, in the file's order.  ``W`` and ``documents`` (ids, labels): the documents' rows so
    reordered and their ids and labels where they are (a cluster's blocks: placeholders here) — by default,
    from the model and ``dtm``.
    """
    order = seeded_order(model, seeds)
    f = model.factorization
    W = np.ascontiguousarray(f.W[:dtm.n_docs][:, order]) if W is None else W
    f = replace(f, W=W, H=np.ascontiguousarray(f.H[order]))
    names = tuple(s.name for s in seeds) + (None,) * (model.n_topics - len(seeds))
    doc_ids, labels = documents or (tuple(dtm.doc_ids), dtm.labels)
    return TopicModel(f, model.vocabulary, model.terms, doc_ids, labels, model.tokenizer,
                      model.weighting, model.global_weights, model.seed,
                      term_counts=np.asarray(dtm.term_counts, dtype=np.float64), word_order=model.word_order,
                      topic_names=names)


def seed_report(model: TopicModel, seeds: list[SeedTopic], top: int = SEED_TOP) -> list[dict]:
    """Per seed: its topic, its usable words and the share of them in the topic's top ``top`` words."""
    ranked = model.top_term_indices(top)
    return [{"name": s.name, "topic": t, "words": len(s.columns),
             "kept": len(set(s.columns) & set(ranked[t].tolist())) / len(s.columns)} for t, s in enumerate(seeds)]
