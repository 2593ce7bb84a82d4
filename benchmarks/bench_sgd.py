"""SGD per epoch as a user runs it, against the floor of two sparse products (issue 23).

    python benchmarks/bench_sgd.py [--repeats 5] [--corpus ../shared/corpora/20news] [-k 20]

The matrix is what ``topicmf run`` factorizes by default for Frobenius NMF: the corpus read with
the default options (``vectorize(corpus)``), counts as float64.  Each measurement is a fresh
estimator fitted the way a user calls it, ``FrobeniusNMF(solver="sgd", max_iter=n).fit(X)``, in
the default configuration (every numba thread; BLAS as topicmf holds it during a fit), so it
includes everything an epoch costs: the zero cells' exact gradient, the stratified pass, the
objective.  An epoch's time is (time at 7 epochs − time at 2) / 5, which cancels the start, the
schedule and the final fold-in.  The floor is ``X @ H.T`` plus ``X.T @ W`` with scipy in float64,
best of 5.

This machine is shared: the same fit takes 65 ms an epoch in a quiet minute and 140 ms in a busy
one, while the single-threaded floor moves less, so a floor taken once beside fit times taken
later is not a ratio of one machine state.  Each round therefore measures the floor, a 2-epoch and
a 7-epoch fit back to back and gives its own ratio; the table reports the rounds' median and
range, and the ratio of the best epoch to the best floor.  The same is reported for Poisson NMF's
and LSA's SGD and for the explicit rating model's epoch (planted ratings the size of
MovieLens-1M) against its own floor (R V + Rᵀ U).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _fit_time(make, X, epochs) -> float:
    started = time.perf_counter()
    fitted = make(epochs).fit(X)
    seconds = time.perf_counter() - started
    assert fitted.n_iter_ == epochs, "the fit stopped before max_iter: the difference would not be epochs"
    return seconds


def floor(A, U, V) -> float:
    """Best of 5: A @ V + Aᵀ @ U (scipy, float64)."""
    best = np.inf
    for _ in range(5):
        started = time.perf_counter()
        A @ V
        A.T @ U
        best = min(best, time.perf_counter() - started)
    return best


def rounds(make, X, U, V, repeats: int) -> dict:
    """``repeats`` rounds of (floor, 2 epochs, 7 epochs); per-round epoch times and ratios."""
    make(2).fit(X)  # compile and warm
    epochs, floors, ratios = [], [], []
    for _ in range(repeats):
        base = floor(X, U, V)
        epoch = (_fit_time(make, X, 7) - _fit_time(make, X, 2)) / 5
        epochs.append(epoch)
        floors.append(base)
        ratios.append(epoch / base)
    return {"epoch": statistics.median(epochs), "floor": statistics.median(floors), "ratio": statistics.median(ratios),
            "low": min(ratios), "high": max(ratios), "best": min(epochs) / min(floors)}


def _row(name: str, r: dict) -> str:
    return (f"| {name} | {1000 * r['epoch']:.1f} | {1000 * r['floor']:.1f} | **{r['ratio']:.2f}×** "
            f"({r['low']:.2f}–{r['high']:.2f}) | {r['best']:.2f}× |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpora" / "20news"))
    parser.add_argument("-k", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import numba

    import topicmf
    from topicmf import FrobeniusNMF, LSA, PoissonNMF

    dtm = topicmf.vectorize(args.corpus, keep_stream=False)
    X = dtm.X.astype(np.float64)
    k = args.k
    rng = np.random.default_rng(0)
    U, V = rng.random((X.shape[0], k)), rng.random((X.shape[1], k))
    print(f"corpus {Path(args.corpus).name}: {X.shape[0]:,} x {X.shape[1]:,}, nnz {X.nnz:,}; k = {k}; "
          f"numba threads {numba.get_num_threads()}, topicmf {topicmf.__version__}, numpy {np.__version__}; "
          f"{args.repeats} rounds\n")
    print("| estimator | ms per epoch (median) | floor ms (median) | × floor: median (range) of the rounds | "
          "best epoch / best floor |")
    print("|---|---|---|---|---|")
    makes = [
        ("FrobeniusNMF(solver='sgd', max_iter=n)", lambda n: FrobeniusNMF(k, solver="sgd", max_iter=n, random_state=0)),
        ("PoissonNMF(solver='sgd', max_iter=n)", lambda n: PoissonNMF(k, solver="sgd", max_iter=n, random_state=0)),
        ("LSA(solver='sgd', max_iter=n)", lambda n: LSA(k, solver="sgd", max_iter=n, random_state=0)),
    ]
    for name, make in makes:
        print(_row(name, rounds(make, X, U, V, args.repeats)), flush=True)
    ratings_epoch(args.repeats)


def ratings_epoch(repeats: int) -> None:
    """The explicit model's SGD on planted ratings the size of MovieLens-1M (6,040 × 3,706, 1M cells), k = 100."""
    from topicmf import ExplicitMF

    rng = np.random.default_rng(1)
    n, m, cells = 6040, 3706, 1_000_209
    flat = rng.choice(n * m, cells, replace=False)
    R = sp.csr_matrix((rng.integers(1, 6, cells).astype(np.float64), (flat // m, flat % m)), shape=(n, m))
    U, V = rng.random((n, 100)), rng.random((m, 100))
    r = rounds(lambda e: ExplicitMF(100, max_iter=e, random_state=0), R, U, V, repeats)
    print(_row(f"ExplicitMF(100, max_iter=n), {n:,} x {m:,}, {cells:,} cells", r))


if __name__ == "__main__":
    main()
