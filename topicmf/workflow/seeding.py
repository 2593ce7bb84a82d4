"""Fitting seeded topics within a run (see :mod:`topicmf.model.seeds`)."""

from __future__ import annotations

from ..errors import TopicmfError
from ..model import fit_topic_model
from ..model.seeds import read_seed_topics, seed_columns, seeded_matrix, seeded_start, without_seeds

__all__ = ["fit_seeded"]


def fit_seeded(dtm, job, tokenizer, callback):
    """(model, seeds): the run's model with its first topics seeded from ``job.seeds`` = (file, strength)."""
    path, strength = job.seeds
    seeds = seed_columns(read_seed_topics(path), dtm.terms, tokenizer)
    if len(seeds) > int(job.k):
        raise TopicmfError(f"{path} seeds {len(seeds)} topics but -k is {job.k}")
    if not dtm.local:  # the matrix on a cluster's blocks
        from .cluster.starts import cluster_seeded_fit

        return cluster_seeded_fit(dtm, job, seeds, strength, tokenizer, callback), seeds
    augmented = seeded_matrix(dtm, seeds, strength)
    W0, H0 = seeded_start(augmented.X, int(job.k), seeds, dtm.n_docs)
    fitted = fit_topic_model(augmented, int(job.k), model=job.model, solver=job.solver, weighting=job.weighting,
                             seed=job.seed, tokenizer=tokenizer, callback=callback,
                             **{**job.fit_params, "init": "custom", "W": W0, "H": H0})
    return without_seeds(fitted, dtm, seeds), seeds
