"""Shared fixtures: tiny corpora written to temporary folders, and the shared corpora."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

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
