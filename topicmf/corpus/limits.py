"""Bounds on what one document may cost to read: a hostile or broken file is skipped, never fatal.

A corpus is often someone else's folder.  A zip member that inflates to gigabytes, a PDF with
millions of pages, MIME parts nested thousands deep or XML nested past any real document would,
read naively, take the whole run down with it.  Every reader checks these bounds as it goes and
raises :class:`~topicmf.corpus.files.UnreadableFile` with the bound it met, so the file is skipped
and listed like any damaged one.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ReadLimits", "DEFAULT_LIMITS", "too_long"]


@dataclass(frozen=True)
class ReadLimits:
    """The bounds one document is read within.

    Attributes
    ----------
    max_chars : int
        Characters of text per document, and bytes of a file or of a decompressed archive member
        (``--max-document-size``; 64 MB by default: about 30 times the longest novel).
    max_pdf_pages : int
        Pages of a PDF.
    max_mime_depth : int
        Nesting of multipart parts in a mail message.
    max_xml_depth : int
        Nesting of elements in an office document's or e-book's XML.
    """

    max_chars: int = 64 * 2**20
    max_pdf_pages: int = 20_000
    max_mime_depth: int = 64
    max_xml_depth: int = 256  # readers that recurse once a level stay far from Python's limit (1,000)


DEFAULT_LIMITS = ReadLimits()


def too_long(what: str, size: int, limit: int) -> str:
    """The reason given for a document over the ``limit`` of :attr:`ReadLimits.max_chars`."""
    return (f"{what} of {_size(size)} is over the limit of {_size(limit)} a document "
            "(--max-document-size raises it)")


def _size(n: int) -> str:
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"
