"""From a corpus path to a DocumentTermMatrix: the options every command shares."""

from __future__ import annotations

import logging
import os
import time
import warnings
from dataclasses import asdict, dataclass

import numpy as np

from ..corpus import DEFAULT_LIMITS, CountMatrix, ReadLimits, TextCorpus, open_corpus
from ..corpus.tables import SHARE_BYTES
from ..errors import NoDocumentsError, TopicmfError, TopicmfWarning
from .clean import parse_clean, stats_report
from .counting import Progress, count_terms
from .language import choose_language, say_language
from .matrix import DocumentTermMatrix
from .prune import check_df, prune_columns
from .stream import DocumentSample
from .stopwords import (OWN_LISTS, fold, resolve_language)
from .tokenize import Tokenizer
from .tokenizers import make_tokenizer

__all__ = ["TextOptions", "vectorize", "make_tokenizer", "choose_language", "say_language", "say_skipped",
           "uses_corpus_stopwords", "text_info", "cleaning_info", "display_names"]

log = logging.getLogger(__name__)

_WARN_LIMIT = 10




@dataclass(frozen=True)
class TextOptions:
    """How a corpus is read, tokenized and pruned (shared by every command).

    Parameters
    ----------
    text_column, id_column, label_column : str or None
        Columns of a CSV/TSV/JSONL corpus (``label_column`` also applies to a
        count table).
    language : str, default="auto"
        Stopword and stemming language: "auto" picks English or Russian by
        stopword overlap, "none" uses neither, or a Snowball language name.
    stem : bool or None, default=None
        Reduce words to Snowball stems (shown as their commonest word form).
        None: on for the languages whose words inflect heavily
        (:data:`~topicmf.text.tokenizers.STEM_BY_DEFAULT`: every Snowball language but English), off otherwise.
    ngrams : int, default=1
        1 for words, 2 to add word pairs, 3 for triples too.
    stopwords : str or None, default=None
        A file replacing the language's list, "none" for no stopwords, or
        None for the shipped list.
    extra_stopwords : tuple of str
        Words removed in addition.
    min_df, max_df : int or float
        Keep terms in at least ``min_df`` and at most ``max_df`` documents
        (int: a count; float: a fraction of the documents).  ``min_df=None``
        (the default): 3, or 2 in a corpus of fewer than 500 documents
        (:func:`~topicmf.text.prune.default_min_df`).
    max_terms : int or None
        Keep at most this many terms, the most frequent.
    min_length : int, default=2
        Shortest token, in characters.
    keep_numbers : bool, default=False
        Keep tokens made only of digits.
    strip_urls : bool, default=True
        Remove web and e-mail addresses before tokenizing.
    n_jobs : int or None
        Worker processes for tokenizing; None or 0 uses every core.
    clean : str, default="auto"
        Cleaning of raw text (:mod:`topicmf.text.clean`): "auto" (every rule;
        quotes and signatures only in documents that look like messages),
        "none", or a comma-separated list of headers, quotes, signatures,
        blobs and junk (junk tokens), applied to every document.
    time_column : str or None
        A table's column of dates or times, kept for topics over time.
    follow_symlinks : bool, default=False
        Read what symbolic links in a corpus folder point to outside it (else skipped and listed).
    max_document_size : int, default=64 MB
        Characters of a document's text, bytes of a file or of a decompressed archive member;
        a document over it is skipped and listed (:class:`~topicmf.corpus.limits.ReadLimits`).
    corpus_stopwords : {"auto", "on", "off"}, default="auto"
        Remove the words spread evenly over most documents
        (:func:`~topicmf.text.prune.even_terms`), whatever the language: "auto" does so unless
        topicmf's own list applies (English, Russian) or a --stopwords file is given.  Measured:
        on manpages_de (German) no stopword left in the topics at NMI 0.239 against 0.242–0.247;
        on top of the English and Russian lists it costs NMI (BBC 0.694 → 0.690, ru_news9 0.662 →
        0.606), so it is off there.
    """

    text_column: str = "text"
    id_column: str | None = None
    label_column: str | None = None
    language: str = "auto"
    stem: bool | None = None
    ngrams: int = 1
    stopwords: str | None = None
    extra_stopwords: tuple = ()
    min_df: int | float | None = None
    max_df: int | float = 0.95
    max_terms: int | None = None
    min_length: int = 2
    keep_numbers: bool = False
    strip_urls: bool = True
    n_jobs: int | None = None
    clean: str = "auto"
    corpus_stopwords: str = "auto"
    time_column: str | None = None
    follow_symlinks: bool = False
    max_document_size: int = DEFAULT_LIMITS.max_chars

    @property
    def limits(self) -> ReadLimits:
        """The bounds a document is read within (:mod:`topicmf.corpus.limits`)."""
        return ReadLimits(max_chars=self.max_document_size)

    def __post_init__(self):
        object.__setattr__(self, "language", resolve_language(self.language))
        object.__setattr__(self, "extra_stopwords", tuple(self.extra_stopwords))
        if self.min_df is not None:
            check_df("min_df", self.min_df)
        check_df("max_df", self.max_df)
        if self.ngrams not in (1, 2, 3):
            raise TopicmfError(f"ngrams must be 1, 2 or 3; got {self.ngrams!r}")
        if self.max_terms is not None and self.max_terms < 1:
            raise TopicmfError(f"max_terms must be a positive integer; got {self.max_terms!r}")
        rules = parse_clean(self.clean)  # validates
        clean = str(self.clean).strip().lower()
        object.__setattr__(self, "clean", clean if clean in ("auto", "none") else ",".join(rules) or "none")
        if self.corpus_stopwords not in ("auto", "on", "off"):
            raise TopicmfError(f"corpus_stopwords must be auto, on or off; got {self.corpus_stopwords!r}")
        if self.n_jobs is not None and self.n_jobs < 0:
            raise TopicmfError(f"jobs must be >= 0 (0 means every core); got {self.n_jobs}")
        if not isinstance(self.max_document_size, int) or self.max_document_size < 1:
            raise TopicmfError(f"max_document_size must be a positive number of bytes; got {self.max_document_size!r}")


def say_skipped(corpus: TextCorpus, skipped: list, fallbacks: list) -> None:
    """Warn of skipped files and records and of files read in a fallback encoding (ten, then a count)."""
    if corpus.encoding_fallback:
        warnings.warn(f"{corpus.path} is not UTF-8; read it as {corpus.encoding_fallback}", TopicmfWarning, stacklevel=3)
    _warn_list(skipped, "Skipped {0}: {1}", "... and {0} more files skipped")
    _warn_list(fallbacks, "{0} is not UTF-8; read it as {1}", "... and {0} more files not in UTF-8")


def text_info(path, corpus: TextCorpus, options: TextOptions, language, shares, tokenizer: Tokenizer, n_tokens: int,
              skipped: list, fallbacks: list, cleaning: dict) -> dict:
    """How a text corpus became a matrix, JSON-ready (the matrix's ``info``)."""
    return {
        "source": os.fspath(path),
        "format": corpus.format,
        "language": language or "none",
        "language_shares": shares.get("shares", {}),
        "languages": shares or None,
        "stopwords": len(tokenizer.stopwords),
        "stem": tokenizer.stem,
        "tokens": int(n_tokens),
        "skipped_files": [{"path": p, "reason": r} for p, r in skipped],
        "encodings": [{"path": p, "encoding": e} for p, e in fallbacks],
        "cleaning": cleaning,
        "options": asdict(options),
        "columns": corpus.columns,
    }


def _warn_list(items, message, summary):
    for item in items[:_WARN_LIMIT]:
        warnings.warn(message.format(*item), TopicmfWarning, stacklevel=3)
    if len(items) > _WARN_LIMIT:
        warnings.warn(summary.format(len(items) - _WARN_LIMIT), TopicmfWarning, stacklevel=3)


def vectorize(path, options: TextOptions | None = None, *, progress: Progress | None = None,
              keep_stream: bool = True, meanwhile=None) -> DocumentTermMatrix:
    """Read, tokenize and prune the corpus at ``path`` into a document-term matrix.

    Everything later stages need from the text comes from this one pass: the
    counts, every document's tokens in order (``keep_stream``; the matrix's
    ``stream`` holds a temporary file until it is closed — use the matrix as a
    context manager) and a sample of documents with excerpts.

    Parameters
    ----------
    path : str, path-like or TextCorpus
        Anything :func:`topicmf.corpus.open_corpus` reads, or a corpus opened
        already (texts in memory: :func:`topicmf.corpus.memory_corpus`).
    options : TextOptions, optional
    progress : callable(done, total) or None
        Receives documents processed so far (total None when unknown).
    meanwhile : callable or None
        Run in a background thread while worker processes read the corpus
        (started once they exist, so nothing is forked while it runs).

    Returns
    -------
    DocumentTermMatrix

    Raises
    ------
    CorpusError, NoDocumentsError, EmptyVocabularyError, TopicmfError
        With a message that says what to change.

    Warns
    -----
    TopicmfWarning
        For skipped files, decoding fallbacks, documents left empty and an
        unrecognised language.
    """
    options = options or TextOptions()
    started = time.perf_counter()
    if isinstance(path, TextCorpus):  # opened already: texts in memory (topicmf.corpus.memory_corpus)
        corpus, path = path, path.path
    else:
        corpus = open_corpus(
            path, text_column=options.text_column, id_column=options.id_column, label_column=options.label_column,
            time_column=options.time_column, limits=options.limits, follow_symlinks=options.follow_symlinks,
        )
    if isinstance(corpus, CountMatrix):
        if progress is not None:
            progress(corpus.X.shape[0], corpus.X.shape[0])
        return _from_count_matrix(corpus, options, started)
    language, shares = choose_language(corpus, options)
    say_language(options, language, shares)
    tokenizer = make_tokenizer(options, language, shares)
    small_table = corpus.format in ("jsonl", "tsv", "csv") and os.path.getsize(corpus.path) <= SHARE_BYTES
    result = count_terms(corpus.units(), tokenizer, record_ids=corpus.record_ids(),
                         n_jobs=1 if small_table else options.n_jobs, n_docs_hint=corpus.n_docs_hint,
                         progress=progress, keep_stream=keep_stream, meanwhile=meanwhile, limits=options.limits)
    skipped = corpus.skipped + result.skipped
    say_skipped(corpus, skipped, result.fallbacks)
    if not result.doc_ids:
        raise NoDocumentsError(f"No readable documents in {corpus.path}: {len(skipped)} skipped (see the warnings)")
    display = display_names(result.keys, result.surfaces)
    info = text_info(path, corpus, options, language, shares, tokenizer, result.doc_lengths.sum(), skipped,
                     result.fallbacks, cleaning_info(options, result.cleaning, result.cleaned_docs, result.junk))
    labels = tuple(result.labels) if corpus.has_labels else None
    try:
        return _finish(result.X, display, result.keys, result.doc_ids, labels, result.doc_lengths, info, options,
                       started, sort=True, stream=result.stream, sample=result.sample,
                       even=uses_corpus_stopwords(options, language),
                       times=tuple(result.times) if options.time_column else None)
    except BaseException:
        if result.stream is not None:
            result.stream.close()
        raise


def cleaning_info(options: TextOptions, cleaning, cleaned_docs: int, junk) -> dict:
    """What cleaning removed, JSON-ready (``cleaning``: the counts per rule; ``junk``: raw token → count)."""
    rules = parse_clean(options.clean)
    junk_report = None
    if "junk" in rules:
        junk_report = {"tokens": int(sum(junk.values())), "types": len(junk),
                       "examples": [w for w, _ in sorted(junk.items(), key=lambda kv: (-kv[1], kv[0]))[:20]]}
    report = stats_report(cleaning, cleaned_docs, rules, junk_report)
    report["mode"] = "auto" if options.clean == "auto" else "rules"
    return report


def display_names(keys: list[str], surfaces: dict[str, str] | None) -> list[str]:
    """Terms as people read them: with stemming, each stem's commonest form (n-grams word by word)."""
    if surfaces is None:
        return list(keys)
    return [" ".join(surfaces.get(part, part) for part in key.split(" ")) for key in keys]


def _from_count_matrix(matrix: CountMatrix, options: TextOptions, started: float) -> DocumentTermMatrix:
    if options.stem or options.ngrams > 1:
        warnings.warn(
            "Stemming and n-grams do not apply to a precomputed count matrix; ignored", TopicmfWarning, stacklevel=3
        )
    X, words = matrix.X, matrix.words
    extra = {fold(w.lower()) for w in options.extra_stopwords}
    if extra:
        keep = np.array([fold(w.lower()) not in extra for w in words])
        X, words = X[:, keep], [w for w, k in zip(words, keep) if k]
    info = {
        "source": matrix.path,
        "format": matrix.format,
        "language": "n/a",
        "language_shares": {},
        "stopwords": len(extra),
        "stem": None,
        "tokens": X.sum().item(),
        "skipped_files": [],
        "encodings": [],
        "cleaning": {"rules": [], "documents": 0, "removed": {}, "mode": "not applicable (count matrix)"},
        "options": asdict(options),
    }
    lengths = np.asarray(X.sum(axis=1)).ravel()
    labels = tuple(matrix.labels) if matrix.labels is not None else None
    return _finish(X, words, words, matrix.doc_ids, labels, lengths, info, options, started,
                   sample=DocumentSample.of_rows(X.shape[0]))


def uses_corpus_stopwords(options: TextOptions, language: str | None) -> bool:
    """Whether the corpus's own stopwords are removed: asked for, or ("auto") unless topicmf's own tuned list
    (English, Russian) or a --stopwords file applies."""
    if options.corpus_stopwords != "auto":
        return options.corpus_stopwords == "on"
    return options.stopwords is None and language not in OWN_LISTS


def _finish(X, display, keys, doc_ids, labels, lengths, info, options, started, sort=False, stream=None,
            sample=None, even=False, times=None) -> DocumentTermMatrix:
    """Prune (``even``: the corpus's own stopwords too), put the columns in order (alphabetical when ``sort``)
    and warn of empty documents."""
    keep, report = prune_columns(
        X, min_df=options.min_df, max_df=options.max_df, max_terms=options.max_terms, names=keys,
        corpus_stopwords=even, lengths=lengths,
    )
    if "corpus_stopwords" in report:  # named as people read them
        at = {key: n for n, key in enumerate(keys)}
        report["corpus_stopwords"] = [display[at[key]] for key in report["corpus_stopwords"]]
    if sort:
        keep = np.array(sorted(keep.tolist(), key=keys.__getitem__), dtype=np.int64)
    X = X[:, keep].tocsr()
    X.sort_indices()
    log.info(
        "keeping %d of %d terms (min_df=%s, max_df=%s, max_terms=%s)",
        report["terms_after"], report["terms_before"], report["min_df"], options.max_df, options.max_terms,
    )
    info["pruning"] = report
    empty = np.flatnonzero(np.diff(X.indptr) == 0)
    if empty.size:
        examples = ", ".join(doc_ids[i] for i in empty[:3])
        warnings.warn(
            f"Documents with no terms left after tokenizing and pruning: {empty.size} (e.g. {examples}); "
            "they are kept as empty rows",
            TopicmfWarning,
            stacklevel=3,
        )
    info["seconds"] = round(time.perf_counter() - started, 3)
    lengths = np.asarray(lengths)
    if np.issubdtype(lengths.dtype, np.integer):
        lengths = lengths.astype(np.int64)
    return DocumentTermMatrix(
        X=X,
        vocabulary=tuple(display[j] for j in keep),
        terms=tuple(keys[j] for j in keep),
        doc_ids=tuple(doc_ids),
        labels=labels,
        doc_lengths=lengths,
        info=info,
        stream=stream,
        sample=sample,
        times=times,
    )
