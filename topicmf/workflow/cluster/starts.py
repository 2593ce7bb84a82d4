"""Custom starts on a cluster: ``--reduce-to`` and ``--seed-topics`` with the documents' rows on the blocks.

On one machine both refits begin from a W0 made of the first fit's W (merged topics,
:func:`topicmf.model.merging.merged_start`) or of an NNDSVD start with a row per seed
(:func:`topicmf.model.seeds.seeded_start`).  Here each block makes its own rows of W0 from
its own rows, with the same functions, and keeps them (``block.starts``) until the fit takes
them (:class:`topicmf.factorize.topics.rows.HeldStart`); the client makes H0 from sums over
the documents.  The seeds' pseudo-documents are rows added to the last block (a view of its
rows: :meth:`topicmf.distributed.DistributedMatrix.with_view`), as one machine appends them
to the matrix.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ...factorize.topics.init import start
from ...factorize.topics.rows import HeldStart
from ...model import fit_topic_model
from ...model.elsewhere import Elsewhere, RowsElsewhere
from ...model.merging import merge_members, merged_rows, merged_topics
from ...runfolder.parts import read_profile_rows
from ..common import median_of_counts
from ...model.seeds import pseudo_row, seed_rows, seed_topics_start, seeded_order, without_seeds

__all__ = ["cluster_merged_start", "run_merged_start", "cluster_seeded_fit", "median_row_sum"]


# --- on the blocks ------------------------------------------------------------------------------------------------

def _keep_merged(block, W, scale: np.ndarray, members: list) -> np.ndarray:
    """Keep the merged start's rows made of the block's rows ``W``; returns their Σ_d E_dt per old topic."""
    block.starts["merged"] = merged_rows(W, scale, members)
    return (np.asarray(W, dtype=np.float64) * scale).sum(axis=0)


def merged_on(block, scale: np.ndarray, members: list) -> np.ndarray:
    """Keep this block's rows of the merged start, from the fit's W in its rows."""
    return _keep_merged(block, block.rows.arrays["W"], scale, members)


def run_merged_on(block, directory: str, manifest: dict, scale: np.ndarray, members: list) -> np.ndarray:
    """Keep this block's rows of a merge's start, from its documents' rows of W in the run at ``directory``."""
    return _keep_merged(block, read_profile_rows(directory, manifest, block.offset, block.offset + len(block.ids)),
                        scale, members)


def row_sums_on(block) -> tuple:
    """The distinct row sums of this block's counts and how many rows have each."""
    return np.unique(np.asarray(block.X.sum(axis=1)).ravel(), return_counts=True)


def with_rows_on(block, rows):
    """This block's counts with ``rows`` (a CSR matrix) added below, or the counts as they are (None)."""
    if rows is None:
        return block.X
    return sp.vstack([block.X.astype(np.float64), rows]).tocsr()


def keep_seeded_on(block, pseudo: np.ndarray | None) -> None:
    """Keep this block's rows of the seeded start: the NNDSVD start's W, the pseudo-documents' rows replaced."""
    W = block.rows.arrays.pop("W")
    if pseudo is not None:
        W[W.shape[0] - len(pseudo):] = pseudo
    block.starts["seeded"] = W


def drop_seeds_on(block, n_added: int, order: list) -> None:
    """The fitted W of this block's documents (the pseudo-documents' rows dropped), its topics reordered."""
    W = block.rows.arrays["W"]
    block.rows.arrays["W"] = np.ascontiguousarray(W[:W.shape[0] - n_added][:, order])


# --- on the client ------------------------------------------------------------------------------------------------

def cluster_merged_start(dtm, model, groups: list) -> tuple:
    """(W0, H0, members) as :func:`topicmf.model.merging.merged_start` makes them, W0 held by the blocks: the start
    of ``dtm``'s refit after ``model`` (fitted on the blocks, its W still in their rows)."""
    members = merge_members(model, groups)
    totals = sum(dtm.call("run", merged_on, model.H.sum(axis=1), members))
    return HeldStart("merged", (dtm.n_docs, len(members))), merged_topics(model, totals, members), members


def run_merged_start(dtm, directory, model, members: list) -> tuple:
    """(W0, H0) of ``topicmf merge --dask``: the start :func:`topicmf.model.merging.merged_start` makes from the
    saved run ``model`` (in ``directory``), each block's rows of W0 made from the run's rows of W there."""
    totals = sum(dtm.call("run", run_merged_on, str(directory), model.manifest, model.H.sum(axis=1), members))
    return HeldStart("merged", (dtm.n_docs, len(members))), merged_topics(model, totals, members)


def median_row_sum(dtm) -> float:
    """The median of the documents' row sums, from each block's distinct sums and their counts."""
    parts = dtm.call("run", row_sums_on)
    return median_of_counts(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))


def cluster_seeded_fit(dtm, job, seeds: list, strength: float, tokenizer, callback):
    """The seeded fit of :func:`topicmf.workflow.seeding.fit_seeded` with the matrix on the blocks: the model of the
    real documents, its seeded topics first and named (:func:`topicmf.model.seeds.without_seeds`)."""
    k, last = int(job.k), len(dtm.blocks) - 1
    added = augmented = None
    if strength > 0:  # the pseudo-documents: rows added to the last block
        added = seed_rows(seeds, dtm.n_terms, strength, median_row_sum(dtm))
        augmented = dtm.with_view("seeded", with_rows_on, [(added if b == last else None,)
                                                            for b in range(len(dtm.blocks))])
    fitting = augmented or dtm
    try:
        rows = fitting.fit_input("counts", None).with_width(k + 10)
        H0 = start(rows, k, "nndsvda", np.random.default_rng(0), loss="poisson")
        mass = seed_topics_start(H0, np.asarray(fitting.term_counts, dtype=np.float64), seeds)
        pseudo = None
        if added is not None:
            totals = np.asarray(added.sum(axis=1)).ravel()
            pseudo = np.array([pseudo_row(k, t, float(totals[t]), mass) for t in range(len(seeds))])
        fitting.call_each("run", [(keep_seeded_on, pseudo if b == last else None) for b in range(len(dtm.blocks))])
        fitted = fit_topic_model(fitting, k, model=job.model, solver=job.solver, weighting=job.weighting,
                                 seed=job.seed, tokenizer=tokenizer, callback=callback,
                                 **{**job.fit_params, "init": "custom", "W": HeldStart("seeded", (fitting.n_docs, k)),
                                    "H": H0})
    finally:
        if augmented is not None:
            augmented.drop_view()
    order = seeded_order(fitted, seeds)
    n_added = 0 if added is None else added.shape[0]
    dtm.call_each("run", [(drop_seeds_on, n_added if b == last else 0, order) for b in range(len(dtm.blocks))])
    documents = (Elsewhere(dtm.n_docs, "ids"), None if dtm.label_names is None else Elsewhere(dtm.n_docs, "labels"))
    return without_seeds(fitted, dtm, seeds, W=RowsElsewhere((dtm.n_docs, k)), documents=documents)
