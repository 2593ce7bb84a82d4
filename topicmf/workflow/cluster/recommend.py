"""``topicmf recommend --dask``: a rating table read, fitted and answered where a cluster's blocks hold it.

The workers read the table in byte ranges and keep it as blocks of users and blocks of items
(:mod:`topicmf.distributed.rating_reading`); ALS runs there (:mod:`topicmf.distributed.als`);
then each block recommends for its users and finds its items' nearest items (exactly, against
every item's factors), and writes its parts of the run folder: ``recommendations/``,
``similar_items/`` and ``users/`` (its users' factors, biases, ids and known cells).  The
client holds what grows with the items — V, the item ids and their neighbour lists, for
``model.npz`` and the page — and the page's sample of users, never a row per user.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ...distributed.als import fit_on_cluster, fitted_on
from ...distributed.cluster import ask
from ...distributed.exchange import Exchange
from ...errors import TopicmfError
from ...factorize.engine.common import iteration_hook
from ...neighbours.graph import NeighbourGraph, nearest, unit_profiles
from ...ratings.model import RatingModel
from ...ratings.store import USERS, describe_rating_model, save_rating_head, user_part_arrays
from ...report.ratings import (MAX_BARS, histogram_counts, page_users, render_ratings, write_recommendations,
                               write_similar_items)
from ...runfolder.npz import pack_strings, sha256_file, unpack_strings
from ...runfolder.parts import part_name
from ...runfolder.staging import staged_directory, write_atomic
from ...spec import checked
from ...ratings.families import family
from ...spec.ratings import EXPLICIT, FAMILIES, IMPLICIT
from ...text.matrix import ids_digest, matrix_digest
from ..common import median_of_counts, peak_memory_mb

__all__ = ["recommend_on_cluster"]

RECOMMENDATIONS, SIMILAR = "recommendations", "similar_items"


# --- on the blocks ------------------------------------------------------------------------------------------------

def publish_ids_on(block, exchange: str) -> None:
    arrays = {}
    pack_strings(block.ids["items"], arrays, "ids")
    Exchange(exchange).publish("item-ids", block.index, arrays)


def summary_on(block, first_user: int, first_item: int) -> dict:
    """This block's values' distinct ones (a few) and extremes, its users' numbers of ratings, its items' counts and
    sums, and the digests of its cells and ids."""
    R, Rt = block.R, block.Rt
    return {"distinct": np.unique(R.data)[:MAX_BARS + 1], "low": float(R.data.min()) if R.nnz else np.inf,
            "high": float(R.data.max()) if R.nnz else -np.inf,
            "per_user": np.unique(np.diff(R.indptr), return_counts=True),
            "item_counts": np.diff(Rt.indptr),
            "item_sums": np.bincount(np.repeat(np.arange(Rt.shape[0]), np.diff(Rt.indptr)), weights=Rt.data,
                                     minlength=Rt.shape[0]),
            "cells": matrix_digest(R, first_user, keep_zeros=True), "users": ids_digest(block.ids["users"], first_user),
            "items": ids_digest(block.ids["items"], first_item)}


def finish_on(block, exchange: str, fitted: str, family_name: str, params: dict, mean: float, rating_range: tuple,
              top: int, exclude_known: bool, n_similar: int, folder: str, first_user: int, first_item: int, page_rows,
              counted) -> dict:
    """Recommend for this block's users, find its items' neighbours, write its parts; returns their records, the
    page's users among its own, its items' factors and neighbour lists, and its part of the histogram.  ``fitted``:
    where the fit published the item factors."""
    item_ids = [x for p in Exchange(exchange).collect("item-ids") for x in unpack_strings(p, "ids", "exchange")]
    estimator = fitted_on(block, exchange, fitted, family_name, params, mean, rating_range)
    V = estimator.item_factors_
    model = RatingModel(FAMILIES[family_name], estimator, tuple(block.ids["users"]), tuple(item_ids))
    items, scores = model.recommend_rows(np.arange(block.R.shape[0]), top, exclude_known)
    folder, name, written = Path(folder), part_name(block.index), {}
    for table in (RECOMMENDATIONS, SIMILAR, USERS):
        (folder / table).mkdir(exist_ok=True)
    path = folder / RECOMMENDATIONS / f"{name}.csv"
    write_recommendations(path, model, items, scores)
    written[RECOMMENDATIONS] = path
    rows = np.arange(first_item, first_item + block.Rt.shape[0])
    graph = None
    if V.shape[1]:  # every item of this block against every item, exactly
        unit = unit_profiles(V)
        n = min(n_similar, max(V.shape[0] - 1, 0))
        index, score = nearest(unit[rows], unit, n, exclude=rows)
        graph = NeighbourGraph(index, score, "exact")
        model.similar = graph
        path = folder / SIMILAR / f"{name}.csv"
        write_similar_items(path, model, rows=rows)
        written[SIMILAR] = path
    path = folder / USERS / f"{name}.npz"
    with open(path, "wb") as out:
        np.savez(out, **user_part_arrays(block.arrays["U"], block.arrays["b"], block.ids["users"], block.R))
    written[USERS] = path
    local = np.asarray(page_rows, np.int64) - first_user
    local = local[(local >= 0) & (local < block.R.shape[0])]
    labels, counts, _ = histogram_counts(block.R.data, **counted)
    return {"files": {table: {"file": str(p.relative_to(folder)), "sha256": sha256_file(p),
                              "bytes": p.stat().st_size} for table, p in written.items()},
            "page": {"ids": [block.ids["users"][i] for i in local], "U": block.arrays["U"][local],
                     "b": block.arrays["b"][local], "known": block.R[local], "items": items[local],
                     "scores": scores[local]},
            "V": block.arrays["V"], "c": block.arrays["c"], "item_ids": list(block.ids["items"]),
            "similar": None if graph is None else (graph.index, graph.score), "hist": (labels, counts)}


# --- on the client ------------------------------------------------------------------------------------------------

def recommend_on_cluster(job, address: str):
    """Read, fit, recommend and write ``job`` (a :class:`topicmf.workflow.recommend.RatingJob`) on the Dask cluster
    at ``address`` (see the module's docstring)."""
    from ...distributed import open_client
    from ...distributed.rating_reading import read_ratings_on_cluster
    from ..recommend import RecommendResult, SIMILAR_ITEMS, evaluation_result, manifest_of
    from .rating_eval import evaluate_on_cluster

    if not isinstance(job.source, (str, os.PathLike)):
        raise TopicmfError("A Dask cluster reads the ratings from their file: give a path, not data in memory (it "
                           "would all pass through this process)")
    for given, name in ((job.items, "--items"), (job.users, "--users")):
        if given is not None:
            raise TopicmfError(f"{name} (a table of names) is not read on a cluster yet; run without it or without "
                               "--dask")
    if job.solver is not None and not any(job.solver in f.cluster_solvers for f in FAMILIES.values()):
        raise TopicmfError(f"--solver {job.solver} does not run on a cluster (ALS does: "
                           f"{', '.join(s for f in FAMILIES.values() for s in f.cluster_solvers)}): SGD's steps run "
                           "one stratum at a time over shared rows, which would move the blocks between the workers "
                           "every sub-epoch")
    if job.split == "time" and not job.folds and job.test_size:
        raise TopicmfError("--split time does not run on a cluster yet (the random split and --folds do); run "
                           "without --dask")
    stage, timings = job.stage, job.timings
    with staged_directory(job.out, force=job.force) as folder:
        exchange = folder / ".exchange"
        try:
            with open_client(address) as client, checked():
                with stage("reading, rows") as progress:
                    ratings = read_ratings_on_cluster(client, job.source, {k: v for k, v in job.columns.items()},
                                                      job.min_rating, exchange, progress)
                timings["reading"] = time.perf_counter() - job.started
                chosen = (IMPLICIT if ratings.binary else EXPLICIT) if job.model is None else family(job.model)
                n_users, n_items = ratings.shape
                k_used = job.k if job.k is not None else min(chosen.default_k, n_users, n_items)
                solver = job.solver or chosen.cluster_solvers[0]  # (explicit: ALS, not SGD)
                evaluation = None
                try:
                    chosen.check(solver, job.settings, k_used)
                    estimator = chosen.make(k_used, solver, job.seed, job.settings)
                    if job.folds or job.test_size:
                        how, found, reference, started = evaluate_on_cluster(
                            ratings, chosen, estimator.get_params(), test_size=job.test_size, folds=job.folds,
                            seed=int(job.seed), stage=stage)
                        evaluation = evaluation_result(chosen, how, found, reference, started)
                        timings["evaluating"] = evaluation["seconds"]
                    t = time.perf_counter()
                    with stage("fitting, sweep") as progress:
                        token = iteration_hook.set(progress)
                        try:
                            fit = fit_on_cluster(ratings, chosen.name, estimator.get_params())
                        finally:
                            iteration_hook.reset(token)
                except ValueError as exc:
                    raise TopicmfError(str(exc)) from None
                timings["fitting"] = time.perf_counter() - t
                result = _finish(job, ratings, chosen, estimator, fit, folder, str(exchange), SIMILAR_ITEMS,
                                 manifest_of, evaluation)
        finally:
            shutil.rmtree(exchange, ignore_errors=True)
    return RecommendResult(job.out, result[0], result[1], None)


def _finish(job, ratings, chosen, estimator, fit, folder, exchange, n_similar, manifest_of, evaluation):
    stage, timings = job.stage, job.timings
    n_users, n_items = ratings.shape
    ub, ib = ratings.user_bounds, ratings.item_bounds
    blocks = ratings.blocks
    t = time.perf_counter()
    with stage("recommending") as progress:
        ratings.run(publish_ids_on, exchange)
        summaries = ask(blocks, "run", [(summary_on, int(ub[b]), int(ib[b])) for b in range(len(blocks))],
                        "summing up")
        distinct = np.unique(np.concatenate([s["distinct"] for s in summaries]))
        low, high = min(s["low"] for s in summaries), max(s["high"] for s in summaries)
        counted = {"distinct": distinct} if distinct.size <= MAX_BARS else {
            "edges": np.linspace(low, high, MAX_BARS + 1)}
        page_rows = page_users(n_users, int(job.seed))  # the users one machine's page shows
        params = estimator.get_params()
        done = ask(blocks, "run", [(finish_on, exchange, fit.published, chosen.name, params, fit.global_mean,
                                    fit.rating_range,
                                    job.top, job.exclude_known, n_similar, str(folder), int(ub[b]), int(ib[b]),
                                    page_rows, counted) for b in range(len(blocks))], "recommending")
        progress(1, 1)
    timings["recommending"] = time.perf_counter() - t
    t = time.perf_counter()
    item_ids = tuple(x for d in done for x in d["item_ids"])
    V = np.concatenate([d["V"] for d in done])
    c = np.concatenate([d["c"] for d in done])
    similar = None
    if done[0]["similar"] is not None:
        similar = NeighbourGraph(np.concatenate([d["similar"][0] for d in done]),
                                 np.concatenate([d["similar"][1] for d in done]), "exact")
    estimator.user_factors_ = np.concatenate([d["page"]["U"] for d in done])
    estimator.user_bias_ = np.concatenate([d["page"]["b"] for d in done])
    estimator.item_factors_, estimator.item_bias_ = V, c
    estimator.global_mean_, estimator.rating_range_ = fit.global_mean, fit.rating_range
    estimator.known_ = sp.vstack([d["page"]["known"] for d in done], format="csr")
    estimator.loss_curve_, estimator.n_iter_, estimator.converged_ = fit.loss_curve, fit.n_iter, fit.converged
    shown = RatingModel(chosen, estimator, tuple(x for d in done for x in d["page"]["ids"]), item_ids, similar)
    items = np.concatenate([d["page"]["items"] for d in done])
    scores = np.concatenate([d["page"]["scores"] for d in done])
    item_counts = np.concatenate([s["item_counts"] for s in summaries])
    item_sums = np.concatenate([s["item_sums"] for s in summaries])
    values, counts = (np.concatenate([s["per_user"][n] for s in summaries]) for n in (0, 1))
    stats = {"hist": (done[0]["hist"][0], sum(d["hist"][1] for d in done), distinct.size <= MAX_BARS),
             "per_user": (int(median_of_counts(values, counts)), int(values.max())), "per_item": item_counts}
    digests = [sum(s[key] for s in summaries) for key in ("cells", "users", "items")]
    data = {"users": n_users, "items": n_items, "known": ratings.nnz, "rating_range": [low, high],
            "digests": digests, "info": ratings.info}
    manifest = manifest_of(job, data, chosen, evaluation, timings, int(estimator.n_components), job.top)
    manifest = describe_rating_model(shown, manifest)
    manifest["model"].update(n_iter=int(fit.n_iter), converged=bool(fit.converged), objective=fit.objective)
    manifest["parts"] = {"users": np.diff(ub).tolist(), "items": np.diff(ib).tolist(),
                         "files": [d["files"] for d in done]}
    manifest["cluster"] = {"workers": len(blocks)}
    with stage("writing") as progress:
        arrays = {"item_factors": V, "item_bias": c, "loss_curve": np.asarray(fit.loss_curve, np.float64),
                  "global_mean": np.array([fit.global_mean]), "rating_range": np.asarray(fit.rating_range, np.float64)}
        pack_strings(item_ids, arrays, "item_ids")
        if similar is not None:
            arrays["similar_index"] = similar.index.astype(np.int32)
            arrays["similar_score"] = similar.score.astype(np.float32)
        manifest["timings"]["total"] = time.perf_counter() - job.started
        manifest["peak_memory_mb"] = peak_memory_mb()
        manifest = save_rating_head(folder, manifest, arrays)
        shown.manifest = manifest
        write_atomic(folder / "index.html", render_ratings(shown, None, manifest, items, scores, stats=stats,
                                                           totals=(n_users, item_counts, item_sums)))
        progress(1, 1)
    manifest["timings"]["writing"] = time.perf_counter() - t
    return shown, manifest
