"""`topicmf run --dask local:2` on the planted corpora of 10⁵ and 10⁶ documents: the client's memory, the workers'.

The point of a run on a cluster is that the process running ``topicmf`` (the client) does not grow with
the corpus: the documents' profiles, word vectors and neighbours stay on the workers, which write the
per-document files themselves.  For each size this script runs

    topicmf run CORPUS -k 50 --dask local:2 --out RUN -q

as a separate process and samples every 0.2 s from /proc the resident memory of the client process
alone and of each worker process (the LocalCluster's workers are the client's descendants), and
records the wall time, the stage timings, the neighbour graph's recall@10 and score ratio (measured
by the run on 1,000 random documents against exact search), NMI against the planted topics, and the
time of ``topicmf similar`` and ``topicmf query`` on the saved run (median of 3, loading included).

    python benchmarks/bench_cluster.py [--sizes 100000,1000000] [--data ../bench-data] [--keep]
                                       [--address tcp://127.0.0.1:8786]

The corpora are those of bench_scale.py (benchmarks/synthetic.py, seed 0), generated when missing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_scale  # noqa: E402
from synthetic import write_corpus  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def _processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, resident bytes) of every process."""
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                out[int(entry)] = (int(fields[1]), int(fields[21]) * PAGE)
            except OSError:
                continue
    return out


def _descendants(pid: int, table: dict) -> list[int]:
    children: dict[int, list[int]] = {}
    for p, (parent, _) in table.items():
        children.setdefault(parent, []).append(p)
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def run_measured(cmd: list[str]) -> dict:
    """Run ``cmd``; the peak RSS of the process itself and of each descendant (the workers), and the wall time."""
    client, others = [0], {}

    def sample(pid):
        table = _processes()
        client[0] = max(client[0], table.get(pid, (0, 0))[1])
        for p in _descendants(pid, table):
            others[p] = max(others.get(p, 0), table[p][1])

    wall, _ = bench_scale.run_measured(cmd, sample, every=0.2)
    return {"wall_s": wall, "client_peak_gb": client[0] / 2**30,
            "descendant_peaks_gb": sorted((v / 2**30 for v in others.values()), reverse=True)}


def measure(n_docs: int, data: Path, keep: bool, workers: int, address: str | None = None) -> dict:
    corpus = data / f"synthetic-{n_docs}.jsonl"
    if not corpus.exists():
        write_corpus(corpus, n_docs, seed=0)
    out = Path(tempfile.mkdtemp(prefix="bench_cluster_", dir=data)) / "run"
    try:
        row = run_measured([sys.executable, "-m", "topicmf", "run", str(corpus), "-k", "50", "--dask",
                            address or f"local:{workers}", "--out", str(out), "-q"])
        manifest = json.loads((out / "manifest.json").read_text())
        first_id = json.loads(corpus.open().readline())["id"]
        row.update({
            "documents": n_docs, "stages": manifest["timings"], "nmi": manifest["metrics"]["labels"]["nmi"],
            "client_ru_maxrss_mb": manifest["peak_memory_mb"],
            "worker_ru_maxrss_mb": manifest["cluster"]["worker_peak_memory_mb"],
            "neighbours": manifest["neighbours"],
            "folder_mb": sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1e6,
            "similar_s": bench_scale.timed([sys.executable, "-m", "topicmf", "similar", str(out), first_id]),
            "query_s": bench_scale.timed([sys.executable, "-m", "topicmf", "query", str(out), "vicupura seme bovuluk zulo"]),
        })
    finally:
        if not keep:
            shutil.rmtree(out.parent, ignore_errors=True)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--data", type=Path, default=HERE.parents[1] / "bench-data")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the run folders")
    parser.add_argument("--address", default=None,
                        help="a running scheduler (tcp://…) instead of a LocalCluster: the scheduler and the workers "
                             "then live outside the client's process (the workers' memory is not sampled)")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.sizes.split(","):
        rows.append(measure(int(n), args.data, args.keep, args.workers, args.address))
        print(json.dumps(rows[-1], indent=1), flush=True)
    print(f"\nmachine: {os.cpu_count()} cores; `topicmf run CORPUS -k 50 --dask local:{args.workers}` "
          "(one thread per worker process)\n")
    print("| documents | wall | client peak RSS | workers' peak RSS | reading | fitting | evaluating | neighbours | "
          "writing | NMI | recall@10, score ratio | similar | query |")
    print("|---|" + "---|" * 12)
    for r in rows:
        s, nb = r["stages"], r["neighbours"]
        recall = "exact" if nb["method"] == "exact" else f"{nb['recall']:.3f}, {nb['score_ratio']:.4f}"
        workers = ", ".join(f"{v:.2f}" for v in r["descendant_peaks_gb"][:args.workers])
        print(f"| {r['documents']:,} | {r['wall_s']:.0f} s | {r['client_peak_gb']:.2f} GB | {workers} GB | "
              f"{s['reading']:.1f} s | {s['fitting']:.1f} s | {s['evaluating']:.1f} s | {s['neighbours']:.1f} s | "
              f"{s.get('writing', float('nan')):.1f} s | {r['nmi']:.3f} | {recall} | {r['similar_s']:.2f} s | "
              f"{r['query_s']:.2f} s |")
    for small, large in zip(rows, rows[1:]):
        print(f"\nclient peak {large['documents']:,} / {small['documents']:,}: "
              f"{large['client_peak_gb'] / small['client_peak_gb']:.2f}")


if __name__ == "__main__":
    main()
