"""A cluster run's questions answered from a few of its parts: one document's neighbours, a new text's.

A run written by a cluster's workers (:mod:`topicmf.runfolder.parts`) can be
larger than the machine that asks about it, so ``topicmf similar`` and
``topicmf query`` read only what the answer needs:

* the neighbours of a document: the part that holds it (found by scanning
  the parts' ids, which are packed bytes) and the ids of its neighbours;
* the documents nearest a new text: its topic profile says which partitions
  of the run's inverted file (``index/``, the documents grouped by strongest
  topic, as the neighbour graph was built) to search — its strongest topic
  and those holding at least the share of its profile the run's effort set —
  and those are searched exactly, by the same score as the graph.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import TopicmfError
from ..neighbours.graph import EFFORTS, nearest, unit_profiles
from ..neighbours.scores import topic_part, word_vectors
from ..runfolder.parts import read_part, read_partitions
from ..runfolder.strings import PackedStrings
from .store import load_model
from .topicmodel import TopicModel

__all__ = ["PartedRun"]


class PartedRun:
    """A saved cluster run, its model loaded without its documents (:func:`topicmf.model.load_model`)."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.model: TopicModel = load_model(directory, documents=False)
        self.manifest = self.model.manifest
        rows = np.asarray(self.manifest["parts"]["rows"], np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(rows)])
        self._parts: dict[int, dict] = {}

    def _part(self, block: int) -> dict:
        if block not in self._parts:
            self._parts[block] = read_part(self.directory, self.manifest, block)
        return self._parts[block]

    def _strings(self, block: int, name: str):
        part = self._part(block)
        if f"{name}.utf8" not in part:
            return None
        return PackedStrings(part[f"{name}.utf8"].tobytes(), part[f"{name}.offsets"])

    def find(self, doc_id: str) -> int:
        """The row of ``doc_id``, reading the parts in turn until one holds it."""
        for block in range(self.offsets.size - 1):
            at = self._strings(block, "doc_ids").find(doc_id)
            if at >= 0:
                return int(self.offsets[block] + at)
        first = self._strings(0, "doc_ids")
        raise TopicmfError(f"No document {doc_id!r} in this run (ids look like {first[0]!r})")

    def documents(self, rows) -> list[tuple[str, str | None, int]]:
        """(id, label, dominant topic) of each of ``rows``."""
        out = []
        for row in np.asarray(rows, np.int64).tolist():
            block = int(np.searchsorted(self.offsets, row, side="right") - 1)
            local = row - int(self.offsets[block])
            labels = self._strings(block, "labels")
            out.append((self._strings(block, "doc_ids")[local], None if labels is None else labels[local] or None,
                        int(self._part(block)["dominant"][local])))
        return out

    def similar(self, row: int, n_neighbours: int) -> list[tuple[int, float]] | None:
        """The graph's ``n_neighbours`` nearest of document ``row`` as (row, score); None beyond its width."""
        block = int(np.searchsorted(self.offsets, row, side="right") - 1)
        part = self._part(block)
        index = part.get("neighbours_index")
        if index is None or n_neighbours > index.shape[1]:
            return None
        local = row - int(self.offsets[block])
        return [(int(j), float(s)) for j, s in zip(index[local, :n_neighbours], part["neighbours_score"][local])]

    def query(self, text: str, n_neighbours: int = 10, effort: str | None = None):
        """A text's topic profile and its nearest documents as (row, score), from the inverted file's partitions
        nearest it."""
        model = self.model
        counts = model.count([text])
        if counts.nnz == 0:
            raise TopicmfError("None of the words of the text are in the model's vocabulary")
        profile = model.doc_topics(model.transform(counts))
        with_words = model.idf is not None
        unit = unit_profiles(profile)
        q = topic_part(unit) if with_words else np.asarray(unit)
        effort = effort or (self.manifest.get("neighbours") or {}).get("effort") or "normal"
        shares = np.square(q[0].astype(np.float64))
        shares = shares / shares.sum() if shares.sum() > 0 else shares
        # its strongest topic and those holding the effort's share, then more by share while too few documents
        order = np.lexsort((np.arange(shares.size), -shares)).tolist()
        wanted = max(1, int((shares >= EFFORTS[effort][0]).sum()))
        sizes = {name: record.get("rows", 0) for name, record in self.manifest["parts"].get("index", {}).items()}
        names = ["rest"]
        for rank, t in enumerate(order):
            if rank >= wanted and sum(sizes.get(x, 0) for x in names) > n_neighbours:
                break
            names.append(f"topic-{t:03d}")
        parts = read_partitions(self.directory, self.manifest, names)
        rows = np.concatenate([p["rows"] for p in parts]) if parts else np.zeros(0, np.int64)
        if rows.size == 0:
            return profile[0], []
        T = np.concatenate([p["T"] for p in parts])
        if with_words:
            import scipy.sparse as sp

            words = sp.vstack([sp.csr_matrix((p["words_data"], p["words_indices"], p["words_indptr"]),
                                             shape=(p["rows"].size, len(model.terms))) for p in parts], "csr")
            index, score = nearest(q, T, n_neighbours, words=(word_vectors(counts, model.idf), words))
        else:
            index, score = nearest(q, T, n_neighbours)
        order = np.lexsort((rows[index[0]], -score[0]))  # ties: the lower row, as a search of every document
        return profile[0], [(int(rows[index[0][i]]), float(score[0][i])) for i in order]
