"""Writing a fitted topic run: its neighbours, its manifest, its folder; and rendering a saved run again."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

from ..model.store import load_model
from ..report import render_sweep, write_report, write_run, write_sweep, write_tables
from ..report.tables import write_group_topics
from ..runfolder.staging import staged_directory, write_atomic
from ..text import DocumentTermMatrix
from .jobs import Job, Outcome
from .common import corpus_name, corpus_path, later_stage, peak_memory_mb, silent, versions

__all__ = ["NEIGHBOURS", "find_neighbours", "write_groups", "write_job", "manifest_of", "write_sweep_files", "rerender"]

NEIGHBOURS = 10


def find_neighbours(job: Job, outcome: Outcome) -> None:
    """Every document's nearest documents (the model's graph), timed."""
    t = time.perf_counter()
    with job.stage("neighbours") as progress, later_stage(job.stage, "neighbours, recall check") as check:
        outcome.model.graph = outcome.model.neighbour_graph(NEIGHBOURS, effort=job.neighbour_effort,
                                                            progress=progress, check_progress=check)
    outcome.manifest["neighbours"] = outcome.model.graph.describe()
    job.timings["neighbours"] = time.perf_counter() - t


def write_groups(folder: Path, job: Job, outcome: Outcome) -> None:
    """topics_per_label.csv and topics_over_time.csv of a fitted job, where it has labels and times."""
    if outcome.per_label is not None:
        write_group_topics(folder / "topics_per_label.csv", outcome.per_label, model=outcome.model, tables=job.tables)
    if outcome.per_time is not None:
        write_group_topics(folder / "topics_over_time.csv", outcome.per_time, "bin", (job.bins.starts, job.bins.ends),
                           model=outcome.model, tables=job.tables)


def write_job(job: Job, outcome: Outcome, out=None, force: bool | None = None) -> dict:
    """Write the run folder (``out``, default the job's) of a fitted job; returns its manifest.

    Without a neighbour graph yet, the neighbours are found while the tables that need none are
    written (the search runs in compiled code and BLAS, outside the interpreter lock)."""
    fitted, manifest = outcome.model, dict(outcome.manifest)
    out = job.out if out is None else out
    force = job.force if force is None else force
    with staged_directory(out, force=force) as tmp:
        with ThreadPoolExecutor(1) as writer:
            tables = writer.submit(write_tables, tmp, fitted, job.tables)
            write_groups(tmp, job, outcome)
            if fitted.graph is None:
                find_neighbours(job, outcome)
            tables.result()
        t = time.perf_counter()
        if outcome.sweep is not None:
            write_sweep_files(tmp, outcome.sweep, job.corpus, job.model, job.n_seeds, job.command)
        job.timings["total"] = time.perf_counter() - job.started  # the files' own writing is not included
        manifest["peak_memory_mb"] = peak_memory_mb()
        manifest["tables"] = job.tables
        manifest = write_run(tmp, fitted, manifest, stage=job.stage, tables=job.tables)
    manifest["timings"]["writing"] = time.perf_counter() - t
    manifest["timings"]["total"] = time.perf_counter() - job.started
    return manifest


def manifest_of(job: Job, dtm: DocumentTermMatrix, metrics: dict, sweep_result) -> dict:
    corpus, k, auto = job.corpus, job.k, job.auto
    manifest = {
        "command": job.command or f"topicmf run {corpus}",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "versions": versions(),
        "corpus": {
            "path": corpus_path(corpus),
            "name": corpus_name(corpus),
            "format": dtm.info["format"],
            "documents": dtm.n_docs,
            "terms": dtm.n_terms,
            "nonzeros": int(dtm.nnz),
            "tokens": dtm.info["tokens"],
            "language": dtm.info["language"],
            "languages": dtm.info.get("languages"),
            "corpus_stopwords": dtm.info.get("pruning", {}).get("corpus_stopwords"),
            "empty_documents": dtm.n_empty,
            "skipped_files": len(dtm.info["skipped_files"]),
            "cleaning": dtm.info.get("cleaning"),
            "columns": dtm.info.get("columns"),
            "time_bins": None if job.bins is None else {"unit": job.bins.unit, "kind": job.bins.kind,
                                                         "bins": len(job.bins.names)},
            "fingerprint": dtm.fingerprint(),
        },
        # min_df as applied (its default depends on the corpus's size), so the options reproduce the run
        "text_options": dict(asdict(job.options), min_df=dtm.info["pruning"]["min_df"]),
        "model": {"k_requested": k if auto else int(k), "k_range": job.k_range if auto else None},
        "metrics": metrics,
        "timings": job.timings,
    }
    if sweep_result is not None:
        manifest["sweep"] = {"rule": sweep_result.rule, "suggested": sweep_result.suggested, "seeds": job.n_seeds,
                             "rows": sweep_result.rows}
    if job.short_texts is not None:
        manifest["short_texts"] = job.short_texts
    if job.cluster is not None:
        manifest["cluster"] = job.cluster
    if job.merged is not None:
        manifest["merged"] = job.merged
    return manifest


def write_sweep_files(directory, result, corpus, model, n_seeds, command):
    write_sweep(Path(directory) / "sweep.csv", result.rows)
    page = render_sweep(result.rows, suggested=result.suggested, rule=result.rule, corpus=corpus_name(corpus),
                        model=model, seeds=n_seeds, command=command)
    write_atomic(Path(directory) / "sweep.html", page)


def rerender(directory, stage=None) -> Path:
    """Render ``index.html`` of a saved run again, from its files alone (no corpus, no fitting)."""
    stage = stage or silent
    model = load_model(directory)
    if model.graph is None:  # a run saved before the graph was stored
        with stage("neighbours") as progress:
            model.graph = model.neighbour_graph(NEIGHBOURS, progress=progress)
    with stage("writing"):
        return write_report(directory, model, model.manifest)

