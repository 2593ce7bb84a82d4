"""The ``topicmf`` command line: a thin click layer over the library.

This package holds the group, the options every corpus command shares and
the error handling; the commands live in :mod:`.vocab`, :mod:`.fit` (run,
sweep, merge), :mod:`.explore` (topics, similar, query, report, hierarchy) and
:mod:`.recommend` (recommend, predict, suggest).  The model and rating options
are built from the registries' parameter tables (:mod:`.options`).
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import warnings
from contextlib import contextmanager
from contextvars import ContextVar

import click

from .. import __version__
from ..console import DocFraction, Progress, show_warnings
from ..corpus import DEFAULT_LIMITS
from ..errors import TopicmfError
from ..text import STEMMER_LANGUAGES, STOPWORD_LANGUAGES, DocumentTermMatrix, TextOptions, vectorize
from ..text.stopwords import LANGUAGE_CODES

_LANGUAGES = ("auto", "none", *sorted(set(STOPWORD_LANGUAGES) | set(STEMMER_LANGUAGES)), *sorted(LANGUAGE_CODES.values()))


class _Command(click.Group):
    """The group: whatever a command raises reaches the user as one line (``--debug``: the traceback)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the one place that turns any failure into a message
            if _DEBUG.get():
                raise
            raise click.ClickException(unexpected(exc)) from None


def unexpected(exc: BaseException) -> str:
    """One line for an exception nobody caught: what it is, and how to see more."""
    if isinstance(exc, MemoryError):
        return ("Out of memory: the system refused an allocation. Give topicmf less to hold (--max-terms, a larger "
                "--min-df, fewer --jobs, --max-document-size) or more memory; --memory-limit stops a run early "
                "with what to change")
    if isinstance(exc, OSError) and exc.errno in _SYSTEM_ERRORS:  # the system's condition, not a bug
        where = f" ({os.fsdecode(exc.filename)})" if exc.filename else ""
        return f"{exc.strerror or os.strerror(exc.errno)}{where}: the run stopped and wrote nothing"
    text = " ".join(str(exc).split())
    text = text[:300] + ("…" if len(text) > 300 else "")
    return (f"Unexpected {type(exc).__name__}{': ' + text if text else ''} — a bug in topicmf: rerun as topicmf --debug … "
            "for the traceback, and please report it")


_DEBUG: ContextVar = ContextVar("topicmf_debug", default=False)
#: Errors of the machine rather than of topicmf (a full temporary folder, a file it may not read or write).
_SYSTEM_ERRORS = frozenset({errno.ENOSPC, errno.EACCES, errno.EROFS, errno.EMFILE, getattr(errno, "EDQUOT", -1)})


@click.group(cls=_Command, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="topicmf")
@click.option("-v", "--verbose", count=True, help="Log what the library decides (-vv for more).")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error instead of one line.")
def main(verbose: int, debug: bool) -> None:
    """Topic models by matrix factorization: from a folder of documents to topics; and rating
    matrices to recommendations.

    \b
    Examples:
      topicmf run corpora/demo -k 5
      topicmf topics reports/demo
      topicmf query reports/demo "the rocket reached orbit"
      topicmf sweep corpora/demo --k 3:8
      topicmf vocab corpora/demo --json --stem
      topicmf recommend corpora/ratings_lecture.csv
    """
    _DEBUG.set(debug)
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


class MemorySize(click.ParamType):
    """A memory size: 8G, 512M, 1.5GB or bytes."""

    name = "SIZE"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        from ..resources import parse_size

        try:
            return parse_size(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def corpus_options(command):
    """Reader, tokenizer and pruning options shared by every command that reads a corpus."""
    options = [
        click.option("--min-df", type=DocFraction(), default=None,
                     help="Drop terms in fewer documents: a count (5) or a fraction (0.01) "
                          "(default: 3, or 2 in a corpus of fewer than 500 documents)."),
        click.option("--max-df", type=DocFraction(), default=0.95, show_default=True,
                     help="Drop terms in more documents: a count or a fraction (0.5)."),
        click.option("--max-terms", type=click.IntRange(min=1), default=None,
                     help="Keep at most this many terms, the most frequent."),
        click.option("--language", type=click.Choice(_LANGUAGES, case_sensitive=False), default="auto",
                     show_default=True, metavar="auto|none|LANGUAGE",
                     help="Stopword and stemming language (33 languages: see docs/guide/tokenizing.md); auto "
                          "detects it from a sample of the documents."),
        click.option("--stem/--no-stem", default=None,
                     help="Reduce words to Snowball stems, shown as their commonest form (default: on for the "
                          "languages Snowball has, but English)."),
        click.option("--ngrams", type=click.IntRange(1, 3), default=1, show_default=True,
                     help="2 adds pairs of consecutive words as terms, 3 triples too."),
        click.option("--stopwords", metavar="FILE|none", default=None,
                     help="A stopword file (words by line, space or comma) replacing the shipped list, or 'none'."),
        click.option("--extra-stopwords", metavar="W1,W2", multiple=True,
                     help="More words to drop, comma-separated; may be repeated."),
        click.option("--corpus-stopwords", type=click.Choice(("auto", "on", "off")), default="auto",
                     show_default=True,
                     help="Remove the words spread evenly over most documents, whatever the language; auto: "
                          "unless topicmf's own English or Russian list (or --stopwords) applies."),
        click.option("--min-length", type=click.IntRange(min=1), default=2, show_default=True,
                     help="Shortest token, in characters."),
        click.option("--keep-numbers", is_flag=True, help="Keep tokens made only of digits."),
        click.option("--keep-urls", is_flag=True, help="Keep web and e-mail addresses as words."),
        click.option("--clean", default="auto", show_default=True, metavar="auto|none|RULES",
                     help="Remove mail/news headers (keeping Subject), quoted replies, signatures, encoded blobs "
                          "and junk tokens: auto, none, or a list such as headers,quotes,signatures,blobs,junk."),
        click.option("--text-column", default="text", show_default=True,
                     help="Column (or JSONL field) holding the text of a table corpus."),
        click.option("--id-column", default=None, metavar="COLUMN|none",
                     help="Column holding document ids (default: one named id or doc_id, else the record number)."),
        click.option("--label-column", default=None, metavar="COLUMN|none",
                     help="Column holding document labels (default: one named label, category or class)."),
        click.option("--follow-symlinks", is_flag=True,
                     help="Read files and folders that symbolic links in the corpus folder point to outside it "
                          "(skipped and listed by default)."),
        click.option("--max-document-size", type=MemorySize(), default=DEFAULT_LIMITS.max_chars, show_default="64M",
                     help="Skip (and list) a document with more text than this, or a file or decompressed archive "
                          "member of more bytes."),
        click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, show_default=True,
                     help="Processes for tokenizing; 0 uses every core."),
        click.option("--quiet", "-q", is_flag=True, help="No progress on stderr."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def text_options(params: dict) -> TextOptions:
    """Build TextOptions from the parsed corpus options (removing them from ``params``)."""
    extra = tuple(w.strip() for group in params.pop("extra_stopwords") for w in group.split(",") if w.strip())
    stopwords = params.pop("stopwords")
    return TextOptions(
        text_column=params.pop("text_column"),
        id_column=params.pop("id_column"),
        label_column=params.pop("label_column"),
        language=params.pop("language"),
        stem=params.pop("stem"),
        ngrams=params.pop("ngrams"),
        stopwords="none" if stopwords and stopwords.lower() == "none" else stopwords,
        extra_stopwords=extra,
        min_df=params.pop("min_df"),
        max_df=params.pop("max_df"),
        max_terms=params.pop("max_terms"),
        min_length=params.pop("min_length"),
        keep_numbers=params.pop("keep_numbers"),
        strip_urls=not params.pop("keep_urls"),
        n_jobs=params.pop("jobs") or None,
        clean=params.pop("clean"),
        corpus_stopwords=params.pop("corpus_stopwords"),
        follow_symlinks=params.pop("follow_symlinks"),
        max_document_size=params.pop("max_document_size"),
    )


@contextmanager
def _user_errors():
    """Show warnings on stderr and turn a TopicmfError into a one-line error (exit code 1)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        except TopicmfError as exc:
            show_warnings(caught)
            raise click.ClickException(str(exc)) from None
        except BaseException:
            show_warnings(caught)  # what was said before the failure still counts
            raise
    show_warnings(caught)


def friendly(command):
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        with _user_errors():
            return command(*args, **kwargs)

    return wrapper


def read_matrix(corpus: str, params: dict) -> DocumentTermMatrix:
    """Read and tokenize ``corpus`` with the shared options, showing progress."""
    quiet = params.pop("quiet")
    options = text_options(params)
    with Progress("reading", quiet=quiet) as progress:
        return vectorize(corpus, options, progress=progress, keep_stream=False)



# The commands register themselves on `main`.
from . import explore, fit, recommend, vocab  # noqa: E402,F401
