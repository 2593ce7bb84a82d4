"""Text to matrix: tokenizing, stopwords, vocabulary pruning and weightings.

The stage after :mod:`topicmf.corpus`: it turns documents into a
:class:`DocumentTermMatrix` X of shape (n_docs, n_terms) holding term counts, in one pass.
:class:`TermMatrix` is what the rest of a run needs of a matrix wherever it is held (here,
or in blocks on a cluster: :class:`topicmf.distributed.DistributedMatrix`); the weightings
applied before a fit are in :mod:`.weighting`.
"""

from .build import TextOptions, make_tokenizer, vectorize
from .counting import count_terms, default_jobs
from .matrix import DocumentTermMatrix, TermMatrix, entropy_weights, idf_weights, log_entropy, normalize_rows, tfidf
from .prune import prune_columns
from .stopwords import STEMMER_LANGUAGES, STOPWORD_LANGUAGES, builtin_stopwords, detect_language
from .tokenize import Tokenizer

__all__ = [
    "DocumentTermMatrix",
    "TermMatrix",
    "TextOptions",
    "Tokenizer",
    "vectorize",
    "make_tokenizer",
    "count_terms",
    "default_jobs",
    "prune_columns",
    "tfidf",
    "log_entropy",
    "idf_weights",
    "entropy_weights",
    "normalize_rows",
    "builtin_stopwords",
    "detect_language",
    "STOPWORD_LANGUAGES",
    "STEMMER_LANGUAGES",
]
