"""Which language a corpus is in: a sample spread over the corpus, judged document by document.

The choice decides the stopword lists (the language's and those of other languages found in a
few of the documents) and the default stemming; what was found goes into the matrix's ``info``
(``languages``) and from there into the manifest and ``topicmf vocab --json``.
"""

from __future__ import annotations

import logging
import warnings

from ..corpus import TextCorpus, UnreadableFile, load_text
from ..errors import TopicmfNotice, TopicmfWarning
from .stopwords import UNSEGMENTED, detect_languages

__all__ = ["choose_language", "say_language"]

log = logging.getLogger(__name__)

_SAMPLE_DOCS = 200
_SAMPLE_SPAN = 20_000  # documents listed to spread the language sample over
_SAMPLE_CHARS = 400_000
_SHORT_SAMPLE_DOCS = 1_000  # when most of the sample is too short to judge: more documents, to find minorities


def _sample_texts(corpus: TextCorpus, n_docs: int = _SAMPLE_DOCS):
    """Up to ``n_docs`` documents, each cut to its share of :data:`_SAMPLE_CHARS` characters: in a
    folder, spread over its first :data:`_SAMPLE_SPAN` files (so that a folder per language is seen); in a
    table or a mail archive, spread over the whole file (:meth:`TextCorpus.sample`)."""
    per_text = max(2_000, _SAMPLE_CHARS // _SAMPLE_DOCS)
    for ref in corpus.sample(n_docs, _SAMPLE_SPAN):
        try:
            text = load_text(ref)[0]
        except UnreadableFile:
            continue
        yield text[:per_text]


def choose_language(corpus: TextCorpus, options) -> tuple[str | None, dict]:
    """(language, what detection found): the one asked for, or the commonest in a sample of the corpus.

    The report holds each list's share of the sample's words (``shares``), each language's share of the
    sample's documents, the other languages whose stopwords are removed too (``also``) and whether the
    corpus mixes languages (``mixed``); it is empty when the language was given.
    """
    if options.language == "none":
        return None, {}
    if options.language != "auto":
        return options.language, {}
    found = detect_languages(_sample_texts(corpus))
    if found["judged"] < found["texts"] / 2:  # mostly short texts: a larger sample finds the languages of a few
        found = detect_languages(_sample_texts(corpus, _SHORT_SAMPLE_DOCS))
    report = {"shares": {k: round(v, 4) for k, v in sorted(found["shares"].items(), key=lambda kv: -kv[1])[:8]},
              "documents": {k: round(v, 4) for k, v in found["documents"].items()}, "judged": found["judged"],
              "sampled": found["texts"], "also": found["also"], "mixed": found["mixed"], "minority": found["minority"]}
    return found["language"], report


def say_language(options, language: str | None, report: dict) -> None:
    """Warn when automatic detection found no language, or a mix of languages (log the one it found)."""
    if options.language != "auto":
        return
    if language is None:
        warnings.warn(
            "Could not recognise the language (no stopword list covers 5% of the words); no list applied: "
            "words spread evenly over most documents are removed as stopwords instead. Pass --language to choose one.",
            TopicmfWarning,
            stacklevel=3,
        )
        return
    if report.get("mixed"):
        parts = ", ".join(f"{lang} {share:.0%}" for lang, share in report["documents"].items())
        judged, sampled = report["judged"], report.get("sampled", report["judged"])
        among = f", {sampled - judged} too short to judge" if sampled > judged else ""
        warnings.warn(f"The corpus mixes languages ({parts} of {judged} documents judged, from {sampled} sampled"
                      f"{among}); topics may "
                      f"split by language. Stopwords of {', '.join([language, *report['also']])} are removed.",
                      TopicmfWarning, stacklevel=3)
    if report.get("minority"):
        parts = ", ".join(f"{lang} {share:.0%}" for lang, share in report["minority"].items())
        warnings.warn(f"A few short documents are in another language ({parts} of those sampled): each of them "
                      "loses that language's stopwords", TopicmfNotice, stacklevel=3)
    if language in UNSEGMENTED:
        warnings.warn(f"{language.capitalize()} is written without spaces between words and topicmf has no word "
                      "segmenter: tokens are whole runs of characters, so topics will be poor", TopicmfWarning,
                      stacklevel=3)
    log.info("language detected: %s (%s)", language, report)
