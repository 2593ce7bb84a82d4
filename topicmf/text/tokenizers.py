"""The tokenizer a corpus's options and language ask for: stopword lists, stemming, cleaning."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from ..errors import TopicmfError, TopicmfWarning
from .clean import TEXT_RULES, Cleaner, parse_clean
from .stopwords import STEMMER_LANGUAGES, STOPWORD_LANGUAGES, builtin_stopwords, fold, minority_stopwords, read_stopword_file
from .tokenize import Tokenizer

if TYPE_CHECKING:
    from .build import TextOptions

__all__ = ["STEM_BY_DEFAULT", "make_tokenizer", "make_cleaner"]

#: Languages stemmed unless --no-stem: every Snowball language but English.  Measured: Russian's inflections
#: split one word into many rare forms (NMI against the rubrics, seeds 0–2: ru_news9 k = 9 0.50–0.56 → 0.57–0.63,
#: lenta_headlines k = 13 0.19–0.20 → 0.23–0.25); German manpages_de k = 8 NPMI 0.125–0.131 → 0.157–0.161, NMI
#: unchanged.  English gains nothing clear (20 Newsgroups 0.585–0.592 → 0.575–0.582, BBC 0.643–0.661 →
#: 0.657–0.671) and reads 1.7× slower stemmed, so it stays unstemmed.
STEM_BY_DEFAULT = tuple(language for language in STEMMER_LANGUAGES if language != "english")


def make_tokenizer(options: TextOptions, language: str | None, found: dict | None = None) -> Tokenizer:
    """The tokenizer for ``options`` once the language is known (None: no language).  ``found``: what detection
    found (:func:`choose_language`): its ``also`` languages lose their stopwords everywhere, its ``minority``
    languages in the documents written in them (:meth:`Tokenizer.without_foreign`)."""
    found = found or {}
    if options.stopwords == "none":
        words: frozenset = frozenset()
    elif options.stopwords is not None:
        words = read_stopword_file(options.stopwords)
    else:
        words = builtin_stopwords(language) if language else frozenset()
        for other in found.get("also", ()):
            words = words | builtin_stopwords(other)
        if language and language not in STOPWORD_LANGUAGES:
            warnings.warn(
                f"topicmf ships no stopword list for {language}; none removed (give one with --stopwords FILE)",
                TopicmfWarning,
                stacklevel=3,
            )
    foreign = minority_stopwords(found.get("minority", ()), words) if options.stopwords is None and language else ()
    words = words | {fold(w.lower()) for w in options.extra_stopwords}
    if options.stem and not language:
        raise TopicmfError("Stemming needs a language: pass --language (e.g. english or russian)")
    stem = options.stem if options.stem is not None else language in STEM_BY_DEFAULT
    return Tokenizer(
        stopwords=words,
        stem=language if stem else None,
        ngrams=options.ngrams,
        min_length=options.min_length,
        keep_numbers=options.keep_numbers,
        strip_urls=options.strip_urls,
        cleaner=make_cleaner(options),
        junk="junk" in parse_clean(options.clean),
        foreign=foreign,
    )


def make_cleaner(options: TextOptions) -> Cleaner | None:
    """The cleaner ``options.clean`` asks for, or None."""
    rules = tuple(r for r in parse_clean(options.clean) if r in TEXT_RULES)
    if not rules:
        return None
    return Cleaner(rules=rules, auto=options.clean == "auto")
