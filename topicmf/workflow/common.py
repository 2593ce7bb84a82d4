"""What every job shares: where its folder goes by default, silent progress, and what it records of where it ran."""

from __future__ import annotations

import os
import platform
import resource
import sys
from importlib import metadata
from pathlib import Path

import numpy as np

from .. import __version__

__all__ = ["versions", "peak_memory_mb", "silent", "later_stage", "corpus_name", "corpus_path", "default_out"]


def versions() -> dict:
    """Versions of topicmf and the libraries that shape its results (read from their metadata, not imported)."""
    found = {"topicmf": __version__}
    for name in ("numpy", "scipy", "scikit-learn", "numba"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover - a required dependency
            found[name] = None
    return {**found, "python": platform.python_version(), "platform": platform.platform()}


def peak_memory_mb() -> float:
    """Peak resident memory of this process and of its finished children (tokenizer workers), in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 1024**2
    return round(max(own, children) * scale, 1)


class _Silent:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, done, total=None):
        pass


def silent(label):
    return _Silent()


class later_stage:
    """A progress callback that opens the stage ``label`` when it is first called (a step that may not happen,
    such as the recall check of an approximate graph), closed with the ``with`` block."""

    def __init__(self, stage, label: str):
        self.stage, self.label, self.opened = stage, label, None

    def __enter__(self):
        return self

    def __call__(self, done, total=None):
        if self.opened is None:
            self.opened = self.stage(self.label).__enter__()
        self.opened(done, total)

    def __exit__(self, *exc):
        if self.opened is not None:
            self.opened.__exit__(*exc)
        return False


def corpus_path(corpus) -> str | None:
    """The corpus's path, resolved; None for texts given in memory."""
    if not isinstance(corpus, (str, os.PathLike)):
        return None
    return str(Path(corpus).expanduser().resolve())


def corpus_name(corpus) -> str:
    """The corpus's name: its folder's or file's ("texts" for texts given in memory)."""
    if corpus_path(corpus) is None:
        return "texts"
    path = Path(corpus).expanduser().resolve()
    return path.stem if path.is_file() else path.name


def default_out(corpus, suffix: str = "") -> Path:
    """``reports/<corpus name><suffix>`` under the current folder."""
    return Path("reports") / (corpus_name(corpus) + suffix)


def median_of_counts(values, counts) -> float:
    """The median of a multiset given as its distinct ``values`` and how many times each occurs (as np.median of
    all of them: the mean of the two middle ones for an even number) — sums a cluster's blocks send."""
    values, counts = np.asarray(values), np.asarray(counts)
    order = np.argsort(values, kind="stable")
    values, ends = values[order], np.cumsum(counts[order])
    n = int(ends[-1])
    lower = values[np.searchsorted(ends, (n - 1) // 2, side="right")]
    upper = values[np.searchsorted(ends, n // 2, side="right")]
    return float((lower + upper) / 2)
