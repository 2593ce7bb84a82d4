"""Stopword lists for 33 languages (no downloads), Snowball stemmers, and language detection.

English and Russian use topicmf's own lists (``data/english.txt``, ``data/russian.txt``); the
other 31 languages use the lists of the `stop-words` package (PyPI ``stop-words``, BSD-3-Clause,
data files only, installed with topicmf; its lists come from several open sources, named in its
repository).  Detection works document by document on a sample: each document's language is
the one whose list covers most of its words (a script decides Chinese, Japanese and Korean), and
the corpus's language is the commonest; a second language that is the language of a few of the
documents is reported, and its stopwords are removed too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

from ..errors import TopicmfError

__all__ = [
    "STOPWORD_LANGUAGES",
    "STEMMER_LANGUAGES",
    "LANGUAGE_CODES",
    "UNSEGMENTED",
    "resolve_language",
    "builtin_stopwords",
    "read_stopword_file",
    "detect_language",
    "detect_languages",
    "minority_stopwords",
    "FOREIGN_HITS",
    "fold",
]

#: Every language with a stopword list, and its ISO 639-1 code.
LANGUAGE_CODES = {
    "arabic": "ar", "bulgarian": "bg", "catalan": "ca", "chinese": "zh", "czech": "cs", "danish": "da",
    "dutch": "nl", "english": "en", "finnish": "fi", "french": "fr", "german": "de", "greek": "el",
    "gujarati": "gu", "hebrew": "he", "hindi": "hi", "hungarian": "hu", "indonesian": "id", "italian": "it",
    "japanese": "ja", "korean": "ko", "malaysian": "ms", "norwegian": "nb", "persian": "fa", "polish": "pl",
    "portuguese": "pt", "romanian": "ro", "russian": "ru", "slovak": "sk", "spanish": "es", "swedish": "sv",
    "turkish": "tr", "ukrainian": "uk", "vietnamese": "vi",
}

#: Languages with a stopword list (topicmf's own, or the stop-words package's).
STOPWORD_LANGUAGES = tuple(sorted(LANGUAGE_CODES))

#: The lists topicmf writes itself (package data); the others come from the stop-words package, with
#: topicmf's additions where a list lacks common function words (``data/additions/<language>.txt``).
OWN_LISTS = ("english", "russian")

#: Languages written without spaces between words: topicmf has no word segmenter for them.
UNSEGMENTED = ("chinese", "japanese")

#: Languages NLTK's Snowball stemmer knows (it needs no downloaded data).
STEMMER_LANGUAGES = (
    "arabic", "danish", "dutch", "english", "finnish", "french", "german", "hungarian",
    "italian", "norwegian", "portuguese", "romanian", "russian", "spanish", "swedish",
)

_ALIASES = {**{code: name for name, code in LANGUAGE_CODES.items()}, "no": "norwegian", "nn": "norwegian",
            "bokmål": "norwegian", "farsi": "persian", "malay": "malaysian"}

_FOLD = str.maketrans({"ё": "е"})


def fold(word: str) -> str:
    """Fold spellings that readers treat as one word (Russian ё is written е)."""
    return word.translate(_FOLD) if "ё" in word else word


def resolve_language(name: str) -> str:
    """Return the canonical language name for ``name`` ("auto" and "none" pass through).

    Raises TopicmfError for a language topicmf knows neither stopwords nor a stemmer for.
    """
    name = _ALIASES.get(name.lower().strip(), name.lower().strip())
    if name in ("auto", "none") or name in STEMMER_LANGUAGES or name in LANGUAGE_CODES:
        return name
    raise TopicmfError(
        f"Unknown language {name!r}; choose auto, none or one of: {', '.join(sorted(set(STOPWORD_LANGUAGES) | set(STEMMER_LANGUAGES)))}"
    )


@lru_cache(maxsize=None)
def builtin_stopwords(language: str) -> frozenset[str]:
    """The stopword list of ``language``, lowercased and folded (empty for languages without one)."""
    if language not in STOPWORD_LANGUAGES:
        return frozenset()
    if language in OWN_LISTS:
        text = resources.files(__package__).joinpath(f"data/{language}.txt").read_text(encoding="utf-8")
        return frozenset(_parse_words(text))
    from stop_words import get_stop_words  # data files only; imported when a list is first needed

    # (some of the package's files quote their words: "אבל", — the quotes and commas are not part of them)
    words = frozenset(fold(w.strip().strip('",\'').strip().lower()) for w in get_stop_words(language, cache=False))
    words -= {""}
    additions = resources.files(__package__).joinpath(f"data/additions/{language}.txt")
    if additions.is_file():  # function words the package's list lacks, written for topicmf
        words |= frozenset(_parse_words(additions.read_text(encoding="utf-8")))
    return words


def _parse_words(text: str) -> Iterable[str]:
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        for word in re.split(r"[\s,]+", line):
            if word:
                yield fold(word.lower())


def minority_stopwords(languages, removed: frozenset) -> tuple[frozenset, ...]:
    """Each minority language's stopwords beyond those ``removed`` already (:meth:`Tokenizer.without_foreign`)."""
    return tuple(words for words in (builtin_stopwords(lang) - removed for lang in languages) if words)


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
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_MIN_WORDS = 20  # words a document needs before its language is judged
_SECOND = 0.02  # share of the judged documents from which a second language counts (at least two documents)
_MIXED = 0.10  # share from which the corpus is reported as mixed
#: Stopwords of another language a short document needs to be judged in it (with 2, English subject lines such
#: as "re: pro …" were judged Czech).
FOREIGN_HITS = 3
_MINORITY = 0.01  # share of the short documents judged from which their language is a minority (two at least)
_MINORITY_WORDS = 8  # different stopwords of a minority language among its documents


def _script_language(text: str) -> str | None:
    """Chinese, Japanese or Korean, when their scripts make up most of the letters; else None."""
    han, kana, hangul = (len(r.findall(text)) for r in (_HAN, _KANA, _HANGUL))
    letters = sum(ch.isalpha() for ch in text)
    if letters == 0 or han + kana + hangul < 0.3 * letters:
        return None
    if hangul >= max(han, kana):
        return "korean"
    return "japanese" if kana >= 0.1 * (han + kana) else "chinese"


@lru_cache(maxsize=1)
def _languages_of_words() -> dict[str, tuple[str, ...]]:
    """Every stopword of the segmented languages → the languages whose list has it (one lookup a word)."""
    index: dict[str, list[str]] = {}
    for lang in STOPWORD_LANGUAGES:
        if lang not in UNSEGMENTED:
            for word in builtin_stopwords(lang):
                index.setdefault(word, []).append(lang)
    return {word: tuple(langs) for word, langs in index.items()}


def _document_language(words: list[str], index: dict, languages, threshold: float) -> tuple[str | None, dict]:
    hits = dict.fromkeys(languages, 0)
    for word in words:
        for lang in index.get(word, ()):
            hits[lang] += 1
    best = max(hits, key=hits.get)
    share = hits[best] / len(words) if words else 0.0
    return (best if share >= threshold else None), hits


def detect_languages(texts: Iterable[str], *, threshold: float = 0.05) -> dict:
    """The language of each text of a sample, and what that says of the corpus.

    Returns a dict: ``language`` (the commonest language of the judged texts, or None),
    ``shares`` (each list's share of all the words), ``documents`` (each language's share of
    the judged texts), ``judged`` and ``texts`` (how many texts had enough words to judge, of
    how many), ``also`` (other languages of at least 2% of the judged texts and two of them: their
    stopwords are removed too), ``mixed`` (a second language has 10% or more) and ``minority``
    (languages of a few of the texts too short to judge on their own: :func:`_minority`).
    """
    index = _languages_of_words()
    lists = [lang for lang in STOPWORD_LANGUAGES if lang not in UNSEGMENTED]
    total_hits = dict.fromkeys(lists, 0)
    total = n_texts = 0
    found: list[str] = []
    short: list[list] = []  # the stopwords of each short text, for the minority languages
    for text in texts:
        n_texts += 1
        script = _script_language(text)
        if script is not None:
            found.append(script)
            continue
        words = [fold(w) for w in _WORD.findall(text.lower())]
        total += len(words)
        language, hits = _document_language(words, index, lists, threshold)
        for lang, n in hits.items():
            total_hits[lang] += n
        if language is not None and len(words) >= _MIN_WORDS:
            found.append(language)
        elif len(words) < _MIN_WORDS:  # its stopwords of two letters or more (single letters are no tokens)
            short.append([w for w in words if len(w) > 1 and w in index])
    shares = {lang: (total_hits[lang] / total if total else 0.0) for lang in lists}
    counts: dict[str, int] = {}
    for lang in found:
        counts[lang] = counts.get(lang, 0) + 1
    order = sorted(counts, key=lambda lang: (-counts[lang], -shares.get(lang, 0.0), lang))
    judged = len(found)
    documents = {lang: counts[lang] / judged for lang in order}
    language = order[0] if order else None
    if language is None and shares and max(shares.values()) >= threshold:  # short texts: judge them together
        language = max(shares, key=shares.get)
    also = [lang for lang in order[1:] if counts[lang] >= 2 and documents[lang] >= _SECOND]
    return {"language": language, "shares": shares, "documents": documents, "judged": judged, "texts": n_texts,
            "also": also, "mixed": any(documents[lang] >= _MIXED for lang in order[1:]),
            "minority": _minority(short, index, language, also)}


def _minority(short: list[list], index: dict, language: str | None, also: list[str]) -> dict[str, float]:
    """Languages of a few short texts: {language: share of the short texts in it}.

    A short text is in another language when it holds at least :data:`FOREIGN_HITS` of that
    language's stopwords and more than of the corpus language's (every language tied at the top
    counts: Spanish and Portuguese share most of theirs).  A language is a minority when at least
    two texts and :data:`_MINORITY` of them are in it, with :data:`_MINORITY_WORDS` different
    stopwords among them — a real language uses many (with fewer, "re: pro …" subject lines were
    Czech); each document in it then loses its stopwords (:meth:`topicmf.text.Tokenizer.without_foreign`)."""
    if language is None or not short:
        return {}
    votes: dict[str, int] = {}
    seen: dict[str, set] = {}
    for words in short:
        hits: dict[str, int] = {}
        for word in words:
            for lang in index[word]:
                hits[lang] = hits.get(lang, 0) + 1
        own = hits.pop(language, 0)
        top = max((n for lang, n in hits.items() if lang not in also), default=0)
        if top >= FOREIGN_HITS and top > own:
            for lang, n in hits.items():
                if n == top and lang not in also:
                    votes[lang] = votes.get(lang, 0) + 1
                    seen.setdefault(lang, set()).update(w for w in words if lang in index[w])
    return {lang: round(n / len(short), 4) for lang, n in sorted(votes.items(), key=lambda kv: -kv[1])
            if n >= 2 and n >= _MINORITY * len(short) and len(seen[lang]) >= _MINORITY_WORDS}


def detect_language(texts: Iterable[str], *, threshold: float = 0.05) -> tuple[str | None, dict[str, float]]:
    """``(language, shares)`` of :func:`detect_languages` (the commonest language, each list's word share)."""
    found = detect_languages(texts, threshold=threshold)
    return found["language"], found["shares"]
