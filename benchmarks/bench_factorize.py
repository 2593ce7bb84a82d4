"""Factorization speed: topicmf's default solvers against scikit-learn, and per-iteration cost.

On each corpus (k = 20, the count matrix of `topicmf.vectorize` with min_df=5, max_df=0.5,
the same initial factors for both libraries, threads at their defaults as a user has them:
BLAS and numba use every core; topicmf's fits hold BLAS to one thread themselves):

* Frobenius: topicmf FrobeniusNMF() vs sklearn NMF(solver="cd"), both with default stopping;
* Poisson:   topicmf PoissonNMF() vs sklearn NMF(solver="mu", beta_loss="kullback-leibler");
* LSA:       topicmf LSA() vs sklearn TruncatedSVD(algorithm="randomized"), residuals
             against ARPACK run to machine precision;
* per iteration: every solver (30 minus 10 iterations), against the floor, the two sparse × dense
  products an iteration needs (scipy's, and topicmf's parallel kernel).

Objectives are computed by topicmf.factorize.topics.losses on the final factors of each library
(they equal sklearn's _beta_divergence).  Runs alternate between the libraries, each after 0.3 s
of quiet (so that neither meets the other's BLAS threads still spinning); medians.

    python benchmarks/bench_factorize.py [--corpora 20news bbc] [--repeats 3]
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
import sklearn
from scipy.sparse.linalg import svds
from sklearn.decomposition import NMF, TruncatedSVD
from threadpoolctl import threadpool_info

import topicmf
from topicmf.factorize import fit_frobenius, fit_lsa, fit_poisson, frobenius_loss, poisson_loss
from topicmf.factorize.engine import kernels as _kernels
from topicmf.factorize.topics.init import initialize
from topicmf.text import TextOptions

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
K = 20


def timed(fn):
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


PAUSE = 0.3  # seconds of quiet before each timed run: OpenBLAS's idle threads spin ~0.1 s after a call


def median_runs(runs: dict, repeats: int) -> dict:
    """Run each callable ``repeats`` times, alternating; keep the last result and the median time."""
    times = {name: [] for name in runs}
    results = {}
    for _ in range(repeats):
        for name, fn in runs.items():
            time.sleep(PAUSE)
            seconds, results[name] = timed(fn)
            times[name].append(seconds)
    return {name: (statistics.median(times[name]), results[name]) for name in runs}


def compare_nmf(X, repeats):
    W0f, H0f = initialize(X, K, "nndsvda", np.random.default_rng(0), loss="frobenius")
    W0p, H0p = initialize(X, K, "nndsvda", np.random.default_rng(0), loss="poisson")

    def sk(solver, beta, W0, H0):
        model = NMF(K, solver=solver, beta_loss=beta, init="custom", random_state=0)
        W = model.fit_transform(X, W=W0.copy(), H=H0.copy())
        return W, model.components_, model.n_iter_

    rows = []
    for label, loss, sk_args, ours in (
        ("Frobenius", frobenius_loss, ("cd", "frobenius", W0f, H0f),
         lambda: fit_frobenius(X, K, init="custom", W=W0f, H=H0f)),
        ("Poisson (KL)", poisson_loss, ("mu", "kullback-leibler", W0p, H0p),
         lambda: fit_poisson(X, K, init="custom", W=W0p, H=H0p)),
    ):
        res = median_runs({"sklearn": lambda a=sk_args: sk(*a), "topicmf": ours}, repeats)
        t_sk, (W, H, it_sk) = res["sklearn"]
        t_tm, fit = res["topicmf"]
        f_sk = loss(X, W, H)
        reached = np.flatnonzero(fit.loss_curve <= f_sk)
        rows.append(
            f"| {label} | {t_sk:.2f} s, {it_sk} it, {f_sk:,.1f} | {t_tm:.2f} s, {fit.n_iter} it, {fit.objective:,.1f} "
            f"| {t_tm / t_sk:.3f} | {'yes' if fit.objective <= f_sk else 'NO'} "
            f"| {reached[0] + 1 if reached.size else 'never'} |"
        )
    return rows


def compare_lsa(X, repeats):
    res = median_runs(
        {
            "sklearn": lambda: TruncatedSVD(K, algorithm="randomized", random_state=0).fit(X),
            "topicmf": lambda: fit_lsa(X, K, random_state=0),
            "arpack": lambda: svds(X, k=K, tol=0, random_state=0),
        },
        repeats,
    )
    norm2 = float(X.data @ X.data)
    t_ar, (_, s, _) = res["arpack"]
    best = 0.5 * (norm2 - float(np.sum(s**2)))
    t_sk, model = res["sklearn"]
    W_sk = model.transform(X)
    f_sk = frobenius_loss(X, W_sk, model.components_)
    t_tm, fit = res["topicmf"]
    return [
        f"| LSA | {t_sk:.2f} s, residual +{(f_sk / best - 1) * 100:.3f}% | {t_tm:.2f} s, residual "
        f"+{(fit.objective / best - 1) * 100:.3f}% | {t_tm / t_sk:.3f} | ARPACK (tol=0): {t_ar:.2f} s |"
    ]


def per_iteration(X, repeats):
    Xt = X.T.tocsr()
    W = np.ascontiguousarray(np.random.default_rng(0).random((X.shape[0], K)))
    Ht = np.ascontiguousarray(np.random.default_rng(1).random((X.shape[1], K)))
    out_W, out_H = np.empty_like(W), np.empty_like(Ht)

    def floor_scipy():
        X @ Ht
        Xt @ W

    def floor_kernel():
        _kernels.spmm(X.indptr, X.indices, X.data, Ht, out_W)
        _kernels.spmm(Xt.indptr, Xt.indices, Xt.data, W, out_H)

    def floor(fn, calls=20):  # back-to-back calls after a quiet pause, as a solver makes them
        time.sleep(PAUSE)
        fn()
        return timed(lambda: [fn() for _ in range(calls)])[0] / calls

    floors = {name: statistics.median(floor(fn) for _ in range(max(5, repeats))) for name, fn in
              (("scipy", floor_scipy), ("kernel", floor_kernel))}
    rows = []
    for model, fit, solvers in (
        ("nmf", fit_frobenius, ("hals", "mu", "als", "sgd")),
        ("pnmf", fit_poisson, ("cd", "mu", "sgd")),
        ("lsa", fit_lsa, ("als", "gd", "sgd")),
    ):
        for solver in solvers:
            # the difference of a 30- and a 10-iteration run cancels the fixed costs
            # (initialisation, the final fold-in of W), leaving 20 iterations
            def run(n):
                time.sleep(PAUSE)
                return timed(lambda: fit(X, K, solver=solver, max_iter=n, tol=0, random_state=0))[0]

            per = statistics.median((run(30) - run(10)) / 20 for _ in range(repeats))
            rows.append(f"| {model} {solver} | {per * 1000:.0f} ms | {per / floors['scipy']:.1f}x | {per / floors['kernel']:.1f}x |")
    return floors, rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", nargs="+", default=["20news", "bbc"])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; Python {platform.python_version()}, numpy "
          f"{np.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, topicmf "
          f"{topicmf.__version__}; k = {K}; medians of {args.repeats} runs")
    blas = ", ".join(f"{i['internal_api']} {i['num_threads']}" for i in threadpool_info() if i["user_api"] == "blas")
    print(f"threads: defaults (BLAS: {blas} threads; numba: {numba.get_num_threads()} threads)")
    for name in args.corpora:
        path = SHARED / name
        if not path.is_dir():
            print(f"\n{name}: not found at {path}, skipped")
            continue
        dtm = topicmf.vectorize(path, TextOptions(min_df=5, max_df=0.5))
        X = dtm.X.astype(np.float64)
        fit_poisson(X, K, max_iter=2)  # compile the kernels before timing
        fit_frobenius(X, K, max_iter=2)
        print(f"\n### {name}: {X.shape[0]:,} documents x {X.shape[1]:,} terms, {X.nnz:,} nonzeros\n")
        print("| model | scikit-learn (time, iterations, objective) | topicmf default | time ratio | "
              "objective <= sklearn | topicmf iterations to sklearn's objective |")
        print("|---|---|---|---|---|---|")
        for row in compare_nmf(X, args.repeats):
            print(row, flush=True)
        print("\n| model | scikit-learn TruncatedSVD | topicmf LSA | time ratio | reference |")
        print("|---|---|---|---|---|")
        for row in compare_lsa(X, args.repeats):
            print(row, flush=True)
        floors, rows = per_iteration(X, args.repeats)
        print(f"\nfloor (two sparse x dense products, k={K}): scipy {floors['scipy'] * 1000:.0f} ms, "
              f"topicmf kernel {floors['kernel'] * 1000:.0f} ms\n")
        print("| solver | per iteration | vs scipy floor | vs kernel floor |")
        print("|---|---|---|---|")
        for row in rows:
            print(row, flush=True)


if __name__ == "__main__":
    main()
