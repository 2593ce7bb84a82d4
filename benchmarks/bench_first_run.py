"""The first run after ``pip install .`` in a fresh virtual environment: what a newcomer waits for.

    python benchmarks/bench_first_run.py [--venv /tmp/topicmf-first] [--corpus ../shared/corpora/20news]
                                         [--keep]

Makes a new virtual environment with this interpreter, installs this checkout with ``pip install .``
(from the package registries, as the README's quick start does; the wheel is built with its
compiled kernels, see setup.py), then measures in that environment:

* ``topicmf run corpora/demo -k 5``, the first time and the second: the run's own time (the
  manifest's total: reading to writing) and the command's wall time (with Python's start and the
  imports);
* ``topicmf.Topics(n_topics=5).fit(demo_texts)`` in a fresh interpreter: the fit, and the fit with
  ``import topicmf``;
* the first ``topicmf run CORPUS -k 20`` and a warm one after it (the run's own time), if the
  corpus is there.

The install's own time is reported too: compiling the kernels moved there.  ``--no-precompile``
installs without them, for the figures before.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_FIT = """
import sys, time, warnings
warnings.simplefilter("ignore")
from pathlib import Path
started = time.perf_counter()
import topicmf
imported = time.perf_counter()
files = sorted(Path(sys.argv[1]).rglob("*.txt"))
texts = [f.read_text(encoding="utf-8") for f in files]
t = time.perf_counter()
topicmf.Topics(n_topics=5, quiet=True).fit(texts)
done = time.perf_counter()
print(f"{done - t} {done - started - (t - imported)}")
"""


def timed(command, cwd) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True)
    return time.perf_counter() - started


def run_total(folder: Path) -> float:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["timings"]["total"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venv", default=str(Path(tempfile.gettempdir()) / "topicmf-first-run"))
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpora" / "20news"))
    parser.add_argument("--keep", action="store_true", help="keep the environment afterwards")
    parser.add_argument("--no-precompile", action="store_true",
                        help="install without the compiled kernels (TOPICMF_PRECOMPILE=0): the figures before")
    args = parser.parse_args()
    venv = Path(args.venv)
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python, topicmf = venv / "bin" / "python", venv / "bin" / "topicmf"
    started = time.perf_counter()
    env = dict(os.environ, TOPICMF_PRECOMPILE="0" if args.no_precompile else "1")
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(ROOT)], check=True, env=env)
    print(f"pip install . (fresh environment, from the registries{', no compiled kernels' if args.no_precompile else ''}): "
          f"{time.perf_counter() - started:.0f} s")
    work = Path(tempfile.mkdtemp(prefix="topicmf-first-"))
    try:
        demo = ROOT / "corpora" / "demo"
        for n in (1, 2):
            wall = timed([str(topicmf), "run", str(demo), "-k", "5", "-o", str(work / f"demo{n}"), "-q"], work)
            print(f"topicmf run corpora/demo -k 5, run {n}: the run {run_total(work / f'demo{n}'):.2f} s, "
                  f"the command {wall:.2f} s")
        for n in (1, 2):
            done = subprocess.run([str(python), "-c", _FIT, str(demo)], check=True, capture_output=True, text=True)
            fit, with_import = map(float, done.stdout.split())
            print(f"Topics(n_topics=5).fit(demo texts), fresh interpreter {n}: fit {fit:.2f} s, with import topicmf "
                  f"{with_import:.2f} s")
        corpus = Path(args.corpus)
        if corpus.is_dir():
            totals = []
            for n in (1, 2):
                timed([str(topicmf), "run", str(corpus), "-k", "20", "-o", str(work / f"big{n}"), "-q"], work)
                totals.append(run_total(work / f"big{n}"))
            print(f"topicmf run {corpus.name} -k 20: first {totals[0]:.2f} s, warm {totals[1]:.2f} s, "
                  f"ratio {totals[0] / totals[1]:.3f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(venv, ignore_errors=True)


if __name__ == "__main__":
    main()
