"""Short texts (issue 28): topicmf's defaults against five short-text baselines, on the same tokens, in one run.

    python benchmarks/bench_short.py [--only quality,threshold,size,languages,million] [--seeds 3]
        [--corpora ../shared/corpora] [--data ../bench-data]

quality    20 Newsgroups subject lines (the ``Subject:`` line of each post, 20 labels, k = 20) and
           lenta_headlines (13 labels, k = 13): topicmf with its defaults (which choose the short-text model
           there), topicmf --short-texts off, scikit-learn's TfidfVectorizer + NMF and
           LatentDirichletAllocation, tomotopy's LDAModel and PTModel, bitermplus' BTM.  Every method gets the
           tokens topicmf's reading pass made (each document's kept words); NMI of each document's main topic
           against the labels; mean NPMI of each topic's top 10 words over 10-word windows of the same token
           streams (topicmf's coherence, as gensim computes it); how many top-10 words are in more than two
           topics; seconds per fit.  Mean and standard deviation over the seeds.
threshold  documents of BBC, 20 Newsgroups and ru_news9 cut to their first n words: Poisson NMF against the
           short-text model (NMI, NPMI), two seeds — where the run's SHORT_MEDIAN comes from.
size       random samples of n subject lines / headlines: the same comparison — where SHORT_MIN_DOCS comes from.
million    ``topicmf run`` on 10⁶ planted short documents (benchmarks/synthetic.py, 50 topics, 8 words a document on
           average), defaults (with neighbours), k = 50: wall time and the process tree's peak memory
           (not in the default --only: about 8 minutes).
languages  the subject lines with 3% German lines (the first words of German manual pages' descriptions) mixed
           in: German stopwords among the topics' words, found by document (auto) and not (--language english).

Configuration: what a user gets — default threads everywhere (topicmf's kernels and BLAS on every core,
tomotopy's workers on every core, scikit-learn's BLAS).  Baselines: scikit-learn NMF and LDA with their
defaults; tomotopy 1,000 Gibbs iterations (its ``train()`` default is 10), PTModel with its default number of
pseudo-documents; BTM with bitermplus' example settings (α = 50/k, β = 0.01) and 600 iterations.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from topicmf.corpus.memory import memory_corpus  # noqa: E402
from topicmf.model import fit_topic_model  # noqa: E402
from topicmf.model.coherence import NPMI_WINDOW, npmi  # noqa: E402
from topicmf.model.evaluate import nmi  # noqa: E402
from topicmf.text import TextOptions, vectorize  # noqa: E402
from topicmf.workflow.short_texts import settle_model  # noqa: E402

TOP = 10


# --- corpora ------------------------------------------------------------------------------------------------------
def folder_texts(root: Path, skip_headers: bool = False):
    """(texts, labels) of a ``<label>/<file>`` corpus; ``skip_headers``: from the first blank line on."""
    texts, labels = [], []
    for label in sorted(p.name for p in root.iterdir() if p.is_dir()):
        for path in sorted((root / label).iterdir()):
            text = path.read_text(encoding="utf-8", errors="replace")
            texts.append(text.split("\n\n", 1)[-1] if skip_headers else text)
            labels.append(label)
    return texts, labels


def subject_lines(root: Path):
    """(texts, labels) of 20 Newsgroups' ``Subject:`` lines (the header line's text, "Re:" and all)."""
    texts, labels = [], []
    for label in sorted(p.name for p in root.iterdir() if p.is_dir()):
        for path in sorted((root / label).iterdir()):
            subject = ""
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith("Subject:"):
                    subject = line[len("Subject:"):].strip()
                    break
                if not line.strip():
                    break
            texts.append(subject)
            labels.append(label)
    return texts, labels


def german_lines(root: Path, n: int, words: int = 12, seed: int = 0):
    """``n`` short German lines: the first ``words`` words of manual pages' BESCHREIBUNG sections."""
    found = []
    for path in sorted(root.rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "BESCHREIBUNG" in text:
            body = text.split("BESCHREIBUNG", 1)[1].split()
            if len(body) >= words:
                found.append(" ".join(body[:words]))
    return random.Random(seed).sample(found, min(n, len(found)))


def read(texts, labels, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return vectorize(memory_corpus(texts, labels=labels), TextOptions(**options))


def token_lists(dtm) -> list[list[str]]:
    """Each document's kept words (with repeats), as every baseline receives them."""
    X, terms = dtm.X.tocsr(), dtm.terms
    return [[terms[j] for j, c in zip(X.indices[X.indptr[i]:X.indptr[i + 1]], X.data[X.indptr[i]:X.indptr[i + 1]])
             for _ in range(int(c))] for i in range(X.shape[0])]


def scores(dtm, groups, tops) -> dict:
    """NMI of the main topics, mean NPMI of the top words, and the words in more than two topics' top 10."""
    tops = [list(t)[:TOP] for t in tops]
    counts = dtm.window_counts(sorted({w for t in tops for w in t}), (NPMI_WINDOW,))[NPMI_WINDOW]
    shared = Counter(w for t in tops for w in set(t))
    return {"nmi": nmi(dtm.labels, np.asarray(groups)), "npmi": float(np.nanmean(npmi(counts, tops))),
            "shared": sum(1 for n in shared.values() if n > 2)}


# --- methods ------------------------------------------------------------------------------------------------------
def topicmf_default(dtm, docs, k, seed):
    model, _ = settle_model("auto", "pnmf", None, dtm)
    return _topicmf(dtm, k, seed, model)


def topicmf_off(dtm, docs, k, seed):
    return _topicmf(dtm, k, seed, "pnmf")


def _topicmf(dtm, k, seed, model):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = fit_topic_model(dtm, k, model=model, seed=seed)
    # the words as terms (stems, where the language is stemmed), as the window counts and every baseline have them
    return np.asarray(m.factorization.W).argmax(axis=1), [[dtm.terms[j] for j in row] for row in m.top_term_indices(TOP)]


def sklearn_nmf(dtm, docs, k, seed):
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer=lambda d: d)
    X = vec.fit_transform(docs)
    words = vec.get_feature_names_out()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = NMF(k, random_state=seed)
        W = model.fit_transform(X)
    return W.argmax(axis=1), [[words[j] for j in np.argsort(-h)[:TOP]] for h in model.components_]


def sklearn_lda(dtm, docs, k, seed):
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer

    vec = CountVectorizer(analyzer=lambda d: d)
    X = vec.fit_transform(docs)
    words = vec.get_feature_names_out()
    model = LatentDirichletAllocation(k, random_state=seed)
    W = model.fit_transform(X)
    return W.argmax(axis=1), [[words[j] for j in np.argsort(-h)[:TOP]] for h in model.components_]


def _tomotopy(cls, docs, k, seed):
    model = cls(k=k, seed=seed)
    kept = [i for i, d in enumerate(docs) if d]
    for i in kept:
        model.add_doc(docs[i])
    model.train(1000)
    groups = np.zeros(len(docs), dtype=int)
    for i, doc in zip(kept, model.docs):
        groups[i] = int(np.argmax(doc.get_topic_dist()))
    return groups, [[w for w, _ in model.get_topic_words(t, TOP)] for t in range(k)]


def tomotopy_lda(dtm, docs, k, seed):
    import tomotopy

    return _tomotopy(tomotopy.LDAModel, docs, k, seed)


def tomotopy_ptm(dtm, docs, k, seed):
    import tomotopy

    return _tomotopy(tomotopy.PTModel, docs, k, seed)


def btm(dtm, docs, k, seed):
    import bitermplus

    texts = [" ".join(d) for d in docs]
    X, vocab, _ = bitermplus.get_words_freqs(texts)
    vectors = bitermplus.get_vectorized_docs(texts, vocab)
    model = bitermplus.BTM(X, vocab, seed=seed, T=k, M=20, alpha=50 / k, beta=0.01)
    model.fit(bitermplus.get_biterms(vectors), iterations=600, verbose=False)
    theta = np.nan_to_num(model.transform(vectors, verbose=False))
    phi = model.matrix_topics_words_
    return theta.argmax(axis=1), [[vocab[j] for j in np.argsort(-phi[t])[:TOP]] for t in range(k)]


METHODS = {"topicmf (defaults)": topicmf_default, "topicmf --short-texts off": topicmf_off,
           "scikit-learn TfidfVectorizer + NMF": sklearn_nmf, "scikit-learn LDA": sklearn_lda,
           "tomotopy LDA": tomotopy_lda, "tomotopy PTModel": tomotopy_ptm, "bitermplus BTM": btm}


def quality(corpora: Path, seeds: int) -> dict:
    sets = {"20 Newsgroups subject lines (k = 20)": (subject_lines(corpora / "20news"), 20),
            "lenta_headlines (k = 13)": (folder_texts(corpora / "lenta_headlines"), 13)}
    results = {}
    for name, ((texts, labels), k) in sets.items():
        dtm = read(texts, labels)
        docs = token_lists(dtm)
        lengths = np.asarray(dtm.X.sum(axis=1)).ravel()
        print(f"\n### {name}: {dtm.n_docs:,} documents, {dtm.n_terms:,} terms, median {np.median(lengths):g} words",
              flush=True)
        rows = {}
        for seed in range(seeds):  # alternating: every method once per seed, in turn
            for method, fit in METHODS.items():
                t = time.perf_counter()
                groups, tops = fit(dtm, docs, k, seed)
                row = scores(dtm, groups, tops)
                row["seconds"] = time.perf_counter() - t
                rows.setdefault(method, []).append(row)
                print(f"  seed {seed} {method}: {row}", flush=True)
        dtm.close()
        results[name] = rows
        print("\n| method | NMI | NPMI | top-10 words in > 2 topics | seconds per fit |\n|---|---|---|---|---|")
        for method, rs in rows.items():
            print(f"| {method} | {_ms(rs, 'nmi')} | {_ms(rs, 'npmi')} | {_ms(rs, 'shared', 1)} | "
                  f"{statistics.median(r['seconds'] for r in rs):.1f} |")
        best = max((m for m in rows if not m.startswith("topicmf")), key=lambda m: np.mean([r["nmi"] for r in rows[m]]))
        ours = np.mean([r["nmi"] for r in rows["topicmf (defaults)"]])
        theirs = np.mean([r["nmi"] for r in rows[best]])
        print(f"\ntopicmf NMI {ours:.3f} − best baseline ({best}) {theirs:.3f} = {ours - theirs:+.3f} (target ≥ +0.02)")
    return results


def _ms(rows, key, digits=3):
    values = [r[key] for r in rows]
    return f"{np.mean(values):.{digits}f} ± {np.std(values):.{digits}f}"


def threshold(corpora: Path, lengths=(10, 20, 40, 80, 160)) -> None:
    print("\n| corpus | words kept | median | Poisson NMF NMI | short-text NMI | Poisson NMF NPMI | short-text NPMI |")
    print("|---|---|---|---|---|---|---|")
    for name, k, skip in (("bbc", 5, False), ("20news", 20, True), ("ru_news9", 9, False)):
        texts, labels = folder_texts(corpora / name, skip)
        for n in lengths:
            dtm = read([" ".join(t.split()[:n]) for t in texts], labels)
            r = {model: [scores(dtm, *_topicmf(dtm, k, seed, model)) for seed in (0, 1)] for model in ("pnmf", "seanmf")}
            median = np.median(np.asarray(dtm.X.sum(axis=1)).ravel())
            dtm.close()
            print(f"| {name} | first {n} | {median:g} | " + " | ".join(
                f"{np.mean([x[key] for x in r[model]]):.3f}" for key in ("nmi", "npmi") for model in ("pnmf", "seanmf"))
                + " |", flush=True)


def size(corpora: Path, sizes=(250, 600, 1500, 2000, 3000, 6000)) -> None:
    print("\n| corpus | documents | Poisson NMF NMI | short-text NMI | Poisson NMF NPMI | short-text NPMI |")
    print("|---|---|---|---|---|---|")
    sets = (("20 Newsgroups subjects", subject_lines(corpora / "20news"), 20),
            ("lenta_headlines", folder_texts(corpora / "lenta_headlines"), 13))
    for name, (texts, labels), k in sets:
        for n in sizes:
            if n > len(texts):
                continue
            r = {"pnmf": [], "seanmf": []}
            for rep in range(3):
                idx = np.random.default_rng(rep).choice(len(texts), n, replace=False)
                dtm = read([texts[i] for i in idx], [labels[i] for i in idx])
                for model in r:
                    r[model].append(scores(dtm, *_topicmf(dtm, k, rep, model)))
                dtm.close()
            print(f"| {name} | {n:,} | " + " | ".join(
                f"{np.mean([x[key] for x in r[model]]):.3f}" for key in ("nmi", "npmi") for model in r) + " |",
                flush=True)


def languages(corpora: Path) -> None:
    from topicmf.text import builtin_stopwords

    texts, labels = subject_lines(corpora / "20news")
    german = german_lines(corpora / "manpages_de", int(0.03 * len(texts)))
    texts, labels = texts + german, labels + ["german"] * len(german)
    order = np.random.default_rng(0).permutation(len(texts))  # mixed in, as in a real table (texts in memory
    texts, labels = [texts[i] for i in order], [labels[i] for i in order]  # are sampled from their start)
    stop = builtin_stopwords("german") - builtin_stopwords("english")
    print(f"\n{len(german)} German lines among {len(texts):,} (3%)\n")
    print("| language | minority found | German stopwords in the vocabulary | German stopwords among the topics' top 10 |")
    print("|---|---|---|---|")
    for language in ("auto", "english"):
        dtm = read(texts, labels, language=language)
        _, tops = topicmf_default(dtm, None, 21, 0)
        found = (dtm.info.get("languages") or {}).get("minority", {})
        in_vocab = sorted(set(dtm.terms) & stop)
        in_topics = sorted({w for t in tops for w in t} & stop)
        dtm.close()
        print(f"| {language} | {found or '—'} | {len(in_vocab)} | {', '.join(in_topics) or 'none'} |", flush=True)


def million(data: Path, extra: list[str]) -> None:
    import shutil
    import tempfile

    from bench_scale import run_measured
    from synthetic import write_corpus

    corpus = data / "short-1000000.jsonl"
    if not corpus.exists():
        write_corpus(corpus, 1_000_000, length=8.0, seed=0)
    out = Path(tempfile.mkdtemp(prefix="bench_short_")) / "run"
    try:
        wall, peak = run_measured([sys.executable, "-m", "topicmf", "run", str(corpus), "-k", "50", *extra,
                                   "--out", str(out), "-q"])
        m = json.loads((out / "manifest.json").read_text())
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    stages = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in m["timings"].items() if name != "total")
    print(f"\n10⁶ short documents {' '.join(extra) or '(defaults)'}: model {m['model']['name']}, wall {wall:.0f} s, "
          f"peak {peak / 2**30:.2f} GB ({stages}); {m['corpus']['terms']:,} terms, median "
          f"{(m.get('short_texts') or {}).get('median_words')} words; NMI {m['metrics']['labels']['nmi']:.3f}, "
          f"NPMI {m['metrics']['coherence']['npmi_mean']:.3f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="quality,threshold,size,languages")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--corpora", type=Path, default=HERE.parents[1] / "shared" / "corpora")
    parser.add_argument("--data", type=Path, default=HERE.parents[1] / "bench-data",
                        help="where the planted million is written (once)")
    parser.add_argument("--run-args", default="", help="more options for the million's topicmf run")
    args = parser.parse_args()
    print(f"bench_short.py, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, default threads", flush=True)
    only = args.only.split(",")
    if "quality" in only:
        quality(args.corpora, args.seeds)
    if "threshold" in only:
        threshold(args.corpora)
    if "size" in only:
        size(args.corpora)
    if "languages" in only:
        languages(args.corpora)
    if "million" in only:
        million(args.data, args.run_args.split())


if __name__ == "__main__":
    main()
