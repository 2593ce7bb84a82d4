"""``topicmf recommend`` as a function: a rating file in, a run folder out.

ratings (read, ids) → held-out evaluation (a seeded split or K folds, the model and the
family's simple reference on the same cells) → the model fitted on every known cell →
recommendations and similar items → the run folder (CSV, model, manifest, page), written
atomically like a topic run's.
"""

from __future__ import annotations

import hashlib
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..errors import TopicmfError, TopicmfWarning
from ..runfolder.staging import write_atomic
from ..ratings import (RatingModel, Ratings, choose_family, family, kfold_known, read_ratings,
                       save_rating_model, split_known)
from ..runfolder.staging import check_destination, staged_directory
from ..spec import SPLITS, checked
from ..report.ratings import render_ratings, write_recommendations, write_similar_items
from .common import default_out, peak_memory_mb, silent, versions

__all__ = ["RecommendResult", "recommend", "SIMILAR_ITEMS", "SPLITS"]

SIMILAR_ITEMS = 10


@dataclass
class RecommendResult:
    """What :func:`recommend` made: the folder, the fitted model, its manifest and the ratings read."""

    directory: Path
    model: RatingModel
    manifest: dict
    ratings: Ratings


def fingerprint(R: sp.csr_matrix, users, items) -> str:
    """SHA-256 of the known cells and the ids: two runs on the same data share it."""
    digest = hashlib.sha256()
    for array in (R.indptr.astype(np.int64), R.indices.astype(np.int64), R.data.astype(np.float64)):
        digest.update(array.tobytes())
    for ids in (users, items):
        digest.update("\x00".join(ids).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


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
    result = dict(how, seconds=round(time.perf_counter() - started, 3), model=_mean(found),
                  reference=_mean(reference), reference_title=family.reference_title)
    headline = family.metrics[0]
    mine, theirs = result["model"][headline.key], result["reference"][headline.key]
    if (mine < theirs) if headline.higher_is_better else (mine > theirs):
        warnings.warn(f"On the held-out cells the model does worse than the {family.reference_title} "
                      f"({headline.title} {mine:.3f} against {theirs:.3f}); fewer factors (-k), larger penalties or "
                      f"{'fewer sweeps' if family.biases else 'a larger --reg'} may help", TopicmfWarning, stacklevel=3)
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
              stage=None) -> RecommendResult:
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
    """
    stage = stage or silent
    started = time.perf_counter()
    out = check_destination(out if out is not None else default_out(path), path, force=force)
    if split not in SPLITS:
        raise TopicmfError(f"split must be one of {', '.join(SPLITS)}; got {split!r}")
    if model is not None:  # what the family cannot take is refused before the file is read
        family(model).check(solver, settings or {})
    timings = {}
    with stage("reading, rows") as progress:
        ratings = read_ratings(path, **{f"{key}_column": value for key, value in (columns or {}).items()},
                               progress=progress)
    if min_rating is not None:
        ratings = positives(ratings, min_rating)
    timings["reading"] = time.perf_counter() - started
    chosen = choose_family(ratings.R, model)
    n_users, n_items = ratings.shape
    k_used = k if k is not None else min(chosen.default_k, n_users, n_items)
    chosen.check(solver, settings or {}, k_used)

    def make():
        return chosen.make(k_used, solver, seed, settings or {})

    with checked():  # every parameter is checked above: the fits do not check them again
        evaluation = None
        if folds or test_size:
            evaluation = _evaluate(chosen, ratings, make, test_size=test_size, folds=folds, split=split, seed=seed,
                                   stage=stage)
            timings["evaluating"] = evaluation["seconds"]
        t = time.perf_counter()
        with stage("fitting, sweep") as progress:
            try:
                estimator = make().fit(ratings.R, callback=progress)
            except ValueError as exc:
                raise TopicmfError(str(exc)) from None
        timings["fitting"] = time.perf_counter() - t
    fitted = RatingModel(chosen, estimator, ratings.user_ids, ratings.item_ids)
    t = time.perf_counter()
    with stage("recommending") as progress:
        rows = np.arange(n_users)
        items, scores = fitted.recommend_rows(rows, top, exclude_known)
        progress(1, 2)
        fitted.find_similar(SIMILAR_ITEMS, seed=seed)
        progress(2, 2)
    timings["recommending"] = time.perf_counter() - t
    manifest = _manifest(path, ratings, chosen, fitted, evaluation, command, timings, k_used, top)
    t = time.perf_counter()
    with staged_directory(out, force=force) as tmp, stage("writing") as progress:
        write_recommendations(tmp / "recommendations.csv", fitted, items, scores)
        if fitted.similar is not None:
            write_similar_items(tmp / "similar_items.csv", fitted)
        manifest["timings"]["total"] = time.perf_counter() - started
        manifest["peak_memory_mb"] = peak_memory_mb()
        manifest = save_rating_model(fitted, tmp, manifest)
        fitted.manifest = manifest
        write_atomic(tmp / "index.html", render_ratings(fitted, ratings, manifest, items, scores))
        progress(1, 1)
    manifest["timings"]["writing"] = time.perf_counter() - t
    return RecommendResult(out, fitted, manifest, ratings)


def _manifest(path, ratings, family, fitted, evaluation, command, timings, k, n) -> dict:
    R = ratings.R
    return {
        "command": command or f"topicmf recommend {path}",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "versions": versions(),
        "data": {
            "path": str(Path(path).expanduser().resolve()),
            "name": Path(path).stem,
            "format": ratings.info.get("format"),
            "columns": ratings.info.get("columns"),
            "users": int(R.shape[0]),
            "items": int(R.shape[1]),
            "known": int(R.nnz),
            "density": float(R.nnz / max(1, R.shape[0] * R.shape[1])),
            "rating_range": [float(R.data.min()), float(R.data.max())],
            "duplicates": int(ratings.info.get("duplicates", 0)),
            "min_rating": ratings.info.get("min_rating"),
            "fingerprint": fingerprint(R, ratings.user_ids, ratings.item_ids),
        },
        "model": {"k": int(k), "recommendations_per_user": int(n), "title": family.title},
        "metrics": evaluation,
        "timings": timings,
    }
