"""Inputs that used to hurt: 5 million ratings through `topicmf recommend`, and one document of a hundred megabytes.

1. Reading a rating table: the compiled reader of plain tables (topicmf/ratings/plain.py) against
   the row reader (the same file with the plain reader turned off), alternating, in this process,
   on benchmarks/synthetic_ratings.py's table (planted rank 8, popularity skew, seed 0); rows a
   second, medians of ``--repeats``.
2. The whole command as a user types it, defaults (SGD, k = 100, 30 sweeps, a 20% held-out split),
   default threads: ``topicmf recommend RATINGS --out DIR``, its wall time, its stage timings and
   its peak memory (sampled from /proc every 0.2 s).
3. One document of ``--huge-mb`` megabytes on one line beside six ordinary ones, ``topicmf run -k 2
   --min-df 1 --max-document-size 1G``: peak memory against the same run without it; reading the
   whole line and tokenizing it at once cost about 13 times the file (issue 27's report: 300 MB →
   4 GB), a piece at a time it costs its text, 4 bytes a token and its words.

    python benchmarks/bench_hostile.py [--ratings 5000000] [--data ../bench-data] [--repeats 3] [--huge-mb 94]
                                       [--only reading command huge_document]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_cluster import run_measured  # noqa: E402
from synthetic_ratings import write_ratings  # noqa: E402


def reading(path: Path, repeats: int) -> dict:
    import topicmf.ratings.reading as reading_module

    plain = reading_module.plain_cells
    times = {"plain": [], "rows": []}
    reading_module.read_ratings(path)  # the kernels compiled or loaded from numba's cache, the file in the page cache
    for repeat in range(repeats):
        for name in (("plain", "rows") if repeat % 2 == 0 else ("rows", "plain")):
            reading_module.plain_cells = plain if name == "plain" else (lambda *args: None)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                started = time.perf_counter()
                ratings = reading_module.read_ratings(path)
                times[name].append(time.perf_counter() - started)
    reading_module.plain_cells = plain
    rows = ratings.info["cells_read"]
    return {f"{name} reader": {"median_s": statistics.median(t), "rows_per_s": rows / statistics.median(t),
                               "runs_s": t} for name, t in times.items()} | {"rows_read": rows}


def command(path: Path, data: Path) -> dict:
    out = Path(tempfile.mkdtemp(prefix="bench_hostile_", dir=data)) / "run"
    try:
        row = run_measured([sys.executable, "-m", "topicmf", "recommend", str(path), "--out", str(out), "-q"])
        manifest = json.loads((out / "manifest.json").read_text())
        row["stages"] = manifest["timings"]
        row["held_out"] = manifest.get("evaluation", {}).get("model") if isinstance(manifest.get("evaluation"), dict) \
            else None
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    return row


def huge_document(data: Path, megabytes: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="bench_huge_", dir=data))
    try:
        rng = np.random.default_rng(0)
        words = np.array([f"w{i}x" for i in range(20_000)])
        for name, root in (("small", folder / "small"), ("big", folder / "big")):
            root.mkdir()
            for i in range(6):
                (root / f"d{i}.txt").write_text(["rocket orbit crew launch", "apples fruit market price"][i % 2] + f" n{i}")
        with open(folder / "big" / "huge.txt", "w") as f:
            while f.tell() < megabytes << 20:
                f.write(" ".join(words[rng.zipf(1.2, 300_000) % 20_000]) + " ")
        size = (folder / "big" / "huge.txt").stat().st_size
        rows = {}
        for name in ("small", "big"):
            rows[name] = run_measured([sys.executable, "-m", "topicmf", "run", str(folder / name), "-k", "2",
                                       "--min-df", "1", "--max-document-size", "1G", "--out",
                                       str(folder / f"out-{name}"), "-q"])
        extra = rows["big"]["client_peak_gb"] - rows["small"]["client_peak_gb"]
        return {"file_mb": size / 2**20, "peak_gb": rows["big"]["client_peak_gb"],
                "peak_without_gb": rows["small"]["client_peak_gb"], "extra_over_file": extra * 2**30 / size,
                "wall_s": rows["big"]["wall_s"]}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ratings", type=int, default=5_000_000)
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "bench-data")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--huge-mb", type=int, default=94)
    parser.add_argument("--only", nargs="*", choices=("reading", "command", "huge_document"))
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    path = args.data / f"ratings-{args.ratings}.csv"
    if not path.exists():
        write_ratings(path, args.ratings, seed=0)
    parts = {"reading": lambda: reading(path, args.repeats), "command": lambda: command(path, args.data),
             "huge_document": lambda: huge_document(args.data, args.huge_mb)}
    result = {name: parts[name]() for name in args.only or parts}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
