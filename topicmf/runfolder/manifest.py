"""A run folder's ``manifest.json``: what the run was, and the SHA-256 of the files it vouches for."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import TopicmfError
from .npz import sha256_file
from .staging import write_atomic

__all__ = ["MANIFEST_FILE", "MODEL_FILE", "RUN_FORMAT", "RATINGS_FORMAT", "RUN_KINDS", "file_record", "write_manifest",
           "read_manifest"]

MANIFEST_FILE = "manifest.json"
MODEL_FILE = "model.npz"
RUN_FORMAT = "topicmf-run/1"  # the run folder of `topicmf run` (topicmf.model.store)
RATINGS_FORMAT = "topicmf-recommend/1"  # the run folder of `topicmf recommend` (topicmf.ratings.store)
#: Each kind of run folder, by its manifest's format, and the command that writes it.
RUN_KINDS = {RUN_FORMAT: "`topicmf run`", RATINGS_FORMAT: "`topicmf recommend`"}


def file_record(path: Path) -> dict:
    """What a manifest says of a file it vouches for: its SHA-256 and size."""
    return {"sha256": sha256_file(path), "bytes": path.stat().st_size}


def write_manifest(directory, manifest: dict) -> None:
    """``manifest.json`` in ``directory``, written atomically (numpy values as plain JSON)."""
    write_atomic(Path(directory) / MANIFEST_FILE, json.dumps(manifest, indent=2, ensure_ascii=False, default=_json))


def _json(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def read_manifest(directory, expected: str = RUN_FORMAT) -> dict:
    """The manifest of a run directory of the ``expected`` format, checked; TopicmfError when it is missing,
    unreadable or of another kind of run."""
    directory = Path(directory)
    path = directory / MANIFEST_FILE
    if not directory.is_dir():
        raise TopicmfError(f"{directory} is not a directory (give the output folder of `topicmf run`)")
    if not path.is_file():
        raise TopicmfError(f"{directory} is not a topicmf run: it has no {MANIFEST_FILE}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TopicmfError(f"{path} is unreadable or damaged ({type(exc).__name__}: {exc})") from None
    found = manifest.get("format") if isinstance(manifest, dict) else None
    if found != expected:
        if found in RUN_KINDS and expected in RUN_KINDS:
            raise TopicmfError(f"{directory} is the output of {RUN_KINDS[found]}; this command reads the output of "
                               f"{RUN_KINDS[expected]}")
        raise TopicmfError(f"{path} is not a {expected} manifest")
    return manifest
