"""Neighbours of short texts and of the planted corpora: topicmf's graph at each effort against pynndescent.

The documents are fitted once with topicmf's defaults (``topicmf.Topics``, k topics); every method
then searches the same vectors, topicmf's document similarity (0.85 × the cosine of the words'
sublinear tf-idf + 0.15 × the cosine of the topic profiles, each document a unit vector
[√0.15 · profile ; √0.85 · words]):

* topicmf's graph at ``--neighbour-effort`` low, normal (the default) and high, and NN-descent
  (topicmf's own, the method before issue 26), each timed in this process (kernels compiled
  before timing);
* pynndescent (a benchmark-only dependency) on the same sparse unit vectors with the cosine,
  at several ``n_neighbors`` (its list length, its speed–recall knob), compiled before timing,
  one thread setting as a user gets (default threads).

Recall@10 and the score ratio (mean score of the found ten over the exact ten's) are measured
on 1,000 random documents against an exact search by the same score; recall counts a
neighbour whose score reaches the exact tenth (ties are not misses), as topicmf does.

Corpora (``--corpora``, comma-separated):

* ``subjects``: the Subject lines of 20 Newsgroups (``../shared/corpora/20news``), 18,846 real short
  texts (about 6 words), k = 20;
* ``headlines``: Lenta.ru headlines (``../shared/corpora/lenta_headlines``), 6,500 Russian titles, k = 13;
* ``short-N``: N planted documents of 8 words (``benchmarks/synthetic.py --length 8``), k = 50;
* ``planted-N``: N planted documents of 120 words (the scale benchmark's), k = 50.

    python benchmarks/bench_neighbours.py --corpora subjects,headlines,short-100000 [--data ../bench-data]
        [--pynndescent 10,20,30] [--efforts low,normal,high] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from synthetic import write_corpus  # noqa: E402

from topicmf.neighbours.graph import EFFORTS, nearest, neighbour_graph  # noqa: E402
from topicmf.neighbours.scores import topic_part  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpora"


def subject_lines(out: Path) -> Path:
    """20 Newsgroups' Subject lines (without "Re:") as JSON Lines with the newsgroup as label."""
    if out.exists():
        return out
    with open(out, "w", encoding="utf-8") as f:
        for group in sorted(p for p in (SHARED / "20news").iterdir() if p.is_dir()):
            for doc in sorted(group.iterdir()):
                head = doc.read_bytes()[:4000].decode("latin-1")
                subject = next((line[8:].strip() for line in head.splitlines() if line.startswith("Subject:")), "")
                while subject.lower().startswith("re:"):
                    subject = subject[3:].strip()
                f.write(json.dumps({"id": f"{group.name}/{doc.name}", "label": group.name, "text": subject}) + "\n")
    return out


def corpus(name: str, data: Path) -> tuple[Path | str, int]:
    if name == "subjects":
        return subject_lines(data / "20news-subjects.jsonl"), 20
    if name == "headlines":
        return SHARED / "lenta_headlines", 13
    kind, size = name.split("-")
    n = int(size)
    path = data / (f"synthetic-short-{n}.jsonl" if kind == "short" else f"synthetic-{n}.jsonl")
    if not path.exists():
        write_corpus(path, n, length=8.0 if kind == "short" else 120.0)
    return path, 50


def vectors(path, k: int):
    """The unit document vectors of a default fit: topic parts (dense) and word parts (sparse)."""
    import topicmf

    started = time.perf_counter()
    model = topicmf.Topics(k, quiet=True).fit(str(path)).model_
    print(f"  fitted k = {k} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    U, words = model.document_vectors()
    return np.asarray(U), words.astype(np.float32), model


def timed(fn):
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def score_of(U, words, probe, index):
    """Scores of listed neighbours, computed from the vectors (for pynndescent, whose distances are its own)."""
    T = topic_part(U)
    rows = np.repeat(probe, index.shape[1])
    cols = index[probe].ravel()
    dense = np.einsum("ij,ij->i", T[rows], T[cols])
    sparse = np.asarray(words[rows].multiply(words[cols]).sum(axis=1)).ravel()
    return (dense + sparse).reshape(len(probe), -1).astype(np.float32)


def bench(name: str, data: Path, efforts: list[str], pyn: list[int], seed: int = 0) -> dict:
    path, k = corpus(name, data)
    U, words, model = vectors(path, k)
    n = U.shape[0]
    T = topic_part(U)
    rng = np.random.default_rng(seed)
    probe = np.sort(rng.choice(n, min(1000, n), replace=False))
    _, exact = nearest(T[probe], T, 10, exclude=probe, words=(words[probe], words))
    threshold = exact[:, -1:] - 1e-6
    small = min(n, 2000)
    rows = []
    warm = neighbour_graph(U[:small], 10, words=words[:small], method="blocks")  # compile once, not timed
    del warm
    for effort in efforts:
        seconds, graph = timed(lambda: neighbour_graph(U, 10, words=words, method="blocks", effort=effort))
        rows.append({"method": f"topicmf blocks, effort {effort}" + (" (default)" if effort == "normal" else ""),
                     "seconds": seconds, "recall": float(np.mean(graph.score[probe] >= threshold)),
                     "score_ratio": float(graph.score[probe].mean() / exact.mean())})
        print(f"  {rows[-1]}", file=sys.stderr)
    if n <= 200_000:
        neighbour_graph(U[:small], 10, words=words[:small], method="nn-descent")
        seconds, graph = timed(lambda: neighbour_graph(U, 10, words=words, method="nn-descent"))
        rows.append({"method": "topicmf NN-descent (before issue 26)", "seconds": seconds,
                     "recall": float(np.mean(graph.score[probe] >= threshold)),
                     "score_ratio": float(graph.score[probe].mean() / exact.mean())})
        print(f"  {rows[-1]}", file=sys.stderr)
    if pyn:
        try:
            import pynndescent
        except ImportError:
            print("  pynndescent is not installed: skipped", file=sys.stderr)
        else:
            X = sp.hstack([sp.csr_matrix(T), words], format="csr", dtype=np.float32)
            pynndescent.NNDescent(X[:small], metric="cosine", n_neighbors=10, random_state=seed)  # compile
            for nn in pyn:
                seconds, index = timed(lambda: pynndescent.NNDescent(
                    X, metric="cosine", n_neighbors=nn + 1, random_state=seed).neighbor_graph[0])
                found = np.array([[j for j in row if j != i][:10] for i, row in zip(range(n), index)])
                got = score_of(U, words, probe, found)
                rows.append({"method": f"pynndescent {pynndescent.__version__}, n_neighbors {nn + 1}",
                             "seconds": seconds, "recall": float(np.mean(got >= threshold)),
                             "score_ratio": float(got.mean() / exact.mean())})
                print(f"  {rows[-1]}", file=sys.stderr)
    return {"corpus": name, "documents": n, "k": k, "words_per_document": float(np.diff(words.indptr).mean()),
            "rows": rows}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", default="subjects,headlines,short-100000")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "bench-data")
    parser.add_argument("--efforts", default=",".join(EFFORTS))
    parser.add_argument("--pynndescent", default="10,20,30", help="n_neighbors - 1 values ('' for none)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    import numba

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, numba threads {numba.get_num_threads()} "
          f"(default), Python {platform.python_version()}; {time.strftime('%Y-%m-%d')}")
    results = []
    for name in args.corpora.split(","):
        print(f"{name}:", file=sys.stderr)
        result = bench(name, args.data, args.efforts.split(","),
                       [int(x) for x in args.pynndescent.split(",") if x])
        results.append(result)
        print(f"\n{name}: {result['documents']:,} documents, k = {result['k']}, "
              f"{result['words_per_document']:.1f} words a document (after cleaning)\n")
        print("| method | seconds | recall@10 | score ratio |\n|---|---|---|---|")
        for row in result["rows"]:
            print(f"| {row['method']} | {row['seconds']:.2f} | {row['recall']:.3f} | {row['score_ratio']:.4f} |")
        sys.stdout.flush()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
