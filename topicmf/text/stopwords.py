"""Stopword lists shipped with topicmf (no downloads) and language detection."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

from ..errors import TopicmfError

__all__ = [
    "STOPWORD_LANGUAGES",
    "STEMMER_LANGUAGES",
    "resolve_language",
    "builtin_stopwords",
    "read_stopword_file",
    "detect_language",
    "fold",
]

#: Languages with a stopword list shipped as package data.
STOPWORD_LANGUAGES = ("english", "russian")

#: Languages NLTK's Snowball stemmer knows (it needs no downloaded data).
STEMMER_LANGUAGES = (
    "arabic", "danish", "dutch", "english", "finnish", "french", "german", "hungarian",
    "italian", "norwegian", "portuguese", "romanian", "russian", "spanish", "swedish",
)  # fmt: skip

_ALIASES = {"en": "english", "ru": "russian", "de": "german", "fr": "french", "es": "spanish"}

_FOLD = str.maketrans({"ё": "е"})


def fold(word: str) -> str:
    """Fold spellings that readers treat as one word (Russian ё is written е)."""
    return word.translate(_FOLD) if "ё" in word else word


def resolve_language(name: str) -> str:
    """Return the canonical language name for ``name`` ("auto" and "none" pass through).

    Raises TopicmfError for a language topicmf knows neither stopwords nor a stemmer for.
    """
    name = _ALIASES.get(name.lower().strip(), name.lower().strip())
    if name in ("auto", "none") or name in STEMMER_LANGUAGES:
        return name
    raise TopicmfError(
        f"Unknown language {name!r}; choose auto, none or one of: {', '.join(STEMMER_LANGUAGES)}"
    )


@lru_cache(maxsize=None)
def builtin_stopwords(language: str) -> frozenset[str]:
    """The shipped stopword list of ``language`` (empty for languages without one)."""
    if language not in STOPWORD_LANGUAGES:
        return frozenset()
    text = resources.files(__package__).joinpath(f"data/{language}.txt").read_text(encoding="utf-8")
    return frozenset(_parse_words(text))


def _parse_words(text: str) -> Iterable[str]:
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        for word in re.split(r"[\s,]+", line):
            if word:
                yield fold(word.lower())


def read_stopword_file(path: str) -> frozenset[str]:
    """Read a user's stopword file: words separated by newlines, spaces or commas; # starts a comment."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return frozenset(_parse_words(fh.read()))
    except OSError as exc:
        raise TopicmfError(f"Cannot read the stopword file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise TopicmfError(f"The stopword file {path} is not UTF-8 text") from None


_WORD = re.compile(r"[^\W\d_]+")


def detect_language(texts: Iterable[str], *, threshold: float = 0.05) -> tuple[str | None, dict[str, float]]:
    """Pick the language whose shipped stopwords cover the largest share of the tokens.

    Returns ``(language, shares)``; language is None when no list covers at
    least ``threshold`` of the tokens (the text is in a language without a
    shipped list, or is not prose).
    """
    hits = dict.fromkeys(STOPWORD_LANGUAGES, 0)
    total = 0
    lists = {lang: builtin_stopwords(lang) for lang in STOPWORD_LANGUAGES}
    for text in texts:
        for word in _WORD.findall(text.lower()):
            total += 1
            word = fold(word)
            for lang, words in lists.items():
                if word in words:
                    hits[lang] += 1
    shares = {lang: (hits[lang] / total if total else 0.0) for lang in STOPWORD_LANGUAGES}
    best = max(shares, key=shares.get)
    return (best if shares[best] >= threshold else None), shares
