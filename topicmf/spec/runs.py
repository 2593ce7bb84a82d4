"""The parameters of whole jobs, beside the models' own: ``topicmf run`` and ``topicmf sweep``.

:func:`topicmf.run` and :func:`topicmf.sweep` check their arguments against :data:`RUN_PARAMS`
and the command line builds the matching options from it.
"""

from __future__ import annotations

from ..errors import TopicmfError
from .params import Param, ParamTable
from .topics import NEIGHBOUR_EFFORTS, SIMILARITIES

__all__ = ["RUN_PARAMS", "DEFAULT_K_RANGE", "TABLE_FORMATS", "SHORT_TEXTS", "SHORT_MEDIAN", "SHORT_MIN_DOCS", "SHORT_MODEL",
           "DEFAULT_MODEL", "first_model"]

#: How a run writes its tables: CSV files, or Parquet files (pyarrow, the extra topicmf[parquet]).
TABLE_FORMATS = ("csv", "parquet")

#: Whether a run fits the short-text model (seanmf): when its median document is short, always, or never.
SHORT_TEXTS = ("auto", "on", "off")
#: A corpus is short texts when its median document has at most this many words left after tokenizing
#: and it has at least SHORT_MIN_DOCS documents: below that, word pairs are too few for SeaNMF's statistics
#: (benchmarks/bench_short.py "threshold" and "size": SeaNMF against Poisson NMF on documents cut to n words,
#: and on samples of n subject lines and headlines).
SHORT_MEDIAN = 20
SHORT_MIN_DOCS = 2_000
#: The model a run fits when none is given, and the one it fits for short texts.
DEFAULT_MODEL, SHORT_MODEL = "pnmf", "seanmf"

#: The k values ``-k auto`` and ``topicmf sweep`` try.
DEFAULT_K_RANGE = "5:30:5"

RUN_PARAMS = ParamTable("topicmf run", (
    Param("k", "int", 10, "Number of topics, or 'auto' to sweep --k-range and take the suggested k.", low=1,
          choices=("auto",), option="--topics"),
    Param("short_texts", "str", "auto", "Fit the short-text model (seanmf) when the median document has at most "
          f"{SHORT_MEDIAN} words after tokenizing, the corpus at least {SHORT_MIN_DOCS:,} documents and no --model, "
          "--solver or model option is given (auto), always (on), or never (off).", choices=SHORT_TEXTS),
    Param("similarity", "str", "words", "How documents are compared for their neighbours: by their words and topics, "
          "or by topic profiles alone (faster for very large corpora, but with ties).", choices=SIMILARITIES),
    Param("neighbour_effort", "str", "normal", "How hard a large corpus's neighbours are searched (an exact search "
          "beyond 2e10 multiply-adds is replaced by blocks of documents sharing a topic): low, normal or high reach "
          "further into the other topics of each document, for more recall in more time.", choices=NEIGHBOUR_EFFORTS),
    Param("tables", "str", "csv", "Write the tables as CSV files, or as Parquet files (typed, compressed, for "
          "pandas, polars or DuckDB; needs pip install 'topicmf[parquet]').", choices=TABLE_FORMATS),
    Param("heldout", "float", None, "Also fit without this share of the documents and score how well the model "
          "completes them (Poisson NMF: per-word perplexity; the other models: relative error).", low=0, high=1,
          closed="neither", none=True),
    Param("reduce_to", "int", None, "Fit -k topics, then merge them down the topic tree to N and refit from there.",
          low=1, none=True),
    Param("seed_strength", "float", 1.0, "How hard the seeded topics are held to their words: a pseudo-document of "
          "the seed words worth this many median documents (0: the start only).", low=0),
    Param("n_seeds", "int", 2, "Fits per k; stability compares them.", low=2, option="--seeds"),
))


def first_model(model: str | None, short_texts: str) -> str:
    """The model a job starts with, before the corpus is read: the one given, else the short-text model with
    ``--short-texts on``, else the default (which short texts may still replace:
    :func:`topicmf.workflow.short_texts.settle_model`)."""
    if short_texts == "on" and model not in (None, SHORT_MODEL):
        raise TopicmfError(f"--short-texts on fits the short-text model ({SHORT_MODEL}); drop --model {model} or "
                           "use --short-texts off")
    return model or (SHORT_MODEL if short_texts == "on" else DEFAULT_MODEL)
