"""``topicmf sweep`` as a function: fits over a range of k, scored, with a suggested k."""

from __future__ import annotations

from pathlib import Path

import json

from ..errors import TopicmfError
from ..model import fit_topic_model
from ..model.fitting import check_fit
from ..model.heldout import heldout_score
from ..runfolder.staging import write_atomic
from ..model.sweep import RULE, fit_sweep, parse_k_range, score_sweep, sweep_words
from ..runfolder.staging import check_destination, staged_directory
from ..spec import checked
from ..spec.runs import RUN_PARAMS
from ..text import TextOptions, vectorize
from .common import default_out, silent
from .short_texts import first_model, model_given, settle_model
from .topic_run import tokenizer_for, window_counts, write_sweep_files

__all__ = ["sweep"]


def sweep(corpus, ks: str, *, out=None, model: str | None = None, solver: str | None = None,
          weighting: str | None = None, seed: int = 0, n_seeds: int = 2, force: bool = False,
          options: TextOptions | None = None, fit_params: dict | None = None, command: str = "", stage=None,
          heldout: float | None = None, short_texts: str = "auto"):
    """Fit every k of ``ks`` ("5:50:5" or "5,10,20") and write sweep.csv and sweep.html into ``out``.

    Returns ``(directory, SweepResult)``.  ``out`` defaults to
    ``reports/<corpus name>-sweep``.  ``heldout``: also score each k by document completion
    (:mod:`topicmf.model.heldout`, the first seed), a criterion beside the rule's, in its own chart.
    ``model`` None and ``short_texts``: as for :func:`topicmf.workflow.run`.
    """
    try:
        RUN_PARAMS.check({"n_seeds": n_seeds, "heldout": heldout, "short_texts": short_texts})
    except ValueError as exc:
        raise TopicmfError(str(exc)) from None
    given = model_given(model, solver, fit_params)
    model = first_model(model, short_texts)
    fit_params = check_fit(model, solver, weighting=weighting, seed=seed, params=fit_params)
    stage = stage or silent
    options = options or TextOptions()
    out = check_destination(out if out is not None else default_out(corpus, "-sweep"), corpus, force=force)
    with stage("reading") as progress:
        dtm = vectorize(corpus, options, progress=progress)
    with dtm, checked():  # every parameter is checked above: the fits do not check them again
        model, short = settle_model(short_texts, model, given, dtm)
        k_list = parse_k_range(ks, limit=min(dtm.n_docs, dtm.n_terms))
        tokenizer = tokenizer_for(dtm, options)
        with stage("sweeping k") as progress:
            total = len(k_list) * n_seeds
            fits, seconds = fit_sweep(dtm, k_list, model=model, n_seeds=n_seeds, seed=seed, solver=solver,
                                      weighting=weighting, tokenizer=tokenizer,
                                      on_fit=lambda kk, s: progress(k_list.index(kk) * n_seeds + s + 1, total),
                                      **fit_params)
        with stage("evaluating") as progress:
            counts = window_counts(dtm, sweep_words(fits))
            progress(1, 2)
            result = score_sweep(dtm, fits, seconds, counts)
            progress(2, 2)
        if heldout is not None:
            with stage("held-out fits") as progress:
                for n, row in enumerate(result.rows):
                    score = heldout_score(dtm, lambda sub, k=row["k"]: fit_topic_model(
                        sub, k, model=model, solver=solver, weighting=weighting, seed=seed, **fit_params),
                        heldout, seed)
                    row["heldout"] = score.get("perplexity", score.get("relative_error"))
                    progress(n + 1, len(result.rows))
    with staged_directory(out, force=force) as tmp:
        write_sweep_files(tmp, result, corpus, model, n_seeds, command or f"topicmf sweep {corpus} --k {ks}")
        write_atomic(Path(tmp) / "sweep.json", json.dumps(
            {"rule": RULE, "suggested": result.suggested, "seeds": n_seeds, "model": model, "short_texts": short,
             "rows": result.rows},
            indent=2))
    return out, result
