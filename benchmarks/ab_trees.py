"""Same-window A/B of two source trees of topicmf: is the new one slower anywhere?

    python benchmarks/ab_trees.py OLD_TREE NEW_TREE [--corpus ../shared/corpora/20news] [--pairs 4]
                                  [--what run,vectorize,solvers]

A tree is a checkout of the repository (``git worktree add /tmp/old 2cb86d7``).  Every measurement
runs in a fresh process with ``PYTHONPATH`` set to one tree, the two trees alternating, ``--pairs``
times, so both see the same machine; the table gives each tree's median and the median (and
range) of the paired ratios NEW / OLD — on a shared machine the ratios are the steadier figure.

* ``run``: the wall time of ``topicmf run CORPUS -k 10`` with defaults (and its objective, which
  must agree);
* ``vectorize``: ``topicmf.vectorize(CORPUS)`` with defaults, in-process time;
* ``solvers``: every topic solver at k = 20 on the corpus's matrix, a fit of 25 iterations
  (tol 0), best of 3 in its process.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_VECTORIZE = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
import topicmf
assert topicmf.__file__.startswith(sys.argv[1]), topicmf.__file__
started = time.perf_counter()
topicmf.vectorize(sys.argv[2], keep_stream=False)
print(json.dumps({"vectorize": time.perf_counter() - started}))
"""

_SOLVERS = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np
import topicmf
from topicmf.factorize import factorize
assert topicmf.__file__.startswith(sys.argv[1]), topicmf.__file__
X = topicmf.vectorize(sys.argv[2], keep_stream=False).X.astype(np.float64)
times = {}
for model, solver in (("pnmf", "cd"), ("pnmf", "mu"), ("pnmf", "sgd"), ("nmf", "hals"), ("nmf", "mu"),
                      ("nmf", "als"), ("nmf", "sgd"), ("lsa", "als"), ("lsa", "gd"), ("lsa", "sgd")):
    def fit():
        started = time.perf_counter()
        factorize(X, 20, model=model, solver=solver, max_iter=25, tol=0.0, random_state=0)
        return time.perf_counter() - started
    fit()
    times[f"{model} {solver}, 25 iterations"] = min(fit() for _ in range(3))
print(json.dumps(times))
"""


def _child(tree: Path, args: list[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(tree))
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, check=True, cwd=tempfile.gettempdir())


def measure(what: str, tree: Path, corpus: Path, scratch: Path) -> dict:
    """One process's figures (seconds) for ``what`` on ``tree``."""
    if what == "run":
        out = scratch / tree.name
        started = time.perf_counter()
        _child(tree, ["-m", "topicmf", "run", str(corpus), "-k", "10", "--out", str(out), "--force", "-q"])
        wall = time.perf_counter() - started
        manifest = json.loads((out / "manifest.json").read_text())
        return {"topicmf run, wall": wall, "objective": manifest["model"]["objective"]}
    code = {"vectorize": _VECTORIZE, "solvers": _SOLVERS}[what]
    return json.loads(_child(tree, ["-c", code, str(tree), str(corpus)]).stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "20news")
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--what", default="run,vectorize,solvers")
    args = parser.parse_args()
    old, new = args.old.resolve(), args.new.resolve()
    if old.name == new.name:
        parser.error("the two trees need different folder names (their run folders are named after them)")
    print(f"A/B {old} (old) against {new} (new); corpus {args.corpus.name}; {args.pairs} alternating pairs, "
          f"a warm-up pair first (numba compiles each tree once); default threads\n")
    print("| measure | old (median) | new (median) | new / old: median (range) of the pairs |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for what in args.what.split(","):
            for tree in (old, new):  # warm-up: compile and cache
                measure(what, tree, args.corpus, Path(scratch))
            pairs = []
            for _ in range(args.pairs):
                a = measure(what, old, args.corpus, Path(scratch))
                b = measure(what, new, args.corpus, Path(scratch))
                pairs.append((a, b))
                print(f"  {what}: {json.dumps(a)} | {json.dumps(b)}", file=sys.stderr, flush=True)
            for key in pairs[0][0]:
                if key == "objective":
                    same = all(a[key] == b[key] for a, b in pairs)
                    print(f"| objective | {pairs[0][0][key]} | {pairs[0][1][key]} | {'equal in every pair' if same else 'DIFFERS'} |")
                    continue
                olds, news = [a[key] for a, _ in pairs], [b[key] for _, b in pairs]
                ratios = [b / a for a, b in zip(olds, news)]
                print(f"| {key} | {statistics.median(olds):.3f} s | {statistics.median(news):.3f} s | "
                      f"**{statistics.median(ratios):.2f}×** ({min(ratios):.2f}–{max(ratios):.2f}) |", flush=True)


if __name__ == "__main__":
    main()
