"""Speed as users run it: default threads, default estimators, against scikit-learn (issue 13, part 2).

Nothing limits threads: BLAS and numba use what they find (the machine's cores), as a user's
session does.  Each case times ``fit_transform`` of a fresh estimator with its defaults and
``random_state=0``, alternating the two libraries, and reports medians and their ratio:

* LSA: topicmf ``LSA(k)`` against ``TruncatedSVD(k)`` (randomized), residual ½‖X − WH‖²
  against the optimum from ARPACK run to machine precision;
* Frobenius NMF: topicmf ``FrobeniusNMF(k)`` against ``NMF(k, solver="cd")``, objectives
  ½‖X − WH‖² recomputed by topicmf.factorize.topics.losses on each library's factors;
* fixed costs: the same pairs on a small matrix ("small", 200 × 300), where start-up costs show.

Matrices: bbc from CountVectorizer (English stopwords, min_df=5, max_df=0.5); 20 Newsgroups
from topicmf's default matrix (``topicmf.vectorize`` with default options).

    python benchmarks/bench_defaults.py [--repeats 7] [--pause 0.3] [--matrices small bbc 20news]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings
from pathlib import Path

import numba
import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from scipy.sparse.linalg import svds
from sklearn.decomposition import NMF, TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer
from threadpoolctl import threadpool_info

import topicmf
from topicmf.factorize import LSA, FrobeniusNMF, frobenius_loss

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def bbc_matrix():
    files = sorted((SHARED / "bbc").rglob("*.txt"))
    texts = [f.read_text(encoding="utf-8", errors="replace") for f in files]
    return CountVectorizer(stop_words="english", min_df=5, max_df=0.5).fit_transform(texts).astype(np.float64).tocsr()


def news_matrix():
    return topicmf.vectorize(SHARED / "20news").X.astype(np.float64).tocsr()


def small_matrix():
    rng = np.random.default_rng(0)
    return sp.csr_matrix(rng.poisson(rng.gamma(0.3, 1.0, (200, 8)) @ rng.gamma(0.3, 1.0, (8, 300))).astype(float))


PAUSE = 0.3  # seconds before each run: OpenBLAS's idle threads spin ~0.1 s after a call


def alternate(runs: dict, repeats: int, pause: float) -> dict:
    """Each callable ``repeats`` times, alternating; the median time and the last result."""
    times = {name: [] for name in runs}
    last = {}
    for _ in range(repeats):
        for name, fn in runs.items():
            time.sleep(pause)
            started = time.perf_counter()
            last[name] = fn()
            times[name].append(time.perf_counter() - started)
    return {name: (statistics.median(times[name]), last[name]) for name in runs}


def lsa_row(name, X, k, repeats, pause):
    res = alternate({
        "sklearn": lambda: (lambda m: (m.fit_transform(X), m.components_))(TruncatedSVD(k, random_state=0)),
        "topicmf": lambda: (lambda m: (m.fit_transform(X), m.components_))(LSA(k, random_state=0)),
    }, repeats, pause)
    _, s, _ = svds(X, k=k, tol=0, random_state=0)
    optimum = 0.5 * (float(X.data @ X.data) - float(np.sum(s**2)))
    (t_sk, (W_sk, H_sk)), (t_tm, (W_tm, H_tm)) = res["sklearn"], res["topicmf"]
    r_sk = frobenius_loss(X, W_sk, H_sk) / optimum - 1
    r_tm = frobenius_loss(X, W_tm, H_tm) / optimum - 1
    return (f"| {name} | LSA | {t_sk * 1000:.1f} ms, residual +{r_sk * 100:.3f}% | {t_tm * 1000:.1f} ms, residual "
            f"+{r_tm * 100:.3f}% | **{t_tm / t_sk:.2f}×** |")


def nmf_row(name, X, k, repeats, pause):
    res = alternate({
        "sklearn": lambda: (lambda m: (m.fit_transform(X), m.components_, m.n_iter_))(
            NMF(k, solver="cd", random_state=0)),
        "topicmf": lambda: (lambda m: (m.fit_transform(X), m.components_, m.n_iter_))(
            FrobeniusNMF(k, random_state=0)),
    }, repeats, pause)
    (t_sk, (W_sk, H_sk, it_sk)), (t_tm, (W_tm, H_tm, it_tm)) = res["sklearn"], res["topicmf"]
    f_sk, f_tm = frobenius_loss(X, W_sk, H_sk), frobenius_loss(X, W_tm, H_tm)
    return (f"| {name} | Frobenius | {t_sk * 1000:.1f} ms, {it_sk} it, {f_sk:,.1f} | {t_tm * 1000:.1f} ms, {it_tm} it, "
            f"{f_tm:,.1f} ({'≤' if f_tm <= f_sk * (1 + 1e-9) else '>'}) | **{t_tm / t_sk:.2f}×** |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--pause", type=float, default=PAUSE, help="seconds of quiet before each run")
    parser.add_argument("--matrices", nargs="+", default=["small", "bbc", "20news"], choices=["small", "bbc", "20news"])
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    blas = ", ".join(f"{i['internal_api']} {i['num_threads']}" for i in threadpool_info() if i["user_api"] == "blas")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; Python {platform.python_version()}, numpy "
          f"{np.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, numba "
          f"{numba.__version__}, topicmf {topicmf.__version__}")
    print(f"threads: defaults, nothing limited (BLAS: {blas} threads; numba: {numba.get_num_threads()} threads); "
          f"medians of {args.repeats} alternating runs, each after {args.pause:g} s of quiet\n")
    cases = [("small", small_matrix, (5,))]
    if (SHARED / "bbc").is_dir():
        cases.append(("bbc", bbc_matrix, (10, 20)))
    if (SHARED / "20news").is_dir():
        cases.append(("20news", news_matrix, (20,)))
    cases = [case for case in cases if case[0] in args.matrices]
    # compile topicmf's kernels and warm both libraries up once, outside the timings
    warm = small_matrix()
    LSA(3).fit(warm), FrobeniusNMF(3).fit(warm), TruncatedSVD(3).fit(warm), NMF(3, solver="cd").fit(warm)
    print("| matrix | model | scikit-learn | topicmf | time ratio |")
    print("|---|---|---|---|---|")
    for name, build, ks in cases:
        X = build()
        label = f"{name} ({X.shape[0]:,} × {X.shape[1]:,}, {X.nnz:,} nonzeros)"
        for k in ks:
            print(lsa_row(f"{label}, k={k}", X, k, args.repeats, args.pause), flush=True)
            print(nmf_row(f"{label}, k={k}", X, k, args.repeats, args.pause), flush=True)


if __name__ == "__main__":
    main()
