"""Turning text into terms: a Unicode-aware regex tokenizer with stopwords and stemming."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from ..errors import TopicmfError
from .clean import Cleaner
from .stopwords import FOREIGN_HITS, STEMMER_LANGUAGES, fold

__all__ = ["Tokenizer", "strip_addresses", "is_junk", "MAX_TOKEN_LENGTH"]

MAX_TOKEN_LENGTH = 30
_VOWELS = frozenset("aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿāăąēĕėęěīĭįıōŏőœūŭůűųŷ" "аеёиоуыэюяєіїў")
_LATIN_OR_CYRILLIC = re.compile(r"[a-zà-ÿā-ɏа-яёєіїў]+")
_RUN = re.compile(r"(.)\1{3}")


def is_junk(word: str) -> bool:
    """Whether a lowercase token is junk rather than a word.

    Junk: longer than :data:`MAX_TOKEN_LENGTH` characters; one character four
    or more times in a row (``xxxx``, ``hmmmm``); letters and digits mixed
    with four or more switches between them, or ten or more characters of
    which over 75% digits (``a1b2c3``, ``1024x768x256``; ``x11r5``,
    ``486dx2``, ``1024x768`` and ``1970s`` stay); or a Latin or
    Cyrillic word of six or more letters with no vowel (``bhjklm``; acronyms
    and names such as ``nhl``, ``pgp``, ``nntp`` or ``xdmcp`` stay).  Scripts without written
    vowels (Arabic, Chinese, ...) are never judged by vowels.  Encoded
    attachments are removed line by line before tokenizing (the ``blobs``
    rule); this filter catches what is left.
    """
    n = len(word)
    if n > MAX_TOKEN_LENGTH or (n >= 4 and _RUN.search(word)):
        return True
    if not word.isalpha():
        digits = sum(ch.isdigit() for ch in word)
        if digits and ((n >= 10 and digits > 0.75 * n)
                       or sum(a.isdigit() != b.isdigit() for a, b in zip(word, word[1:])) >= 4):
            return True
        return False
    return n >= 6 and _VOWELS.isdisjoint(word) and _LATIN_OR_CYRILLIC.fullmatch(word) is not None


_ADDRESS_MARK = re.compile(r"@|://|www\.")
_NON_SPACE = re.compile(r"[^ \n\t\r]*")


def strip_addresses(text: str) -> str:
    """Remove every whitespace-delimited word holding ``@``, ``://`` or ``www.``.

    That removes e-mail addresses, URLs and host names with whatever punctuation
    clings to them (``<bob@x.org>,``).  The work is proportional to the number
    of such words, not to the text: the words around each mark are found with
    C-level string searches (space, newline, tab and carriage return delimit).
    """
    parts: list[str] = []
    last = 0
    for mark in _ADDRESS_MARK.finditer(text):
        at = mark.start()
        if at < last:
            continue  # inside a word already removed
        start = max(text.rfind(" ", last, at), text.rfind("\n", last, at)) + 1
        start = max(start, text.rfind("\t", start, at) + 1, text.rfind("\r", start, at) + 1)
        parts.append(text[last:start])
        last = _NON_SPACE.match(text, at).end()
    if not parts:
        return text
    parts.append(text[last:])
    return " ".join(parts)


_MISSING = object()
_CACHE_LIMIT = 2_000_000


@dataclass(frozen=True)
class Tokenizer:
    """Split text into terms.

    A token is a run of at least ``min_length`` letters or digits (any
    script; the underscore and punctuation separate tokens).  Tokens are
    lowercased, Russian ё is folded to е, pure numbers are dropped unless
    ``keep_numbers``, stopwords are removed, and with ``stem`` each token
    becomes its Snowball stem.  With ``ngrams=2`` the terms also include
    pairs of consecutive kept tokens, joined by a space.

    Parameters
    ----------
    stopwords : frozenset of str, default=frozenset()
        Lowercase words to drop (matched before stemming).
    stem : str or None, default=None
        A Snowball language ("english", "russian", ...) or None for no stemming.
    ngrams : int, default=1
        Longest n-gram to count (1 to 3).
    min_length : int, default=2
        Shortest token kept, in characters.
    keep_numbers : bool, default=False
        Keep tokens made only of digits.
    strip_urls : bool, default=True
        Remove web and e-mail addresses before tokenizing.
    cleaner : Cleaner or None, default=None
        Removes headers, quotes, signatures and blobs from the text first
        (see :mod:`topicmf.text.clean`).
    junk : bool, default=False
        Drop junk tokens (:func:`is_junk`).
    foreign : tuple of frozenset, default=()
        The stopwords of the corpus's minority languages (those not in ``stopwords``): a
        document written in one of them loses its stopwords too (:meth:`without_foreign`).

    Examples
    --------
    >>> Tokenizer(stopwords=frozenset({"the"})).words("The cat sat on 3 mats, e-mail me@x.org")
    ['cat', 'sat', 'on', 'mats', 'mail']
    """

    stopwords: frozenset = frozenset()
    stem: str | None = None
    ngrams: int = 1
    min_length: int = 2
    keep_numbers: bool = False
    strip_urls: bool = True
    cleaner: Cleaner | None = None
    junk: bool = False
    foreign: tuple = ()
    _state: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.ngrams, int) or not 1 <= self.ngrams <= 3:
            raise TopicmfError(f"ngrams must be 1, 2 or 3; got {self.ngrams!r}")
        if not isinstance(self.min_length, int) or self.min_length < 1:
            raise TopicmfError(f"The minimum token length must be a positive integer; got {self.min_length!r}")
        if self.stem is not None and self.stem not in STEMMER_LANGUAGES:
            raise TopicmfError(
                f"No Snowball stemmer for {self.stem!r}; choose one of: {', '.join(STEMMER_LANGUAGES)}"
            )
        object.__setattr__(self, "stopwords", frozenset(fold(w.lower()) for w in self.stopwords))

    # The compiled pattern, the stemmer and the type cache are rebuilt lazily in each process.
    def __getstate__(self):
        state = self.__dict__.copy()
        state["_state"] = {}
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)

    def _parts(self):
        st = self._state
        if not st:
            st["pattern"] = re.compile(r"[^\W_]{%d,}" % self.min_length)
            # the same tokens for ASCII text (after lowercasing), found about 20% faster
            st["ascii"] = re.compile(r"[a-z0-9]{%d,}" % self.min_length)
            if self.stem is not None:
                from nltk.stem.snowball import SnowballStemmer

                st["stemmer"] = SnowballStemmer(self.stem).stem
            else:
                st["stemmer"] = None
            st["cache"] = {}
            st["junk"] = set()  # raw tokens dropped as junk (for the cleaning statistics)
        return st

    def _prepare(self, text: str, cleaned: bool = False) -> str:
        if self.cleaner is not None and not cleaned:
            text = self.cleaner(text)
        if not text.isascii():
            text = unicodedata.normalize("NFC", text)
        if self.strip_urls:
            text = strip_addresses(text)
        return text.lower()

    def _entry(self, raw: str, st: dict):
        """(term key, surface form) of a raw lowercase token, or None if dropped."""
        entry = st["cache"].get(raw, _MISSING)
        if entry is _MISSING:
            word = fold(raw)
            if (not self.keep_numbers and word.isnumeric()) or word in self.stopwords:
                entry = None
            elif self.junk and is_junk(word):
                entry = None
                st["junk"].add(raw)
            else:
                stemmer = st["stemmer"]
                entry = (stemmer(word) if stemmer else word, word)
            cache = st["cache"]
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[raw] = entry
        return entry

    def raw_tokens(self, text: str, *, cleaned: bool = False) -> list[str]:
        """Raw lowercase tokens of ``text`` in order, before any filtering.

        ``cleaned``: the text has been through :attr:`cleaner` already.
        """
        text = self._prepare(text, cleaned)
        st = self._parts()
        return (st["ascii"] if text.isascii() else st["pattern"]).findall(text)

    def without_foreign(self, raws: list[str]) -> list[str]:
        """A document's raw tokens without the stopwords of the minority language it is written in, if any.

        A document is in a minority language when it holds at least :data:`FOREIGN_HITS` distinct stopwords
        of that language's list beyond the corpus's own, and more than of the corpus's own list (every list tied
        at the top counts); other documents are returned as they are."""
        if not self.foreign or len(raws) < FOREIGN_HITS:
            return raws
        types = set(raws)
        hits = [len(types & words) for words in self.foreign]
        top = max(hits)
        if top < max(FOREIGN_HITS, len(types & self.stopwords) + 1):
            return raws
        drop = frozenset().union(*(words for words, n in zip(self.foreign, hits) if n == top))
        return [raw for raw in raws if raw not in drop]

    def token_types(self, text: str, *, cleaned: bool = False) -> Counter:
        """Raw lowercase tokens of ``text`` with their counts, before any filtering."""
        return Counter(self.raw_tokens(text, cleaned=cleaned))

    def resolve(self, raw: str) -> tuple[str, str] | None:
        """``(term key, surface form)`` of a raw token from :meth:`token_types`, or None if dropped."""
        return self._entry(raw, self._parts())

    def resolve_all(self, raws: list[str]) -> list[tuple[str, str] | None]:
        """:meth:`resolve` for many raw tokens at once."""
        st = self._parts()
        get = st["cache"].get
        out = [get(raw, _MISSING) for raw in raws]
        if _MISSING in out:
            out = [self._entry(raw, st) if e is _MISSING else e for e, raw in zip(out, raws)]
        return out

    def words(self, text: str) -> list[str]:
        """The kept tokens of ``text`` in order, as surface forms (before stemming)."""
        st = self._parts()
        out = []
        for raw in self.without_foreign(st["pattern"].findall(self._prepare(text))):
            entry = self._entry(raw, st)
            if entry is not None:
                out.append(entry[1])
        return out

    def key(self, word: str) -> str | None:
        """The term key of one word (its stem when stemming), or None if it is dropped."""
        st = self._parts()
        entry = self._entry(word.lower(), st)
        return None if entry is None else entry[0]

    def unigrams(self, text: str, *, cleaned: bool = False) -> list[str]:
        """The keys of the kept tokens of ``text``, in order (no n-grams)."""
        st = self._parts()
        found = self.without_foreign(st["pattern"].findall(self._prepare(text, cleaned)))
        return [e[0] for e in map(lambda r: self._entry(r, st), found) if e]

    def terms(self, text: str) -> list[str]:
        """The terms of ``text``: keys of the kept tokens in order, then its n-grams."""
        keys = self.unigrams(text)
        return keys + [g for n in range(2, self.ngrams + 1) for g in _ngrams(keys, n)]

    def count(self, text: str, surfaces: Counter | None = None, *, cleaned: bool = False,
              junk: Counter | None = None, sequence: list | None = None) -> tuple[dict[str, int], int]:
        """Count the terms of ``text``.

        Returns ``(counts, n_tokens)``: term → count, and the number of kept
        tokens (unigrams).  When ``surfaces`` is given, it is updated with
        ``(key, surface form) → count`` for every kept token; ``junk`` with
        raw token → count for every token dropped as junk; ``sequence`` is
        extended with the keys of the kept tokens in order (with n-grams only).
        """
        st = self._parts()
        found = self.without_foreign(st["pattern"].findall(self._prepare(text, cleaned)))
        if self.ngrams == 1:
            counts: dict[str, int] = {}
            n_tokens = 0
            for raw, c in Counter(found).items():
                entry = self._entry(raw, st)
                if entry is None:
                    if junk is not None and raw in st["junk"]:
                        junk[raw] += c
                    continue
                n_tokens += c
                key = entry[0]
                counts[key] = counts.get(key, 0) + c
                if surfaces is not None:
                    surfaces[entry] += c
            return counts, n_tokens
        entries = [e for e in (self._entry(raw, st) for raw in found) if e is not None]
        if junk is not None and self.junk and len(entries) < len(found):
            dropped = st["junk"]
            junk.update(raw for raw in found if raw in dropped)
        if surfaces is not None:
            surfaces.update(entries)
        keys = [e[0] for e in entries]
        if sequence is not None:
            sequence.extend(keys)
        counts = Counter(keys)
        for n in range(2, self.ngrams + 1):
            counts.update(_ngrams(keys, n))
        return dict(counts), len(keys)


def _ngrams(keys: list[str], n: int):
    return (" ".join(keys[i : i + n]) for i in range(len(keys) - n + 1))
