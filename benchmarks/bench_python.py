"""topicmf from Python against topicmf run: time, peak memory, and the Pipeline's accuracy on 20 Newsgroups.

    python benchmarks/bench_python.py [--corpus ../shared/corpora/20news] [--pairs 5] [--k 20]

* **time and memory**: ``topicmf run CORPUS -k K`` and ``Topics(n_topics=K).fit(texts)`` each in a
  fresh process, alternating, ``--pairs`` times, default threads.  The run's time is its manifest's
  total (reading the files, fitting, evaluating, neighbours, writing); the fit's is ``fit`` on texts
  already in a list (the same pass, fit, evaluation and neighbours, no files written), and beside
  it the same plus reading the files into the list.  Peak memory is the process's ru_maxrss (the
  list of texts included).  Medians, and the median of the paired ratios.
* **accuracy**: a seeded stratified 80/20 split of the labelled documents;
  ``Pipeline([Topics(n_topics=K), LogisticRegression])`` on raw texts against
  ``Pipeline([CountVectorizer, LogisticRegression])`` (scikit-learn's defaults, max_iter 1000).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_READ = """
from topicmf.corpus import load_text, open_corpus
refs = list(open_corpus(CORPUS).refs())
texts = [load_text(r)[0] for r in refs]
ids, labels = [r.doc_id for r in refs], [r.label for r in refs]
"""

_FIT = """
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
CORPUS, K = sys.argv[1], int(sys.argv[2])
started = time.perf_counter()
""" + _READ + """
read = time.perf_counter() - started
import topicmf
t = time.perf_counter()
topicmf.Topics(n_topics=K, quiet=True).fit(texts, ids=ids, labels=labels)
fit = time.perf_counter() - t
print(json.dumps({"fit": fit, "read_and_fit": read + fit, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_RUN = """
import json, resource, sys, warnings
warnings.simplefilter("ignore")
import topicmf
result = topicmf.run(sys.argv[1], out=sys.argv[3], k=int(sys.argv[2]), force=True)
peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
print(json.dumps({"run": result.manifest["timings"]["total"], "peak_mb": peak}))
"""

_ACCURACY = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
CORPUS, K = sys.argv[1], int(sys.argv[2])
""" + _READ + """
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
import topicmf
train, test = train_test_split(range(len(texts)), test_size=0.2, random_state=0, stratify=labels)
out = {}
for name, first in (("topics", topicmf.Topics(n_topics=K, quiet=True)), ("counts", CountVectorizer())):
    pipe = Pipeline([("features", first), ("clf", LogisticRegression(max_iter=1000))])
    t = time.perf_counter()
    pipe.fit([texts[i] for i in train], [labels[i] for i in train])
    out[name] = {"accuracy": pipe.score([texts[i] for i in test], [labels[i] for i in test]),
                 "seconds": time.perf_counter() - t}
print(json.dumps(out))
"""


def child(code: str, *args) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpora" / "20news"))
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        child(_RUN, args.corpus, args.k, Path(tmp) / "warm")  # compile once, outside the pairs
        for n in range(args.pairs):
            first, second = (_RUN, _FIT) if n % 2 == 0 else (_FIT, _RUN)
            got = {}
            for code in (first, second):
                result = child(code, args.corpus, args.k, Path(tmp) / "run")
                got["run" if code is _RUN else "fit"] = result
            rows.append(got)
            print(f"pair {n + 1}: run {got['run']['run']:.2f} s {got['run']['peak_mb']:.0f} MB; fit "
                  f"{got['fit']['fit']:.2f} s (+ reading the files {got['fit']['read_and_fit']:.2f} s) "
                  f"{got['fit']['peak_mb']:.0f} MB", flush=True)

    def median(values):
        return statistics.median(values)

    ratio = [r["fit"]["fit"] / r["run"]["run"] for r in rows]
    ratio_read = [r["fit"]["read_and_fit"] / r["run"]["run"] for r in rows]
    memory = [r["fit"]["peak_mb"] / r["run"]["peak_mb"] for r in rows]
    print(f"\n{args.corpus}, k = {args.k}, {args.pairs} pairs, default threads")
    print(f"topicmf run                 {median([r['run']['run'] for r in rows]):.2f} s   "
          f"peak {median([r['run']['peak_mb'] for r in rows]):.0f} MB")
    print(f"Topics.fit(texts)           {median([r['fit']['fit'] for r in rows]):.2f} s   "
          f"peak {median([r['fit']['peak_mb'] for r in rows]):.0f} MB")
    print(f"reading files + fit         {median([r['fit']['read_and_fit'] for r in rows]):.2f} s")
    print(f"paired ratio fit / run      {median(ratio):.3f} (range {min(ratio):.3f}–{max(ratio):.3f}); with reading "
          f"{median(ratio_read):.3f}; peak memory {median(memory):.3f} ({min(memory):.3f}–{max(memory):.3f})")
    if not args.skip_accuracy:
        accuracy = child(_ACCURACY, args.corpus, args.k)
        print(f"\naccuracy, 80/20 stratified split (seed 0): Topics(n_topics={args.k}) + LogisticRegression "
              f"{accuracy['topics']['accuracy']:.3f} ({accuracy['topics']['seconds']:.1f} s to train); CountVectorizer "
              f"+ LogisticRegression {accuracy['counts']['accuracy']:.3f} ({accuracy['counts']['seconds']:.1f} s)")


if __name__ == "__main__":
    main()
