"""topicmf: topic modelling by matrix factorization.

Data flows one way: :mod:`topicmf.corpus` reads documents,
:mod:`topicmf.text` tokenizes them into a document-term count matrix, and
:mod:`topicmf.factorize` factorizes it (LSA, Frobenius NMF, Poisson NMF;
``topicmf.factorize.factorize`` is the function, the package keeps its name),
:mod:`topicmf.model` names the topics, evaluates, saves and loads them, and
:mod:`topicmf.report` writes the tables and pages.  :func:`topicmf.run`
does it all, as ``topicmf run`` does; :class:`topicmf.Topics` and
:class:`topicmf.Recommender` (:mod:`topicmf.api`) are the estimators for Python and notebooks.
"""

import importlib
from importlib.metadata import PackageNotFoundError, version

from .corpus import open_corpus
from .errors import CorpusError, EmptyVocabularyError, NoDocumentsError, TopicmfError, TopicmfWarning
from .text import DocumentTermMatrix, TextOptions, Tokenizer, log_entropy, tfidf, vectorize

try:
    __version__ = version("topicmf")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "__version__",
    "open_corpus",
    "vectorize",
    "TextOptions",
    "Tokenizer",
    "DocumentTermMatrix",
    "tfidf",
    "Factorization",
    "MODELS",
    "LSA",
    "FrobeniusNMF",
    "PoissonNMF",
    "SeaNMF",
    "ExplicitMF",
    "ImplicitMF",
    "log_entropy",
    "TopicModel",
    "fit_topic_model",
    "load_model",
    "run",
    "sweep",
    "Topics",
    "Recommender",
    "load",
    "TopicmfError",
    "CorpusError",
    "NoDocumentsError",
    "EmptyVocabularyError",
    "TopicmfWarning",
]

# The factorization stage pulls in scikit-learn and numba (about 0.8 s); commands that only
# read text (``topicmf vocab``) should not pay for it, so its names load on first use.
_LAZY = {
    **dict.fromkeys(("LSA", "MODELS", "Factorization", "FrobeniusNMF", "PoissonNMF", "SeaNMF", "ExplicitMF",
                     "ImplicitMF"),
                    ".factorize"),
    **dict.fromkeys(("TopicModel", "fit_topic_model", "load_model"), ".model"),
    **dict.fromkeys(("run", "sweep"), ".workflow"),
    **dict.fromkeys(("Topics", "Recommender", "load"), ".api"),
}
_SUBPACKAGES = {"factorize", "model", "report", "workflow", "api"}


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | _SUBPACKAGES)
