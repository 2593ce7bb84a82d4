"""Topic coherence: UMass, NPMI and C_V, defined as gensim's ``CoherenceModel`` computes them.

Each topic is a list of its top words, highest weight first.  Per-topic
scores are means over word pairs; a model's score is the mean over topics.

* ``u_mass`` (Mimno et al. 2011): document co-occurrence in the corpus
  itself.  For every word w_i and every higher-ranked w_j,
  log((D(w_i, w_j)/N + ε) / (D(w_j)/N)), with D the number of documents
  containing the words and ε = 1e-12 (on probabilities, as gensim has it).
* ``c_npmi`` (Bouma 2009; Aletras & Stevenson 2013): over every pair of
  distinct words, NPMI = log((P(a,b) + ε)/(P(a)P(b))) / −log(P(a,b) + ε),
  probabilities from 10-token sliding windows.
* ``c_v`` (Röder et al. 2015): with 110-token windows, each word's vector of
  NPMI with every top word of its topic (itself included) is compared by
  cosine with the sum of all the topic's vectors; the score is the mean
  cosine.

Window counts come from :mod:`topicmf.text.windows`.  A top word that never
occurs in the windows (an n-gram term, say) is left out of its topic's
window-based scores; a topic with fewer than two counted words scores NaN.
"""

from __future__ import annotations

import numpy as np

from ..text.matrix import cooccurrence
from ..text.windows import WindowCounts

__all__ = ["EPSILON", "NPMI_WINDOW", "CV_WINDOW", "umass", "umass_counts", "npmi", "c_v"]

EPSILON = 1e-12
NPMI_WINDOW = 10
CV_WINDOW = 110


def umass(X, topics) -> np.ndarray:
    """UMass coherence of each topic on the documents of X.

    Parameters
    ----------
    X : sparse matrix of shape (n_docs, n_terms)
        Any matrix whose nonzeros mark the words a document contains.
    topics : sequence of sequence of int
        Column indices of each topic's top words, highest ranked first.

    Returns
    -------
    ndarray of shape (n_topics,)
    """
    cols = np.unique(np.concatenate([np.asarray(t, dtype=np.int64) for t in topics])) if len(topics) else []
    return umass_counts(cooccurrence(X, cols), cols, X.shape[0], topics)


def umass_counts(D: np.ndarray, cols, n_docs: int, topics) -> np.ndarray:
    """UMass from document co-occurrence counts: ``D[a, b]`` documents hold both ``cols[a]`` and ``cols[b]``."""
    where = {int(c): a for a, c in enumerate(cols)}
    n_docs = float(n_docs)
    scores = []
    for top in topics:
        top = [where[int(c)] for c in top]
        values = []
        for i in range(1, len(top)):
            for j in range(i):
                if D[top[j], top[j]] == 0:
                    values.append(0.0)  # gensim's answer to a division by zero
                else:
                    values.append(np.log((D[top[i], top[j]] / n_docs + EPSILON) / (D[top[j], top[j]] / n_docs)))
        scores.append(np.mean(values) if values else np.nan)
    return np.array(scores)


def _npmi_matrix(counts: WindowCounts, rows: np.ndarray) -> np.ndarray:
    n = float(counts.n_windows)
    p = counts.occurrences[rows] / n
    joint = counts.cooccurrences[np.ix_(rows, rows)] / n
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log((joint + EPSILON) / np.outer(p, p))
        return pmi / -np.log(joint + EPSILON)


def _rows(counts: WindowCounts, top_words) -> np.ndarray:
    index = {w: i for i, w in enumerate(counts.words)}
    rows = [index[w] for w in top_words if w in index]
    rows = np.array(rows, dtype=np.int64)
    return rows[counts.occurrences[rows] > 0] if rows.size else rows


def npmi(counts: WindowCounts, topics) -> np.ndarray:
    """NPMI coherence of each topic (gensim's ``c_npmi``; use 10-token windows).

    Parameters
    ----------
    counts : WindowCounts
    topics : sequence of sequence of str
        Each topic's top words (term keys), highest ranked first.
    """
    return _per_topic(counts, topics, lambda M: M[~np.eye(M.shape[0], dtype=bool)].mean())


def c_v(counts: WindowCounts, topics) -> np.ndarray:
    """C_V coherence of each topic (gensim's ``c_v``; use 110-token windows)."""

    def score(M):
        whole = M.sum(axis=0)
        return ((M @ whole) / (np.linalg.norm(M, axis=1) * np.linalg.norm(whole))).mean()

    return _per_topic(counts, topics, score)


def _per_topic(counts: WindowCounts, topics, score) -> np.ndarray:
    """``score`` of each topic's NPMI matrix (its counted top words); NaN below two counted words."""
    scores = []
    for top in topics:
        rows = _rows(counts, top)
        scores.append(float(score(_npmi_matrix(counts, rows))) if rows.size >= 2 else np.nan)
    return np.array(scores)
