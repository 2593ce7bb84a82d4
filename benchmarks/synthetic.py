"""Seeded planted-topic corpora for scale benchmarks: the LDA generative process over pseudo-words.

Each document draws topic proportions θ ~ Dirichlet(α), a length ~ Poisson(mean length), a
topic for every token from θ and the token's word from that topic's word distribution
φ_t ~ Dirichlet(η) over the vocabulary.  Words are pronounceable pseudo-words (consonant–vowel
syllables), none of them an English or Russian stopword, so the tokenizer keeps every token.
The label of a document is its dominant planted topic (argmax θ), so recovered topics can be
scored by NMI against it.  Output is JSON Lines, one ``{"id", "label", "text"}`` record a line.

The same seed writes the same file, byte for byte, whatever the batch size.

    python benchmarks/synthetic.py OUT.jsonl --docs 1000000 [--topics 50] [--vocab 50000]
        [--length 120] [--alpha 0.1] [--eta 0.01] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

_CONSONANTS = "bcdfghjklmnprstvz"
_VOWELS = "aeiou"
BATCH = 20_000


def pseudo_words(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` distinct pseudo-words of 2–4 consonant–vowel syllables (plus an optional final consonant)."""
    from topicmf.text import builtin_stopwords

    avoid = builtin_stopwords("english") | builtin_stopwords("russian")
    syllables = [c + v for c in _CONSONANTS for v in _VOWELS]
    words: dict[str, None] = {}
    while len(words) < n:
        size = n - len(words)
        parts = rng.integers(2, 5, size)
        picks = rng.integers(0, len(syllables), (size, 4))
        tails = rng.integers(0, len(_CONSONANTS) * 3, size)  # a final consonant one time in three
        for count, pick, tail in zip(parts.tolist(), picks.tolist(), tails.tolist()):
            word = "".join(syllables[p] for p in pick[:count]) + (_CONSONANTS[tail] if tail < len(_CONSONANTS) else "")
            if word not in avoid:
                words[word] = None
    return list(words)[:n]


class Planted:
    """The model: vocabulary and topic–word distributions (drawn once from the seed)."""

    def __init__(self, *, topics: int, vocab: int, eta: float, seed: int):
        rng = np.random.default_rng([seed, 0])
        self.words = np.array(pseudo_words(vocab, rng), dtype=object)
        phi = rng.gamma(eta, 1.0, (topics, vocab))
        phi /= phi.sum(axis=1, keepdims=True)
        self.cdf = np.cumsum(phi, axis=1)
        self.cdf[:, -1] = 1.0
        self.topics = topics


def documents(model: Planted, n_docs: int, *, length: float, alpha: float, seed: int):
    """Yield ``(index, label, text)`` for every document, in batches drawn from per-batch seeds."""
    k = model.topics
    for start in range(0, n_docs, BATCH):
        size = min(BATCH, n_docs - start)
        rng = np.random.default_rng([seed, 1, start])
        theta = rng.dirichlet(np.full(k, alpha), size)
        lengths = np.maximum(rng.poisson(length, size), 1)
        per_topic = rng.multinomial(lengths, theta)  # (size, k) tokens of each topic in each document
        doc_of = np.repeat(np.repeat(np.arange(size), k), per_topic.ravel())
        topic_of = np.repeat(np.tile(np.arange(k), size), per_topic.ravel())
        word_of = np.empty(doc_of.size, dtype=np.int64)
        for t in range(k):
            at = np.flatnonzero(topic_of == t)
            word_of[at] = np.searchsorted(model.cdf[t], rng.random(at.size), side="right")
        order = np.lexsort((rng.random(doc_of.size), doc_of))  # tokens of a document in random order
        tokens = model.words[word_of[order]].tolist()
        bounds = np.concatenate([[0], np.cumsum(lengths)]).tolist()
        labels = np.argmax(theta, axis=1).tolist()
        for i in range(size):
            yield start + i, labels[i], " ".join(tokens[bounds[i] : bounds[i + 1]])


def write_corpus(path, n_docs: int, *, topics: int = 50, vocab: int = 50_000, length: float = 120.0,
                 alpha: float = 0.1, eta: float = 0.01, seed: int = 0, progress: bool = True) -> Path:
    """Write the corpus to ``path`` (atomically: a temporary sibling renamed into place)."""
    path = Path(path)
    model = Planted(topics=topics, vocab=vocab, eta=eta, seed=seed)
    width = len(str(max(n_docs - 1, 0)))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    started = time.perf_counter()
    try:
        with open(tmp, "w", encoding="utf-8") as out:
            for i, label, text in documents(model, n_docs, length=length, alpha=alpha, seed=seed):
                out.write(json.dumps({"id": f"d{i:0{width}d}", "label": f"topic{label:02d}", "text": text}) + "\n")
                if progress and (i + 1) % BATCH == 0:
                    rate = (i + 1) / (time.perf_counter() - started)
                    print(f"\rwriting {i + 1:,}/{n_docs:,} documents, {rate:,.0f}/s, "
                          f"ETA {(n_docs - i - 1) / rate:.0f} s", end="", file=sys.stderr, flush=True)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if progress:
        print(file=sys.stderr)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--docs", type=int, required=True)
    parser.add_argument("--topics", type=int, default=50)
    parser.add_argument("--vocab", type=int, default=50_000)
    parser.add_argument("--length", type=float, default=120.0, help="mean tokens a document (Poisson)")
    parser.add_argument("--alpha", type=float, default=0.1, help="document–topic Dirichlet parameter")
    parser.add_argument("--eta", type=float, default=0.01, help="topic–word Dirichlet parameter")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    write_corpus(args.out, args.docs, topics=args.topics, vocab=args.vocab, length=args.length, alpha=args.alpha,
                 eta=args.eta, seed=args.seed)


if __name__ == "__main__":
    main()
