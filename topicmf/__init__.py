"""topicmf: topic modelling by matrix factorization.

Data flows one way: :mod:`topicmf.corpus` reads documents,
:mod:`topicmf.text` tokenizes them into a document-term count matrix, and
:mod:`topicmf.factorize` factorizes it (LSA, Frobenius NMF, Poisson NMF;
``topicmf.factorize.factorize`` is the function, the package keeps its name).
"""

from importlib.metadata import PackageNotFoundError, version

from .corpus import open_corpus
from .factorize import LSA, MODELS, Factorization, FrobeniusNMF, PoissonNMF
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
    "log_entropy",
    "TopicmfError",
    "CorpusError",
    "NoDocumentsError",
    "EmptyVocabularyError",
    "TopicmfWarning",
]
