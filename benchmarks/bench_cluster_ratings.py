"""`topicmf recommend` on one machine and with `--dask local:2`, and Spark MLlib's ALS, on synthetic ratings.

For each size (benchmarks/synthetic_ratings.py: planted rank 8, popularity skew, 100 ratings a
user, 500 a item on average, duplicates as logs have them; seed 0) this script runs, each as its
own process, alternating the order from one repeat to the next:

    topicmf recommend RATINGS --solver als -k 20 --max-iter 10 --test-size 0 -q            (one machine)
    topicmf recommend RATINGS --solver als -k 20 --max-iter 10 --test-size 0 --dask local:2 -q

and samples every 0.2 s from /proc the resident memory of the process and (for the cluster) of each
worker process apart; it records the wall time, the stage timings and the objective (which must
agree).  With ``--spark`` it also runs Spark MLlib's ALS (pyspark, ``local[2]``: the CSV read,
user and item ids indexed, ``ALS(rank=20, maxIter=10, regParam=0.1)`` fitted, 10 recommendations
for every user written as Parquet) and samples its process tree (the JVM included).  Default
threads everywhere: numba's for one machine, one per worker process on the cluster.

    python benchmarks/bench_cluster_ratings.py [--sizes 1000000,10000000] [--data ../bench-data]
                                               [--repeats 1] [--spark]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_cluster import run_measured  # noqa: E402
from synthetic_ratings import write_ratings  # noqa: E402

K, SWEEPS = 20, 10

SPARK = """
import sys, time
from pyspark.sql import SparkSession
from pyspark.ml.feature import StringIndexer
from pyspark.ml.recommendation import ALS
path, out = sys.argv[1], sys.argv[2]
spark = (SparkSession.builder.master("local[2]").config("spark.driver.memory", "8g")
         .config("spark.ui.enabled", "false").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
started = time.perf_counter()
frame = spark.read.csv(path, header=True, inferSchema=True)
frame = StringIndexer(inputCol="user", outputCol="u").fit(frame).transform(frame)
frame = StringIndexer(inputCol="item", outputCol="i").fit(frame).transform(frame)
model = ALS(rank=%d, maxIter=%d, regParam=0.1, userCol="u", itemCol="i", ratingCol="rating", seed=0).fit(frame)
model.recommendForAllUsers(10).write.mode("overwrite").parquet(out)
print(time.perf_counter() - started)
spark.stop()
""" % (K, SWEEPS)


def _topicmf(path: Path, out: Path, dask: str | None) -> dict:
    cmd = [sys.executable, "-m", "topicmf", "recommend", str(path), "--solver", "als", "-k", str(K), "--max-iter",
           str(SWEEPS), "--test-size", "0", "--out", str(out), "-q", "--force"]
    if dask:
        cmd += ["--dask", dask]
    row = run_measured(cmd)
    manifest = json.loads((out / "manifest.json").read_text())
    row.update(stages=manifest["timings"], objective=manifest["model"]["objective"],
               folder_mb=sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1e6)
    return row


def _spark(path: Path, work: Path) -> dict:
    script = work / "spark_als.py"
    script.write_text(SPARK, encoding="utf-8")
    row = run_measured([sys.executable, str(script), str(path), str(work / "spark-out")])
    row["all_peak_gb"] = row["client_peak_gb"] + sum(row["descendant_peaks_gb"])
    return row


def measure(n: int, data: Path, repeats: int, spark: bool) -> dict:
    path = data / f"ratings-{n}.csv"
    if not path.exists():
        write_ratings(path, n, seed=0)
    work = Path(tempfile.mkdtemp(prefix="bench_ratings_", dir=data))
    runs = {"one machine": [], "local:2": [], "spark": []}
    try:
        for r in range(repeats):
            order = [None, "local:2"] if r % 2 == 0 else ["local:2", None]
            for dask in order:
                runs[dask or "one machine"].append(_topicmf(path, work / (dask or "one").replace(":", ""), dask))
            if spark:
                runs["spark"].append(_spark(path, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"ratings": n, **{name: rows for name, rows in runs.items() if rows}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--data", type=Path, default=HERE.parents[1] / "bench-data")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--spark", action="store_true", help="also Spark MLlib's ALS (needs pyspark and Java)")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    results = [measure(int(n), args.data, args.repeats, args.spark) for n in args.sizes.split(",")]
    print(json.dumps(results, indent=1))
    print(f"\nmachine: {os.cpu_count()} cores; ALS, k = {K}, {SWEEPS} sweeps, no held-out evaluation; medians of "
          f"{args.repeats} run(s)\n")
    print("| ratings | how | wall | reading | fitting | recommending | writing | client peak RSS | workers' peak RSS |")
    print("|---|---|---|---|---|---|---|---|---|")
    for res in results:
        for name in ("one machine", "local:2", "spark"):
            rows = res.get(name)
            if not rows:
                continue
            wall = statistics.median(r["wall_s"] for r in rows)
            if name == "spark":
                print(f"| {res['ratings']:,} | Spark MLlib ALS, local[2] | {wall:.0f} s | | | | | "
                      f"{statistics.median(r['all_peak_gb'] for r in rows):.2f} GB (JVM and Python) | |")
                continue
            s = rows[0]["stages"]
            workers = ", ".join(f"{v:.2f}" for v in rows[0]["descendant_peaks_gb"][:2]) if name != "one machine" \
                else ""
            print(f"| {res['ratings']:,} | {name} | {wall:.0f} s | {s['reading']:.1f} s | {s['fitting']:.1f} s | "
                  f"{s['recommending']:.1f} s | {s.get('writing', float('nan')):.1f} s | "
                  f"{statistics.median(r['client_peak_gb'] for r in rows):.2f} GB | {workers} |")


if __name__ == "__main__":
    main()
