"""The text of office documents, e-books, PDFs and e-mail: one function per format, bytes in, text out.

DOCX, ODT and EPUB are zip files of XML and are read with the standard library; RTF is parsed
here; e-mail (``.eml``, and each message of an ``.mbox``) with the standard library's ``email``
package.  PDFs need ``pypdfium2`` (``pip install 'topicmf[pdf]'``: PDFium, the engine of
Chromium's viewer, with wheels for every platform, Apache-2.0/BSD-3-Clause; about ten times the
pages per second of ``pypdf``, see benchmarks/bench_readers.py).  Every failure is an
:class:`~topicmf.corpus.files.UnreadableFile` with a reason, so a corrupt, encrypted or
truncated file is skipped and listed, never fatal, and so is a file past one of the bounds of
:mod:`~topicmf.corpus.limits` (a decompression bomb, a PDF of millions of pages, MIME or XML nested
thousands deep): each reader takes a :class:`~topicmf.corpus.limits.ReadLimits`.
"""

from __future__ import annotations

import email
import email.policy
import posixpath
import re
import zipfile
import zlib
from io import BytesIO
from xml.etree import ElementTree

from .decoding import UnreadableFile, decode_bytes
from .files import html_to_text
from .limits import DEFAULT_LIMITS, ReadLimits, too_long

__all__ = ["DOCUMENT_READERS", "read_docx", "read_odt", "read_epub", "read_rtf", "read_pdf", "read_eml",
           "message_text", "PDF_INSTALL"]

PDF_INSTALL = "pip install 'topicmf[pdf]'"

_HEAD = re.compile(r"<head\b.*?</head\s*>", re.I | re.S)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _zip(data: bytes, what: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile:
        raise UnreadableFile(f"not a readable {what} (damaged or truncated zip)") from None


def _member(archive: zipfile.ZipFile, name: str, what: str, limits: ReadLimits) -> bytes:
    """An archive member's bytes, never more than ``limits.max_chars`` of them decompressed."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise UnreadableFile(f"not a {what}: no {name}") from None
    if info.file_size > limits.max_chars:
        raise UnreadableFile(too_long(f"{name} decompressed", info.file_size, limits.max_chars))
    try:
        with archive.open(info) as member:  # zipfile stops at the declared size and checks the CRC there
            data = member.read(limits.max_chars + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError) as exc:
        # RuntimeError: an encrypted member; NotImplementedError: a compression zipfile does not know
        raise UnreadableFile(f"damaged {what} ({type(exc).__name__}: {exc})") from None
    if len(data) > limits.max_chars:
        raise UnreadableFile(too_long(f"{name} decompressed", len(data), limits.max_chars))
    return data


def _xml(archive: zipfile.ZipFile, name: str, what: str, limits: ReadLimits) -> ElementTree.Element:
    """A member parsed as XML, refused past ``limits.max_xml_depth`` levels of nesting.

    Expat refuses entity expansion bombs (billion laughs) itself, and ElementTree resolves no
    external entity, so nothing outside the file is read.
    """
    data = _member(archive, name, what, limits)
    parser = ElementTree.XMLPullParser(events=("start", "end"))
    depth, root, step = 0, None, 1 << 20
    try:
        for at in range(0, max(len(data), 1), step):
            parser.feed(data[at : at + step])
            for event, element in parser.read_events():
                if event == "start":
                    depth += 1
                    root = element if root is None else root
                    if depth > limits.max_xml_depth:
                        raise UnreadableFile(f"{name} nests its elements over {limits.max_xml_depth} levels deep")
                else:
                    depth -= 1
        parser.close()
    except ElementTree.ParseError as exc:
        raise UnreadableFile(f"damaged {what} (ParseError: {exc})") from None
    if root is None:
        raise UnreadableFile(f"damaged {what}: {name} is empty")
    return root


def read_docx(data: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> str:
    """Body text of a Word document: paragraphs in order, tables' cells included, one line each."""
    root = _xml(_zip(data, "Word document"), "word/document.xml", "Word document", limits)
    lines = []
    for paragraph in root.iter(f"{_W}p"):
        parts = []
        for node in paragraph.iter():
            if node.tag == f"{_W}t" and node.text:
                parts.append(node.text)
            elif node.tag in (f"{_W}tab", f"{_W}br", f"{_W}cr"):
                parts.append(" " if node.tag == f"{_W}tab" else "\n")
        lines.append("".join(parts))
    return "\n".join(lines)


def _odf_text(node, out: list) -> None:
    if node.text:
        out.append(node.text)
    for child in node:
        tag = child.tag
        if tag == f"{_TEXT}s":
            out.append(" " * int(child.get(f"{_TEXT}c", "1")))
        elif tag == f"{_TEXT}tab":
            out.append("\t")
        elif tag == f"{_TEXT}line-break":
            out.append("\n")
        elif tag == f"{_TEXT}note":  # footnotes: their text, apart
            out.append(" ")
            _odf_text(child, out)
            out.append(" ")
        else:
            _odf_text(child, out)
        if tag in (f"{_TEXT}p", f"{_TEXT}h"):
            out.append("\n")
        if child.tail:
            out.append(child.tail)


def read_odt(data: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> str:
    """Body text of an OpenDocument text: headings, paragraphs, lists and tables' cells, in order."""
    # _odf_text recurses once a level: the depth bound keeps it far from Python's recursion limit
    root = _xml(_zip(data, "OpenDocument text"), "content.xml", "OpenDocument text", limits)
    body = root.find(f"{_OFFICE}body")
    if body is None:
        raise UnreadableFile("not an OpenDocument text: content.xml has no body")
    out: list[str] = []
    _odf_text(body, out)
    return "".join(out)


def read_epub(data: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> str:
    """The chapters of an EPUB in reading order (its spine), as text."""
    archive = _zip(data, "EPUB")
    container = _xml(archive, "META-INF/container.xml", "EPUB", limits)
    rootfile = next((e.get("full-path") for e in container.iter() if e.tag.endswith("rootfile")), None)
    if not rootfile:
        raise UnreadableFile("not an EPUB: no package file named in META-INF/container.xml")
    package = _xml(archive, rootfile, "EPUB", limits)
    base = posixpath.dirname(rootfile)
    manifest = {e.get("id"): e.get("href") for e in package.iter() if e.tag.endswith("}item")}
    chapters = []
    length = 0
    for itemref in (e for e in package.iter() if e.tag.endswith("}itemref")):
        href = manifest.get(itemref.get("idref"))
        if not href:
            continue
        name = posixpath.normpath(posixpath.join(base, href.split("#")[0]))
        if name not in archive.NameToInfo:
            raise UnreadableFile(f"damaged EPUB: the chapter {name} is missing")
        markup = _member(archive, name, "EPUB", limits)
        # a chapter's head holds the book's title again, not its text
        chapters.append(html_to_text(_HEAD.sub("", decode_bytes(markup)[0])))
        length += len(chapters[-1])
        if length > limits.max_chars:
            raise UnreadableFile(too_long("the text of its chapters", length, limits.max_chars))
    if not chapters:
        raise UnreadableFile("an EPUB with no chapters in its spine")
    return "\n\n".join(chapters)


# RTF: groups whose text is not shown (font and colour tables, pictures, metadata, fields' codes)
_RTF_HIDDEN = frozenset("""fonttbl colortbl stylesheet info pict object themedata colorschememapping
    datastore latentstyles listtable listoverridetable rsidtbl generator xmlnstbl mmathPr header footer
    headerl headerr footerl footerr fldinst private""".split())
_RTF_TOKEN = re.compile(r"\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|([^\\{}\r\n]+)|[\r\n]+", re.S)
_RTF_BREAKS = {"par": "\n", "line": "\n", "sect": "\n", "page": "\n", "row": "\n", "cell": "\t", "tab": "\t",
               "emdash": "—", "endash": "–", "bullet": "•", "lquote": "‘", "rquote": "’", "ldblquote": "“",
               "rdblquote": "”", "emspace": " ", "enspace": " ", "qmspace": " "}


def read_rtf(data: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> str:
    """The visible text of an RTF document (``\\'hh`` bytes in its code page, ``\\u`` characters)."""
    text = data.decode("latin-1")
    if not text.lstrip().startswith("{\\rtf"):
        raise UnreadableFile("not an RTF document (no {\\rtf header)")
    codepage = "cp1252"
    found = re.search(r"\\ansicpg(\d+)", text[:2000])
    if found:
        codepage = f"cp{found.group(1)}"
    out: list[str] = []
    raw = bytearray()  # \'hh bytes, decoded together (a multi-byte code page splits characters)
    stack = []  # (hidden, skip after \u) of the enclosing groups
    hidden, uc, skip = False, 1, 0

    def flush():
        if raw:
            try:
                out.append(raw.decode(codepage, errors="replace"))
            except LookupError:
                out.append(raw.decode("cp1252", errors="replace"))
            raw.clear()

    for word, arg, hexbyte, symbol, brace, plain in (m.groups() for m in _RTF_TOKEN.finditer(text)):
        if skip and (plain or hexbyte or symbol or word):  # the fallback characters after \uN
            if plain and len(plain) > skip:
                plain, skip = plain[skip:], 0
            else:
                skip -= len(plain) if plain else 1
                continue
        if brace == "{":
            flush()
            stack.append((hidden, uc))
        elif brace == "}":
            flush()
            hidden, uc = stack.pop() if stack else (False, 1)
        elif hexbyte:
            if not hidden:
                raw.append(int(hexbyte, 16))
        elif word:
            flush()
            if word in _RTF_HIDDEN:
                hidden = True
            elif word == "uc" and arg:
                uc = int(arg)
            elif word == "u" and arg:
                if not hidden:
                    out.append(chr(int(arg) % 65536))
                skip = uc
            elif not hidden and word in _RTF_BREAKS:
                out.append(_RTF_BREAKS[word])
        elif symbol:
            flush()
            if symbol == "*":
                hidden = True  # {\* ...}: a destination a reader may ignore
            elif not hidden and symbol in "\\{}":
                out.append(symbol)
            elif not hidden and symbol == "~":
                out.append(" ")
        elif plain and not hidden:
            flush()
            out.append(plain)
    flush()
    text = "".join(out)
    # \uN gives UTF-16 code units: join the surrogate pairs of characters beyond U+FFFF (lone ones stay)
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass") if not text.isascii() \
        else text


def _rejoin(page: str) -> str:
    """A PDF page's lines as prose: words split at a line end by a hyphen rejoined."""
    page = page.replace("\r\n", "\n").replace("\r", "\n")
    page = re.sub(r"\ufffe\s*\n?", "", page)  # PDFium marks a hyphen it found at a line end with U+FFFE
    page = page.replace("\x02", "")  # and, in some files, with STX
    return re.sub(r"(\w)-\n(?=[a-zà-ÿа-я])", r"\1", page)


def read_pdf(path: str, limits: ReadLimits = DEFAULT_LIMITS) -> str:
    """The text layer of a PDF, pages in order; pages without text are left out.

    Raises UnreadableFile when pypdfium2 is missing (naming the install), when the file is
    encrypted, damaged or truncated, when it has more pages than ``limits.max_pdf_pages`` or more
    text than ``limits.max_chars``, and when no page has text (a scan).
    """
    try:
        import pypdfium2 as pdfium
    except ImportError:
        raise UnreadableFile(f"reading PDFs needs pypdfium2: {PDF_INSTALL}") from None
    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        reason = str(exc).lower()
        if "password" in reason:
            raise UnreadableFile("encrypted PDF (a password is needed)") from None
        raise UnreadableFile(f"damaged or truncated PDF ({_pdfium_reason(exc)})") from None
    try:
        n_pages = len(document)
        if n_pages > limits.max_pdf_pages:
            raise UnreadableFile(f"a PDF of {n_pages:,} pages, over the limit of {limits.max_pdf_pages:,}")
        pages = []
        length = 0
        for n in range(n_pages):
            page = document[n]
            textpage = page.get_textpage()
            pages.append(_rejoin(textpage.get_text_range()))
            textpage.close()
            page.close()
            length += len(pages[-1])
            if length > limits.max_chars:
                raise UnreadableFile(too_long(f"the text of its first {n + 1} pages", length, limits.max_chars))
    except pdfium.PdfiumError as exc:
        raise UnreadableFile(f"damaged PDF ({_pdfium_reason(exc)})") from None
    finally:
        document.close()
    if not any(p.strip() for p in pages):
        raise UnreadableFile(f"no text layer in its {len(pages)} page(s) (a scan? run OCR first)")
    return "\n\n".join(p for p in pages if p.strip())


def _pdfium_reason(exc) -> str:
    """PDFium's reason, unless it has none: it says "Success" for a page tree it could not load."""
    reason = str(exc).strip()
    return "PDFium could not load its pages" if not reason or reason.endswith("Success") else reason


def message_text(message, limits: ReadLimits = DEFAULT_LIMITS) -> str:
    """A mail message as a document: its Subject line, then its text (plain parts, else HTML), no attachments.

    A message whose parts nest deeper than ``limits.max_mime_depth`` is refused (UnreadableFile).
    """
    _check_nesting(message, limits.max_mime_depth)
    subject = str(message.get("Subject", "") or "").strip()
    parts = []
    html = []
    for part in message.walk() if message.is_multipart() else [message]:
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind not in ("text/plain", "text/html"):
            continue
        try:
            body = part.get_content()
        except (LookupError, ValueError, AssertionError):  # an unknown charset or a broken encoding
            payload = part.get_payload(decode=True) or b""
            body = decode_bytes(payload)[0] if b"\x00" not in payload else ""
        (parts if kind == "text/plain" else html).append(body)
    body = "\n".join(parts) if parts else "\n".join(html_to_text(h) for h in html)
    return (f"Subject: {subject}\n\n" if subject else "") + body


def _check_nesting(message, limit: int) -> None:
    """Refuse a message whose multipart parts nest over ``limit`` levels (walked without recursion)."""
    stack = [(message, 1)]
    while stack:
        part, depth = stack.pop()
        if depth > limit:
            raise UnreadableFile(f"mail parts nested over {limit} levels deep")
        if part.is_multipart():
            stack.extend((child, depth + 1) for child in part.get_payload())


#: Multipart parts a message may declare: the standard library's parser recurses once a level and
#: slows down with the square of the depth, so a message of thousands is refused before it is parsed.
MAX_MULTIPART = 1_000


def parse_message(data: bytes):
    """A mail message parsed from its bytes; UnreadableFile when it declares over :data:`MAX_MULTIPART`
    multipart parts or its parts nest too deep to parse at all."""
    declared = data.count(b"multipart/") + data.count(b"Multipart/") + data.count(b"MULTIPART/")
    if declared > MAX_MULTIPART:
        raise UnreadableFile(f"mail of {declared:,} multipart parts, over the limit of {MAX_MULTIPART:,}")
    try:
        return email.message_from_bytes(data, policy=email.policy.default)
    except RecursionError:  # the standard library's parser recurses once a level of multipart
        raise UnreadableFile("mail parts nested too deep to parse (thousands of levels)") from None


def read_eml(data: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> str:
    return message_text(parse_message(data), limits)


#: File ending → reader of the file's bytes (PDFs are read from their path by PDFium).
DOCUMENT_READERS = {".docx": read_docx, ".odt": read_odt, ".epub": read_epub, ".rtf": read_rtf, ".eml": read_eml}
