"""Pruning the vocabulary by document frequency and size (scikit-learn's semantics)."""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import EmptyVocabularyError, TopicmfError

__all__ = ["check_df", "default_min_df", "prune_columns", "prune_terms", "even_terms", "SMALL_CORPUS", "EVEN_DF",
           "EVEN_RATIO"]

#: Corpus-derived stopwords: terms in at least this share of the documents ...
EVEN_DF = 0.2
#: ... in a corpus of at least this many documents ...
EVEN_MIN_DOCS = 20
#: ... whose document frequency is at least this share of what it would be if their occurrences fell at
#: random, in proportion to the documents' lengths (a topical word clusters in few documents: a lower share).
EVEN_RATIO = 0.8

#: Documents below which the default min_df is 2 rather than 3.
SMALL_CORPUS = 500


def default_min_df(n_docs: int) -> int:
    """min_df when none is given: 3 documents, or 2 in a corpus of fewer than 500.

    Measured with the default model (NMI of the dominant topic against the labels, seeds 0, 1, 2):
    min_df 3 against 2 gives ru_news9 (743 documents) 0.66 for 0.57–0.63, BBC (2,225) 0.67–0.69
    for 0.64–0.66 and 20 Newsgroups (18,846) 0.60 for 0.59, and 4 or 5 less than 3 on all of them;
    in a few dozen documents (the demo corpus) a word in two of them already says something.
    """
    return 3 if n_docs >= SMALL_CORPUS else 2


def check_df(name: str, value) -> int | float:
    """Validate a min_df / max_df value: a document count (int ≥ 0) or a fraction (float in [0, 1])."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TopicmfError(f"{name} must be a document count or a fraction in [0, 1]; got {value!r}")
    if isinstance(value, numbers.Integral):
        if value < 0:
            raise TopicmfError(f"{name} must be >= 0; got {value}")
        return int(value)
    if not 0.0 <= value <= 1.0:
        raise TopicmfError(f"{name} as a fraction must lie in [0, 1]; got {value} (write a count without a decimal point)")
    return float(value)


def even_terms(df, cf, lengths, *, min_share: float = EVEN_DF, min_ratio: float = EVEN_RATIO) -> np.ndarray:
    """Terms spread evenly over most documents, whatever the language: the corpus's own stopwords.

    A term t with ``cf`` occurrences in N words, if they fell at random, would be in
    E[df] = Σ_d (1 − exp(−cf·L_d/N)) documents (L_d: document d's length).  Function words come close
    to that (df/E[df] ≈ 0.8–1.1, and above 1 for boilerplate found once in every document); a word
    about something clusters in the documents about it (Church & Gale's burstiness).  Returned: the
    terms in at least ``min_share`` of the documents with df/E[df] ≥ ``min_ratio``.  On 20 Newsgroups
    read without a list, the 51 terms found are all in the stopwords-iso English list.  ``lengths``: every
    document's length, or (distinct lengths, documents of each).
    """
    df, cf = np.asarray(df), np.asarray(cf, dtype=np.float64)
    if isinstance(lengths, tuple):  # (distinct lengths, how many documents have each): a corpus held in blocks
        sizes, counts = (np.asarray(a, dtype=np.float64) for a in lengths)
    else:
        sizes, counts = np.unique(np.asarray(lengths, dtype=np.float64), return_counts=True)
    n_docs = int(counts.sum())
    if n_docs < EVEN_MIN_DOCS:  # in a handful of documents every frequent word looks evenly spread
        return np.zeros(0, dtype=np.int64)
    candidates = np.flatnonzero(df >= max(min_share * n_docs, 2))
    total = float(sizes @ counts)
    if candidates.size == 0 or total <= 0:
        return candidates
    sizes, counts = sizes[sizes > 0], counts[sizes > 0]
    expected = np.empty(candidates.size)
    step = max(1, 2_000_000 // max(1, sizes.size))
    for start in range(0, candidates.size, step):  # Σ over the distinct lengths, a block of terms at a time
        rate = cf[candidates[start:start + step], None] * sizes[None, :] / total
        expected[start:start + step] = -np.expm1(-rate) @ counts
    return candidates[df[candidates] >= min_ratio * expected]


def prune_columns(X, *, min_df=1, max_df=1.0, max_terms=None, names=None, corpus_stopwords: bool = False,
                  lengths=None):
    """Choose the columns of ``X`` to keep.

    A term is kept when it occurs in at least ``min_df`` and at most
    ``max_df`` documents (an int is a count, a float a fraction of the
    documents, as in scikit-learn's CountVectorizer).  Of those, at most
    ``max_terms`` of the highest total count are kept; ties go to the
    alphabetically first of ``names`` (the column names), or to the lower
    column index when no names are given.

    With ``corpus_stopwords``, the terms :func:`even_terms` finds are removed first (and named in
    the report, ``corpus_stopwords``); ``lengths`` are the documents' lengths in tokens (default:
    the row sums of X).

    Returns
    -------
    keep : ndarray of int
        Sorted indices of the kept columns.
    report : dict
        How many terms each rule removed.

    Raises
    ------
    TopicmfError
        ``max_df`` allows fewer documents than ``min_df``.
    EmptyVocabularyError
        Nothing is left.
    """
    df = np.bincount(X.indices, minlength=X.shape[1])
    even = None
    if corpus_stopwords:
        even = even_terms(df, np.asarray(X.sum(axis=0)).ravel(),
                          np.asarray(X.sum(axis=1)).ravel() if lengths is None else lengths)
    return prune_terms(df, lambda: np.asarray(X.sum(axis=0)).ravel(), X.shape[0], min_df=min_df, max_df=max_df,
                       max_terms=max_terms, names=names, drop=even)


def prune_terms(df, totals, n_docs: int, *, min_df=1, max_df=1.0, max_terms=None, names=None, drop=None):
    """:func:`prune_columns` from the terms' document frequencies and total counts (``totals``: an array,
    or a callable giving it, needed only with ``max_terms``) — for matrices held in pieces.
    ``min_df=None`` takes :func:`default_min_df` of ``n_docs``; ``drop``: columns removed first (corpus
    stopwords), named in the report."""
    min_df = check_df("min_df", default_min_df(n_docs) if min_df is None else min_df)
    max_df = check_df("max_df", max_df)
    if max_terms is not None and (isinstance(max_terms, bool) or not isinstance(max_terms, numbers.Integral) or max_terms < 1):
        raise TopicmfError(f"max_terms must be a positive integer; got {max_terms!r}")
    n_terms = len(df)
    low = min_df if isinstance(min_df, int) else min_df * n_docs
    high = max_df if isinstance(max_df, int) else max_df * n_docs
    if low > n_docs:
        raise EmptyVocabularyError(
            f"min_df={min_df} keeps only terms in at least {low:g} documents, but there are {n_docs}. "
            "Try a lower --min-df."
        )
    if high < low:
        raise TopicmfError(
            f"max_df={max_df} allows fewer documents ({high:g}) than min_df={min_df} requires ({low:g}) "
            f"in {n_docs} documents. Raise --max-df or lower --min-df."
        )
    df = np.asarray(df)
    rare = df < low
    common = df > high
    dropped = np.zeros(len(df), dtype=bool)
    if drop is not None:
        dropped[np.asarray(drop, dtype=np.int64)] = True
    mask = ~rare & ~common & ~dropped
    removed_by_size = 0
    if max_terms is not None and mask.sum() > max_terms:
        totals = np.asarray(totals() if callable(totals) else totals)
        candidates = np.flatnonzero(mask)
        if names is None:
            tie = candidates
        else:
            tie = np.empty(len(candidates), np.int64)
            tie[sorted(range(len(candidates)), key=lambda i: names[candidates[i]])] = np.arange(len(candidates))
        order = np.lexsort((tie, -totals[candidates]))
        mask[:] = False
        mask[candidates[order[:max_terms]]] = True
        removed_by_size = len(candidates) - max_terms
    keep = np.flatnonzero(mask)
    report = {
        "min_df": min_df,
        "terms_before": int(n_terms),
        "removed_rare": int(rare.sum()),
        "removed_common": int((common & ~rare).sum()),
        "removed_by_max_terms": int(removed_by_size),
        "terms_after": int(keep.size),
    }
    if drop is not None:
        order = np.flatnonzero(dropped & ~rare & ~common)
        order = order[np.argsort(-df[order], kind="stable")]
        report["corpus_stopwords"] = [names[j] if names is not None else int(j) for j in order]
    if keep.size == 0:
        hint = "Try a lower --min-df or a higher --max-df." if n_terms else "Check the text column, language and stopword options."
        raise EmptyVocabularyError(
            f"After pruning, no terms remain ({n_terms} terms before; min_df={min_df}, max_df={max_df}, "
            f"{n_docs} documents). {hint}"
        )
    return keep, report
