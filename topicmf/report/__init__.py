"""Outputs of a run: CSV tables, the model files and the interactive HTML pages, written atomically.

The last stage of both halves: it reads a :class:`topicmf.model.TopicModel` (:mod:`.tables`,
:mod:`.data`, :mod:`.html`, :mod:`.groups`) or a :class:`topicmf.ratings.RatingModel`
(:mod:`.ratings`) and writes files, the pages from one Jinja2 template family (templates/);
nothing here fits or tokenizes.  How a model's topics are spoken of (shares or coordinates,
distances, titles) it asks the registry (:mod:`topicmf.spec`).
"""

from __future__ import annotations

from pathlib import Path

from ..model import TopicModel
from ..model.hierarchy import topic_tree
from ..model.store import save_model
from ..runfolder.manifest import MANIFEST_FILE
from .html import render_run, render_sweep
from ..runfolder.staging import write_atomic
from .tables import (write_doc_topics, write_hierarchy, write_similar, write_sweep, write_topic_docs, write_topics,
                     write_word_topics)

__all__ = ["RUN_FILES", "write_run", "write_tables", "render_run", "render_sweep", "write_sweep", "write_report"]

RUN_FILES = ("index.html", "topics.csv", "topic_docs.csv", "hierarchy.csv", "doc_topics.csv", "word_topics.csv", "similar.csv", "model.npz",
             "words.npz", MANIFEST_FILE)


def write_tables(directory, model: TopicModel, tables: str = "csv") -> None:
    """The tables that do not need the neighbours: topics, topic_docs, hierarchy, doc_topics and word_topics
    (``tables``: "csv" or "parquet")."""
    directory = Path(directory)
    write_topics(directory / "topics.csv", model, tables=tables)
    write_topic_docs(directory / "topic_docs.csv", model, tables=tables)
    write_hierarchy(directory / "hierarchy.csv", topic_tree(model)[0], tables=tables)
    write_doc_topics(directory / "doc_topics.csv", model, tables=tables)
    write_word_topics(directory / "word_topics.csv", model, tables=tables)


def write_run(directory, model: TopicModel, manifest: dict, *, stage, tables: str = "csv") -> dict:
    """Write the files of a run that need its neighbours into ``directory`` (a staged folder where
    :func:`write_tables` has written the others): similar, model.npz, words.npz and the page; returns the
    manifest.

    The model carries its neighbour graph (``model.graph``) and the sample of
    documents the page shows (``model.sample``).  ``tables``: "csv" or
    "parquet".  ``stage(label)``: a progress context for each file written
    (the job's, see :mod:`topicmf.workflow`).
    """
    directory = Path(directory)
    with stage(f"writing similar.{tables}") as progress:
        write_similar(directory / "similar.csv", model.doc_ids, model.graph.index, model.graph.score,
                      progress=progress, tables=tables)
    with stage("writing model.npz") as progress:
        manifest = save_model(model, directory, manifest)
        progress(1, 1)
    with stage("writing the report") as progress:
        write_atomic(directory / "index.html", render_run(model, manifest, graph=model.graph, directory=directory))
        progress(1, 1)
    return manifest


def write_report(directory, model: TopicModel, manifest: dict) -> Path:
    """Re-render ``index.html`` of a saved run in place (atomically)."""
    path = Path(directory) / "index.html"
    write_atomic(path, render_run(model, manifest, graph=model.graph, directory=directory))
    return path
