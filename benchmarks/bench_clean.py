"""Topic quality on raw mail/news posts, with and without topicmf's cleaning (20 Newsgroups, k = 20).

For ``--clean auto`` (the default) and ``--clean none`` the script builds topicmf's matrix with
default options, fits the default model (Poisson NMF, ``cd``, seed 0) with k = 20, and
reports the NMI and ARI between each document's dominant topic and its newsgroup, NPMI
coherence of every topic, and the top words of all 20 topics, flagging topics whose top
words are dominated by header words or encoded-blob tokens.  With ``--sklearn`` it also fits
scikit-learn's NMF (Frobenius ``cd`` and KL ``mu``, nndsvda, seed 0) to a CountVectorizer
matrix of the raw posts and of the cleaned posts (same tokens: topicmf's pattern and stopwords,
min_df=2, max_df=0.95) for reference.

    python benchmarks/bench_clean.py [--corpus ../shared/corpora/20news] [--seeds 0 1 2] [--sklearn]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

import numpy as np

from topicmf.corpus import load_text, open_corpus
from topicmf.model import fit_topic_model, label_agreement
from topicmf.model.coherence import NPMI_WINDOW, npmi
from topicmf.text import TextOptions, builtin_stopwords, make_tokenizer, vectorize
from topicmf.text.clean import Cleaner
from topicmf.text.windows import stream_window_counts

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "20news"
HEADER_WORDS = {"edu", "subject", "organization", "lines", "writes", "article", "posting", "host", "nntp", "com",
                "university", "reply", "distribution", "wrote", "re"}


def junk_share(words) -> float:
    """Share of a topic's top words that are header words or look like encoded-blob fragments."""
    def blobby(w):
        return any(ch.isdigit() for ch in w) and any(ch.isalpha() for ch in w) or (len(w) <= 3 and not any(
            ch in "aeiouy" for ch in w))

    return sum(w in HEADER_WORDS or blobby(w) for w in words) / len(words)


def topicmf_run(corpus, clean, seeds):
    options = TextOptions(clean=clean)
    started = time.perf_counter()
    dtm = vectorize(corpus, options)
    seconds = time.perf_counter() - started
    tokenizer = make_tokenizer(options, dtm.info["language"])
    fits = []
    for seed in seeds:
        model = fit_topic_model(dtm, 20, tokenizer=tokenizer, seed=seed)
        agreement = label_agreement(dtm.labels, model.dominant_topics())
        fits.append((model, agreement["nmi"], agreement["ari"]))
    model = fits[0][0]
    tops = [[model.terms[j] for j in row] for row in model.top_term_indices(10)]
    counts = stream_window_counts(dtm.stream, sorted({w for t in tops for w in t}), (NPMI_WINDOW,))[NPMI_WINDOW]
    return dtm, fits, npmi(counts, tops), seconds


def sklearn_nmi(corpus, clean: bool):
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import CountVectorizer

    refs = list(open_corpus(corpus).refs())
    cleaner = Cleaner()
    texts = [load_text(r)[0] for r in refs]
    if clean:
        texts = [cleaner(t) for t in texts]
    labels = [r.label for r in refs]
    vectorizer = CountVectorizer(token_pattern=r"[^\W_]{2,}", stop_words=sorted(builtin_stopwords("english")),
                                 min_df=2, max_df=0.95)
    X = vectorizer.fit_transform(texts).astype(np.float64)
    out = {}
    for name, kwargs in (("Frobenius cd", {"solver": "cd"}), ("KL mu", {"solver": "mu", "beta_loss": "kullback-leibler"})):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            W = NMF(20, init="nndsvda", random_state=0, max_iter=200, **kwargs).fit_transform(X)
        out[name] = label_agreement(labels, np.argmax(W, axis=1))["nmi"]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--sklearn", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    for clean in ("auto", "none"):
        dtm, fits, scores, seconds = topicmf_run(args.corpus, clean, args.seeds)
        nmis = [f[1] for f in fits]
        model = fits[0][0]
        print(f"\n### --clean {clean}: {dtm.n_docs:,} documents, {dtm.n_terms:,} terms, matrix in {seconds:.2f} s")
        print(f"\nNMI over seeds {args.seeds}: {', '.join(f'{x:.3f}' for x in nmis)} (median "
              f"{statistics.median(nmis):.3f}); ARI seed {args.seeds[0]}: {fits[0][2]:.3f}; "
              f"mean NPMI {np.nanmean(scores):.4f}\n")
        if clean == "auto":
            removed = dtm.info["cleaning"]["removed"]
            print("removed: " + "; ".join(
                f"{k} {v['lines']:,} lines in {v['documents']:,} documents" if "lines" in v else
                f"{k} {v['tokens']:,} tokens ({v['types']:,} kinds)" for k, v in removed.items()) + "\n")
        print("| topic | NPMI | junk share | top 10 words (seed %d) |\n|---|---|---|---|" % args.seeds[0])
        for t, words in enumerate(model.top_words(10)):
            ws = [w for w, _ in words]
            flag = " **junk**" if junk_share(ws) >= 0.5 else ""
            print(f"| {t} | {scores[t]:.3f} | {junk_share(ws):.1f}{flag} | {' '.join(ws)} |")
    if args.sklearn:
        print("\n### scikit-learn NMF (seed 0) on CountVectorizer matrices\n\n| text | Frobenius cd NMI | KL mu NMI |")
        print("|---|---|---|")
        for clean in (False, True):
            r = sklearn_nmi(args.corpus, clean)
            print(f"| {'cleaned by topicmf' if clean else 'raw'} | {r['Frobenius cd']:.3f} | {r['KL mu']:.3f} |")


if __name__ == "__main__":
    main()
