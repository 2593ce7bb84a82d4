"""What a topic run carries from stage to stage: its checked parameters, its fitted outcome, its result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..model import TopicModel
from ..text import DocumentTermMatrix, TextOptions

__all__ = ["Job", "Outcome", "RunResult"]


@dataclass
class Job:
    """A run's parameters and bookkeeping, as :func:`run` (or :func:`topicmf.workflow.merge.merge`) received and
    checked them."""

    corpus: object
    out: Path
    model: str
    k: int | str
    k_range: str
    solver: str | None
    weighting: str | None
    seed: int
    force: bool
    options: TextOptions
    fit_params: dict
    n_seeds: int
    command: str
    stage: object
    auto: bool
    timings: dict
    started: float
    cluster: dict | None = None
    similarity: str = "words"
    time_bins: str | int = "auto"
    bins: object = None  # the documents' time bins (topicmf.model.timebins.TimeBins), once the corpus is read
    reduce_to: int | None = None  # fit k topics, then merge them down to this many and refit
    heldout: float | None = None  # the share of documents held out to score document completion
    seeds: object = None  # (seed file, strength): seeded topics (topicmf.model.seeds)
    merged: dict | None = None  # how the topics were merged (recorded in the manifest)
    neighbour_effort: str = "normal"  # how far the approximate neighbour search reaches
    tables: str = "csv"  # how the tables are written: csv or parquet
    before_fit: object = None  # on a cluster: called with the matrix once read, before the fit (a merge's start)
    short_texts_setting: str | None = None  # --short-texts: auto, on or off (None: the model is settled already)
    model_given: str | None = None  # the option that chose the model (--model, --solver, a model option), if any
    short_texts: dict | None = None  # how the model was chosen, once the corpus is read (for the manifest)


@dataclass
class Outcome:
    """A fitted job before it is written: the model, its metrics and tables, and the manifest so far."""

    model: TopicModel
    metrics: dict
    per_label: object  # GroupTopics of the labels, or None
    per_time: object  # GroupTopics of the time bins, or None
    sweep: object  # SweepResult of -k auto, or None
    manifest: dict


@dataclass
class RunResult:
    """What :func:`run` made: the folder, the model, its manifest and the matrix."""

    directory: Path
    model: TopicModel
    manifest: dict
    dtm: DocumentTermMatrix
