"""``--heldout`` on a cluster: the held-out documents chosen, fitted around and scored where their blocks are.

One machine (:func:`topicmf.model.heldout.heldout_score`) holds out the documents with the
smallest keys of a seeded counter-based stream, fits the model on the others and scores the
completion of the held-out ones.  Here each block draws its own documents' keys (the stream
is read from any position), the client finds the key of the last held-out document by
bisection over the blocks' counts (64 rounds of one number per block), each block keeps its
training rows as a view the fit factorizes (:meth:`topicmf.distributed.DistributedMatrix.with_view`)
and scores its held-out rows' completion with the fitted model; only the sums come back.
"""

from __future__ import annotations

import numpy as np

from ...distributed.cluster import kth_smallest_key
from ...model.heldout import completion_score, completion_sums, document_keys, held_out_count

__all__ = ["cluster_heldout_score"]

def keys_on(block, seed: int) -> None:
    block.heldout_keys = document_keys(seed, block.offset, len(block.ids))
    block.sorted_keys = np.sort(block.heldout_keys)


def count_on(block, key: int) -> tuple:
    """How many of this block's keys lie below ``key`` and at most at it."""
    key = np.uint64(key)
    return (int(np.searchsorted(block.sorted_keys, key, side="left")),
            int(np.searchsorted(block.sorted_keys, key, side="right")))


def ties_on(block, key: int) -> np.ndarray:
    return np.flatnonzero(block.heldout_keys == np.uint64(key)) + block.offset


def split_on(block, key: int, tied: np.ndarray) -> int:
    """Keep the held-out rows (keys below ``key``, and the rows ``tied`` taken at it); returns their entries."""
    test = block.heldout_keys < np.uint64(key)
    test[np.asarray(tied, np.int64)[(tied >= block.offset) & (tied < block.offset + test.size)] - block.offset] = True
    block.heldout_test = test
    del block.heldout_keys, block.sorted_keys
    return int(np.diff(block.X.indptr)[test].sum())


def train_on(block):
    return block.X[np.flatnonzero(~block.heldout_test)]


def completion_on(block, model, seed: int, seen: np.ndarray, first_entry: int) -> dict:
    X = block.X[np.flatnonzero(block.heldout_test)]
    del block.heldout_test
    return completion_sums(model, X, seed, seen, first_entry)


def cluster_heldout_score(dtm, fit, share: float, seed: int = 0) -> dict:
    """:func:`topicmf.model.heldout.heldout_score` of the matrix on the blocks of ``dtm``: the same documents held
    out, the same fit (``fit(view of the training rows)``), the same score."""
    n_test = held_out_count(dtm.n_docs, share)
    dtm.call("run", keys_on, seed)
    lo = kth_smallest_key(lambda key: sum(c[1] for c in dtm.call("run", count_on, key)), n_test)
    below = sum(c[0] for c in dtm.call("run", count_on, lo))
    tied = np.sort(np.concatenate(dtm.call("run", ties_on, lo)))[:n_test - below]  # ties: the lower rows first
    entries = dtm.call("run", split_on, lo, tied)
    train = dtm.with_view("heldout-train", train_on, [()] * len(dtm.blocks))
    try:
        model = fit(train)
    finally:
        train.drop_view()
    seen = train.document_frequency > 0
    firsts = np.concatenate([[0], np.cumsum(entries)[:-1]]).astype(np.int64)
    parts = dtm.call_each("run", [(completion_on, model, seed, seen, int(f)) for f in firsts])
    sums = {key: sum(p[key] for p in parts) for key in parts[0]}
    return {"share": float(share), "seed": int(seed), "train_documents": int(dtm.n_docs - n_test),
            **completion_score(model, sums)}
