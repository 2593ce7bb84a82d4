"""Generic words: what each ingredient of ``--generic-words discount`` does to the topics people read.

For each corpus the matrix is built once with default options; every configuration is then fitted
with seeds 0, 1 and 2 and measured on what users see:

* NPMI of each topic's top 10 words (10-token windows over the corpus, gensim's ``c_npmi``),
* topic diversity of the top 10 words (TD@10, the literature's convention) and of the top 25,
* the largest number of topics that share one top-10 word ("shared by"; the target is ≤ 2),
* NMI between each document's dominant topic and its label,
* fit seconds (default threads; the first fit of the run, which compiles, is not timed).

Configurations (Poisson NMF unless named): ``keep`` (the plain model: counts, no background, words by
weight; what topicmf did before), each ingredient alone, each pair, ``discount`` (all of them, the
default), Frobenius NMF with ``keep`` and ``discount`` (words by relevance), and LSA (tf-idf; its
positive poles by weight, unchanged by the option).

    python benchmarks/bench_topics.py [--corpora 20news:20 bbc:10 ru_news9:9] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

from topicmf.model import fit_topic_model, label_agreement
from topicmf.model.coherence import NPMI_WINDOW, npmi
from topicmf.model.evaluate import diversity
from topicmf.text import TextOptions, vectorize
from topicmf.text.windows import stream_window_counts

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"

#: name -> (model, keywords of fit_topic_model)
CONFIGS = {
    "keep": ("pnmf", {"generic_words": "keep"}),
    "relevance only": ("pnmf", {"generic_words": "keep", "word_order": "relevance"}),
    "sqrt only": ("pnmf", {"generic_words": "keep", "weighting": "sqrt"}),
    "background only": ("pnmf", {"generic_words": "keep", "background": 0.7, "tol": 5e-5}),
    "sqrt + relevance": ("pnmf", {"generic_words": "keep", "weighting": "sqrt", "word_order": "relevance"}),
    "background + relevance": ("pnmf", {"generic_words": "keep", "background": 0.7, "tol": 5e-5,
                                        "word_order": "relevance"}),
    "sqrt + background": ("pnmf", {"generic_words": "discount", "word_order": "weight"}),
    "discount, tol 1e-4": ("pnmf", {"generic_words": "discount", "tol": 1e-4}),
    "discount (default)": ("pnmf", {}),
    "Frobenius keep": ("nmf", {"generic_words": "keep"}),
    "Frobenius discount": ("nmf", {}),
    "LSA": ("lsa", {}),
}


def shared_by(top10) -> tuple[int, list[str]]:
    counts = Counter(w for row in top10 for w in row)
    worst = max(counts.values())
    return worst, sorted(w for w, c in counts.items() if c > 2)


def run_corpus(name: str, k: int, seeds, configs) -> list[dict]:
    dtm = vectorize(CORPORA / name, TextOptions())
    print(f"\n### {name}: {dtm.n_docs:,} documents × {dtm.n_terms:,} terms, k = {k}", flush=True)
    fit_topic_model(dtm, k, seed=0, max_iter=2)  # compile the kernels outside the timings
    fits = []
    for label in configs:
        model, kw = CONFIGS[label]
        for seed in seeds:
            started = time.perf_counter()
            m = fit_topic_model(dtm, k, model=model, seed=seed, **kw)
            seconds = time.perf_counter() - started
            top = m.top_term_indices(25)
            fits.append({"config": label, "seed": seed, "seconds": seconds, "model": m,
                         "top10": [[m.terms[j] for j in row[:10]] for row in top],
                         "words10": [[m.vocabulary[j] for j in row[:10]] for row in top],
                         "td10": diversity(top[:, :10].tolist()), "td25": diversity(top.tolist()),
                         "nmi": label_agreement(dtm.labels, m.dominant_topics())["nmi"] if dtm.labels else None})
            print(f"  {label} seed {seed}: {seconds:.2f} s", file=sys.stderr, flush=True)
    words = sorted({w for f in fits for row in f["top10"] for w in row})
    counts = stream_window_counts(dtm.stream, words, (NPMI_WINDOW,))[NPMI_WINDOW]
    for f in fits:
        f["npmi"] = float(np.nanmean(npmi(counts, f["top10"])))
        f["shared"], f["over2"] = shared_by(f["words10"])
    dtm.close()
    return fits


def table(fits, seeds) -> None:
    print("\n| configuration | NPMI (seeds " + ", ".join(map(str, seeds)) + ") | TD@10 | TD@25 | shared by | NMI | "
          "fit s (median) |\n|---|---|---|---|---|---|---|")
    for label in dict.fromkeys(f["config"] for f in fits):
        rows = [f for f in fits if f["config"] == label]

        def each(key, digits=3):
            return " / ".join(f"{r[key]:.{digits}f}" for r in rows)

        nmi = each("nmi") if rows[0]["nmi"] is not None else "–"
        print(f"| {label} | {each('npmi')} | {each('td10', 2)} | {each('td25', 2)} | "
              f"{' / '.join(str(r['shared']) for r in rows)} | {nmi} | "
              f"{statistics.median(r['seconds'] for r in rows):.2f} |")


def show_topics(fits, label: str) -> None:
    first = next(f for f in fits if f["config"] == label)
    m = first["model"]
    print(f"\n{label}, seed {first['seed']}: top 10 words" + (f"; words in the top 10 of more than two topics: "
                                                          f"{', '.join(first['over2'])}" if first["over2"] else ""))
    print()
    for t, row in enumerate(first["words10"]):
        print(f"    {t:>2}  {' '.join(row)}")
    bg = m.background_words(15)
    if bg:
        print(f"\n    background ({m.background_share:.0%} of each document's √counts): "
              + ", ".join(f"{w} {f:.0%}" for w, f in bg))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", nargs="+", default=["20news:20", "bbc:10", "ru_news9:9"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS), metavar="CONFIG")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    for spec in args.corpora:
        name, k = spec.split(":")
        if not (CORPORA / name).is_dir():
            print(f"{CORPORA / name} is absent: skipped", file=sys.stderr)
            continue
        fits = run_corpus(name, int(k), args.seeds, args.configs)
        table(fits, args.seeds)
        for label in ("keep", "discount (default)"):
            if label in args.configs:
                show_topics(fits, label)


if __name__ == "__main__":
    main()
