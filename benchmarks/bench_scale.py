"""`topicmf run` on planted-topic corpora of 10⁵ and 10⁶ documents: time per stage, peak memory, quality, the page.

For each size, the seeded generator (benchmarks/synthetic.py: LDA process, 50 topics, α = 0.1,
~120 tokens a document, 50,000 pseudo-words) writes a JSONL corpus once into ``--data``; then

* ``topicmf run CORPUS -k 50`` runs with defaults as a separate process while this script
  samples the resident memory of its whole process tree (the run and its tokenizer workers)
  every 0.1 s from /proc; wall time, stage timings (from the manifest), peak RSS, NMI against
  the planted label, neighbour method and recall, and the sizes of the files are recorded;
* ``topicmf similar`` and ``topicmf query`` are timed on the saved run (separate processes,
  loading included, median of 3);
* the page is opened from file:// in Debian's Chromium (Playwright, network blocked) and the
  time to the page's ``data-ready`` mark is measured (median of 3 loads).

    python benchmarks/bench_scale.py [--sizes 10000,100000,1000000] [--data ../bench-data] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic import write_corpus  # noqa: E402

from topicmf.resources import tree_rss  # noqa: E402  (summed RSS of the run's process tree)

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def run_measured(cmd: list[str], sample=None, every: float = 0.1) -> tuple[float, int]:
    """Run a command, sampling its process tree's RSS; returns (wall seconds, peak bytes).

    ``sample(pid)``, when given, is called at each sampling instead (and the peak returned is 0)."""
    peak = [0]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sampling():
        while not done.is_set():
            if sample is None:
                peak[0] = max(peak[0], tree_rss(proc.pid, proportional=False))
            else:
                sample(proc.pid)
            done.wait(every)

    thread = threading.Thread(target=sampling, daemon=True)
    thread.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - started
    done.set()
    thread.join()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err[-3000:]}")
    return wall, peak[0]


def timed(cmd: list[str], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def page_ready(page_path: Path, repeats: int = 3) -> float:
    from playwright.sync_api import sync_playwright

    url = page_path.resolve().as_uri()
    ready = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        for _ in range(repeats):
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.route("**/*", lambda route: route.continue_() if route.request.url == url else route.abort())
            page = context.new_page()
            t = time.perf_counter()
            page.goto(url)
            page.wait_for_selector("body[data-ready='1']", timeout=120_000)
            ready.append(time.perf_counter() - t)
            context.close()
        browser.close()
    return statistics.median(ready)


def measure(n_docs: int, data: Path, keep: bool, extra: list[str]) -> dict:
    corpus = data / f"synthetic-{n_docs}.jsonl"
    if not corpus.exists():
        write_corpus(corpus, n_docs, seed=0)
    out = Path(tempfile.mkdtemp(prefix="bench_scale_")) / "run"
    try:
        wall, peak = run_measured([sys.executable, "-m", "topicmf", "run", str(corpus), "-k", "50", *extra, "--out", str(out),
                                   "-q"])
        manifest = json.loads((out / "manifest.json").read_text())
        first_id = json.loads(corpus.open().readline())["id"]
        row = {
            "documents": n_docs, "wall_s": wall, "peak_rss_gb": peak / 2**30,
            "stages": manifest["timings"], "nmi": manifest["metrics"]["labels"]["nmi"],
            "npmi": manifest["metrics"]["coherence"]["npmi_mean"], "iterations": manifest["model"]["n_iter"],
            "neighbours": manifest["neighbours"],
            "files_mb": {f.name: f.stat().st_size / 1e6 for f in sorted(out.iterdir())},
            "similar_s": timed([sys.executable, "-m", "topicmf", "similar", str(out), first_id]),
            "query_s": timed([sys.executable, "-m", "topicmf", "query", str(out), "vicupura seme bovuluk zulo"]),
            "page_ready_s": page_ready(out / "index.html") if Path("/usr/bin/chromium").exists() else None,
        }
    finally:
        if not keep:
            shutil.rmtree(out.parent, ignore_errors=True)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--data", type=Path, default=HERE.parents[1] / "bench-data")
    parser.add_argument("--keep", action="store_true", help="keep the run folders")
    parser.add_argument("--run-args", default="", help="more options for topicmf run, e.g. '--similarity topics'")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    extra = args.run_args.split()
    rows = [measure(int(n), args.data, args.keep, extra) for n in args.sizes.split(",")]
    print(json.dumps(rows, indent=1))
    print(f"machine: {os.cpu_count()} cores; defaults (numba and BLAS use every core); "
          f"`topicmf run CORPUS -k 50{' ' + args.run_args if extra else ''}`\n")
    print("| documents | wall | peak RSS (tree) | reading | fitting | evaluating | neighbours | writing, start-up | iterations "
          "| NMI | NPMI | neighbours (recall@10, score ratio) | index.html | similar | query | page interactive |")
    print("|---|" + "---|" * 15)
    for r in rows:
        s = r["stages"]
        nb = r["neighbours"]
        recall = ("exact" if nb["method"] == "exact" else
                  f"{nb['method']}{' ' + nb['effort'] if nb.get('effort') else ''} ({nb['recall']:.3f}, "
                  f"{nb.get('score_ratio') or float('nan'):.4f})")
        page = "–" if r["page_ready_s"] is None else f"{r['page_ready_s']:.2f} s"
        other = r["wall_s"] - s["total"]  # writing the files, and starting Python
        print(f"| {r['documents']:,} | {r['wall_s']:.0f} s | {r['peak_rss_gb']:.2f} GB | {s['reading']:.1f} s | "
              f"{s['fitting']:.1f} s | {s['evaluating']:.1f} s | {s['neighbours']:.1f} s | {other:.1f} s | "
              f"{r['iterations']} | {r['nmi']:.3f} | {r['npmi']:.3f} | {recall} | {r['files_mb']['index.html']:.1f} MB | "
              f"{r['similar_s']:.2f} s | {r['query_s']:.2f} s | {page} |")
    for small, large in zip(rows, rows[1:]):
        print(f"\ntime ratio {large['documents']:,} / {small['documents']:,}: "
              f"{large['wall_s'] / small['wall_s']:.2f}; NMI difference {large['nmi'] - small['nmi']:+.3f}")
    print("\nfiles (MB):")
    for r in rows:
        print(f"  {r['documents']:,}: " + ", ".join(f"{k} {v:.1f}" for k, v in r["files_mb"].items()))


if __name__ == "__main__":
    main()
