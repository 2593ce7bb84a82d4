"""The run folder's size with --tables parquet against CSV, from a saved CSV run (no refit).

The tables are written again from the saved model as Parquet (the run's own writers; the group
tables, which need the count matrix, are converted from their CSV); the other files (index.html,
model.npz, words.npz, manifest.json) are the same in both folders.  Also times reading
doc_topics and similar back with pandas, polars and DuckDB.

    python benchmarks/bench_tables.py RUN_FOLDER
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from topicmf.model import load_model
from topicmf.report import write_tables
from topicmf.report.tables import write_similar


def size(folder: Path, names) -> int:
    return sum((folder / n).stat().st_size for n in names if (folder / n).exists())


def main():
    run = Path(sys.argv[1])
    import pandas as pd

    model = load_model(run)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        write_tables(tmp, model, "parquet")
        write_similar(tmp / "similar.csv", model, model.graph.index, model.graph.score, tables="parquet")
        for name in ("topics_per_label", "topics_over_time"):
            if (run / f"{name}.csv").exists():
                pd.read_csv(run / f"{name}.csv", keep_default_na=False).to_parquet(tmp / f"{name}.parquet")
        print(f"Parquet tables written in {time.perf_counter() - started:.1f} s")
        shared = [p.name for p in run.iterdir() if p.suffix not in (".csv",)]
        csv_tables = [p.name for p in run.iterdir() if p.suffix == ".csv"]
        pq_tables = [p.name for p in tmp.iterdir()]
        common = size(run, shared)
        csv_total, pq_total = common + size(run, csv_tables), common + size(tmp, pq_tables)
        print("| table | CSV MB | Parquet MB |\n|---|---|---|")
        for name in sorted(csv_tables):
            stem = name[:-4]
            print(f"| {stem} | {(run / name).stat().st_size / 1e6:.1f} | {(tmp / (stem + '.parquet')).stat().st_size / 1e6:.1f} |")
        print(f"| the other files ({', '.join(sorted(shared))}) | {common / 1e6:.1f} | {common / 1e6:.1f} |")
        print(f"| **run folder** | **{csv_total / 1e6:.1f}** | **{pq_total / 1e6:.1f}** ({pq_total / csv_total:.0%}) |")
        print(f"| tables only | {size(run, csv_tables) / 1e6:.1f} | {size(tmp, pq_tables) / 1e6:.1f} "
              f"({size(tmp, pq_tables) / size(run, csv_tables):.0%}) |")
        rows = []
        for reader in ("pandas", "polars", "duckdb"):
            for table in ("doc_topics", "similar"):
                for ext in ("csv", "parquet"):
                    path = (run if ext == "csv" else tmp) / f"{table}.{ext}"
                    started = time.perf_counter()
                    if reader == "pandas":
                        n = len(pd.read_csv(path) if ext == "csv" else pd.read_parquet(path))
                    elif reader == "polars":
                        import polars as pl
                        n = len(pl.read_csv(path) if ext == "csv" else pl.read_parquet(path))
                    else:
                        import duckdb
                        n = duckdb.sql(f"select count(*) from '{path}'").fetchall()[0][0]
                    rows.append((reader, table, ext, n, time.perf_counter() - started))
        print("\n| reader | table | format | rows | seconds |\n|---|---|---|---|---|")
        for reader, table, ext, n, seconds in rows:
            print(f"| {reader} | {table} | {ext} | {n:,} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
