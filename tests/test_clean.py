"""Cleaning raw text: each rule on hand-written messages, properties, and the matrix it leads to."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DEMO, write_tree
from topicmf.cli import main
from topicmf.errors import TopicmfError
from topicmf.text import TextOptions, Tokenizer, make_tokenizer, vectorize
from topicmf.text.clean import TEXT_RULES, Cleaner, empty_stats, parse_clean
from topicmf.text.tokenize import is_junk

AUTO = Cleaner()

MESSAGE = """\
From: alice@example.edu (Alice Smith)
Subject: Re: Re: Telescope mirrors for beginners
Organization: Example University
Keywords: optics, telescopes
Lines: 22
NNTP-Posting-Host: stars.example.edu

In article <1993Apr5.123@example.edu>, bob@example.edu (Bob Jones) writes:
> Should a beginner grind a six inch mirror first?
>> An earlier quote, two levels deep.
|> A quote marked with a bar.

Grinding a six inch mirror is a fine first project for a careful beginner.
The glass blank and the abrasives cost less than a small telescope.

--
Alice Smith, Department of Astronomy
alice@example.edu
"""


def test_headers_go_and_subject_and_keywords_stay():
    text, changed = AUTO.clean(MESSAGE)
    assert changed
    lines = text.split("\n")
    assert lines[0] == "Telescope mirrors for beginners"  # without the Re: prefixes
    assert lines[1] == "optics, telescopes"
    assert "Organization" not in text and "NNTP" not in text and "Lines:" not in text


def test_quotes_and_attributions_go_and_the_reply_stays():
    text = AUTO(MESSAGE)
    assert "Grinding a six inch mirror is a fine first project" in text
    assert "Should a beginner" not in text and "earlier quote" not in text and "bar" not in text
    assert "writes:" not in text and "In article" not in text


def test_signature_goes():
    text = AUTO(MESSAGE)
    assert "Department of Astronomy" not in text and "alice@example.edu" not in text
    assert text.rstrip().endswith("cost less than a small telescope.")


def test_statistics_count_each_rule():
    stats = empty_stats()
    AUTO.clean(MESSAGE, stats)
    by = dict(zip(TEXT_RULES, stats.tolist()))
    assert by["headers"][:2] == [1, 6 - 2]  # six header lines, Subject and Keywords kept as text
    assert by["quotes"][:2] == [1, 4]
    assert by["signatures"][:2] == [1, 4]  # separator, two lines, the final empty line
    assert by["blobs"] == [0, 0, 0]
    assert all(row[2] > 0 for row in stats[:3])


@pytest.mark.parametrize(
    "text",
    [
        "Note: this paragraph starts like a header field.\nBut it is a plain document.\n",
        "Title: A Study\nAuthor: Someone\n\nTwo fields, neither a mail or news field.\n",
        "The first line is prose.\nFrom: not at the top, so not a header\n",
    ],
)
def test_text_that_only_resembles_a_header_stays(text):
    assert AUTO(text) == text


def test_markdown_blockquotes_and_code_stay_in_ordinary_documents():
    markdown = (
        "# Notes on shells\n\n> A blockquote in Markdown is content.\n\n```\n> echo hello\n> ls -l\n```\n"
        "Closing words.\nThanks,\nthe editors\n"
    )
    assert AUTO(markdown) == markdown  # not a message: no quotes or signatures removed
    forced = Cleaner(rules=("quotes",), auto=False)(markdown)
    assert "> echo hello" in forced and "> ls -l" in forced  # code fences are never quotes
    assert "A blockquote" not in forced


def test_an_email_address_in_body_text_is_kept_by_the_cleaner():
    text = "Write to me at bob@example.com if the meeting moves.\nWe meet on Tuesday.\n"
    assert AUTO(text) == text
    assert "example" not in Tokenizer(cleaner=AUTO).words(text)  # the tokenizer drops the address itself


def test_a_russian_message():
    message = (
        "From: ivan@example.ru\nSubject: Re: Погода на выходные\nDate: 1 May 2020\n\n"
        "Пётр Иванов пишет:\n> Будет ли дождь в субботу?\n\nДождя не будет, обещают солнце и тепло.\n\n"
        "С уважением,\nИван\n"
    )
    text = AUTO(message)
    assert text.split("\n")[0] == "Погода на выходные"
    assert "Дождя не будет" in text
    assert "пишет" not in text and "субботу" not in text and "уважением" not in text


def test_signoffs_and_contact_blocks():
    body = "From: a@b.c\nSubject: printers\n\nThe driver works with the old printer.\n\n"
    assert "Regards" not in AUTO(body + "Regards,\nJohn\n")
    contact = body + "John Doe\nPhone: +1 555 123 4567\n"
    assert "555" not in AUTO(contact)
    prose = body + "It also prints envelopes, which surprised me.\nThat is all.\n"
    assert AUTO(prose).endswith("That is all.\n")


def test_a_separator_far_from_the_end_is_not_a_signature():
    body = "From: a@b.c\nSubject: notes\n\nPart one.\n--\n" + "".join(f"Line {i} of part two.\n" for i in range(30))
    assert "Line 29 of part two." in AUTO(body) and "Part one." in AUTO(body)


UUENCODED = "begin 644 picture.gif\n" + "M" + "A" * 60 + "\n" + "M" + "B" * 60 + "\n`\nend\n"


def test_blobs_go():
    base64_line = "SGVsbG8gV29ybGQhIFRoaXMgaXMgYmFzZTY0IGVuY29kZWQgdGV4dA0KSGVsbG8g"
    pgp = (
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\nThe signed words stay.\n"
        "-----BEGIN PGP SIGNATURE-----\nVersion: 2.3\n\niQCVAgUBK9h5ymv14aSAK9PN\n=abcd\n-----END PGP SIGNATURE-----\n"
    )
    key = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nVersion: 2.2\n\nmQBNAiqxYTk\n-----END PGP PUBLIC KEY BLOCK-----\n"
    text = "Here is the file.\n" + UUENCODED + base64_line + "\n" + pgp + key + "+" * 50 + "\nBye.\n"
    cleaned = AUTO(text)
    assert cleaned.split("\n") == ["Here is the file.", "The signed words stay.", "Bye.", ""]
    stats = empty_stats()
    AUTO.clean(text, stats)
    assert stats[TEXT_RULES.index("blobs"), 0] == 1


def test_uuencoded_lines_without_a_begin_line_go():
    part = "Part 2 of 3 follows.\n" + ("M" + "0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_` !#$%&'()*+," + "\n") * 3
    assert AUTO(part) == "Part 2 of 3 follows.\n"


@pytest.mark.parametrize(
    "line",
    [
        "/usr/local/lib/X11/app-defaults/XTerm-color-settings",
        "supercalifragilisticexpialidociousnessofitall",  # letters only: a (silly) word, not base64
        "see http://www.example.com/a/rather/long/path/to/a/page.html",
    ],
)
def test_long_lines_that_are_words_stay(line):
    assert AUTO(line + "\n") == line + "\n"


def test_junk_tokens():
    for junk in ("a1b2c3", "1024x768x256", "xxxx", "hmmmm", "bhjklm", "x" * 31):
        assert is_junk(junk), junk
    for word in ("x11r5", "486dx2", "mp3", "o157", "1970s", "1024x768", "nhl", "pgp", "nntp", "rhythm", "страна",
                 "сша", "世界", "كتاب", "telescope"):
        assert not is_junk(word), word
    assert Tokenizer(junk=True).words("the a1b2c3 telescope xxxx") == ["the", "telescope"]


def test_parse_clean():
    assert parse_clean("auto") == ("headers", "quotes", "signatures", "blobs", "junk")
    assert parse_clean("none") == ()
    assert parse_clean("Quotes, headers") == ("headers", "quotes")
    with pytest.raises(TopicmfError, match="Unknown cleaning rule 'footers'"):
        parse_clean("headers,footers")


LINES = st.sampled_from([
    "", "> quoted", "|> bar quote", "  > indented quote", "In article <x@y>, z writes:", "Bob wrote:", "-- ", "--",
    "-----", "Thanks,", "Regards", "bob@example.com", "+1 555 123 4567", "```", "begin 644 f.bin", "end",
    "M" + "A" * 60, "SGVsbG8gV29ybGQhIFRoaXMgaXMgYmFzZTY0IGVuY29kZWQgdGV4dA0K", "-----BEGIN PGP SIGNATURE-----",
    "-----END PGP SIGNATURE-----", "-----BEGIN PGP SIGNED MESSAGE-----", "Hash: SHA1", "From: a@b.c",
    "Subject: Re: hello", "Lines: 3", " continued header", "plain words here", "Погода пишет:", "+" * 45,
])


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.one_of(LINES, st.text(max_size=30)), max_size=40), auto=st.booleans())
def test_cleaning_never_raises_and_is_idempotent(lines, auto):
    text = "\n".join(lines)
    for rules in (TEXT_RULES, ("quotes", "signatures"), ("headers",), ("blobs",)):
        cleaner = Cleaner(rules=rules, auto=auto)
        once = cleaner(text)
        assert cleaner(once) == once
        assert len(once) <= len(text)


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_cleaning_arbitrary_unicode(text):
    once = AUTO(text)
    assert AUTO(once) == once


def test_clean_none_reproduces_the_uncleaned_matrix(tmp_path):
    corpus = write_tree(tmp_path / "mail", {
        "space/a.txt": MESSAGE,
        "space/b.txt": MESSAGE.replace("Alice", "Carol") + UUENCODED,
        "food/c.txt": "Subject: bread\nFrom: x@y.z\n\nBake the bread.\n> quoted bread a1b2c3\n",
        "food/d.txt": "Plain text about bread and ovens, a1b2c3 xxxx.\n",
    })
    raw = vectorize(corpus, TextOptions(clean="none", min_df=1, max_df=1.0))
    plain = make_tokenizer(TextOptions(clean="none"), "english")
    assert plain.cleaner is None and not plain.junk
    assert "a1b2c3" in raw.vocabulary and "organization" in raw.vocabulary and "xxxx" in raw.vocabulary
    for i, doc in enumerate(raw.doc_ids):  # every count is that of the raw file's tokens
        row = raw.X.getrow(i)
        assert {raw.terms[j]: int(v) for j, v in zip(row.indices, row.data)} == plain.count(
            (corpus / doc).read_text())[0]
    cleaned = vectorize(corpus, TextOptions(min_df=1, max_df=1.0))
    assert "organization" not in cleaned.vocabulary and "a1b2c3" not in cleaned.vocabulary
    assert "telescope" in cleaned.vocabulary and "mirrors" in cleaned.vocabulary
    info = cleaned.info["cleaning"]
    assert info["documents"] == 3 and info["removed"]["headers"]["documents"] == 3
    assert info["removed"]["junk"]["tokens"] >= 2 and "a1b2c3" in info["removed"]["junk"]["examples"]


def test_cleaning_changes_nothing_in_ordinary_documents():
    auto = vectorize(DEMO, TextOptions())
    none = vectorize(DEMO, TextOptions(clean="none"))
    assert auto.vocabulary == none.vocabulary
    assert (auto.X != none.X).nnz == 0
    assert auto.info["cleaning"]["documents"] == 0


def test_vocab_reports_cleaning_and_rejects_unknown_rules(tmp_path):
    corpus = write_tree(tmp_path / "c", {"a.txt": MESSAGE, "b.txt": MESSAGE})
    result = CliRunner().invoke(main, ["vocab", str(corpus), "--json", "--min-df", "1", "--max-df", "1.0"])
    assert result.exit_code == 0, result.output
    cleaning = json.loads(result.stdout)["cleaning"]
    assert cleaning["mode"] == "auto" and cleaning["documents"] == 2
    assert cleaning["removed"]["quotes"] == {"documents": 2, "lines": 8, "characters": cleaning["removed"]["quotes"]
                                              ["characters"]}
    result = CliRunner().invoke(main, ["vocab", str(corpus), "--json", "--min-df", "1", "--max-df", "1.0",
                                       "--clean", "headers"])
    assert list(json.loads(result.stdout)["cleaning"]["removed"]) == ["headers"]
    result = CliRunner().invoke(main, ["vocab", str(corpus), "--clean", "footers"])
    assert result.exit_code == 1 and "Unknown cleaning rule 'footers'" in result.stderr


def test_a_query_is_cleaned_like_the_corpus(tmp_path):
    from topicmf.model import fit_topic_model, load_model, save_model
    from topicmf.text import make_tokenizer

    options = TextOptions(min_df=1, max_df=1.0)
    corpus = write_tree(tmp_path / "c", {"a.txt": MESSAGE, "b.txt": "Bread and ovens and bakers.\n"})
    dtm = vectorize(corpus, options)
    model = fit_topic_model(dtm, 2, tokenizer=make_tokenizer(options, "english"))
    out = tmp_path / "run"
    out.mkdir()
    save_model(model, out, {})
    back = load_model(out)
    assert back.tokenizer.cleaner == model.tokenizer.cleaner and back.tokenizer.junk
    np.testing.assert_array_equal(back.count([MESSAGE]).toarray(), dtm.X[0].toarray())
