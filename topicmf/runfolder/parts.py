"""A run written by a cluster's workers: its per-document files in parts, one per block of documents.

A run fitted on a Dask cluster keeps each document where its block was, so
the workers write the per-document files themselves, as folders of parts
(the layout Spark, Hive and Dask use, which pandas-on-pyarrow, polars and
DuckDB read as one table)::

    doc_topics/part-00000.csv   similar/part-00000.csv   (or .parquet)
    documents/part-00000.npz    ids, labels, dominant topics and neighbour lists of the part's documents
    documents/part-00000.W.npz  their profiles: W (float32)
    index/topic-000.npz …       the documents' vectors grouped by strongest topic (``rest.npz``: without topics)

``manifest.json`` lists the parts with their rows and SHA-256 (``"parts"``);
everything else (``model.npz`` without W, the topic tables, the page) is as
in a run of one machine.  The functions here read the parts back: all of
them, for a model in memory (:func:`read_documents`), or only the few a
question needs (:func:`read_part`, :func:`read_partitions`; :mod:`topicmf.model.parted`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import TopicmfError
from .manifest import MODEL_FILE
from .npz import read_verified

__all__ = ["DOCUMENTS", "PROFILES", "INDEX", "part_name", "read_documents", "read_part", "read_partitions",
           "read_words", "read_profile_rows", "concat_strings"]

DOCUMENTS = "documents"
PROFILES = "profiles"  # the record of documents/part-NNNNN.W.npz
INDEX = "index"


def part_name(block: int) -> str:
    return f"part-{block:05d}"


def _records(manifest: dict) -> list[dict]:
    try:
        return manifest["parts"]["files"]
    except (KeyError, TypeError):
        raise TopicmfError("manifest.json lists no parts; re-run `topicmf run --dask`") from None


def read_part(directory, manifest: dict, block: int, what: str = DOCUMENTS) -> dict:
    """The arrays of one part of ``documents/`` (``what``: its ids and neighbours, or its ``PROFILES``), checked
    against its SHA-256 in the manifest."""
    record = _records(manifest)[block][what]
    return read_verified(Path(directory) / record["file"], record["sha256"], "re-run `topicmf run --dask`")


def concat_strings(parts: list[dict], name: str) -> dict:
    """The packed strings ``name`` of several parts as one packed array (UTF-8 bytes and offsets)."""
    if f"{name}.utf8" not in parts[0]:
        return {}
    data = [p[f"{name}.utf8"] for p in parts]
    shifts = np.cumsum([0] + [d.size for d in data[:-1]])
    offsets = [parts[0][f"{name}.offsets"][:1]] + [p[f"{name}.offsets"][1:] + s for p, s in zip(parts, shifts)]
    return {f"{name}.utf8": np.concatenate(data), f"{name}.offsets": np.concatenate(offsets)}


def read_documents(directory, manifest: dict) -> dict:
    """Every part of ``documents/`` as the arrays of one ``model.npz`` (W, ids, labels, neighbour lists)."""
    blocks = range(len(_records(manifest)))
    parts = [read_part(directory, manifest, b) for b in blocks]
    out = {"W": np.concatenate([read_part(directory, manifest, b, PROFILES)["W"] for b in blocks])}
    for name in ("doc_ids", "labels"):
        out.update(concat_strings(parts, name))
    if "neighbours_index" in parts[0]:
        out["neighbours_index"] = np.concatenate([p["neighbours_index"] for p in parts])
        out["neighbours_score"] = np.concatenate([p["neighbours_score"] for p in parts])
    return out


def read_profile_rows(directory, manifest: dict, start: int, stop: int) -> np.ndarray:
    """Rows ``start`` … ``stop − 1`` of a run's W, read where a cluster's block needs them (a merge's start): from
    the parts holding them (each checked), or from ``model.npz`` for a run of one machine."""
    if not manifest.get("parts"):
        return read_verified(Path(directory) / MODEL_FILE, manifest["files"][MODEL_FILE]["sha256"])["W"][start:stop]
    bounds = np.concatenate([[0], np.cumsum(manifest["parts"]["rows"])])
    pieces = []
    for block in range(len(bounds) - 1):
        a, b = max(start, int(bounds[block])), min(stop, int(bounds[block + 1]))
        if a < b:
            W = read_part(directory, manifest, block, PROFILES)["W"]
            pieces.append(W[a - bounds[block]:b - bounds[block]])
    return np.concatenate(pieces) if pieces else np.zeros((0, 0), np.float32)


def read_partitions(directory, manifest: dict, names: list[str]) -> list[dict]:
    """The index partitions ``names`` (``topic-TTT`` or ``rest``), checked; a missing one is an empty partition."""
    records = (manifest.get("parts") or {}).get("index") or {}
    out = []
    for name in names:
        record = records.get(name)
        if record is None:
            continue
        out.append(read_verified(Path(directory) / record["file"], record["sha256"], "re-run `topicmf run --dask`"))
    return out


def read_words(directory, manifest: dict, n_docs: int) -> dict:
    """The documents' word vectors, gathered from every index partition into row order, as ``words.npz`` holds
    them (without ``idf``: the model's own file has it)."""
    parts = read_partitions(directory, manifest, list((manifest.get("parts") or {}).get("index") or {}))
    parts = [p for p in parts if "words_indptr" in p]
    if not parts:
        return {}
    rows = np.concatenate([p["rows"] for p in parts])
    lengths = np.concatenate([np.diff(p["words_indptr"]) for p in parts])
    indices = np.concatenate([p["words_indices"] for p in parts])
    data = np.concatenate([p["words_data"] for p in parts])
    if rows.size != n_docs or np.unique(rows).size != n_docs or rows.min(initial=0) < 0 or rows.max(initial=0) >= n_docs:
        raise TopicmfError(f"{Path(directory) / INDEX} does not hold every document once; re-run `topicmf run --dask`")
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    order = np.argsort(rows)
    sorted_lengths = lengths[order]
    take = np.concatenate([np.arange(s, s + n) for s, n in zip(starts[order], sorted_lengths)]) if n_docs else starts
    indptr = np.concatenate([[0], np.cumsum(sorted_lengths)]).astype(np.int64)
    return {"words_indptr": indptr, "words_indices": indices[take], "words_data": data[take]}
