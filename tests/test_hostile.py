"""Hostile and broken inputs: nothing outside the corpus is read, nothing ends in a traceback (failing outputs
and unexpected errors: tests/test_hostile_outputs.py).

Six ordinary documents and one hostile file (or link, or name) each time, `topicmf run -k 2 --min-df 1`:
the run ends with its exit status, one line on stderr per problem (never "Traceback"), the reason named,
and nothing from outside the corpus in any output.  Bombs are built as streams and stay small on disk.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, TOPIC_TEXTS, invoke, six_documents, write_tree


SECRET = "zyxqwvsecret"  # a word no corpus has: found in an output, it came from outside the corpus


def _outputs(out: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file())


# --- nothing outside the corpus ---------------------------------------------------------------------

def test_links_out_of_the_corpus_are_skipped_and_listed(tmp_path):
    outside = write_tree(tmp_path / "outside", {"passwd.txt": f"root {SECRET} nologin " * 20,
                                                 "etc/shadow.txt": f"{SECRET} daemon " * 20})
    corpus = six_documents(tmp_path / "corpus")
    (corpus / "passwd.txt").symlink_to(outside / "passwd.txt")
    (corpus / "etclink").symlink_to(outside / "etc", target_is_directory=True)
    (corpus / "again.txt").symlink_to(corpus / "d1.txt")  # inside: read once, under its real name
    (corpus / "loop").symlink_to(corpus, target_is_directory=True)  # a loop ends
    out = tmp_path / "run"
    result = invoke(["run", corpus, "-k", 2, "--min-df", 1, "--out", out, "-q"])
    assert result.exit_code == 0, result.stderr
    assert "Skipped passwd.txt: a symbolic link to outside the corpus (--follow-symlinks reads it)" in result.stderr
    assert "Skipped etclink/: a symbolic link to outside the corpus" in result.stderr
    assert SECRET.encode() not in _outputs(out)
    ids = [line.split(",")[0] for line in (out / "doc_topics.csv").read_text().splitlines()[1:]]
    assert ids == [f"d{i}.txt" for i in range(6)]  # no again.txt, nothing through loop/

    followed = tmp_path / "followed"
    result = invoke(["run", corpus, "-k", 2, "--min-df", 1, "--out", followed, "-q", "--follow-symlinks"])
    assert result.exit_code == 0, result.stderr
    ids = [line.split(",")[0] for line in (followed / "doc_topics.csv").read_text().splitlines()[1:]]
    assert "passwd.txt" in ids and "etclink/shadow.txt" in ids and "again.txt" not in ids


# --- bounded readers ----------------------------------------------------------------------------------

def _zip(members: dict[str, bytes | int]) -> bytes:
    """A zip of the given members; an int member is that many bytes of spaces, compressed as they stream in."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in members.items():
            if isinstance(content, int):
                with archive.open(name, "w", force_zip64=True) as member:
                    block = b" " * (1 << 20)
                    for _ in range(content >> 20):
                        member.write(block)
            else:
                archive.writestr(name, content)
    return buffer.getvalue()


_CONTAINER = b'<container><rootfiles><rootfile full-path="book.opf"/></rootfiles></container>'
_OPF = (b'<package xmlns="http://www.idpf.org/2007/opf"><manifest><item id="c" href="c.html"/></manifest>'
        b'<spine><itemref idref="c"/></spine></package>')


@pytest.mark.parametrize("name, member", [("bomb.docx", "word/document.xml"), ("bomb.odt", "content.xml"),
                                          ("bomb.epub", "c.html")])
def test_a_decompression_bomb_is_skipped_with_its_size(tmp_path, name, member):
    members = {member: 3 << 20}  # 3 MB of spaces in a few kilobytes, against a 2 MB limit
    if name.endswith(".epub"):
        members = {"META-INF/container.xml": _CONTAINER, "book.opf": _OPF, **members}
    data = _zip(members)
    assert len(data) < 100_000
    corpus = six_documents(tmp_path / "corpus", {name: data})
    result = invoke(["run", corpus, "-k", 2, "--min-df", 1, "--out", tmp_path / "run", "-q",
                   "--max-document-size", "2M"])
    assert result.exit_code == 0, result.stderr
    assert f"Skipped {name}: {member} decompressed of 3 MB is over the limit of 2 MB a document " \
           "(--max-document-size raises it)" in result.stderr


def test_the_default_limit_stops_a_gigabyte_member_without_reading_it(tmp_path):
    from topicmf.corpus.formats import read_docx
    from topicmf.corpus.files import UnreadableFile

    data = _zip({"word/document.xml": 65 << 20})  # over the default 64 MB, about 64 KB on disk
    with pytest.raises(UnreadableFile, match="word/document.xml decompressed of 65 MB is over the limit of 64 MB"):
        read_docx(data)


def test_xml_nested_past_the_limit_is_skipped(tmp_path):
    from topicmf.corpus.formats import read_docx, read_odt
    from topicmf.corpus.files import UnreadableFile

    deep = b"<a>" * 300 + b"text" + b"</a>" * 300
    for reader, member in ((read_docx, "word/document.xml"), (read_odt, "content.xml")):
        with pytest.raises(UnreadableFile, match="nests its elements over 256 levels deep"):
            reader(_zip({member: deep}))


def _deep_message(levels: int) -> bytes:
    parts = ["Subject: deep\n"]
    parts += [f"Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n" for i in range(levels)]
    parts.append(f"Content-Type: text/plain\n\n{SECRET}\n")
    parts += [f"--b{i}--\n" for i in reversed(range(levels))]
    return "".join(parts).encode()


@pytest.mark.parametrize("levels, reason", [(100, "mail parts nested over 64 levels deep"),
                                            (3000, "mail of 3,000 multipart parts, over the limit of 1,000")])
def test_deeply_nested_mail_is_skipped_as_a_file_and_inside_a_mailbox(tmp_path, levels, reason):
    message = _deep_message(levels)
    box = b"From a@b Thu Jan  1 00:00:00 2026\n" + message + b"\nFrom c@d Thu Jan  1 00:00:00 2026\nSubject: ok\n\nfine\n"
    corpus = six_documents(tmp_path / "corpus", {"deep.eml": message, "box.mbox": box})
    out = tmp_path / "run"
    result = invoke(["run", corpus, "-k", 2, "--min-df", 1, "--out", out, "-q"])
    assert result.exit_code == 0, result.stderr
    assert f"Skipped deep.eml: {reason}" in result.stderr
    assert f"box.mbox#1: {reason}" in result.stderr
    assert "Traceback" not in result.stderr
    assert SECRET.encode() not in _outputs(out)


def test_mail_nested_past_what_the_parser_can_recurse_is_skipped():
    from topicmf.corpus.files import UnreadableFile
    from topicmf.corpus.formats import read_eml

    before = sys.getrecursionlimit()
    sys.setrecursionlimit(250)  # the parser recurses about once a level: past ~900 levels under the default
    try:
        with pytest.raises(UnreadableFile, match="mail parts nested too deep to parse"):
            read_eml(_deep_message(300))
    finally:
        sys.setrecursionlimit(before)


def test_a_pdf_of_too_many_pages_is_skipped_with_a_reason(tmp_path):
    pytest.importorskip("pypdfium2")
    pages = 30_000  # one page object referenced 30,000 times: 180 KB
    body, offsets = [b"%PDF-1.4\n"], []
    for obj in (b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n",
                f"2 0 obj << /Type /Pages /Kids [{' '.join(['3 0 R'] * pages)}] /Count {pages} >> endobj\n".encode(),
                b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >> endobj\n"):
        offsets.append(sum(map(len, body)))
        body.append(obj)
    start = sum(map(len, body))
    body.append(b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets))
    body.append(b"trailer << /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % start)
    corpus = six_documents(tmp_path / "corpus", {"many.pdf": b"".join(body)})
    result = invoke(["run", corpus, "-k", 2, "--min-df", 1, "--out", tmp_path / "run", "-q"])
    assert result.exit_code == 0, result.stderr
    assert "Skipped many.pdf: a PDF of 30,000 pages, over the limit of 20,000" in result.stderr
    assert "Success" not in result.stderr


def test_a_table_record_over_the_limit_is_a_bad_line(tmp_path):
    rows = [{"id": f"r{i}", "text": TOPIC_TEXTS[i % 2]} for i in range(6)]
    rows.insert(3, {"id": "huge", "text": "word " * 300_000})
    table = tmp_path / "docs.jsonl"
    table.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "run"
    result = invoke(["run", table, "-k", 2, "--min-df", 1, "--out", out, "-q", "--max-document-size", "1M"])
    assert result.exit_code == 0, result.stderr
    assert f"{table}:4: a record of 1.43 MB is over the limit of 1 MB a document" in result.stderr
    ids = [line.split(",")[0] for line in (out / "doc_topics.csv").read_text().splitlines()[1:]]
    assert ids == [f"r{i}" for i in range(6)]


_PEAK = """import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)"""


def _peak(args) -> int:
    """Peak resident memory of a `topicmf` process, in bytes (Linux: ru_maxrss of the finished child)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", _PEAK, sys.executable, "-m", "topicmf", *map(str, args)],
                          capture_output=True, text=True, env=env, check=True)
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="measures ru_maxrss as Linux reports it")
def test_a_huge_one_line_document_is_tokenized_in_bounded_memory(tmp_path):
    """Before: the whole line's token list (13 times the file); now its token ids and its words (the file, over 8 MB,
    is read a piece at a time)."""
    rng = np.random.default_rng(0)
    words = np.array([f"w{i}x" for i in range(5000)])
    small = six_documents(tmp_path / "small")
    big = six_documents(tmp_path / "big")
    with open(big / "huge.txt", "w") as f:  # 24 MB on one line
        for _ in range(10):
            f.write(" ".join(words[rng.zipf(1.3, 400_000) % 5000]) + " ")
    size = (big / "huge.txt").stat().st_size
    base = _peak(["run", small, "-k", 2, "--min-df", 1, "--out", tmp_path / "r0", "-q", "--jobs", 1])
    peak = _peak(["run", big, "-k", 2, "--min-df", 1, "--out", tmp_path / "r1", "-q", "--jobs", 1,
                  "--max-document-size", "100M"])
    assert peak - base < 4 * size, (peak - base) / size  # measured 2.7 × at this size (1.25 × at 94 MB); 13 × before
    manifest = json.loads((tmp_path / "r1" / "manifest.json").read_text())
    assert manifest["corpus"]["documents"] == 7 and manifest["corpus"]["tokens"] > 3_900_000


# --- no traceback, whatever the input ----------------------------------------------------------------------

def test_a_jsonl_table_with_bytes_that_are_not_utf8_is_read_as_cp1252(tmp_path):
    table = tmp_path / "docs.jsonl"
    lines = [json.dumps({"id": f"r{i}", "text": TOPIC_TEXTS[i % 2]}).encode() for i in range(6)]
    lines[2] = b'{"id": "r2", "text": "caf\xe9 cr\xe8me ' + TOPIC_TEXTS[0].encode() + b'"}'
    table.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "run"
    result = invoke(["run", table, "-k", 2, "--min-df", 1, "--out", out, "-q"])
    assert result.exit_code == 0, result.stderr
    assert "cp1252" in result.stderr
    assert "café" in (out / "index.html").read_text(encoding="utf-8")


def test_a_file_name_that_is_not_utf8_is_one_id_everywhere(tmp_path):
    corpus = six_documents(tmp_path / "corpus")
    os.rename(corpus / "d3.txt", os.path.join(os.fsencode(corpus), b"bad\xff.txt"))
    os.mkdir(os.path.join(os.fsencode(corpus), b"sub\xfe"))
    os.rename(corpus / "d4.txt", os.path.join(os.fsencode(corpus), b"sub\xfe", b"d4.txt"))
    out = tmp_path / "run"
    result = invoke(["run", corpus, "-k", 2, "--min-df", 1, "--out", out, "-q"])
    assert result.exit_code == 0, result.stderr
    for name in ("doc_topics.csv", "similar.csv", "topic_docs.csv"):
        text = (out / name).read_text(encoding="utf-8")
        assert "bad\\xff.txt" in text and "sub\\xfe/d4.txt" in text, name
    assert "bad\\\\xff.txt" in (out / "index.html").read_text(encoding="utf-8")  # in the page's JSON
    import topicmf

    model = topicmf.load(out).model_
    assert "bad\\xff.txt" in model.doc_ids and "sub\\xfe/d4.txt" in model.doc_ids
    assert "sub\\xfe" in set(model.labels)


def test_lone_surrogates_in_a_json_table_are_kept_visible(tmp_path):
    table = tmp_path / "docs.jsonl"
    rows = [{"id": f"r{i}", "label": "a", "text": TOPIC_TEXTS[i % 2]} for i in range(6)]
    rows[1] = {"id": "r1\ud800", "label": "x\udfff", "text": TOPIC_TEXTS[1] + " \ud83d"}
    table.write_text("".join(json.dumps(r) + "\n" for r in rows))  # json.dumps writes them as \\ud800 escapes
    out = tmp_path / "run"
    result = invoke(["run", table, "-k", 2, "--min-df", 1, "--out", out, "-q"])
    assert result.exit_code == 0, result.stderr
    assert "r1\\ud800,x\\udfff," in (out / "doc_topics.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("ngrams", [1, 2])
def test_a_long_document_counted_in_pieces_gives_the_counts_of_the_whole(tmp_path, monkeypatch, ngrams):
    import topicmf.text.counting as counting
    from topicmf.text import TextOptions, vectorize

    rng = np.random.default_rng(1)
    words = [f"word{i}" for i in range(300)]
    text = "\n".join(" ".join(rng.choice(words, 12)) for _ in range(2000))  # 2,000 lines, ~180,000 characters
    corpus = write_tree(tmp_path / "c", {"long.txt": text, "short.txt": "word1 word2 word3"})
    options = TextOptions(min_df=1, max_df=1.0, ngrams=ngrams, language="none", clean="none")
    whole = vectorize(corpus, options)
    monkeypatch.setattr(counting, "PIECE_CHARS", 5_000)  # about 36 pieces
    pieces = vectorize(corpus, options)
    assert whole.terms == pieces.terms or ngrams == 2
    a = dict(zip(whole.terms, whole.X.toarray()[0])); b = dict(zip(pieces.terms, pieces.X.toarray()[0]))
    unigrams = [t for t in a if " " not in t]
    assert all(a[t] == b[t] for t in unigrams)  # cut at line ends: no word is split
    lost = sum(a.values()) - sum(b.values())
    assert lost == 0, lost  # pieces end at line ends, where pairs of words end too
    assert np.array_equal(whole.doc_lengths, pieces.doc_lengths)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"])
def test_a_large_file_read_in_pieces_is_the_file_read_whole(tmp_path, monkeypatch, encoding):
    import topicmf.corpus.decoding as decoding
    import topicmf.corpus.files as files

    rng = np.random.default_rng(0)
    words = ["alpha", "beta", "café", "naïve", "crème", "smysl"]
    text = "\n".join(" ".join(rng.choice(words, 30)) for _ in range(3000))
    data = text.encode(encoding if encoding != "utf-8-sig" else "utf-8")
    data = (b"\xef\xbb\xbf" if encoding == "utf-8-sig" else b"") + data + (b"\x81" if encoding == "latin-1" else b"")
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    whole = decoding.decode_bytes(data)
    monkeypatch.setattr(files, "STREAM_BYTES", 50_000)  # the file is ~180 KB
    long_text, fallback = files.read_document_file(str(path))
    assert isinstance(long_text, decoding.LongText) and fallback == whole[1]
    assert "".join(long_text.pieces(7_000)) == whole[0] and long_text[:100] == whole[0][:100]
    path.write_bytes(data + b"\x00")
    with pytest.raises(decoding.UnreadableFile, match="binary file"):
        files.read_document_file(str(path))
