"""Throughput of building the document-term matrix: topicmf vs scikit-learn's CountVectorizer.

Both read the same files (every .txt below the corpus, sorted), with the same token
pattern, lowercasing, stopword list, min_df=5 and max_df=0.5; topicmf keeps numbers
and URLs and does no cleaning here so that the tokens are the same, and the script checks
that the two matrices are identical before it reports times.  Runs alternate between the tools;
medians of the repeats are reported.  topicmf's default settings (numbers dropped,
URLs removed, language detected, mail/news cleaning and the junk-token filter on) — the
configuration the throughput target applies to — with and without cleaning, and its
single-process time are shown for reference.

    python benchmarks/bench_vectorize.py [--corpus ../shared/corpora/20news] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import sklearn
from sklearn.feature_extraction.text import CountVectorizer

import topicmf
from topicmf.corpus.files import walk_documents
from topicmf.text import TextOptions, builtin_stopwords, default_jobs

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "20news"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def sklearn_matrix(paths):
    vectorizer = CountVectorizer(
        input="filename", encoding="utf-8", token_pattern=r"[^\W_]{2,}", lowercase=True,
        stop_words=sorted(builtin_stopwords("english")), min_df=5, max_df=0.5,
    )
    X = vectorizer.fit_transform(paths)
    return X, list(vectorizer.get_feature_names_out())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"corpus not found: {args.corpus}")
    refs, _ = walk_documents(args.corpus)
    paths = [r.path for r in refs]
    megabytes = sum(os.path.getsize(p) for p in paths) / 1e6
    same = TextOptions(language="english", min_df=5, max_df=0.5, keep_numbers=True, strip_urls=False, clean="none")
    runs = {
        "scikit-learn CountVectorizer": lambda: sklearn_matrix(paths),
        f"topicmf, same tokens, {default_jobs()} processes": lambda: topicmf.vectorize(args.corpus, same),
        "topicmf, same tokens, 1 process": lambda: topicmf.vectorize(args.corpus, TextOptions(**{**same.__dict__, "n_jobs": 1})),
        "topicmf, default options (cleaning on)": lambda: topicmf.vectorize(args.corpus, TextOptions(min_df=5, max_df=0.5)),
        "topicmf, default options, --clean none": lambda: topicmf.vectorize(
            args.corpus, TextOptions(min_df=5, max_df=0.5, clean="none")),
    }
    times = {name: [] for name in runs}
    results = {}
    for _ in range(args.repeats):
        for name, run in runs.items():
            started = time.perf_counter()
            results[name] = run()
            times[name].append(time.perf_counter() - started)

    X_sk, words_sk = results["scikit-learn CountVectorizer"]
    dtm = results[f"topicmf, same tokens, {default_jobs()} processes"]
    identical = list(dtm.vocabulary) == words_sk and (dtm.X != X_sk).nnz == 0
    if not identical:
        raise SystemExit("the two matrices differ: the comparison would not be fair")

    base = statistics.median(times["scikit-learn CountVectorizer"])
    print(f"corpus: {args.corpus.name}, {len(paths):,} documents, {megabytes:.1f} MB, "
          f"matrix {X_sk.shape[0]:,} x {X_sk.shape[1]:,}, nnz {X_sk.nnz:,}; identical matrices: {identical}")
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
          f"topicmf {topicmf.__version__}; {args.repeats} alternating runs each")
    print()
    print("| run | median s | min s | MB/s | speed vs CountVectorizer |")
    print("|---|---|---|---|---|")
    for name, ts in times.items():
        median = statistics.median(ts)
        print(f"| {name} | {median:.2f} | {min(ts):.2f} | {megabytes / median:.1f} | {base / median:.2f}x |")


if __name__ == "__main__":
    main()
