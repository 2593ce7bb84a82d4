"""``topicmf run`` as a function: from a corpus path to a run folder.

corpus → text (matrix) → factorize → model (metrics, neighbours) → report
(files).  Progress goes to an optional ``stage`` factory: ``stage(label)``
returns a context manager that is also a ``(done, total)`` callback; the
command line passes its progress bars, the library default is silent.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import replace

import numpy as np

from ..runfolder.tables import need_pyarrow
from ..errors import TopicmfError
from ..model import evaluate, fit_topic_model
from ..model.fitting import check_fit
from ..model.coherence import CV_WINDOW, NPMI_WINDOW
from ..model.evaluate import coherence_words
from ..model.groups import group_topics, label_groups
from ..model.heldout import heldout_score
from ..model.merging import merged_start, reduction_groups
from ..model.seeds import seed_report
from ..model.store import model_record
from ..model.sweep import fit_sweep, parse_k_range, score_sweep, sweep_words
from ..model.timebins import make_bins, parse_times
from ..runfolder.staging import check_destination
from ..spec import checked, model_spec
from ..spec.runs import DEFAULT_K_RANGE, RUN_PARAMS
from ..text import DocumentTermMatrix, TextOptions, make_tokenizer, vectorize
from .common import default_out, silent
from .jobs import Job, Outcome, RunResult
from .topic_write import NEIGHBOURS, manifest_of, rerender, write_job, write_sweep_files
from .seeding import fit_seeded
from .short_texts import choose_model, first_model, model_given

__all__ = ["RunResult", "Job", "run", "run_job", "prepare", "read", "fit_job", "cluster_matrix", "rerender", "tokenizer_for", "window_counts", "write_sweep_files",
           "NEIGHBOURS", "DEFAULT_K_RANGE"]

def tokenizer_for(dtm: DocumentTermMatrix, options: TextOptions):
    if dtm.info.get("language") == "n/a":  # a count matrix: no text
        return None
    language = dtm.info["language"]
    return make_tokenizer(options, None if language == "none" else language, dtm.info.get("languages"))


def _load_compiled_code() -> None:
    """Start numba's machinery (about 0.2 s the first time in a process) while the workers read the corpus."""
    from ..report.numbers import format_values

    format_values([0.0])


def window_counts(dtm: DocumentTermMatrix, words):
    """Window counts for coherence, from the token streams the reading pass kept (None without text)."""
    return dtm.window_counts(words, (NPMI_WINDOW, CV_WINDOW))


def _fit_progress(stage, label):
    """Iterations done, without a total: a fit stops at its tolerance, usually long before max_iter."""
    ctx = stage(f"{label}, iteration")
    return ctx, (lambda it, max_iter: ctx(it))


def run(corpus, *, out=None, model: str | None = None, k: int | str = 10, k_range: str = DEFAULT_K_RANGE,
        solver: str | None = None, weighting: str | None = None, seed: int = 0, force: bool = False,
        options: TextOptions | None = None, fit_params: dict | None = None, n_seeds: int = 2,
        command: str = "", stage=None, dask: str | None = None, similarity: str = "words",
        time_bins: str | int = "auto", reduce_to: int | None = None, heldout: float | None = None,
        seed_topics=None, seed_strength: float = 1.0, neighbour_effort: str = "normal",
        tables: str = "csv", short_texts: str = "auto") -> RunResult:
    """Read, fit, evaluate and write a run directory.

    Parameters
    ----------
    corpus : path
    out : path or None
        Default ``reports/<corpus name>``.  Replaced only with ``force``.
    model, solver, weighting, seed, fit_params :
        As for :func:`topicmf.model.fit_topic_model`.  ``model`` None: Poisson NMF, or the short-text model
        for short texts (``short_texts``).
    k : int or "auto"
        "auto" sweeps ``k_range`` with ``n_seeds`` seeds and takes the
        suggested k (see :data:`topicmf.model.RULE`).
    options : TextOptions or None
    command : str
        The command line that reproduces the run, recorded in the manifest.
    stage : callable(label) or None
        Progress factory (see the module docstring).
    dask : str or None
        Read and fit on a Dask cluster: a scheduler address, or ``local:N``
        for N worker processes here (see :mod:`topicmf.distributed`).
    similarity : {"words", "topics"}
        How documents are compared for their neighbours: words and topics
        (:mod:`topicmf.neighbours.scores`), or topic profiles alone.
    neighbour_effort : {"low", "normal", "high"}
        How far the approximate neighbour search of a large corpus reaches
        (:data:`topicmf.neighbours.graph.EFFORTS`).
    tables : {"csv", "parquet"}
        How the tables are written (:mod:`topicmf.report.tables`).
    short_texts : {"auto", "on", "off"}
        Fit the short-text model (seanmf) when the median document is short and neither ``model``,
        ``solver`` nor a model option is given, always, or never (:mod:`topicmf.workflow.short_texts`).
    time_bins : {"auto", "year", "quarter", "month"} or int
        With a time column (``options.time_column``): the bins of topics_over_time.csv
        (:mod:`topicmf.model.timebins`).
    reduce_to : int or None
        Fit ``k`` topics, merge them down the topic tree to this many and refit from there
        (:mod:`topicmf.model.merging`); the manifest records which topics each one holds.
    heldout : float or None
        Also fit without this share of the documents and score their completion
        (:mod:`topicmf.model.heldout`): ``metrics["heldout"]``.

    Returns
    -------
    RunResult
    """
    out = check_destination(out if out is not None else default_out(corpus), corpus, force=force)
    job = prepare(corpus, out=out, model=model, k=k, k_range=k_range, solver=solver, weighting=weighting, seed=seed,
                  force=force, options=options, fit_params=fit_params, n_seeds=n_seeds, command=command, stage=stage,
                  similarity=similarity, time_bins=time_bins, reduce_to=reduce_to, heldout=heldout,
                  seed_topics=seed_topics, seed_strength=seed_strength, neighbour_effort=neighbour_effort,
                  tables=tables, short_texts=short_texts)
    if dask is not None:
        from .cluster.run import run_on_cluster

        return run_on_cluster(job, dask)
    dtm = read(job)
    with dtm, checked():  # the token streams' temporary file goes when the run ends, however it ends
        return run_job(job, dtm)


def read(job: Job, meanwhile=_load_compiled_code) -> DocumentTermMatrix:
    """The job's corpus as a matrix: one reading pass (a path, or a corpus opened already), timed; ``meanwhile``
    runs beside the reading (by default, numba's start)."""
    with job.stage("reading") as progress:
        dtm = vectorize(job.corpus, job.options, progress=progress, meanwhile=meanwhile)
    job.timings["reading"] = time.perf_counter() - job.started
    return dtm


def prepare(corpus, *, out=None, model: str | None = None, k: int | str = 10, k_range: str = DEFAULT_K_RANGE,
            solver: str | None = None, weighting: str | None = None, seed: int = 0, force: bool = False,
            options: TextOptions | None = None, fit_params: dict | None = None, n_seeds: int = 2,
            command: str = "", stage=None, similarity: str = "words", time_bins: str | int = "auto",
            reduce_to: int | None = None, heldout: float | None = None, seed_topics=None,
            seed_strength: float = 1.0, neighbour_effort: str = "normal", tables: str = "csv",
            short_texts: str = "auto") -> Job:
    """A run's parameters checked, once, as a :class:`Job` (``out`` None: a fit kept in memory until saved).

    The model is settled when the corpus has been read (:func:`topicmf.workflow.short_texts.choose_model`)."""
    stage = stage or silent
    options = options or TextOptions()
    fit_params = dict(fit_params or {})
    try:
        run_params = RUN_PARAMS.check({"k": k, "similarity": similarity, "heldout": heldout, "reduce_to": reduce_to,
                                       "seed_strength": seed_strength, "n_seeds": n_seeds,
                                       "neighbour_effort": neighbour_effort, "tables": tables,
                                       "short_texts": short_texts})
        given = model_given(model, solver, fit_params)
        model = first_model(model, run_params["short_texts"])
        spec = model_spec(model)
    except ValueError as exc:
        raise TopicmfError(str(exc)) from None
    k, heldout, seed_strength = run_params["k"], run_params["heldout"], run_params["seed_strength"]
    fit_params = check_fit(model, solver, weighting=weighting, seed=seed, params=fit_params)
    auto = k == "auto"
    if run_params["tables"] == "parquet":
        need_pyarrow()  # before the work that would end in a missing library
    if seed_topics is not None and (auto or not spec.topics.distributions or reduce_to is not None):
        raise TopicmfError("--seed-topics needs a model whose topics are word distributions (NMF), a fixed -k and no "
                           "--reduce-to")
    if reduce_to is not None and (auto or not reduce_to < k):
        raise TopicmfError(f"--reduce-to needs a fixed -k above it; got -k {k} and --reduce-to {reduce_to}")
    return Job(corpus, out, model, k, k_range, solver, weighting, seed, force, options, fit_params, n_seeds,
               command, stage, auto, {}, time.perf_counter(), similarity=similarity, time_bins=time_bins,
               reduce_to=reduce_to, heldout=heldout,
               seeds=None if seed_topics is None else (seed_topics, seed_strength),
               neighbour_effort=run_params["neighbour_effort"], tables=run_params["tables"],
               short_texts_setting=run_params["short_texts"], model_given=given)


@contextmanager
def cluster_matrix(job: Job, address: str, exchange=None):
    """The job's corpus read on a Dask cluster: yields the matrix (row blocks on the workers) while the client is
    open, for the fit to run there.  What does not run on a cluster is refused first.  ``exchange``: a folder
    the workers share, through which the blocks talk (:mod:`topicmf.distributed.exchange`)."""
    from ..distributed import open_client, read_corpus

    if job.auto:
        raise TopicmfError("-k auto is not run on a cluster; give the number of topics (or sweep on one machine)")
    if not isinstance(job.corpus, (str, os.PathLike)):
        raise TopicmfError("A Dask cluster reads the corpus from its path: give a folder or a table, not texts in "
                           "memory (they would all pass through this process)")
    spec = model_spec(job.model)
    if not spec.cluster_solvers:
        raise TopicmfError(f"{spec.title} (--model {job.model}{', --short-texts on' if job.model_given is None else ''}) "
                           "does not run on a cluster; fit it on one machine")
    if job.solver is not None and job.solver not in spec.cluster_solvers:
        raise TopicmfError(f"On a cluster, --model {job.model} is fitted with "
                           f"{' or '.join(spec.cluster_solvers)}; got --solver {job.solver}")
    with open_client(address) as client:
        with job.stage("reading") as progress:
            dtm = read_corpus(client, job.corpus, job.options, progress=progress, exchange=exchange)
        job.timings["reading"] = time.perf_counter() - job.started
        job.cluster = {"address": address, "workers": len(client.scheduler_info()["workers"]),
                       "blocks": dtm.info["workers"]["rows"]}
        with dtm:
            yield dtm


def run_job(job: Job, dtm: DocumentTermMatrix) -> RunResult:
    """Fit, evaluate and write, from the matrix (on one machine or in blocks on a cluster).

    ``job.fit_params`` may hold a custom start (``init="custom"``, ``W``, ``H``): a merge's refit."""
    outcome = fit_job(job, dtm)
    manifest = write_job(job, outcome)
    return RunResult(job.out, outcome.model, manifest, dtm)


def fit_fixed_k(job: Job, dtm: DocumentTermMatrix, tokenizer):
    """(model, seeds): the run's fit at its fixed k — seeded with ``--seed-topics`` (seeds: their topics, else
    None), merged down the topic tree and refitted with ``--reduce-to``; the matrix here or on a cluster."""
    stage, seed_topics = job.stage, None
    ctx, callback = _fit_progress(stage, "fitting")
    with ctx:
        if job.seeds is not None:
            fitted, seed_topics = fit_seeded(dtm, job, tokenizer, callback)
        else:
            fitted = fit_topic_model(dtm, int(job.k), model=job.model, solver=job.solver, weighting=job.weighting,
                                     seed=job.seed, tokenizer=tokenizer, callback=callback, **job.fit_params)
    if job.reduce_to is not None:  # merge down the topic tree, then refit from the merged start
        groups = reduction_groups(fitted, job.reduce_to)
        if dtm.local:
            W0, H0, members = merged_start(fitted, groups)
        else:  # W0 made by the blocks from their rows of W
            from .cluster.starts import cluster_merged_start

            W0, H0, members = cluster_merged_start(dtm, fitted, groups)
        job.merged = {"from_k": fitted.n_topics, "topics": members}
        refit, refit_callback = _fit_progress(stage, "refitting the merged topics")
        with refit:
            fitted = fit_topic_model(dtm, len(members), model=job.model, solver=job.solver, weighting=job.weighting,
                                     seed=job.seed, tokenizer=tokenizer, callback=refit_callback,
                                     **{**job.fit_params, "init": "custom", "W": W0, "H": H0})
    return fitted, seed_topics


def heldout_metrics(job: Job, dtm: DocumentTermMatrix, n_topics: int) -> dict:
    """--heldout: a second fit without the held-out documents, with the same settings, and their completion
    scored — on this machine or where a cluster's blocks are."""
    if dtm.local:
        score = heldout_score
    else:
        from .cluster.heldout import cluster_heldout_score as score
    settings = {k: v for k, v in job.fit_params.items() if k not in ("W", "H", "init")}
    with job.stage("held-out fit"):
        return score(dtm, lambda sub: fit_topic_model(sub, n_topics, model=job.model, solver=job.solver,
                                                      weighting=job.weighting, seed=job.seed, **settings),
                     job.heldout, job.seed)


def fit_job(job: Job, dtm: DocumentTermMatrix) -> Outcome:
    """Fit and evaluate, from the matrix: everything of a run but its neighbours and its files."""
    stage, timings = job.stage, job.timings
    choose_model(job, dtm)
    if dtm.times is not None:  # checked before anything is fitted: a bad value stops the run here
        job.bins = make_bins(*parse_times(dtm.times, dtm.doc_ids), job.time_bins)
    elif not dtm.local and job.options.time_column:  # parsed where the blocks are; the bins come here
        from .cluster.times import cluster_bins

        job.bins = cluster_bins(dtm, job.time_bins, gather=True)
    tokenizer = tokenizer_for(dtm, job.options)
    t = time.perf_counter()
    sweep_result = None
    if job.auto:
        ks = parse_k_range(job.k_range, limit=min(dtm.n_docs, dtm.n_terms))
        n_seeds = job.n_seeds
        with stage("sweeping k") as progress:
            fits, seconds = fit_sweep(dtm, ks, model=job.model, n_seeds=n_seeds, seed=job.seed, solver=job.solver,
                                      weighting=job.weighting, tokenizer=tokenizer,
                                      on_fit=lambda kk, s: progress(ks.index(kk) * n_seeds + s + 1, len(ks) * n_seeds),
                                      **job.fit_params)
        words = sweep_words(fits)
    else:
        fitted, seed_topics = fit_fixed_k(job, dtm, tokenizer)
        words = coherence_words([fitted])
        if not dtm.local:  # a model held in this process (topicmf.Topics): its documents come here
            fitted = replace(fitted, factorization=replace(fitted.factorization, W=np.concatenate(dtm.call("get", "W"))),
                             doc_ids=dtm.doc_ids, labels=dtm.labels)
    timings["fitting"] = time.perf_counter() - t
    t = time.perf_counter()
    with stage("evaluating") as progress:  # coherence's counts, word vectors, metrics, groups: five steps
        counts = window_counts(dtm, words)
        progress(1, 5)
        if job.auto:
            sweep_result = score_sweep(dtm, fits, seconds, counts)
            fitted = sweep_result.models[sweep_result.suggested]
        fitted = fitted.with_float32_documents()
        fitted.sample = dtm.sample
        if job.similarity == "words":  # the documents' words, for document similarity (topicmf.neighbours.scores)
            if dtm.local:
                fitted.with_words(dtm.X)
            else:
                fitted.idf, fitted.words = dtm.word_vectors()
        progress(2, 5)
        metrics = evaluate(fitted, dtm, counts)
        if job.seeds is not None:
            metrics["seeds"] = seed_report(fitted, seed_topics)
        progress(3, 5)
        per_label = per_time = None
        if fitted.labels is not None and dtm.local:  # topics per class, from the same matrix
            per_label = group_topics(fitted, dtm.X, *label_groups(fitted.labels))
        progress(4, 5)
        if job.bins is not None:  # topics over time
            per_time = group_topics(fitted, dtm.X, job.bins.index, job.bins.names)
        progress(5, 5)
    if job.heldout is not None:
        metrics["heldout"] = heldout_metrics(job, dtm, fitted.n_topics)
    timings["evaluating"] = time.perf_counter() - t
    manifest = manifest_of(job, dtm, metrics, sweep_result)
    manifest["model"].update(model_record(fitted))  # complete before any folder is written (Topics' page, manifest_)
    return Outcome(fitted, metrics, per_label, per_time, sweep_result, manifest)
