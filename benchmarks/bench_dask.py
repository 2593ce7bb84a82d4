"""`topicmf run --dask local:N` with 1 and 2 worker processes, and the same run on one machine, on a planted corpus.

Each configuration runs as a fresh process (``--repeats`` times, alternating), ``-k 50`` with defaults
(Poisson NMF, coordinate descent) on the seeded synthetic corpus of benchmarks/synthetic.py; wall time,
stage timings from the manifest, the objective (equal across configurations up to rounding) and NMI.

    python benchmarks/bench_dask.py [--docs 100000] [--data ../bench-data] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic import write_corpus  # noqa: E402

CONFIGS = {"one machine (numba: 2 threads)": [], "--dask local:1": ["--dask", "local:1"],
           "--dask local:2": ["--dask", "local:2"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--data", type=Path, default=HERE.parents[1] / "bench-data")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    corpus = args.data / f"synthetic-{args.docs}.jsonl"
    if not corpus.exists():
        write_corpus(corpus, args.docs, seed=0)
    out = Path(tempfile.mkdtemp(prefix="bench_dask_"))
    results = {name: [] for name in CONFIGS}
    for _ in range(args.repeats):
        for name, extra in CONFIGS.items():
            target = out / name.replace(" ", "_").replace(":", "")
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "topicmf", "run", str(corpus), "-k", "50", "--out", str(target),
                            "--force", "-q", *extra], check=True, stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - started
            results[name].append((wall, json.loads((target / "manifest.json").read_text())))
    print(f"corpus: synthetic planted topics, {args.docs:,} documents; `topicmf run -k 50`; "
          f"{args.repeats} alternating runs each, medians\n")
    print("| configuration | wall | reading | fitting | neighbours | iterations | objective | NMI |")
    print("|---|---|---|---|---|---|---|---|")
    for name, runs in results.items():
        m = runs[-1][1]
        t = {stage: statistics.median(r[1]["timings"][stage] for r in runs) for stage in ("reading", "fitting",
                                                                                          "neighbours")}
        print(f"| {name} | {statistics.median(r[0] for r in runs):.1f} s | {t['reading']:.1f} s | "
              f"{t['fitting']:.1f} s | {t['neighbours']:.1f} s | {m['model']['n_iter']} | "
              f"{m['model']['objective']:.10g} | {m['metrics']['labels']['nmi']:.3f} |")


if __name__ == "__main__":
    main()
