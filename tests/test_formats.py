"""Reading PDF, DOCX, ODT, EPUB, RTF, e-mail and mail archives (issue 16), from files the tests write."""

from __future__ import annotations

import io
import sys
import warnings
from importlib.util import find_spec

import pytest

from conftest import snapshot, write_tree
from documents import docx_bytes, epub_bytes, mail_message, odt_bytes, pdf_bytes, rtf_bytes, write_mbox
from topicmf.corpus import open_corpus
from topicmf.corpus.files import UnreadableFile
from topicmf.corpus.formats import read_docx, read_eml, read_epub, read_odt, read_pdf, read_rtf
from topicmf.text import TextOptions, vectorize

HAVE_PDFIUM = find_spec("pypdfium2") is not None
needs_pdfium = pytest.mark.skipif(not HAVE_PDFIUM, reason="pypdfium2 (topicmf[pdf], in the test extras) reads PDFs")


@needs_pdfium
def test_pdf_pages_in_order_with_words_split_at_line_ends_rejoined(tmp_path):
    path = tmp_path / "a.pdf"
    path.write_bytes(pdf_bytes([["The rocket left the launch-", "pad at dawn; the well-known crew"], [],
                                ["Second page: the orbit (low) was reached."]]))
    text = read_pdf(str(path))
    assert "launchpad" in text and "well-known" in text  # a line-end hyphen joins, an inner one stays
    assert text.index("rocket") < text.index("orbit")  # page order, the empty page left out
    assert "(low)" in text


@needs_pdfium
@pytest.mark.parametrize("make, reason", [
    (lambda: pdf_bytes([[], []]), "no text layer in its 2 page(s)"),
    (lambda: pdf_bytes([["some text on a page"]])[:180], "damaged or truncated PDF"),
    (lambda: b"%PDF-1.4\n" + bytes(range(256)) * 4, "damaged or truncated PDF"),
])
def test_a_scan_a_truncated_or_a_broken_pdf_is_skipped_with_the_reason(tmp_path, make, reason):
    path = tmp_path / "bad.pdf"
    path.write_bytes(make())
    with pytest.raises(UnreadableFile, match=reason.replace("(", r"\(").replace(")", r"\)")):
        read_pdf(str(path))


@needs_pdfium
def test_an_encrypted_pdf_is_skipped(tmp_path):
    pypdf = pytest.importorskip("pypdf", reason="pypdf (a test extra) encrypts the test's PDF")
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_bytes([["a secret plan"]]))))
    writer.encrypt("a password", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    path = tmp_path / "locked.pdf"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(UnreadableFile, match="encrypted PDF"):
        read_pdf(str(path))


def test_without_pypdfium2_a_pdf_is_skipped_naming_the_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pypdfium2", None)  # import fails as if it were not installed
    path = tmp_path / "a.pdf"
    path.write_bytes(pdf_bytes([["text"]]))
    with pytest.raises(UnreadableFile, match=r"pip install 'topicmf\[pdf\]'"):
        read_pdf(str(path))


def test_docx_odt_epub_and_rtf_give_their_text():
    assert read_docx(docx_bytes(["First paragraph", "Crème & brûlée"], [["cell a", "cell b"]])).splitlines() == [
        "First paragraph", "Crème & brûlée", "cell a", "cell b"]
    odt = read_odt(odt_bytes("A heading", ["two  spaces", "next"], [["x1", "y1"]]))
    assert odt.splitlines() == ["A heading", "two  spaces", "next", "x1", "y1"]
    epub = read_epub(epub_bytes([("a.xhtml", "Chapter one text"), ("b.xhtml", "Chapter two text"),
                                 ("c.xhtml", "Chapter three text")], spine=[2, 0, 1]))
    assert [line for line in epub.splitlines() if line] == ["Chapter three text", "Chapter one text",
                                                           "Chapter two text"]  # the spine's order, no head
    rtf = read_rtf(rtf_bytes(["Crème brûlée costs 5€ {really}", "Ж and 中 too"]))
    assert rtf.splitlines() == ["Crème brûlée costs 5€ {really}", "Ж and 中 too"]
    assert "Helvetica" not in rtf and "Hidden" not in rtf  # font table, generator and info are not text


@pytest.mark.parametrize("reader, data, reason", [
    (read_docx, b"PK\x03\x04 not really a zip", "damaged or truncated zip"),
    (read_docx, docx_bytes(["text"])[:60], "damaged or truncated zip"),
    (read_odt, docx_bytes(["a Word file renamed"]), "no content.xml"),
    (read_epub, odt_bytes("h", ["p"]), "no META-INF/container.xml"),
    (read_rtf, b"plain text, not RTF", "not an RTF document"),
])
def test_broken_office_files_give_a_reason(reader, data, reason):
    with pytest.raises(UnreadableFile, match=reason):
        reader(data)


def test_an_email_keeps_its_decoded_subject_and_text_and_drops_the_attachment():
    message = mail_message("Grüße aus Köln: the launch", "The rocket left at dawn.\n-- \nAnn",
                           html="<p>The <b>rocket</b> left at dawn.</p>", attachment=b"\x00\x01BINARY")
    text = read_eml(message.as_bytes())
    assert text.startswith("Subject: Grüße aus Köln: the launch\n")
    assert "The rocket left at dawn." in text and "BINARY" not in text and "<b>" not in text
    only_html = mail_message("html only", "x")
    only_html.set_content("<p>Only <i>markup</i> here</p>", subtype="html")
    assert "Only markup here" in read_eml(only_html.as_bytes())


def test_a_folder_of_every_format_reads_in_one_pass_and_lists_what_it_skips(tmp_path):
    folder = write_tree(tmp_path / "corpus", {
        "office/report.docx": docx_bytes(["Quarterly rockets report", "Engines and fuel and launches"]),
        "office/minutes.odt": odt_bytes("Minutes", ["Engines were discussed", "Fuel budget approved"]),
        "office/broken.docx": b"PK\x03\x04 truncated",
        "books/novel.epub": epub_bytes([("a.xhtml", "A sailor sails the sea"), ("b.xhtml", "The ship returns")],
                                       [0, 1]),
        "books/letter.rtf": rtf_bytes(["Dear sailor, the sea is calm"]),
        "mail/one.eml": mail_message("Harbour news", "Ships in the harbour").as_bytes(),
        "notes/plain.txt": "Plain text still works",
    })
    write_mbox(folder / "mail" / "list.mbox", [
        mail_message("First", "Sails and ships", message_id="<a1@example.org>"),
        mail_message("=?utf-8?q?Zweite_Nachricht?=", "Segel und Schiffe", message_id="<a2@example.org>",
                     attachment=b"\x00" * 10),
        mail_message("Again", "Same id twice", message_id="<a1@example.org>"),
        mail_message("No id", "A message without an id"),
    ])
    if HAVE_PDFIUM:
        (folder / "papers").mkdir()
        (folder / "papers" / "paper.pdf").write_bytes(pdf_bytes([["Orbital mechanics of rockets"]]))
        (folder / "papers" / "scan.pdf").write_bytes(pdf_bytes([[]]))
    before = snapshot(folder)
    corpus = open_corpus(folder)
    assert corpus.n_docs_hint is None  # a mail archive's messages are counted as they are read
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        dtm = vectorize(folder, TextOptions(min_df=1, max_df=1.0, language="english"), keep_stream=False)
    ids = set(dtm.doc_ids)
    assert {"office/report.docx", "office/minutes.odt", "books/novel.epub", "books/letter.rtf", "mail/one.eml",
            "notes/plain.txt"} <= ids
    assert {"mail/list.mbox/a1@example.org", "mail/list.mbox/a2@example.org", "mail/list.mbox#3",
            "mail/list.mbox#4"} <= ids  # Message-ID, and the position where it is missing or repeated
    skipped = {s["path"]: s["reason"] for s in dtm.info["skipped_files"]}
    assert "damaged or truncated zip" in skipped["office/broken.docx"]
    assert {"rockets", "engines", "sailor", "harbour", "schiffe"} <= set(dtm.vocabulary)
    if "papers/paper.pdf" in ids:
        assert "orbital" in dtm.vocabulary and "no text layer" in skipped["papers/scan.pdf"]
    assert snapshot(folder) == before  # nothing written into the corpus


def test_an_mbox_file_is_a_corpus_of_its_messages(tmp_path):
    path = write_mbox(tmp_path / "archive.mbox", [mail_message(f"Topic {i}", f"Message body number {i} about ships")
                                                  for i in range(5)])
    dtm = vectorize(path, TextOptions(min_df=1, max_df=1.0), keep_stream=False)
    assert dtm.n_docs == 5 and dtm.doc_ids[0] == "archive.mbox#1" and dtm.info["format"] == "mbox"
