"""``topicmf merge DIR 3,7 --out NEW`` as a function: a saved run with some of its topics merged.

The corpus is read again with the run's own text options (and must still give the same matrix:
its fingerprint is checked), the merged topics start from :func:`topicmf.model.merging.merged_start`
and every topic is refitted from there with the run's model, solver, weighting, seed and settings;
the new folder is written as any run is.
"""

from __future__ import annotations

import time
from dataclasses import fields
from pathlib import Path

from ..errors import TopicmfError
from ..model.fitting import check_fit
from ..model.merging import kept_settings, merged_start
from ..model.store import load_model
from ..runfolder.staging import check_destination
from ..spec import checked
from ..text import TextOptions, vectorize
from .common import silent
from .jobs import Job, RunResult
from .topic_run import run_job

__all__ = ["merge"]


def _options(recorded: dict) -> TextOptions:
    known = {f.name for f in fields(TextOptions)}
    values = {key: value for key, value in recorded.items() if key in known}
    values["extra_stopwords"] = tuple(values.get("extra_stopwords") or ())
    return TextOptions(**values)


def merge(directory, topics: list[int], *, out, force: bool = False, command: str = "", stage=None) -> RunResult:
    """Merge ``topics`` of the run in ``directory`` into one and refit; write the new run into ``out``."""
    stage = stage or silent
    started = time.perf_counter()
    model = load_model(directory)
    manifest = model.manifest
    W0, H0, members = merged_start(model, [[int(t) for t in topics]])
    corpus = manifest["corpus"]["path"]
    if corpus is None:
        raise TopicmfError("this run was fitted on texts given in memory (topicmf.Topics), and merging reads the "
                           "corpus again: fit on a corpus folder or table (topicmf run) to merge its topics")
    out = check_destination(out, corpus, force=force)
    if Path(out).resolve() == Path(directory).resolve():
        raise TopicmfError("--out must be a new folder: the merged run does not replace the one it comes from")
    if not Path(corpus).exists():
        raise TopicmfError(f"the run's corpus {corpus} is not there any more: merging refits on it")
    options = _options(manifest.get("text_options") or {})
    timings = {}
    with stage("reading") as progress:
        dtm = vectorize(corpus, options, progress=progress)
    timings["reading"] = time.perf_counter() - started
    with dtm:
        recorded_print = manifest["corpus"].get("fingerprint")
        if recorded_print not in (dtm.fingerprint(), dtm.legacy_fingerprint()):  # (runs before 2026-12: the latter)
            raise TopicmfError(f"{corpus} no longer gives the run's matrix (its fingerprint changed): merge needs "
                               "the corpus the run was fitted on")
        m = manifest["model"]
        recorded = m.get("params") or {}
        fit_params = kept_settings(m["name"], recorded)
        fit_params.update(init="custom", W=W0, H=H0, word_order=m.get("word_order"))
        seed = int(m.get("seed", 0))
        fit_params = check_fit(m["name"], m.get("solver"), weighting=m.get("weighting"), seed=seed, params=fit_params)
        job = Job(corpus, out, m["name"], len(members), None, m.get("solver"), m.get("weighting"), seed, force,
                  options, fit_params, 2, command, stage, False, timings, started)
        job.merged = {"from": str(Path(directory).resolve()), "from_k": model.n_topics, "topics": members}
        job.tables = manifest.get("tables", "csv")  # the merged run's tables as the run's
        job.neighbour_effort = (manifest.get("neighbours") or {}).get("effort") or "normal"
        with checked():  # the recorded settings are checked above: the refit does not check them again
            return run_job(job, dtm)
