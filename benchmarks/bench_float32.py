"""What float32 costs where topicmf uses it: objective, NMI and neighbours against float64.

topicmf uses float32 in three places (everything else is float64):

1. Poisson NMF's update of H gathers a float32 copy of W once W is larger than 48 MB
   (a fit of more than about 120,000 documents at k = 50): the fit is run both ways on the
   first ``--docs`` documents of the planted corpus (default 200,000) and the objective, NMI
   against the planted labels and time are compared;
2. a run stores W in float32 and works from it after the fit: NMI of the dominant topics and
   the largest change of a document's topic shares, from float32 W against float64 W;
3. neighbour search in float32: the share of each document's 10 neighbours that the float64
   search also finds (ties at equal score count as found), on 20 Newsgroups and the corpus.

    python benchmarks/bench_float32.py [--docs 200000] [--data ../bench-data] [--corpus ../shared/corpora/20news]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
DEFAULT_20NEWS = HERE.parents[1] / "shared" / "corpora" / "20news"


def exact64(P, n=10):
    """Neighbours in float64 (brute force, in blocks)."""
    U = P / np.maximum(np.linalg.norm(P, axis=1, keepdims=True), 1e-300)
    index, score = [], []
    for start in range(0, U.shape[0], 2000):
        S = U[start : start + 2000] @ U.T
        S[np.arange(S.shape[0]), np.arange(start, start + S.shape[0])] = -np.inf
        top = np.argsort(-S, axis=1, kind="stable")[:, :n]
        index.append(top)
        score.append(np.take_along_axis(S, top, 1))
    return np.concatenate(index), np.concatenate(score)


def agreement(P, probe):
    from topicmf.neighbours.graph import nearest, unit_profiles

    U32 = unit_profiles(P)
    _, s32 = nearest(U32[probe], U32, 10, exclude=probe)
    U = P / np.maximum(np.linalg.norm(P, axis=1, keepdims=True), 1e-300)
    S = U[probe] @ U.T
    S[np.arange(probe.size), probe] = -np.inf
    exact = -np.sort(-S, axis=1)[:, :10]
    i32, _ = nearest(U32[probe], U32, 10, exclude=probe)
    got = np.take_along_axis(S, i32, 1)  # the float64 cosine of each float32-found neighbour
    found = [float(np.mean(got >= exact[:, -1:] - tol)) for tol in (1e-12, 2.5e-7)]
    return found, float(np.abs(s32 - exact).max())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200_000)
    parser.add_argument("--data", type=Path, default=HERE.parents[1] / "bench-data")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_20NEWS)
    parser.add_argument("--repeats", type=int, default=2, help="fits of each kind, alternating")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import topicmf.factorize.engine.products as products
    from synthetic import write_corpus
    from topicmf.model import fit_topic_model
    from topicmf.model.evaluate import nmi
    from topicmf.text import TextOptions, vectorize

    corpus = args.data / "synthetic-1000000.jsonl"
    if not corpus.exists():
        args.data.mkdir(parents=True, exist_ok=True)
        write_corpus(corpus, 1_000_000, seed=0)
    part = args.data / f"synthetic-first-{args.docs}.jsonl"
    if not part.exists():
        with open(corpus, encoding="utf-8") as src, open(part, "w", encoding="utf-8") as dst:
            for i, line in zip(range(args.docs), src):
                dst.write(line)
    with vectorize(part, TextOptions()) as dtm:
        limit = products.GATHER_LIMIT
        kinds = (("float32 copy of W (default)", limit), ("float64 W", 1 << 62))
        models, times = {}, {name: [] for name, _ in kinds}
        for repeat in range(args.repeats):
            for name, gather_limit in kinds if repeat % 2 == 0 else kinds[::-1]:
                products.GATHER_LIMIT = gather_limit
                started = time.perf_counter()
                models[name] = fit_topic_model(dtm, 50, seed=0)
                times[name].append(time.perf_counter() - started)
        products.GATHER_LIMIT = limit
        rows = [(name, models[name], statistics.median(times[name])) for name, _ in kinds]
        print(f"1. Poisson NMF (cd, k = 50) on {dtm.n_docs:,} planted documents, nnz {dtm.nnz:,}\n")
        print(f"| H update gathers | objective | iterations | NMI | fit time (median of {args.repeats}, alternating) |\n"
              "|---|---|---|---|---|")
        for name, model, seconds in rows:
            f = model.factorization
            print(f"| {name} | {f.objective:.10g} | {f.n_iter} | {nmi(dtm.labels, model.dominant_topics()):.4f} | "
                  f"{seconds:.1f} s |")
        a, b = rows[0][1].factorization, rows[1][1].factorization
        print(f"\nrelative objective difference {abs(a.objective - b.objective) / b.objective:.2e}; "
              f"largest relative change of H {np.abs(a.H - b.H).max() / np.abs(b.H).max():.2e}")
        model = rows[1][1]
        P64 = model.doc_topics()
        P32 = model.with_float32_documents().doc_topics()
        print(f"\n2. W stored in float32 ({dtm.n_docs:,} documents): largest change of a share {np.abs(P32 - P64).max():.1e}; "
              f"NMI {nmi(dtm.labels, model.dominant_topics()):.6f} (float64) vs "
              f"{nmi(dtm.labels, model.with_float32_documents().dominant_topics()):.6f} (float32); dominant topic "
              f"changed for {int((model.dominant_topics() != model.with_float32_documents().dominant_topics()).sum())} "
              "documents")
    print("\n3. neighbours searched in float32, 1,000 random documents:\n")
    print("| corpus | found by the float64 search too | the same, ties within 2.5e-7 | largest score difference |\n"
          "|---|---|---|---|")
    rng = np.random.default_rng(0)
    probe = rng.choice(P64.shape[0], 1000, replace=False)
    found, diff = agreement(P64, probe)
    print(f"| planted, {P64.shape[0]:,} documents, k = 50 | {found[0]:.4f} | {found[1]:.4f} | {diff:.1e} |")
    if args.corpus.is_dir():
        with vectorize(args.corpus, TextOptions()) as news:
            P = fit_topic_model(news, 10, seed=0).doc_topics()
        probe = rng.choice(P.shape[0], 1000, replace=False)
        found, diff = agreement(P, probe)
        print(f"| {args.corpus.name}, k = 10 | {found[0]:.4f} | {found[1]:.4f} | {diff:.1e} |")


if __name__ == "__main__":
    main()
