"""``topicmf run --dask``: a run whose documents never come to the client.

The corpus is read, counted and fitted on the blocks of a Dask cluster
(:mod:`topicmf.distributed`); the documents' profiles, ids, labels, word
vectors and neighbours then stay there too (:mod:`.documents`, :mod:`.graph`),
and the workers write the per-document files as parts of the run folder
(:mod:`topicmf.runfolder.parts`).  The client holds what grows with the
vocabulary and the number of topics — H, the coherence counts, sums over
documents — and the page's sample: its memory does not grow with the
number of documents.

The run folder is staged as on one machine (a hidden folder beside the
destination, renamed into place at the end), and it is where the workers
write: like the corpus, it must be on a filesystem every worker sees.  The
blocks hand each other data through ``.exchange`` inside it, removed before
the run is put in place.
"""

from __future__ import annotations

import resource
import shutil
import sys
import time

from ...model import evaluate
from ...model.evaluate import coherence_words
from ...model.hierarchy import topic_tree
from ...model.seeds import seed_report
from ...model.store import save_model
from ...report.html import render_run
from ...report.tables import TOPIC_DOCS, write_hierarchy, write_topic_docs, write_topics, write_word_topics
from ...runfolder.staging import staged_directory, write_atomic
from ...spec import checked
from ..common import later_stage
from ..jobs import Outcome, RunResult
from ..short_texts import choose_model
from ..topic_run import cluster_matrix, fit_fixed_k, heldout_metrics, tokenizer_for, window_counts
from ..topic_write import NEIGHBOURS, manifest_of, write_groups
from .documents import ClusterDocuments
from .graph import cluster_graph
from .times import cluster_bins

__all__ = ["run_on_cluster"]


def _own_peak_mb(block=None) -> float:
    """Peak resident memory of the calling process alone (on a worker: the worker's), in MiB."""
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 1024**2
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale, 1)


def run_on_cluster(job, address: str) -> RunResult:
    """Read, fit, evaluate and write ``job`` on the Dask cluster at ``address`` (see the module docstring)."""
    with staged_directory(job.out, force=job.force) as folder:
        exchange = folder / ".exchange"
        try:
            with cluster_matrix(job, address, exchange) as dtm, checked():
                model, manifest = _fit_and_write(job, dtm, folder, exchange)
        finally:
            shutil.rmtree(exchange, ignore_errors=True)
    manifest["timings"]["total"] = time.perf_counter() - job.started
    return RunResult(job.out, model, manifest, None)


def _fit_and_write(job, dtm, folder, exchange):
    stage, timings = job.stage, job.timings
    if job.before_fit is not None:
        job.before_fit(dtm)
    choose_model(job, dtm)
    if job.options.time_column:  # checked before anything is fitted: a bad value stops the run here
        job.bins = cluster_bins(dtm, job.time_bins)
    t = time.perf_counter()
    fitted, seed_topics = fit_fixed_k(job, dtm, tokenizer_for(dtm, job.options))
    timings["fitting"] = time.perf_counter() - t
    t = time.perf_counter()
    docs = ClusterDocuments(dtm, exchange)
    with stage("evaluating") as progress:  # coherence's counts, the blocks' models, metrics, groups
        counts = window_counts(dtm, coherence_words([fitted]))
        progress(1, 5)
        idf = dtm.global_weights("tfidf") if job.similarity == "words" else None
        fitted = docs.attach(fitted, idf)
        fitted.sample = dtm.sample
        progress(2, 5)
        metrics = evaluate(fitted, dtm, counts)
        if seed_topics is not None:
            metrics["seeds"] = seed_report(fitted, seed_topics)
        progress(3, 5)
        per_label = docs.group_topics(fitted, "labels", dtm.label_names) if dtm.label_names else None
        progress(4, 5)
        per_time = docs.group_topics(fitted, "time", job.bins.names) if job.bins is not None else None
        progress(5, 5)
    if job.heldout is not None:  # after attach: the held-out fit reuses the blocks' rows
        metrics["heldout"] = heldout_metrics(job, dtm, fitted.n_topics)
    timings["evaluating"] = time.perf_counter() - t
    outcome = Outcome(fitted, metrics, per_label, per_time, None, manifest_of(job, dtm, metrics, None))
    tables = job.tables
    write_topics(folder / "topics.csv", fitted, tables=tables)
    write_topic_docs(folder / "topic_docs.csv", fitted, tables=tables, best=docs.best(TOPIC_DOCS))
    write_hierarchy(folder / "hierarchy.csv", topic_tree(fitted)[0], tables=tables)
    write_word_topics(folder / "word_topics.csv", fitted, tables=tables)
    write_groups(folder, job, outcome)
    t = time.perf_counter()
    with stage("neighbours") as progress, later_stage(stage, "neighbours, recall check") as check:
        about, index_files = cluster_graph(docs, min(NEIGHBOURS, dtm.n_docs - 1), effort=job.neighbour_effort,
                                           seed=job.seed, folder=folder, with_words=idf is not None,
                                           progress=progress, check_progress=check)
    timings["neighbours"] = time.perf_counter() - t
    t = time.perf_counter()
    with stage("writing the documents' parts") as progress:
        parts = docs.write_parts(folder, tables, graph=True)
        progress(1, 1)
    manifest = dict(outcome.manifest)
    manifest["neighbours"] = about
    manifest["parts"] = {"rows": [int(r) for r in dtm.rows], "files": parts, "index": index_files}
    manifest["tables"] = tables
    timings["total"] = time.perf_counter() - job.started
    manifest["peak_memory_mb"] = _own_peak_mb()
    manifest["cluster"]["worker_peak_memory_mb"] = docs.call(_own_peak_mb)
    with stage("writing model.npz") as progress:
        manifest = save_model(fitted, folder, manifest)
        progress(1, 1)
    with stage("writing the report") as progress:
        shown = docs.shown(fitted.sample, graph=True)
        write_atomic(folder / "index.html", render_run(fitted, manifest, graph=None, directory=folder, shown=shown))
        progress(1, 1)
    manifest["timings"]["writing"] = time.perf_counter() - t
    return fitted, manifest
