"""Document similarity: label precision@10 of topicmf's neighbours against tf-idf and LSI baselines, in one run.

For each corpus (20 Newsgroups and BBC from ../shared/corpora), one matrix (topicmf's defaults:
cleaning, English stopwords, min_df = 3, max_df = 0.95) serves every method:

* topicmf, Poisson NMF with defaults at k = 10 and k = 20: its neighbour graph as ``topicmf run``
  builds it (topics and words, :mod:`topicmf.neighbours.scores`), and the topic profiles alone (the
  similarity before issue 15);
* tf-idf cosine: ``TfidfTransformer()`` (scikit-learn's defaults) and
  ``NearestNeighbors(metric="cosine", algorithm="brute")``;
* LSI-100 and LSI-300: ``TruncatedSVD`` of that tf-idf matrix, then cosine (gensim's docsim style).

Label precision@10 is the share of each document's 10 nearest other documents that carry its
label.  "all ≥ 0.999" counts documents whose 10 neighbours all score at least 0.999, "tied" those
whose 10 scores are one value (documents with no words left are counted apart).  Times: topicmf's
graph (median of 3, default threads) and scikit-learn's kneighbors on tf-idf, each for all documents.

    python benchmarks/bench_similarity.py [--corpora 20news,bbc] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
SHUTTLE = "the space shuttle launch was delayed by nasa engineers"


def precision(index, labels):
    return float(np.mean(labels[index] == labels[:, None]))


def describe(index, score, labels, empty):
    tied = (score.max(axis=1) - score.min(axis=1) < 1e-6) & ~empty
    high = (score.min(axis=1) >= 0.999) & ~empty
    return precision(index, labels), int(high.sum()), int(tied.sum())


def sklearn_neighbours(V, n=10):
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=n + 1, metric="cosine", algorithm="brute").fit(V)
    dist, idx = nn.kneighbors(V)
    rows = np.arange(V.shape[0])
    out_i, out_s = np.empty((V.shape[0], n), np.int64), np.empty((V.shape[0], n))
    for r in rows:  # drop the document itself (first, or wherever a duplicate put it)
        keep = idx[r] != r
        out_i[r] = idx[r][keep][:n]
        out_s[r] = 1 - dist[r][keep][:n]
    return out_i, out_s


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="20news,bbc")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfTransformer

    from topicmf.model import fit_topic_model
    from topicmf.neighbours.graph import neighbour_graph
    from topicmf.text import TextOptions, vectorize

    print("label precision@10 of each document's 10 nearest other documents; machine: 2 cores, default threads\n")
    for name in args.corpora.split(","):
        path = SHARED / name
        if not path.is_dir():
            print(f"{name}: not found at {path}, skipped")
            continue
        with vectorize(path, TextOptions()) as dtm:
            X = dtm.X.tocsr()
            labels = np.asarray(dtm.labels)
            empty = np.diff(X.indptr) == 0
            rows = []
            for k in (10, 20):
                model = fit_topic_model(dtm, k, seed=0).with_float32_documents().with_words(X)
                times, graph = [], None
                for _ in range(args.repeats):
                    started = time.perf_counter()
                    graph = model.neighbour_graph(10)
                    times.append(time.perf_counter() - started)
                p, high, tied = describe(graph.index, graph.score, labels, empty)
                recall = "" if graph.recall is None else f", recall@10 {graph.recall:.3f}"
                rows.append((f"topicmf k={k}: topics and words ({graph.method}{recall})", p, high, tied,
                             f"{statistics.median(times):.2f} s"))
                old = neighbour_graph(model.doc_topics(), 10)
                rows.append((f"topicmf k={k}: topic profiles only (before)", *describe(old.index, old.score, labels,
                                                                                       empty), ""))
                if name == "20news" and k == 10:
                    _, found = model.query(SHUTTLE, 3)
                    shuttle = ", ".join(f"{d} ({s:.3f})" for d, s in found)
            T = TfidfTransformer().fit_transform(X)
            started = time.perf_counter()
            i, s = sklearn_neighbours(T)
            rows.append(("tf-idf cosine (NearestNeighbors, brute)", *describe(i, s, labels, empty),
                         f"{time.perf_counter() - started:.2f} s"))
            for dims in (100, 300):
                Z = TruncatedSVD(dims, random_state=0).fit_transform(T)
                i, s = sklearn_neighbours(Z)
                rows.append((f"LSI-{dims} on tf-idf", *describe(i, s, labels, empty), ""))
        print(f"{name}: {X.shape[0]:,} documents, {X.shape[1]:,} terms, {int(empty.sum())} without words\n")
        print("| method | precision@10 | all ≥ 0.999 | tied | time, all documents |\n|---|---|---|---|---|")
        for method, p, high, tied, t in rows:
            print(f"| {method} | {p:.3f} | {high:,} | {tied:,} | {t} |")
        if name == "20news":
            print(f"\nquery \"{SHUTTLE}\" (k = 10), top 3: {shuttle}")
        print()


if __name__ == "__main__":
    main()
