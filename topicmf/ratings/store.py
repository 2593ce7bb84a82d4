"""Saving and loading a rating model: ``model.npz`` (arrays) and ``manifest.json`` (everything else).

The same rules as a topic run's (:mod:`topicmf.model.store`): no pickle, plain numeric
arrays and ids packed as UTF-8, the SHA-256 of ``model.npz`` recorded in the manifest and
checked on loading, every file written atomically.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..errors import TopicmfError
from ..neighbours.graph import NeighbourGraph
from ..runfolder.npz import pack_strings, read_verified, unpack_strings
from ..runfolder.parts import concat_strings
from ..runfolder.manifest import MANIFEST_FILE, MODEL_FILE, RATINGS_FORMAT, file_record, read_manifest, write_manifest
from .families import FAMILIES
from .model import RatingModel

__all__ = ["save_rating_model", "save_rating_head", "load_rating_model", "describe_rating_model", "user_part_arrays",
           "RATINGS_FORMAT", "USERS"]

USERS = "users"  # a cluster run's folder of user parts: users/part-NNNNN.npz

_REMEDY = "re-run `topicmf recommend`"
_FLOATS = ("user_factors", "item_factors", "user_bias", "item_bias", "loss_curve")


def save_rating_model(model: RatingModel, directory, manifest: dict) -> dict:
    """Write ``model.npz`` and ``manifest.json`` into ``directory``; returns the manifest written."""
    directory = Path(directory)
    e = model.estimator
    known = sp.csr_matrix(e.known_)
    arrays = {
        "user_factors": e.user_factors_, "item_factors": e.item_factors_, "user_bias": e.user_bias_,
        "item_bias": e.item_bias_, "loss_curve": np.asarray(e.loss_curve_, dtype=np.float64),
        "global_mean": np.array([e.global_mean_], dtype=np.float64),
        "rating_range": np.asarray(e.rating_range_, dtype=np.float64),
        "known_indptr": known.indptr.astype(np.int64), "known_indices": known.indices.astype(np.int32),
        "known_data": known.data.astype(np.float64),
    }
    pack_strings(model.user_ids, arrays, "user_ids")
    pack_strings(model.item_ids, arrays, "item_ids")
    for name, titles in (("item_titles", model.item_titles), ("user_titles", model.user_titles)):
        if titles is not None:
            pack_strings(tuple(t or "" for t in titles), arrays, name)
    if model.similar is not None:
        arrays["similar_index"] = model.similar.index.astype(np.int32)
        arrays["similar_score"] = model.similar.score.astype(np.float32)
    path = directory / MODEL_FILE
    with open(path, "wb") as out:
        np.savez(out, **arrays)
    manifest = describe_rating_model(model, dict(manifest, format=RATINGS_FORMAT))
    manifest["files"] = {MODEL_FILE: file_record(path)}
    write_manifest(directory, manifest)
    return manifest


def user_part_arrays(user_factors, user_bias, user_ids, known) -> dict:
    """The arrays of one part of a cluster run's users (``users/part-N.npz``): their rows of what ``model.npz``
    holds for every user in a run of one machine."""
    known = sp.csr_matrix(known)
    arrays = {"user_factors": np.ascontiguousarray(user_factors, dtype=np.float64),
              "user_bias": np.asarray(user_bias, dtype=np.float64), "known_indptr": known.indptr.astype(np.int64),
              "known_indices": known.indices.astype(np.int32), "known_data": known.data.astype(np.float64)}
    pack_strings(tuple(user_ids), arrays, "user_ids")
    return arrays


def save_rating_head(directory, manifest: dict, arrays: dict) -> dict:
    """``model.npz`` and ``manifest.json`` of a cluster run: the items' arrays (``arrays``, as
    :func:`save_rating_model` writes them) without the users', which are in the parts the manifest lists
    (``"parts"``); returns the manifest written."""
    directory = Path(directory)
    path = directory / MODEL_FILE
    with open(path, "wb") as out:
        np.savez(out, **arrays)
    manifest = dict(manifest, format=RATINGS_FORMAT)
    manifest["files"] = {MODEL_FILE: file_record(path)}
    write_manifest(directory, manifest)
    return manifest


def _user_parts(directory: Path, manifest: dict) -> dict:
    """Every user part of a cluster run, checked against its SHA-256, as the user arrays of one ``model.npz``."""
    try:
        records = manifest["parts"]["files"]
    except (KeyError, TypeError):
        raise TopicmfError(f"{directory / MANIFEST_FILE} lists its parts wrongly; {_REMEDY}") from None
    parts = [read_verified(directory / r[USERS]["file"], r[USERS]["sha256"], _REMEDY) for r in records]
    out = {key: np.concatenate([p[key] for p in parts]) for key in ("user_factors", "user_bias", "known_indices",
                                                                   "known_data")}
    shifts = np.cumsum([0] + [p["known_indices"].size for p in parts[:-1]])
    out["known_indptr"] = np.concatenate([parts[0]["known_indptr"][:1]] + [
        p["known_indptr"][1:] + shift for p, shift in zip(parts, shifts)])
    out.update(concat_strings(parts, "user_ids"))
    return out


def describe_rating_model(model: RatingModel, manifest: dict) -> dict:
    """``manifest`` with the model's description: its family, settings, seed, sweeps, objective, neighbours."""
    e = model.estimator
    params = {k: v for k, v in e.get_params().items() if k != "random_state"}
    manifest = dict(manifest)
    manifest["model"] = {
        **manifest.get("model", {}),
        "family": model.family.name,
        "params": params,
        "seed": e.random_state,
        "n_iter": int(e.n_iter_),
        "converged": bool(e.converged_),
        "objective": float(e.loss_curve_[-1]) if len(e.loss_curve_) else None,
    }
    if model.similar is not None:
        manifest["similar_items"] = model.similar.describe()
    return manifest


def load_rating_model(directory) -> RatingModel:
    """The model of a ``topicmf recommend`` run folder, checked (TopicmfError when damaged or inconsistent)."""
    directory = Path(directory)
    manifest = read_manifest(directory, RATINGS_FORMAT)
    path = directory / MODEL_FILE
    try:
        expected = manifest["files"][MODEL_FILE]["sha256"]
        m = manifest["model"]
        family = FAMILIES[m["family"]]
        estimator = family.estimator(**m["params"], random_state=m.get("seed"))
    except (KeyError, TypeError):
        raise TopicmfError(f"{directory / MANIFEST_FILE} lacks a valid model description; {_REMEDY}") from None
    if not path.is_file():
        raise TopicmfError(f"{directory} has no {MODEL_FILE}")
    a = read_verified(path, expected, _REMEDY)
    if manifest.get("parts"):  # a cluster run: its users' arrays are in the parts its workers wrote
        a.update(_user_parts(directory, manifest))
    users = unpack_strings(a, "user_ids", path)
    items = unpack_strings(a, "item_ids", path)
    _check(a, users, items, path)
    n, m_items = len(users), len(items)
    estimator.user_factors_, estimator.item_factors_ = a["user_factors"], a["item_factors"]
    estimator.user_bias_, estimator.item_bias_ = a["user_bias"], a["item_bias"]
    estimator.global_mean_ = float(a["global_mean"][0])
    estimator.rating_range_ = tuple(float(x) for x in a["rating_range"])
    estimator.loss_curve_ = a["loss_curve"]
    estimator.n_iter_ = int(m.get("n_iter", len(a["loss_curve"])))
    estimator.converged_ = bool(m.get("converged", True))
    estimator.known_ = sp.csr_matrix((a["known_data"], a["known_indices"], a["known_indptr"]), shape=(n, m_items))
    similar = None
    if "similar_index" in a:
        about = manifest.get("similar_items") or {}
        similar = NeighbourGraph(a["similar_index"], a["similar_score"], about.get("method", "exact"),
                                 about.get("recall"), about.get("recall_sample", 0), about.get("exact_work"),
                                 about.get("similarity", "cosine of item factors"))
    titles = {}
    for name, ids in (("item_titles", items), ("user_titles", users)):
        found = unpack_strings(a, name, path)
        if found is not None:
            if len(found) != len(ids):
                raise TopicmfError(f"{path} is inconsistent: {len(found)} {name.replace('_', ' ')} for {len(ids)} ids")
            titles[name] = tuple(t or None for t in found)
    return RatingModel(family, estimator, users, items, similar, manifest, **titles)


def _check(a: dict, users, items, path) -> None:
    def bad(why):
        raise TopicmfError(f"{path} is inconsistent: {why}")

    for key in (*_FLOATS, "global_mean", "rating_range", "known_indptr", "known_indices", "known_data"):
        if key not in a:
            bad(f"no array {key!r}")
        if key in _FLOATS and (a[key].dtype.kind != "f" or not np.isfinite(a[key]).all()):
            bad(f"{key} must hold finite numbers")
    if users is None or items is None:
        bad("no user or item ids")
    n, m = len(users), len(items)
    U, V = a["user_factors"], a["item_factors"]
    if U.ndim != 2 or V.ndim != 2 or U.shape[0] != n or V.shape[0] != m or U.shape[1] != V.shape[1]:
        bad(f"factors {U.shape} and {V.shape} do not fit {n} users and {m} items")
    if a["user_bias"].shape != (n,) or a["item_bias"].shape != (m,):
        bad("the biases do not fit the users and items")
    if a["global_mean"].shape != (1,) or a["rating_range"].shape != (2,):
        bad("bad global mean or rating range")
    indptr, indices, data = a["known_indptr"], a["known_indices"], a["known_data"]
    if (indptr.ndim != 1 or indptr.size != n + 1 or indptr[0] != 0 or indptr[-1] != indices.size
            or indices.size != data.size or (np.diff(indptr) < 0).any()
            or (indices.size and (indices.min() < 0 or indices.max() >= m))):
        bad("the known cells do not fit the users and items")
    index, score = a.get("similar_index"), a.get("similar_score")
    if (index is None) != (score is None):
        bad("similar_index and similar_score come together")
    if index is not None and (index.ndim != 2 or index.shape[0] != m or score.shape != index.shape
                              or (index.size and (index.min() < 0 or index.max() >= m))):
        bad("the similar items do not fit the items")
