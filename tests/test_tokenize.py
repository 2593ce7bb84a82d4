"""Tokenizer properties: any Unicode, lowercase, stopwords, numbers, URLs, stems shown as words."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DEMO, write_tree
from topicmf import TopicmfError, Tokenizer, vectorize
from topicmf.text import TextOptions, builtin_stopwords, detect_language
from topicmf.text.tokenize import strip_addresses

ENGLISH = builtin_stopwords("english")
RUSSIAN = builtin_stopwords("russian")
WORDS = st.sampled_from(
    sorted(ENGLISH)[:40] + sorted(RUSSIAN)[:40]
    + ["Running", "runs", "RUN", "Ёлка", "ёлки", "Straße", "İstanbul", "ΣΟΦΙΑ", "naïve", "x2", "42", "٣٤"]
)
TEXT = st.lists(st.one_of(WORDS, st.text(max_size=12)), max_size=30).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_any_unicode_gives_lowercase_non_stopword_tokens(text):
    tokenizer = Tokenizer(stopwords=ENGLISH | RUSSIAN)
    words = tokenizer.words(text)
    for word in words:
        assert word == word.lower()
        assert word not in ENGLISH and word not in RUSSIAN
        assert len(word) >= 2
        assert not word.isnumeric()
        assert re.fullmatch(r"[^\W_]+", word)
    counts, n_tokens = tokenizer.count(text)
    assert n_tokens == len(words) == sum(counts.values())


@settings(max_examples=100, deadline=None)
@given(TEXT, st.sampled_from(["english", "russian"]))
def test_stemmed_counts_agree_with_terms(text, language):
    tokenizer = Tokenizer(stopwords=builtin_stopwords(language), stem=language, ngrams=2)
    counts, n_tokens = tokenizer.count(text)
    terms = tokenizer.terms(text)
    assert sum(counts.values()) == len(terms)
    assert n_tokens == len(tokenizer.words(text))


def test_examples():
    tokenizer = Tokenizer(stopwords=ENGLISH)
    assert tokenizer.words("The CAT's 3 cats, in 2024: e-mail bob@example.org or watch https://x.org/a?b=1") == [
        "cat", "cats", "mail", "watch",
    ]
    assert Tokenizer(keep_numbers=True).words("in 2024 x 42") == ["in", "2024", "42"]
    assert Tokenizer(strip_urls=False).words("see www.example.org") == ["see", "www", "example", "org"]
    assert Tokenizer(min_length=4).words("a big cat eats fish") == ["eats", "fish"]
    assert Tokenizer().words("Ёлка и ёлки") == ["елка", "ёлки".replace("ё", "е")]
    assert Tokenizer().words("snake_case co-op") == ["snake", "case", "co", "op"]


def test_unicode_normalisation_joins_decomposed_letters():
    decomposed = "cafe\u0301"  # e + combining acute accent
    assert Tokenizer().words(decomposed) == ["café"]


def test_ngrams_join_consecutive_kept_tokens():
    tokenizer = Tokenizer(stopwords=frozenset({"the", "of"}), ngrams=2)
    assert tokenizer.terms("the theory of relativity explained") == [
        "theory", "relativity", "explained", "theory relativity", "relativity explained",
    ]
    tri = Tokenizer(ngrams=3).terms("aa bb cc")
    assert tri == ["aa", "bb", "cc", "aa bb", "bb cc", "aa bb cc"]


def test_stemming_keys_and_words():
    tokenizer = Tokenizer(stem="english")
    assert tokenizer.terms("running runs runner") == ["run", "run", "runner"]
    assert tokenizer.key("Connected") == "connect"
    assert Tokenizer(stem="russian").terms("книгами книги") == ["книг", "книг"]


def test_invalid_tokenizer_settings():
    with pytest.raises(TopicmfError, match="No Snowball stemmer for 'klingon'"):
        Tokenizer(stem="klingon")
    with pytest.raises(TopicmfError, match="ngrams must be 1, 2 or 3"):
        Tokenizer(ngrams=5)


def test_language_detection():
    english = ["The cat sat on the mat and it was happy with the world."] * 3
    russian = ["Кошка сидела на коврике, и она была довольна этим миром."] * 3
    assert detect_language(english)[0] == "english"
    assert detect_language(russian)[0] == "russian"
    assert detect_language(["xyzzy plugh qwerty"])[0] is None


@pytest.mark.filterwarnings("ignore::topicmf.TopicmfWarning")
@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(WORDS, min_size=1, max_size=12).map(" ".join), min_size=2, max_size=6))
def test_every_displayed_stemmed_word_occurred_in_the_corpus(tmp_path_factory, docs):
    root = tmp_path_factory.mktemp("stems")
    write_tree(root, {f"d{i}.txt": text for i, text in enumerate(docs)})
    options = TextOptions(language="english", stem=True, min_df=1, max_df=1.0, n_jobs=1)
    try:
        dtm = vectorize(root, options)
    except TopicmfError:
        return  # every word was a stopword or a number
    surface = set()
    tokenizer = Tokenizer()
    for text in docs:
        surface.update(tokenizer.words(text))
    assert set(dtm.vocabulary) <= surface
    stem_of = Tokenizer(stem="english")
    for word, key in zip(dtm.vocabulary, dtm.terms):
        assert stem_of.key(word) == key


def test_stemmed_vocabulary_shows_the_commonest_form(tmp_path):
    write_tree(tmp_path, {"a.txt": "connected connection connected", "b.txt": "connecting connected networks network"})
    dtm = vectorize(tmp_path, TextOptions(language="english", stem=True, min_df=1, max_df=1.0, n_jobs=1))
    shown = dict(zip(dtm.terms, dtm.vocabulary))
    assert shown["connect"] == "connected"  # 3 of 4 forms of the stem
    assert shown["network"] == "network"  # a tie (1 and 1) goes to the alphabetically first form


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mail <bob@x.org>, now", "mail   now"),
        ("see http://a.b/c?d=1 and www.foo.com/x.", "see   and  "),
        ("tab\tuser@host\tend", "tab\t \tend"),
        ("line\nftp://files.example.org/pub\nnext", "line\n \nnext"),
        ("no addresses here: 10:30, a/b", "no addresses here: 10:30, a/b"),
        ("@start and end@", "  and  "),
    ],
)
def test_strip_addresses_removes_whole_words(text, expected):
    assert strip_addresses(text) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab @:/.w\t\nй")), max_size=60) | st.text(max_size=40))
def test_strip_addresses_leaves_no_mark_and_is_idempotent(text):
    once = strip_addresses(text)
    assert "@" not in once and "://" not in once and "www." not in once
    assert strip_addresses(once) == once
    words = lambda t: [w for w in re.split(r"[ \n\t\r]+", t) if w]  # noqa: E731 (the documented delimiters)
    assert words(once) == [w for w in words(text) if not ("@" in w or "://" in w or "www." in w)]


def test_text_without_addresses_is_returned_unchanged():
    text = "plain words " * 1000
    assert strip_addresses(text) is text


def test_russian_is_stemmed_by_default_and_english_is_not(tmp_path):
    ru = write_tree(tmp_path / "ru", {
        f"{i}.txt": "Министр обороны заявил о новых учениях войск. Министры обороны стран обсудили учения."
        for i in range(4)})
    with vectorize(ru, TextOptions(min_df=1, max_df=1.0)) as dtm:
        assert dtm.info["language"] == "russian" and dtm.info["stem"] == "russian"
        assert "министр" in dtm.terms and "министры" not in dtm.terms  # one stem for both forms
    with vectorize(ru, TextOptions(min_df=1, max_df=1.0, stem=False)) as dtm:
        assert dtm.info["stem"] is None and "министры" in dtm.terms
    with vectorize(DEMO, TextOptions()) as dtm:
        assert dtm.info["language"] == "english" and dtm.info["stem"] is None
