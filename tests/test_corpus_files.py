"""Reading folders of documents: walk order, labels, HTML, encodings and bad files."""

from __future__ import annotations

import os
import warnings

import pytest

from conftest import write_tree
from topicmf import NoDocumentsError, TopicmfWarning, open_corpus, vectorize
from topicmf.corpus import files as files_module
from topicmf.corpus.files import decode_bytes, html_to_text, walk_documents
from topicmf.text import TextOptions

LOOSE = TextOptions(min_df=1, max_df=1.0, language="english", n_jobs=1)


def test_walk_is_sorted_with_relative_ids_and_folder_labels(labelled_corpus):
    corpus = open_corpus(labelled_corpus)
    refs = list(corpus.refs())
    ids = [r.doc_id for r in refs]
    assert ids == sorted(ids)
    assert ids == ["food/c.txt", "food/d.md", "space/a.txt", "space/b.txt", "sport/e.html", "sport/f.txt"]
    assert [r.label for r in refs] == ["food", "food", "space", "space", "sport", "sport"]
    assert corpus.has_labels


def test_flat_folder_has_no_labels(tmp_path):
    write_tree(tmp_path, {"b.txt": "beta words here", "a.txt": "alpha words here", "notes.csv": "x"})
    dtm = vectorize(tmp_path, LOOSE)
    assert dtm.doc_ids == ("a.txt", "b.txt")
    assert dtm.labels is None
    assert dtm.label_counts() is None


def test_label_is_first_subfolder_and_top_level_documents_are_unlabelled(tmp_path):
    write_tree(tmp_path, {"x/deep/er/a.txt": "words one", "x/b.TXT": "words two", "c.txt": "words three"})
    refs = list(open_corpus(tmp_path).refs())
    assert {r.doc_id: r.label for r in refs} == {"c.txt": "(unlabelled)", "x/b.TXT": "x", "x/deep/er/a.txt": "x"}


def test_hidden_files_and_other_extensions_are_ignored(tmp_path):
    write_tree(tmp_path, {"a.txt": "kept", ".hidden.txt": "no", ".git/x.txt": "no", "b.xlsx": "no", "c.htm": "<p>kept</p>"})
    assert [r.doc_id for r in open_corpus(tmp_path).refs()] == ["a.txt", "c.htm"]


def test_html_becomes_visible_text():
    html = (
        "<html><head><title>Title words</title><style>p {color: red}</style>"
        "<script>alert('x') </script></head><body><!-- hidden comment -->"
        "<p>Fish&amp;chips &lt;tag&gt; caf&eacute; &#8364;5</p><div>left</div><div>right</div>"
        "inline<b>bold</b>word</body></html>"
    )
    text = html_to_text(html)
    assert "Title words" in text
    assert "Fish&chips <tag> café €5" in text
    assert "color" not in text and "alert" not in text and "hidden comment" not in text
    assert "left" in text and "right" in text and "leftright" not in text
    assert "inlineboldword" in text


def test_html_documents_are_tokenized_from_their_text(labelled_corpus):
    dtm = vectorize(labelled_corpus, LOOSE)
    row = dtm.doc_ids.index("sport/e.html")
    words = {dtm.vocabulary[j] for j in dtm.X[row].indices}
    assert words == {"team", "won", "match"}


@pytest.mark.parametrize(
    "data, expected, encoding",
    [
        ("naïve café".encode("utf-8"), "naïve café", None),
        (b"\xef\xbb\xbfbom text", "bom text", None),
        ("smart “quotes” café".encode("cp1252"), "smart “quotes” café", "cp1252"),
        (b"undefined \x81 byte \xe9", "undefined \x81 byte é", "latin-1"),
        ("utf16 текст".encode("utf-16"), "utf16 текст", None),
    ],
)
def test_decoding_fallback_chain(data, expected, encoding):
    assert decode_bytes(data) == (expected, encoding)


def test_non_utf8_file_is_read_with_one_warning_naming_it(tmp_path):
    write_tree(tmp_path, {"good.txt": "plain words", "old.txt": "café crème brûlée".encode("cp1252")})
    with pytest.warns(TopicmfWarning) as record:
        dtm = vectorize(tmp_path, LOOSE)
    messages = [str(w.message) for w in record if "UTF-8" in str(w.message)]
    assert messages == ["old.txt is not UTF-8; read it as cp1252"]
    assert "café" in dtm.vocabulary and "brûlée" in dtm.vocabulary
    assert dtm.info["encodings"] == [{"path": "old.txt", "encoding": "cp1252"}]


def test_binary_file_is_skipped_and_listed(tmp_path):
    write_tree(tmp_path, {"a.txt": "real words", "blob.txt": b"\x00\x01\x02binary\x00"})
    with pytest.warns(TopicmfWarning, match=r"Skipped blob.txt: binary file"):
        dtm = vectorize(tmp_path, LOOSE)
    assert dtm.doc_ids == ("a.txt",)
    assert dtm.info["skipped_files"] == [{"path": "blob.txt", "reason": "binary file (contains NUL bytes)"}]


def test_unreadable_file_is_skipped_and_listed(tmp_path, monkeypatch):
    write_tree(tmp_path, {"a.txt": "real words", "locked.txt": "secret words"})
    real_read = files_module._read_bytes

    def guarded_read(path, *limit):
        if str(path).endswith("locked.txt"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(path, *limit)

    monkeypatch.setattr(files_module, "_read_bytes", guarded_read)
    with pytest.warns(TopicmfWarning, match="Skipped locked.txt: permission denied"):
        dtm = vectorize(tmp_path, LOOSE)
    assert dtm.doc_ids == ("a.txt",)
    assert dtm.info["skipped_files"] == [{"path": "locked.txt", "reason": "permission denied"}]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads files whatever their mode")
def test_file_without_read_permission_is_skipped(tmp_path):
    write_tree(tmp_path, {"a.txt": "real words", "locked.txt": "secret"})
    (tmp_path / "locked.txt").chmod(0)
    with pytest.warns(TopicmfWarning, match="permission denied"):
        dtm = vectorize(tmp_path, LOOSE)
    assert dtm.doc_ids == ("a.txt",)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_symlink_loops_end_and_broken_links_are_listed(tmp_path):
    write_tree(tmp_path, {"a/doc.txt": "looping words", "b/doc.txt": "other words"})
    os.symlink(tmp_path, tmp_path / "a" / "loop")  # a/loop -> root
    os.symlink(tmp_path / "a", tmp_path / "b" / "back")  # b/back -> a
    os.symlink(tmp_path / "missing.txt", tmp_path / "dangling.txt")
    refs, skipped = walk_documents(tmp_path)
    ids = [r.doc_id for r in refs]
    assert "a/doc.txt" in ids and "b/doc.txt" in ids
    assert ids == ["a/doc.txt", "b/doc.txt"]  # real paths win; every folder entered once
    assert skipped == [("dangling.txt", "broken symbolic link or vanished file")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_named_pipe_is_skipped_without_blocking(tmp_path):
    write_tree(tmp_path, {"a.txt": "real words"})
    os.mkfifo(tmp_path / "pipe.txt")
    refs, skipped = walk_documents(tmp_path)
    assert [r.doc_id for r in refs] == ["a.txt"]
    assert skipped == [("pipe.txt", "not a regular file")]


def test_empty_folder_raises_no_documents(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "image.png").write_bytes(b"\x89PNG")
    with pytest.raises(NoDocumentsError, match=r"^No documents found under .* \(looked for \.txt, \.md, \.html, \.htm, \.pdf, \.docx, \.odt, \.epub, \.rtf, \.eml, \.mbox\)$"):
        open_corpus(tmp_path)


def test_folder_of_only_unreadable_files_raises(tmp_path):
    write_tree(tmp_path, {"a.txt": b"\x00\x00", "b.txt": b"\x00x"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(NoDocumentsError, match="No readable documents"):
            vectorize(tmp_path, LOOSE)
