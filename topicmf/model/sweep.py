"""Choosing the number of topics: fit a range of k on one matrix and score each.

For every k the model is fitted as ``topicmf run`` would fit it (the
default initialisation and ``seed``), plus ``n_seeds − 1`` more fits from
random initialisations with the following seeds.  The fits run one after
another: each already spreads its compiled kernels over every core, and
running fits side by side measured no faster (threads: 0.97× on BBC, slower
on 20 Newsgroups, as the fits' Python parts contend for the GIL; forked
processes are unsafe once numba's OpenMP runtime has started).  Stability is the mean
cosine similarity of topics matched one-to-one between the first fit and
each other fit; coherence, diversity and objective are those of the first.

The suggested k maximises the mean of three scores, each rescaled to [0, 1]
over the sweep (min–max): NPMI coherence (UMass when the corpus has no
texts), topic diversity and stability.  Ties go to the smaller k.  The
objective is shown but not used: it always improves with k.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..errors import TopicmfError
from ..spec import model_spec
from ..text import DocumentTermMatrix
from .evaluate import coherence_scores, coherence_words, diversity, stability, DIVERSITY_TOP
from .fitting import fit_topic_model
from .topicmodel import TopicModel

__all__ = ["RULE", "SweepResult", "parse_k_range", "fit_sweep", "score_sweep", "suggest_k"]

RULE = (
    "suggested k = argmax of the mean of min–max-scaled NPMI coherence (UMass without texts), "
    "topic diversity and stability across seeds; ties go to the smaller k"
)


@dataclass
class SweepResult:
    """One row per k, the models of the first seed, the suggestion and its rule."""

    rows: list[dict]
    models: dict[int, TopicModel] = field(repr=False)
    suggested: int
    rule: str = RULE


def parse_k_range(text: str, limit: int | None = None) -> list[int]:
    """``"5:50:5"`` → [5, 10, …, 50] (start:stop:step, stop included); ``"5,8,13"`` → a list."""
    text = str(text).strip()
    try:
        if ":" in text:
            parts = [int(p) for p in text.split(":")]
            if len(parts) not in (2, 3):
                raise ValueError
            start, stop = parts[0], parts[1]
            step = parts[2] if len(parts) == 3 else 1
            if step < 1:
                raise ValueError
            ks = list(range(start, stop + 1, step))
        else:
            ks = [int(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise TopicmfError(f"Give k values as START:STOP[:STEP] (e.g. 5:50:5) or a list (5,10,20); got {text!r}") from None
    ks = sorted(set(ks))
    if not ks or ks[0] < 1:
        raise TopicmfError(f"k values must be positive integers; got {text!r}")
    if limit is not None and ks[-1] > limit:
        raise TopicmfError(f"k may be at most {limit} for this matrix; the range {text!r} goes to {ks[-1]}")
    return ks


def fit_sweep(dtm: DocumentTermMatrix, ks, *, model: str = "pnmf", n_seeds: int = 2, seed: int = 0,
              on_fit=None, **fit_params) -> tuple[dict[int, list[TopicModel]], dict[int, float]]:
    """Fit every k with ``n_seeds`` seeds; returns ({k: models}, {k: seconds of the first fit})."""
    spec = model_spec(model)
    fits, seconds = {}, {}
    for k in ks:
        fits[k] = []
        for s in range(n_seeds):
            params = dict(fit_params)
            if s > 0 and "init" in spec.params:  # further seeds start at random where the model has a start
                params["init"] = "random"
            started = time.perf_counter()
            fits[k].append(fit_topic_model(dtm, k, model=model, seed=seed + s, **params))
            if s == 0:
                seconds[k] = time.perf_counter() - started
            if on_fit is not None:
                on_fit(k, s)
    return fits, seconds


def score_sweep(dtm: DocumentTermMatrix, fits: dict, seconds: dict, counts) -> SweepResult:
    """Score fitted models (window ``counts`` as from :func:`sweep_words`, or None) and suggest k."""
    rows = []
    for k, models in fits.items():
        first = models[0]
        coh = coherence_scores(first, dtm, counts)
        rows.append({
            "k": k,
            "npmi": coh["npmi_mean"],
            "c_v": coh["c_v_mean"],
            "umass": coh["umass_mean"],
            "diversity": diversity(first.top_term_indices(DIVERSITY_TOP).tolist()),
            "stability": float(np.mean([stability(first.H, other.H) for other in models[1:]])),
            "objective": first.factorization.objective,
            "n_iter": first.factorization.n_iter,
            "seconds": round(seconds[k], 3),
        })
    suggested = suggest_k(rows)
    for row in rows:
        row["suggested"] = row["k"] == suggested
    return SweepResult(rows, {k: m[0] for k, m in fits.items()}, suggested)


def sweep_words(fits: dict) -> list[str]:
    """The term keys whose window counts the sweep's coherence needs."""
    return coherence_words([m[0] for m in fits.values()])


def _scaled(values) -> np.ndarray:
    v = np.array([np.nan if x is None else x for x in values], dtype=float)
    finite = np.isfinite(v)
    if not finite.any():
        return np.zeros_like(v)
    lo, hi = v[finite].min(), v[finite].max()
    out = np.where(finite, (v - lo) / (hi - lo) if hi > lo else 1.0, 0.0)
    return out


def suggest_k(rows: list[dict]) -> int:
    """The k of :data:`RULE`."""
    coherence = [r["npmi"] for r in rows] if any(r["npmi"] is not None for r in rows) else [r["umass"] for r in rows]
    score = (_scaled(coherence) + _scaled([r["diversity"] for r in rows]) + _scaled([r["stability"] for r in rows])) / 3
    for row, s in zip(rows, score):
        row["score"] = float(s)
    best = max(score)
    return min(r["k"] for r, s in zip(rows, score) if s >= best - 1e-12)
