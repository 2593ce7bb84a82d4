"""Documents of every format the readers take, written by the tests themselves (no fixtures from elsewhere).

Office files, e-books and mail are built with the standard library; PDFs with a small writer of
their own (text in Helvetica, one content stream a page), enough for a text layer, a page with
no text at all (like a scan) and a multi-page file.
"""

from __future__ import annotations

import email.message
import email.utils
import mailbox
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def pdf_bytes(pages: list[list[str]]) -> bytes:
    """A PDF whose page i shows the lines pages[i] (an empty list: a page with only a drawn box, no text)."""
    objects: list[bytes] = []
    n_pages = len(pages)
    font = 3 + 2 * n_pages
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    for i, lines in enumerate(pages):
        if lines:
            body = "BT /F1 11 Tf 14 TL 72 760 Td " + " ".join(f"{_pdf_string(line)} Tj T*" for line in lines) + " ET"
        else:
            body = "0.5 g 72 300 450 400 re f"  # a grey box: what a scanned page without OCR gives
        stream = body.encode("cp1252")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
                       f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode())
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def docx_bytes(paragraphs: list[str], table: list[list[str]] = ()) -> bytes:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    if table:
        rows = "".join("<w:tr>" + "".join(f"<w:tc><w:p><w:r><w:t>{escape(c)}</w:t></w:r></w:p></w:tc>" for c in row)
                       + "</w:tr>" for row in table)
        body += f"<w:tbl>{rows}</w:tbl>"
    document = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{w}"><w:body>{body}</w:body></w:document>'
    return _zip({"[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                 'package/2006/content-types"/>', "word/document.xml": document})


def odt_bytes(heading: str, paragraphs: list[str], table: list[list[str]] = ()) -> bytes:
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"')
    body = f"<text:h>{escape(heading)}</text:h>"
    spaces = '<text:s text:c="2"/>'  # ODF writes a run of spaces as an element
    body += "".join("<text:p>" + escape(p).replace("  ", spaces) + "</text:p>" for p in paragraphs)
    if table:
        body += "<table:table>" + "".join("<table:table-row>" + "".join(
            f"<table:table-cell><text:p>{escape(c)}</text:p></table:table-cell>" for c in row) + "</table:table-row>"
            for row in table) + "</table:table>"
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}><office:body><office:text>'
               f"{body}</office:text></office:body></office:document-content>")
    return _zip({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": content})


def epub_bytes(chapters: list[tuple[str, str]], spine: list[int]) -> bytes:
    """chapters: (file name, text); spine: the reading order as indices into chapters."""
    files = {"mimetype": "application/epub+zip",
             "META-INF/container.xml": '<?xml version="1.0"?><container xmlns="urn:oasis:names:tc:opendocument:'
             'xmlns:container" version="1.0"><rootfiles><rootfile full-path="OEBPS/content.opf" '
             'media-type="application/oebps-package+xml"/></rootfiles></container>'}
    items = "".join(f'<item id="c{i}" href="text/{name}" media-type="application/xhtml+xml"/>'
                    for i, (name, _) in enumerate(chapters))
    refs = "".join(f'<itemref idref="c{i}"/>' for i in spine)
    files["OEBPS/content.opf"] = (f'<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
                                  f"<manifest>{items}</manifest><spine>{refs}</spine></package>")
    for name, text in chapters:
        files[f"OEBPS/text/{name}"] = (f'<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/'
                                       f'xhtml"><head><title>t</title><style>p {{color: red}}</style></head><body>'
                                       f"<p>{escape(text)}</p></body></html>")
    return _zip(files)


def rtf_bytes(paragraphs: list[str]) -> bytes:
    def encode(text: str) -> str:
        out = []
        for ch in text:
            if ch in "\\{}":
                out.append("\\" + ch)
            elif ord(ch) < 128:
                out.append(ch)
            elif ch.encode("cp1252", errors="ignore"):
                out.append(f"\\'{ch.encode('cp1252')[0]:02x}")
            else:
                out.append(f"\\u{ord(ch) if ord(ch) < 32768 else ord(ch) - 65536}?")
        return "".join(out)

    body = "".join(f"{{\\pard {encode(p)}\\par}}\n" for p in paragraphs)
    return ("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Helvetica;}}{\\colortbl;\\red255\\green0\\blue0;}"
            "{\\*\\generator Hidden Writer 1.0;}{\\info{\\title Hidden title}}\n" + body + "}").encode("ascii")


def mail_message(subject: str, body: str, *, message_id: str | None = None, html: str | None = None,
                 attachment: bytes | None = None) -> email.message.EmailMessage:
    message = email.message.EmailMessage()
    message["From"] = "Ann <ann@example.org>"
    message["To"] = "list@example.org"
    message["Subject"] = subject  # non-ASCII subjects are encoded (=?utf-8?...?=) when written
    message["Date"] = email.utils.format_datetime(email.utils.localtime())
    if message_id:
        message["Message-ID"] = message_id
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    if attachment is not None:
        message.add_attachment(attachment, maintype="application", subtype="octet-stream", filename="data.bin")
    return message


def write_mbox(path: Path, messages) -> Path:
    box = mailbox.mbox(str(path))
    for message in messages:
        box.add(message)
    box.flush()
    box.close()
    return path


def _zip(files: dict[str, str | bytes]) -> bytes:
    from io import BytesIO

    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
