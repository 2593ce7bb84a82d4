"""Documents stored as files: the sorted directory walk, decoding and HTML text."""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

from .decoding import UnreadableFile, decode_bytes, long_text, visible_text
from .limits import too_long

__all__ = [
    "TEXT_EXTENSIONS",
    "DOCUMENT_EXTENSIONS",
    "MAILBOX_EXTENSIONS",
    "read_file_bytes",
    "FileRef",
    "UnreadableFile",
    "walk_documents",
    "visible_name",
    "read_document_file",
    "decode_bytes",
    "html_to_text",
]

#: File endings read as documents from a directory tree (case-insensitive).
TEXT_EXTENSIONS = (".txt", ".md", ".html", ".htm")
#: Mail archives: every message is a document.
MAILBOX_EXTENSIONS = (".mbox",)
#: Every file ending read from a directory tree: text, office documents, e-books, PDFs, mail.
DOCUMENT_EXTENSIONS = TEXT_EXTENSIONS + (".pdf", ".docx", ".odt", ".epub", ".rtf", ".eml") + MAILBOX_EXTENSIONS
_HTML_EXTENSIONS = (".html", ".htm")

#: Label given to documents that sit at the top of a folder whose other
#: documents are in label sub-folders.
UNLABELLED = "(unlabelled)"


class FileRef(NamedTuple):
    """One document file found by the walk."""

    doc_id: str  # path relative to the corpus root, with "/" separators
    label: str | None
    path: str  # absolute path, as given to open()


def walk_documents(root: str | os.PathLike, *, follow_symlinks: bool = False
                   ) -> tuple[list[FileRef], list[tuple[str, str]]]:
    """Find every document file below ``root`` in a deterministic sorted order.

    Symbolic links that resolve outside ``root`` are skipped and listed
    (``follow_symlinks=True`` reads them): a folder shared by someone else
    must not carry ``/etc/passwd`` into the outputs.  Links inside it are read
    once: a directory already visited (same device and inode) is not entered
    again, so link loops end, real folders are walked before linked ones (a
    folder reachable both ways keeps its real path), and a file link whose
    target is found under its real name (or through an earlier link) is left
    out.  Hidden files and folders (names starting with ".") are ignored.
    A name that is not valid UTF-8 keeps its bytes as a visible ``\\xff``
    escape in the document's id and label (:func:`visible_name`).

    Returns
    -------
    refs : list of FileRef
        Sorted by document id.  Labels are the first sub-folder name when any
        document sits in a sub-folder, else None.
    skipped : list of (doc_id, reason)
        Entries with a document ending that are not readable regular files,
        and links leading out of the corpus.
    """
    root = os.path.abspath(os.fspath(root))
    real_root = os.path.realpath(root)
    found: list[tuple[str, str, str | None]] = []  # (relative id, absolute path, a file link's real target)
    skipped: list[tuple[str, str]] = []
    seen_dirs: set[tuple[int, int]] = set()
    # Real folders are walked first, so a folder also reachable through a
    # symbolic link keeps its real path as the id; linked folders come after.
    stack = [root]
    linked: list[str] = []
    while stack or linked:
        folder = stack.pop() if stack else linked.pop(0)
        try:
            info = os.stat(folder)
        except OSError:
            continue
        key = (info.st_dev, info.st_ino)
        if key in seen_dirs:
            continue  # a symlink loop or a second link to the same folder
        seen_dirs.add(key)
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda e: e.name)
            subfolders: list[str] = []
        except OSError as exc:
            skipped.append((_relative(folder, root) + "/", f"cannot list folder: {exc.strerror}"))
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            wanted = name.lower().endswith(DOCUMENT_EXTENSIONS)
            try:
                # DirEntry answers from the directory listing unless the entry is a symlink
                link = entry.is_symlink()
                is_dir = entry.is_dir()
                is_file = not is_dir and entry.is_file()
                if not (is_dir or is_file) and link:
                    os.stat(entry.path)  # raises for a broken link
            except OSError:
                if wanted:
                    skipped.append((_relative(entry.path, root), "broken symbolic link or vanished file"))
                continue
            if link and (is_dir or (is_file and wanted)) and not follow_symlinks:
                target = os.path.realpath(entry.path)
                if not _inside(target, real_root):
                    skipped.append((_relative(entry.path, root) + ("/" if is_dir else ""),
                                    "a symbolic link to outside the corpus (--follow-symlinks reads it)"))
                    continue
            if is_dir:
                (linked if link else subfolders).append(entry.path)
            elif wanted:
                if not is_file:
                    skipped.append((_relative(entry.path, root), "not a regular file"))
                else:
                    found.append((_relative(entry.path, root), entry.path, os.path.realpath(entry.path) if link else None))
        stack.extend(reversed(subfolders))
    found.sort()
    kept = [(visible_name(doc_id), path) for doc_id, path, _ in found]
    if any(target for _, _, target in found):  # a link to a file read under another name is left out
        # compared by real path: a file read only through a linked folder keeps the link's path, so a file link
        # to it is read a second time (rare; an inode per file of a million-file corpus would cost ~150 MB)
        read = {os.path.join(real_root, doc_id) for doc_id, _, target in found if target is None}
        kept = []
        for doc_id, path, target in found:
            if target is not None:
                if target in read:
                    continue
                read.add(target)
            kept.append((visible_name(doc_id), path))
    nested = any("/" in doc_id for doc_id, _ in kept)
    refs = [
        FileRef(doc_id, (doc_id.split("/", 1)[0] if "/" in doc_id else UNLABELLED) if nested else None, path)
        for doc_id, path in kept
    ]
    skipped = sorted((visible_name(doc_id), reason) for doc_id, reason in skipped)
    return refs, skipped


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def visible_name(name: str) -> str:
    """A file name as text every output can hold: bytes that are not UTF-8 (kept by Python as lone
    surrogates) shown as ``\\xff`` escapes, so ``bad\\xff.txt`` is the same id in every file and on the page."""
    return visible_text(name)


def _relative(path: str, root: str) -> str:
    cut = len(root) + 1
    if path[cut - 1 : cut] == os.sep and path.startswith(root):  # the usual case, without relpath's cost
        return path[cut:] if os.sep == "/" else path[cut:].replace(os.sep, "/")
    return Path(os.path.relpath(path, root)).as_posix()


def read_document_file(path: str, max_bytes: int | None = None) -> tuple[str, str | None]:
    """Read one document file and return ``(text, fallback_encoding)``.

    ``fallback_encoding`` is None for UTF-8 (with or without BOM) and UTF-16
    with a BOM; otherwise it names the encoding used (see :func:`decode_bytes`).
    HTML files are reduced to their visible text.

    Raises
    ------
    UnreadableFile
        With the reason: permission denied, binary content, larger than
        ``max_bytes``...
    """
    html = path.lower().endswith(_HTML_EXTENSIONS)
    if not html:
        try:
            size = os.path.getsize(path)
        except OSError:
            size = 0
        if size > STREAM_BYTES and (max_bytes is None or size <= max_bytes):
            return long_text(path, size)
    text, encoding = decode_bytes(read_file_bytes(path, max_bytes))
    if html:
        text = html_to_text(text)
    return text, encoding


#: A plain text file larger than this is not read whole: it is checked for its encoding in one pass and
#: read in pieces in another (:class:`~topicmf.corpus.decoding.LongText`): a huge file costs blocks, not its text.
STREAM_BYTES = 8 << 20


def read_file_bytes(path: str, max_bytes: int | None = None) -> bytes:
    """The whole file; UnreadableFile (with the reason) when it cannot be read or has over ``max_bytes``."""
    try:
        return _read_bytes(path, max_bytes)
    except PermissionError:
        raise UnreadableFile("permission denied") from None
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from None


def _read_bytes(path: str, max_bytes: int | None) -> bytes:
    """The whole file, read with unbuffered system calls (faster than open() for small files)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        parts, size = [], 0
        while block := os.read(fd, 1 << 20):
            parts.append(block)
            size += len(block)
            if max_bytes is not None and size > max_bytes:  # counted as read: a file that grows is caught too
                raise UnreadableFile(too_long("a file", max(size, os.fstat(fd).st_size), max_bytes))
    finally:
        os.close(fd)
    return parts[0] if len(parts) == 1 else b"".join(parts)


# Tags whose content is never shown, and tags that break a line of text.
_INVISIBLE = frozenset({"script", "style", "template", "noscript", "svg", "math"})
_BLOCK = frozenset(
    """address article aside blockquote br dd details dialog div dl dt fieldset figcaption figure
    footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td
    tfoot th thead title tr ul option caption""".split()
)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0  # depth inside invisible elements

    def handle_starttag(self, tag, attrs):
        if tag in _INVISIBLE:
            self.hidden += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _INVISIBLE:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Return the visible text of an HTML document.

    Tags, comments, ``<script>``, ``<style>`` (and other never-shown elements)
    are removed, character references decoded, and block-level elements
    separated by line breaks so words on either side do not merge.
    """
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)
