"""`topicmf run` end to end on 20 Newsgroups, against the time of the minimal scikit-learn job, and (optionally) the full job done with scikit-learn and gensim.

Main comparison (the default): alternating fresh processes, ``--repeats`` times each,
wall time including Python start-up and imports:

* ``topicmf run CORPUS --out TMP --force -q`` with defaults (reading, cleaning, Poisson NMF
  k = 10, coherence, neighbours, report and every file);
* the minimal scikit-learn job on the same files: ``CountVectorizer(input="filename",
  decode_error="replace", stop_words="english", min_df=5, max_df=0.5)`` and
  ``NMF(10, solver="cd", random_state=0).fit_transform(X)`` — reading, counting and
  factorizing only, no evaluation, no files.

``--full-reference`` also runs, once, the job topicmf does with the other libraries in this
process: CountVectorizer (topicmf's token pattern, stopwords, min_df=2, max_df=0.95),
scikit-learn's KL NMF (``solver="mu"``, nndsvda, its default tol and max_iter=200), cosine
nearest neighbours (``NearestNeighbors(metric="cosine", algorithm="brute")``, 10 per document),
and gensim's ``CoherenceModel`` for c_npmi, c_v and u_mass of topicmf's topics on topicmf's
tokens.

    python benchmarks/bench_run.py [--corpus ../shared/corpora/20news] [--repeats 5] [--full-reference]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "20news"


def run_topicmf(corpus: Path, out: Path) -> tuple[float, dict, float]:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "topicmf", "run", str(corpus), "--out", str(out), "--force", "-q"],
                   check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, json.loads((out / "manifest.json").read_text()), child_peak


MINIMAL = """
import sys
from pathlib import Path
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import CountVectorizer
files = sorted(str(p) for p in Path(sys.argv[1]).rglob("*") if p.is_file() and not p.name.startswith("."))
X = CountVectorizer(input="filename", decode_error="replace", stop_words="english", min_df=5,
                    max_df=0.5).fit_transform(files)
NMF(10, solver="cd", random_state=0).fit_transform(X)
"""


def run_minimal(corpus: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", MINIMAL, str(corpus)], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def reference(corpus: Path, topics_terms: list[list[str]]) -> dict:
    import numpy as np
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.neighbors import NearestNeighbors
    from sklearn.preprocessing import normalize

    from topicmf.corpus import load_text, open_corpus
    from topicmf.text import TextOptions, builtin_stopwords, make_tokenizer

    times = {}
    refs = list(open_corpus(corpus).refs())
    t = time.perf_counter()
    texts = [load_text(r)[0] for r in refs]
    vectorizer = CountVectorizer(token_pattern=r"[^\W_]{2,}", stop_words=sorted(builtin_stopwords("english")),
                                 min_df=2, max_df=0.95)
    X = vectorizer.fit_transform(texts)
    times["reading (CountVectorizer)"] = time.perf_counter() - t
    t = time.perf_counter()
    nmf = NMF(10, beta_loss="kullback-leibler", solver="mu", init="nndsvda", max_iter=200, random_state=0)
    W = nmf.fit_transform(X.astype(np.float64))
    times["fitting (NMF mu-KL)"] = time.perf_counter() - t
    t = time.perf_counter()
    P = normalize(W, norm="l1")
    NearestNeighbors(n_neighbors=11, metric="cosine", algorithm="brute").fit(P).kneighbors(P)
    times["neighbours (NearestNeighbors)"] = time.perf_counter() - t
    tokenizer = make_tokenizer(TextOptions(), "english")
    tokens = [tokenizer.unigrams(text) for text in texts]
    t = time.perf_counter()
    dictionary = Dictionary(tokens)
    bow = [dictionary.doc2bow(doc) for doc in tokens]
    scores = {}
    for measure in ("c_npmi", "c_v", "u_mass"):
        cm = CoherenceModel(topics=topics_terms, texts=tokens, corpus=bow, dictionary=dictionary,
                            coherence=measure, topn=10, processes=1)
        scores[measure] = cm.get_coherence_per_topic()
    times["coherence (gensim CoherenceModel)"] = time.perf_counter() - t
    times["total"] = sum(times.values())
    return {"times": times, "scores": scores}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--full-reference", action="store_true")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"corpus not found: {args.corpus}")
    out = Path(tempfile.mkdtemp(prefix="bench_run_")) / "run"
    walls, manifests, peaks, minimal = [], [], [], []
    for _ in range(args.repeats):
        wall, manifest, peak = run_topicmf(args.corpus, out)
        walls.append(wall)
        manifests.append(manifest)
        peaks.append(peak)
        minimal.append(run_minimal(args.corpus))
    m = manifests[-1]
    c = m["corpus"]
    print(f"corpus: {c['name']}, {c['documents']:,} documents, {c['terms']:,} terms, nnz {c['nonzeros']:,}")
    print(f"machine: {m['versions']['platform']}, Python {m['versions']['python']}, numpy {m['versions']['numpy']}, "
          f"scikit-learn {m['versions']['scikit-learn']}, topicmf {m['versions']['topicmf']}")
    print(f"\ntopicmf run, defaults (pnmf, k=10), {args.repeats} runs: wall median {statistics.median(walls):.2f} s "
          f"(min {min(walls):.2f}, max {max(walls):.2f}); peak memory {max(peaks):.0f} MiB (largest process)")
    print("\n| stage | median s |\n|---|---|")
    for stage in m["timings"]:
        print(f"| {stage} | {statistics.median(x['timings'][stage] for x in manifests):.2f} |")
    print(f"\nNMI vs newsgroups {m['metrics']['labels']['nmi']:.3f}, NPMI {m['metrics']['coherence']['npmi_mean']:.4f}, "
          f"C_V {m['metrics']['coherence']['c_v_mean']:.4f}, UMass {m['metrics']['coherence']['umass_mean']:.4f}")
    ratios = [a / b for a, b in zip(walls, minimal)]
    print(f"\nminimal scikit-learn job (CountVectorizer + NMF cd, k=10), {args.repeats} runs alternating with "
          f"topicmf's: wall median {statistics.median(minimal):.2f} s (min {min(minimal):.2f}, max {max(minimal):.2f})")
    print(f"topicmf run / minimal job: median of the paired ratios {statistics.median(ratios):.3f}x "
          f"(ratio of medians {statistics.median(walls) / statistics.median(minimal):.3f}x)")
    if not args.full_reference:
        return
    import numpy as np

    from topicmf.model import load_model

    model = load_model(out)
    topics_terms = [[model.terms[j] for j in row] for row in model.top_term_indices(10)]
    ref = reference(args.corpus, topics_terms)
    ours = m["metrics"]["coherence"]
    print("\nreference pipeline (one run):\n\n| step | s |\n|---|---|")
    for step, seconds in ref["times"].items():
        print(f"| {step} | {seconds:.2f} |")
    print(f"\ntopicmf run / reference: {statistics.median(walls) / ref['times']['total']:.3f}x the time")
    for ours_name, theirs in (("npmi", "c_npmi"), ("c_v", "c_v"), ("umass", "u_mass")):
        diff = np.max(np.abs(np.array(ours[ours_name]) - np.array(ref["scores"][theirs])))
        print(f"coherence {ours_name}: max |topicmf − gensim| over topics = {diff:.2e}")


if __name__ == "__main__":
    main()
