"""Compile the kernels a first run needs, into numba's cache beside them: run while a wheel is built.

    python -m topicmf._precompile CORPORA_FOLDER

``setup.py`` runs it on the built package (``build/lib``) so that the wheel carries numba's cache
files (``__pycache__/*.nbi``, ``*.nbc``) of the kernels that ``topicmf run`` with its defaults,
``topicmf.Topics().fit`` and ``topicmf recommend`` call.  numba keys a cache entry by the source
file's content, the numba version and the processor, so the entries serve the installed package
as they are (a wheel built on the machine it is installed on: ``pip install .``) and are ignored,
and compiled afresh, anywhere they do not fit.  Nothing here is imported by the library.
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path


def _fits(out: Path) -> None:
    """The default topic run, as a first run makes it, and the large-matrix paths of the same fit."""
    import numpy as np
    import scipy.sparse as sp

    from .model import fit_topic_model
    from .text import DocumentTermMatrix
    from .workflow import run

    corpora = Path(sys.argv[1])
    run(corpora / "demo", out=out / "demo", k=5)
    rng = np.random.default_rng(0)  # a matrix above the size where products leave scipy for the kernels
    X = sp.random(6000, 3000, density=0.01, format="csr", random_state=rng, dtype=np.float64)
    X.data = np.ceil(X.data * 5)
    dtm = DocumentTermMatrix(X=X, vocabulary=tuple(map(str, range(3000))), terms=tuple(map(str, range(3000))),
                             doc_ids=tuple(map(str, range(6000))), labels=None,
                             doc_lengths=np.asarray(X.sum(axis=1)).ravel(), info={"language": "n/a"})
    fit_topic_model(dtm, 20, max_iter=3, tol=0.0)


def _ratings(out: Path) -> None:
    from .workflow.recommend import recommend

    corpora = Path(sys.argv[1])
    recommend(corpora / "ratings_lecture.csv", out=out / "ratings")
    recommend(corpora / "purchases_lecture.csv", out=out / "purchases", k=2)
    log = out / "log.csv"  # a long table, as most rating logs are: read by ratings/plain.py's kernels
    log.write_text("user,item,rating,timestamp\n" + "".join(f"u{n % 7},i{n % 5},{1 + n % 5},{n}\n" for n in range(40)))
    recommend(log, out=out / "log", k=2)


def main() -> None:
    warnings.simplefilter("ignore")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="topicmf-precompile-") as tmp:
        for step in (_fits, _ratings):
            step(Path(tmp))
    print(f"topicmf: compiled kernels cached in {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
