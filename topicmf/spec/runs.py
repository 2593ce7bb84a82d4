"""The parameters of whole jobs, beside the models' own: ``topicmf run`` and ``topicmf sweep``.

:func:`topicmf.run` and :func:`topicmf.sweep` check their arguments against :data:`RUN_PARAMS`
and the command line builds the matching options from it.
"""

from __future__ import annotations

from .params import Param, ParamTable
from .topics import NEIGHBOUR_EFFORTS, SIMILARITIES

__all__ = ["RUN_PARAMS", "DEFAULT_K_RANGE", "TABLE_FORMATS"]

#: How a run writes its tables: CSV files, or Parquet files (pyarrow, the extra topicmf[parquet]).
TABLE_FORMATS = ("csv", "parquet")

#: The k values ``-k auto`` and ``topicmf sweep`` try.
DEFAULT_K_RANGE = "5:30:5"

RUN_PARAMS = ParamTable("topicmf run", (
    Param("k", "int", 10, "Number of topics, or 'auto' to sweep --k-range and take the suggested k.", low=1,
          choices=("auto",), option="--topics"),
    Param("similarity", "str", "words", "How documents are compared for their neighbours: by their words and topics, "
          "or by topic profiles alone (faster for very large corpora, but with ties).", choices=SIMILARITIES),
    Param("neighbour_effort", "str", "normal", "How hard a large corpus's neighbours are searched (an exact search "
          "beyond 2e10 multiply-adds is replaced by blocks of documents sharing a topic): low, normal or high reach "
          "further into the other topics of each document, for more recall in more time.", choices=NEIGHBOUR_EFFORTS),
    Param("tables", "str", "csv", "Write the tables as CSV files, or as Parquet files (typed, compressed, for "
          "pandas, polars or DuckDB; needs pip install 'topicmf[parquet]').", choices=TABLE_FORMATS),
    Param("heldout", "float", None, "Also fit without this share of the documents and score how well the model "
          "completes them (Poisson NMF: per-word perplexity; NMF and LSA: relative error).", low=0, high=1,
          closed="neither", none=True),
    Param("reduce_to", "int", None, "Fit -k topics, then merge them down the topic tree to N and refit from there.",
          low=1, none=True),
    Param("seed_strength", "float", 1.0, "How hard the seeded topics are held to their words: a pseudo-document of "
          "the seed words worth this many median documents (0: the start only).", low=0),
    Param("n_seeds", "int", 2, "Fits per k; stability compares them.", low=2, option="--seeds"),
))
