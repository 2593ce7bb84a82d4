"""Exceptions and warnings raised by topicmf.

Every error a user can cause (a bad path, an empty corpus, an option that
leaves nothing to model) is a :class:`TopicmfError`; the command line turns it
into a one-line message and exit code 1 instead of a traceback.
"""

__all__ = [
    "TopicmfError",
    "CorpusError",
    "NoDocumentsError",
    "EmptyVocabularyError",
    "MemoryLimitError",
    "TopicmfWarning",
    "TopicmfNotice",
]


class TopicmfError(Exception):
    """Base class of errors caused by input or options, not by a bug."""


class CorpusError(TopicmfError):
    """The corpus cannot be read: missing path, malformed file, missing column."""


class NoDocumentsError(CorpusError):
    """The corpus holds no documents at all."""


class EmptyVocabularyError(TopicmfError):
    """Tokenizing and pruning left no terms."""


class MemoryLimitError(TopicmfError):
    """The run would not fit in the memory it may use; stopped before the system ran out."""


class TopicmfWarning(UserWarning):
    """Something was skipped or changed on the way; the run goes on."""


class TopicmfNotice(UserWarning):
    """A choice made on the user's behalf that they should know about (shown as a note)."""
