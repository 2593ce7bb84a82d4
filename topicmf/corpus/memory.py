"""Texts already in memory as a corpus: a list, a generator, a numpy array, a pandas Series or DataFrame.

:func:`memory_corpus` returns a :class:`~topicmf.corpus.TextCorpus` whose records carry their text,
so a fit from Python goes through the one reading pass a folder or a table goes through (the same
cleaning, tokens, language choice and matrix).  A generator is read once: the records the language
sample looks at first are kept and handed out again at the start of the pass.
"""

from __future__ import annotations

import datetime as _dt
import numbers
import os

import numpy as np

from ..errors import CorpusError, NoDocumentsError
from .decoding import visible_text

__all__ = ["MEMORY_PATH", "MemoryRecords", "memory_corpus", "is_path", "frame_columns"]

#: What a corpus of texts in memory is called where a path would be (messages, the manifest).
MEMORY_PATH = "<texts>"


def is_path(source) -> bool:
    """Whether ``source`` names a file or folder (a str or path-like), rather than holding texts."""
    return isinstance(source, (str, os.PathLike))


def _is_frame(source) -> bool:
    return hasattr(source, "columns") and hasattr(source, "iloc")  # a pandas DataFrame, without importing pandas


def _name(value, what: str, number: int) -> str:
    """An id or a label as text: a string, or a number written as Python writes it."""
    if isinstance(value, str):
        return value
    if isinstance(value, (numbers.Integral, numbers.Real)) and not isinstance(value, bool):
        if isinstance(value, numbers.Real) and value != value:  # NaN: a missing value in a pandas column
            raise CorpusError(f"{what} of document {number} is missing (NaN); give every document one")
        return str(value.item() if hasattr(value, "item") else value)
    raise CorpusError(f"{what} of document {number} is a {type(value).__name__}, not text or a number")


def _time(value, number: int) -> str:
    """A time as the time-bin parser reads it: ISO text for dates and datetimes, numbers as written."""
    if isinstance(value, (_dt.date, _dt.datetime)) or hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "dtype") and str(value.dtype).startswith("datetime64"):  # numpy datetime64
        return str(value)
    return _name(value, "The time", number)


def _text(value, number: int) -> str:
    if isinstance(value, str):
        return value  # made writable where every text is loaded (topicmf.corpus.load_text)
    if value is None or (isinstance(value, float) and value != value):
        raise CorpusError(f"Document {number} is missing (None or NaN); give every document a text "
                          "(a pandas column: .fillna(\"\"))")
    raise CorpusError(f"Document {number} is a {type(value).__name__}, not text; give strings "
                      "(or a path to a corpus)")


class MemoryRecords:
    """The records of texts in memory, in order, checked as they are read; a one-shot iterable read once.

    ``texts``, ``ids``, ``labels``, ``times``: iterables (the last three may be None); a sized
    ``texts`` (a list, an array, a Series) gives the corpus its length up front.
    """

    def __init__(self, texts, ids=None, labels=None, times=None):
        self.size = len(texts) if hasattr(texts, "__len__") else None
        # texts that can be indexed by position (a list, a tuple, an array, a Series): sampled without reading them
        self._by_position = None
        if self.size and (hasattr(texts, "iloc") or isinstance(texts, (list, tuple, np.ndarray))):
            self._by_position = texts.iloc.__getitem__ if hasattr(texts, "iloc") else texts.__getitem__
        for name, values in (("ids", ids), ("labels", labels), ("times", times)):
            if values is not None and self.size is not None and hasattr(values, "__len__") \
                    and len(values) != self.size:
                raise CorpusError(f"{len(values)} {name} for {self.size} documents; give one for each document")
        self._columns = [iter(texts)] + [None if v is None else iter(v) for v in (ids, labels, times)]
        self._head: list = []  # records read ahead (the language sample), handed out again first
        self._read = 0  # records taken from the sources so far
        self._started = False
        self._seen: dict[str, int] = {}

    def _next(self):
        """The next record as a DocRef, or None at the end (checking that every column ends together)."""
        from . import DocRef

        texts, ids, labels, times = self._columns
        number = self._read
        try:
            text = next(texts)
        except StopIteration:
            for name, column in (("ids", ids), ("labels", labels), ("times", times)):
                if column is not None and next(column, _END) is not _END:
                    raise CorpusError(f"More {name} than documents ({number} documents); give one for each") from None
            if number == 0:
                raise NoDocumentsError("No documents: the texts given are empty") from None
            return None
        values = []
        for name, column in (("ids", ids), ("labels", labels), ("times", times)):
            value = None if column is None else next(column, _END)
            if value is _END:
                raise CorpusError(f"Fewer {name} than documents (none for document {number}); give one for each")
            values.append(value)
        self._read += 1
        doc_id = str(number) if values[0] is None else visible_text(_name(values[0], "The id", number).strip())
        if not doc_id:
            raise CorpusError(f"Document {number} has an empty id")
        if doc_id in self._seen:
            raise CorpusError(f"Id {doc_id!r} is given to documents {self._seen[doc_id]} and {number}; ids must "
                              "be unique")
        self._seen[doc_id] = number
        label = None if values[1] is None else visible_text(_name(values[1], "The label", number))
        time = None if values[2] is None else _time(values[2], number)
        return DocRef(doc_id, label, None, _text(text, number), time)

    def spread(self, n_docs: int) -> list:
        """Up to ``n_docs`` texts spread evenly over the corpus when they can be indexed by position (a list sorted
        by language is seen from end to end), else the first ones (:meth:`head`); texts that are not strings are
        left out here (the reading pass names them)."""
        if self._by_position is None:
            return self.head(n_docs)
        from . import DocRef

        positions = np.unique(np.linspace(0, self.size - 1, min(n_docs, self.size)).astype(np.int64)).tolist()
        texts = ((i, self._by_position(i)) for i in positions)
        return [DocRef(str(i), None, None, text) for i, text in texts if isinstance(text, str)]

    def head(self, n_docs: int) -> list:
        """The first ``n_docs`` records, read ahead of the pass and kept for it."""
        if self._started:
            return []
        while len(self._head) < n_docs:
            ref = self._next()
            if ref is None:
                break
            self._head.append(ref)
        return self._head[:n_docs]

    def __iter__(self):
        if self._started:
            raise CorpusError("These texts were already read (a generator is read once); give a list to read "
                              "them again")
        self._started = True
        head, self._head = self._head, []
        yield from head
        while (ref := self._next()) is not None:
            yield ref


_END = object()


def frame_columns(frame, text_column: str, id_column, label_column, time_column) -> tuple:
    """(texts, ids, labels, times, columns) of a DataFrame: its columns as named, or found by name as a table's are
    (:data:`topicmf.corpus.ID_COLUMNS`, :data:`topicmf.corpus.LABEL_COLUMNS`; "none" turns that off)."""
    from . import ID_COLUMNS, LABEL_COLUMNS, choose_column

    header = [str(c) for c in frame.columns]
    if text_column not in header:
        raise CorpusError(f"The DataFrame has no column {text_column!r}; its columns are: {', '.join(header)} "
                          "(choose one with text_column=)")
    id_column, id_found = choose_column(id_column, header, ID_COLUMNS, text_column)
    label_column, label_found = choose_column(label_column, header, LABEL_COLUMNS, text_column)
    for name in (id_column, label_column, time_column):
        if name is not None and name not in header:
            raise CorpusError(f"The DataFrame has no column {name!r}; its columns are: {', '.join(header)}")
    by_name = {str(c): c for c in frame.columns}

    def column(name):
        return None if name is None else frame[by_name[name]].tolist()

    columns = {"text": text_column, "id": id_column, "label": label_column, "time": time_column,
               "detected": [what for what, found in (("id", id_found), ("label", label_found)) if found]}
    return column(text_column), column(id_column), column(label_column), column(time_column), columns


def memory_corpus(texts, *, ids=None, labels=None, times=None, text_column: str = "text", id_column=None,
                  label_column=None, time_column=None):
    """A :class:`~topicmf.corpus.TextCorpus` of texts in memory (see the module docstring).

    ``texts``: an iterable of strings, or a DataFrame whose ``text_column`` holds them (and whose
    ``id_column`` / ``label_column`` / ``time_column`` give the rest, unless ``ids`` / ``labels`` /
    ``times`` are given).  A string is not taken for a corpus of one-letter documents: it is refused.
    The corpus's ``has_times`` says whether times were found.
    """
    from . import TextCorpus

    if is_path(texts) or isinstance(texts, bytes):
        raise CorpusError("Give texts as a list (or any iterable) of strings; a single string is a path")
    columns = None
    if _is_frame(texts):
        texts, found_ids, found_labels, found_times, columns = frame_columns(texts, text_column, id_column,
                                                                             label_column, time_column)
        ids = found_ids if ids is None else ids
        labels = found_labels if labels is None else labels
        times = found_times if times is None else times
    elif not hasattr(texts, "__iter__"):
        raise CorpusError(f"Give texts as a list (or any iterable) of strings, not a {type(texts).__name__}")
    elif hasattr(texts, "ndim") and texts.ndim != 1:
        raise CorpusError(f"Give texts as a one-dimensional sequence of strings; got an array of shape {texts.shape}")
    records = MemoryRecords(texts, _plain(ids), _plain(labels), _plain(times))
    if records.size == 0:
        raise NoDocumentsError("No documents: the texts given are empty")
    return TextCorpus(MEMORY_PATH, "memory", labels is not None, _records=records, columns=columns,
                      has_times=times is not None)


def _plain(values):
    """A pandas Series or numpy array as a plain list (numbers as Python numbers); anything else as it is."""
    if values is None or isinstance(values, (list, tuple)):
        return values
    if isinstance(values, (str, bytes)):
        raise CorpusError("Give ids, labels and times as sequences, one for each document, not one string")
    if hasattr(values, "tolist"):
        return values.tolist()
    return values
