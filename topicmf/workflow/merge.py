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
from ..model.merging import kept_settings, merge_members, merged_start
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


def merge(directory, topics: list[int], *, out, force: bool = False, command: str = "", stage=None,
          dask: str | None = None) -> RunResult:
    """Merge ``topics`` of the run in ``directory`` into one and refit; write the new run into ``out``.

    ``dask``: refit on that Dask cluster (an address, or ``local:N``), as ``topicmf run --dask`` fits — the
    documents' rows of the start made by the workers from the run's W, which never comes here."""
    stage = stage or silent
    started = time.perf_counter()
    model = load_model(directory, documents=dask is None)
    manifest = model.manifest
    groups = [[int(t) for t in topics]]
    if dask is None:
        W0, H0, members = merged_start(model, groups)
    else:  # made on the workers once they have read the corpus (job.before_fit)
        members, W0, H0 = merge_members(model, groups), None, None
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
    m = manifest["model"]
    fit_params = kept_settings(m["name"], m.get("params") or {})
    fit_params.update(init="custom", W=W0, H=H0, word_order=m.get("word_order"))
    seed = int(m.get("seed", 0))
    fit_params = check_fit(m["name"], m.get("solver"), weighting=m.get("weighting"), seed=seed, params=fit_params)
    job = Job(corpus, out, m["name"], len(members), None, m.get("solver"), m.get("weighting"), seed, force,
              options, fit_params, 2, command, stage, False, {}, started)
    job.merged = {"from": str(Path(directory).resolve()), "from_k": model.n_topics, "topics": members}
    job.tables = manifest.get("tables", "csv")  # the merged run's tables as the run's
    job.neighbour_effort = (manifest.get("neighbours") or {}).get("effort") or "normal"
    if dask is not None:
        from .cluster.run import run_on_cluster
        from .cluster.starts import run_merged_start

        def start_on_blocks(dtm):
            _same_corpus(manifest, dtm, corpus)
            job.fit_params["W"], job.fit_params["H"] = run_merged_start(dtm, directory, model, members)

        job.before_fit = start_on_blocks
        return run_on_cluster(job, dask)
    with stage("reading") as progress:
        dtm = vectorize(corpus, options, progress=progress)
    job.timings["reading"] = time.perf_counter() - started
    with dtm:
        _same_corpus(manifest, dtm, corpus)
        with checked():  # the recorded settings are checked above: the refit does not check them again
            return run_job(job, dtm)


def _same_corpus(manifest: dict, dtm, corpus) -> None:
    recorded_print = manifest["corpus"].get("fingerprint")
    prints = (dtm.fingerprint(), dtm.legacy_fingerprint()) if dtm.local else (dtm.fingerprint(),)
    if recorded_print not in prints:  # (runs before 2026-12: the legacy one, which hashes every id in order)
        raise TopicmfError(f"{corpus} no longer gives the run's matrix (its fingerprint changed): merge needs "
                           "the corpus the run was fitted on")
