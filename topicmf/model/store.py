"""Saving and loading a topic model: ``model.npz`` (arrays) and ``manifest.json`` (everything else).

No pickle: the arrays are plain numeric and Unicode arrays read with
``allow_pickle=False``, and the manifest is JSON.  The manifest records the
SHA-256 of ``model.npz``, so a truncated or altered file is refused with a
one-line error instead of being half-read.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np

from ..errors import TopicmfError
from ..factorize import MODELS, Factorization
from ..text import Tokenizer
from ..text.clean import Cleaner
from ..text.stream import DocumentSample
from ..neighbours.graph import NeighbourGraph
from ..runfolder.manifest import MANIFEST_FILE, MODEL_FILE, RUN_FORMAT, file_record, read_manifest, write_manifest
from ..runfolder.npz import pack_strings, read_verified, unpack_strings
from ..runfolder.parts import read_documents, read_words
from ..neighbours.scores import words_of
from .elsewhere import Elsewhere, RowsElsewhere
from .topicmodel import WORD_ORDERS, TopicModel
from ..spec import WEIGHTINGS

__all__ = ["FORMAT", "MODEL_FILE", "MANIFEST_FILE", "WORDS_FILE", "save_model", "load_model", "read_manifest"]

FORMAT = RUN_FORMAT
WORDS_FILE = "words.npz"  # the documents' word vectors, for queries (topicmf.neighbours.scores)


def tokenizer_spec(tokenizer: Tokenizer | None) -> dict | None:
    """The tokenizer as JSON (its stopword list included, so no file is needed to reload it)."""
    if tokenizer is None:
        return None
    return {
        "stopwords": sorted(tokenizer.stopwords),
        "stem": tokenizer.stem,
        "ngrams": tokenizer.ngrams,
        "min_length": tokenizer.min_length,
        "keep_numbers": tokenizer.keep_numbers,
        "strip_urls": tokenizer.strip_urls,
        "clean": None if tokenizer.cleaner is None else {"rules": list(tokenizer.cleaner.rules),
                                                           "auto": tokenizer.cleaner.auto},
        "junk": tokenizer.junk,
        "foreign": [sorted(words) for words in tokenizer.foreign],
    }


def _tokenizer_from_spec(spec: dict) -> Tokenizer:
    spec = dict(spec)
    clean = spec.pop("clean", None)
    cleaner = None if clean is None else Cleaner(rules=tuple(clean["rules"]), auto=bool(clean["auto"]))
    foreign = tuple(frozenset(words) for words in spec.pop("foreign", ()))  # absent from runs saved before it
    return Tokenizer(**{**spec, "stopwords": frozenset(spec["stopwords"]), "cleaner": cleaner, "foreign": foreign})


def model_record(model: TopicModel) -> dict:
    """The manifest's ``model`` section of a fitted model: what was fitted, how, and how it ended."""
    f = model.factorization
    return {
        "name": f.model,
        "solver": f.solver,
        "n_topics": model.n_topics,
        "seed": model.seed,
        "weighting": model.weighting,
        "word_order": model.word_order,
        "params": f.params,
        "n_iter": f.n_iter,
        "converged": bool(f.converged),
        "objective": f.objective,
        "tokenizer": tokenizer_spec(model.tokenizer),
        "topic_names": None if model.topic_names is None else list(model.topic_names),
    }


def save_model(model: TopicModel, directory, manifest: dict) -> dict:
    """Write ``model.npz`` and ``manifest.json`` into ``directory``; returns the manifest written.

    ``manifest`` holds whatever the caller records (corpus, timings,
    metrics); the model's own fields are added under ``"model"``.
    """
    directory = Path(directory)
    f = model.factorization
    arrays = {
        "H": f.H,
        "loss_curve": np.asarray(f.loss_curve, dtype=np.float64),
    }
    here = isinstance(f.W, np.ndarray)  # else the documents are in the run's parts (topicmf.runfolder.parts)
    if here:
        arrays["W"] = f.W
    for name in ("terms", "vocabulary", "doc_ids", "labels") if here else ("terms", "vocabulary"):
        if getattr(model, name) is not None:
            pack_strings(getattr(model, name), arrays, name)
    if model.sample is not None:
        arrays["sample_rows"] = model.sample.rows
        if model.sample.excerpts is not None:
            pack_strings(model.sample.excerpts, arrays, "excerpts")
    if model.graph is not None:
        arrays["neighbours_index"] = model.graph.index.astype(np.int32 if model.n_docs < 2**31 else np.int64)
        arrays["neighbours_score"] = model.graph.score.astype(np.float32)
    if model.term_counts is not None:
        arrays["term_counts"] = np.asarray(model.term_counts, dtype=np.float64)
    if model.global_weights is not None:
        arrays["global_weights"] = model.global_weights
    if f.background is not None:
        arrays["background"] = np.asarray(f.background, dtype=np.float64)
    if not here and model.idf is not None:  # the word vectors are in the parts' index, their weights here
        arrays["idf"] = np.asarray(model.idf, dtype=np.float64)
    if f.singular_values is not None:
        arrays["singular_values"] = f.singular_values
        arrays["explained_variance_ratio"] = f.explained_variance_ratio
    path = directory / MODEL_FILE
    with open(path, "wb") as out:
        np.savez(out, **arrays)
    manifest = dict(manifest)
    manifest["format"] = FORMAT
    manifest["model"] = {**manifest.get("model", {}), **model_record(model)}
    if model.graph is not None:
        manifest["neighbours"] = model.graph.describe()
    manifest["files"] = {MODEL_FILE: file_record(path)}
    words = model.word_vectors()
    if words is not None:  # a file of its own: only a query of new text reads it
        wpath = directory / WORDS_FILE
        with open(wpath, "wb") as out:
            np.savez(out, words_indptr=words.indptr.astype(np.int64), words_indices=words.indices.astype(np.int32),
                     words_data=words.data.astype(np.float32), idf=np.asarray(model.idf, dtype=np.float64))
        manifest["files"][WORDS_FILE] = file_record(wpath)
    write_manifest(directory, manifest)
    return manifest


def load_model(directory, *, words_now: bool = False, documents: bool = True) -> TopicModel:
    """Load a model saved by :func:`save_model`, its manifest attached as ``model.manifest``.

    The documents' word vectors (``words.npz``) are read when first needed,
    or, with ``words_now``, in a thread started at once (a query needs them).
    A run written in parts by a cluster's workers (:mod:`topicmf.runfolder.parts`) is read from them,
    every part; with ``documents`` False, none (the model's W, ids and labels then say where they are,
    :mod:`topicmf.model.elsewhere`, and :mod:`topicmf.model.parted` answers questions from a few parts).

    Raises
    ------
    TopicmfError
        When the files are missing, truncated, altered or inconsistent.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    path = directory / MODEL_FILE
    try:
        expected = manifest["files"][MODEL_FILE]["sha256"]
        m = manifest["model"]
        spec = m["tokenizer"]
        name, weighting = m["name"], m["weighting"]
    except (KeyError, TypeError):
        raise TopicmfError(f"{directory / MANIFEST_FILE} lacks the model description; re-run `topicmf run`") from None
    if not path.is_file():
        raise TopicmfError(f"{directory} has no {MODEL_FILE}")
    if name not in MODELS or weighting not in WEIGHTINGS or m.get("word_order", "weight") not in WORD_ORDERS:
        raise TopicmfError(f"{directory / MANIFEST_FILE} names an unknown model, weighting or word order")
    expected_words = (manifest.get("files") or {}).get(WORDS_FILE, {}).get("sha256")
    words_arrays = None
    if expected_words is not None:
        words_arrays = (_early if words_now else partial)(load_words, directory / WORDS_FILE, expected_words)
    a = read_verified(path, expected)
    parted = bool(manifest.get("parts"))
    if parted and documents:  # a run written by a cluster's workers: the documents' arrays are in its parts
        a.update(read_documents(directory, manifest))
        if "idf" in a:
            words_arrays = (_early if words_now else partial)(_part_words, directory, manifest, a["W"].shape[0],
                                                              a["idf"])
    # a million ids and labels stay packed until something reads them (topicmf similar reads ten)
    text = {name: unpack_strings(a, name, path, lazy=name in ("doc_ids", "labels", "excerpts"))
            for name in ("terms", "vocabulary", "doc_ids", "labels", "excerpts")}
    head = parted and not documents
    if head:
        n_docs = _documents_of(manifest, directory)
        a["W"] = RowsElsewhere((n_docs, a["H"].shape[0]), "in the run's parts (documents/)")
        text["doc_ids"] = Elsewhere(n_docs, "ids", "in the run's parts (documents/)")
        text["labels"] = None
    _check_arrays(a, text, path, head)
    n_docs = a["W"].shape[0]
    rows = a.get("sample_rows")
    if rows is None and text["excerpts"] is not None:  # a run written before samples: every document
        rows = np.arange(n_docs)
    sample = None if rows is None else DocumentSample(rows, text["excerpts"], n_docs)
    graph = None
    if "neighbours_index" in a:
        about = manifest.get("neighbours") or {}
        graph = NeighbourGraph(a["neighbours_index"], a["neighbours_score"], about.get("method", "exact"),
                               about.get("recall"), about.get("recall_sample", 0), about.get("exact_work"),
                               about.get("similarity", "cosine of topic profiles"), about.get("score_ratio"),
                               about.get("effort"), about.get("descent_rounds", 0))
    f = Factorization(
        W=a["W"], H=a["H"], model=name, solver=m.get("solver", ""), loss_curve=a["loss_curve"],
        n_iter=int(m.get("n_iter", len(a["loss_curve"]))), converged=bool(m.get("converged", True)),
        singular_values=a.get("singular_values"), explained_variance_ratio=a.get("explained_variance_ratio"),
        params=m.get("params") or {}, background=a.get("background"),
    )
    try:
        tokenizer = None if spec is None else _tokenizer_from_spec(spec)
    except (TypeError, KeyError, TopicmfError) as exc:
        raise TopicmfError(f"{directory / MANIFEST_FILE} has a bad tokenizer description ({exc})") from None
    model = TopicModel(f, text["vocabulary"], text["terms"], text["doc_ids"], text["labels"], tokenizer, weighting,
                       a.get("global_weights"), int(m.get("seed", 0)), manifest, a.get("term_counts"), sample, graph,
                       word_order=m.get("word_order", "weight"),
                       topic_names=None if not m.get("topic_names") else tuple(m["topic_names"]))
    if words_arrays is not None:
        model.word_source = lambda: _checked_words(words_arrays(), n_docs, a["H"].shape[1])
    if head:
        model.idf = a.get("idf")
    return model


def _part_words(directory, manifest, n_docs, idf) -> dict:
    arrays = read_words(directory, manifest, n_docs)
    return {**arrays, "idf": idf, "path": Path(directory) / "index"}


def load_words(path, expected: str) -> dict:
    """The arrays of a saved run's ``words.npz`` (the documents' word vectors), checked against the manifest."""
    path = Path(path)
    if not path.is_file():
        raise TopicmfError(f"{path.parent} has no {path.name} (the documents' words); re-run `topicmf run`")
    arrays = read_verified(path, expected)
    arrays["path"] = path
    return arrays


def _checked_words(arrays: dict, n_docs: int, n_terms: int):
    """Word vectors and idf from the arrays of ``words.npz``; TopicmfError when they do not fit the model."""
    try:
        words = words_of(arrays, n_docs, n_terms)
        idf = arrays.get("idf")
        if words is None or idf is None or idf.shape != (n_terms,) or idf.dtype.kind != "f":
            raise ValueError("the word vectors or their idf weights are missing")
    except ValueError as exc:
        raise TopicmfError(f"{arrays['path']} is inconsistent: {exc}") from None
    return words, idf


def _early(function, *args):
    """Start ``function(*args)`` in a thread now; the returned callable waits for its result (or error)."""
    pool = ThreadPoolExecutor(1)
    future = pool.submit(function, *args)
    pool.shutdown(wait=False)
    return future.result


def _documents_of(manifest: dict, directory) -> int:
    try:
        return int(sum(manifest["parts"]["rows"]))
    except (KeyError, TypeError, ValueError):
        raise TopicmfError(f"{directory / MANIFEST_FILE} lists its parts without their rows; re-run `topicmf run`"
                           ) from None


def _check_arrays(a: dict, text: dict, path, head: bool = False) -> None:
    """``head``: the documents' arrays are elsewhere (a cluster run loaded without its parts)."""
    def bad(why):
        raise TopicmfError(f"{path} is inconsistent: {why}")

    for key in ("W", "H", "loss_curve"):
        if key not in a:
            bad(f"no array {key!r}")
    for key in ("terms", "vocabulary", "doc_ids"):
        if text[key] is None:
            bad(f"no text array {key!r}")
    W, H = a["W"], a["H"]
    if W.ndim != 2 or H.ndim != 2 or W.dtype.kind != "f" or H.dtype.kind != "f":
        bad("W and H must be 2-D float arrays")
    if W.shape[1] != H.shape[0]:
        bad(f"W is {W.shape} but H is {H.shape}")
    if not ((head or np.isfinite(W).all()) and np.isfinite(H).all()):
        bad("W or H holds NaN or infinity")
    n_docs, n_terms = W.shape[0], H.shape[1]
    b = a.get("background")
    if b is not None and (b.shape != (n_terms,) or b.dtype.kind != "f" or not np.isfinite(b).all() or b.min() < 0):
        bad(f"background must be {n_terms} finite frequencies >= 0")
    rows = a.get("sample_rows")
    for key, n in (("terms", n_terms), ("vocabulary", n_terms), ("doc_ids", n_docs), ("labels", n_docs),
                   ("excerpts", n_docs if rows is None else len(rows))):
        if text[key] is not None and len(text[key]) != n:
            bad(f"{key} has {len(text[key])} entries, expected {n}")
    if rows is not None and (rows.ndim != 1 or rows.dtype.kind != "i" or (rows.size and (rows.min() < 0 or rows.max() >= n_docs))
                             or np.unique(rows).size != rows.size):
        bad("sample_rows must be distinct document rows")
    index, score = a.get("neighbours_index"), a.get("neighbours_score")
    if (index is None) != (score is None):
        bad("neighbours_index and neighbours_score come together")
    if index is not None and (index.ndim != 2 or index.shape[0] != n_docs or score.shape != index.shape
                              or index.dtype.kind != "i" or score.dtype.kind != "f"
                              or (index.size and (index.min() < 0 or index.max() >= n_docs))):
        bad("the neighbour arrays do not fit the documents")
    counts = a.get("term_counts")
    if counts is not None and (counts.ndim != 1 or counts.shape[0] != n_terms or counts.dtype.kind != "f"):
        bad(f"term_counts must be {n_terms} numbers")
    g = a.get("global_weights")
    if g is not None and (g.ndim != 1 or g.shape[0] != n_terms or g.dtype.kind != "f"):
        bad(f"global_weights must be {n_terms} numbers")
