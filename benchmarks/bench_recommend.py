"""Rating matrices on MovieLens-100k: topicmf's ExplicitMF / ImplicitMF against the reference libraries.

MovieLens-100k is read from the ``recbole==1.2.1`` wheel (``pip install --no-deps recbole==1.2.1``;
its licence forbids copying the file anywhere, so it is read where pip put it); the script
stops with a message when it is absent.  Default threads.

* explicit: the same five seeded folds of the known cells (``kfold_known``, seed 0; ``--fold-seed``)
  for every method: topicmf ``ExplicitMF()`` with its defaults, the same with scikit-surprise
  ``SVD``'s settings (η = 0.005, 0.02 penalties, 20 epochs), ``solver="als"`` on the defaults'
  objective (k = 100 and k = 20, 15 sweeps) and the ``baseline`` (each bias penalised once,
  γ = 15, δ = 10, 10 sweeps: scikit-surprise's ``BaselineOnly``); scikit-surprise does not import
  with numpy 2, so it runs in another Python named by ``--surprise-python PY`` (or
  ``TOPICMF_SURPRISE_PYTHON``; e.g. a venv with ``pip install "numpy<2" scikit-surprise``), on the
  same folds written as files, fold by fold between topicmf's fits; without it, its figures are the
  anchors of ../shared/notes/ratings-and-scale.md;
* implicit: ratings ≥ 4 as positives, one seeded 80/20 split (``implicit.evaluation.train_test_split``
  with random_state 0 when `implicit` imports, else ``split_known``); topicmf ``ImplicitMF(64,
  alpha=α, reg=0.01)``, 15 iterations, against `implicit`'s ``AlternatingLeastSquares(64,
  regularization=0.01, alpha=10, iterations=15)``; both scored by ``topicmf.ratings.ranking_metrics``
  (implicit's definitions; its own evaluation code fails on scipy ≥ 1.15 in 0.7.2), seeds 0–7 for
  every method in turn, means and ranges of the metrics, medians of the fit times.  topicmf's weight
  is w = 1 + α x, implicit's confidence α x: α = 9 is implicit's α = 10;
* end to end: `topicmf recommend` on the file with its defaults (read, 80/20 evaluation with the
  baseline beside, the fit on every cell, recommendations, similar items, the folder).

    python benchmarks/bench_recommend.py [--fold-seed 0] [--surprise-python /path/to/python]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from importlib.resources import files
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from topicmf import ExplicitMF, ImplicitMF
from topicmf.ratings import kfold_known, ranking_metrics, rating_errors, read_ratings, split_known


FOLD_SEED = int(sys.argv[sys.argv.index("--fold-seed") + 1]) if "--fold-seed" in sys.argv else 0
SURPRISE_PYTHON = (sys.argv[sys.argv.index("--surprise-python") + 1] if "--surprise-python" in sys.argv
                   else os.environ.get("TOPICMF_SURPRISE_PYTHON"))


def movielens():
    if find_spec("recbole") is None:
        sys.exit("MovieLens-100k comes with recbole==1.2.1: pip install --no-deps recbole==1.2.1")
    return read_ratings(files("recbole") / "dataset_example" / "ml-100k" / "ml-100k.inter")


def explicit(r):
    methods = {
        "topicmf ExplicitMF() (defaults: sgd, k 100, η 0.01, α β 0.1, γ δ 0.02, 30 epochs)":
            lambda tr: ExplicitMF(random_state=0).fit(tr),
        "topicmf ExplicitMF with scikit-surprise SVD's settings (η 0.005, 0.02, 20 epochs)": lambda tr: ExplicitMF(
            alpha=0.02, beta=0.02, learning_rate=0.005, max_iter=20, random_state=0).fit(tr),
        "topicmf ExplicitMF(solver='als'), the defaults' objective, 15 sweeps": lambda tr: ExplicitMF(
            solver="als", max_iter=15, random_state=0).fit(tr),
        "topicmf ExplicitMF(20, solver='als'), 15 sweeps": lambda tr: ExplicitMF(
            20, solver="als", max_iter=15, random_state=0).fit(tr),
        "topicmf baseline (penalty total, γ 15, δ 10, 10 sweeps)": lambda tr: ExplicitMF(
            solver="baseline", gamma=15, delta=10, penalty="total", max_iter=10).fit(tr),
    }
    surprise = SURPRISE_PYTHON
    if surprise:
        print(f"scikit-surprise runs in {surprise} (it needs numpy < 2), one fold at a time, alternating with "
              "topicmf's fits on the same folds; its times exclude that interpreter's start-up\n")
        methods["scikit-surprise SVD() (defaults: k 100, η 0.005, 0.02, 20 epochs)"] = "svd"
        methods["scikit-surprise BaselineOnly() (ALS, 10 sweeps)"] = "baseline"
    else:
        print("no scikit-surprise here (--surprise-python PY names a Python that has it); its figures are the notes' "
              "anchors (SVD() RMSE 0.9344, MAE 0.7367, 0.39 s a fold; BaselineOnly() 0.944)\n")
    ExplicitMF(5, max_iter=1).fit(r.R)  # compile outside the timings
    results = {name: ([], [], []) for name in methods}
    users, items = np.array(r.user_ids), np.array(r.item_ids)
    with tempfile.TemporaryDirectory() as tmp:
        for fold, (train, test) in enumerate(kfold_known(r.R, 5, random_state=FOLD_SEED)):
            files_ = {}
            for name, fit in methods.items():
                if isinstance(fit, str):
                    if not files_:
                        for part, matrix in (("train", train), ("test", test)):
                            coo = matrix.tocoo()
                            files_[part] = f"{tmp}/{part}{fold}.tsv"
                            lines = [f"{u}\t{i}\t{v:g}" for u, i, v in zip(users[coo.row], items[coo.col], coo.data)]
                            Path(files_[part]).write_text("\n".join(lines) + "\n")
                    out = subprocess.run([surprise, str(Path(__file__).with_name("_surprise_fold.py")), files_["train"],
                                          files_["test"], fit], capture_output=True, text=True, check=True)
                    found = json.loads(out.stdout.strip().splitlines()[-1])
                    results[name][0].append(found["rmse"])
                    results[name][1].append(found["mae"])
                    results[name][2].append(found["seconds"])
                    continue
                started = time.perf_counter()
                model = fit(train)
                errors = rating_errors(model, test)
                results[name][2].append(time.perf_counter() - started)
                results[name][0].append(errors["rmse"])
                results[name][1].append(errors["mae"])
    print("| method | RMSE (5 folds) | MAE | fit + test per fold (median) |\n|---|---|---|---|")
    for name, (rmse, mae, seconds) in results.items():
        print(f"| {name} | {np.mean(rmse):.4f} | {np.mean(mae):.4f} | {statistics.median(seconds):.2f} s |")
    if surprise:
        ours = statistics.median(results[next(iter(methods))][2])
        theirs = statistics.median(results["scikit-surprise SVD() (defaults: k 100, η 0.005, 0.02, 20 epochs)"][2])
        print(f"\ntopicmf's defaults / scikit-surprise SVD(), fit + test time: {ours / theirs:.2f}×")


class _Adapter:
    """implicit's factors behind the recommend() that ranking_metrics calls."""

    def __init__(self, model, known):
        self.U, self.V, self.known = np.asarray(model.user_factors), np.asarray(model.item_factors), known

    def recommend(self, users, n_items=10, exclude_known=True):
        scores = self.U[users] @ self.V.T
        known = self.known[users]
        scores[np.repeat(np.arange(len(users)), np.diff(known.indptr)), known.indices] = -np.inf
        top = np.argsort(-scores, axis=1, kind="stable")[:, :n_items]
        return top, np.take_along_axis(scores, top, axis=1)


SEEDS = 8


def implicit_feedback(r):
    positives = r.R.copy()
    positives.data = (positives.data >= 4).astype(np.float64)
    positives.eliminate_zeros()
    have_implicit = find_spec("implicit") is not None
    if have_implicit:
        from implicit.als import AlternatingLeastSquares
        from implicit.evaluation import train_test_split

        train, test = (m.tocsr() for m in train_test_split(positives.astype(np.float32), 0.8, random_state=0))
        train = train.astype(np.float64)
    else:
        print("implicit does not import here; its figures are the notes' anchors")
        train, test = split_known(positives, 0.2, random_state=0)
    methods = {f"topicmf ImplicitMF(64, alpha={a:g}, reg 0.01, cg 2 steps, 15 it)":
               (lambda seed, a=a: ImplicitMF(64, alpha=a, reg=0.01, max_iter=15, random_state=seed).fit(train))
               for a in (9.0, 10.0)}
    if have_implicit:
        def reference(seed):
            model = AlternatingLeastSquares(factors=64, regularization=0.01, alpha=10.0, iterations=15,
                                            random_state=seed)
            model.fit(train.astype(np.float32), show_progress=False)
            return _Adapter(model, train)

        methods["implicit ALS(64, reg 0.01, α 10, 15 it)"] = reference
    ImplicitMF(4, max_iter=1).fit(train)
    times = {name: [] for name in methods}
    scores = {name: [] for name in methods}
    for seed in range(SEEDS):  # alternating: every method once per seed, the same split
        for name, fit in methods.items():
            started = time.perf_counter()
            model = fit(seed)
            times[name].append(time.perf_counter() - started)
            scores[name].append(ranking_metrics(model, test, 10))
    print(f"\nsplit: {train.nnz:,} training and {test.nnz:,} held-out positives; seeds 0–{SEEDS - 1}\n")
    print("| method | P@10 mean (min–max) | MAP@10 mean (min–max) | NDCG@10 | AUC | fit (median) |\n"
          "|---|---|---|---|---|---|")
    for name in methods:
        rows = scores[name]

        def spread(key):
            values = [m[key] for m in rows]
            return f"{np.mean(values):.4f} ({min(values):.3f}–{max(values):.3f})"

        print(f"| {name} | {spread('precision')} | {spread('map')} | {np.mean([m['ndcg'] for m in rows]):.4f} | "
              f"{np.mean([m['auc'] for m in rows]):.4f} | {statistics.median(times[name]):.3f} s |")
    if have_implicit:
        ours, theirs = scores[next(iter(methods))], scores["implicit ALS(64, reg 0.01, α 10, 15 it)"]
        for key in ("precision", "map"):
            wins = sum(a[key] >= b[key] for a, b in zip(ours, theirs))
            print(f"seed by seed, topicmf (α 9 = implicit's α 10) ≥ implicit on {key}: {wins} of {SEEDS}")


def end_to_end(r):
    """The whole `topicmf recommend` run (read, evaluate, fit, recommend, write) with its defaults."""
    import tempfile

    from topicmf.workflow.recommend import recommend

    path = files("recbole") / "dataset_example" / "ml-100k" / "ml-100k.inter"
    seconds = []
    for n in range(3):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            result = recommend(path, out=f"{tmp}/run")
            seconds.append(time.perf_counter() - started)
    m = result.manifest
    print(f"\n`topicmf recommend ml-100k.inter` (defaults, in-process, median of 3): {statistics.median(seconds):.2f} s; "
          f"held-out RMSE {m['metrics']['model']['rmse']:.4f} (baseline {m['metrics']['reference']['rmse']:.4f}); "
          f"stages {', '.join(f'{k} {v:.2f} s' for k, v in m['timings'].items())}")


def main():
    warnings.simplefilter("ignore")
    r = movielens()
    print(f"MovieLens-100k: {r.shape[0]} users × {r.shape[1]} items, {r.R.nnz:,} ratings\n")
    explicit(r)
    implicit_feedback(r)
    end_to_end(r)


if __name__ == "__main__":
    main()
