"""``topicmf recommend`` as a function: a rating file in, a run folder out.

ratings (read, ids) → held-out evaluation (a seeded split or K folds, the model and the
family's simple reference on the same cells) → the model fitted on every known cell →
recommendations and similar items → the run folder (CSV, model, manifest, page), written
atomically like a topic run's.
"""

from __future__ import annotations

import hashlib
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..errors import TopicmfError, TopicmfWarning
from ..runfolder.staging import write_atomic
from ..ratings import (RatingModel, Ratings, choose_family, family, kfold_known, read_ratings,
                       save_rating_model, split_known)
from ..ratings.store import describe_rating_model
from ..ratings.names import Names, frame_names, read_names
from ..ratings.memory import MEMORY_SOURCE, ratings_in_memory
from ..runfolder.staging import check_destination, staged_directory
from ..spec import SPLITS, checked
from ..text.matrix import ids_digest, matrix_digest
from ..report.ratings import render_ratings, write_recommendations, write_similar_items
from .common import default_out, peak_memory_mb, silent, versions

__all__ = ["RecommendResult", "recommend", "SIMILAR_ITEMS", "SPLITS", "manifest_of", "data_summary", "evaluation_result",
           "ratings_fingerprint"]

SIMILAR_ITEMS = 10


@dataclass
class RecommendResult:
    """What :func:`recommend` made: the folder, the fitted model, its manifest and the ratings read."""

    directory: Path
    model: RatingModel
    manifest: dict
    ratings: Ratings


def ratings_fingerprint(shape, cells: int, users: int, items: int) -> str:
    """SHA-256 of the matrix's shape and the 64-bit digests of its known cells (their rows, columns and values) and
    of its user and item ids in their rows (:func:`topicmf.text.matrix.matrix_digest`, ``ids_digest``): sums, so a
    cluster's blocks give the same fingerprint as one machine."""
    text = f"ratings:{shape[0]}x{shape[1]}:{cells % 2**64}:{users % 2**64}:{items % 2**64}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def positives(ratings: Ratings, threshold: float) -> Ratings:
    """Cells rated at least ``threshold`` as interactions of value 1; the others dropped (implicit from ratings)."""
    R = ratings.R.copy()
    keep = R.data >= threshold
    if not keep.any():
        raise TopicmfError(f"no rating is at least {threshold:g} (ratings run from {R.data.min():g} to {R.data.max():g})")
    R.data = keep.astype(np.float64)
    R.eliminate_zeros()
    times = None if ratings.times is None else ratings.times[keep]
    return Ratings(R, ratings.user_ids, ratings.item_ids, times, dict(ratings.info, min_rating=threshold))


def _held_out(family, R):
    """The cells an evaluation may score: every known cell (explicit), the positive ones (implicit)."""
    if family.biases:
        return R
    R = R.copy()
    R.data = (R.data > 0).astype(np.float64)
    R.eliminate_zeros()
    return R


def _time_split(ratings: Ratings, test_size: float):
    """The latest ``test_size`` of the known cells by time (ties broken by position) as the test cells."""
    if ratings.times is None:
        raise TopicmfError("--split time needs a time column (name it with --time-column)")
    times = np.asarray(ratings.times)
    try:
        keys = times.astype(np.float64)
    except (TypeError, ValueError):
        keys = np.unique(times.astype(str), return_inverse=True)[1]  # ISO dates sort as text
    order = np.argsort(keys, kind="stable")
    n_test = int(round(test_size * order.size))
    if not 0 < n_test < order.size:
        raise TopicmfError(f"--test-size {test_size} leaves {n_test} of {order.size} known cells for testing")
    coo = ratings.R.tocoo()
    test_cells = np.zeros(order.size, bool)
    test_cells[order[-n_test:]] = True

    def part(mask):
        return sp.csr_matrix((coo.data[mask], (coo.row[mask], coo.col[mask])), shape=ratings.R.shape)

    cutoff = times[order[-n_test]]
    if keys.dtype.kind == "f" and 1e8 <= float(cutoff) < 1e10:  # Unix seconds (MovieLens): say the date too
        cutoff = f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime(float(cutoff)))} UTC ({cutoff})"
    return part(~test_cells), part(test_cells), str(cutoff)


def _evaluate(family, ratings: Ratings, make, *, test_size, folds, split, seed, stage) -> dict:
    """Held-out metrics of the model and of the family's reference on the same cells."""
    R = ratings.R
    if folds:
        splits = list(kfold_known(R, folds, random_state=seed))
        how = {"method": "folds", "folds": folds, "seed": seed}
    elif split == "time":
        train, test, cutoff = _time_split(ratings, test_size)
        splits = [(train, test)]
        how = {"method": "time", "test_size": test_size, "from": cutoff}
    else:
        splits = [split_known(R, test_size, random_state=seed)]
        how = {"method": "random", "test_size": test_size, "seed": seed}
    found, reference = [], []
    started = time.perf_counter()
    with stage("evaluating") as progress:
        for n, (train, test) in enumerate(splits):
            scored = _held_out(family, test)
            if scored.nnz == 0:
                raise TopicmfError("the held-out cells hold no positive interaction to score")
            try:
                found.append(family.evaluate(make().fit(train), scored))
                reference.append(family.evaluate(family.reference().fit(train), scored))
            except ValueError as exc:
                raise TopicmfError(str(exc)) from None
            progress(n + 1, len(splits))
    return evaluation_result(family, how, found, reference, started)


def evaluation_result(family, how: dict, found: list, reference: list, started: float) -> dict:
    """The evaluation's record from each split's metrics of the model and of the reference (a warning when the model
    does worse), here or on a cluster."""
    result = dict(how, seconds=round(time.perf_counter() - started, 3), model=_mean(found),
                  reference=_mean(reference), reference_title=family.reference_title)
    headline = family.metrics[0]
    mine, theirs = result["model"][headline.key], result["reference"][headline.key]
    if (mine < theirs) if headline.higher_is_better else (mine > theirs):
        warnings.warn(f"On the held-out cells the model does worse than the {family.reference_title} "
                      f"({headline.title} {mine:.3f} against {theirs:.3f}); fewer factors (-k), larger penalties or "
                      f"{'fewer sweeps' if family.biases else 'a larger --reg'} may help", TopicmfWarning, stacklevel=4)
    if len(found) > 1:
        result["model_std"] = {k: float(np.std([f[k] for f in found])) for k in found[0] if isinstance(found[0][k], float)}
    return result


def _mean(rows: list[dict]) -> dict:
    out = {}
    for key, value in rows[0].items():
        values = [r[key] for r in rows]
        out[key] = float(np.mean(values)) if isinstance(value, float) else int(np.sum(values)) if key in (
            "cells", "users") else value
    return out


def recommend(path, *, out=None, model: str | None = None, k: int | None = None, solver: str | None = None,
              seed: int = 0, force: bool = False, top: int = 10, test_size: float = 0.2, folds: int | None = None,
              split: str = "random", settings: dict | None = None, min_rating: float | None = None,
              columns: dict | None = None, exclude_known: bool = True, command: str = "",
              stage=None, items=None, users=None, dask: str | None = None) -> RecommendResult:
    """Read a rating file, evaluate, fit, and write a run folder.

    Parameters
    ----------
    path : rating file (see :func:`topicmf.ratings.read_ratings`)
    out : folder or None
        Default ``reports/<file name>``; replaced only with ``force``.
    model : {"explicit", "implicit"} or None
        None: implicit when every known value is 0 or 1, else explicit.
    k : int or None
        Factors; None takes the family's default (100 explicit, 64 implicit), at most the
        smaller side of the matrix.
    solver, settings :
        The estimator's solver and settings (penalties, step, sweeps).
    top : int
        Recommendations per user.
    test_size, folds, split :
        Held-out evaluation: a seeded random split of the known cells (``test_size``; 0 skips
        the evaluation), the latest cells by time (``split="time"``), or ``folds``-fold
        cross-validation.  The saved model is then fitted on every known cell.
    min_rating : float or None
        Take cells rated at least this as interactions (implicit feedback from ratings).
    columns : dict or None
        ``user``, ``item``, ``rating``, ``time`` column names for the reader.
    exclude_known : bool
        Leave each user's known items out of their recommendations (the default).
    items, users : path, DataFrame or None
        Tables of names (:mod:`topicmf.ratings.names`): titles beside the ids in the files and on the page.
    dask : str or None
        Read and fit on that Dask cluster (an address, or ``local:N``): the workers hold the ratings and write
        the per-user files as parts (:mod:`topicmf.workflow.cluster.recommend`).
    """
    out = check_destination(out if out is not None else default_out(path), path, force=force)
    job = prepare_recommend(path, out=out, model=model, k=k, solver=solver, seed=seed, force=force, top=top,
                            test_size=test_size, folds=folds, split=split, settings=settings, min_rating=min_rating,
                            columns=columns, exclude_known=exclude_known, command=command, stage=stage,
                            items=items, users=users)
    if dask is not None:
        from .cluster.recommend import recommend_on_cluster

        return recommend_on_cluster(job, dask)
    ratings = read_job_ratings(job)
    outcome = fit_recommend(job, ratings)
    manifest = write_recommend(job, outcome)
    return RecommendResult(out, outcome.model, manifest, ratings)


@dataclass
class RatingJob:
    """A recommend job's parameters, checked, and its bookkeeping."""

    source: object  # a rating file's path, or ratings in memory (a DataFrame, (user, item[, rating]) tuples)
    out: Path | None
    model: str | None
    k: int | None
    solver: str | None
    seed: int
    force: bool
    top: int
    test_size: float
    folds: int | None
    split: str
    settings: dict
    min_rating: float | None
    columns: dict
    exclude_known: bool
    command: str
    stage: object
    items: Names | None
    users: Names | None
    started: float = field(default_factory=time.perf_counter)
    timings: dict = field(default_factory=dict)


@dataclass
class RatingOutcome:
    """A fitted recommend job before it is written."""

    model: RatingModel
    ratings: Ratings
    items: np.ndarray  # every user's recommended items (columns), best first; -1 where the list ran out
    scores: np.ndarray
    manifest: dict


def prepare_recommend(source, *, out=None, model=None, k=None, solver=None, seed=0, force=False, top=10,
                      test_size=0.2, folds=None, split="random", settings=None, min_rating=None, columns=None,
                      exclude_known=True, command="", stage=None, items=None, users=None) -> RatingJob:
    """The job's parameters checked once (what the family cannot take is refused before the data is read)."""
    if split not in SPLITS:
        raise TopicmfError(f"split must be one of {', '.join(SPLITS)}; got {split!r}")
    if model is not None:
        family(model).check(solver, settings or {})
    return RatingJob(source, out, model, k, solver, seed, force, top, test_size, folds, split, dict(settings or {}),
                     min_rating, dict(columns or {}), exclude_known, command, stage or silent, _names(items, "items"),
                     _names(users, "users"))


def _names(given, what: str) -> Names | None:
    """A table of names: read from a path, taken from a DataFrame, or None."""
    if given is None or isinstance(given, Names):
        return given
    if hasattr(given, "columns"):
        return frame_names(given, what)
    return read_names(given, what)


def read_job_ratings(job: RatingJob) -> Ratings:
    """The job's ratings: its file read, or its data in memory assembled the same way; timed."""
    columns = {f"{key}_column": value for key, value in job.columns.items()}
    with job.stage("reading, rows") as progress:
        if isinstance(job.source, (str, os.PathLike)):
            ratings = read_ratings(job.source, **columns, progress=progress)
        else:
            ratings = ratings_in_memory(job.source, **columns)
    if job.min_rating is not None:
        ratings = positives(ratings, job.min_rating)
    job.timings["reading"] = time.perf_counter() - job.started
    return ratings


def fit_recommend(job: RatingJob, ratings: Ratings) -> RatingOutcome:
    """Evaluate, fit on every known cell, recommend for every user and find every item's neighbours."""
    stage, timings, settings = job.stage, job.timings, job.settings
    chosen = choose_family(ratings.R, job.model)
    n_users, n_items = ratings.shape
    k_used = job.k if job.k is not None else min(chosen.default_k, n_users, n_items)
    chosen.check(job.solver, settings, k_used)

    def make():
        return chosen.make(k_used, job.solver, job.seed, settings)

    with checked():  # every parameter is checked above: the fits do not check them again
        evaluation = None
        if job.folds or job.test_size:
            evaluation = _evaluate(chosen, ratings, make, test_size=job.test_size, folds=job.folds, split=job.split,
                                   seed=job.seed, stage=stage)
            timings["evaluating"] = evaluation["seconds"]
        t = time.perf_counter()
        with stage("fitting, sweep") as progress:
            try:
                estimator = make().fit(ratings.R, callback=progress)
            except ValueError as exc:
                raise TopicmfError(str(exc)) from None
        timings["fitting"] = time.perf_counter() - t
    fitted = RatingModel(chosen, estimator, ratings.user_ids, ratings.item_ids,
                         item_titles=None if job.items is None else job.items.aligned(ratings.item_ids, "items"),
                         user_titles=None if job.users is None else job.users.aligned(ratings.user_ids, "users"))
    t = time.perf_counter()
    with stage("recommending") as progress:
        items, scores = fitted.recommend_rows(np.arange(n_users), job.top, job.exclude_known)
        progress(1, 2)
        fitted.find_similar(SIMILAR_ITEMS, seed=job.seed)
        progress(2, 2)
    timings["recommending"] = time.perf_counter() - t
    manifest = manifest_of(job, data_summary(ratings), chosen, evaluation, timings, k_used, job.top)
    manifest = describe_rating_model(fitted, manifest)
    if job.items is not None or job.users is not None:
        manifest["names"] = {what: names.report(ids, titles) for what, names, ids, titles in
                             (("items", job.items, ratings.item_ids, fitted.item_titles),
                              ("users", job.users, ratings.user_ids, fitted.user_titles)) if names is not None}
    return RatingOutcome(fitted, ratings, items, scores, manifest)


def write_recommend(job: RatingJob, outcome: RatingOutcome, out=None, force: bool | None = None) -> dict:
    """Write the run folder (``out``, default the job's): the CSV files, the model, the manifest, the page."""
    fitted, manifest = outcome.model, dict(outcome.manifest)
    out = job.out if out is None else out
    force = job.force if force is None else force
    t = time.perf_counter()
    with staged_directory(out, force=force) as tmp, job.stage("writing") as progress:
        write_recommendations(tmp / "recommendations.csv", fitted, outcome.items, outcome.scores)
        if fitted.similar is not None:
            write_similar_items(tmp / "similar_items.csv", fitted)
        manifest["timings"]["total"] = time.perf_counter() - job.started
        manifest["peak_memory_mb"] = peak_memory_mb()
        manifest = save_rating_model(fitted, tmp, manifest)
        fitted.manifest = manifest
        write_atomic(tmp / "index.html", render_ratings(fitted, outcome.ratings, manifest, outcome.items,
                                                        outcome.scores))
        progress(1, 1)
    manifest["timings"]["writing"] = time.perf_counter() - t
    return manifest


def data_summary(ratings: Ratings) -> dict:
    """What a run's manifest says of its data (:func:`manifest_of`), from the ratings here."""
    R = ratings.R
    return {"users": int(R.shape[0]), "items": int(R.shape[1]), "known": int(R.nnz),
            "rating_range": [float(R.data.min()), float(R.data.max())],
            "digests": [matrix_digest(R, keep_zeros=True), ids_digest(ratings.user_ids), ids_digest(ratings.item_ids)],
            "info": ratings.info}


def manifest_of(job: RatingJob, data: dict, family, evaluation, timings, k, top: int) -> dict:
    """The manifest of a recommend run so far, from its data's summary (:func:`data_summary`, or a cluster's)."""
    path, info = job.source, data["info"]
    here = isinstance(path, (str, os.PathLike))
    users, items = data["users"], data["items"]
    return {
        "command": job.command or f"topicmf recommend {path if here else MEMORY_SOURCE}",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "versions": versions(),
        "data": {
            "path": str(Path(path).expanduser().resolve()) if here else None,
            "name": Path(path).stem if here else "ratings",
            "format": info.get("format"),
            "columns": info.get("columns"),
            "users": users,
            "items": items,
            "known": data["known"],
            "density": float(data["known"] / max(1, users * items)),
            "rating_range": data["rating_range"],
            "duplicates": int(info.get("duplicates", 0)),
            "min_rating": info.get("min_rating"),
            "fingerprint": ratings_fingerprint((users, items), *data["digests"]),
        },
        "model": {"k": int(k), "recommendations_per_user": int(top), "title": family.title},
        "metrics": evaluation,
        "timings": timings,
    }
