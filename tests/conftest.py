"""Shared fixtures: tiny corpora written to temporary folders, and the shared corpora."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "corpora" / "demo"
COUNT_TABLE = ROOT / "corpora" / "database_stats_counts.csv"
SHARED = Path(os.environ.get("TOPICMF_SHARED_CORPORA", ROOT.parent / "shared" / "corpora"))


def shared_corpus(name: str) -> Path:
    """Path of a corpus in ../shared/corpora, or skip the test when it is absent."""
    path = SHARED / name
    if not path.is_dir():
        pytest.skip(f"shared corpus {name!r} not found at {path}")
    return path


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create files below ``root`` from {relative path: text or bytes}."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry below ``root`` with its kind, size, mtime and content hash."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else None
            state[str(path.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns, digest)
    return state


@pytest.fixture
def labelled_corpus(tmp_path: Path) -> Path:
    """Six short documents in three label folders."""
    return write_tree(
        tmp_path / "corpus",
        {
            "space/a.txt": "The rocket reached orbit. The rocket crew watched the planet.",
            "space/b.txt": "A telescope found a new planet near a distant star.",
            "food/c.txt": "Bake the bread in a hot oven; the bread rises.",
            "food/d.md": "# Soup\nSimmer the soup with bread and salt.",
            "sport/e.html": "<html><body><p>The team won the <b>match</b>.</p><script>var x=1;</script></body></html>",
            "sport/f.txt": "The match ended after the team scored twice in the match.",
        },
    )


class _KillingStage:
    """A stage (a context manager and a ``(done, total)`` callback) that kills one Dask worker process the first time
    a stage whose label holds ``label_part`` reports progress; the worker's address goes into ``killed``."""

    def __init__(self, label: str, label_part: str, killed: list):
        self.label, self.label_part, self.killed = label, label_part, killed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, done, total=None):
        if self.label_part in self.label and not self.killed:
            import signal

            import distributed

            pids = distributed.default_client().run(os.getpid)
            address, pid = sorted(pids.items())[-1]
            self.killed.append(address)
            os.kill(pid, signal.SIGKILL)


def kill_a_worker_when(label_part: str, killed: list):
    """A stage factory for a run on a cluster that kills a worker in the stage named by ``label_part``."""
    return lambda label: _KillingStage(label, label_part, killed)


def page_data(folder: Path) -> dict:
    """The data a run folder's page draws from (its JSON script)."""
    import json
    import re

    text = (Path(folder) / "index.html").read_text(encoding="utf-8")
    return json.loads(re.search(r'<script type="application/json" id="[^"]*">(.*?)</script>', text, re.S).group(1))


# --- a small corpus and the command line, for the tests of hostile inputs and failing outputs -----------

TOPIC_TEXTS = ["the rocket reached orbit with its crew and the launch of the space shuttle went well",
               "apples and oranges at the fruit market where farmers sell the harvest at a fair price"]


def six_documents(root: Path, extra: dict | None = None) -> Path:
    """Six ordinary documents of two topics below ``root``, and the ``extra`` files given."""
    files = {f"d{i}.txt": TOPIC_TEXTS[i % 2] + f" note{i}" for i in range(6)}
    return write_tree(root, {**files, **(extra or {})})


def invoke(args, *, debug: bool = False):
    """``topicmf [--debug] ARGS`` through click's runner (stderr apart)."""
    from click.testing import CliRunner

    from topicmf.cli import main

    return CliRunner().invoke(main, (["--debug"] if debug else []) + [str(a) for a in args])


def one_line_error(result) -> str:
    """The single ``Error:`` line of a failed command, checked to be alone and without a traceback."""
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return errors[0]


TOPIC_WORDS = [
    "rocket orbit launch crew shuttle planet telescope astronaut satellite comet galaxy asteroid",
    "recipe bake oven flour butter sugar dough pastry vanilla cinnamon caramel biscuit",
    "goalkeeper striker penalty league stadium referee midfielder tournament trophy dribble coach fixture",
    "compiler kernel debugger bytecode linker parser runtime syntax pointer thread mutex allocator",
]


def planted_texts(n_docs: int, seed: int = 0, words: int = 6):
    """Short documents (titles), each of ``words`` words from one of four topics (its label)."""
    rng = np.random.default_rng(seed)
    vocab = [t.split() for t in TOPIC_WORDS]
    labels = rng.integers(0, len(vocab), n_docs)
    texts = [" ".join(rng.choice(vocab[z], words, replace=False)) for z in labels]
    return texts, [f"t{z}" for z in labels]
