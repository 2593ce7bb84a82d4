"""The tables of a topic run as pandas DataFrames: the numbers the run folder's CSV files hold, built when asked.

pandas is the ``topicmf[notebook]`` extra (it is what notebooks hold tables in; the command line and
the library's arrays do not need it): every table imports it on first use, with a one-line error
naming the extra when it is missing.
"""

from __future__ import annotations


import numpy as np

from ..errors import TopicmfError
from ..model import about
from ..model.groups import GroupTopics
from ..runfolder.tables import read_rows
from ..report.tables import TOP_WORDS

__all__ = ["pandas", "TopicTables", "RANKINGS"]

#: How :meth:`TopicTables.topic_words` ranks a topic's words.
RANKINGS = ("relevance", "frex", "lift", "weight")


def pandas():
    """The pandas module, or a one-line error saying how to install it."""
    try:
        import pandas as pd
    except ImportError:
        raise TopicmfError("Tables need pandas: pip install 'topicmf[notebook]' (or pip install pandas)") from None
    return pd


class TopicTables:
    """The tables of a fitted :class:`topicmf.Topics` (a mixin: it reads ``model_``, ``manifest_`` and the run)."""

    def topic_info(self):
        """One row per topic: topic, name, share, documents (whose dominant topic it is), words (its top 10),
        npmi, c_v, exclusivity (NaN where the model has none, as for LSA)."""
        pd = pandas()
        model, metrics = self._model(), self.manifest_.get("metrics", {})
        k = model.n_topics
        dominant = model.dominant_topics()
        documents = np.bincount(dominant[dominant >= 0], minlength=k)
        coherence = metrics.get("coherence") or {}

        def per_topic(values):
            return [np.nan if v is None else float(v) for v in values] if values else [np.nan] * k

        frame = pd.DataFrame({
            "topic": np.arange(k),
            "name": [model.label(t) for t in range(k)],
            "share": model.prevalence(),
            "documents": documents,
            "words": [", ".join(w for w, _ in words) for words in model.top_words(10)],
            "npmi": per_topic(coherence.get("npmi")),
            "c_v": per_topic(coherence.get("c_v")),
            "exclusivity": per_topic(metrics.get("exclusivity")),
        })
        return frame.set_index("topic")

    def topic_words(self, topic: int, n: int = TOP_WORDS, rank_by: str = "relevance"):
        """A topic's ``n`` best words: rank, word, weight (in H), p(w|t), score (the ranking's).

        ``rank_by``: "relevance" (λ = 0.6, the report's default), "frex", "lift" or "weight"; LSA topics rank by
        weight only (their other pole: ``model_.top_words(n, negative=True)``)."""
        pd = pandas()
        model = self._model()
        topic = self._topic(topic)
        if rank_by not in RANKINGS:
            raise TopicmfError(f"rank_by must be one of {', '.join(RANKINGS)}; got {rank_by!r}")
        if not model.topics_are_distributions and rank_by != "weight":
            if rank_by != "relevance":
                raise TopicmfError(f"{model.spec.title} topics are directions: they rank words by weight, not {rank_by}")
            rank_by = "weight"
        scores = {"relevance": model.relevance, "frex": lambda: about.frex(model), "lift": lambda: about.lift(model),
                  "weight": lambda: model.H}[rank_by]()
        row = np.asarray(scores[topic], dtype=np.float64)
        best = about.ranked(row[None, :], n)[0]
        H = model.H[topic]
        total = np.maximum(H, 0).sum()
        frame = pd.DataFrame({
            "rank": np.arange(1, best.size + 1), "word": [model.vocabulary[j] for j in best], "weight": H[best],
            "p_word": np.maximum(H[best], 0) / total if total > 0 else np.zeros(best.size), "score": row[best]})
        return frame.set_index("rank")

    def doc_topics(self):
        """doc_topics.csv as a DataFrame indexed by document id: label, dominant_topic, topic_0 … topic_{k-1}."""
        pd = pandas()
        model = self._model()
        P = model.doc_topics()
        frame = pd.DataFrame(P, columns=[f"topic_{t}" for t in range(model.n_topics)],
                             index=pd.Index(list(model.doc_ids), name="doc_id"))
        dominant = model.dominant_topics()
        frame.insert(0, "dominant_topic", pd.array(np.where(dominant >= 0, dominant, -1)).astype("Int64"))
        frame.loc[dominant < 0, "dominant_topic"] = pd.NA
        frame.insert(0, "label", list(model.labels) if model.labels else None)
        return frame

    def representative_docs(self, topic: int, n: int = 10):
        """The ``n`` documents with the highest share of ``topic`` (LSA: coordinate): rank, doc_id, share, label."""
        pd = pandas()
        model = self._model()
        topic = self._topic(topic)
        index, share = about.representative_documents(model, n)
        rows = index[topic]
        return pd.DataFrame({"rank": np.arange(1, rows.size + 1), "doc_id": [model.doc_ids[int(i)] for i in rows],
                             "share": share[topic],
                             "label": [model.labels[int(i)] for i in rows] if model.labels else None}).set_index("rank")

    def similar(self, doc_id, n: int = 10):
        """The ``n`` documents most similar to ``doc_id``: rank, doc_id, score, as in similar.csv.

        A number is the document of that id when there is one (ids given as numbers), else the row of that number
        (the default ids are the rows' numbers, so the two agree)."""
        pd = pandas()
        model = self._model()
        if not isinstance(doc_id, str):
            if isinstance(doc_id, bool) or not isinstance(doc_id, (int, np.integer)):
                raise TopicmfError(f"doc_id must be a document id or a row number; got {doc_id!r}")
            row = int(doc_id)
            try:
                doc_id = model.doc_index(str(row))
            except TopicmfError:
                if not 0 <= row < model.n_docs:
                    raise TopicmfError(f"No document {doc_id!r}: neither an id nor a row number below "
                                       f"{model.n_docs:,}") from None
                doc_id = row
        found = model.similar(doc_id, n)
        return pd.DataFrame({"rank": np.arange(1, len(found) + 1), "doc_id": [d for d, _ in found],
                             "score": [s for _, s in found]}).set_index("rank")

    def query(self, texts, n: int = 10):
        """The ``n`` training documents nearest to a text (or to each of a list of texts): query, rank, doc_id,
        score (query is the text's position in the list)."""
        pd = pandas()
        model = self._model()
        many = not isinstance(texts, str)
        rows = []
        for number, text in enumerate(texts if many else [texts]):
            if not isinstance(text, str):
                raise TopicmfError(f"Query {number} is a {type(text).__name__}, not text")
            _, found = model.query(text, n)
            rows += [(number, rank, doc, score) for rank, (doc, score) in enumerate(found, 1)]
        frame = pd.DataFrame(rows, columns=["query", "rank", "doc_id", "score"])
        return frame if many else frame.drop(columns="query").set_index("rank")

    def topics_per_label(self):
        """Each topic in each label's documents (topics_per_label.csv): topic, label, share, documents, words
        (the topic's words there); None for a corpus without labels."""
        return self._groups("per_label", "topics_per_label", "label")

    def topics_over_time(self):
        """Each topic in each time bin (topics_over_time.csv): topic, bin, start, end, share, documents, words;
        None without times (``fit(..., times=...)``, a ``time_column``)."""
        return self._groups("per_time", "topics_over_time", "bin")

    # --- helpers -------------------------------------------------------------
    def _model(self):
        self._check_fitted()
        return self.model_

    def _topic(self, topic) -> int:
        k = self.model_.n_topics
        if isinstance(topic, bool) or not isinstance(topic, (int, np.integer)) or not 0 <= topic < k:
            raise TopicmfError(f"topic must be a topic number from 0 to {k - 1}; got {topic!r}")
        return int(topic)

    def _groups(self, name: str, file: str, column: str):
        pd = pandas()
        self._check_fitted()
        table = None if self._outcome is None else getattr(self._outcome, name)
        if table is not None:
            bounds = None
            if column == "bin":
                bins = self._job.bins
                bounds = (bins.starts, bins.ends)
            return pd.DataFrame(_group_rows(table, column, bounds))
        rows = None if self._directory is None else read_rows(self._directory, file)
        if rows is None:
            return None
        return pd.DataFrame(_read_group_rows(rows, column))


def _group_rows(table: GroupTopics, column: str, bounds) -> list[dict]:
    rows = []
    for t in range(table.share.shape[1]):
        for g, name in enumerate(table.names):
            row = {"topic": t, column: name}
            if bounds is not None:
                row.update(start=bounds[0][g], end=bounds[1][g])
            row.update(share=float(table.share[g, t]), documents=int(table.documents[g, t]),
                       words=[w for w, _ in table.words[g][t]])
            rows.append(row)
    return rows


def _read_group_rows(records, column: str) -> list[dict]:
    """The rows of a saved topics_per_label / topics_over_time table, one per topic and group, words in a list."""
    rows: dict = {}
    for record in records:
        key = (int(record["topic"]), record[column])
        if key not in rows:
            row = {"topic": key[0], column: record[column]}
            if "start" in record:
                row.update(start=record["start"], end=record["end"])
            row.update(share=float(record["share"]), documents=int(record["documents"]), words=[])
            rows[key] = row
        if int(record["rank"]) != 0:
            rows[key]["words"].append(record["word"])
    return list(rows.values())
